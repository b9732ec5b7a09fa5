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

from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.cn import uscc

from ..graph.columns import ENTITY_SCHEMA, HOLDING_SCHEMA, OFFICER_SCHEMA, last_piece, natural_keys
from ..graph.errors import InvalidInput
from ..graph.roles import role_code, written_title
from ..graph.model import REGISTER_COMPLETE, EntityKind, Interest, normalize_name
from . import csv_rows as rows
from .csv_contacts import SeenNodes, contacts, count_kinds, groups_of
from .report import LoadReport
from .fields import MAX_NAME_CHARS, clean_reg_no, parse_amount, parse_bool, parse_date, parse_fraction, parse_share
from .textfile import CsvTable
from .csv_pieces import CsvPiece, UseRowReader, pieces as _pieces

_HOLDABLE_KINDS = ("company", "organization")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array((1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), dtype=np.int64)


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
    entities = _EntityPieces(reader, share_scale, report)
    for piece in _pieces(reader, folder / "entities.csv", ("id", "kind", "name"), rows.ENTITY_COLUMNS):
        entity_table, links = entities.add(piece)
        progress(piece.size)
        last = piece.last
        del piece  # the cells: only the tables are kept from here on
        yield "entities", last_piece(entity_table) if last else entity_table
        del entity_table
        yield "links", last_piece(links) if last else links
        del links
    ids, kinds = entities.finish()
    totals = np.zeros(len(ids))
    keys = _Keys("holdings.csv")
    for piece in _pieces(reader, folder / "holdings.csv", ("holder_id", "company_id", "share"), rows.HOLDING_COLUMNS):
        table = _holdings(piece, ids, kinds, share_scale, report, totals, keys)
        yield "holdings", last_piece(table) if piece.last else table
        del table
        progress(piece.size)
    keys.finish()
    _register_totals("holdings.csv", totals, ids, kinds, report)
    del totals
    if (folder / "officers.csv").is_file():
        keys = _Keys("officers.csv")
        for piece in _pieces(reader, folder / "officers.csv", ("person_id", "company_id", "role"), rows.OFFICER_COLUMNS):
            table = _officers(piece, ids, kinds, report, keys)
            yield "officers", last_piece(table) if piece.last else table
            del table
            progress(piece.size)
        keys.finish()
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


def _required(csv: CsvPiece, name: str) -> pa.Array:
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
class _EntityPieces:
    """What the pieces of entities.csv leave for the rest of the folder: each party's id and kind, in
    file order, and the address and contact nodes written so far (each once, as first written)."""

    def __init__(self, reader, share_scale: str, report):
        self.reader, self.share_scale, self.report = reader, share_scale, report
        self.ids: list[pa.Array] = []
        self.kinds: list[pa.Array] = []
        self.nodes = SeenNodes()

    def add(self, piece: CsvPiece) -> tuple[pa.Table, pa.Table]:
        """The piece's entities (parties and nodes not written before) and links."""
        table, links, ids, kinds = _entities(piece, self.reader, self.share_scale, self.report, self.nodes)
        self.ids.append(ids)
        self.kinds.append(kinds)
        return table, links

    def finish(self) -> tuple[pa.Array, pa.Array]:
        ids, kinds = pa.concat_arrays(self.ids), pa.concat_arrays(self.kinds)
        self.ids, self.kinds = [], []
        if self.nodes.pieces > 1:  # what each piece checked of itself, across pieces
            if pc.count_distinct(ids).as_py() != len(ids):
                raise UseRowReader("entities.csv: an id appears twice")
            if pc.any(pc.or_(pc.starts_with(ids, "addr:"), pc.starts_with(ids, "contact:"))).as_py():
                raise UseRowReader("entities.csv: a party's id is shaped like an address or contact node's")
        return ids, kinds


class _Keys:
    """The natural keys of the pieces of a file: a key in two pieces is left to the row reader (which
    warns of the repeat, the later line winning, as within a piece)."""

    def __init__(self, name: str):
        self.name = name
        self.keys: list[pa.Array] = []

    def add(self, keys: pa.Array) -> None:
        self.keys.append(keys)

    def finish(self) -> None:
        keys, self.keys = pa.chunked_array(self.keys, pa.string()), []
        if keys.num_chunks > 1 and pc.count_distinct(keys).as_py() != len(keys):
            raise UseRowReader(f"{self.name}: a key repeats in another piece of the file")


def _entities(csv: CsvPiece, reader, share_scale: str, report, seen: "SeenNodes"
              ) -> tuple[pa.Table, pa.Table, pa.Array, pa.Array]:
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
    nodes, links = contacts(csv, ids, report, seen)
    if len(nodes) and pc.any(pc.is_in(nodes.column("id"), value_set=ids)).as_py():
        raise UseRowReader("entities.csv: an address or contact node has a party's id")
    table = pa.Table.from_pydict(columns, schema=ENTITY_SCHEMA)
    return pa.concat_tables([table, nodes]), links, ids, kinds


def _uscc_warnings(csv: CsvPiece, reg_no: pa.Array, report) -> None:
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


def _id_numbers(csv: CsvPiece, kinds: pa.Array, reader) -> tuple[pa.Array, pa.Array]:
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
def _parties(csv: CsvPiece, party: str, company: str, ids: pa.Array, kinds: pa.Array
             ) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """The id columns ``party`` and ``company``, and each company's position among the entities: every
    id must be one of them, each company a company or organization. Both columns are looked up at
    once (one hash table of the entities' ids a piece: millions of them)."""
    columns = (_required(csv, party), _required(csv, company))
    where = pc.index_in(pa.chunked_array(columns), value_set=ids)
    for name, found in zip((party, company), (where.slice(0, csv.size), where.slice(csv.size))):
        if found.null_count:
            raise UseRowReader(f"{csv.path.name}: {name} names an id outside entities.csv")
    company_at = where.slice(csv.size)
    if not pc.all(pc.is_in(kinds.take(company_at), value_set=pa.array(_HOLDABLE_KINDS))).as_py():
        raise UseRowReader(f"{csv.path.name}: {company} names a party of the wrong kind")
    return *columns, company_at.to_numpy()


def _period(csv: CsvPiece) -> tuple[pa.Array, pa.Array]:
    since, until = _date(csv.column("since")), _date(csv.column("until"))
    if pc.any(pc.less(until, since)).as_py():  # ISO days compare as text
        raise UseRowReader(f"{csv.path.name}: an until before its since")
    return since, until


def _repeats(csv: CsvPiece, keys: pa.Array, describe: Callable[[int], str], report) -> pa.Array:
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


def _holdings(csv: CsvPiece, ids: pa.Array, kinds: pa.Array, share_scale: str, report, totals: np.ndarray,
              written: _Keys) -> pa.Table:
    holder, company, company_at = _parties(csv, "holder_id", "company_id", ids, kinds)
    share = _each(csv.column("share"), lambda text: _ends(parse_share(text, share_scale)) if text else (None, None),
                  pa.struct([("low", pa.float64()), ("high", pa.float64())]))

    def interest_of(text: str) -> str:
        return Interest(text.lower()).value if text else Interest.SHAREHOLDING.value

    interest = _each(csv.column("interest"), interest_of, pa.string())
    since, until = _period(csv)
    keys = natural_keys(holder, company, interest, since)
    low, high = pc.struct_field(share, [0]), pc.struct_field(share, [1])
    keep = _repeats(csv, keys, lambda row: f"holding of {holder[row].as_py()!r} in {company[row].as_py()!r}", report)
    written.add(keys.take(keep))
    report.counts["holdings"] += csv.size
    _add_current(totals, company_at, low, interest, since, until)
    table = pa.table({"key": keys, "holder_id": holder, "company_id": company, "share_low": low, "share_high": high,
                      "interest": interest, "since": since, "until": until, "source": _text(csv.column("source"))},
                     schema=HOLDING_SCHEMA)
    return table.take(keep)


def _add_current(totals: np.ndarray, company_at: np.ndarray, low, interest, since, until) -> None:
    """Adds the current shareholdings of a piece to each company's total, in row order (as the row
    reader's Counter sums them, so that the last digits agree too)."""
    import datetime as dt

    today = dt.date.today().isoformat()
    current = pc.fill_null(pc.and_kleene(
        pc.equal(interest, Interest.SHAREHOLDING.value),
        pc.and_kleene(pc.or_kleene(pc.is_null(since), pc.less_equal(since, today)),
                      pc.or_kleene(pc.is_null(until), pc.greater_equal(until, today)))), False)
    counted = current.to_numpy(zero_copy_only=False)
    np.add.at(totals, company_at[counted], pc.fill_null(low, 0.0).to_numpy(zero_copy_only=False)[counted])


def _register_totals(name: str, totals: np.ndarray, ids: pa.Array, kinds: pa.Array, report) -> None:
    """The row reader's two register checks: current shareholdings above 100 % (warned, by company) and
    the count of companies with less than 95 % on record."""
    above = np.flatnonzero(totals > 1.0 + 1e-9)
    id_values = ids.take(pa.array(above)).to_pylist()
    for entity_id, total in sorted(zip(id_values, totals[above].tolist())):
        report.warnings.append(
            f"{name}: company {entity_id!r}: current shareholdings sum to {total * 100:.2f} % (above 100 %)")
    companies = pc.equal(kinds, EntityKind.COMPANY.value).to_numpy(zero_copy_only=False)
    report.incomplete_registers = int((companies & (totals < REGISTER_COMPLETE - 1e-9)).sum())


def _officers(csv: CsvPiece, ids: pa.Array, kinds: pa.Array, report, written: _Keys) -> pa.Table:
    person, company, _ = _parties(csv, "person_id", "company_id", ids, kinds)
    cells = _required(csv, "role")
    role = _each(cells, role_code, pa.string())
    title = pc.coalesce(_text(csv.column("title")), _each(cells, lambda text: written_title(text, role_code(text)),
                                                          pa.string()))
    since, until = _period(csv)
    keys = natural_keys(person, company, role, since)
    keep = _repeats(csv, keys, lambda row: f"{role[row].as_py()} role of {person[row].as_py()!r} in "
                                           f"{company[row].as_py()!r}", report)
    written.add(keys.take(keep))
    report.counts["officers"] += csv.size
    table = pa.table({"key": keys, "person_id": person, "company_id": company, "role": role, "since": since,
                      "until": until, "title": title}, schema=OFFICER_SCHEMA)
    return table.take(keep)


def _ends(share) -> tuple[float | None, float | None]:
    return share.low, share.high
