"""The Beneficial Ownership Data Standard, versions 0.2 to 0.4 (JSON array or JSON lines).

Entity and person statements become parties, ownership-or-control statements become holdings,
officer roles and declared ties (see docs/inputs.md for the whole mapping):

* a direct interest (or one whose level is unknown: the register names this party as the holder)
  is a holding - ``shareholding`` a shareholding, ``votingRights`` a voting interest,
  ``appointmentOfBoard`` board control, an interest of unknown type a shareholding of unknown size,
  the rest ``other``; ``boardMember``, ``boardChair`` and ``seniorManagingOfficial`` are officer roles;
* an indirect interest is a declared fact (``indirect_holder``) beside the chain equitygraph
  computes, never an edge of its own (it would count the stake twice);
* ``beneficialOwnershipOrControl`` is kept as a declared beneficial owner;
* ``share.exact`` is exact, ``minimum``/``maximum`` (exclusive bounds included) a range;
* anonymous, unknown and unspecified parties are explicit unknown parties, named with the reason;
* a statement named but held neither in the input nor in the store (real extracts have them) is a
  placeholder party "not in the input", all of them said in one warning;
* statements are applied in date order: a later statement of a record (0.4) or one that replaces
  earlier ones (0.2, 0.3) wins, a closed record's interests end on its statement date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

from ..graph.model import (
    Entity, EntityKind, Holding, Interest, Link, LinkKind, Officer, Relation, RelationType, Share,
    address_id,
)
from ..graph.roles import OFFICER_ROLES
from ..graph.stores.base import Record
from .common import SCHEME_COUNTRIES, TIE_PREFIX, Matcher
from .report import FirstFew, LoadReport
from .fields import clean_reg_no, iso_day
from .bods_statements import PREFIX, Statement, StatementIndex, objects, statement
from .jsonfile import files_in, shaped

_INTERESTS = {"shareholding": Interest.SHAREHOLDING, "votingRights": Interest.VOTING,
              "appointmentOfBoard": Interest.BOARD, "unknownInterest": Interest.SHAREHOLDING, None: Interest.SHAREHOLDING}
_OFFICER_ROLES = {"boardMember": "director", "boardChair": "chairman", "seniorManagingOfficial": "manager"}
_COMPANY_TYPES = {"registeredEntity", None}  # legalEntity and the rest: organizations


def is_bods(value: dict) -> bool:
    """Whether a JSON object is a BODS statement (for detecting the format)."""
    return ("statementId" in value and "recordType" in value) or ("statementID" in value and "statementType" in value)


def read_bods(path: str | Path, *, matcher: Matcher, report: LoadReport,
              progress: Callable[[int], None] = lambda n: None) -> Iterator[Record]:
    """Validated records of the BODS statements in ``path`` (a file, or a folder of .json/.jsonl files).

    Read three times, in flat memory at any size: once to index every statement (its id, record, date
    and kind, in a temporary database), then the latest statement of each party, then of each
    relationship; the statements themselves are never all held at once. ``progress`` counts each
    statement indexed and each latest statement written (twice the statements where none is superseded).
    """
    files = files_in(Path(path))
    index = StatementIndex()
    try:
        for seq, (file, found) in enumerate(objects(files)):
            index.add(seq, statement(file, found))
            report.counts["statements"] += 1
            progress(1)
        index.settle(report)
        yield from _parties(index.latest(files, PARTY_KINDS), index, matcher, report, progress)
        nominations: dict[str, dict[str, list[str]]] = {}
        missing = FirstFew()
        for st in index.latest(files, ("relationship",)):
            progress(1)
            with shaped(st.path, st.found.where(), "BODS"):
                yield from _relationship(st, index, matcher, report, nominations, missing)
        if missing.count:
            report.warnings.append(missing_warning(missing))
        for subject, sides in sorted(nominations.items()):
            for nominee in sides.get("nominee", []):
                for nominator in sides.get("nominator", []):
                    report.counts["relations"] += 1
                    yield Relation(nominee, nominator, RelationType.NOMINEE, source=f"nomination {subject}")
    finally:
        index.close()


PARTY_KINDS = ("entity", "person")


def _parties(statements: Iterator[Statement], index: StatementIndex, matcher: Matcher, report: LoadReport,
             progress: Callable[[int], None]) -> Iterator[Record]:
    for st in statements:
        progress(1)
        with shaped(st.path, st.found.where(), "BODS"):
            entity = _party(st, matcher)
        on_record = matcher.kind_of(entity.id) is not None
        index.parties_add(st.record, entity.id)
        matcher.kinds[entity.id] = entity.kind
        if (st.ours and not on_record) or (not st.ours and entity.id.startswith(PREFIX)):
            matcher.remember(entity)
            report.counts["entity rows"] += 1
            report.counts[entity.kind.value] += 1
            if entity.status == "unknown":
                report.counts["unknown parties"] += 1
            yield entity
            for address in _addresses(st.details):
                yield Entity(address_id(address), EntityKind.ADDRESS, address)
                report.counts["links"] += 1
                yield Link(entity.id, address_id(address), LinkKind.LOCATED_AT)
        else:
            report.counts["matched on record"] += 1


def _party(st: Statement, matcher: Matcher) -> Entity:
    entity = _party_of(st, matcher)
    if st.kept_fields and entity.id == st.node:
        entity = replace(entity, **st.kept_fields)
    return entity


def _party_of(st: Statement, matcher: Matcher) -> Entity:
    d = st.details
    node = st.node
    if st.ours and matcher.kind_of(node) is not None:  # exported from this store: it is on record already
        return Entity(node, matcher.kind_of(node), node)
    if st.kind == "person":
        person_type = d.get("personType") or "knownPerson"
        if person_type != "knownPerson":
            reason = (d.get("unspecifiedPersonDetails") or {}).get("reason") or d.get("missingInfoReason") or person_type
            return Entity(node, EntityKind.PERSON, f"{_UNKNOWN_WORDS.get(person_type, 'unknown person')} ({reason})",
                          status="unknown")
        return Entity(node, EntityKind.PERSON, _person_name(st), birth_date=iso_day(d.get("birthDate")),
                      jurisdiction=_first_code(d.get("nationalities")))
    entity_type = d.get("entityType")
    type_name = entity_type.get("type") if isinstance(entity_type, dict) else entity_type
    jurisdiction = ((d.get("jurisdiction") or d.get("incorporatedInJurisdiction") or {}).get("code"))
    reg_no, scheme_country = _identifier(d.get("identifiers") or [])
    jurisdiction = jurisdiction or scheme_country
    if type_name in ("anonymousEntity", "unknownEntity"):
        reason = (d.get("unspecifiedEntityDetails") or {}).get("reason") or d.get("missingInfoReason") or type_name
        return Entity(node, EntityKind.ORGANIZATION, f"unknown entity ({reason})", status="unknown")
    existing = matcher.by_number(reg_no, jurisdiction) if reg_no else None
    if existing is not None and not existing.id.startswith(PREFIX):
        return existing
    name = d.get("name") or f"unnamed {type_name or 'entity'} {st.record}"
    status = "closed" if st.closed else ("dissolved" if d.get("dissolutionDate") else None)
    aliases = tuple(a for a in (d.get("alternateNames") or []) if isinstance(a, str) and a and a != name)
    return Entity(node, EntityKind.COMPANY if type_name in _COMPANY_TYPES else EntityKind.ORGANIZATION, name,
                  aliases=aliases, reg_no=reg_no, jurisdiction=jurisdiction, status=status,
                  founded=iso_day(d.get("foundingDate")),
                  listed=bool((d.get("publicListing") or {}).get("hasPublicListing")))


_UNKNOWN_WORDS = {"anonymousPerson": "anonymous person", "unknownPerson": "unknown person"}


def _person_name(st: Statement) -> str:
    names = st.details.get("names") or []
    ranked = sorted(names, key=lambda n: n.get("type") not in ("legal", "individual"))
    for n in ranked:
        full = n.get("fullName") or " ".join(p for p in (n.get("givenName"), n.get("familyName")) if p)
        if full:
            return full
    return f"unnamed person {st.record}"


def _identifier(identifiers: list) -> tuple[str | None, str | None]:
    for ident in identifiers:
        if isinstance(ident, dict) and ident.get("id"):
            scheme = str(ident.get("scheme") or "")
            return clean_reg_no(str(ident["id"])), SCHEME_COUNTRIES.get(scheme, scheme[:2] if "-" in scheme else None)
    return None, None


def _first_code(items) -> str | None:
    for item in items or []:
        if isinstance(item, dict) and item.get("code"):
            return item["code"]
    return None


def _addresses(d: dict) -> list[str]:
    return [a["address"].strip() for a in d.get("addresses") or []
            if isinstance(a, dict) and isinstance(a.get("address"), str) and a["address"].strip()]


def _date(st: Statement, text, field_name: str) -> dt.date | None:
    if text in (None, ""):
        return None
    if not isinstance(text, str) or len(text) < 4:
        st.fail(field_name, f"{text!r} is not a date")
    day = iso_day(text)
    if day is None:
        try:  # a year or a year and month: its first day
            parts = [int(p) for p in text[:7].split("-")]
            day = dt.date(parts[0], parts[1] if len(parts) > 1 else 1, 1)
        except (ValueError, IndexError):
            st.fail(field_name, f"{text!r} is not a date")
    return day


def _share(st: Statement, share, field_name: str) -> Share:
    """A BODS share (percentages) as a fraction range; exclusive bounds bound the range too."""
    if not share:
        return Share.unknown()
    if not isinstance(share, dict):
        st.fail(field_name, f"{share!r} is not a share object")

    def number(key):
        value = share.get(key)
        if value is None or isinstance(value, bool):
            return None
        if not isinstance(value, (int, float)) or not 0 <= value <= 100:
            st.fail(f"{field_name}.{key}", f"{value!r} is not a percentage from 0 to 100")
        return round(value / 100, 12)

    exact = number("exact")
    if exact is not None:
        return Share.exact(exact)
    low = number("minimum")
    low = low if low is not None else number("exclusiveMinimum")
    high = number("maximum")
    high = high if high is not None else number("exclusiveMaximum")
    if low is None and high is None:
        return Share.unknown()
    low, high = low if low is not None else 0.0, high if high is not None else 1.0
    if low > high:
        st.fail(field_name, f"minimum {low * 100:g} is above maximum {high * 100:g}")
    return Share(low, high)


def _reference(st: Statement, value, field_name: str) -> tuple[str | None, dict | None]:
    """The record a subject or interested party names, or the reason it is unspecified."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        for key in ("describedByEntityStatement", "describedByPersonStatement"):
            if value.get(key):
                return str(value[key]), None
        if "unspecified" in value:
            return None, value["unspecified"] or {}
        if "reason" in value:
            return None, value
    st.fail(field_name, "names no statement and gives no reason")


def _placeholder(entity: Entity | None, report: LoadReport) -> Iterator[Record]:
    if entity is not None:
        report.counts["entity rows"] += 1
        report.counts["placeholders"] += 1
        yield entity


def _our_tie(st: Statement, parties: StatementIndex, matcher: Matcher, report: LoadReport, missing: FirstFew
             ) -> Iterator[Record]:
    """A declared tie equitygraph exported as an interest naming it, read back as the tie."""
    d = st.details
    subject, held = _node(st, str(d.get("subject")), parties, matcher, missing, EntityKind.COMPANY)
    yield from _placeholder(held, report)
    party, held = _node(st, str(d.get("interestedParty")), parties, matcher, missing, EntityKind.COMPANY)
    yield from _placeholder(held, report)
    for number, interest in enumerate(d.get("interests") or []):
        at = f"interests[{number}]"
        tie = str(interest.get("details"))[len(TIE_PREFIX):]
        if tie not in _TIE_TYPES:
            st.fail(f"{at}.details", f"{tie!r} is not a tie equitygraph knows")
        report.counts["relations"] += 1
        yield Relation(party, subject, RelationType(tie), _date(st, interest.get("startDate"), f"{at}.startDate"),
                       _date(st, interest.get("endDate"), f"{at}.endDate"), st.source,
                       _share(st, interest.get("share"), f"{at}.share"))


_TIE_TYPES = {t.value for t in RelationType}


def _is_our_tie(st: Statement) -> bool:
    interests = st.details.get("interests")
    return st.ours and isinstance(interests, list) and bool(interests) and all(
        isinstance(i, dict) and str(i.get("details") or "").startswith(TIE_PREFIX) for i in interests)


def _relationship(st: Statement, parties: StatementIndex, matcher: Matcher, report: LoadReport,
                  nominations: dict, missing: FirstFew) -> Iterator[Record]:
    if _is_our_tie(st):
        yield from _our_tie(st, parties, matcher, report, missing)
        return
    d = st.details
    subject_ref, _ = _reference(st, d.get("subject"), "subject")
    if subject_ref is None:
        st.fail("subject", "an ownership-or-control statement needs a subject")
    subject, held = _node(st, subject_ref, parties, matcher, missing, EntityKind.COMPANY)
    yield from _placeholder(held, report)
    if matcher.kind_of(subject) not in (EntityKind.COMPANY, EntityKind.ORGANIZATION):
        st.fail("subject", f"{subject_ref!r} is a person; only entities have owners")
    party_ref, unspecified = _reference(st, d.get("interestedParty"), "interestedParty")
    if party_ref is None:
        reason = unspecified.get("reason") or "unknown"
        description = unspecified.get("description")
        party = f"{PREFIX}unspecified:{st.record}"
        report.counts["unknown parties"] += 1
        report.counts["entity rows"] += 1
        report.counts["organization"] += 1
        yield Entity(party, EntityKind.ORGANIZATION,
                     f"unspecified interested party ({reason}{': ' + description if description else ''})",
                     status="unknown")
        matcher.kinds[party] = EntityKind.ORGANIZATION
    else:
        party, held = _node(st, party_ref, parties, matcher, missing, _placeheld(d.get("interestedParty")))
        yield from _placeholder(held, report)
    interests = d.get("interests") or [{}]
    if not isinstance(interests, list):
        st.fail("interests", "is not a list")
    owned: dict[dt.date | None, Relation] = {}
    for number, interest in enumerate(interests):
        at = f"interests[{number}]"
        if not isinstance(interest, dict):
            st.fail(at, "is not an object")
        kind = interest.get("type")
        level = interest.get("directOrIndirect") or interest.get("interestLevel") or "unknown"
        share = _share(st, interest.get("share"), f"{at}.share")
        since = _date(st, interest.get("startDate"), f"{at}.startDate")
        until = _date(st, interest.get("endDate"), f"{at}.endDate")
        if until is None and st.closed:
            until = _date(st, st.date, "statementDate")
        if since and until and until < since:
            st.fail(f"{at}.endDate", f"{until.isoformat()} is before the start {since.isoformat()}")
        if level == "indirect":
            if kind in _INTERESTS:  # an indirect stake; an indirect influence of another kind is no share
                report.counts["relations"] += 1
                yield Relation(party, subject, RelationType.INDIRECT_HOLDER, since, until, st.source, share)
        elif kind in _OFFICER_ROLES:
            report.counts["officers"] += 1
            details = str(interest.get("details") or "")
            yield Officer(party, subject, details if details in OFFICER_ROLES else _OFFICER_ROLES[kind], since, until)
        else:
            if kind in ("nominee", "nominator"):
                nominations.setdefault(subject, {}).setdefault(kind, []).append(party)
            report.counts["holdings"] += 1
            yield Holding(party, subject, share, _INTERESTS.get(kind, Interest.OTHER), since, until, st.source)
        if interest.get("beneficialOwnershipOrControl"):
            # One declared beneficial owner per start date, with the stake of its shareholding if it has one.
            known = owned.get(since)
            if known is None or (not known.share.is_known and share.is_known) or kind == "shareholding":
                owned[since] = Relation(party, subject, RelationType.BENEFICIAL_OWNER, since, until, st.source, share)
    report.counts["relations"] += len(owned)
    yield from owned.values()


def _node(st: Statement, ref: str, parties: StatementIndex, matcher: Matcher, missing: FirstFew,
          kind: EntityKind) -> tuple[str, Entity | None]:
    """The node a statement names, and a placeholder to write where the statement it names is neither
    in the input nor in the store (real extracts name statements they do not hold): kept as a party
    "not in the input" of ``kind``, as the GLEIF loader keeps an LEI it does not hold."""
    node = parties.party(ref) or (ref if st.ours else PREFIX + ref)
    if matcher.kind_of(node) is not None:
        return node, None
    missing.add(f"{ref} (named in {st.source})")
    matcher.kinds[node] = kind
    parties.parties_add(ref, node)
    return node, Entity(node, kind, f"BODS record {ref}", status="not in the input")


def _placeheld(reference) -> EntityKind:
    """The kind of party a reference names, as far as it says (0.2 and 0.3 say whether a person)."""
    return EntityKind.PERSON if isinstance(reference, dict) and reference.get("describedByPersonStatement") \
        else EntityKind.COMPANY


def missing_warning(missing: FirstFew) -> str:
    """One warning for every statement named but not held, with the count and the first few.

    Examples
    --------
    >>> named = FirstFew()
    >>> named.add("a (named in x.json#1)"); named.add("b (named in x.json#2)")
    >>> missing_warning(named)
    '2 statements named are neither in the input nor in the store; each is kept as a placeholder party "not in the input": a (named in x.json#1), b (named in x.json#2)'
    >>> for n in range(6):
    ...     named.add(f"c{n} (named in x.json#{n + 3})")
    >>> missing_warning(named)[-20:]
    'x.json#5) and 3 more'
    """
    count = missing.count
    return (f"{count:,} statement{'s' if count != 1 else ''} named {'are' if count != 1 else 'is'} "
            f"neither in the input nor in the store; each is kept as a placeholder party \"not in the input\": "
            + missing.said())
