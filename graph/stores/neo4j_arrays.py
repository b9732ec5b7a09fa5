"""The whole graph of a Neo4j store as arrays (what the analyses read), read a page at a time and
kept for every store of the process on the same database while its generation holds, and on disk
for the next process (:func:`.arrays_cache.server_cache_path`; a bulk import leaves them there).

Each page is one record holding its rows as a list: the driver's cost is per record, and a record a
row made 1.6 million records of 100,000 companies (63 of 75 s under the profiler). The arrays are
kept under the generation token every writer of records renews (:meth:`Neo4jStore.new_generation`):
the explorer opens a store per thread, and each whole-graph question read the graph again.
"""

from __future__ import annotations

import re
import threading
from typing import Iterator

import numpy as np

from . import arrays_cache, cypher
from ..arrays import (
    EVENT_CODES_BY_VALUE,
    INTEREST_CODES_BY_VALUE,
    KIND_CODES_BY_VALUE,
    LINK_CODES,
    OPEN_END,
    OPEN_START,
    RELATION_CODES_BY_VALUE,
    GraphArrays,
    day_number,
)
from .neo4j_rows import date_of

PAGE = 50000
_KEPT: dict[str, tuple[str, GraphArrays]] = {}  # database -> (generation, arrays): one entry a database
_LOCK = threading.Lock()


def kept(store) -> GraphArrays:
    """The store's arrays: those kept for its database at its generation (in this process, else on
    disk), else read from the server (and kept)."""
    generation = store.get_meta("generation")
    if generation is None:
        return read(store)
    where = address(store)
    with _LOCK:
        found = _KEPT.get(where)
    if found is not None and found[0] == generation:
        return found[1]
    disk = arrays_cache.server_cache_path(where)
    arrays = arrays_cache.load(disk, generation) if disk is not None else None
    if arrays is None:
        arrays = read(store)
        keep(store, arrays, generation)
    else:
        with _LOCK:
            _KEPT[where] = (generation, arrays)
    return arrays


def keep(store, arrays: GraphArrays, generation: str) -> None:
    """Keep ``arrays`` as the store's at ``generation``, in this process and on disk."""
    where = address(store)
    with _LOCK:
        _KEPT[where] = (generation, arrays)
    disk = arrays_cache.server_cache_path(where)
    if disk is not None:
        try:
            arrays_cache.save(disk, arrays, generation)
        except OSError:
            pass  # a cache that cannot be written is only a slower next read


def forget(store) -> None:
    with _LOCK:
        _KEPT.pop(address(store), None)


def address(store) -> str:
    """The server and database, the default one named: ``neo4j import`` names it, other commands may not."""
    database = store.database or store._run("CALL db.info() YIELD name RETURN name")[0]["name"]
    return f"{store.uri}#{database}"


def page_rows(store, query: str) -> Iterator[tuple]:
    """The rows of a paged query (its first column the key it pages by) as tuples, a page a record."""
    columns = re.findall(r"\bAS (\w+)", query[query.index("RETURN"):])
    batched = f"CALL {{ {query} }} RETURN collect([{', '.join(columns)}]) AS rows"
    after = ""
    while True:
        rows = store._run(batched, after=after, limit=PAGE)[0]["rows"]
        yield from map(tuple, rows)
        if len(rows) < PAGE:
            return
        after = max(row[0] for row in rows)  # the order of a collected list is not promised: the largest key


def read(store) -> GraphArrays:
    """The whole graph read from the server."""
    # Sorted in Python, by code point, as the embedded store's SQL sorts: the same ids in the same order.
    nodes = sorted(page_rows(store, cypher.PAGE_ENTITIES))
    ids = [r[0] for r in nodes]
    index = {entity_id: i for i, entity_id in enumerate(ids)}
    # Grouped by company (as the embedded store orders them): whole-graph passes then read memory in order.
    holdings = sorted(page_rows(store, cypher.PAGE_HOLDINGS), key=lambda t: (t[2], t[0]))
    officers = sorted(page_rows(store, cypher.PAGE_OFFICERS), key=lambda t: (t[2], t[0]))
    links = sorted((src, dst, kind) for _key, src, dst, kind in page_rows(store, cypher.PAGE_LINKS))
    events = sorted(page_rows(store, cypher.PAGE_EVENTS), key=lambda t: t[0])
    relations = sorted(page_rows(store, cypher.PAGE_RELATIONS), key=lambda t: t[0])
    identities = {r["id"]: r["identity"] for r in store._run(cypher.PAGE_IDENTITIES)}
    roles = sorted({o[3] for o in officers})
    role_codes = {role: code for code, role in enumerate(roles)}
    link_codes = {cypher.LINK_TYPES[k]: code for k, code in LINK_CODES.items()}

    def col(rows, fn, dtype):
        return np.fromiter((fn(r) for r in rows), dtype=dtype, count=len(rows))

    nan = float("nan")
    return GraphArrays(
        ids=ids,
        kinds=col(nodes, lambda r: KIND_CODES_BY_VALUE[r[1]], np.int8),
        holding_holder=col(holdings, lambda r: index[r[1]], np.int32),
        holding_company=col(holdings, lambda r: index[r[2]], np.int32),
        share_low=col(holdings, lambda r: nan if r[3] is None else r[3], np.float64),
        share_high=col(holdings, lambda r: nan if r[4] is None else r[4], np.float64),
        holding_interest=col(holdings, lambda r: INTEREST_CODES_BY_VALUE[r[5]], np.int8),
        holding_since=col(holdings, lambda r: day_number(date_of(r[6]), OPEN_START), np.int32),
        holding_until=col(holdings, lambda r: day_number(date_of(r[7]), OPEN_END), np.int32),
        officer_person=col(officers, lambda r: index[r[1]], np.int32),
        officer_company=col(officers, lambda r: index[r[2]], np.int32),
        officer_role=col(officers, lambda r: role_codes[r[3]], np.int16),
        officer_roles=roles,
        officer_since=col(officers, lambda r: day_number(date_of(r[4]), OPEN_START), np.int32),
        officer_until=col(officers, lambda r: day_number(date_of(r[5]), OPEN_END), np.int32),
        link_src=col(links, lambda r: index[r[0]], np.int32),
        link_dst=col(links, lambda r: index[r[1]], np.int32),
        link_kind=col(links, lambda r: link_codes[r[2]], np.int8),
        event_entity=col(events, lambda r: index[r[1]], np.int32),
        event_type=col(events, lambda r: EVENT_CODES_BY_VALUE[r[2]], np.int8),
        event_date=col(events, lambda r: day_number(date_of(r[3]), OPEN_START), np.int32),
        event_severity=col(events, lambda r: r[4] or 0, np.int8),
        disclosure_threshold=col(nodes, lambda r: nan if r[2] is None else r[2], np.float64),
        listed=col(nodes, lambda r: bool(r[3]), bool),
        free_float=col(nodes, lambda r: nan if r[4] is None else r[4], np.float64),
        relation_a=col(relations, lambda r: index[r[1]], np.int32),
        relation_b=col(relations, lambda r: index[r[2]], np.int32),
        relation_type=col(relations, lambda r: RELATION_CODES_BY_VALUE[r[3]], np.int8),
        relation_since=col(relations, lambda r: day_number(date_of(r[4]), OPEN_START), np.int32),
        relation_until=col(relations, lambda r: day_number(date_of(r[5]), OPEN_END), np.int32),
        identity={index[i]: key for i, key in identities.items()},
    )
