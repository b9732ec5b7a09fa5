"""The facts touching or joining some entities, read from the embedded store."""

from __future__ import annotations

from typing import Iterable

from .base import Edges, both_ways
from .sqlite_rows import IN_CHUNK, chunks, read_event, read_holding, read_link, read_officer, read_relation


#: What joins the two ends of a pair (the table ``pair (a, b)``), by kind of edge, each looked up
#: along the index of its first end.
_BETWEEN = (
    ("holdings", read_holding,
     "SELECT e.* FROM pair CROSS JOIN holdings e ON e.holder_id = pair.a AND e.company_id = pair.b"),
    ("officers", read_officer,
     "SELECT e.* FROM pair CROSS JOIN officers e ON e.person_id = pair.a AND e.company_id = pair.b"),
    ("links", read_link, "SELECT e.src, e.dst, e.kind, e.since FROM pair CROSS JOIN links e ON e.src = pair.a AND e.dst = pair.b"),
    ("relations", read_relation, "SELECT e.* FROM pair CROSS JOIN relations e ON e.a = pair.a AND e.b = pair.b"),
)


#: What touches an entity, by kind of edge: read by each of its two ends, a row known by its key.
_TOUCHING = (
    ("holdings", read_holding, "SELECT * FROM holdings", ("holder_id", "company_id"), lambda row: row[0]),
    ("officers", read_officer, "SELECT * FROM officers", ("person_id", "company_id"), lambda row: row[0]),
    ("links", read_link, "SELECT src, dst, kind, since FROM links", ("src", "dst"), lambda row: row),
    ("relations", read_relation, "SELECT * FROM relations", ("a", "b"), lambda row: row[0]),
)


class StoredEdges:
    """The edges half of :class:`~.sqlite.SQLiteStore` (its ``_db``)."""

    def edges_touching(self, ids: Iterable[str]) -> Edges:
        edges = Edges()
        id_list = list(dict.fromkeys(ids))
        seen: dict[str, set] = {kind: set() for kind, *_ in _TOUCHING}
        for chunk in chunks(id_list, IN_CHUNK):
            marks = ",".join("?" * len(chunk))
            for kind, read, select, ends, key_of in _TOUCHING:
                for end in ends:
                    for row in self._db.execute(f"{select} WHERE {end} IN ({marks})", chunk):
                        if key_of(row) not in seen[kind]:  # an edge with both ends among the ids comes twice
                            seen[kind].add(key_of(row))
                            getattr(edges, kind).append(read(row))
            for row in self._db.execute(
                f"SELECT entity_id, type, date, severity, text, source FROM events WHERE entity_id IN ({marks})", chunk
            ):
                edges.events.append(read_event(row))
        return edges.sorted()

    def holding_counts(self, ids: Iterable[str]) -> dict[str, int]:
        counts = {}
        for chunk in chunks(list(dict.fromkeys(ids)), IN_CHUNK):
            marks = ",".join("?" * len(chunk))
            counts.update(self._db.execute(
                f"SELECT holder_id, count(*) FROM holdings WHERE holder_id IN ({marks}) GROUP BY holder_id", chunk))
        return counts

    def edges_among(self, ids: Iterable[str]) -> Edges:
        id_list = list(dict.fromkeys(ids))
        if len(id_list) > 10000:  # both-ends IN lists this long stop paying off
            return super().edges_among(id_list)
        marks = ",".join("?" * len(id_list))
        both = id_list + id_list
        db = self._db
        wanted = set(id_list)
        edges = Edges(
            holdings=[read_holding(r) for r in db.execute(
                f"SELECT * FROM holdings WHERE holder_id IN ({marks}) AND company_id IN ({marks}) ORDER BY key", both)],
            officers=[read_officer(r) for r in db.execute(
                f"SELECT * FROM officers WHERE person_id IN ({marks}) AND company_id IN ({marks}) ORDER BY key", both)],
            # By the party's end only, the other end looked up here: with both ends in IN lists SQLite
            # chose a plan that took 9.8 s for 8,000 ids (explaining 5,000 risk reasons on 100k companies).
            links=[read_link(r) for r in db.execute(f"SELECT src, dst, kind, since FROM links WHERE src IN ({marks})", id_list)
                   if r[1] in wanted],
            events=[read_event(r) for r in db.execute(
                f"SELECT entity_id, type, date, severity, text, source FROM events WHERE entity_id IN ({marks})", id_list)],
            relations=[read_relation(r) for r in db.execute(
                f"SELECT * FROM relations WHERE a IN ({marks}) AND b IN ({marks})", both)],
        )
        return edges.sorted()

    def edges_between(self, pairs: Iterable[tuple[str, str]]) -> Edges:
        # A look-up per pair along an index, the pairs a table of values: the ends of 5,000 explained
        # paths at a million companies include hubs whose every edge edges_among would read (3.4 s).
        joined = sorted(both_ways(pairs))
        edges = Edges()
        for chunk in chunks(joined, IN_CHUNK):
            pairs_table = f"WITH pair (a, b) AS (VALUES {','.join(['(?, ?)'] * len(chunk))}) "
            ends = [end for pair in chunk for end in pair]
            for kind, read, select in _BETWEEN:
                getattr(edges, kind).extend(map(read, self._db.execute(pairs_table + select, ends)))
        return edges.sorted()
