"""The embedded default store: one SQLite file, no server.

Every write goes through :meth:`SQLiteStore.writer`, one ``BEGIN IMMEDIATE`` transaction: a load
that fails half-way is rolled back and leaves the file exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow.compute as pc

from .. import cancel
from ..arrays import GraphArrays
from ..columns import ENTITY_SCHEMA, records_of
from ..errors import StoreError
from ..model import Entity, EntityKind, Link, Relation, RelationType, normalize_name
from ..names import FUZZY_CANDIDATES, fuzzy_probes
from . import arrays_cache, sqlite_search
from .base import Edges, Record, SearchHit, Store, Writer, exact_hits, rank_search
from .fact_columns import read_sqlite_facts
from .sqlite_arrays import read_arrays
from .private_files import create_private
from .sqlite_analysis_files import read_only
from .sqlite_edges import StoredEdges
from .sqlite_results import StoredResults
from .sqlite_rows import (IN_CHUNK, chunks, date_of, party_rows, read_entity, read_event, read_holding, read_link, read_officer,
                          read_relation, record_row)
from .sqlite_schema import APPLICATION_ID, DEFAULT_PATH, ENTITY_COLUMNS, INDEXES, MIGRATIONS, SCHEMA, SCHEMA_VERSION, index_name
from .sqlite_writer import SQLiteWriter


def default_path() -> Path:
    """``$EQUITYGRAPH_DB`` if set, else ``./equitygraph.db``."""
    return Path(os.environ.get("EQUITYGRAPH_DB") or DEFAULT_PATH)


def _identity(db: sqlite3.Connection, path: str) -> tuple[set[str], bool]:
    """The tables of the database and whether it bears our marker; refuses one that is another
    program's (a legacy store, from before the marker, has the meta table with a schema version)."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    marked = db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    legacy = not marked and {"meta", "entities", "holdings"} <= tables and db.execute(
        "SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone() is not None
    if tables and not (marked or legacy):
        raise StoreError(f"{path}: is a SQLite file, but not an equitygraph store (nothing was changed)")
    return tables, marked


class SQLiteStore(StoredResults, StoredEdges, Store):
    """The embedded store in the SQLite file ``path`` (created when missing).

    Examples
    --------
    >>> from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    >>> with SQLiteStore(":memory:") as store:
    ...     with store.writer() as w:
    ...         w.add(Entity("p1", EntityKind.PERSON, "张三"))
    ...         w.add(Entity("c1", EntityKind.COMPANY, "华信投资有限公司"))
    ...         w.add(Holding("p1", "c1", Share.exact(0.6)))
    ...     [h.share.describe() for h in store.holders_of("c1")]
    ['60 %']
    """

    def __init__(self, path: str | os.PathLike = DEFAULT_PATH, readonly: bool = False):
        self.path = str(path)
        self.readonly = readonly
        memory = self.path == ":memory:"
        try:
            if readonly:
                if memory or not Path(self.path).is_file():
                    raise StoreError(f"no equitygraph store at {self.path}")
                self._db = sqlite3.connect(read_only(self.path), uri=True,
                                           isolation_level=None, check_same_thread=False)
            else:
                if not memory and not Path(self.path).exists():
                    # Case data: readable by its owner only (SQLite gives the WAL file the same mode).
                    create_private(self.path)
                elif not memory and Path(self.path).stat().st_size > 0:
                    # Looked at read-only first: a writing connection to another program's database in WAL
                    # mode would checkpoint it on closing, changing it even when we refuse it.
                    self._refuse_foreign()
                # As a URI: the analysis files (sqlite_analysis_files) are attached as URIs, read-only.
                self._db = sqlite3.connect(self.path if memory else Path(self.path).resolve().as_uri(), uri=True,
                                           isolation_level=None, check_same_thread=False)
            # A reading given up by its caller (the explorer past its budget) ends inside SQLite too.
            self._db.set_progress_handler(cancel.cancelled, 10_000)  # the same in _containing
            # Another command writing (a load) makes a write wait this long before it says so.
            self._db.execute("PRAGMA busy_timeout = 5000")
            # The default 2 MiB page cache thrashes on the name and edge indexes of a large load.
            self._db.execute("PRAGMA cache_size = -262144")
            self._db.execute("PRAGMA foreign_keys = OFF")
            self._check_schema()
            if not readonly:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
                if not sqlite_search.available(self._db):
                    with self._transaction("index the names for search"):
                        sqlite_search.build(self._db)
            self._name_search = sqlite_search.available(self._db)
        except (sqlite3.DatabaseError, StoreError) as e:
            if getattr(self, "_db", None) is not None:
                self._db.close()  # now, not whenever it is collected
            if isinstance(e, StoreError):
                raise
            raise StoreError(f"{self.path}: cannot open as an equitygraph store: {e}") from None

    def _refuse_foreign(self) -> None:
        probe = sqlite3.connect(read_only(self.path), uri=True)
        try:
            _identity(probe, self.path)
        finally:
            probe.close()

    def _check_schema(self) -> None:
        """Refuses a file that is not an equitygraph store before anything is written to it; brings
        an older store up to date, but only when opened for writing."""
        db = self._db
        tables, marked = _identity(db, self.path)
        if not tables:
            if self.readonly:
                raise StoreError(f"{self.path}: is empty, not an equitygraph store")
            with self._transaction("create the store"):
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self.set_meta("schema_version", SCHEMA_VERSION)
            return
        version = self.get_meta("schema_version")
        if version == SCHEMA_VERSION and marked:
            return
        if version not in MIGRATIONS and version != SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {version}, this equitygraph reads {SCHEMA_VERSION}")
        if self.readonly:
            raise StoreError(f"{self.path}: was written by an earlier equitygraph (schema {version}); a command that "
                             "writes to it (equitygraph load or analyze) brings it up to date")
        with self._transaction("bring the store up to date"):
            while version in MIGRATIONS:
                MIGRATIONS[version](db)
                version = str(int(version) + 1)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.set_meta("schema_version", SCHEMA_VERSION)

    @contextlib.contextmanager
    def _transaction(self, what: str):
        """One ``BEGIN IMMEDIATE`` transaction; a store another command is writing to is named as busy."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened for reading only; cannot {what}")
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise StoreError(f"{self.path}: another equitygraph command is writing to this store (a load?); "
                                 f"try again when it has finished") from None
            raise StoreError(f"{self.path}: cannot {what}: {e}") from None
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    # -- writing ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer(self) -> Iterator[Writer]:
        with self._transaction("write"):
            # Into an empty store, building the secondary indexes once at the end is several times faster
            # than keeping them up to date row by row. DDL is transactional, so a rollback restores them.
            bulk = self._db.execute("SELECT NOT EXISTS (SELECT 1 FROM entities)").fetchone()[0]
            writer = SQLiteWriter(self._db, search=self._name_search and not bulk)
            if bulk:
                for statement in INDEXES:
                    self._db.execute(f"DROP INDEX IF EXISTS {index_name(statement)}")
            yield writer
            writer.flush()
            if bulk:
                for statement in INDEXES:
                    self._db.execute(statement)
                if self._name_search:
                    sqlite_search.build(self._db)
            # A new generation: arrays cached before this write no longer describe the store.
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (secrets.token_hex(8),))

    def accepts_batch(self) -> bool:
        """Whether :meth:`batch_writer` can write into this store: a file open for writing, still empty."""
        return not self.readonly and self.path != ":memory:" and self.is_empty()

    @contextlib.contextmanager
    def batch_writer(self, meta: dict[str, str] | None = None, progress=lambda n: None):
        """A writer of whole column tables into this store, which must be empty (see :mod:`.sqlite_bulk`):
        ``add_table(name, table)`` and ``add(record)`` for events and relations. Everything is
        committed when the block ends, or nothing is."""
        from .sqlite_bulk import BatchWriter  # here: what it imports (pandas, by ADBC) costs a question 0.15 s

        if not self.accepts_batch():
            raise StoreError(f"{self.path}: tables go in whole only into an empty store file open for writing")
        # Two SQLite libraries (Python's and ADBC's) must never have the file open at once in one process:
        # POSIX locks are per process, so one library's close would take the other's locks away.
        self._db.close()
        try:
            # The name index is filled from the names table when the store is opened again, below.
            writer = BatchWriter(self.path, {**(meta or {}), "generation": secrets.token_hex(8),
                                             sqlite_search.META_KEY: "pending"}, progress)
            try:
                yield writer
            except BaseException:
                writer.abandon()
                raise
            writer.finish()
        finally:
            self.__init__(self.path)

    # -- look-ups ---------------------------------------------------------------------------
    def get(self, entity_id: str) -> Entity | None:
        row = self._db.execute(f"SELECT {ENTITY_COLUMNS} FROM entities WHERE id = ?", (entity_id,)).fetchone()
        return read_entity(row) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, Entity]:
        found = {}
        for chunk in chunks(list(dict.fromkeys(ids)), IN_CHUNK):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT {ENTITY_COLUMNS} FROM entities WHERE id IN ({marks})", chunk):
                found[row[0]] = read_entity(row)
        return found

    def search(self, text: str, limit: int = 20, exact_only: bool = False,
               budget: float | None = None) -> list[SearchHit]:
        deadline = time.monotonic() + budget if budget is not None else None
        norm = normalize_name(text)
        if not norm:
            return []
        wanted = limit * 5
        ids = [r[0] for r in self._db.execute("SELECT id FROM entities WHERE reg_no = ?", ("".join(text.split()).upper(),))]
        ids += [r[0] for r in self._db.execute("SELECT entity_id FROM names WHERE name_norm = ?", (norm,))]
        if exact_only:
            return exact_hits(text, self.get_many(ids).values(), limit)
        ids += [r[0] for r in self._db.execute(
            "SELECT entity_id FROM names WHERE name_norm > ? AND name_norm < ? ORDER BY length(name_norm), entity_id LIMIT ?",
            (norm, norm + "\U0010ffff", wanted))]
        if len(set(ids)) < limit:
            ids += self._containing(norm, wanted, deadline)
        compact = norm.replace(" ", "")
        if compact != norm and len(set(ids)) < limit:
            ids += self._containing(compact, wanted, deadline)
        if len(set(ids)) < limit:
            for probe in fuzzy_probes(norm):
                ids += self._containing(probe, FUZZY_CANDIDATES, deadline, exact=False)
        return rank_search(text, self.get_many(ids).values(), limit)

    def _containing(self, needle: str, limit: int, deadline: float | None = None, exact: bool = True) -> list[str]:
        """Entities with a name containing ``needle``, shortest names first: from the trigram index
        where it can answer, else by reading the names table (until ``deadline``, when given)."""
        if self._name_search:
            found = sqlite_search.containing(self._db, needle, limit, exact)
            if found is not None:
                return found
        if deadline is None:
            return [r[0] for r in self._db.execute(
                "SELECT entity_id FROM names WHERE instr(name_norm, ?) > 0 ORDER BY length(name_norm), entity_id "
                "LIMIT ?", (needle, limit))]
        # Within the search's budget: the names read until it runs out, shortest first.
        found: list[tuple[int, str]] = []
        self._db.set_progress_handler(lambda: time.monotonic() > deadline or cancel.cancelled(), 10_000)
        try:
            # In the table's own order (by entity), not the name index's, whose Latin pinyin forms would
            # all come before the first Chinese name.
            for entity_id, name in self._db.execute(
                    "SELECT entity_id, name_norm FROM names WHERE instr(name_norm, ?) > 0 ORDER BY entity_id", (needle,)):
                found.append((len(name), entity_id))
                if len(found) >= 4 * limit:
                    break
        except sqlite3.OperationalError:  # interrupted at the deadline
            cancel.checkpoint()  # or given up by its caller
        finally:
            self._db.set_progress_handler(cancel.cancelled, 10_000)
        return [entity_id for _, entity_id in sorted(found)[:limit]]

    # -- whole graph ------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return not self._db.execute("SELECT EXISTS (SELECT 1 FROM entities)").fetchone()[0]

    def relations_of(self, types) -> list[Relation]:
        values = [RelationType(t).value for t in types]
        marks = ",".join("?" * len(values))
        return [read_relation(r) for r in self._db.execute(f"SELECT * FROM relations WHERE type IN ({marks}) ORDER BY key",
                                                       values)]

    def ids_of(self, kinds) -> list[str]:
        values = [EntityKind(k).value for k in kinds]
        return [r[0] for r in self._db.execute(
            f"SELECT id FROM entities WHERE kind IN ({','.join('?' * len(values))}) ORDER BY id", values)]

    def entities_differing(self, entities: list[Entity]) -> list[Entity]:
        rows = [record_row(e)[1] for e in entities]
        return [entities[i] for i in self._rows_differing(rows)]

    def entity_table_differing(self, table) -> list[Entity]:
        columns = [table.column(name).to_pylist() for name in ENTITY_SCHEMA.names]  # the table's order is ours
        columns[3] = [json.dumps(a, ensure_ascii=False) if a else None for a in columns[3]]
        columns[14] = [1 if listed else None for listed in columns[14]]
        order = pc.sort_indices(table.column("id")).to_pylist()
        differing = self._rows_differing(list(zip(*columns)), order)
        return records_of("entities", table.take(differing)) if differing else []

    def _rows_differing(self, rows: list[tuple], order: list[int] | None = None) -> list[int]:
        """The positions, in id order, of ``rows`` (as the entities table holds them; ``order``: their
        positions in id order, when known) that it does not hold as they are: a merge with the
        table's rows in key order, without building an entity."""
        cursor = self._db.execute(f"SELECT {ENTITY_COLUMNS}, identity FROM entities ORDER BY id")
        stored = (row for batch in iter(lambda: cursor.fetchmany(10_000), []) for row in batch)
        row = next(stored, None)
        differing = []
        for at in order if order is not None else sorted(range(len(rows)), key=lambda i: rows[i][0]):
            wanted = rows[at]
            while row is not None and row[0] < wanted[0]:
                row = next(stored, None)
            if row is None or row != wanted:
                differing.append(at)
        return differing

    def open_facts(self, day: dt.date) -> Edges:
        after = "WHERE until IS NULL OR until >= ?"
        read = self._db.execute
        return Edges(holdings=[read_holding(r) for r in read(f"SELECT * FROM holdings {after}", (day.isoformat(),))],
                     officers=[read_officer(r) for r in read(f"SELECT * FROM officers {after}", (day.isoformat(),))],
                     relations=[read_relation(r) for r in read(f"SELECT * FROM relations {after}", (day.isoformat(),))],
                     links=[read_link(r) for r in read("SELECT src, dst, kind, since FROM links")])

    def link_changes(self, first: dt.date, last: dt.date) -> list[Link]:
        days = (first.isoformat(), last.isoformat())
        began = self._db.execute("SELECT src, dst, kind, since FROM links WHERE since BETWEEN ? AND ?", days)
        ended = self._db.execute("SELECT src, dst, kind, nullif(since, ''), until FROM link_history "
                                 "WHERE until BETWEEN ? AND ? OR since BETWEEN ? AND ?", days + days)
        return [read_link(r) for r in [*began, *ended]]

    def iter_records(self) -> Iterator[Record]:
        # A second connection, so that a long export neither blocks nor is disturbed by this one.
        reader = (sqlite3.connect(read_only(self.path), uri=True, check_same_thread=False)
                  if self.path != ":memory:" else self._db)
        try:
            yield from (read_entity(r) for r in reader.execute(f"SELECT {ENTITY_COLUMNS} FROM entities ORDER BY id"))
            yield from (read_holding(r) for r in reader.execute("SELECT * FROM holdings ORDER BY key"))
            yield from (read_officer(r) for r in reader.execute("SELECT * FROM officers ORDER BY key"))
            yield from (read_link(r) for r in reader.execute("SELECT src, dst, kind, since FROM links ORDER BY src, dst, kind"))
            yield from (read_event(r) for r in reader.execute(
                "SELECT entity_id, type, date, severity, text, source FROM events ORDER BY id"))
            yield from (read_relation(r) for r in reader.execute("SELECT * FROM relations ORDER BY key"))
        finally:
            if reader is not self._db:
                reader.close()

    def kept_file(self, suffix: str) -> Path | None:
        return None if self.path == ":memory:" else Path(self.path).with_name(Path(self.path).name + suffix)

    def export_arrays(self) -> GraphArrays:
        """The whole graph as arrays: from the cache beside the store when it is of the store's
        generation (see :mod:`.arrays_cache`), else read from the tables (and cached, when the store
        is open for writing)."""
        generation = self.get_meta("generation")
        if generation is None and not self.readonly:  # a store written before generations were kept
            with self._transaction("mark its generation"):
                generation = secrets.token_hex(8)
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (generation,))
        cache = arrays_cache.cache_path(self.path) if self.path != ":memory:" else None
        if generation and cache is not None:
            cached = arrays_cache.load(cache, generation)
            if cached is not None:
                return cached
        arrays = self._read_arrays()
        if generation and cache is not None and not self.readonly:
            try:
                arrays_cache.save(cache, arrays, generation)
            except OSError:
                pass  # a cache that cannot be written is only a slower next read
        return arrays

    def _read_arrays(self) -> GraphArrays:
        """The arrays read from the tables, never from the cache."""
        return read_arrays(self._db)

    def company_facts(self) -> Iterable[tuple]:  # a fact_columns.FactColumns where ADBC reads them: chunks too
        columns = read_sqlite_facts(self.path) if self.path != ":memory:" else None
        return columns if columns is not None else self._company_fact_rows()

    def _company_fact_rows(self) -> Iterator[tuple]:
        for row in self._db.execute("SELECT id, name, business_scope, registered_capital, paid_in_capital, founded "
                                    "FROM entities WHERE kind = 'company' ORDER BY id"):
            yield row[:5] + (date_of(row[5]),)

    def party_facts(self) -> Iterator[tuple]:
        return party_rows(self._db)

    def drop_events(self, ids: Iterable[str]) -> None:
        with self._transaction("remove the events"):
            self._db.executemany("DELETE FROM events WHERE id = ?", [(i,) for i in ids])
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (secrets.token_hex(8),))

    def counts(self) -> dict[str, int]:
        counts = {kind.value: 0 for kind in EntityKind if kind is not EntityKind.EVENT}
        for kind, n in self._db.execute("SELECT kind, count(*) FROM entities GROUP BY kind"):
            counts[kind] = n
        for table in ("holdings", "officers", "links", "events", "relations"):
            counts[table] = self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return counts

    def decide_identity(self, a: str, b: str, same: bool, note: str | None = None) -> None:
        a, b = sorted((a, b))
        with self._transaction("keep the decision"):
            self._db.execute("INSERT OR REPLACE INTO identity_decisions VALUES (?, ?, ?, ?, ?)",
                             (a, b, 1 if same else 0, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                              note))

    def identity_decisions(self) -> list[tuple[str, str, bool]]:
        return [(a, b, bool(same)) for a, b, same in self._db.execute(
            "SELECT a, b, same FROM identity_decisions ORDER BY a, b")]

    # -- metadata ---------------------------------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        if self.readonly:
            raise StoreError(f"{self.path}: opened for reading only")
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self._db.close()
