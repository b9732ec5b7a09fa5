"""The canonical CSV folder read column by column: the fast path of a load into an empty store.

pyarrow parses each file; each column is then validated whole, every distinct value parsed once by
the very parsers the row reader uses (:mod:`.fields`), so a value means the same on both paths.
Line numbers come from a scan of the file's bytes (newlines outside quotes end a record), so
warnings name the line the row reader would name.

Anything this path does not reproduce exactly - a bad value, an id naming an entity outside the
folder, a UTF-16 file, a row of another width, a quote inside a field - raises :class:`UseRowReader`.
The row reader (:func:`.csv_folder.read_folder`) then reads the folder and names the first bad value
by file, line and field, as it always has: the two paths give one store and one error.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from stdnum.cn import uscc

from ..graph.columns import ENTITY_SCHEMA, HOLDING_SCHEMA, OFFICER_SCHEMA, natural_keys
from ..graph.errors import InvalidInput
from ..graph.roles import role_code, written_title
from ..graph.model import REGISTER_COMPLETE, EntityKind, Interest, normalize_name
from . import csv_rows as rows
from .csv_contacts import contacts, count_kinds, groups_of
from .report import LoadReport
from .fields import MAX_NAME_CHARS, clean_reg_no, parse_amount, parse_bool, parse_date, parse_fraction, parse_share
from .textfile import MAX_LINE_BYTES, CsvTable, unescape_cell

# What Python's str.strip() removes (str.isspace()), and the quote a spreadsheet escape starts with.
SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200b))) + "\u2028\u2029\u202f\u205f\u3000"
_SPACES = pa.array(list(SPACES), pa.string())
_FIRST_ODD = pa.array([*SPACES, "'"], pa.string())
_ASCII_COMPATIBLE = ("utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "cp1252", "latin-1", "latin_1",
                     "iso8859-1", "ascii")
_HOLDABLE_KINDS = ("company", "organization")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array((1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), dtype=np.int64)


class UseRowReader(Exception):
    """The folder needs the row reader: the reason says what this path left to it."""


class _Csv:
    """One file's cleaned cells (stripped and unescaped as the row reader does) and line numbers."""

    def __init__(self, path: Path, cells: dict[str, pa.Array], lines: np.ndarray):
        self.path = path
        self.cells = cells
        self.lines = lines
        self.size = len(lines)

    def column(self, name: str) -> pa.Array:
        if name not in self.cells:
            self.cells[name] = pa.repeat(pa.scalar("", pa.string()), self.size)
        return self.cells[name]


def read_columns(folder: str | Path, *, encoding: str | None = None, share_scale: str = "percent",
                 report: "LoadReport", progress: Callable[[int], None] = lambda n: None,
                 id_salt: str | None = None, keep_id_numbers: bool = False) -> Iterator[tuple[str, object]]:
    """The folder for an empty store, piece by piece as each is ready: ``("entities", table)``, then
    ``"links"``, ``"holdings"``, ``"officers"`` (tables of :mod:`..graph.columns`' schemas, each key
    once) and ``("records", [...])`` (events and relations). The report is filled in as the row
    reader fills it. Raises :class:`UseRowReader` where only the row reader can say what to do."""
    folder = Path(folder)
    for required in ("entities.csv", "holdings.csv"):
        if not (folder / required).is_file():
            raise UseRowReader(f"{required} is missing")
    reader = rows.FolderReader(folder, encoding, share_scale, lambda ids: {}, report, progress, id_salt,
                                keep_id_numbers)
    entities = _read(reader, folder / "entities.csv", ("id", "kind", "name"), rows.ENTITY_COLUMNS)
    entity_table, links, ids, kinds = _entities(entities, reader, share_scale, report)
    progress(entities.size)
    del entities  # the cells: only the tables are kept from here on
    yield "entities", entity_table
    del entity_table
    yield "links", links
    del links
    holdings = _read(reader, folder / "holdings.csv", ("holder_id", "company_id", "share"), rows.HOLDING_COLUMNS)
    yield "holdings", _holdings(holdings, ids, kinds, share_scale, report)
    progress(holdings.size)
    if (folder / "officers.csv").is_file():
        officers = _read(reader, folder / "officers.csv", ("person_id", "company_id", "role"), rows.OFFICER_COLUMNS)
        yield "officers", _officers(officers, ids, kinds, report)
        progress(officers.size)
    small = [(folder / name, required, known, read) for name, required, known, read in (
        ("events.csv", ("entity_id", "type"), rows.EVENT_COLUMNS, reader._events),
        ("relations.csv", ("a_id", "b_id", "type"), rows.RELATION_COLUMNS, reader._relations),
    ) if (folder / name).is_file()]
    # A few thousand rows: the row reader's own code, told the kinds of the ids they name.
    reader.kinds = _kinds_named(small, ids, kinds, encoding)
    records = []
    for path, required, known, read in small:
        records.extend(read(reader._table(path, required, known)))
    yield "records", records


def _kinds_named(small, ids: pa.Array, kinds: pa.Array, encoding: str | None) -> dict[str, EntityKind]:
    named = set()
    for path, required, known, _ in small:
        table = CsvTable(path, required, known, encoding)
        id_columns = [c for c in required if c.endswith("_id")]
        try:
            named.update(row.values.get(c, "") for row in table for c in id_columns)
        except InvalidInput:
            pass  # the row reader will say so, on its line
    wanted = pa.array(sorted(named), pa.string())
    where = pc.index_in(wanted, value_set=ids)
    found = pc.is_valid(where)
    by_value = {kind.value: kind for kind in EntityKind}
    return {entity_id: by_value[kind] for entity_id, kind in zip(
        wanted.filter(found).to_pylist(), kinds.take(where.filter(found)).to_pylist())}


# -- reading ------------------------------------------------------------------------------------
def _read(reader, path: Path, required: tuple[str, ...], known: tuple[str, ...]) -> _Csv:
    try:  # the row reader's header checks, encoding and ignored-column warnings
        header = reader._table(path, required, known)
    except InvalidInput as e:
        raise UseRowReader(str(e)) from None
    header.close()
    if header.encoding.lower().replace("_", "-") not in _ASCII_COMPATIBLE:
        raise UseRowReader(f"{path.name}: {header.encoding} is read line by line")
    report = reader.report
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    lines = _record_lines(path, data)
    width = len(header.columns)
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, block_size=16 << 20,
                                           encoding="utf8" if header.encoding.startswith("utf") else header.encoding),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError) as e:
        raise UseRowReader(f"{path.name}: {e}") from None
    del data
    if table.num_rows != len(lines):
        raise UseRowReader(f"{path.name}: {table.num_rows} rows parsed, {len(lines)} records counted")
    first = [str(v).strip().lstrip("\ufeff") for v in table.slice(0, 1).to_pylist()[0].values()] if len(lines) else []
    if first != header.original_columns:
        raise UseRowReader(f"{path.name}: the header is not on the first line")
    cells = {}
    for name, column in zip(header.columns, table.columns):
        if name and name not in cells:
            cells[name] = _clean(column.slice(1).combine_chunks())
    lines = lines[1:]
    blank = None
    for column in cells.values():  # rows whose every cell is blank are skipped, as the row reader skips them
        empty = pc.equal(column, "")
        blank = empty if blank is None else pc.and_(blank, empty)
    if blank is not None and pc.any(blank).as_py():
        keep = pc.invert(blank)
        cells = {name: column.filter(keep) for name, column in cells.items()}
        lines = lines[keep.to_numpy(zero_copy_only=False)]
    if len(lines) == 0:
        report.warnings.append(f"{path.name}: has a header but no rows")
    return _Csv(path, cells, lines)


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


def _clean(column: pa.Array) -> pa.Array:
    """Cells as the row reader keeps them: stripped, then a spreadsheet escape undone (in Python, for
    the few cells that start or end with white space or start with a quote)."""
    first = pc.utf8_slice_codeunits(column, 0, 1)
    last = pc.utf8_slice_codeunits(column, -1, 2 ** 31 - 1)
    odd = pc.or_(pc.is_in(first, value_set=_FIRST_ODD), pc.is_in(last, value_set=_SPACES))
    if not pc.any(odd).as_py():
        return column
    fixed = pa.array([unescape_cell(text.strip()) for text in column.filter(odd).to_pylist()], pa.string())
    return pc.replace_with_mask(column, odd, fixed)


# -- values -------------------------------------------------------------------------------------
def _each(column: pa.Array, parse: Callable[[str], object], kind: pa.DataType) -> pa.Array:
    """``parse`` applied to every distinct cell once; a ValueError leaves the file to the row reader."""
    encoded = column.dictionary_encode()
    try:
        values = [parse(text) for text in encoded.dictionary.to_pylist()]
    except ValueError as e:
        raise UseRowReader(str(e)) from None
    return pa.array(values, kind).take(encoded.indices)


def _text(column: pa.Array) -> pa.Array:
    """A cell or None when blank."""
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def _date(column: pa.Array) -> pa.Array:
    return _each(column, lambda text: (day.isoformat() if (day := parse_date(text)) else None) if text else None,
                 pa.string())


def _required(csv: _Csv, name: str) -> pa.Array:
    column = csv.column(name)
    if pc.any(pc.equal(column, "")).as_py():
        raise UseRowReader(f"{csv.path.name}: {name} is empty somewhere")
    return column


def _fill(column: pa.Array, rows_: np.ndarray, values: list, kind: pa.DataType) -> pa.Array:
    """``column`` with the values at ``rows_`` replaced."""
    if not len(rows_):
        return column
    mask = np.zeros(len(column), dtype=bool)
    mask[rows_] = True
    return pc.replace_with_mask(column, pa.array(mask), pa.array(values, kind))


# -- entities -----------------------------------------------------------------------------------
def _entities(csv: _Csv, reader, share_scale: str, report) -> tuple[pa.Table, pa.Table, pa.Array, pa.Array]:
    n = csv.size
    ids = _required(csv, "id")
    if pc.count_distinct(ids).as_py() != n:
        raise UseRowReader("entities.csv: an id appears twice")

    def kind_of(word: str) -> str:
        kind = rows.KIND_WORDS.get(word.lower())
        if kind is None:
            raise ValueError(word)
        return kind.value

    kinds = _each(_required(csv, "kind"), kind_of, pa.string())
    names = _required(csv, "name")
    if n and pc.max(pc.utf8_length(names)).as_py() > MAX_NAME_CHARS:
        raise UseRowReader(f"{csv.path.name}: a name is too long")  # the row reader says where
    registered = _each(csv.column("registered_capital"), parse_amount, pa.struct([("v", pa.float64()), ("c", pa.string())]))
    paid_in = _each(csv.column("paid_in_capital"), parse_amount, pa.struct([("v", pa.float64()), ("c", pa.string())]))
    currency = pc.coalesce(_text(csv.column("currency")), pc.struct_field(registered, [1]), pc.struct_field(paid_in, [1]))
    reg_no = _each(csv.column("reg_no"), clean_reg_no, pa.string())
    _uscc_warnings(csv, reg_no, report)
    fraction = (lambda text: parse_fraction(text, share_scale) if text else None)
    listed = _each(csv.column("listed"), lambda text: (True if parse_bool(text) else None) if text else None, pa.bool_())
    birth_date = _date(csv.column("birth_date"))
    id_hash, id_number = _id_numbers(csv, kinds, reader)
    columns = {
        "id": ids, "kind": kinds, "name": names, "aliases": _aliases(csv.column("aliases")), "reg_no": reg_no,
        "jurisdiction": _text(csv.column("jurisdiction")), "status": _text(csv.column("status")),
        "founded": _date(csv.column("founded")), "registered_capital": pc.struct_field(registered, [0]),
        "paid_in_capital": pc.struct_field(paid_in, [0]), "currency": currency,
        "industry": _text(csv.column("industry")), "business_scope": _text(csv.column("business_scope")),
        "disclosure_threshold": _each(csv.column("disclosure_threshold"), fraction, pa.float64()),
        "listed": listed, "free_float": _each(csv.column("free_float"), fraction, pa.float64()),
        "id_hash": id_hash, "id_number": id_number, "birth_date": birth_date,
        "identity": _identities(kinds, names, id_hash, birth_date),
    }
    count_kinds(kinds, report)
    report.counts["entity rows"] += n
    nodes, links = contacts(csv, ids, report)
    if len(nodes) and pc.any(pc.is_in(nodes.column("id"), value_set=ids)).as_py():
        raise UseRowReader("entities.csv: an address or contact node has a party's id")
    table = pa.Table.from_pydict(columns, schema=ENTITY_SCHEMA)
    return pa.concat_tables([table, nodes]), links, ids, kinds


def _uscc_warnings(csv: _Csv, reg_no: pa.Array, report) -> None:
    jurisdiction = _each(csv.column("jurisdiction"), lambda text: text.upper() in ("", "CN"), pa.bool_())
    candidate = pc.and_(pc.equal(pc.utf8_length(pc.fill_null(reg_no, "")), 18), jurisdiction)
    rows_ = np.flatnonzero(candidate.to_numpy(zero_copy_only=False))
    if not len(rows_):
        return
    values = reg_no.take(pa.array(rows_)).to_pylist()
    for row, value, valid in zip(rows_.tolist(), values, _uscc_valid(values)):
        if not valid:
            report.warnings.append(f"{csv.path.name}:{csv.lines[row]}: reg_no: {value!r} fails the unified social "
                                   "credit code checksum")


def _uscc_valid(values: list[str]) -> np.ndarray:
    """``stdnum.cn.uscc.is_valid`` of each 18-character value, by whole arrays where the value is plain ASCII."""
    plain = np.array([v.isascii() and v.isalnum() for v in values], dtype=bool)
    valid = np.zeros(len(values), dtype=bool)
    for i in np.flatnonzero(~plain).tolist():
        valid[i] = uscc.is_valid(values[i])
    if plain.any():
        codes = np.frombuffer("".join(v for v, p in zip(values, plain) if p).encode("ascii"), np.uint8).reshape(-1, 18)
        lookup = np.full(256, -1, dtype=np.int64)
        for position, character in enumerate(_USCC_ALPHABET):
            lookup[ord(character)] = position
        digits = lookup[codes]
        shaped = ((codes[:, :8] >= 48) & (codes[:, :8] <= 57)).all(axis=1) & (digits[:, 8:] >= 0).all(axis=1)
        check = (31 - (digits[:, :17] * _USCC_WEIGHTS).sum(axis=1)) % 31
        valid[plain] = shaped & (digits[:, 17] == check)
    return valid


def _aliases(column: pa.Array) -> pa.Array:
    def split(text: str):
        names = [part.strip() for part in text.split("|") if part.strip()]
        return names or None

    return _each(column, lambda text: split(text) if text else None, pa.list_(pa.string()))


def _id_numbers(csv: _Csv, kinds: pa.Array, reader) -> tuple[pa.Array, pa.Array]:
    """ID numbers hashed by the row reader's own rule, row by row: few rows have them."""
    given = pc.or_(pc.not_equal(csv.column("id_number"), ""), pc.not_equal(csv.column("id_hash"), ""))
    rows_ = np.flatnonzero(given.to_numpy(zero_copy_only=False))
    none = pa.nulls(csv.size, pa.string())
    if not len(rows_):
        return none, none
    hashes, numbers = [], []
    taken = pa.array(rows_)
    for number, given_hash, kind, line in zip(csv.column("id_number").take(taken).to_pylist(),
                                              csv.column("id_hash").take(taken).to_pylist(),
                                              kinds.take(taken).to_pylist(), csv.lines[rows_].tolist()):
        try:
            found = reader._id_number(rows.Locator(csv.path, line), {"id_number": number, "id_hash": given_hash},
                                      EntityKind(kind))
        except InvalidInput as e:
            raise UseRowReader(str(e)) from None
        hashes.append(found["id_hash"])
        numbers.append(found.get("id_number"))
    return _fill(none, rows_, hashes, pa.string()), _fill(none, rows_, numbers, pa.string())


def _identities(kinds: pa.Array, names: pa.Array, id_hash: pa.Array, birth_date: pa.Array) -> pa.Array:
    """:attr:`Entity.identity` of each person with an ID number hash or a birth date."""
    person = pc.equal(kinds, "person")
    evidence = pc.and_(person, pc.or_(pc.is_valid(id_hash), pc.is_valid(birth_date)))
    rows_ = np.flatnonzero(evidence.to_numpy(zero_copy_only=False))
    taken = pa.array(rows_)
    values = [("id:" + h) if h else f"nb:{normalize_name(name)}|{day}" for name, h, day in zip(
        names.take(taken).to_pylist(), id_hash.take(taken).to_pylist(), birth_date.take(taken).to_pylist())]
    return _fill(pa.nulls(len(kinds), pa.string()), rows_, values, pa.string())


# -- holdings and officers ----------------------------------------------------------------------
def _party(csv: _Csv, name: str, ids: pa.Array, kinds: pa.Array, allowed: tuple[str, ...] | None
           ) -> tuple[pa.Array, np.ndarray]:
    """The id column ``name`` and each id's position among the entities; every id must be one of
    them, of an ``allowed`` kind where given."""
    column = _required(csv, name)
    where = pc.index_in(column, value_set=ids)
    if where.null_count:
        raise UseRowReader(f"{csv.path.name}: {name} names an id outside entities.csv")
    if allowed is not None and not pc.all(pc.is_in(kinds.take(where), value_set=pa.array(allowed))).as_py():
        raise UseRowReader(f"{csv.path.name}: {name} names a party of the wrong kind")
    return column, where.to_numpy()


def _period(csv: _Csv) -> tuple[pa.Array, pa.Array]:
    since, until = _date(csv.column("since")), _date(csv.column("until"))
    if pc.any(pc.less(until, since)).as_py():  # ISO days compare as text
        raise UseRowReader(f"{csv.path.name}: an until before its since")
    return since, until


def _repeats(csv: _Csv, keys: pa.Array, describe: Callable[[int], str], report) -> pa.Array:
    """Warns of each line whose key an earlier line had (the later line wins), as the row reader does;
    the rows to write, the last of each key."""
    encoded = keys.dictionary_encode()
    codes = encoded.indices.to_numpy()
    if len(encoded.dictionary) == len(codes):
        return pa.array(np.arange(len(codes)))
    order, starts = groups_of(codes)
    first_row = order[starts][np.cumsum(starts) - 1]  # the first row of each row's key, in sorted order
    repeated = order[~starts]
    firsts = first_row[~starts]
    for row, first in sorted(zip(repeated.tolist(), firsts.tolist())):
        report.warnings.append(f"{csv.path.name}:{csv.lines[row]}: the {describe(row)} repeats line "
                               f"{csv.lines[first]}; the later line wins")
    ends = np.concatenate((starts[1:], [True]))
    return pa.array(np.sort(order[ends]))


def _holdings(csv: _Csv, ids: pa.Array, kinds: pa.Array, share_scale: str, report) -> pa.Table:
    holder, _ = _party(csv, "holder_id", ids, kinds, None)
    company, company_at = _party(csv, "company_id", ids, kinds, _HOLDABLE_KINDS)
    share = _each(csv.column("share"), lambda text: _ends(parse_share(text, share_scale)) if text else (None, None),
                  pa.struct([("low", pa.float64()), ("high", pa.float64())]))

    def interest_of(text: str) -> str:
        return Interest(text.lower()).value if text else Interest.SHAREHOLDING.value

    interest = _each(csv.column("interest"), interest_of, pa.string())
    since, until = _period(csv)
    keys = natural_keys(holder, company, interest, since)
    low, high = pc.struct_field(share, [0]), pc.struct_field(share, [1])
    keep = _repeats(csv, keys, lambda row: f"holding of {holder[row].as_py()!r} in {company[row].as_py()!r}", report)
    report.counts["holdings"] += csv.size
    _register_totals(csv, company_at, low, interest, since, until, ids, kinds, report)
    table = pa.table({"key": keys, "holder_id": holder, "company_id": company, "share_low": low, "share_high": high,
                      "interest": interest, "since": since, "until": until, "source": _text(csv.column("source"))},
                     schema=HOLDING_SCHEMA)
    return table.take(keep)


def _register_totals(csv, company_at, low, interest, since, until, ids, kinds, report) -> None:
    """The row reader's two register checks: current shareholdings above 100 % (warned, by company) and
    the count of companies with less than 95 % on record."""
    import datetime as dt

    today = dt.date.today().isoformat()
    current = pc.fill_null(pc.and_kleene(
        pc.equal(interest, Interest.SHAREHOLDING.value),
        pc.and_kleene(pc.or_kleene(pc.is_null(since), pc.less_equal(since, today)),
                      pc.or_kleene(pc.is_null(until), pc.greater_equal(until, today)))), False)
    weights = pc.if_else(current, pc.fill_null(low, 0.0), 0.0).to_numpy()
    counted = current.to_numpy(zero_copy_only=False)
    # Summed in row order, as the row reader's Counter does, so the last digits agree too.
    totals = np.bincount(company_at[counted], weights=weights[counted], minlength=len(ids))
    above = np.flatnonzero(totals > 1.0 + 1e-9)
    id_values = ids.take(pa.array(above)).to_pylist()
    for entity_id, total in sorted(zip(id_values, totals[above].tolist())):
        report.warnings.append(
            f"{csv.path.name}: company {entity_id!r}: current shareholdings sum to {total * 100:.2f} % (above 100 %)")
    companies = pc.equal(kinds, EntityKind.COMPANY.value).to_numpy(zero_copy_only=False)
    report.incomplete_registers = int((companies & (totals < REGISTER_COMPLETE - 1e-9)).sum())


def _officers(csv: _Csv, ids: pa.Array, kinds: pa.Array, report) -> pa.Table:
    person, _ = _party(csv, "person_id", ids, kinds, None)
    company, _ = _party(csv, "company_id", ids, kinds, _HOLDABLE_KINDS)
    cells = _required(csv, "role")
    role = _each(cells, role_code, pa.string())
    title = pc.coalesce(_text(csv.column("title")), _each(cells, lambda text: written_title(text, role_code(text)),
                                                          pa.string()))
    since, until = _period(csv)
    keys = natural_keys(person, company, role, since)
    keep = _repeats(csv, keys, lambda row: f"{role[row].as_py()} role of {person[row].as_py()!r} in "
                                           f"{company[row].as_py()!r}", report)
    report.counts["officers"] += csv.size
    table = pa.table({"key": keys, "person_id": person, "company_id": company, "role": role, "since": since,
                      "until": until, "title": title}, schema=OFFICER_SCHEMA)
    return table.take(keep)


def _ends(share) -> tuple[float | None, float | None]:
    return share.low, share.high
