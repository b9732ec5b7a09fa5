"""Workbooks in the old Excel format (.xls, BIFF8), as many registries' and banks' systems still export
them: read with the same meaning as the same workbook saved as .xlsx (fixtures written by xlwt from the
openpyxl fixtures of test_tabular), and under the same cell cap."""

import datetime as dt

import pytest

from equitygraph.graph.errors import InvalidInput
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders import sheets
from equitygraph.loaders.formats import load_path
from test_hardening_two import rewritten
from test_tabular import workbook


def as_xls(source, target):
    """The .xlsx workbook ``source`` saved as .xls: every value with the number format it is shown in."""
    import openpyxl
    import xlwt

    book, out = openpyxl.load_workbook(source), xlwt.Workbook(encoding="utf-8")
    for ws in book.worksheets:
        sheet = out.add_sheet(ws.title)
        for r, row in enumerate(ws.iter_rows()):
            for c, cell in enumerate(row):
                if cell.value is not None:
                    shown = xlwt.easyxf(num_format_str=cell.number_format) if cell.number_format != "General" else None
                    sheet.write(r, c, cell.value, *(shown,) if shown else ())
    out.save(str(target))
    return target


def records_of(path, tmp_path):
    """What loading ``path`` keeps, each record as text with the file's name taken out of its source."""
    with SQLiteStore(tmp_path / f"{path.name}.db") as store:
        load_path(store, path)
        return store.counts(), sorted(repr(r).replace(path.name, "FILE") for r in store.iter_records())


def test_an_xls_workbook_reads_as_the_same_workbook_in_xlsx(tmp_path):
    """0.6 shown as 60.00 % read as 0.6 % from .xls: the format of each cell is read there too."""
    modern = workbook(tmp_path / "case.xlsx")
    legacy = as_xls(modern, tmp_path / "case.xls")
    counts, records = records_of(legacy, tmp_path)
    assert (counts, records) == records_of(modern, tmp_path)
    with SQLiteStore(tmp_path / "case.xls.db") as store:
        huaxin = store.search("华信投资有限公司", exact_only=True)[0].entity
        assert sorted(h.share.describe() for h in store.holders_of(huaxin.id)) == ["40 %", "60 %"]
        assert huaxin.founded == dt.date(2019, 3, 5)  # a date cell
    assert counts["company"] == 2 and counts["holdings"] == 3


def with_scope(path, scope: str):
    """The case workbook with 华信's business scope (经营范围, free text and often long) set to ``scope``."""
    import openpyxl

    workbook(path)
    book = openpyxl.load_workbook(path)
    book["企业信息"]["K3"] = scope
    book.save(path)
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_cell_of_the_most_a_spreadsheet_holds_is_read(tmp_path, suffix):
    path = with_scope(tmp_path / "full.xlsx", "备" * sheets.MAX_CELL_CHARS)
    if suffix == ".xls":
        path = as_xls(path, tmp_path / "full.xls")
    assert records_of(path, tmp_path)[0]["holdings"] == 3


def test_one_character_more_is_refused_in_xlsx(tmp_path):
    path = with_scope(tmp_path / "over.xlsx", "LONGCELL")
    # written into the workbook itself: openpyxl would cut it at 32,767 characters on the way in
    rewritten(path, "xl/worksheets/sheet1.xml",
              lambda xml: xml.replace(b"LONGCELL", ("备" * (sheets.MAX_CELL_CHARS + 1)).encode()))
    with SQLiteStore(tmp_path / "o.db") as store, pytest.raises(InvalidInput) as error:
        load_path(store, path)
    assert str(error.value) == "over.xlsx:企业信息:3: 经营范围: 32,768 characters is longer than any cell a spreadsheet holds (32,767)"
    with SQLiteStore(tmp_path / "o.db") as store:
        assert store.counts()["holdings"] == 0


def test_the_same_cap_holds_in_xls(tmp_path, monkeypatch):
    """xlwt cannot write a cell over Excel's limit (BIFF8 itself can hold 65,535 characters): the cap is
    lowered to show the .xls reader applies it, at its bound and one above."""
    monkeypatch.setattr(sheets, "MAX_CELL_CHARS", 100)  # longer than any other cell of the case
    full = as_xls(with_scope(tmp_path / "full.xlsx", "备" * 100), tmp_path / "full.xls")
    assert records_of(full, tmp_path)[0]["holdings"] == 3
    path = as_xls(with_scope(tmp_path / "over.xlsx", "备" * 101), tmp_path / "over.xls")
    with SQLiteStore(tmp_path / "e.db") as store, pytest.raises(InvalidInput) as error:
        load_path(store, path)
    assert str(error.value) == "over.xls:企业信息:3: 经营范围: 101 characters is longer than any cell a spreadsheet holds (100)"


def test_a_damaged_xls_is_one_line_naming_the_file(tmp_path):
    path = as_xls(workbook(tmp_path / "case.xlsx"), tmp_path / "damaged.xls")
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(data[: len(data) // 3]))
    with SQLiteStore(tmp_path / "d.db") as store, pytest.raises(InvalidInput) as error:
        load_path(store, path)
    assert str(error.value).startswith("damaged.xls: is not a readable .xls workbook (")
    assert "\n" not in str(error.value)
