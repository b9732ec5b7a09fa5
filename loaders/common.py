"""What every loader shares: finding the entity a record names, and writing a load all or nothing.

A loader is a generator of validated records (:mod:`equitygraph.graph.model`); :func:`load_records`
writes them into a store in one transaction, so an input with one bad record leaves the store as it
was, and loading the same input again changes nothing (every record has a natural key).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable, Iterable

from ..graph.model import Entity, EntityKind, normalize_name
from ..graph.stores.base import Record, Store
from .report import LoadReport, note_load
from .fields import clean_reg_no
from .spill import SpillMap

#: What equitygraph's own exports (BODS, FollowTheMoney) carry beyond the standards, read back by the
#: loaders so that an export loads back without loss: the publisher's name, a declared tie the standard
#: has no type for, and the fields of a party it has no field for (a note: this prefix, then JSON).
PUBLISHER = "equitygraph"
TIE_PREFIX = "equitygraph tie: "
FIELDS_NOTE = "equitygraph fields: "
KEPT_FIELDS = ("status", "registered_capital", "paid_in_capital", "currency", "industry", "business_scope",
               "disclosure_threshold", "free_float", "listed", "id_hash")


def fields_note(kept: dict) -> str:
    """The note an export writes ``kept`` in (:func:`kept_fields` reads it back)."""
    return FIELDS_NOTE + json.dumps(kept, ensure_ascii=False, sort_keys=True, default=str)


def kept_fields(notes) -> dict:
    """The fields an equitygraph export kept in the first of ``notes`` that holds them; {} when none does
    (or it is not JSON: a note written by someone else).

    Examples
    --------
    >>> kept_fields(["a note", fields_note({"status": "存续", "listed": True})])
    {'listed': True, 'status': '存续'}
    """
    for text in notes:
        if isinstance(text, str) and text.startswith(FIELDS_NOTE):
            try:
                kept = json.loads(text[len(FIELDS_NOTE):])
            except ValueError:
                return {}
            return kept if isinstance(kept, dict) else {}
    return {}


def entity_fields(kept: dict) -> dict:
    """Of what an export kept, the fields of the party itself (not its id or phones, kept beside them)."""
    return {name: value for name, value in kept.items() if name in (*KEPT_FIELDS, "jurisdiction")}


#: ISO country codes of the identifier schemes (org-id.guide) the open registers use most.
SCHEME_COUNTRIES = {"GB-COH": "GB", "UA-EDR": "UA", "DK-CVR": "DK", "SK-ORSR": "SK", "XI-LEI": None, "XI-GLEIF": None}


class Matcher:
    """Finds the party a record names among those of this load and those in the store: by
    registration number (in the same jurisdiction, or where one side has none), then, for companies
    and organizations only, by exact normalised name where exactly one party bears it. A person named
    only by a name is never matched: a namesake is not the same person.

    What it remembers of this load's parties is what matching needs (id, kind, name, number,
    jurisdiction, registered capital), in maps that move to disk beyond ``in_memory`` entries each
    (:data:`~equitygraph.loaders.spill.IN_MEMORY` unless given): an open register of millions of
    parties is matched in flat memory.
    """

    def __init__(self, store: Store | None, report: LoadReport, in_memory: int | None = None):
        self.store = store
        self.report = report
        self.by_reg_no = SpillMap(in_memory, multi=True)
        self.by_name = SpillMap(in_memory, multi=True)
        self.kinds = _Kinds(in_memory)

    def remember(self, entity: Entity) -> None:
        self.kinds[entity.id] = entity.kind
        slim = (entity.id, entity.kind.value, entity.name, entity.reg_no, entity.jurisdiction,
                entity.registered_capital)
        if entity.reg_no:
            self.by_reg_no.add(entity.reg_no, slim)
        if entity.kind is not EntityKind.PERSON:
            self.by_name.add(normalize_name(entity.name), slim)

    def by_number(self, reg_no: str | None, jurisdiction: str | None = None) -> Entity | None:
        reg_no = clean_reg_no(reg_no)
        if not reg_no:
            return None
        candidates = _entities(self.by_reg_no.values(reg_no)) or self._stored(reg_no, lambda e: e.reg_no == reg_no)
        fits = [e for e in candidates if not jurisdiction or not e.jurisdiction
                or e.jurisdiction.upper()[:2] == jurisdiction.upper()[:2]]
        return fits[0] if len(fits) == 1 else None

    def by_exact_name(self, name: str, kinds: tuple[EntityKind, ...] = (EntityKind.COMPANY, EntityKind.ORGANIZATION)
                      ) -> Entity | None:
        norm = normalize_name(name)
        candidates = _entities(self.by_name.values(norm)) or self._stored(name, lambda e: normalize_name(e.name) == norm)
        fits = [e for e in candidates if e.kind in kinds]
        return fits[0] if len(fits) == 1 else None

    def by_alias(self, alias: str) -> Entity | None:
        """The one company on record with ``alias`` among its aliases (a stock code, a former name)."""
        norm = normalize_name(alias)
        fits = [e for e in self._stored(alias, lambda e: any(normalize_name(a) == norm for a in e.aliases))
                if e.kind is EntityKind.COMPANY]
        return fits[0] if len(fits) == 1 else None

    def kind_of(self, entity_id: str) -> EntityKind | None:
        kind = self.kinds.get(entity_id)
        if kind is None and self.store is not None:
            found = self.store.get(entity_id)
            if found is not None:
                kind = self.kinds[entity_id] = found.kind
        return kind

    def _stored(self, text: str, keep: Callable[[Entity], bool]) -> list[Entity]:
        if self.store is None:
            return []
        return [hit.entity for hit in self.store.search(text, limit=5, exact_only=True) if keep(hit.entity)]


def _entities(slims: list[tuple]) -> list[Entity]:
    return [Entity(id_, EntityKind(kind), name, reg_no=reg_no, jurisdiction=jurisdiction, registered_capital=capital)
            for id_, kind, name, reg_no, jurisdiction, capital in slims]


class _Kinds(SpillMap):
    """The kind of every party this load named (kept as the kind's text, a marshal value)."""

    def __setitem__(self, key: str, kind: EntityKind) -> None:
        super().__setitem__(key, kind.value)

    def get(self, key: str, default=None):
        value = super().get(key)
        return default if value is None else EntityKind(value)


def load_records(store: Store, source: str | Path, read: Callable[[LoadReport, Callable[[int], None]], Iterable[Record]],
                 *, fmt: str, progress: bool = False, unit: str = " records",
                 also: Callable[[], None] = lambda: None) -> LoadReport:
    """Write what ``read(report, progress)`` yields into ``store`` in one transaction (``also`` runs
    inside it, last); the report says what was read and written, and ``fmt`` names the input format."""
    from tqdm import tqdm

    report = LoadReport(str(source), fmt=fmt)
    started = time.perf_counter()
    with tqdm(desc=f"loading {fmt}", unit=unit, disable=not progress, mininterval=0.5) as bar:
        with store.writer() as writer:
            writer.add_many(read(report, bar.update))
            also()
    report.seconds = time.perf_counter() - started
    note_load(store, source, report, format=fmt)
    return report
