"""The embedded store's substring index over names: SQLite FTS5 with the trigram tokenizer.

Searching for a part of a name ("腾启财富" in 深圳腾启财富管理有限公司, a pinyin, a piece of a
registration number) otherwise reads every row of the names table: about half a second per probe at
a million companies, several seconds for a fuzzy search. The trigram index answers a needle of
three characters or more from its postings in about a millisecond. Shorter needles (two Chinese
characters) cannot use trigrams and are still read from the names table.

Each row of ``names`` has one row in the index; ``name_search_rows`` says which index rows are an
entity's, so the writer can remove an entity's old names when it writes new ones. The index is an
accelerator: a store without it (SQLite built without FTS5, an older store opened read-only, a fill
that did not finish) answers the same questions by reading the names table.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable

META_KEY = "name_search"
READY = "ready"
MIN_NEEDLE = 3  # trigrams: a shorter needle cannot be looked up
MATCHES = 2000  # index rows read per needle; a needle in more names is left to the scan
CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS name_search USING fts5("
    "name_norm, entity_id UNINDEXED, tokenize='trigram', detail='none')",
    "CREATE TABLE IF NOT EXISTS name_search_rows (entity_id TEXT NOT NULL, row INTEGER NOT NULL, "
    "PRIMARY KEY (entity_id, row)) WITHOUT ROWID",
]

# Rows numbered as they come, in the names table's order: both tables grow at their ends.
FILL = [
    "DELETE FROM name_search",
    "DELETE FROM name_search_rows",
    "INSERT INTO name_search (name_norm, entity_id) SELECT name_norm, entity_id FROM names",
    "INSERT INTO name_search_rows (entity_id, row) SELECT entity_id, rowid FROM name_search ORDER BY rowid",
    f"INSERT OR REPLACE INTO meta VALUES ('{META_KEY}', '{READY}')",
]


def available(db: sqlite3.Connection) -> bool:
    """Whether the index exists and holds every name (the meta row says so once it is filled)."""
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    except sqlite3.DatabaseError:
        return False
    return row is not None and row[0] == READY


def build(db: sqlite3.Connection) -> bool:
    """Create the index if needed and fill it from the names table, inside the caller's transaction.
    False where this SQLite has no FTS5 (searches then read the names table)."""
    try:
        for statement in CREATE:
            db.execute(statement)
    except sqlite3.OperationalError:
        return False
    for statement in FILL:
        db.execute(statement)
    return True


def forget(db: sqlite3.Connection, entity_ids: list[str], chunk: int = 500) -> None:
    """Drop the indexed names of ``entity_ids`` (before the writer replaces their names)."""
    for start in range(0, len(entity_ids), chunk):
        part = entity_ids[start:start + chunk]
        marks = ",".join("?" * len(part))
        rows = db.execute(f"SELECT row FROM name_search_rows WHERE entity_id IN ({marks})", part).fetchall()
        db.executemany("DELETE FROM name_search WHERE rowid = ?", rows)
        db.execute(f"DELETE FROM name_search_rows WHERE entity_id IN ({marks})", part)


def add(db: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    """Index names rows ``(entity_id, name_norm, is_alias)``, each once."""
    rows = list(dict.fromkeys((e, n) for e, n, *_ in rows))
    if not rows:
        return
    first = db.execute("SELECT coalesce(max(rowid), 0) + 1 FROM name_search").fetchone()[0]
    numbered = [(first + k, n, e) for k, (e, n) in enumerate(rows)]
    db.executemany("INSERT INTO name_search (rowid, name_norm, entity_id) VALUES (?, ?, ?)", numbered)
    db.executemany("INSERT INTO name_search_rows (entity_id, row) VALUES (?, ?)", [(e, r) for r, _, e in numbered])


def containing(db: sqlite3.Connection, needle: str, limit: int, exact: bool = True) -> list[str] | None:
    """Entities with a name containing ``needle``, shortest names first, then by id, as a scan of the
    names table gives them; None where the index cannot answer: a needle under :data:`MIN_NEEDLE`
    characters, one with GLOB's ``* ? [`` (escaped as a class, it makes FTS5 read every row: 15 s at
    a million companies), or, when ``exact``, one in more than :data:`MATCHES` names (the scan then
    finds the shortest of them all; not ``exact``, the shortest of the first :data:`MATCHES` do, as
    fuzzy candidates ranked afterwards)."""
    if len(needle) < MIN_NEEDLE or set(needle) & set("*?["):
        return None
    # GLOB, not LIKE: the trigram index serves LIKE only without an ESCAPE clause (with one, every
    # row is read: 2 s at a million companies), and GLOB compares case as the scan does.
    rows = db.execute("SELECT entity_id, name_norm FROM name_search WHERE name_norm GLOB ? LIMIT ?",
                      (f"*{needle}*", MATCHES + 1)).fetchall()
    if len(rows) > MATCHES and exact:
        return None
    found = sorted((len(n), e) for e, n in rows if needle in n)
    return [e for _, e in found[:limit]]
