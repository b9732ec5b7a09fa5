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
#: Excel's own limit on a cell: longer text comes from no spreadsheet program.
MAX_CELL_CHARS = 32_767
#: The most a workbook's part may unpack to, and the packing ratio beyond which a large part is refused
#: (worksheets pack about 10:1; a 100 MB cell of one repeated letter packs 1000:1).
MAX_PART_BYTES = 2 << 30
MAX_PART_RATIO = 200
LARGE_PART_BYTES = 16 << 20


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
        _check_parts(file)
        book = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as e:
        raise InvalidInput(file, None, None, f"is not a readable .xlsx workbook ({_short(e)})") from None
    sheets = []
    for ws in book.worksheets:
        # What the workbook claims as its used range (<dimension>) may be the whole sheet, 16,384 columns
        # by a million rows: read the cells that are there, never a padding to the claimed size.
        ws.reset_dimensions()
        top = []
        for number, row in enumerate(_guarded(file, ws, ws.iter_rows(max_row=HEADER_SEARCH_ROWS)), 1):
            top.append((number, [c.value for c in row]))
        picked = _pick_header(top, header_words)
        if picked is None:
            continue
        header_row, header = picked
        while header and not header[-1]:
            header.pop()

        def rows(ws=ws, header_row=header_row, header=header):
            cells_of = ws.iter_rows(min_row=header_row + 1, max_col=max(len(header), 1))
            for number, row in enumerate(_guarded(file, ws, cells_of), header_row + 1):
                cells = _checked(_where(file, ws.title), number, header, [_xlsx_value(c) for c in row])
                if any(c not in (None, "") for c in cells):
                    yield number, _named(header, cells)

        sheets.append(Sheet(file, ws.title, header, header_row, rows))
    return sheets


def _check_parts(file: Path) -> None:
    """Refuses a workbook a part of which would unpack to more than any register needs."""
    import zipfile

    with zipfile.ZipFile(file) as packed:
        for part in packed.infolist():
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size > MAX_PART_BYTES or (part.file_size > LARGE_PART_BYTES and ratio > MAX_PART_RATIO):
                raise ValueError(f"its part {part.filename[:80]} unpacks to {part.file_size:,} bytes "
                                 f"from {part.compress_size:,}")


def _guarded(file: Path, ws, rows: Iterator) -> Iterator:
    """``rows`` with what openpyxl raises on a damaged sheet as one line naming the sheet."""
    import zipfile

    try:
        yield from rows
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError, TypeError) as e:
        raise InvalidInput(_where(file, ws.title), None, None, f"is not a readable worksheet ({_short(e)})") from None


def _where(file: Path, sheet: str) -> Path:
    """The file and sheet as error messages name them (``Sheet.label``)."""
    return file.with_name(f"{file.name}:{sheet}")


def _short(error: Exception) -> str:
    text = str(error).replace("\n", " ")
    return text if len(text) <= 80 else text[:80] + f"... ({len(text):,} characters)"


def _xlsx_value(cell):
    value = getattr(cell, "value", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (getattr(cell, "number_format", "") or ""):
        return Percent(float(value))
    return value


def _checked(where: Path, number: int, header: list[str], cells: list) -> list:
    """``cells``, refused when one holds more text than any spreadsheet program writes in a cell."""
    for i, c in enumerate(cells):
        if isinstance(c, str) and len(c) > MAX_CELL_CHARS:
            column = header[i] if i < len(header) and header[i] else f"column {i + 1}"
            raise InvalidInput(where, number, column, f"{len(c):,} characters is longer than any cell a "
                                                      f"spreadsheet holds ({MAX_CELL_CHARS:,})")
    return cells


def _xls(file: Path, header_words: set[str]) -> list[Sheet]:
    import xlrd

    try:
        # The cells' formats are read too: 0.6 shown as 60% is a percentage, as in .xlsx.
        book = xlrd.open_workbook(str(file), formatting_info=True)
    except (xlrd.XLRDError, OSError, ValueError, AssertionError, IndexError, KeyError) as e:
        raise InvalidInput(file, None, None, f"is not a readable .xls workbook ({_short(e)})") from None
    shown_as_percent = {key for key, f in book.format_map.items() if "%" in (f.format_str or "")}
    sheets = []
    for ws in book.sheets():
        def value(cell):
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    return xlrd.xldate_as_datetime(cell.value, book.datemode)
                except (xlrd.xldate.XLDateError, ValueError, OverflowError):
                    return cell.value  # the row's own date check names it
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                return None
            if cell.ctype == xlrd.XL_CELL_NUMBER and book.xf_list[cell.xf_index].format_key in shown_as_percent:
                return Percent(float(cell.value))
            return cell.value

        top = [(r + 1, [value(c) for c in ws.row(r)]) for r in range(min(ws.nrows, HEADER_SEARCH_ROWS))]
        picked = _pick_header(top, header_words)
        if picked is None:
            continue
        header_row, header = picked

        def rows(ws=ws, header_row=header_row, header=header, value=value):
            for r in range(header_row, ws.nrows):
                cells = _checked(_where(file, ws.name), r + 1, header, [value(c) for c in ws.row(r)])
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
