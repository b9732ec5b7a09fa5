"""A register read in pieces (loaders/csv_pieces.py): what one piece cannot know of another - an
address first written in an earlier piece, a company's holders in several pieces, an id or a key
repeated in another piece - decided as the row reader decides it, with warnings on the same lines."""

import numpy as np
import pyarrow as pa
import pytest

from conftest import load_both_ways, write_case
from equitygraph.graph.stores import arrays_cache
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders import csv_pieces
from equitygraph.loaders.csv_columns import UseRowReader, read_columns
from equitygraph.loaders.csv_contacts import SeenNodes, address_ids
from equitygraph.loaders.report import LoadReport

SALT = "0123456789abcdef0123456789abcdef"
# Pieces of three records (the header is one): entities.csv is cut after lines 3 and 7 (C2's quoted
# name holds a newline), holdings.csv after lines 3 and 6.
ENTITIES = (
    "id,kind,name,address,phone,reg_no,jurisdiction\n"
    "P1,person,张三,北京市朝阳区建国路1号,13800000000,,\n"
    "P2,person,李四,上海市浦东新区世纪大道100号,,,\n"
    "C1,company,华信投资有限公司,北京市朝阳区 建国路１号,13800000000,,\n"
    'C2,company,"恒泰\n贸易有限公司",上海市浦东新区世纪大道100号,,,\n'
    "P3,person,王五,广州市天河区体育西路1号,13900000000,,\n"
    "C3,company,某某科技有限公司,广州市天河区体育西路1号,13800000000,91110000MA01ABCD1X,CN\n"
    "P4,person,赵六,北京市朝阳区建国路1号,,,\n"
)
HOLDINGS = (
    "holder_id,company_id,share\n"
    "P1,C1,60%\n"
    "P2,C2,100%\n"
    "P3,C3,30%\n"
    "P4,C3,20%\n"
    "P3,C1,30%\n"
    "P4,C1,20%\n"
)
OFFICERS = "person_id,company_id,role\nP1,C1,法定代表人\nP2,C2,法定代表人\nP3,C3,董事\nP4,C3,监事\nP1,C3,经理\n"


@pytest.fixture(autouse=True)
def three_records_a_piece(monkeypatch):
    """Pieces of three records, the file scanned seven bytes at a time for where they end (so that
    quotes and newlines fall across the scan's reads)."""
    monkeypatch.setattr(csv_pieces, "ROWS_PER_PIECE", 3)
    monkeypatch.setattr(csv_pieces, "SCAN_BYTES", 7)


def _case(tmp_path, **files):
    return write_case(tmp_path / "case", **{"entities": ENTITIES, "holdings": HOLDINGS, "officers": OFFICERS,
                                            **files})


def _load_both(folder, tmp_path):
    return load_both_ways(folder, tmp_path, SALT, keep=True)


def _refusal(folder) -> str | None:
    try:
        for _ in read_columns(folder, report=LoadReport(str(folder)), id_salt=SALT):
            pass
    except UseRowReader as e:
        return str(e)
    return None


def _pieces_of(folder, name) -> int:
    with open(folder / name, "rb") as f:
        return len(list(csv_pieces._bounds(f, 0)))


def test_a_register_in_pieces_loads_as_the_row_reader_reads_it(tmp_path):
    folder = _case(tmp_path)
    assert (_pieces_of(folder, "entities.csv"), _pieces_of(folder, "holdings.csv")) == (3, 3)
    assert _refusal(folder) is None
    (by_pieces, report), (by_rows, rows_report) = _load_both(folder, tmp_path)
    assert by_pieces == by_rows and report == rows_report
    assert arrays_cache.cache_path(tmp_path / "columns.db").exists()  # loaded by columns, not handed on to rows
    # Two addresses and two phones, each met again in later pieces: each one node, written as first met.
    assert (report["counts"]["address"], report["counts"]["contact"]) == (3, 2)
    with SQLiteStore(tmp_path / "columns.db") as store:
        beijing = store.get(address_ids(["北京市朝阳区建国路1号"])[0])
        assert beijing.name == "北京市朝阳区建国路1号"  # P1's spelling, not C1's full-width one in the next piece
    # C1's holders are in the first and the last piece: 60 + 30 + 20 = 110 %.
    assert "holdings.csv: company 'C1': current shareholdings sum to 110.00 % (above 100 %)" in report["warnings"]
    # The quoted newline in piece two: C3 is on line 8 of the file, the line the row reader names.
    assert "entities.csv:8: reg_no: '91110000MA01ABCD1X' fails the unified social credit code checksum" in \
        report["warnings"]


def test_pieces_end_after_a_newline_outside_quotes(tmp_path):
    folder = _case(tmp_path)
    data = (folder / "entities.csv").read_bytes()
    with open(folder / "entities.csv", "rb") as f:
        bounds = list(csv_pieces._bounds(f, 0))
    assert bounds[0][0] == 0 and bounds[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    assert [data[:end].count(b"\n") for _, end, _ in bounds[:-1]] == [3, 7]  # not inside C2's quoted name
    assert [before for _, _, before in bounds] == [0, 3, 7]


@pytest.mark.parametrize("files,reason", [
    ({"entities": ENTITIES + "P1,person,张三丰,,,,\n"}, "entities.csv: an id appears twice"),
    ({"holdings": HOLDINGS + "P1,C1,61%\n"}, "holdings.csv: a key repeats in another piece of the file"),
    ({"officers": OFFICERS + "P1,C1,法定代表人\n"}, "officers.csv: a key repeats in another piece of the file"),
    ({name: text.replace("P4,", "addr:0000000000000001,") for name, text in (
        ("entities", ENTITIES), ("holdings", HOLDINGS), ("officers", OFFICERS))},
     "entities.csv: a party's id is shaped like an address or contact node's"),
])
def test_what_repeats_across_pieces_is_left_to_the_row_reader(tmp_path, files, reason):
    folder = _case(tmp_path, **files)
    assert _refusal(folder) == reason
    (by_pieces, report), (by_rows, rows_report) = _load_both(folder, tmp_path)
    assert by_pieces == by_rows and report == rows_report
    if "id appears twice" in reason:
        assert report == {"error": "entities.csv:10: id: duplicate id 'P1' (first on line 2)"}
    else:
        assert "error" not in report


def test_seen_nodes_are_the_ids_seen_before():
    seen = SeenNodes()
    ids = address_ids(["a", "b", "c"])
    first = seen.new(pa.array(ids), pa.array([True, True, True]))
    assert first.tolist() == [True, True, True]
    again = ["contact:" + ids[0][5:], ids[1], address_ids(["d"])[0]]  # a contact with an address's digest is new
    assert seen.new(pa.array(again), pa.array([False, True, True])).tolist() == [True, False, True]
    assert seen.new(pa.array([], pa.string()), pa.array([], pa.bool_())).tolist() == []
    digest = SeenNodes()._digests(pa.array(["addr:00000000000000ff", "contact:ffffffffffffffff"]))
    assert digest.tolist() == [255, np.iinfo(np.uint64).max]
