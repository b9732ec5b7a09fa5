"""A canonical CSV file read by columns, a piece of at most :data:`ROWS_PER_PIECE` records at a time,
so that a register of any size is read in bounded memory (see :mod:`.csv_columns`).

A first pass over the file's bytes finds where the pieces end: after a newline outside quotes, every
:data:`ROWS_PER_PIECE` records. Each piece is then parsed by pyarrow, its cells cleaned as the row
reader cleans them, and each record given the line number the row reader would give it (the line it
ends on), so that warnings name the same lines whether a file is one piece or many.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..graph.errors import InvalidInput
from .textfile import MAX_LINE_BYTES, unescape_cell

ROWS_PER_PIECE = 4_000_000
SCAN_BYTES = 64 << 20  # what the first pass reads at a time
# What Python's str.strip() removes (str.isspace()), and the quote a spreadsheet escape starts with.
SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200b))) + "\u2028\u2029\u202f\u205f\u3000"
_SPACES = pa.array(list(SPACES), pa.string())
_FIRST_ODD = pa.array([*SPACES, "'"], pa.string())
_ASCII_COMPATIBLE = ("utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "cp1252", "latin-1", "latin_1",
                     "iso8859-1", "ascii")


class UseRowReader(Exception):
    """The folder needs the row reader: the reason says what this path left to it."""


class CsvPiece:
    """Some records of one file: their cleaned cells (stripped and unescaped as the row reader does)
    and line numbers."""

    def __init__(self, path: Path, cells: dict[str, pa.Array], lines: np.ndarray, last: bool = True):
        self.path = path
        self.cells = cells
        self.lines = lines
        self.size = len(lines)
        self.last = last  # the file's last piece

    def column(self, name: str) -> pa.Array:
        if name not in self.cells:
            self.cells[name] = pa.repeat(pa.scalar("", pa.string()), self.size)
        return self.cells[name]


def pieces(reader, path: Path, required: tuple[str, ...], known: tuple[str, ...]) -> Iterator[CsvPiece]:
    """The file's records, a piece at a time (always at least one piece, perhaps empty)."""
    try:  # the row reader's header checks, encoding and ignored-column warnings
        header = reader._table(path, required, known)
    except InvalidInput as e:
        raise UseRowReader(str(e)) from None
    header.close()
    if header.encoding.lower().replace("_", "-") not in _ASCII_COMPATIBLE:
        raise UseRowReader(f"{path.name}: {header.encoding} is read line by line")
    names = [f"c{i}" for i in range(len(header.columns))]
    options = dict(
        read_options=pacsv.ReadOptions(column_names=names, block_size=16 << 20,
                                       encoding="utf8" if header.encoding.startswith("utf") else header.encoding),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=True),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False))
    records = 0
    with open(path, "rb") as f:
        start = len(codecs.BOM_UTF8) if f.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8 else 0
        # Scanned to the end first: the scan and the pieces read the same file handle.
        bounds = list(_bounds(f, start))
        for number, (begin, end, lines_before) in enumerate(bounds):
            f.seek(begin)
            data = f.read(end - begin)
            lines = _record_lines(path, data) + lines_before
            try:
                table = pacsv.read_csv(pa.py_buffer(data), **options)
            except (pa.ArrowInvalid, UnicodeDecodeError) as e:
                raise UseRowReader(f"{path.name}: {e}") from None
            del data
            if table.num_rows != len(lines):
                raise UseRowReader(f"{path.name}: {table.num_rows} rows parsed, {len(lines)} records counted")
            skip = 0
            if number == 0:
                first = [str(v).strip().lstrip("\ufeff") for v in table.slice(0, 1).to_pylist()[0].values()] \
                    if len(lines) else []
                if first != header.original_columns:
                    raise UseRowReader(f"{path.name}: the header is not on the first line")
                skip, lines = 1, lines[1:]
            piece = _piece(path, header.columns, table, skip, lines, number == len(bounds) - 1)
            del table  # the parsed cells, whose cleaned copies the piece holds: not kept while it is used
            records += piece.size
            yield piece
    if records == 0:
        reader.report.warnings.append(f"{path.name}: has a header but no rows")


def _piece(path: Path, columns: list[str], table: pa.Table, skip: int, lines: np.ndarray, last: bool) -> CsvPiece:
    cells = {}
    for name, column in zip(columns, table.columns):
        if name and name not in cells:
            cells[name] = clean(column.slice(skip).combine_chunks())
    blank = None
    for column in cells.values():  # rows whose every cell is blank are skipped, as the row reader skips them
        empty = pc.equal(column, "")
        blank = empty if blank is None else pc.and_(blank, empty)
    if blank is not None and pc.any(blank).as_py():
        keep = pc.invert(blank)
        cells = {name: column.filter(keep) for name, column in cells.items()}
        lines = lines[keep.to_numpy(zero_copy_only=False)]
    return CsvPiece(path, cells, lines, last)


def _bounds(f, start: int) -> Iterator[tuple[int, int, int]]:
    """(first byte, byte after the last, newlines before the first byte) of each piece: a piece ends
    after every :data:`ROWS_PER_PIECE` th newline outside quotes (the header is one of them)."""
    size = os.fstat(f.fileno()).st_size
    if size - start <= ROWS_PER_PIECE * 2:  # fewer records than a piece holds, whatever they are
        yield start, size, 0
        return
    begin, quotes_before, newlines_before, newlines_at_begin, ended = start, 0, 0, 0, 0
    offset = start
    f.seek(start)
    while chunk := f.read(SCAN_BYTES):
        buf = np.frombuffer(chunk, dtype=np.uint8)
        newlines = np.flatnonzero(buf == 10)
        quotes = np.flatnonzero(buf == 34)
        ending = np.flatnonzero(((quotes_before + np.searchsorted(quotes, newlines)) & 1) == 0)
        for at in ending[ROWS_PER_PIECE - ended % ROWS_PER_PIECE - 1::ROWS_PER_PIECE].tolist():
            end = offset + int(newlines[at]) + 1
            yield begin, end, newlines_at_begin
            begin, newlines_at_begin = end, newlines_before + at + 1
        ended += len(ending)
        quotes_before += len(quotes)
        newlines_before += len(newlines)
        offset += len(chunk)
    if begin < size or begin == start:
        yield begin, size, newlines_at_begin


def _record_lines(path: Path, data: bytes) -> np.ndarray:
    """The line number the row reader gives each non-empty record (the line it ends on), header first."""
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        raise UseRowReader(f"{path.name}: NUL bytes or carriage returns alone")
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    if len(newlines) and np.diff(newlines, prepend=-1).max() > MAX_LINE_BYTES + 1:
        raise UseRowReader(f"{path.name}: a line longer than the row reader reads")
    quotes = np.flatnonzero(buf == 34)
    if len(quotes):
        before = buf[np.maximum(quotes - 1, 0)]
        after = buf[np.minimum(quotes + 1, len(buf) - 1)]
        inside = (quotes > 0) & ~np.isin(before, (44, 10, 34)) & (quotes < len(buf) - 1) & ~np.isin(after, (44, 10, 13, 34))
        if inside.any():  # "ab"cd or x"y: the csv module and pyarrow may read it differently
            raise UseRowReader(f"{path.name}: a quote inside a field")
    outside = (np.searchsorted(quotes, newlines) & 1) == 0
    ends = newlines[outside]
    lines = np.flatnonzero(outside) + 1
    if len(data) > (ends[-1] + 1 if len(ends) else 0):  # a last record without a newline
        ends = np.append(ends, len(data))
        lines = np.append(lines, len(newlines) + 1)
    starts = np.concatenate(([0], ends[:-1] + 1))
    length = ends - starts
    carriage = buf[np.minimum(starts, len(buf) - 1)] == 13 if len(buf) else np.zeros(0, bool)
    empty = (length == 0) | ((length == 1) & carriage)
    return lines[~empty]


def clean(column: pa.Array) -> pa.Array:
    """Cells as the row reader keeps them: stripped, then a spreadsheet escape undone (in Python, for
    the few cells that start or end with white space or start with a quote)."""
    first = pc.utf8_slice_codeunits(column, 0, 1)
    last = pc.utf8_slice_codeunits(column, -1, 2 ** 31 - 1)
    odd = pc.or_(pc.is_in(first, value_set=_FIRST_ODD), pc.is_in(last, value_set=_SPACES))
    if not pc.any(odd).as_py():
        return column
    fixed = pa.array([unescape_cell(text.strip()) for text in column.filter(odd).to_pylist()], pa.string())
    return pc.replace_with_mask(column, odd, fixed)
