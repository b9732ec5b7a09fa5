"""What a load wrote and warned about, where its data came from, and the store's salt for ID numbers."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..graph.stores.base import Store


@dataclass
class LoadReport:
    """What a load wrote and what it warned about."""

    source: str
    fmt: str = "csv"
    #: the mapping each file or sheet was read with (mapping loads only)
    mappings: dict[str, str] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: companies of this load with less than 95 % of their shares on record today (no holder at all included)
    incomplete_registers: int = 0
    #: what a snapshot load changed (see :mod:`.snapshot`); None for a plain load
    snapshot: dict | None = None

    @property
    def rows(self) -> int:
        return sum(self.counts[k] for k in ("entity rows", "holdings", "officers", "events", "relations"))

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "format": self.fmt,
            **({"mappings": self.mappings} if self.mappings else {}),
            "encodings": self.encodings,
            "counts": dict(sorted(self.counts.items())),
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "incomplete_registers": self.incomplete_registers,
            "warnings": self.warnings,
            **({"snapshot": self.snapshot} if self.snapshot is not None else {}),
        }


class FirstFew:
    """How many things a warning is about, and the first ``shown`` of them (all it names): a warning
    about millions of lines of a register keeps five.

    Examples
    --------
    >>> unheld = FirstFew(shown=2)
    >>> for ref in "abc":
    ...     unheld.add(ref)
    >>> unheld.count, unheld.said()
    (3, 'a, b and 1 more')
    """

    def __init__(self, shown: int = 5):
        self.shown = shown
        self.count = 0
        self.first: list[str] = []

    def add(self, item: str) -> None:
        self.count += 1
        if len(self.first) < self.shown:
            self.first.append(item)

    def said(self) -> str:
        return first_few(self.first, self.shown, self.count)


def first_few(items: list[str], shown: int = 5, total: int | None = None) -> str:
    """``items`` as a warning lists them: the first ``shown``, and how many more (of ``total``, where
    only the first few were kept).

    Examples
    --------
    >>> first_few(["a", "b", "c"], 2)
    'a, b and 1 more'
    >>> first_few(["a", "b"], 2)
    'a, b'
    >>> first_few(["a", "b"], 2, total=1002)
    'a, b and 1,000 more'
    """
    total = len(items) if total is None else total
    more = f" and {total - shown:,} more" if total > shown else ""
    return ", ".join(items[:shown]) + more


def store_salt(store: Store) -> tuple[str, bool]:
    """The store's secret salt for ID-number hashes, and whether it is new (to be kept with the load)."""
    salt = store.get_meta("id_salt")
    return (salt, False) if salt is not None else (secrets.token_hex(16), True)


def note_load(store: Store, folder: str | Path, report: LoadReport, **more: str) -> None:
    """Keep where the data came from and when, for the case report's provenance."""
    store.set_meta("last_load", json.dumps({"source": str(Path(folder).resolve()),
                                             "loaded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                             "rows": report.rows, **more}, ensure_ascii=False))
