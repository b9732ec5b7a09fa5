"""The whole graph of a Neo4j store as arrays (what the analyses read), read a page at a time and
kept for every store of the process on the same database while its generation holds, and on disk
for the next process (:func:`.arrays_cache.server_cache_path`; a bulk import leaves them there).

Each page is one record holding its rows as a list: the driver's cost is per record, and a record a
row made 1.6 million records of 100,000 companies (63 of 75 s under the profiler). The arrays are
kept under the generation token every writer of records renews (:meth:`Neo4jStore.new_generation`):
the explorer opens a store per thread, and each whole-graph question read the graph again.

The companies' facts the risk indicators read besides the graph (names, scopes, capital, founding
dates) are kept on disk the same way (:func:`company_facts`): at a million companies the risk step
reads them in 1.4-1.8 s, against 10.8 s from the server.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.ipc

from . import arrays_cache, cypher
from ..arrays import GraphArrays
from .private_files import open_private
from .arrays_tables import ArraysFromTables
from .fact_columns import FactColumns, facts_table

PAGE = 50000
FACTS = ".facts.arrow"  # the kept company facts' file, beside the arrays
_FACTS_FORMAT = b"1"
_KEPT: dict[str, tuple[str, GraphArrays]] = {}  # database -> (generation, arrays): one entry a database
_LOCK = threading.Lock()


def kept(store) -> GraphArrays:
    """The store's arrays: those kept for its database at its generation (in this process, else on
    disk), else read from the server (and kept)."""
    generation = store.get_meta("generation")
    if generation is None:
        return read(store)
    where = store.path
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
        _remember(where, arrays, generation)
    return arrays


def keep(store, arrays: GraphArrays, generation: str) -> None:
    """Keep ``arrays`` as the store's at ``generation``, in this process and on disk."""
    _remember(store.path, arrays, generation)
    disk = arrays_cache.server_cache_path(store.path)
    if disk is not None:
        try:
            arrays_cache.save(disk, arrays, generation)
        except OSError:
            pass  # a cache that cannot be written is only a slower next read


def forget(store) -> None:
    with _LOCK:
        _KEPT.pop(store.path, None)


def _remember(where: str, arrays: GraphArrays, generation: str) -> None:
    with _LOCK:
        _KEPT[where] = (generation, arrays)


def company_facts(store) -> "FactColumns":
    """:meth:`~.base.Store.company_facts` of a Neo4j store: kept on disk at its generation (a bulk
    import leaves them, :func:`keep_facts`), else read from the server (and kept)."""
    generation = store.get_meta("generation")
    disk = arrays_cache.server_cache_path(store.path, FACTS)
    table = _kept_facts(disk, generation)
    if table is None:
        table = facts_table(page_table(store, cypher.PAGE_COMPANY_FACTS))
        keep_facts(store, table, generation)
    return FactColumns(table)


def keep_facts(store, table: pa.Table, generation: str | None) -> None:
    """Keep ``table`` (every company's ``id, name, scope, registered, paid_in, founded`` in id order, the
    dates as dates) as the store's company facts at ``generation``, on disk."""
    disk = arrays_cache.server_cache_path(store.path, FACTS)
    if generation is None or disk is None:
        return
    stamped = table.replace_schema_metadata({b"format": _FACTS_FORMAT, b"generation": generation.encode("utf-8")})
    try:
        disk.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open_private(disk, "wb") as f, pa.ipc.new_file(f.file, stamped.schema) as writer:
            writer.write_table(stamped)
    except OSError:
        pass  # facts that cannot be kept are only read from the server again


def _kept_facts(disk: Path | None, generation: str | None) -> pa.Table | None:
    if disk is None or generation is None or not disk.is_file():
        return None
    try:
        with pa.ipc.open_file(disk) as reader:
            said = reader.schema.metadata or {}
            if said.get(b"format") != _FACTS_FORMAT or said.get(b"generation") != generation.encode("utf-8"):
                return None
            return reader.read_all()
    except (OSError, pa.ArrowException):
        return None


def page_rows(store, query: str) -> Iterator[tuple]:
    """The rows of a paged query (its first column the key it pages by) as tuples."""
    for _columns, rows in _pages(store, query):
        yield from map(tuple, rows)


def page_table(store, query: str) -> pa.Table:
    """The rows of a paged query as one table of its columns (text, unless :data:`_TYPES` says)."""
    pieces = [pa.table({name: pa.array(values, _TYPES.get(name, pa.string()))
                        for name, values in zip(columns, zip(*rows) if rows else [()] * len(columns))})
              for columns, rows in _pages(store, query)]
    return pa.concat_tables(pieces)


_TYPES = {"registered": pa.float64(), "paid_in": pa.float64(), "share_low": pa.float64(), "share_high": pa.float64(),
          "disclosure_threshold": pa.float64(), "free_float": pa.float64(), "listed": pa.bool_()}


def _pages(store, query: str) -> Iterator[tuple[list[str], list[list]]]:
    """A page is one record holding its rows as a list (the driver's cost is per record), in key order
    (the order of a collected list is not promised: each page is sorted)."""
    columns = re.findall(r"\bAS (\w+)", query[query.index("RETURN"):])
    batched = f"CALL {{ {query} }} RETURN collect([{', '.join(columns)}]) AS rows"
    after = ""
    while True:
        rows = store._run(batched, after=after, limit=PAGE)[0]["rows"]
        rows.sort(key=lambda row: row[0])
        yield columns, rows
        if len(rows) < PAGE:
            return
        after = rows[-1][0]


def read(store) -> GraphArrays:
    """The whole graph read from the server, made into arrays as a bulk load makes them of its tables
    (sorted and coded in Arrow: the same ids in the same order as the embedded store's)."""
    tables = ArraysFromTables(sorted_pieces=False)
    tables.entities(page_table(store, cypher.PAGE_ENTITIES))
    tables.holdings(page_table(store, cypher.PAGE_HOLDINGS))
    tables.officers(page_table(store, cypher.PAGE_OFFICERS))
    tables.links(pa.concat_tables([page_table(store, query) for query in cypher.PAGE_LINKS]))
    tables.small(list(page_rows(store, cypher.PAGE_EVENTS)), list(page_rows(store, cypher.PAGE_RELATIONS)))
    return tables.arrays()
