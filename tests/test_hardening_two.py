"""Hostile inputs, round two (issue 28): nothing a data supplier writes can hang a load, forge a
finding or crash with a traceback; each case here failed before its fix."""

import json
import time

import pytest

from conftest import run_cli
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


def test_json_nested_beyond_any_register_is_a_one_line_error(tmp_path):
    """A 200,000-deep document was reported as an internal error (RecursionError)."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    for path, where in ((deep, "deep.json"), (lines, "deep.jsonl:1")):
        run = run_cli("load", path, "--format", "psc", "--db", tmp_path / "d.db")
        assert run.exit_code == 1
        assert run.output == (f"Error: {where}: is nested deeper than any register's JSON (arrays or objects inside "
                              "each other thousands of times)\n")


@pytest.mark.parametrize("mapping, message", [
    ('[[table]]\nkind = "shareholders"\ncolumns = "x"\n',
     "m.toml: table 1: columns: must be a table of field = \"column header\" lines"),
    ("table = 5\n", "m.toml: table: must be tables, each written [[table]]"),
    ("table = [5]\n", "m.toml: table: must be tables, each written [[table]]"),
    ('[[table]]\nkind = "shareholders"\nsheet = 7\n', "m.toml: table 1: sheet: must be a text in quotes"),
])
def test_a_mapping_with_values_of_the_wrong_type_is_a_one_line_error(tmp_path, mapping, message):
    (tmp_path / "m.toml").write_text(mapping)
    (tmp_path / "s.csv").write_text("企业名称,股东名称,持股比例\n华信,王伟,60%\n", encoding="utf-8")
    run = run_cli("load", tmp_path / "s.csv", "--mapping", tmp_path / "m.toml", "--db", tmp_path / "z.db")
    assert (run.exit_code, run.output) == (1, f"Error: {message}\n")


def test_an_error_never_repeats_a_long_value_whole(tmp_path):
    from conftest import write_case

    folder = write_case(tmp_path / "k", entities="id,kind,name\nC," + "k" * 100_000 + ",华信\n",
                        holdings="holder_id,company_id,share\n")
    run = run_cli("load", folder, "--db", tmp_path / "k.db")
    assert run.exit_code == 1 and len(run.output) < 300
    assert "'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk'... (100,000 characters)" in run.output


@pytest.mark.parametrize("part, text", [
    ("xl/worksheets/sheet2.xml", b"<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>99999</v></c>"),
    ("xl/workbook.xml", b"<workbook><sheets><sheet"),
    ("xl/styles.xml", b"not xml at all"),
])
def test_a_damaged_workbook_is_a_one_line_error(tmp_path, part, text):
    """An openpyxl parse error reached the user as an internal error."""
    from test_tabular import workbook

    path = workbook(tmp_path / "damaged.xlsx")
    rewritten(path, part, lambda xml: text)
    run = run_cli("load", path, "--db", tmp_path / "x.db")
    assert run.exit_code == 1, run.output
    assert run.output.startswith("Error: damaged.xlsx") and "internal error" not in run.output, run.output
    assert "readable" in run.output and run.output.count("\n") == 1


@pytest.mark.parametrize("rows", [1, 3_000])  # the columnar reader hands it to the row reader, which says where
def test_a_name_too_long_for_any_register_is_refused_at_its_line_in_the_canonical_folder(tmp_path, rows):
    from conftest import write_case
    from equitygraph.loaders.csv_folder import load_folder

    entities = "id,kind,name\n" + "".join(f"C{i},company,公司{i}\n" for i in range(rows)) + "X,company," + "长" * 5_000 + "\n"
    folder = write_case(tmp_path / "long", entities=entities, holdings="holder_id,company_id,share\n")
    with SQLiteStore(tmp_path / "l.db") as store, pytest.raises(InvalidInput) as error:
        load_folder(store, folder)
    assert str(error.value) == (f"entities.csv:{rows + 2}: name: '{'长' * 40}'... (5,000 characters) is too long to be a "
                                "name (more than 2,000 characters)")


def test_every_cap_lets_its_own_length_through_and_refuses_one_more():
    """The boundaries of the caps this round added: a name of 2,000 characters, a nature of control of
    200, a band from a lower to a higher share, the first and last day a question may be asked about."""
    import datetime as dt

    from equitygraph.graph.model import FIRST_DAY, LAST_DAY, check_day
    from equitygraph.loaders.fields import MAX_NAME_CHARS, check_name
    from equitygraph.loaders.psc import MAX_NATURE_LENGTH, nature

    assert check_name("名" * MAX_NAME_CHARS) == "名" * MAX_NAME_CHARS
    with pytest.raises(ValueError, match="is too long to be a name"):
        check_name("名" * (MAX_NAME_CHARS + 1))
    longest = "ownership-of-shares-25-to-50-percent".ljust(MAX_NATURE_LENGTH, "x")
    assert nature(longest)[1].high == 0.5
    with pytest.raises(ValueError, match="too long to be a nature of control"):
        nature(longest + "x")
    assert nature("ownership-of-shares-75-to-100-percent")[1].high == 1.0
    for band in ("25-to-25", "0-to-0", "100-to-101"):
        with pytest.raises(ValueError, match="is not from a lower to a higher share"):
            nature(f"ownership-of-shares-{band}-percent")
    assert (check_day(FIRST_DAY, "d"), check_day(LAST_DAY, "d")) == (FIRST_DAY, LAST_DAY)
    for day in (FIRST_DAY - dt.timedelta(days=1), LAST_DAY + dt.timedelta(days=1)):
        with pytest.raises(ValueError, match="is outside 1800-01-01 to 2999-12-31"):
            check_day(day, "d")
