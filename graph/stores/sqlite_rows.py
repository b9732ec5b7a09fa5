"""Records as the embedded store's rows and back, and the small conversions every SQLite module shares."""

from __future__ import annotations

import datetime as dt
import json
from typing import Iterator

from ..model import EntityKind, Entity, EventType, Holding, Interest, Link, LinkKind, Officer, Relation, RelationType, RiskEvent, Share
from ..names import search_forms
from .base import Record

IN_CHUNK = 500  # SQLite allows 32766 variables; smaller IN lists keep each query's plan cheap

def record_row(record: Record) -> tuple[str, tuple]:
    """The table a record is kept in and its row there."""
    if isinstance(record, Holding):
        s = record.share
        return "holdings", (record.key, record.holder_id, record.company_id, s.low, s.high, record.interest.value,
                            iso(record.since), iso(record.until), record.source)
    if isinstance(record, Entity):
        return "entities", (
            record.id, record.kind.value, record.name,
            json.dumps(list(record.aliases), ensure_ascii=False) if record.aliases else None,
            record.reg_no, record.jurisdiction, record.status, iso(record.founded), record.registered_capital,
            record.paid_in_capital, record.currency, record.industry, record.business_scope,
            record.disclosure_threshold, 1 if record.listed else None, record.free_float, record.id_hash,
            record.id_number, iso(record.birth_date), record.identity,
        )
    if isinstance(record, Officer):
        return "officers", (record.key, record.person_id, record.company_id, record.role, iso(record.since),
                            iso(record.until), record.title)
    if isinstance(record, Link):
        if record.until is not None:
            return "link_history", (record.src, record.dst, record.kind.value, iso(record.since) or "",
                                    iso(record.until))
        return "links", (record.src, record.dst, record.kind.value, iso(record.since))
    if isinstance(record, Relation):
        return "relations", (record.key, record.a, record.b, record.type.value, iso(record.since),
                             iso(record.until), record.source, record.share.low, record.share.high)
    if isinstance(record, RiskEvent):
        return "events", (record.id, record.entity_id, record.type.value, iso(record.date), record.severity,
                          record.text, record.source)
    raise TypeError(f"cannot store {type(record).__name__}")


def name_rows(entity_id: str, name: str, aliases) -> list[tuple[str, str, int]]:
    """The rows of the names table for a party: each form of its name (0) and aliases (1), pinyin
    forms marked 2; a form met twice is kept once, as first met."""
    if not aliases:  # most parties: the pinyin forms are ASCII, the name with Chinese in it is not
        forms = search_forms(name)
        if len(forms) == 1:
            return [(entity_id, forms[0], 0)]
        return [(entity_id, forms[0], 0), *((entity_id, form, 2) for form in dict.fromkeys(forms[1:]))]
    rows, seen = [], set()
    for position, text in enumerate((name, *aliases)):
        forms = search_forms(text)
        for number, form in enumerate(forms):
            if form not in seen:
                seen.add(form)
                rows.append((entity_id, form, 2 if number else (1 if position else 0)))
    return rows


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def date_of(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def days_sql(column: str) -> str:
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def read_entity(row) -> Entity:
    return Entity(
        id=row[0], kind=EntityKind(row[1]), name=row[2], aliases=tuple(json.loads(row[3] or "[]")), reg_no=row[4],
        jurisdiction=row[5], status=row[6], founded=date_of(row[7]), registered_capital=row[8],
        paid_in_capital=row[9], currency=row[10], industry=row[11], business_scope=row[12],
        disclosure_threshold=row[13], listed=bool(row[14]), free_float=row[15], id_hash=row[16], id_number=row[17],
        birth_date=date_of(row[18]),
    )


def read_relation(row) -> Relation:
    share = Share.unknown() if row[7] is None else Share(row[7], row[8])
    return Relation(row[1], row[2], RelationType(row[3]), date_of(row[4]), date_of(row[5]), row[6], share)


_INTERESTS = {i.value: i for i in Interest}
_LINK_KINDS = {k.value: k for k in LinkKind}


def read_holding(row) -> Holding:
    share = Share.unknown() if row[3] is None else Share(row[3], row[4])
    return Holding(row[1], row[2], share, _INTERESTS[row[5]], date_of(row[6]), date_of(row[7]), row[8])


def read_link(row) -> Link:
    """A link in force (src, dst, kind, since) or ended (and until)."""
    return Link(row[0], row[1], _LINK_KINDS[row[2]], date_of(row[3]), date_of(row[4]) if len(row) > 4 else None)


def read_officer(row) -> Officer:
    """An officer row; a store of schema 6 or older has no title column (its migrations read it so)."""
    return Officer(row[1], row[2], row[3], date_of(row[4]), date_of(row[5]), row[6] if len(row) > 6 else None)


def read_event(row) -> RiskEvent:
    return RiskEvent(row[0], EventType(row[1]), date_of(row[2]), row[3], row[4], row[5])


def party_rows(db) -> Iterator[tuple]:
    """Every company's, person's and organization's screening facts (``Store.party_facts``)."""
    for row in db.execute(
            "SELECT e.id, e.kind, e.name, e.aliases, e.reg_no, e.jurisdiction, e.birth_date, e.id_number, "
            "(SELECT json_group_array(a.name) FROM links l JOIN entities a ON a.id = l.dst "
            " WHERE l.src = e.id AND l.kind = 'located_at') FROM entities e "
            "WHERE e.kind IN ('company', 'person', 'organization') ORDER BY e.id"):
        yield row[:3] + (tuple(json.loads(row[3])) if row[3] else (),) + row[4:6] + (date_of(row[6]), row[7],
                                                                                   tuple(sorted(json.loads(row[8]))))
