"""The row writer of the embedded store: records upserted in batches inside the store's transaction."""

from __future__ import annotations

import sqlite3

from ..model import PARTY_KINDS
from . import sqlite_search
from .base import Record, Writer
from .sqlite_rows import name_rows, record_row
from .sqlite_schema import ENTITY_COLUMNS

_BATCH = 5000

UPSERT = {
    "entities": f"INSERT OR REPLACE INTO entities ({ENTITY_COLUMNS}, identity) VALUES ({','.join('?' * 20)})",
    "names_clear": "DELETE FROM names WHERE entity_id = ?",
    "names": "INSERT OR IGNORE INTO names (entity_id, name_norm, is_alias) VALUES (?,?,?)",
    "holdings": "INSERT OR REPLACE INTO holdings VALUES (?,?,?,?,?,?,?,?,?)",
    "officers": "INSERT OR REPLACE INTO officers VALUES (?,?,?,?,?,?,?)",
    "links_ended": "DELETE FROM links WHERE src = ? AND dst = ? AND kind = ?",
    "link_history": "INSERT OR REPLACE INTO link_history VALUES (?,?,?,?,?)",
    "links": "INSERT OR IGNORE INTO links VALUES (?,?,?,?)",
    "events": "INSERT OR REPLACE INTO events VALUES (?,?,?,?,?,?,?)",
    "relations": "INSERT OR REPLACE INTO relations VALUES (?,?,?,?,?,?,?,?,?)",
}


class SQLiteWriter(Writer):
    def __init__(self, db: sqlite3.Connection, search: bool = False):
        self._db = db
        self._search = search  # keep the name index (sqlite_search) up to date, row by row
        self._pending: dict[str, list[tuple]] = {table: [] for table in UPSERT}
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
        for table, sql in UPSERT.items():  # names_clear runs before names: dict order is the order
            rows = self._pending[table]
            if rows:
                self._db.executemany(sql, rows)
                rows.clear()
        self._size = 0
