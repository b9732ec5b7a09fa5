"""What a reader must remember of an input larger than memory: maps that keep their newest entries in
memory and the rest in a private temporary SQLite database (on disk once it outgrows SQLite's page
cache, deleted when the map is). A small input never leaves memory; a large one costs a lookup on disk
for what was not seen lately, and memory stays flat at any input size.

Values are what :mod:`marshal` writes (text, numbers, None, tuples of them): the reader's own facts, not
objects of the model.
"""

from __future__ import annotations

import marshal
import sqlite3
from typing import Iterator

#: Entries kept in memory by a map before they move to disk (about 40 MB at most for a map of the loaders').
IN_MEMORY = 100_000


def temporary_database(cache_mib: int = 16) -> sqlite3.Connection:
    """A private SQLite database that is deleted when closed (SQLite's empty file name): held in a page
    cache of ``cache_mib`` and spilled to a temporary file beyond it."""
    db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA cache_size = -{cache_mib * 1024}")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db


class SpillMap:
    """A map from text keys to values, ``limit`` entries in memory (:data:`IN_MEMORY` unless given) and
    the rest on disk.

    With ``multi``, a key holds a list of values (``add`` appends, ``values`` gives them in the order
    added); else setting a key replaces its value.

    Examples
    --------
    >>> seen = SpillMap(limit=2)
    >>> for n in range(5):
    ...     seen[f"k{n}"] = n
    >>> seen.get("k0"), seen.get("k4"), "k9" in seen, seen.on_disk
    (0, 4, False, True)
    >>> by_number = SpillMap(limit=1, multi=True)
    >>> by_number.add("91", ("a",)); by_number.add("91", ("b",)); by_number.add("77", ("c",))
    >>> by_number.values("91")
    [('a',), ('b',)]
    >>> list(by_number.groups())
    [('77', [('c',)]), ('91', [('a',), ('b',)])]
    """

    def __init__(self, limit: int | None = None, multi: bool = False):
        limit = IN_MEMORY if limit is None else limit
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self.limit = limit
        self.multi = multi
        self._recent: dict[str, object] = {}
        self._held = 0  # values in memory (a multi map holds lists)
        self._db: sqlite3.Connection | None = None

    @property
    def on_disk(self) -> bool:
        return self._db is not None

    def __setitem__(self, key: str, value) -> None:
        if self.multi:
            raise TypeError("a multi map adds values: use add()")
        if key not in self._recent:
            self._held += 1
        self._recent[key] = value
        self._spill_if_full()

    def add(self, key: str, value) -> None:
        if not self.multi:
            raise TypeError("a map sets values: use map[key] = value")
        self._recent.setdefault(key, []).append(value)
        self._held += 1
        self._spill_if_full()

    def get(self, key: str, default=None):
        if self.multi:
            raise TypeError("a multi map gives lists: use values()")
        if key in self._recent:
            return self._recent[key]
        if self._db is not None:
            row = self._db.execute("SELECT value FROM map WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return marshal.loads(row[0])
        return default

    def __contains__(self, key: str) -> bool:
        if self.multi:
            return bool(self.values(key))
        return self.get(key, _ABSENT) is not _ABSENT

    def __getitem__(self, key: str):
        value = self.get(key, _ABSENT)
        if value is _ABSENT:
            raise KeyError(key)
        return value

    def values(self, key: str) -> list:
        """Every value added under ``key``, the first first (a multi map)."""
        if not self.multi:
            raise TypeError("a map holds one value a key: use get()")
        found = []
        if self._db is not None:
            found = [marshal.loads(v) for (v,) in
                     self._db.execute("SELECT value FROM map WHERE key = ? ORDER BY rowid", (key,))]
        return found + list(self._recent.get(key, ()))

    def items(self) -> Iterator[tuple[str, object]]:
        """Every key and value (every value of a multi map), in no particular order."""
        if self._db is not None:
            for key, value in self._db.execute("SELECT key, value FROM map"):
                if self.multi or key not in self._recent:
                    yield key, marshal.loads(value)
        for key, value in list(self._recent.items()):
            if self.multi:
                yield from ((key, v) for v in value)
            else:
                yield key, value

    def groups(self) -> Iterator[tuple[str, list]]:
        """Every key with its values in the order added, keys in sorted order (a multi map)."""
        if not self.multi:
            raise TypeError("a map holds one value a key: use items()")
        if self._db is None:
            yield from sorted(self._recent.items())
            return
        self._spill_if_full(everything=True)
        key, values = None, []
        for found, value in self._db.execute("SELECT key, value FROM map ORDER BY key, rowid"):
            if found != key and values:
                yield key, values
                values = []
            key = found
            values.append(marshal.loads(value))
        if values:
            yield key, values

    def close(self) -> None:
        """Forget everything (the file on disk too)."""
        self._recent.clear()
        self._held = 0
        if self._db is not None:
            self._db.close()
            self._db = None

    def _spill_if_full(self, everything: bool = False) -> None:
        if self._held < self.limit and not everything:
            return
        if self._db is None:
            self._db = temporary_database()
            self._db.execute("CREATE TABLE map (key TEXT, value BLOB)" if self.multi else
                             "CREATE TABLE map (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")
            if self.multi:
                self._db.execute("CREATE INDEX map_key ON map (key)")
        self._db.execute("BEGIN")
        if self.multi:
            rows = ((k, marshal.dumps(v)) for k, values in self._recent.items() for v in values)
            self._db.executemany("INSERT INTO map VALUES (?, ?)", rows)
        else:
            rows = ((k, marshal.dumps(v)) for k, v in self._recent.items())
            self._db.executemany("INSERT OR REPLACE INTO map VALUES (?, ?)", rows)
        self._db.execute("COMMIT")
        self._recent.clear()
        self._held = 0


_ABSENT = object()
