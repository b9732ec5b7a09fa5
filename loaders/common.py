"""What every loader shares: finding the entity a record names, and writing a load all or nothing.

A loader is a generator of validated records (:mod:`equitygraph.graph.model`); :func:`load_records`
writes them into a store in one transaction, so an input with one bad record leaves the store as it
was, and loading the same input again changes nothing (every record has a natural key).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..graph.model import Entity, EntityKind, normalize_name
from ..graph.stores.base import Record, Store
from .report import LoadReport, note_load
from .fields import clean_reg_no

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
    """

    def __init__(self, store: Store | None, report: LoadReport):
        self.store = store
        self.report = report
        self.by_reg_no: dict[str, list[Entity]] = {}
        self.by_name: dict[str, list[Entity]] = {}
        self.kinds: dict[str, EntityKind] = {}

    def remember(self, entity: Entity) -> None:
        self.kinds[entity.id] = entity.kind
        if entity.reg_no:
            self.by_reg_no.setdefault(entity.reg_no, []).append(entity)
        if entity.kind is not EntityKind.PERSON:
            self.by_name.setdefault(normalize_name(entity.name), []).append(entity)

    def by_number(self, reg_no: str | None, jurisdiction: str | None = None) -> Entity | None:
        reg_no = clean_reg_no(reg_no)
        if not reg_no:
            return None
        candidates = self.by_reg_no.get(reg_no) or self._stored(reg_no, lambda e: e.reg_no == reg_no)
        fits = [e for e in candidates if not jurisdiction or not e.jurisdiction
                or e.jurisdiction.upper()[:2] == jurisdiction.upper()[:2]]
        return fits[0] if len(fits) == 1 else None

    def by_exact_name(self, name: str, kinds: tuple[EntityKind, ...] = (EntityKind.COMPANY, EntityKind.ORGANIZATION)
                      ) -> Entity | None:
        norm = normalize_name(name)
        candidates = self.by_name.get(norm) or self._stored(name, lambda e: normalize_name(e.name) == norm)
        fits = [e for e in candidates if e.kind in kinds]
        return fits[0] if len(fits) == 1 else None

    def by_alias(self, alias: str) -> Entity | None:
        """The one company on record with ``alias`` among its aliases (a stock code, a former name)."""
        norm = normalize_name(alias)
        fits = [e for e in self._stored(alias, lambda e: any(normalize_name(a) == norm for a in e.aliases))
                if e.kind is EntityKind.COMPANY]
        return fits[0] if len(fits) == 1 else None

    def kind_of(self, entity_id: str) -> EntityKind | None:
        if entity_id not in self.kinds and self.store is not None:
            found = self.store.get(entity_id)
            if found is not None:
                self.kinds[entity_id] = found.kind
        return self.kinds.get(entity_id)

    def _stored(self, text: str, keep: Callable[[Entity], bool]) -> list[Entity]:
        if self.store is None:
            return []
        return [hit.entity for hit in self.store.search(text, limit=5, exact_only=True) if keep(hit.entity)]


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


def once(seen: set[str], records: Iterable[Record]) -> Iterator[Record]:
    """Each entity the first time only (an open register names a party in many statements)."""
    for record in records:
        if isinstance(record, Entity):
            if record.id in seen:
                continue
            seen.add(record.id)
        yield record
