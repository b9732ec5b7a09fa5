"""Person identity: which person records may be one person, and the investigator's decisions.

Two records are one person only on evidence (the same ID number, or the same name with the same
birth date: ``graph.analysis.declared.one_person``), or when an investigator says so. A shared name
with other evidence is a *possible* match, scored, with its reasons, and never merged; a shared name
alone is nothing (hundreds of thousands of people are called 王伟).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..graph.errors import EquityGraphError
from ..graph.model import EntityKind, LinkKind, normalize_name
from ..graph.stores.base import Store
from .render import Result, Section
from .resolve import resolve_entity

# What each kind of evidence adds to a possible match's score; a match needs MIN_SCORE.
SHARED_PHONE = 0.5
SHARED_ADDRESS = 0.4
COMMON_CO_HOLDER = 0.3
SAME_CITY = 0.15
MIN_SCORE = 0.3
NAMESAKES_LOOKED_AT = 200


@dataclass(frozen=True)
class PossibleMatch:
    person: str
    other: str
    name: str
    score: float
    reasons: tuple[str, ...]


def possible_matches(store: Store, persons: list[str], as_of: dt.date | None = None) -> list[PossibleMatch]:
    """For each of ``persons``, the persons elsewhere with the same name and enough other evidence."""
    people = {i: e for i, e in store.get_many(persons).items() if e.kind is EntityKind.PERSON}
    if not people:
        return []
    decided = {(a, b): same for a, b, same in store.identity_decisions()}
    found = []
    for person, entity in people.items():
        namesakes = [h.entity for h in store.search(entity.name, limit=NAMESAKES_LOOKED_AT, exact_only=True)
                     if h.entity.kind is EntityKind.PERSON and h.entity.id != person
                     and normalize_name(h.entity.name) == normalize_name(entity.name)]
        namesakes = [q for q in namesakes if tuple(sorted((person, q.id))) not in decided
                     and not (entity.identity and entity.identity == q.identity)]
        if not namesakes:
            continue
        edges = store.edges_touching([person, *(q.id for q in namesakes)])
        contacts = {}
        for link in edges.links:
            contacts.setdefault(link.src, {})[link.dst] = link.kind
        held = {}
        for h in edges.holdings:
            if h.in_force(as_of):
                held.setdefault(h.holder_id, set()).add(h.company_id)
        co_holders = _co_holders(store, {c for cs in held.values() for c in cs}, as_of)
        places = store.get_many({d for ds in contacts.values() for d in ds})
        mine = contacts.get(person, {})
        my_cities = {_city(places[d].name) for d, kind in mine.items() if kind is LinkKind.LOCATED_AT and d in places}
        for q in namesakes:
            theirs = contacts.get(q.id, {})
            reasons, score = [], 0.0
            for shared in sorted(set(mine) & set(theirs)):
                what = "address" if mine[shared] is LinkKind.LOCATED_AT else "phone or e-mail"
                reasons.append(f"the same {what} ({places[shared].name if shared in places else shared})")
                score += SHARED_ADDRESS if what == "address" else SHARED_PHONE
            common = (_holders_of(co_holders, held.get(person, set())) & _holders_of(co_holders, held.get(q.id, set()))
                      ) - {person, q.id}
            if common:
                reasons.append(f"companies held together with {', '.join(sorted(common)[:3])}")
                score += COMMON_CO_HOLDER
            cities = {_city(places[d].name) for d, kind in theirs.items() if kind is LinkKind.LOCATED_AT and d in places}
            same_city = (my_cities & cities) - {""}
            if same_city and reasons:
                reasons.append(f"both registered in {sorted(same_city)[0]}")
                score += SAME_CITY
            if score >= MIN_SCORE:
                found.append(PossibleMatch(person, q.id, entity.name, min(score, 0.95), tuple(reasons)))
    return found


def _co_holders(store: Store, companies: set[str], as_of) -> dict[str, set[str]]:
    if not companies:
        return {}
    holders: dict[str, set[str]] = {}
    for h in store.edges_touching(list(companies)).holdings:
        if h.company_id in companies and h.in_force(as_of):
            holders.setdefault(h.company_id, set()).add(h.holder_id)
    return holders


def _holders_of(co_holders: dict[str, set[str]], companies: set[str]) -> set[str]:
    return {h for c in companies for h in co_holders.get(c, set())}


def _city(address: str) -> str:
    """The city an address names (the part up to 市), or nothing."""
    cut = address.find("市")
    return address[: cut + 1] if 0 < cut <= 8 else ""


@dataclass
class IdentityDecision(Result):
    a: object
    b: object
    same: bool

    def to_dict(self) -> dict:
        return {"a": {"id": self.a.id, "name": self.a.name}, "b": {"id": self.b.id, "name": self.b.name},
                "same": self.same}

    def sections(self) -> list[Section]:
        verdict = ("the same person: control, related parties and clusters now count them as one" if self.same
                   else "not the same person: never suggested as a match again")
        return [Section("Identity decision kept", ["", ""],
                        [("persons", f"{self.a.name} ({self.a.id}) and {self.b.name} ({self.b.id})"),
                         ("decision", verdict)])]


def decide(store: Store, first: str, second: str, same: bool, note: str | None = None) -> IdentityDecision:
    """Keep an investigator's decision that two person records are (not) one person."""
    a, b = resolve_entity(store, first), resolve_entity(store, second)
    for entity in (a, b):
        if entity.kind is not EntityKind.PERSON:
            raise EquityGraphError(f"{entity.name} ({entity.id}) is a {entity.kind.value}; only persons are matched")
    if a.id == b.id:
        raise EquityGraphError(f"{first!r} and {second!r} are one record ({a.id}) already")
    store.decide_identity(a.id, b.id, same, note)
    return IdentityDecision(a, b, same)
