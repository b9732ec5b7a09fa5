"""The whole graph read from the embedded store's tables into integer-indexed arrays."""

from __future__ import annotations

import sqlite3

import numpy as np

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
from .sqlite_rows import days_sql


def read_arrays(db: sqlite3.Connection) -> GraphArrays:
    """The whole graph as arrays, read from the tables of a store (``db``)."""
    ids = [r[0] for r in db.execute("SELECT id FROM entities ORDER BY id")]
    index = {entity_id: i for i, entity_id in enumerate(ids)}
    kinds, threshold, listed, free_float = query_columns(
        db, "SELECT kind, disclosure_threshold, coalesce(listed, 0), free_float FROM entities ORDER BY id", len(ids),
        [(np.int8, KIND_CODES_BY_VALUE, None), (np.float64, None, np.nan), (bool, None, None),
         (np.float64, None, np.nan)])
    roles = [r[0] for r in db.execute("SELECT DISTINCT role FROM officers ORDER BY role")]
    role_codes = {role: code for code, role in enumerate(roles)}
    count = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("holdings", "officers", "links", "events", "relations")}
    index_of = (np.int32, index, None)
    holdings = query_columns(db, f"SELECT holder_id, company_id, share_low, share_high, interest, {days_sql('since')}, "
                            f"{days_sql('until')} FROM holdings ORDER BY company_id, key", count["holdings"],
                        [index_of, index_of, (np.float64, None, np.nan), (np.float64, None, np.nan),
                         (np.int8, INTEREST_CODES_BY_VALUE, None), (np.int32, None, OPEN_START), (np.int32, None, OPEN_END)])
    officers = query_columns(db, f"SELECT person_id, company_id, role, {days_sql('since')}, {days_sql('until')} FROM officers "
                            "ORDER BY company_id, key", count["officers"],
                        [index_of, index_of, (np.int16, role_codes, None), (np.int32, None, OPEN_START),
                         (np.int32, None, OPEN_END)])
    links = query_columns(db, "SELECT src, dst, kind FROM links ORDER BY src, dst, kind", count["links"],
                     [index_of, index_of, (np.int8, LINK_CODES_BY_VALUE, None)])
    events = query_columns(db, f"SELECT entity_id, type, {days_sql('date')}, severity FROM events ORDER BY id", count["events"],
                      [index_of, (np.int8, EVENT_CODES_BY_VALUE, None), (np.int32, None, OPEN_START), (np.int8, None, 0)])
    relations = query_columns(db, f"SELECT a, b, type, {days_sql('since')}, {days_sql('until')} FROM relations ORDER BY key",
                         count["relations"], [index_of, index_of, (np.int8, RELATION_CODES_BY_VALUE, None),
                                              (np.int32, None, OPEN_START), (np.int32, None, OPEN_END)])
    identities = {i: key for i, key in db.execute("SELECT id, identity FROM entities WHERE identity IS NOT NULL")}
    return GraphArrays(
        ids, kinds, *holdings, *officers[:3], roles, *officers[3:], *links, *events,
        disclosure_threshold=threshold, listed=listed, free_float=free_float,
        relation_a=relations[0], relation_b=relations[1], relation_type=relations[2],
        relation_since=relations[3], relation_until=relations[4],
        identity={index[i]: key for i, key in identities.items()},
    )


def query_columns(db: sqlite3.Connection, sql: str, count: int, specs: list) -> list[np.ndarray]:
    """The columns of a query as numpy arrays, filled chunk by chunk so the rows never all sit in
    memory as Python tuples. Each spec is (dtype, a dict to map values through or None, the value
    for NULL or None)."""
    arrays = [np.empty(count, dtype=dtype) for dtype, _, _ in specs]
    cursor = db.execute(sql)
    start = 0
    while rows := cursor.fetchmany(200_000):
        stop = start + len(rows)
        for column, (array, (dtype, mapping, missing)) in enumerate(zip(arrays, specs)):
            values = (r[column] for r in rows)
            if mapping is not None:
                values = (mapping[v] for v in values)
            if missing is not None:
                values = (missing if v is None else v for v in values)
            array[start:stop] = np.fromiter(values, dtype=dtype, count=len(rows))
        start = stop
    return arrays
