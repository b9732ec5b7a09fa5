"""Rows of the tables registry extracts come in: Excel workbooks (.xlsx by openpyxl, .xls by xlrd)
and CSV files (UTF-8 or GBK/GB18030, detected), each row with its number as a spreadsheet shows it
and its cells as text, numbers or dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..graph.errors import InvalidInput
from ..graph.model import normalize_name
from .textfile import CsvTable

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
TABLE_SUFFIXES = (*SPREADSHEET_SUFFIXES, ".csv")
HEADER_SEARCH_ROWS = 10  # a title line or two above the header is common in exports


@dataclass(frozen=True)
class Percent:
    """A number Excel shows as a percentage: the cell holds the fraction (0.51 shown as 51%)."""

    fraction: float


@dataclass
class Sheet:
    """One table: a worksheet or a CSV file. ``rows`` yields ``(row number, {header: value})``."""

    file: Path
    name: str  # the worksheet's name, or the file's name for CSV
    header: list[str]
    header_row: int
    rows: Callable[[], Iterator[tuple[int, dict]]]
    encoding: str | None = None

    @property
    def label(self) -> str:
        return self.file.name if self.name == self.file.name else f"{self.file.name}:{self.name}"

    def fail(self, row: int | None, column: str | None, problem: str):
        raise InvalidInput(self.file.with_name(self.label), row, column, problem)


def header_key(text) -> str:
    """A header as headers are compared: width, case, spaces and brackets' width folded.

    Examples
    --------
    >>> header_key(" 注册资本（万元） ") == header_key("注册资本(万元)")
    True
    """
    return normalize_name(str(text or "")).replace(" ", "")


def read_sheets(path: Path, encoding: str | None = None, header_words: set[str] = frozenset()) -> list[Sheet]:
    """The tables of a file (every worksheet of a workbook) or of the files of a folder. The header
    is the first of the top rows holding most of ``header_words`` (folded by :func:`header_key`),
    else the first row that is not blank."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES
                       and not p.name.startswith(("~$", ".")))
        if not files:
            raise InvalidInput(path, None, None, "holds no .xlsx, .xls or .csv file")
    elif path.is_file():
        files = [path]
    else:
        raise InvalidInput(path, None, None, "no such file or folder")
    sheets = []
    for file in files:
        suffix = file.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            sheets.extend(_xlsx(file, header_words))
        elif suffix == ".xls":
            sheets.extend(_xls(file, header_words))
        elif suffix == ".csv":
            sheets.append(_csv(file, encoding))
        else:
            raise InvalidInput(file, None, None, "is not an Excel (.xlsx, .xls) or CSV file")
    return sheets


def _pick_header(top: list[tuple[int, list]], header_words: set[str]) -> tuple[int, list[str]] | None:
    best = None
    for number, cells in top:
        texts = [str(c).strip() if c is not None else "" for c in cells]
        if not any(texts):
            continue
        hits = sum(1 for t in texts if t and header_key(t) in header_words)
        if best is None or hits > best[0]:
            best = (hits, number, texts)
    if best is None:
        return None
    return best[1], best[2]


def _named(header: list[str], cells: list) -> dict:
    return {name: cells[i] if i < len(cells) else None for i, name in enumerate(header) if name}


def _xlsx(file: Path, header_words: set[str]) -> list[Sheet]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise InvalidInput(file, None, None, f"is not a readable .xlsx workbook ({e})") from None
    sheets = []
    for ws in book.worksheets:
        top = []
        for number, row in enumerate(ws.iter_rows(max_row=HEADER_SEARCH_ROWS), 1):
            top.append((number, [c.value for c in row]))
        picked = _pick_header(top, header_words)
        if picked is None:
            continue
        header_row, header = picked

        def rows(ws=ws, header_row=header_row, header=header):
            for number, row in enumerate(ws.iter_rows(min_row=header_row + 1), header_row + 1):
                cells = [_xlsx_value(c) for c in row]
                if any(c not in (None, "") for c in cells):
                    yield number, _named(header, cells)

        sheets.append(Sheet(file, ws.title, header, header_row, rows))
    return sheets


def _xlsx_value(cell):
    value = getattr(cell, "value", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (getattr(cell, "number_format", "") or ""):
        return Percent(float(value))
    return value


def _xls(file: Path, header_words: set[str]) -> list[Sheet]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(file))
    except (xlrd.XLRDError, OSError, ValueError) as e:
        raise InvalidInput(file, None, None, f"is not a readable .xls workbook ({e})") from None
    sheets = []
    for ws in book.sheets():
        def value(cell):
            if cell.ctype == xlrd.XL_CELL_DATE:
                return xlrd.xldate_as_datetime(cell.value, book.datemode)
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                return None
            return cell.value

        top = [(r + 1, [value(c) for c in ws.row(r)]) for r in range(min(ws.nrows, HEADER_SEARCH_ROWS))]
        picked = _pick_header(top, header_words)
        if picked is None:
            continue
        header_row, header = picked

        def rows(ws=ws, header_row=header_row, header=header, value=value):
            for r in range(header_row, ws.nrows):
                cells = [value(c) for c in ws.row(r)]
                if any(c not in (None, "") for c in cells):
                    yield r + 1, _named(header, cells)

        sheets.append(Sheet(file, ws.name, header, header_row, rows))
    return sheets


def _csv(file: Path, encoding: str | None) -> Sheet:
    probe = CsvTable(file, (), (), encoding)
    header = [name.strip() for name in probe.original_columns]
    detected = probe.encoding
    probe.close()

    def rows():
        table = CsvTable(file, (), (), detected)
        for row in table:
            yield row.line, dict(zip(header, (row.values.get(c.lower()) for c in table.columns)))

    return Sheet(file, file.name, header, 1, rows, detected)


def cell_text(value) -> str:
    """A cell as text: numbers without a trailing ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return f"{value.fraction * 100:.10g}%"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
