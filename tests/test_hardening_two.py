"""Hostile inputs, round two (issue 28): nothing a data supplier writes can hang a load, forge a
finding or crash with a traceback; each case here failed before its fix."""

import json
import time

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
