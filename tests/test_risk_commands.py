"""Risk on the command line and in the pages (issue 11): one company, the warning list and its filters,
the configuration's errors, analyze's write-back, and the evaluation on the generator's planted rings."""

import json
import math
import re

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import dump, write_case
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.csv_folder import load_folder
from equitygraph.queries.cli import cli
from equitygraph.queries.risk.scores import risk_of, score_all, warnings
from equitygraph.queries.risk.config import load_config

from risk_case import AS_OF, CASES, E1


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_risk_of_one_company_on_the_command_line(risk_case):
    result = run("risk", "明辉五金有限公司", "--as-of", AS_OF, "--db", risk_case[1], "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["id"], report["tier"], report["confirmed_case"]) == ("T1", "yellow", False)
    assert report["score"] == pytest.approx(0.65 * (1 - math.exp(-(1 / 6) / 0.25)))
    assert report["parts"][0]["path"] == ["T1", "L1", "K1"]
    # Before the case was confirmed, the same company is no warning.
    earlier = json.loads(run("risk", "T1", "--as-of", "2024-05-31", "--db", risk_case[1], "--format", "json").output)
    assert earlier["tier"] == "" and earlier["score"] < 0.25
    table = run("risk", "T1", "--as-of", AS_OF, "--db", risk_case[1]).output
    assert "0.32 yellow: 100 % from confirmed case 鑫源投资管理有限公司 (K1) via 李法人 (L1), legal representative of both" in table


def test_the_warning_list_filters_by_tier_and_leaves_out_confirmed_cases(risk_case):
    listed = json.loads(run("risk", "--top", 10, "--as-of", AS_OF, "--db", risk_case[1], "--format", "json").output)
    assert [w["id"] for w in listed["warnings"]][:2] == ["T_CL", "T_DC"]
    assert not set(CASES) & {w["id"] for w in listed["warnings"]}
    # --top 10 lists ten by score, past the warnings: each with its tier, "" below yellow
    assert len(listed["warnings"]) == 10
    assert [w["tier"] for w in listed["warnings"]] == ["orange"] * 2 + ["yellow"] * 2 + [""] * 6
    scores = [w["score"] for w in listed["warnings"]]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    orange = json.loads(run("risk", "--tier", "orange", "--as-of", AS_OF, "--db", risk_case[1], "--format", "json").output)
    assert [w["id"] for w in orange["warnings"]] == ["T_CL", "T_DC"]
    red = json.loads(run("risk", "--tier", "red", "--as-of", AS_OF, "--db", risk_case[1], "--format", "json").output)
    assert red["warnings"] == []
    csv_rows = run("risk", "--top", 4, "--as-of", AS_OF, "--db", risk_case[1], "--format", "csv").output.splitlines()
    assert csv_rows[0] == "rank,id,name,score,tier,intrinsic,network,why" and len(csv_rows) == 5
    table = run("risk", "--top", 5, "--as-of", AS_OF, "--db", risk_case[1]).output
    assert "below yellow" in table


def test_usage_errors_say_what_goes_with_what(risk_case):
    result = run("risk", "T1", "--tier", "red", "--db", risk_case[1])
    assert result.exit_code == 2
    assert "NAME scores one company; --tier, --region, --industry and --cluster filter the list" in result.output
    result = run("evaluate", "--out", "x.toml", "--db", risk_case[1])
    assert result.exit_code == 2 and "--out goes with --fit" in result.output
    result = run("evaluate", "--past", "--fit", "--db", risk_case[1])
    assert result.exit_code == 2 and "--past and --fit exclude each other" in result.output


BAD_CONFIGS = {
    "[links]\nfax = 0.3\n": "mine.toml: [links] fax: unknown key (known: control, holding, legal_representative, "
                            "officer, declared, contact, address)",
    "[links]\ncontrol = -1\n": "mine.toml: [links] control: -1 is negative; weights and thresholds are 0 or more",
    "[tiers]\nred = 1.5\n": "mine.toml: [tiers] red: 1.5 is above 1",
    "[tiers]\nred = nan\n": "mine.toml: [tiers] red: nan is not a finite number",
    "[links]\ncontrol = inf\n": "mine.toml: [links] control: inf is not a finite number",
    "[equity]\nchange_window_days = -inf\n": "mine.toml: [equity] change_window_days: -inf is not a finite number",
    "[tiers]\nred = 0.3\n": "mine.toml: [tiers] must fall from red to orange to yellow, got 0.3, 0.4, 0.25",
    "[contagion]\nmethod = \"heat\"\n": "mine.toml: [contagion] method: 'heat' is not pagerank or debtrank",
    "[weights]\nx = 1\n": "mine.toml: unknown section [weights] (known: tiers, combine, dimensions, equity, "
                          "compliance, business, public_opinion, complaints, recency, words, links, contagion)",
    "[links\n": "mine.toml: not TOML: Expected ']' at the end of a table declaration (at line 1, column 7)",
}


@pytest.mark.parametrize("text", sorted(BAD_CONFIGS))
def test_a_bad_configuration_is_one_line_exit_1_and_nothing_written(tmp_path, risk_case, text):
    db = tmp_path / "copy.db"
    db.write_bytes(risk_case[1].read_bytes())
    (tmp_path / "mine.toml").write_text(text, encoding="utf-8")
    before = dump(db)
    for command in (["analyze", "--risk-config"], ["risk", "--config"], ["evaluate", "--config"]):
        result = run(*command, tmp_path / "mine.toml", "--db", db)
        assert result.exit_code == 1
        assert result.output == f"Error: {BAD_CONFIGS[text]}\n"
    assert dump(db) == before


def test_a_configuration_of_your_own_changes_only_what_it_says(tmp_path, risk_case):
    (tmp_path / "mine.toml").write_text("[tiers]\nyellow = 0.35\n", encoding="utf-8")
    listed = json.loads(run("risk", "--config", tmp_path / "mine.toml", "--as-of", AS_OF, "--db", risk_case[1],
                            "--format", "json").output)
    # T1 and S1 (0.32) fall under yellow: listed on, without a tier
    assert [(w["id"], w["tier"]) for w in listed["warnings"][:4]] == [
        ("T_CL", "orange"), ("T_DC", "orange"), ("S1", ""), ("T1", "")]
    (tmp_path / "mine.toml").write_text("[links]\nlegal_representative = 0\n", encoding="utf-8")
    report = json.loads(run("risk", "T1", "--config", tmp_path / "mine.toml", "--as-of", AS_OF, "--db", risk_case[1],
                            "--format", "json").output)
    assert report["score"] == 0.0 and report["parts"] == []


@pytest.fixture(scope="module")
def analyzed(risk_case, tmp_path_factory):
    db = tmp_path_factory.mktemp("analyzed") / "risk.db"
    db.write_bytes(risk_case[1].read_bytes())
    result = run("analyze", "--as-of", AS_OF, "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    return db, result.output


def test_analyze_writes_scores_tiers_and_reasons_back(analyzed):
    db, output = analyzed
    assert json.loads(output)["risk_tiers"] == {"red": 0, "orange": 2, "yellow": 2, "confirmed": len(CASES)}
    with SQLiteStore(db, readonly=True) as s:
        assert s.results_of("risk_tier", ["T1", "K1", "NEWS", "T_CL"]) == {"T1": "yellow", "K1": "confirmed",
                                                                          "T_CL": "orange"}
        assert s.results_of("risk_score", ["T1"])["T1"] == pytest.approx(0.3163, abs=1e-4)
        assert s.results_of("risk_score", ["NEWS"])["NEWS"] == pytest.approx(0.35 * 0.2 * (1 - math.exp(-1.5)), abs=1e-4)
        assert s.results_of("risk_reason", ["T1", "K1"]) == {
            "T1": "0.32 yellow: 100 % from confirmed case 鑫源投资管理有限公司 (K1) via 李法人 (L1), legal representative of both",
            "K1": "a confirmed case on record"}
    report = run("company", "T1", "--db", db).output
    assert "Risk of illegal fundraising" in report and "yellow" in report and "via 李法人 (L1)" in report


def test_the_warning_list_filters_by_region_industry_and_cluster(analyzed):
    db = analyzed[0]

    def ids(*options):
        """The warned companies (yellow or above) the filters keep; those listed after them rank below yellow."""
        result = run("risk", "--as-of", AS_OF, "--db", db, "--format", "json", *options)
        assert result.exit_code == 0, result.output
        listed = json.loads(result.output)["warnings"]
        warned = [w["id"] for w in listed if w["tier"]]
        assert [w["id"] for w in listed[:len(warned)]] == warned
        return warned

    assert ids("--region", "小巷") == ["S1"]  # by its address
    assert ids("--industry", "百货") == ["T_CL", "T_DC", "S1", "T1"]
    assert ids("--industry", "软件") == []
    with SQLiteStore(db, readonly=True) as s:
        cluster = s.results_of("cluster", ["T1"])["T1"]
    assert ids("--cluster", cluster) == ["T1"]


def test_graph_pages_colour_companies_by_tier(analyzed, tmp_path):
    from equitygraph.queries.pages.graph_page import TIER_COLORS

    page = tmp_path / "t1.html"
    result = run("viz", "T1", "--db", analyzed[0], "--output", page)
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    nodes = {n["id"]: n for n in json.loads(re.search(r"new vis\.DataSet\((\[.*?\])\.map\(", html).group(1))}
    assert nodes["T1"]["color"]["background"] == TIER_COLORS["yellow"]
    assert nodes["K1"]["color"]["background"] == TIER_COLORS["confirmed"]
    assert "\nrisk 0.32 yellow: 100 % from confirmed case 鑫源投资管理有限公司 (K1) via 李法人" in nodes["T1"]["title"]


SEEDS = (1, 3, 4)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Three generated cases of 8,000 companies: their rings have confirmed cases, clean-looking
    members confirmed later, and decoys that look risky alone (loaders/synthetic.py)."""
    from equitygraph.loaders.synthetic import generate_case

    stores = []
    for seed in SEEDS:
        folder = tmp_path_factory.mktemp(f"planted{seed}") / "case"
        generate_case(folder, companies=8000, seed=seed)
        store = SQLiteStore(folder.parent / "case.db")
        load_folder(store, folder)
        stores.append(store)
    yield stores
    for store in stores:
        store.close()


def test_hidden_ring_members_rank_above_ordinary_companies_and_the_network_adds_lift(planted):
    from equitygraph.queries.risk.evaluate import evaluate_hidden

    runs = [evaluate_hidden(s, load_config(), fraction=0.5, seeds=3, k=20) for s in planted]
    mean = {scoring: {figure: np.mean([r.mean(scoring, figure) for r in runs])
                      for figure in ("roc_auc", "pr_auc", "precision_at_k")} for scoring in ("intrinsic", "network", "combined")}
    base_rate = np.mean([r.mean("combined", "base_rate") for r in runs])
    # Measured 0.37 precision@20 against a base rate of 0.0015; the floor leaves room for other seeds.
    assert mean["combined"]["precision_at_k"] >= 0.25 > 100 * base_rate
    assert mean["combined"]["roc_auc"] >= 0.95
    assert mean["combined"]["pr_auc"] >= mean["intrinsic"]["pr_auc"] + 0.2
    assert mean["combined"]["precision_at_k"] >= 2 * mean["intrinsic"]["precision_at_k"]
    for run_ in runs:  # the lift holds on every seed, not only on average
        assert run_.lift()["pr_auc"] > 0 and run_.lift()["roc_auc"] > 0


def test_scored_as_of_a_past_date_the_later_cases_rank_high(planted):
    from equitygraph.queries.risk.evaluate import evaluate_past

    runs = [evaluate_past(s, load_config(), k=20) for s in planted]
    for run_ in runs:
        assert run_.mean("combined", "roc_auc") > run_.mean("intrinsic", "roc_auc") + 0.1
    assert np.mean([r.mean("combined", "pr_auc") for r in runs]) >= 3 * np.mean([r.mean("intrinsic", "pr_auc") for r in runs])
    assert np.mean([r.mean("combined", "precision_at_k") for r in runs]) >= 0.2


def test_evaluate_fit_writes_a_risk_toml_that_loads_and_scores(planted, tmp_path):
    out = tmp_path / "fitted.toml"
    result = run("evaluate", "--fit", "--out", out, "--db", planted[0].path, "--format", "json")
    assert result.exit_code == 0, result.output
    fitted = json.loads(result.output)
    assert [f["scoring"] for f in fitted["figures"]] == ["hand-set weights", "fitted weights (TOML)", "fitted model"]
    assert fitted["coefficients"]["network"] > 0
    config = load_config(out)
    assert config["combine"]["network"] > 0 and sum(config["dimensions"].values()) == pytest.approx(1, abs=1e-3)
    listed = run("risk", "--config", out, "--db", planted[0].path, "--format", "json")
    assert listed.exit_code == 0 and json.loads(listed.output)["warnings"]


def test_the_case_report_carries_the_tier_and_the_reason(analyzed, tmp_path):
    import html as html_lib

    page = tmp_path / "t1-report.html"
    result = run("report", "T1", "--db", analyzed[0], "--output", page)
    assert result.exit_code == 0, result.output
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
    assert "Risk of illegal fundraising" in text and "· risk 0.32 yellow" in text  # the subtitle too
    assert "0.32 yellow: 100 % from confirmed case 鑫源投资管理有限公司 (K1) via 李法人 (L1), legal representative of both" \
        in text


def test_words_are_found_whatever_the_case_and_never_across_two_texts():
    from equitygraph.graph.analysis.risk import Texts

    builder = Texts.collect()
    builder.extend([0, 1], ["İstanbul Wealth Management Ltd", "深圳理"])  # two chunks: no word across them either
    builder.extend([2, 3, 4], ["财富有限公司", "P2P 网贷平台", "peer to PEER"])
    texts = builder.build()
    assert texts.holding("wealth management").tolist() == [0]  # İ lengthens when lower-cased: no shift
    assert texts.holding("理财").tolist() == []  # 理 ends one text, 财 begins the next
    assert texts.holding("p2p").tolist() == [3] and texts.holding("peer to peer").tolist() == [4]


def test_a_store_without_links_scores_on_intrinsic_risk_alone(tmp_path):
    folder = write_case(tmp_path / "alone", entities="id,kind,name\nA,company,理财有限公司\nB,company,五金商行\n",
                        holdings="holder_id,company_id,share\n", events="entity_id,type,date\nA,complaint,2025-01-01\n")
    with SQLiteStore(tmp_path / "alone.db") as s:
        load_folder(s, folder)
        scores = score_all(s, load_config(), AS_OF)
        a = scores.arrays.index_of("A")
        assert float(scores.network.score.max()) == 0.0
        assert float(scores.found.intrinsic[a]) == pytest.approx(0.25 * (1 - (1 - 0.8 * 0.5) * (1 - 0.5)) + 0.2 * E1)
        # A's intrinsic score is below yellow: listed without a tier; B scores 0 and is not listed
        assert [(w["id"], w["tier"]) for w in warnings(s, load_config(), as_of=AS_OF, scores=scores).rows] == [("A", "")]
        # B's report says why it is zero, and its empty tables say "(none)" in a notebook as on a terminal
        quiet = risk_of(s, "B", load_config(), as_of=AS_OF, scores=scores)
        assert quiet.explanation.sentence() == "0.00: no risk fact on record in it or around it"
        page = quiet._repr_html_()
        assert "<h4>Where the score comes from</h4><p>(none)</p>" in page and "<th>source</th>" not in page


def test_the_explorer_lists_the_warnings_as_the_command_does(risk_case):
    """/api/warnings answers what `risk` answers, filters included (issue 29)."""
    from starlette.testclient import TestClient

    from equitygraph.queries.app.server import make_app

    app = make_app(lambda: SQLiteStore(risk_case[1], readonly=True))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        for query, options in (({"tier": "orange"}, ["--tier", "orange"]), ({"top": "6"}, ["--top", "6"]),
                               ({"region": "小巷"}, ["--region", "小巷"])):
            answer = c.get("/api/warnings", params={**query, "as_of": AS_OF})
            assert answer.status_code == 200, answer.text
            command = json.loads(run("risk", *options, "--as-of", AS_OF, "--db", risk_case[1], "--format", "json").output)
            assert [w["id"] for w in answer.json()["data"]["warnings"]] == [w["id"] for w in command["warnings"]]
        orange = c.get("/api/warnings", params={"tier": "orange", "as_of": AS_OF}).json()
        assert [w["id"] for w in orange["data"]["warnings"]] == ["T_CL", "T_DC"]
        assert orange["names"]["T_CL"] == orange["data"]["warnings"][0]["name"]
