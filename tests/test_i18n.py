"""Chinese and English: every message has a translation, and what the commands and pages show in
Chinese has no English heading left."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import analysed_case, copy_store
from equitygraph.queries import i18n
from equitygraph.queries.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile("[\u4e00-\u9fff]")
NOT_WORDS = {"#", "ROC-AUC", "PR-AUC"}


def test_every_message_has_a_chinese_translation_and_the_catalog_is_compiled():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_choosing_the_language(monkeypatch):
    monkeypatch.delenv("EQUITYGRAPH_LANG", raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.choose_language() == "zh"
    monkeypatch.setenv("EQUITYGRAPH_LANG", "en")
    assert i18n.choose_language() == "en"
    assert i18n.choose_language("zh") == "zh"
    with i18n.language("zh"):
        assert i18n._("Control of {name}").format(name="华信") == "华信的控制情况"
    with i18n.language("en"):
        assert i18n._("Control of {name}").format(name="华信") == "Control of 华信"


def test_a_company_in_chinese_has_no_english_heading_left(generated_store, tmp_path):
    from equitygraph.queries.company import company_report
    from equitygraph.queries.relations.related import related_parties

    companies = [h.entity.id for h in generated_store.search("控股", limit=5)]
    with i18n.language("zh"):
        before = i18n.untranslated()
        for company in companies:
            for section in company_report(generated_store, company).sections() + related_parties(generated_store, company).sections():
                assert CJK.search(section.title), section.title
                for column in section.columns:
                    assert not column or column in NOT_WORDS or CJK.search(column), (section.title, column)
                if section.columns and section.columns[0] == "字段" or section.columns == ["", ""]:
                    for label, *_ in section.rows:
                        assert CJK.search(str(label)), (section.title, label)
        missing = sorted(i18n.untranslated() - before)
    assert not missing, "no translation for: " + " | ".join(missing)


def test_the_cli_speaks_chinese_when_asked(generated_store, generated_case, monkeypatch):
    db = generated_store.path
    company = generated_store.search("控股", limit=1)[0].entity.id
    zh = CliRunner().invoke(cli, ["control", company, "--db", str(db), "--lang", "zh"])
    assert zh.exit_code == 0, zh.output
    assert "的控制情况" in zh.output and "Control of" not in zh.output
    monkeypatch.setenv("EQUITYGRAPH_LANG", "zh")
    by_env = CliRunner().invoke(cli, ["control", company, "--db", str(db)])
    assert "的控制情况" in by_env.output
    en = CliRunner().invoke(cli, ["--lang", "en", "control", company, "--db", str(db)])
    assert "Control of" in en.output
    as_json = CliRunner().invoke(cli, ["control", company, "--db", str(db), "--lang", "zh", "--format", "json"])
    assert '"actual_controllers"' in as_json.output  # JSON keys stay as documented


def test_the_report_and_the_page_in_chinese(generated_store):
    from equitygraph.queries.pages.case_report import case_report
    from equitygraph.queries.pages.graph_page import graph_page, tree_page

    company = generated_store.search("控股", limit=1)[0].entity.id
    with i18n.language("zh"):
        before = i18n.untranslated()
        report = case_report(generated_store, company).html
        page = graph_page(generated_store, company).html
        tree = tree_page(generated_store, company).html
        missing = sorted(i18n.untranslated() - before)
    assert not missing, "no translation for: " + " | ".join(missing)
    assert "综合持股" in tree and "holders" not in tree.split("<body>")[1].split("<script>")[0]
    assert '<html lang="zh-CN">' in report and "周边关系图" in report and "数据来源与日期" in report
    assert "Graph of the neighbourhood" not in report and "Data sources and date" not in report
    assert "控制链" in page and "跳内" in page


@pytest.fixture(scope="module")
def analyzed_db(tmp_path_factory):
    return analysed_case(tmp_path_factory.mktemp("zh") / "zh.db", companies=300, seed=3).parent


def commands(work: Path, company: str, person: str, other: str) -> list[list[str]]:
    db = ["--db", str(work / "zh.db")]
    return [["search", "控股", *db], ["company", company, *db], ["control", company, *db], ["related", company, *db],
            ["group", company, *db], ["groups", "--top", "3", *db], ["clusters", "--top", "3", *db],
            ["cluster", company, *db], ["path", company, other, *db], ["stake", person, company, *db],
            ["risk", "--top", "5", *db], ["risk", company, *db], ["evaluate", "--past", *db], ["discrepancies", *db],
            ["export", "--format", "jsonl", "-o", str(work / "out.jsonl"), *db],
            ["load", str(work / "case"), "--db", str(work / "again.db")], ["generate", str(work / "g"), "--companies", "60"],
            ["analyze", "--db", str(work / "again.db")], ["changes", company, "--since", "2000-01-01", "--hops", "1", *db],
            ["watch", "add", company, *db], ["watch", "ls", *db], ["alerts", "--since", "2000-01-01", *db],
            ["watch", "rm", company, *db],
            ["generate", str(work / "h"), "--companies", "60", "--snapshots", "2"],
            ["load", str(work / "h" / "2026-03-31"), "--snapshot", "2026-03-31", "--db", str(work / "h.db")],
            ["watch", "add", "C001", "--db", str(work / "h.db")],
            ["load", str(work / "h" / "2026-06-30"), "--snapshot", "2026-06-30", "--db", str(work / "h.db")]]


def test_every_command_in_chinese_has_no_english_heading_and_no_untranslated_word(analyzed_db, monkeypatch):
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries import render

    with SQLiteStore(analyzed_db / "zh.db", readonly=True) as store:
        company = store.search("控股", limit=1)[0].entity.id
        holders = store.holders_of(company)
        person = holders[0].holder_id
        other = store.search("有限公司", limit=30)[-1].entity.id
    shown: list = []
    real = render.Result.render

    def keep(self, fmt):
        shown.extend(self.sections())
        return real(self, fmt)

    monkeypatch.setattr(render.Result, "render", keep)
    real_section = render.render_section
    monkeypatch.setattr("equitygraph.queries.cli.data.render_section", lambda s: shown.append(s) or real_section(s))
    before = i18n.untranslated()
    for args in commands(analyzed_db, company, person, other):
        result = CliRunner().invoke(cli, ["--lang", "zh", *args])
        assert result.exit_code == 0, (args, result.output)
    assert len(shown) > 30
    for section in shown:
        assert CJK.search(section.title), section.title
        for column in section.columns:
            assert not column or column in NOT_WORDS or CJK.search(column), (section.title, column)
        if list(section.columns) == ["", ""] or (section.columns and section.columns[0] == "字段"):
            for label, *_rest in section.rows:
                assert CJK.search(str(label)), (section.title, label)
    missing = sorted(i18n.untranslated() - before)
    assert not missing, "no translation for: " + " | ".join(missing)


def test_officer_edges_are_labelled_in_the_language_asked(tmp_path):
    """Edges said `legal_representative`, underscores and all, in Chinese pages too."""
    from equitygraph.graph.model import Entity, EntityKind, Officer
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries import explore, i18n

    with SQLiteStore(tmp_path / "o.db") as s:
        with s.writer() as w:
            w.add_many([Entity("C", EntityKind.COMPANY, "华信"), Entity("P", EntityKind.PERSON, "王伟"),
                        Officer("P", "C", "legal_representative"), Officer("P", "C", "总经理助理")])
        for lang, expected in (("en", {"legal representative", "总经理助理"}), ("zh", {"法定代表人", "总经理助理"})):
            with i18n.language(lang):
                page = explore.neighbours(s, "C", explore.parse_filters(None, None, None))
            assert {e["label"] for e in page["edges"] if e["kind"] == "officer"} == expected, lang



#: English that may stand in Chinese output: metric names, the currency code, the program's own name
#: and its commands and options in a hint (``equitygraph analyze``), units.
ENGLISH_ALLOWED = {"ROC-AUC", "PR-AUC", "CNY", "equitygraph", "analyze", "risk", "format", "json", "jsonl", "csv",
                   "since", "until", "hops", "top", "db"}


def data_texts(db: Path) -> list[str]:
    """Every text the store holds (names, ids, addresses, sources, event texts, titles as registered):
    data, never translated, so taken out before English words are looked for."""
    import sqlite3

    with sqlite3.connect(db) as con:
        texts = set()
        for table in ("entities", "holdings", "officers", "links", "events", "relations"):
            for row in con.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, str) and value.startswith("["):  # a list (aliases), as JSON
                        texts.update(v for v in json.loads(value) if isinstance(v, str))
                    elif isinstance(value, str):
                        texts.add(value)
    texts = {t for t in texts if len(t) > 1}
    return sorted(texts, key=len, reverse=True)


def english_words(text: str, data: list[str], paths: list[str]) -> list[str]:
    for value in paths:
        text = text.replace(value, " ")
    text = re.sub(r"--[a-z-]+", " ", text)  # an option named in a hint
    for value in data:  # a data value in Latin letters only as a whole word: "registry", never the "on" of "one"
        text = re.sub(rf"(?<![A-Za-z]){re.escape(value)}(?![A-Za-z])", " ", text) if value.isascii() else text.replace(value, " ")
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*[A-Za-z]", text) if w not in ENGLISH_ALLOWED]


def test_every_sentence_a_command_computes_is_in_chinese(analyzed_db):
    """The headings were Chinese but every computed sentence English: the register sentence, the
    reasons for a verdict, the evidence of related parties, the risk reasons, interest words."""
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(analyzed_db / "zh.db", readonly=True) as store:
        company = store.search("控股", limit=1)[0].entity.id
        person = store.holders_of(company)[0].holder_id
        other = store.search("有限公司", limit=30)[-1].entity.id
    data = data_texts(analyzed_db / "zh.db")
    left = {}
    for args in commands(analyzed_db, company, person, other):
        if args[0] in ("load", "generate", "export", "watch") or Path(args[-1]).name in ("again.db", "h.db"):
            continue  # they write and count; their words are headings, checked above
        result = CliRunner().invoke(cli, ["--lang", "zh", *args])
        assert result.exit_code == 0, (args, result.output)
        words = english_words(result.output, data, [str(analyzed_db)])
        if words:
            left[" ".join(args[:2])] = words[:12]
    assert not left, left


def test_analyze_in_chinese_says_why_verdicts_are_not_certain_in_chinese(analyzed_db, tmp_path):
    """The reasons of the uncertain verdicts were printed as their codes ("unrecorded majority")."""
    from equitygraph.graph.analysis.control_rules import REASONS, VERDICTS
    from equitygraph.queries.analyze import WRITTEN, AnalysisResult

    every_reason = {reason: n for n, reason in enumerate(REASONS[1:], 1)}
    summary = AnalysisResult(100, {verdict: 1 for verdict in VERDICTS}, {"read the graph": 0.1}, None, 3, every_reason)
    with i18n.language("zh"):
        table = summary.render("table")
    reasons = table.split("不确定的原因")[1].split("\n\n")[0].splitlines()[2:]  # below the heading and columns
    assert len(reasons) == len(every_reason) and all(re.fullmatch(r"\s*[^A-Za-z]+\s+\d+", r) for r in reasons), reasons
    copy_store(analyzed_db / "zh.db", tmp_path / "again.db")
    result = CliRunner().invoke(cli, ["--lang", "zh", "analyze", "--db", str(tmp_path / "again.db")])
    assert result.exit_code == 0, result.output
    for said in (table, result.output):
        said = said.replace(", ".join(WRITTEN), " ")  # the names of the results written: column names
        assert english_words(said, [], [str(tmp_path)]) == []


def shown_text(html: str) -> str:
    """The text a reader of ``html`` sees: outside scripts and styles."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.hidden, self.parts = 0, []

        def handle_starttag(self, tag, attrs):
            self.hidden += tag in ("script", "style")

        def handle_endtag(self, tag):
            self.hidden -= tag in ("script", "style")

        def handle_data(self, data):
            if not self.hidden:
                self.parts.append(data)

    reader = Reader()
    reader.feed(html)
    return " ".join(reader.parts)


def test_the_case_report_in_chinese_has_no_english_sentence(analyzed_db):
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(analyzed_db / "zh.db", readonly=True) as store:
        company = store.search("控股", limit=1)[0].entity.id
    out = analyzed_db / "report-zh.html"
    result = CliRunner().invoke(cli, ["--lang", "zh", "report", company, "--db", str(analyzed_db / "zh.db"),
                                      "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output
    text = shown_text(out.read_text(encoding="utf-8"))
    text = text.replace("docs/control.md", " ").replace("UTC", " ")  # a file to read, the clock's zone
    loaded = ["case"]  # the folder the case was loaded from, named as the data's source
    assert english_words(text, data_texts(analyzed_db / "zh.db") + loaded, [str(analyzed_db)]) == []


@pytest.mark.parametrize("results, en, zh", [
    ({"risk_reason": "0.40 orange", "risk_reason_zh": "0.40 橙色"}, "0.40 orange", "0.40 橙色"),
    ({"risk_reason": "0.40 orange"}, "0.40 orange", "0.40 orange"),  # analysed before reasons were kept in Chinese
    ({}, None, None),
])
def test_a_sentence_result_is_read_in_the_language_asked(results, en, zh):
    for lang, expected in (("en", en), ("zh", zh)):
        with i18n.language(lang):
            assert i18n.said(results, "risk_reason") == expected


def test_the_graph_pages_read_each_risk_reason_in_the_language_asked(tmp_path):
    from equitygraph.graph.model import Entity, EntityKind
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.pages.graph_page import risk_marks

    with SQLiteStore(tmp_path / "r.db") as store:
        with store.writer() as w:
            w.add_many([Entity("A", EntityKind.COMPANY, "甲"), Entity("B", EntityKind.COMPANY, "乙")])
        store.write_results("risk_score", {"A": 0.4, "B": 0.5})
        store.write_results("risk_reason", {"A": "0.40 orange", "B": "0.50 orange"})
        store.write_results("risk_reason_zh", {"A": "0.40 橙色"})
        with i18n.language("zh"):
            assert {i: m[2] for i, m in risk_marks(store, ["A", "B"]).items()} == {"A": "0.40 橙色", "B": "0.50 orange"}
        with i18n.language("en"):
            assert {i: m[2] for i, m in risk_marks(store, ["A", "B"]).items()} == {"A": "0.40 orange", "B": "0.50 orange"}


def shown_strings(value) -> list[str]:
    """The texts a page shows of an explorer answer: its sections' titles, headings, cells and notes
    (the ``data`` part is ``--format json``'s, with English keys by design)."""
    texts = []
    for section in value.get("sections", []):
        texts += [section.get("title") or "", section.get("note") or "", section.get("empty") or ""]
        texts += [c for c in section.get("columns", []) if c]
        texts += [str(cell) for row in section.get("rows", []) for cell in row if cell is not None]
    return texts


def test_the_explorer_answers_in_chinese_have_no_english_sentence(analyzed_db):
    """What the app shows in Chinese: the company, person and address pages with their glance, the
    related parties, group and cluster panels, the paths and stake between two, the early warnings."""
    from starlette.testclient import TestClient

    from equitygraph.graph.model import EntityKind
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.app.server import make_app

    db = analyzed_db / "zh.db"
    with SQLiteStore(db, readonly=True) as store:
        company = store.search("控股", limit=1)[0].entity.id
        holder = store.holders_of(company)[0].holder_id
        address = store.ids_of([EntityKind.ADDRESS])[0]
    asked = [f"/api/entity/{company}", f"/api/entity/{holder}", f"/api/entity/{address}",
             f"/api/related/{company}", f"/api/group/{company}", f"/api/cluster/{company}",
             f"/api/between?from={holder}&to={company}", "/api/warnings?top=40"]
    data = data_texts(db)
    with TestClient(make_app(lambda: SQLiteStore(db, readonly=True)), base_url="http://127.0.0.1:8765") as client:
        left = {}
        for path in asked:
            reply = client.get(path + ("&" if "?" in path else "?") + "lang=zh")
            assert reply.status_code == 200, (path, reply.text)
            text = " ".join(shown_strings(reply.json()))
            assert text.strip(), path
            if words := english_words(text, data, [str(analyzed_db)]):
                left[path] = words
    assert left == {}
