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
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from ..arrays import (
    EVENT_CODES_BY_VALUE,
    INTEREST_CODES_BY_VALUE,
    KIND_CODES_BY_VALUE,
    LINK_CODES_BY_VALUE,
    OPEN_END,
    RELATION_CODES_BY_VALUE,
    OPEN_START,
    GraphArrays,
)
from ..errors import StoreError
from ..model import (
    PARTY_KINDS,
    Entity,
    EntityKind,
    EventType,
    Holding,
    Interest,
    Link,
    LinkKind,
    Officer,
    Relation,
    RelationType,
    RiskEvent,
    Share,
    normalize_name,
)
from ..names import FUZZY_CANDIDATES, fuzzy_probes, search_forms
from . import sqlite_search
from .base import Edges, Record, ResultColumn, SearchHit, Store, Writer, check_result_name, exact_hits, rank_search

DEFAULT_PATH = "equitygraph.db"
SCHEMA_VERSION = "6"
# Marks the file as an equitygraph store (SQLite's application_id header field): a store is never
# opened for writing unless it carries this, or is empty.
APPLICATION_ID = 0x45475250
_BATCH = 5000
_IN_CHUNK = 500  # SQLite allows 32766 variables; smaller IN lists keep each query's plan cheap

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, aliases TEXT, reg_no TEXT,
    jurisdiction TEXT, status TEXT, founded TEXT, registered_capital REAL, paid_in_capital REAL,
    currency TEXT, industry TEXT, business_scope TEXT, disclosure_threshold REAL, listed INTEGER,
    free_float REAL, id_hash TEXT, id_number TEXT, birth_date TEXT, identity TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entities_reg_no ON entities (reg_no) WHERE reg_no IS NOT NULL;
CREATE INDEX IF NOT EXISTS entities_identity ON entities (identity) WHERE identity IS NOT NULL;
CREATE TABLE IF NOT EXISTS names (
    entity_id TEXT NOT NULL, name_norm TEXT NOT NULL, is_alias INTEGER NOT NULL,
    PRIMARY KEY (entity_id, name_norm)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS names_norm ON names (name_norm);
CREATE TABLE IF NOT EXISTS holdings (
    key TEXT PRIMARY KEY, holder_id TEXT NOT NULL, company_id TEXT NOT NULL, share_low REAL,
    share_high REAL, interest TEXT NOT NULL, since TEXT, until TEXT, source TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS holdings_holder ON holdings (holder_id);
CREATE INDEX IF NOT EXISTS holdings_company ON holdings (company_id);
CREATE TABLE IF NOT EXISTS officers (
    key TEXT PRIMARY KEY, person_id TEXT NOT NULL, company_id TEXT NOT NULL, role TEXT NOT NULL,
    since TEXT, until TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS officers_person ON officers (person_id);
CREATE INDEX IF NOT EXISTS officers_company ON officers (company_id);
CREATE TABLE IF NOT EXISTS links (
    src TEXT NOT NULL, dst TEXT NOT NULL, kind TEXT NOT NULL, since TEXT, PRIMARY KEY (src, dst, kind)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_dst ON links (dst);
CREATE TABLE IF NOT EXISTS link_history (
    src TEXT NOT NULL, dst TEXT NOT NULL, kind TEXT NOT NULL, since TEXT NOT NULL, until TEXT NOT NULL,
    PRIMARY KEY (src, dst, kind, since, until)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS link_history_until ON link_history (until);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, entity_id TEXT NOT NULL, type TEXT NOT NULL, date TEXT, severity INTEGER,
    text TEXT, source TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_entity ON events (entity_id);
CREATE TABLE IF NOT EXISTS relations (
    key TEXT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL, type TEXT NOT NULL, since TEXT, until TEXT,
    source TEXT, share_low REAL, share_high REAL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS relations_a ON relations (a);
CREATE INDEX IF NOT EXISTS relations_b ON relations (b);
CREATE TABLE IF NOT EXISTS results (
    name TEXT NOT NULL, entity_id TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (name, entity_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS results_entity ON results (entity_id);
CREATE INDEX IF NOT EXISTS results_value ON results (name, value);
CREATE TABLE IF NOT EXISTS identity_decisions (
    a TEXT NOT NULL, b TEXT NOT NULL, same INTEGER NOT NULL, decided_at TEXT NOT NULL, note TEXT,
    PRIMARY KEY (a, b)) WITHOUT ROWID;
"""

_INDEXES = [line for line in _SCHEMA.splitlines() if line.startswith("CREATE INDEX")]


def _index_name(statement: str) -> str:
    return statement.split()[5]


_ENTITY_COLUMNS = (
    "id, kind, name, aliases, reg_no, jurisdiction, status, founded, registered_capital, "
    "paid_in_capital, currency, industry, business_scope, disclosure_threshold, listed, free_float, id_hash, "
    "id_number, birth_date"
)


def _add_columns(db: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
    have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    for column in columns:
        if column.split()[0] not in have:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _add_register_columns(db: sqlite3.Connection) -> None:
    """Schema 1 -> 2: what entities.csv says of the register (threshold, listing, free float)."""
    _add_columns(db, "entities", ("disclosure_threshold REAL", "listed INTEGER", "free_float REAL"))


def _escape_keys(db: sqlite3.Connection) -> None:
    """Schema 2 -> 3: keys escape ``|`` and ``\\`` in ids (``model.natural_key``), event ids likewise."""
    def touched(*columns: str) -> str:
        return " OR ".join(f"instr({c}, '|') OR instr({c}, '\\')" for c in columns)

    for row in db.execute(f"SELECT * FROM holdings WHERE {touched('holder_id', 'company_id')}").fetchall():
        db.execute("UPDATE OR REPLACE holdings SET key = ? WHERE key = ?", (_holding(row).key, row[0]))
    for row in db.execute(f"SELECT * FROM officers WHERE {touched('person_id', 'company_id', 'role')}").fetchall():
        db.execute("UPDATE OR REPLACE officers SET key = ? WHERE key = ?", (_officer(row).key, row[0]))
    events = "SELECT id, entity_id, type, date, severity, text, source FROM events WHERE " + " OR ".join(
        f"instr(coalesce({c}, ''), '\\') OR instr(coalesce({c}, ''), char(31))" for c in ("entity_id", "text", "source"))
    for row in db.execute(events).fetchall():
        db.execute("UPDATE OR REPLACE events SET id = ? WHERE id = ?", (_event(row[1:]).id, row[0]))


def _add_identities_and_relations(db: sqlite3.Connection) -> None:
    """Schema 3 -> 4: persons' identity evidence, declared relations, identity decisions, result look-ups."""
    _add_columns(db, "entities", ("id_hash TEXT", "id_number TEXT", "birth_date TEXT", "identity TEXT"))
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def _add_relation_shares(db: sqlite3.Connection) -> None:
    """Schema 4 -> 5: the declared stake of an indirect holder or beneficial owner (open registers)."""
    _add_columns(db, "relations", ("share_low REAL", "share_high REAL"))


def _add_link_periods(db: sqlite3.Connection) -> None:
    """Schema 5 -> 6: when a link began, and the links a register snapshot no longer shows."""
    _add_columns(db, "links", ("since TEXT",))
    for statement in _SCHEMA.split(";"):
        if "link_history" in statement:
            db.execute(statement)


# How to bring a store of each older schema version one version up, in one transaction each.
_MIGRATIONS = {"1": _add_register_columns, "2": _escape_keys, "3": _add_identities_and_relations,
               "4": _add_relation_shares, "5": _add_link_periods}
_UPSERT = {
    "entities": f"INSERT OR REPLACE INTO entities ({_ENTITY_COLUMNS}, identity) VALUES ({','.join('?' * 20)})",
    "names_clear": "DELETE FROM names WHERE entity_id = ?",
    "names": "INSERT OR IGNORE INTO names (entity_id, name_norm, is_alias) VALUES (?,?,?)",
    "holdings": "INSERT OR REPLACE INTO holdings VALUES (?,?,?,?,?,?,?,?,?)",
    "officers": "INSERT OR REPLACE INTO officers VALUES (?,?,?,?,?,?)",
    "links_ended": "DELETE FROM links WHERE src = ? AND dst = ? AND kind = ?",
    "link_history": "INSERT OR REPLACE INTO link_history VALUES (?,?,?,?,?)",
    "links": "INSERT OR IGNORE INTO links VALUES (?,?,?,?)",
    "events": "INSERT OR REPLACE INTO events VALUES (?,?,?,?,?,?,?)",
    "relations": "INSERT OR REPLACE INTO relations VALUES (?,?,?,?,?,?,?,?,?)",
}


def default_path() -> Path:
    """``$EQUITYGRAPH_DB`` if set, else ``./equitygraph.db``."""
    return Path(os.environ.get("EQUITYGRAPH_DB") or DEFAULT_PATH)


class SQLiteStore(Store):
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
                self._db = sqlite3.connect(Path(self.path).resolve().as_uri() + "?mode=ro", uri=True,
                                           isolation_level=None, check_same_thread=False)
            else:
                if not memory and not Path(self.path).exists():
                    # Case data: readable by its owner only (SQLite gives the WAL file the same mode).
                    os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
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
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: cannot open as an equitygraph store: {e}") from None

    def _check_schema(self) -> None:
        """Refuses a file that is not an equitygraph store before anything is written to it; brings
        an older store up to date, but only when opened for writing."""
        db = self._db
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        marked = db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        # Stores written before the marker existed have the meta table with a schema version.
        legacy = not marked and {"meta", "entities", "holdings"} <= tables and db.execute(
            "SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone() is not None
        if tables and not (marked or legacy):
            raise StoreError(f"{self.path}: is a SQLite file, but not an equitygraph store (nothing was changed)")
        if not tables:
            if self.readonly:
                raise StoreError(f"{self.path}: is empty, not an equitygraph store")
            with self._transaction("create the store"):
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self.set_meta("schema_version", SCHEMA_VERSION)
            return
        version = self.get_meta("schema_version")
        if version == SCHEMA_VERSION and marked:
            return
        if version not in _MIGRATIONS and version != SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {version}, this equitygraph reads {SCHEMA_VERSION}")
        if self.readonly:
            raise StoreError(f"{self.path}: was written by an earlier equitygraph (schema {version}); a command that "
                             "writes to it (equitygraph load or analyze) brings it up to date")
        with self._transaction("bring the store up to date"):
            while version in _MIGRATIONS:
                _MIGRATIONS[version](db)
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
            writer = _SQLiteWriter(self._db, search=self._name_search and not bulk)
            if bulk:
                for statement in _INDEXES:
                    self._db.execute(f"DROP INDEX IF EXISTS {_index_name(statement)}")
            yield writer
            writer.flush()
            if bulk:
                for statement in _INDEXES:
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
        from .sqlite_bulk import BatchWriter

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
        row = self._db.execute(f"SELECT {_ENTITY_COLUMNS} FROM entities WHERE id = ?", (entity_id,)).fetchone()
        return _entity(row) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, Entity]:
        found = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), _IN_CHUNK):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT {_ENTITY_COLUMNS} FROM entities WHERE id IN ({marks})", chunk):
                found[row[0]] = _entity(row)
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
        self._db.set_progress_handler(lambda: time.monotonic() > deadline, 20000)
        try:
            # In the table's own order (by entity), not the name index's, whose Latin pinyin forms would
            # all come before the first Chinese name.
            for entity_id, name in self._db.execute(
                    "SELECT entity_id, name_norm FROM names WHERE instr(name_norm, ?) > 0 ORDER BY entity_id", (needle,)):
                found.append((len(name), entity_id))
                if len(found) >= 4 * limit:
                    break
        except sqlite3.OperationalError:  # interrupted at the deadline
            pass
        finally:
            self._db.set_progress_handler(None, 0)
        return [entity_id for _, entity_id in sorted(found)[:limit]]

    def edges_touching(self, ids: Iterable[str]) -> Edges:
        edges = Edges()
        id_list = list(dict.fromkeys(ids))
        seen_holdings: set[str] = set()
        seen_officers: set[str] = set()
        seen_links: set[tuple] = set()
        seen_relations: set[str] = set()
        for chunk in _chunks(id_list, _IN_CHUNK):
            marks = ",".join("?" * len(chunk))
            for column in ("holder_id", "company_id"):
                for row in self._db.execute(f"SELECT * FROM holdings WHERE {column} IN ({marks})", chunk):
                    if row[0] not in seen_holdings:
                        seen_holdings.add(row[0])
                        edges.holdings.append(_holding(row))
            for column in ("person_id", "company_id"):
                for row in self._db.execute(f"SELECT * FROM officers WHERE {column} IN ({marks})", chunk):
                    if row[0] not in seen_officers:
                        seen_officers.add(row[0])
                        edges.officers.append(_officer(row))
            for column in ("src", "dst"):
                for row in self._db.execute(f"SELECT src, dst, kind, since FROM links WHERE {column} IN ({marks})",
                                            chunk):
                    if row not in seen_links:
                        seen_links.add(row)
                        edges.links.append(_link(row))
            for row in self._db.execute(
                f"SELECT entity_id, type, date, severity, text, source FROM events WHERE entity_id IN ({marks})", chunk
            ):
                edges.events.append(_event(row))
            for column in ("a", "b"):
                for row in self._db.execute(f"SELECT * FROM relations WHERE {column} IN ({marks})", chunk):
                    if row[0] not in seen_relations:
                        seen_relations.add(row[0])
                        edges.relations.append(_relation(row))
        return edges.sorted()

    def holding_counts(self, ids: Iterable[str]) -> dict[str, int]:
        counts = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), _IN_CHUNK):
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
        edges = Edges(
            holdings=[_holding(r) for r in db.execute(
                f"SELECT * FROM holdings WHERE holder_id IN ({marks}) AND company_id IN ({marks}) ORDER BY key", both)],
            officers=[_officer(r) for r in db.execute(
                f"SELECT * FROM officers WHERE person_id IN ({marks}) AND company_id IN ({marks}) ORDER BY key", both)],
            links=[_link(r) for r in db.execute(
                f"SELECT src, dst, kind, since FROM links WHERE src IN ({marks}) AND dst IN ({marks})", both)],
            events=[_event(r) for r in db.execute(
                f"SELECT entity_id, type, date, severity, text, source FROM events WHERE entity_id IN ({marks})", id_list)],
            relations=[_relation(r) for r in db.execute(
                f"SELECT * FROM relations WHERE a IN ({marks}) AND b IN ({marks})", both)],
        )
        return edges.sorted()

    # -- whole graph ------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return not self._db.execute("SELECT EXISTS (SELECT 1 FROM entities)").fetchone()[0]

    def relations_of(self, types) -> list[Relation]:
        values = [RelationType(t).value for t in types]
        marks = ",".join("?" * len(values))
        return [_relation(r) for r in self._db.execute(f"SELECT * FROM relations WHERE type IN ({marks}) ORDER BY key",
                                                       values)]

    def ids_of(self, kinds) -> list[str]:
        values = [EntityKind(k).value for k in kinds]
        return [r[0] for r in self._db.execute(
            f"SELECT id FROM entities WHERE kind IN ({','.join('?' * len(values))}) ORDER BY id", values)]

    def entities_differing(self, entities: list[Entity]) -> list[Entity]:
        rows = [record_row(e)[1] for e in entities]
        return [entities[i] for i in self._rows_differing(rows)]

    def entity_table_differing(self, table) -> list[Entity]:
        from ..columns import ENTITY_SCHEMA, records_of

        columns = [table.column(name).to_pylist() for name in ENTITY_SCHEMA.names]  # the table's order is ours
        columns[3] = [json.dumps(a, ensure_ascii=False) if a else None for a in columns[3]]
        columns[14] = [1 if listed else None for listed in columns[14]]
        import pyarrow.compute as pc

        order = pc.sort_indices(table.column("id")).to_pylist()
        differing = self._rows_differing(list(zip(*columns)), order)
        return records_of("entities", table.take(differing)) if differing else []

    def _rows_differing(self, rows: list[tuple], order: list[int] | None = None) -> list[int]:
        """The positions, in id order, of ``rows`` (as the entities table holds them; ``order``: their
        positions in id order, when known) that it does not hold as they are: a merge with the
        table's rows in key order, without building an entity."""
        cursor = self._db.execute(f"SELECT {_ENTITY_COLUMNS}, identity FROM entities ORDER BY id")
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
        return Edges(holdings=[_holding(r) for r in read(f"SELECT * FROM holdings {after}", (day.isoformat(),))],
                     officers=[_officer(r) for r in read(f"SELECT * FROM officers {after}", (day.isoformat(),))],
                     relations=[_relation(r) for r in read(f"SELECT * FROM relations {after}", (day.isoformat(),))],
                     links=[_link(r) for r in read("SELECT src, dst, kind, since FROM links")])

    def link_changes(self, first: dt.date, last: dt.date) -> list[Link]:
        days = (first.isoformat(), last.isoformat())
        began = self._db.execute("SELECT src, dst, kind, since FROM links WHERE since BETWEEN ? AND ?", days)
        ended = self._db.execute("SELECT src, dst, kind, nullif(since, ''), until FROM link_history "
                                 "WHERE until BETWEEN ? AND ? OR since BETWEEN ? AND ?", days + days)
        return [_link(r) for r in [*began, *ended]]

    def iter_records(self) -> Iterator[Record]:
        # A second connection, so that a long export neither blocks nor is disturbed by this one.
        reader = (sqlite3.connect(Path(self.path).resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)
                  if self.path != ":memory:" else self._db)
        try:
            yield from (_entity(r) for r in reader.execute(f"SELECT {_ENTITY_COLUMNS} FROM entities ORDER BY id"))
            yield from (_holding(r) for r in reader.execute("SELECT * FROM holdings ORDER BY key"))
            yield from (_officer(r) for r in reader.execute("SELECT * FROM officers ORDER BY key"))
            yield from (_link(r) for r in reader.execute("SELECT src, dst, kind, since FROM links ORDER BY src, dst, kind"))
            yield from (_event(r) for r in reader.execute(
                "SELECT entity_id, type, date, severity, text, source FROM events ORDER BY id"))
            yield from (_relation(r) for r in reader.execute("SELECT * FROM relations ORDER BY key"))
        finally:
            if reader is not self._db:
                reader.close()

    def export_arrays(self) -> GraphArrays:
        """The whole graph as arrays: from the cache beside the store when it is of the store's
        generation (see :mod:`.arrays_cache`), else read from the tables (and cached, when the store
        is open for writing)."""
        from . import arrays_cache

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
        db = self._db
        ids = [r[0] for r in db.execute("SELECT id FROM entities ORDER BY id")]
        index = {entity_id: i for i, entity_id in enumerate(ids)}
        kinds, threshold, listed, free_float = _columns(
            db, "SELECT kind, disclosure_threshold, coalesce(listed, 0), free_float FROM entities ORDER BY id", len(ids),
            [(np.int8, KIND_CODES_BY_VALUE, None), (np.float64, None, np.nan), (bool, None, None),
             (np.float64, None, np.nan)])
        roles = [r[0] for r in db.execute("SELECT DISTINCT role FROM officers ORDER BY role")]
        role_codes = {role: code for code, role in enumerate(roles)}
        count = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("holdings", "officers", "links", "events", "relations")}
        index_of = (np.int32, index, None)
        holdings = _columns(db, f"SELECT holder_id, company_id, share_low, share_high, interest, {_days('since')}, "
                                f"{_days('until')} FROM holdings ORDER BY company_id, key", count["holdings"],
                            [index_of, index_of, (np.float64, None, np.nan), (np.float64, None, np.nan),
                             (np.int8, INTEREST_CODES_BY_VALUE, None), (np.int32, None, OPEN_START), (np.int32, None, OPEN_END)])
        officers = _columns(db, f"SELECT person_id, company_id, role, {_days('since')}, {_days('until')} FROM officers "
                                "ORDER BY company_id, key", count["officers"],
                            [index_of, index_of, (np.int16, role_codes, None), (np.int32, None, OPEN_START),
                             (np.int32, None, OPEN_END)])
        links = _columns(db, "SELECT src, dst, kind FROM links ORDER BY src, dst, kind", count["links"],
                         [index_of, index_of, (np.int8, LINK_CODES_BY_VALUE, None)])
        events = _columns(db, f"SELECT entity_id, type, {_days('date')}, severity FROM events ORDER BY id", count["events"],
                          [index_of, (np.int8, EVENT_CODES_BY_VALUE, None), (np.int32, None, OPEN_START), (np.int8, None, 0)])
        relations = _columns(db, f"SELECT a, b, type, {_days('since')}, {_days('until')} FROM relations ORDER BY key",
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

    def company_facts(self) -> Iterator[tuple]:
        for row in self._db.execute("SELECT id, name, business_scope, registered_capital, paid_in_capital, founded "
                                    "FROM entities WHERE kind = 'company' ORDER BY id"):
            yield row[:5] + (_date(row[5]),)

    def counts(self) -> dict[str, int]:
        counts = {kind.value: 0 for kind in EntityKind if kind is not EntityKind.EVENT}
        for kind, n in self._db.execute("SELECT kind, count(*) FROM entities GROUP BY kind"):
            counts[kind] = n
        for table in ("holdings", "officers", "links", "events", "relations"):
            counts[table] = self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return counts

    def entities_with_result(self, name: str, value: Any) -> list[str]:
        check_result_name(name)
        layout = self._layout()
        if name in layout["table_of"]:
            wanted = _encode(value) if name in layout["json"] else value
            return [r[0] for r in self._db.execute(
                f'SELECT entity_id FROM {layout["table_of"][name]} WHERE "{name}" = ? ORDER BY entity_id', (wanted,))]
        encoded = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return [r[0] for r in self._db.execute(
            "SELECT entity_id FROM results WHERE name = ? AND value = ? ORDER BY entity_id", (name, encoded))]

    def decide_identity(self, a: str, b: str, same: bool, note: str | None = None) -> None:
        a, b = sorted((a, b))
        with self._transaction("keep the decision"):
            self._db.execute("INSERT OR REPLACE INTO identity_decisions VALUES (?, ?, ?, ?, ?)",
                             (a, b, 1 if same else 0, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                              note))

    def identity_decisions(self) -> list[tuple[str, str, bool]]:
        return [(a, b, bool(same)) for a, b, same in self._db.execute(
            "SELECT a, b, same FROM identity_decisions ORDER BY a, b")]

    # -- computed results -------------------------------------------------------------------
    def write_results(self, name: str, values: Mapping[str, Any]) -> None:
        check_result_name(name)
        rows = ((name, entity_id, json.dumps(value, ensure_ascii=False, sort_keys=True), entity_id)
                for entity_id, value in values.items())
        with self._transaction("write results"):
            layout = self._layout()
            if name in layout["table_of"]:  # a name lives in one place: it leaves the analysis tables
                self._db.execute(f'UPDATE {layout["table_of"][name]} SET "{name}" = NULL')
                del layout["table_of"][name]
                self._set_layout(layout["table_of"], layout["json"] - {name})
            self._db.execute("DELETE FROM results WHERE name = ?", (name,))
            self._db.executemany(
                "INSERT INTO results SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM entities WHERE id = ?)", rows)

    def write_analysis(self, results: Mapping[str, Mapping[str, Any]], ids_known: bool = False) -> None:
        """Every result set of an analysis at once, replacing the previous analysis: a table per
        family of result sets over the same entities (the companies; the parties in clusters), a
        row per entity and a column per result, written in key order, its look-up indexes built
        after. Result sets given as :class:`ResultColumn` over one ``ids`` list are one family
        without a dict between. ``ids_known`` skips dropping ids not in the store."""
        for name in results:
            check_result_name(name)
        scalars = {str, int, float, type(None)}
        json_names = {n for n, values in results.items()
                      if set(map(type, values.values if isinstance(values, ResultColumn) else values.values())) - scalars}
        families = _families(results)
        old = self._layout()
        with self._transaction("write results"):
            db = self._db
            for table in set(old["table_of"].values()):
                db.execute(f"DROP TABLE IF EXISTS {table}")
            table_of = {}
            for number, (ids, members, columns) in enumerate(families, 1):
                table = f"analysis_{number}"
                columns = [[_encode(v) if v is not None else None for v in column] if name in json_names else column
                           for name, column in zip(members, columns)]
                quoted = "".join(f', "{n}"' for n in members)
                db.execute(f"CREATE TABLE {table} (entity_id TEXT PRIMARY KEY{quoted}) WITHOUT ROWID")
                db.executemany(f"INSERT INTO {table} (entity_id{quoted}) VALUES ({','.join('?' * (len(members) + 1))})",
                               zip(ids, *columns))
                if not ids_known:
                    db.execute(f"DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM entities WHERE id = entity_id)")
                for name in members:
                    table_of[name] = table
                    if name in LOOKED_UP_RESULTS:  # partial: most companies have no partner, group or tier
                        db.execute(f'CREATE INDEX {table}_{name} ON {table} ("{name}") WHERE "{name}" IS NOT NULL')
            stale = sorted(set(results) | set(old["table_of"]))
            if stale:
                db.execute(f"DELETE FROM results WHERE name IN ({','.join('?' * len(stale))})", stale)
            self._set_layout(table_of, json_names)

    def _layout(self) -> dict:
        """Where each result of the last analysis is kept (name -> table), and which hold JSON."""
        found = self.get_meta("analysis_layout")
        data = json.loads(found) if found else {"table_of": {}, "json": []}
        return {"table_of": data["table_of"], "json": set(data["json"])}

    def _set_layout(self, table_of: dict[str, str], json_names: set[str]) -> None:
        self.set_meta("analysis_layout", json.dumps({"table_of": table_of, "json": sorted(json_names)}))

    def read_results(self, name: str) -> dict[str, Any]:
        layout = self._layout()
        if name in layout["table_of"]:
            rows = self._db.execute(f'SELECT entity_id, "{check_result_name(name)}" FROM {layout["table_of"][name]} '
                                    f'WHERE "{name}" IS NOT NULL ORDER BY entity_id')
            return {entity_id: _decoded(name, value, layout) for entity_id, value in rows}
        rows = self._db.execute("SELECT entity_id, value FROM results WHERE name = ? ORDER BY entity_id", (name,))
        return {entity_id: json.loads(value) for entity_id, value in rows}

    def results_of(self, name: str, ids: Iterable[str]) -> dict[str, Any]:
        check_result_name(name)
        layout = self._layout()
        table = layout["table_of"].get(name)
        found = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), _IN_CHUNK):
            marks = ",".join("?" * len(chunk))
            if table is not None:
                for entity_id, value in self._db.execute(
                        f'SELECT entity_id, "{name}" FROM {table} WHERE entity_id IN ({marks}) AND "{name}" IS NOT NULL',
                        chunk):
                    found[entity_id] = _decoded(name, value, layout)
                continue
            for entity_id, value in self._db.execute(
                    f"SELECT entity_id, value FROM results WHERE name = ? AND entity_id IN ({marks})", [name, *chunk]):
                found[entity_id] = json.loads(value)
        return found

    def results_for(self, entity_id: str) -> dict[str, Any]:
        rows = self._db.execute("SELECT name, value FROM results WHERE entity_id = ? ORDER BY name", (entity_id,))
        found = {name: json.loads(value) for name, value in rows}
        layout = self._layout()
        for table in sorted(set(layout["table_of"].values())):
            cursor = self._db.execute(f"SELECT * FROM {table} WHERE entity_id = ?", (entity_id,))
            row = cursor.fetchone()
            if row is not None:
                for (column, *_), value in zip(cursor.description[1:], row[1:]):
                    if value is not None and layout["table_of"].get(column) == table:
                        found[column] = _decoded(column, value, layout)
        return dict(sorted(found.items()))

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


def record_row(record: Record) -> tuple[str, tuple]:
    """The table a record is kept in and its row there."""
    if isinstance(record, Holding):
        s = record.share
        return "holdings", (record.key, record.holder_id, record.company_id, s.low, s.high, record.interest.value,
                            _iso(record.since), _iso(record.until), record.source)
    if isinstance(record, Entity):
        return "entities", (
            record.id, record.kind.value, record.name,
            json.dumps(list(record.aliases), ensure_ascii=False) if record.aliases else None,
            record.reg_no, record.jurisdiction, record.status, _iso(record.founded), record.registered_capital,
            record.paid_in_capital, record.currency, record.industry, record.business_scope,
            record.disclosure_threshold, 1 if record.listed else None, record.free_float, record.id_hash,
            record.id_number, _iso(record.birth_date), record.identity,
        )
    if isinstance(record, Officer):
        return "officers", (record.key, record.person_id, record.company_id, record.role, _iso(record.since),
                            _iso(record.until))
    if isinstance(record, Link):
        if record.until is not None:
            return "link_history", (record.src, record.dst, record.kind.value, _iso(record.since) or "",
                                    _iso(record.until))
        return "links", (record.src, record.dst, record.kind.value, _iso(record.since))
    if isinstance(record, Relation):
        return "relations", (record.key, record.a, record.b, record.type.value, _iso(record.since),
                             _iso(record.until), record.source, record.share.low, record.share.high)
    if isinstance(record, RiskEvent):
        return "events", (record.id, record.entity_id, record.type.value, _iso(record.date), record.severity,
                          record.text, record.source)
    raise TypeError(f"cannot store {type(record).__name__}")


def name_rows(entity_id: str, name: str, aliases) -> list[tuple[str, str, int]]:
    """The rows of the names table for a party: each form of its name (0) and aliases (1), pinyin
    forms marked 2; a form met twice is kept once, as first met."""
    if not aliases:  # most parties: the pinyin forms are ASCII, the name with Chinese in it is not
        forms = search_forms(name)
        if len(forms) == 1:
            return [(entity_id, forms[0], 0)]
        rows = [(entity_id, forms[0], 0), (entity_id, forms[1], 2)]
        if forms[2] != forms[1]:
            rows.append((entity_id, forms[2], 2))
        return rows
    rows, seen = [], set()
    for position, text in enumerate((name, *aliases)):
        forms = search_forms(text)
        for number, form in enumerate(forms):
            if form not in seen:
                seen.add(form)
                rows.append((entity_id, form, 2 if number else (1 if position else 0)))
    return rows


class _SQLiteWriter(Writer):
    def __init__(self, db: sqlite3.Connection, search: bool = False):
        self._db = db
        self._search = search  # keep the name index (sqlite_search) up to date, row by row
        self._pending: dict[str, list[tuple]] = {table: [] for table in _UPSERT}
        self._size = 0
        self._names: dict[str, list[tuple]] = {}

    def add(self, record: Record) -> None:
        table, row = record_row(record)
        self._pending[table].append(row)
        if table == "link_history":  # an ended link leaves the links in force
            self._pending["links_ended"].append(row[:3])
        if table == "entities" and record.kind in PARTY_KINDS:
            # Keyed by entity, so that an entity written twice in one batch keeps only its last names.
            self._names[record.id] = name_rows(record.id, record.name, record.aliases)
        self._size += 1
        if self._size >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if self._search and self._names:
            sqlite_search.forget(self._db, list(self._names))
        self._pending["names_clear"].extend((entity_id,) for entity_id in self._names)
        self._pending["names"].extend(row for rows in self._names.values() for row in rows)
        if self._search:
            sqlite_search.add(self._db, self._pending["names"])
        self._names.clear()
        for table, sql in _UPSERT.items():  # names_clear runs before names: dict order is the order
            rows = self._pending[table]
            if rows:
                self._db.executemany(sql, rows)
                rows.clear()
        self._size = 0


def _columns(db: sqlite3.Connection, sql: str, count: int, specs: list) -> list[np.ndarray]:
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


#: Results looked up by value (a controller's companies, a group, a cluster, a tier): indexed.
LOOKED_UP_RESULTS = {"controller", "direct_controller", "direct_partner", "group", "cluster", "risk_tier"}


def _encode(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _families(results: Mapping[str, Mapping[str, Any]]) -> list[tuple[list[str], list[str], list[list]]]:
    """The result sets grouped into tables: ``(ids, names, columns)`` each, ids sorted, a column per
    name aligned to them, and no row empty in every column."""
    families: list[tuple[list[str], list[str], list[list]]] = []
    by_ids: dict[int, tuple[list[str], list[str], list[list]]] = {}
    for name, values in results.items():  # columns over one ids list: one family, as given
        if isinstance(values, ResultColumn):
            family = by_ids.setdefault(id(values.ids), (values.ids, [], []))
            family[1].append(name)
            family[2].append(values.values)
    for ids, names, columns in by_ids.values():
        present = np.zeros(len(ids), dtype=bool)
        objects = []
        for column in columns:
            array = np.fromiter(column, dtype=object, count=len(column))  # lists stay elements
            present |= np.not_equal(array, None)
            objects.append(array)
        keep = np.flatnonzero(present)
        if len(keep) == len(ids):
            families.append((ids, names, columns))
        elif len(keep):
            families.append(([ids[k] for k in keep.tolist()], names, [a[keep].tolist() for a in objects]))
    grouped: list[tuple[set, list[str]]] = []
    mappings = sorted((n for n, v in results.items() if not isinstance(v, ResultColumn)), key=lambda n: -len(results[n]))
    for name in mappings:
        keys = results[name].keys()
        # A set joins a family it is part of and fills at least half of: few empty cells to write.
        family = next((f for f in grouped if 2 * len(keys) >= len(f[0]) and keys <= f[0]), None)
        if family is None:
            grouped.append((set(keys), [name]))
        else:
            family[1].append(name)
    for keys, names in grouped:
        ids = sorted(keys)
        position = {entity_id: k for k, entity_id in enumerate(ids)}
        columns = []
        for name in names:
            column = [None] * len(ids)
            for entity_id, value in results[name].items():
                column[position[entity_id]] = value
            columns.append(column)
        families.append((ids, names, columns))
    return families


def _decoded(name: str, value, layout: dict):
    return json.loads(value) if name in layout["json"] else value


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _days(column: str) -> str:
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _entity(row) -> Entity:
    return Entity(
        id=row[0], kind=EntityKind(row[1]), name=row[2], aliases=tuple(json.loads(row[3] or "[]")), reg_no=row[4],
        jurisdiction=row[5], status=row[6], founded=_date(row[7]), registered_capital=row[8],
        paid_in_capital=row[9], currency=row[10], industry=row[11], business_scope=row[12],
        disclosure_threshold=row[13], listed=bool(row[14]), free_float=row[15], id_hash=row[16], id_number=row[17],
        birth_date=_date(row[18]),
    )


def _relation(row) -> Relation:
    share = Share.unknown() if row[7] is None else Share(row[7], row[8])
    return Relation(row[1], row[2], RelationType(row[3]), _date(row[4]), _date(row[5]), row[6], share)


_INTERESTS = {i.value: i for i in Interest}
_LINK_KINDS = {k.value: k for k in LinkKind}


def _holding(row) -> Holding:
    share = Share.unknown() if row[3] is None else Share(row[3], row[4])
    return Holding(row[1], row[2], share, _INTERESTS[row[5]], _date(row[6]), _date(row[7]), row[8])


def _link(row) -> Link:
    """A link in force (src, dst, kind, since) or ended (and until)."""
    return Link(row[0], row[1], _LINK_KINDS[row[2]], _date(row[3]), _date(row[4]) if len(row) > 4 else None)


def _officer(row) -> Officer:
    return Officer(row[1], row[2], row[3], _date(row[4]), _date(row[5]))


def _event(row) -> RiskEvent:
    return RiskEvent(row[0], EventType(row[1]), _date(row[2]), row[3], row[4], row[5])
