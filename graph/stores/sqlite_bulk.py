"""Column tables written into an empty embedded store at once (see :mod:`..columns`).

The tables go in through ADBC's SQLite driver, which binds pyarrow columns to one prepared statement
in C, with no Python tuple per row, and lets go of the GIL while it does: a worker thread writes one
table while the loader reads the next file on the other core. Each table is sorted by its primary key
first (rows in key order fill the B-tree page by page; in file order a million random ids cost four
times as long). Everything happens in one transaction on that connection - the secondary indexes
dropped, the rows inserted, each table's indexes built as soon as it is in, the meta rows set - so
a failure leaves the store empty, as it was.
"""

from __future__ import annotations

import json
import queue
import threading

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..columns import SCHEMAS, is_last_piece
from ..errors import RepeatedKey, StoreError
from ..model import EntityKind
from . import arrays_cache, sqlite_search
from .arrays_tables import ArraysFromTables
from .sqlite_rows import name_rows, record_row
from .sqlite_schema import INDEXES, index_name

_PARTY_KINDS = pa.array([k.value for k in (EntityKind.COMPANY, EntityKind.PERSON, EntityKind.ORGANIZATION)])
_KEYS = {"entities": ["id"], "holdings": ["key"], "officers": ["key"], "links": ["src", "dst", "kind"],
         "names": ["entity_id", "name_norm"]}
_DONE = object()
# A table comes in pieces, in this order (entities with their names and links, piece by piece): a table
# is whole after its piece marked last (columns.last_piece), or else when one of a later group comes;
# its indexes are built then, while the loader reads on.
_GROUPS = {"entities": 0, "names": 0, "links": 0, "holdings": 1, "officers": 2}
_LAST = len(set(_GROUPS.values()))


class BatchWriter:
    """Takes tables with :meth:`add_table` and records with :meth:`add`; see :meth:`SQLiteStore.batch_writer`."""

    def __init__(self, path: str, meta: dict[str, str], progress):
        import adbc_driver_sqlite.dbapi as adbc

        self._path = path
        self._arrays = ArraysFromTables()
        self._meta = meta
        self._indexes_of: dict[str, list[str]] = {}
        for statement in INDEXES:  # CREATE INDEX IF NOT EXISTS name ON table (...)
            self._indexes_of.setdefault(statement.split()[7], []).append(statement)
        self._progress = progress
        self._names_indexed = False
        self._small: dict[str, list[tuple]] = {"events": [], "relations": []}
        self._connection = adbc.connect(path, autocommit=True)  # the transaction is ours: BEGIN IMMEDIATE ... COMMIT
        self._cursor = self._connection.cursor()
        try:
            # A rollback journal while the store is new: the rows go into the file once, not into the
            # write-ahead log first and the file after. (Refused, harmlessly, while another process reads.)
            for pragma in ("busy_timeout = 5000", "cache_size = -262144", "journal_mode = DELETE",
                           "synchronous = NORMAL"):
                self._cursor.execute(f"PRAGMA {pragma}")
            try:
                self._cursor.execute("BEGIN IMMEDIATE")
            except Exception:
                raise StoreError(f"{path}: another equitygraph command is writing to this store (a load?); try again "
                                 "when it has finished") from None
            self._cursor.execute("SELECT EXISTS (SELECT 1 FROM entities)")
            if self._cursor.fetchone()[0]:
                self._cursor.execute("ROLLBACK")
                raise StoreError(f"{path}: is no longer empty (another command loaded into it)")
            for statement in INDEXES:
                self._cursor.execute(f"DROP INDEX IF EXISTS {index_name(statement)}")
        except BaseException:
            self._close()
            raise
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="equitygraph-batch-writer", daemon=True)
        self._thread.start()

    def add_table(self, name: str, table: pa.Table) -> None:
        """Queue a table of :data:`..columns.SCHEMAS` ``[name]`` (entities also give the names table),
        whole or a piece of it (pieces of entities and links may alternate; the pieces of each table
        hold distinct keys; then holdings, then officers)."""
        if table.schema != SCHEMAS[name]:
            raise ValueError(f"{name}: columns {table.schema.names} are not {SCHEMAS[name].names}")
        last = is_last_piece(table)
        stored = _sorted(name, _entities(table) if name == "entities" else table)
        self._put(name, stored, last)
        if self._arrays is not None:
            try:
                getattr(self._arrays, name)(stored)
            except Exception:  # the cache is a convenience: the load goes on without it
                self._arrays = None
        if name == "entities":
            self._put("names", _sorted("names", _names(table)), last)

    def add(self, record) -> None:
        table, row = record_row(record)
        if table not in self._small:
            raise TypeError(f"{type(record).__name__} records go in as tables")
        self._small[table].append(row)

    def _put(self, name: str, table: pa.Table, last: bool) -> None:
        if self._failure is not None:
            raise self._failure
        self._queue.put((name, table, last))

    def _work(self) -> None:
        while (item := self._queue.get()) is not _DONE:
            if self._failure is None:
                try:
                    name, table, last = item
                    self._complete_before(_GROUPS[name])
                    if table.num_rows:
                        self._ingest(name, table)
                    if last:  # its indexes now, while the loader reads on
                        self._complete(name)
                    if name != "names":
                        self._progress(table.num_rows)
                except BaseException as e:  # raised in the loader's thread at its next call
                    self._failure = e

    def _ingest(self, name: str, table: pa.Table) -> None:
        try:
            self._cursor.adbc_ingest(name, table, mode="append")
        except Exception as e:
            if "UNIQUE constraint failed" in str(e):
                raise RepeatedKey(f"{name}: a key is in two pieces of the table") from None
            raise

    def _complete_before(self, group: int) -> None:
        """Finish the tables of the groups before ``group``: they are whole (pieces not marked last)."""
        for table in [t for t in (*self._indexes_of, "names") if _GROUPS.get(t, _LAST) < group]:
            self._complete(table)

    def _complete(self, table: str) -> None:
        """The indexes of a whole table (and for the names, the name index)."""
        for statement in self._indexes_of.pop(table, []):
            self._cursor.execute(statement)
        if table == "names" and not self._names_indexed:
            self._names_indexed = True
            self._index_names()

    def _index_names(self) -> None:
        """Fill the name index (:mod:`.sqlite_search`) here too, in this thread, while the loader reads on."""
        try:
            self._cursor.execute("SAVEPOINT name_search")
            for statement in sqlite_search.FILL:
                self._cursor.execute(statement)
            self._cursor.execute("RELEASE name_search")
            self._meta.pop(sqlite_search.META_KEY, None)
        except Exception:  # no FTS5 here: the store fills it when it opens again
            self._cursor.execute("ROLLBACK TO name_search")
            self._cursor.execute("RELEASE name_search")

    def finish(self) -> None:
        """Write what is queued, build the indexes, set the meta rows and commit."""
        self._queue.put(_DONE)
        self._thread.join()
        try:
            if self._failure is not None:
                raise self._failure
            for name, rows in self._small.items():
                if rows:
                    self._cursor.executemany(
                        f"INSERT OR REPLACE INTO {name} VALUES ({','.join('?' * len(rows[0]))})", rows)
            self._complete_before(_LAST + 1)
            for key, value in self._meta.items():
                self._cursor.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            self._cursor.execute("COMMIT")
        except BaseException:
            self._roll_back()
            raise
        self._close()
        self._cache_arrays()

    def _cache_arrays(self) -> None:
        """The whole-graph arrays of the new store, cached for its generation (see :mod:`.arrays_cache`)."""
        if self._arrays is None or "generation" not in self._meta:
            return
        try:
            self._arrays.small(self._small["events"], self._small["relations"])
            arrays_cache.save(arrays_cache.cache_path(self._path), self._arrays.arrays(),
                              self._meta["generation"])
        except Exception:
            pass  # the first analysis reads the tables instead

    def _close(self) -> None:
        try:
            self._cursor.execute("PRAGMA journal_mode = WAL")
        except Exception:
            pass  # another process reads the store: it stays in the mode it was in
        try:
            self._cursor.close()
        finally:
            self._connection.close()

    def _roll_back(self) -> None:
        """Roll back and close, on the way out of a failure: a second error here (the connection
        already broken) must not hide the first, which is what the user is told."""
        for step in (lambda: self._cursor.execute("ROLLBACK"), self._close):
            try:
                step()
            except Exception:
                pass

    def abandon(self) -> None:
        """Roll everything back: the store is left empty."""
        self._failure = self._failure or StoreError("abandoned")
        self._queue.put(_DONE)
        self._thread.join()
        self._roll_back()


def _sorted(name: str, table: pa.Table) -> pa.Table:
    return table.sort_by([(column, "ascending") for column in _KEYS[name]])


def _entities(table: pa.Table) -> pa.Table:
    """The entities table's own column forms: aliases as JSON, listed as 1 or NULL."""
    aliases = table.column("aliases").combine_chunks()
    present = np.flatnonzero(aliases.is_valid().to_numpy(zero_copy_only=False))
    encoded = pa.nulls(len(aliases), pa.string())
    if len(present):
        texts = [json.dumps(names, ensure_ascii=False) for names in aliases.take(pa.array(present)).to_pylist()]
        mask = np.zeros(len(aliases), dtype=bool)
        mask[present] = True
        encoded = pc.replace_with_mask(encoded, pa.array(mask), pa.array(texts, pa.string()))
    listed = pc.if_else(pc.fill_null(table.column("listed"), False), 1, pa.scalar(None, pa.int64()))
    return (table.set_column(table.schema.get_field_index("aliases"), "aliases", encoded)
                 .set_column(table.schema.get_field_index("listed"), "listed", listed))


def _names(entities: pa.Table, chunk: int = 250_000) -> pa.Table:
    """The names table of the parties, made a chunk at a time so that only one chunk's rows are
    ever Python objects."""
    parties = entities.filter(pc.is_in(entities.column("kind"), value_set=_PARTY_KINDS))
    pieces = []
    for start in range(0, parties.num_rows, chunk):
        part = parties.slice(start, chunk)
        entity_ids, forms, flags = [], [], []
        for entity_id, name, aliases in zip(part.column("id").to_pylist(), part.column("name").to_pylist(),
                                            part.column("aliases").to_pylist()):
            for row in name_rows(entity_id, name, aliases or ()):
                entity_ids.append(row[0])
                forms.append(row[1])
                flags.append(row[2])
        pieces.append(pa.table({"entity_id": pa.array(entity_ids, pa.string()),
                                "name_norm": pa.array(forms, pa.string()), "is_alias": pa.array(flags, pa.int64())}))
    if not pieces:
        return pa.table({"entity_id": pa.array([], pa.string()), "name_norm": pa.array([], pa.string()),
                         "is_alias": pa.array([], pa.int64())})
    return pa.concat_tables(pieces)
