"""The whole-graph arrays made from the column tables of a bulk load, as :meth:`SQLiteStore.export_arrays`
would read them back from the tables just written (same order, same codes): the batch writer caches
them beside the new store, so the first analysis after a load reads them in a second.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrays import (
    EVENT_CODES_BY_VALUE,
    INTEREST_CODES_BY_VALUE,
    KIND_CODES_BY_VALUE,
    LINK_CODES_BY_VALUE,
    OPEN_END,
    OPEN_START,
    RELATION_CODES_BY_VALUE,
    GraphArrays,
)
from ..texts import TextColumn


class ArraysFromTables:
    """Collects the parts of :class:`GraphArrays` as the tables come (entities first), whole or in
    pieces: the columns it needs are kept as they come and put in the store's order at the end.
    The tables are in the embedded store's column forms, or :data:`..columns.SCHEMAS`'s as read."""

    def __init__(self, sorted_pieces: bool = True):
        self.parts: dict[str, object] = {}
        self._sorted_pieces = sorted_pieces  # else each table is sorted when whole, even of one piece
        self._pieces: dict[str, list[pa.Table]] = {"entities": [], "links": [], "holdings": [], "officers": []}
        self._ids: pa.Array | None = None

    def entities(self, table: pa.Table) -> None:
        """``table`` (or a piece) sorted by id, in the store's column forms."""
        self._pieces["entities"].append(pa.table({
            "id": table.column("id"), "kind": _codes(table.column("kind"), KIND_CODES_BY_VALUE, np.int8),
            "disclosure_threshold": _floats(table.column("disclosure_threshold")),
            "listed": pc.fill_null(pc.cast(table.column("listed"), pa.bool_()), False).to_numpy(),
            "free_float": _floats(table.column("free_float")), "identity": table.column("identity")}))

    def holdings(self, table: pa.Table) -> None:
        self._pieces["holdings"].append(pa.table({
            "company_id": table.column("company_id"), "key": table.column("key"),
            "holder_id": table.column("holder_id"), "share_low": _floats(table.column("share_low")),
            "share_high": _floats(table.column("share_high")),
            "interest": _codes(table.column("interest"), INTEREST_CODES_BY_VALUE, np.int8),
            "since": _days(table.column("since"), OPEN_START), "until": _days(table.column("until"), OPEN_END)}))

    def officers(self, table: pa.Table) -> None:
        self._pieces["officers"].append(pa.table({
            "company_id": table.column("company_id"), "key": table.column("key"),
            "person_id": table.column("person_id"), "role": table.column("role"),
            "since": _days(table.column("since"), OPEN_START), "until": _days(table.column("until"), OPEN_END)}))

    def links(self, table: pa.Table) -> None:
        """``table`` (or a piece) sorted by src, dst, kind."""
        self._pieces["links"].append(pa.table({"src": table.column("src"), "dst": table.column("dst"),
                                               "kind": _codes(table.column("kind"), LINK_CODES_BY_VALUE, np.int8)}))

    def _whole(self, name: str, order: list[str]) -> pa.Table | None:
        """The pieces of ``name`` as one table in ``order`` (a single piece is in it already). Each piece
        is kept in compact columns (codes, numbers, day numbers) until then: only ids and keys as text."""
        pieces, self._pieces[name] = self._pieces[name], []
        if not pieces:
            return None
        sorted_already = self._sorted_pieces and name in ("entities", "links") and len(pieces) == 1
        table = pa.concat_tables(pieces)
        del pieces
        return table if sorted_already else table.sort_by([(column, "ascending") for column in order])

    def _gather(self) -> None:
        def numbers(table, column):
            return table.column(column).to_numpy()

        if (table := self._whole("entities", ["id"])) is not None:
            self._ids = table.column("id").combine_chunks()
            self.parts.update(kinds=numbers(table, "kind"), disclosure_threshold=numbers(table, "disclosure_threshold"),
                              listed=numbers(table, "listed"), free_float=numbers(table, "free_float"))
            identities = table.column("identity").combine_chunks()
            where = np.flatnonzero(identities.is_valid().to_numpy(zero_copy_only=False))
            self.parts["identity"] = dict(zip(where.tolist(), identities.take(pa.array(where)).to_pylist()))
        if (table := self._whole("holdings", ["company_id", "key"])) is not None:
            self.parts.update(
                holding_holder=self._index(table.column("holder_id")),
                holding_company=self._index(table.column("company_id")),
                share_low=numbers(table, "share_low"), share_high=numbers(table, "share_high"),
                holding_interest=numbers(table, "interest"), holding_since=numbers(table, "since"),
                holding_until=numbers(table, "until"))
        if (table := self._whole("officers", ["company_id", "key"])) is not None:
            roles = sorted(pc.unique(table.column("role")).to_pylist())
            self.parts.update(
                officer_person=self._index(table.column("person_id")),
                officer_company=self._index(table.column("company_id")),
                officer_role=_codes(table.column("role"), {role: code for code, role in enumerate(roles)}, np.int16),
                officer_roles=roles, officer_since=numbers(table, "since"), officer_until=numbers(table, "until"))
        if (table := self._whole("links", ["src", "dst"])) is not None:  # stable: kinds stay in text order
            self.parts.update(link_src=self._index(table.column("src")), link_dst=self._index(table.column("dst")),
                              link_kind=numbers(table, "kind"))

    def small(self, events: list[tuple], relations: list[tuple]) -> None:
        """The events and relations table rows (as the store keeps them), keyed by their first column."""
        events = sorted({row[0]: row for row in events}.values())
        relations = sorted({row[0]: row for row in relations}.values())
        self.parts.update(
            event_entity=self._index(pa.array([r[1] for r in events], pa.string())),
            event_type=np.array([EVENT_CODES_BY_VALUE[r[2]] for r in events], dtype=np.int8),
            event_date=_days(pa.array([r[3] for r in events], pa.string()), OPEN_START),
            event_severity=np.array([r[4] or 0 for r in events], dtype=np.int8),
            relation_a=self._index(pa.array([r[1] for r in relations], pa.string())),
            relation_b=self._index(pa.array([r[2] for r in relations], pa.string())),
            relation_type=np.array([RELATION_CODES_BY_VALUE[r[3]] for r in relations], dtype=np.int8),
            relation_since=_days(pa.array([r[4] for r in relations], pa.string()), OPEN_START),
            relation_until=_days(pa.array([r[5] for r in relations], pa.string()), OPEN_END),
        )

    def arrays(self) -> GraphArrays:
        """The arrays, their ids kept in Arrow buffers (:class:`~..texts.TextColumn`), never made Python strings."""
        empty_index = np.zeros(0, np.int32)
        defaults = dict(
            holding_holder=empty_index, holding_company=empty_index, share_low=np.zeros(0), share_high=np.zeros(0),
            holding_interest=np.zeros(0, np.int8), holding_since=empty_index, holding_until=empty_index,
            officer_person=empty_index, officer_company=empty_index, officer_role=np.zeros(0, np.int16),
            officer_roles=[], officer_since=empty_index, officer_until=empty_index, link_src=empty_index,
            link_dst=empty_index, link_kind=np.zeros(0, np.int8),
        )
        self._gather()
        self._resolve()
        return GraphArrays(ids=TextColumn.of(self._ids), **{**defaults, **self.parts})

    def _index(self, column):
        """A placeholder for the ids' positions: found for every column at once in :meth:`_resolve`
        (one hash table of the ids, not one per column)."""
        return _Lookup(column)

    def _resolve(self) -> None:
        wanted = [(name, value.column) for name, value in self.parts.items() if isinstance(value, _Lookup)]
        if not wanted:
            return
        columns = [pa.chunked_array([c]) if isinstance(c, pa.Array) else c for _, c in wanted]
        where = pc.index_in(pa.chunked_array([chunk for c in columns for chunk in c.chunks], pa.string()),
                            value_set=self._ids)
        if where.null_count:
            raise ValueError("a table names an entity that is not among the entities")
        positions = where.to_numpy(zero_copy_only=False).astype(np.int32)
        start = 0
        for (name, _), column in zip(wanted, columns):
            self.parts[name] = positions[start:start + len(column)]
            start += len(column)


class _Lookup:
    def __init__(self, column):
        self.column = column


def _codes(column, codes: dict, dtype) -> np.ndarray:
    encoded = column.combine_chunks().dictionary_encode() if isinstance(column, pa.ChunkedArray) else \
        column.dictionary_encode()
    lookup = np.array([codes[value] for value in encoded.dictionary.to_pylist()], dtype=dtype)
    return lookup[encoded.indices.to_numpy(zero_copy_only=False)] if len(lookup) else np.zeros(len(column), dtype)


def _floats(column) -> np.ndarray:
    return pc.fill_null(column, np.nan).to_numpy().astype(np.float64)


def _days(column, missing: int) -> np.ndarray:
    """ISO dates as day numbers since 1970-01-01 (what ``julianday(x) - 2440587.5`` gives)."""
    days = pc.cast(pc.strptime(column, format="%Y-%m-%d", unit="s"), pa.date32())
    return pc.fill_null(pc.cast(days, pa.int32()), missing).to_numpy().astype(np.int32)
