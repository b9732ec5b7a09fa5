"""Hostile inputs, round two (issue 28): nothing a data supplier writes can hang a load, forge a
finding or crash with a traceback; each case here failed before its fix."""

import json
import time
from pathlib import Path

import pytest

from equitygraph.graph.errors import InvalidInput
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.formats import load_path

PSC_LINE = {"company_number": "08209948", "data": {
    "kind": "individual-person-with-significant-control", "name": "Mr Marc Anthony Feldman",
    "links": {"self": "/company/08209948/persons-with-significant-control/individual/X1"},
    "natures_of_control": [], "notified_on": "2021-12-13"}}


def psc_file(tmp_path, natures: list[str]):
    line = json.loads(json.dumps(PSC_LINE))
    line["data"]["natures_of_control"] = natures
    path = tmp_path / "psc.jsonl"
    path.write_text(json.dumps(line) + "\n")
    return path


@pytest.mark.parametrize("nature, message", [
    ("1" * 100_000, "'1111111111111111111111111111111111111111'... (100,000 characters) is too long to be a nature "
                    "of control"),
    ("ownership-of-shares-" + "9" * 5_000 + "-to-50-percent", "... (5,034 characters) is too long to be a nature"),
    ("ownership-of-shares-75-to-25-percent", "the band 75-to-25 percent is not from a lower to a higher share of at "
                                             "most 100"),
    ("ownership-of-shares-50-to-500-percent", "the band 50-to-500 percent"),
])
def test_a_hostile_nature_of_control_is_refused_at_once_at_its_line(tmp_path, nature, message):
    """A 100 KB digit string took over 90 s in the old band pattern (quadratic); a reversed band or a
    5,000-digit number crashed."""
    path = psc_file(tmp_path, ["ownership-of-shares-25-to-50-percent", nature])
    started = time.perf_counter()
    with SQLiteStore(tmp_path / "p.db") as store, pytest.raises(InvalidInput) as error:
        load_path(store, path)
    assert time.perf_counter() - started < 2.0
    assert str(error.value).startswith("psc.jsonl:1: data.natures_of_control: ")
    assert message in str(error.value)
    with SQLiteStore(tmp_path / "p.db") as store:
        assert set(store.counts().values()) == {0}  # nothing of the file was kept


def ring_store(k: int, person_share: float | None = 0.30):
    """A ring of ``k`` companies each holding 6 % of every other and of T; a person with
    ``person_share`` of T; B 60 % held by T."""
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share

    store = SQLiteStore(":memory:")
    with store.writer() as w:
        w.add_many([Entity("T", EntityKind.COMPANY, "T"), Entity("B", EntityKind.COMPANY, "B"),
                    Entity("P", EntityKind.PERSON, "P"), Holding("T", "B", Share.exact(0.6))])
        w.add_many([Entity(f"R{i}", EntityKind.COMPANY, f"R{i}") for i in range(k)])
        w.add_many([Holding(f"R{i}", f"R{j}", Share.exact(0.06)) for i in range(k) for j in range(k) if i != j])
        w.add_many([Holding(f"R{i}", "T", Share.exact(0.06)) for i in range(k)])
        if person_share is not None:
            w.add(Holding("P", "T", Share.exact(person_share)))
    return store


@pytest.mark.parametrize("person_share", [0.30, None])
def test_a_dense_ring_above_a_company_cannot_stall_its_report(person_share):
    """k = 11 took over 150 s: every simple path through the ring was tried. The search now follows
    only holders a top stands above and stops at a bound of work; the integrated figures stay exact."""
    from equitygraph.queries.control.report import control_report

    store = ring_store(11, person_share)
    for company in ("T", "B"):
        started = time.perf_counter()
        report = control_report(store, company)
        assert time.perf_counter() - started < 5.0, company
        owned = {i: lo for i, lo, _ in report.owners}
        chains = [[h.holder for h in c.hops] for c in report.chains]
        # B's chain 1 is its control path: T, its controlling parent (60 %)
        along = [["T"]] if company == "B" else []
        if person_share is not None:
            # P holds T alone, outside the ring: 30 % of T, 18 % of B; the ring holds nothing of P
            assert owned == {"P": pytest.approx(0.30 * (1.0 if company == "T" else 0.6))}
            assert chains == along + [["P"] + (["T"] if company == "B" else [])]
        else:
            # nobody above the ring: the search gave up at its bound, and says so
            assert (owned, chains, report.chains_cut) == ({}, along, True)
    store.close()


def test_the_chain_search_stops_at_its_bound_and_says_so():
    from equitygraph.graph.analysis.chains import Edge, control_chains

    edges = [Edge("P", "X", 0.6, 0.6), Edge("X", "Y", 0.5, 0.5), Edge("P", "Y", 0.1, 0.1)]
    assert control_chains(edges, "Y", max_steps=4) == control_chains(edges, "Y")  # Y, X, and P twice
    chains, cut = control_chains(edges, "Y", max_steps=1)
    assert cut and [[h.holder for h in c.hops] for c in chains] == [["P"]]
    with pytest.raises(ValueError, match="max_steps must be at least 1"):
        control_chains(edges, "Y", max_steps=0)


def rewritten(path, part: str, change) -> None:
    """The workbook at ``path`` with its ``part`` passed through ``change`` (bytes -> bytes)."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def loaded(path, tmp_path):
    with SQLiteStore(tmp_path / f"{path.stem}.db") as store:
        load_path(store, path)
        return store.counts()


def test_a_workbook_claiming_the_whole_sheet_reads_only_its_cells(tmp_path, monkeypatch):
    """A <dimension> of A1:XFD1048576 made openpyxl pad every row to 16,384 cells (a 5 KB workbook
    took minutes): only the cells under the header are read, and the load is the same."""
    import re

    from equitygraph.loaders import sheets
    from test_tabular import workbook

    plain = loaded(workbook(tmp_path / "plain.xlsx"), tmp_path)
    claimed = workbook(tmp_path / "claimed.xlsx")
    for sheet in (1, 2, 3):
        rewritten(claimed, f"xl/worksheets/sheet{sheet}.xml",
                  lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))
    read = []
    value = sheets._xlsx_value
    monkeypatch.setattr(sheets, "_xlsx_value", lambda cell: read.append(1) or value(cell))
    assert loaded(claimed, tmp_path) == plain
    assert plain["holdings"] == 3
    assert len(read) == 2 * 12 + 3 * 6 + 2 * 3  # (rows x header width) per sheet, not 16,384 cells a row


def test_a_packed_bomb_is_refused_before_it_is_unpacked(tmp_path):
    """A 107 KB workbook holding a 100 MB cell took 36 s and 1.9 GB; here 32 MB of one letter packs
    about 1000:1 into the shared strings."""
    from test_tabular import workbook

    bomb = workbook(tmp_path / "bomb.xlsx")
    rewritten(bomb, "xl/worksheets/sheet2.xml",
              lambda xml: xml.replace(b"</sheetData>", b'<row r="9"><c r="A9" t="inlineStr"><is><t>'
                                      + b"a" * (32 << 20) + b"</t></is></c></row></sheetData>"))
    assert bomb.stat().st_size < 200_000
    started = time.perf_counter()
    with SQLiteStore(tmp_path / "b.db") as store, pytest.raises(InvalidInput) as error:
        load_path(store, bomb)
    assert time.perf_counter() - started < 2.0
    assert str(error.value).startswith("bomb.xlsx: is not a readable .xlsx workbook (its part "
                                       "xl/worksheets/sheet2.xml unpacks to 33,")


@pytest.mark.parametrize("column, value, message", [
    (2, "王" * 5_000, "股东信息:3: 股东名称: '王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王王'... "
                     "(5,000 characters) is too long to be a name (more than 2,000 characters)"),
    (3, "x" * 40_000, "股东信息:3: 股东类型: 40,000 characters is longer than any cell a spreadsheet holds (32,767)"),
])
def test_an_overlong_cell_is_an_error_naming_sheet_row_and_column(tmp_path, column, value, message):
    from test_tabular import workbook

    rows = [["华信投资有限公司", "王伟", "自然人股东", "60%", 600, ""], ["华信投资有限公司", "李四", "自然人", "40%", 400, ""]]
    rows[1][column - 1] = "LONGCELL"
    path = workbook(tmp_path / "long.xlsx", shareholder_rows=rows)
    # written into the sheet itself: openpyxl would cut it at 32,767 characters on the way in
    rewritten(path, "xl/worksheets/sheet2.xml", lambda xml: xml.replace(b"LONGCELL", value.encode()))
    with SQLiteStore(tmp_path / "l.db") as store, pytest.raises(InvalidInput) as error:
        load_path(store, path)
    assert str(error.value) == "long.xlsx:" + message


def test_an_id_holding_a_bar_is_not_a_pair_of_joint_controllers(tmp_path):
    """X and Y hold 50 % of C each (joint control); a party whose id is "X|Y" holds all of D. The
    analysis wrote C's controller as "X|Y", which ``related`` read as D's controller: an invented
    fellow subsidiary with invented evidence."""
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    from equitygraph.queries.analyze import analyze
    from equitygraph.queries.relations.related import related_parties

    with SQLiteStore(tmp_path / "bar.db") as store:
        with store.writer() as w:
            w.add_many([Entity("X", EntityKind.PERSON, "甲"), Entity("Y", EntityKind.PERSON, "乙"),
                        Entity("X|Y", EntityKind.PERSON, "丙"), Entity("C", EntityKind.COMPANY, "C公司"),
                        Entity("D", EntityKind.COMPANY, "D公司"), Entity("E", EntityKind.COMPANY, "E公司"),
                        Holding("X", "C", Share.exact(0.5)), Holding("Y", "C", Share.exact(0.5)),
                        Holding("X|Y", "D", Share.exact(1.0)), Holding("X", "E", Share.exact(0.5)),
                        Holding("Y", "E", Share.exact(0.5)), Entity("F", EntityKind.COMPANY, "F公司"),
                        Holding("X|Y", "F", Share.exact(1.0))])
        analyze(store)
        assert (store.read_results("controller"), store.read_results("controller_partner")) == (
            {"C": "X", "D": "X|Y", "E": "X", "F": "X|Y"}, {"C": "Y", "E": "Y"})
        groups = store.read_results("group")
        assert groups["C"] == groups["E"] != groups["D"] == groups["F"]
        for company, fellows in (("C", {"E"}), ("D", {"F"}), ("E", {"C"}), ("F", {"D"})):
            found = related_parties(store, company)
            assert {p.entity_id for p in found.legal if p.relation == "fellow_subsidiary"} == fellows, company


def test_mapping_init_quotes_every_header_it_writes_and_prints(tmp_path):
    """A header holding a newline added TOML lines of its own; one holding escapes steered the terminal."""
    import tomllib

    from click.testing import CliRunner

    from equitygraph.queries.cli import cli

    header = ['企业名称', '股东名称', '持股比例', '备注"\n[[table]]\nkind = "officers"', "\x1b]0;pwned\x07\u202e列"]
    text = ",".join('"' + h.replace('"', '""') + '"' for h in header) + "\n华信投资有限公司,王伟,60%,x,y\n"
    (tmp_path / "股东.csv").write_text(text, encoding="utf-8")
    out = tmp_path / "m.toml"
    for args in ([], ["-o", str(out)]):
        run = CliRunner().invoke(cli, ["mapping", "init", str(tmp_path / "股东.csv"), *args])
        assert run.exit_code == 0, run.output
        assert not any(c in run.output for c in ("\x1b", "\x07", "\u202e"))
    written = out.read_text(encoding="utf-8")
    assert not any(c in written for c in ("\x1b", "\x07", "\u202e"))
    parsed = tomllib.loads(written)
    assert [t["kind"] for t in parsed["table"]] == ["shareholders"]
    assert "kind = \"officers\"" not in [line.strip() for line in written.splitlines()]
    assert '# columns not read: "备注\\"\\n[[table]]\\nkind = \\"officers\\"", "\\u001b]0;pwned\\u0007\\u202e列"' in written


@pytest.fixture
def small_app_db(tmp_path):
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share

    db = tmp_path / "app.db"
    with SQLiteStore(db) as store:
        with store.writer() as w:
            w.add_many([Entity("C", EntityKind.COMPANY, "华信投资"), Entity("P", EntityKind.PERSON, "王伟"),
                        Holding("P", "C", Share.exact(0.6))])
    return db


@pytest.mark.parametrize("headers, status", [
    ({"sec-fetch-site": "cross-site"}, 403),  # <img src=http://127.0.0.1:PORT/api/view/T> on another site
    ({"sec-fetch-site": "same-site"}, 403),   # a page on another port of this machine
    ({"origin": "http://evil.example"}, 403),
    ({"origin": "null"}, 403),                # a sandboxed frame, a file:// page
    ({"sec-fetch-site": "same-origin", "origin": "http://127.0.0.1:8765"}, 200),  # the explorer's own page
    ({"sec-fetch-site": "none"}, 200),        # an address typed or pasted
    ({}, 200),                                # a script (curl) sends neither
])
def test_the_api_answers_only_its_own_pages(small_app_db, headers, status):
    from starlette.testclient import TestClient

    from equitygraph.queries.app.server import make_app

    app = make_app(lambda: SQLiteStore(small_app_db, readonly=True))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        answer = c.get("/api/view/C", headers=headers)
        assert answer.status_code == status
        if status == 403:
            assert answer.json() == {"error": "cross-site requests are refused: open the explorer from its own address"}
        # the page itself may be opened from a link anywhere: it sends nothing until it runs here
        assert c.get("/", headers=headers).status_code == 200


@pytest.mark.parametrize("path, location", [
    ("//evil.example/", "/evil.example/"), ("/\\evil.example/", "/evil.example/"),
    ("/%2F%2Fevil.example", "/evil.example"), ("/api/view/C", "/api/view/C"), ("/公司", "/%E5%85%AC%E5%8F%B8"),
])
def test_the_token_redirect_stays_on_this_server(path, location):
    """``GET //evil.example/?token=T`` answered 303 to ``//evil.example/``: another site."""
    from urllib.parse import unquote

    from equitygraph.queries.app.server import Guard

    token = "t" * 32
    guard = Guard(None, token, "0.0.0.0")
    scope = {"type": "http", "method": "GET", "path": unquote(path), "raw_path": path.encode(),
             "query_string": f"token={token}".encode(), "headers": [(b"host", b"10.0.0.5:8765")]}
    status, _, headers = guard.refusal(scope)
    assert (status, dict(headers)[b"location"].decode()) == (303, location)


def test_secrets_stay_off_the_command_line_and_tokens_are_long(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from equitygraph.queries.cli import cli

    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    (tmp_path / "empty").write_text("")
    run = CliRunner().invoke(cli, ["search", "x", "--neo4j-uri", "bolt://127.0.0.1:1",
                                   "--neo4j-password-file", str(tmp_path / "empty")])
    assert run.exit_code == 2 and "Invalid value for --neo4j-password-file: empty is empty" in run.output
    (tmp_path / "pw").write_text("secret\n")
    both = CliRunner().invoke(cli, ["search", "x", "--neo4j-uri", "bolt://127.0.0.1:1", "--neo4j-password", "a",
                                    "--neo4j-password-file", str(tmp_path / "pw")])
    assert both.exit_code == 2 and "give --neo4j-password or --neo4j-password-file, not both" in both.output
    help_text = CliRunner().invoke(cli, ["search", "--help"], terminal_width=200).output
    assert "prefer the environment or --neo4j-password-file" in " ".join(help_text.split())
    short = CliRunner().invoke(cli, ["serve", "--token", "x" * 31, "--db", str(tmp_path / "none.db")])
    assert short.exit_code == 2 and "an access token needs at least 32 characters, got 31" in short.output


def test_localhost_is_asked_as_127_0_0_1_and_never_handed_the_stored_password(monkeypatch, tmp_path):
    """``localhost`` may resolve to ::1, where another server than ours could listen."""
    from equitygraph.graph.stores import neo4j_server

    monkeypatch.setenv("EQUITYGRAPH_NEO4J_HOME", str(tmp_path / "home"))
    asked = []
    monkeypatch.setattr(neo4j_server.Neo4jServer, "settings", lambda self: asked.append(1) or
                        {"port": 7687, "auth": True})
    monkeypatch.setattr(neo4j_server.Neo4jServer, "stored_password", lambda self: "stored")
    assert neo4j_server.local_password("bolt://localhost:7687") is None
    assert neo4j_server.local_password("bolt://127.0.0.1:7687") == "stored"
    assert neo4j_server.on_loopback("bolt://neo4j@LOCALHOST:7687") == "bolt://neo4j@127.0.0.1:7687"


@pytest.mark.parametrize("command", [
    ["viz", "C", "-o", "{out}"], ["report", "C", "-o", "{out}"], ["export", "--format", "jsonl", "-o", "{out}"],
    ["export", "--format", "graphml", "-o", "{out}"], ["mapping", "init", "{data}", "-o", "{out}"],
])
def test_an_output_that_is_a_symbolic_link_is_never_written_through(small_app_db, tmp_path, command):
    """``-o`` followed a symbolic link and overwrote its target (a file of the user's, ~/.bashrc)."""
    from click.testing import CliRunner

    from equitygraph.queries.cli import cli

    (tmp_path / "股东.csv").write_text("企业名称,股东名称,持股比例\n华信,王伟,60%\n", encoding="utf-8")
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file\n")
    out = tmp_path / "out.file"
    out.symlink_to(victim)
    args = [a.format(out=out, data=tmp_path / "股东.csv") for a in command]
    db = [] if command[0] == "mapping" else ["--db", str(small_app_db)]
    refused = CliRunner().invoke(cli, [*args, *db])
    assert refused.exit_code == 2, refused.output
    assert f"{out} is a symbolic link: not written through it (--force replaces the link itself)" in \
        " ".join(refused.output.split())
    forced = CliRunner().invoke(cli, [*args, "--force", *db])
    assert forced.exit_code == 0, forced.output
    assert victim.read_text() == "the user's own file\n"
    assert not out.is_symlink() and out.stat().st_size > 0 and out.stat().st_mode & 0o777 == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_write_that_fails_leaves_the_file_as_it_was(tmp_path):
    from equitygraph.queries.render import open_private

    kept = tmp_path / "kept.txt"
    kept.write_text("before")
    with pytest.raises(RuntimeError), open_private(kept) as f:
        f.write("half of it")
        raise RuntimeError("the disk is full")
    assert kept.read_text() == "before" and [p.name for p in tmp_path.iterdir()] == ["kept.txt"]


def test_a_write_command_on_another_programs_wal_database_changes_nothing(tmp_path):
    """It said "nothing was changed", but its writing connection had checkpointed the file on closing
    (bytes and mtime changed, the -wal file gone)."""
    import shutil
    import sqlite3

    from click.testing import CliRunner

    from conftest import write_case
    from equitygraph.queries.cli import cli

    source = tmp_path / "theirs-live.db"
    live = sqlite3.connect(source)
    live.execute("PRAGMA journal_mode = WAL")
    live.execute("PRAGMA wal_autocheckpoint = 0")
    live.execute("CREATE TABLE notes (x TEXT)")
    live.executemany("INSERT INTO notes VALUES (?)", [(f"note {i}",) for i in range(100)])
    live.commit()
    foreign = tmp_path / "theirs.db"
    for suffix in ("", "-wal"):  # as the other program left them, its last writes still in the log
        shutil.copy(f"{source}{suffix}", f"{foreign}{suffix}")
    live.close()
    before = {suffix: (Path(f"{foreign}{suffix}").read_bytes(), Path(f"{foreign}{suffix}").stat().st_mtime_ns)
              for suffix in ("", "-wal")}
    folder = write_case(tmp_path / "case", entities="id,kind,name\nC,company,华信\n",
                        holdings="holder_id,company_id,share\n")
    run = CliRunner().invoke(cli, ["load", str(folder), "--db", str(foreign)])
    assert run.exit_code == 1
    assert run.output.strip() == f"Error: {foreign}: is a SQLite file, but not an equitygraph store (nothing was changed)"
    import gc

    del run
    gc.collect()  # as when the command's process ends: any connection it left open closes
    assert {suffix: (Path(f"{foreign}{suffix}").read_bytes(), Path(f"{foreign}{suffix}").stat().st_mtime_ns)
            for suffix in ("", "-wal")} == before


def test_latin1_names_are_not_read_as_big5(tmp_path):
    """One Latin-1 line fits Big5 as well as Windows-1252 in charset-normalizer's eyes: "Ääkkönen Öy"
    was stored as "曩kk霵en 琈"."""
    from conftest import write_case
    from equitygraph.loaders.csv_folder import load_folder

    folder = write_case(tmp_path / "fi", encoding="latin-1", entities="id,kind,name\nC,company,Ääkkönen Öy\n",
                        holdings="holder_id,company_id,share\n")
    with SQLiteStore(tmp_path / "fi.db") as store:
        report = load_folder(store, folder)
        assert store.get("C").name == "Ääkkönen Öy"
    assert report.encodings["entities.csv"] == "cp1252"


def test_when_chinese_and_latin_fit_equally_the_load_stops_and_names_both(tmp_path):
    """张三 in GBK is ÕÅÈý in Windows-1252: both read well; the user says which."""
    from conftest import write_case
    from equitygraph.loaders.csv_folder import load_folder

    folder = write_case(tmp_path / "gbk", encoding="gbk", entities="id,kind,name\nP,person,张三\n",
                        holdings="holder_id,company_id,share\n")
    with SQLiteStore(tmp_path / "g.db") as store, pytest.raises(InvalidInput) as error:
        load_folder(store, folder)
    assert str(error.value) == ("entities.csv: reads as Chinese in gb18030 and as Latin letters in cp1252 "
                                "(Windows-1252); say which: --encoding gb18030 or --encoding cp1252")
    with SQLiteStore(tmp_path / "g.db") as store:
        load_folder(store, folder, encoding="gb18030")
        assert store.get("P").name == "张三"
