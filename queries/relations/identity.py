"""Person identity: which person records may be one person, and the investigator's decisions.

Two records are one person only on evidence (the same ID number, or the same name with the same
birth date: ``graph.analysis.declared.one_person``), or when an investigator says so. A shared name
with other evidence is a *possible* match, scored, with its reasons, and never merged; a shared name
alone is nothing (hundreds of thousands of people are called 王伟).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...graph.errors import EquityGraphError
from ...graph.model import EntityKind, LinkKind, normalize_name
from ...graph.stores.base import Store
from ..i18n import _
from ..render import Result, Section
from ..resolve import resolve_entity

# What each kind of evidence adds to a possible match's score; a match needs MIN_SCORE.
SHARED_PHONE = 0.5
SHARED_ADDRESS = 0.4
COMMON_CO_HOLDER = 0.3
SAME_CITY = 0.15
# Evidence around the companies of persons known by name only (an extract's ``person:<company>:<name>``):
COMPANY_ADDRESS = 0.3
COMPANY_PHONE = 0.4
SAME_COUNTY = 0.3
MIN_SCORE = 0.3
BUSY_HOLDER = 20
#: A name borne by more persons than this is common: the county alone is no evidence for it.
COMMON_NAME = 20


@dataclass(frozen=True)
class PossibleMatch:
    person: str
    other: str
    name: str
    score: float
    reasons: tuple[str, ...]


def possible_matches(store: Store, persons: list[str], as_of: dt.date | None = None) -> list[PossibleMatch]:
    """For each of ``persons``, the persons elsewhere with the same name and enough other evidence.

    The evidence is looked for around the person, not among all namesakes: those who register one
    of the person's addresses or phones, and those who hold a company beside one of the person's
    co-holders; only they are checked for the name. Busy holders (more than ``BUSY_HOLDER``
    holdings: professional nominees, holding vehicles) tie everyone and are not followed. (A common name has hundreds of namesakes; the
    person's neighbourhood has a handful of parties.) The neighbourhood is read in a few batched
    calls for all ``persons`` at once, so a company with many holders costs a few round trips."""
    people = {i: e for i, e in store.get_many(persons).items() if e.kind is EntityKind.PERSON}
    if not people:
        return []
    decided = {(a, b) for a, b, _ in store.identity_decisions()}
    mine = store.edges_touching(list(people))
    contacts = {p: {link.dst: link.kind for link in mine.links if link.src == p} for p in people}
    all_contacts = sorted({d for c in contacts.values() for d in c})
    places = store.get_many(all_contacts)
    sharing = store.edges_touching(all_contacts).links if all_contacts else []
    busy = {p for p, n in store.holding_counts(list(people)).items() if n > BUSY_HOLDER}
    held = {p: {h.company_id for h in mine.holdings if h.holder_id == p and p not in busy and h.in_force(as_of)}
            for p in people}
    holders_of = _holders_of(store, set().union(*held.values()), as_of)
    co_holders = {p: set().union(*(holders_of.get(c, set()) for c in held[p])) - {p} for p in people}
    beside = _companies_of(store, set().union(*co_holders.values()), as_of)
    elsewhere = {c: hs for c, hs in beside.items() if c not in holders_of}
    holders_of.update(_holders_of(store, set(elsewhere), as_of))
    found = []
    for person, entity in people.items():
        name = normalize_name(entity.name)
        reasons: dict[str, list[str]] = {}
        scores: dict[str, float] = {}
        mine_contacts = contacts[person]
        for link in sharing:
            if link.dst in mine_contacts and link.src != person:
                what = "address" if mine_contacts[link.dst] is LinkKind.LOCATED_AT else "phone or e-mail"
                text = places[link.dst].name if link.dst in places else link.dst
                said = _("the same address ({text})") if what == "address" else _("the same phone or e-mail ({text})")
                reasons.setdefault(link.src, []).append(said.format(text=text))
                scores[link.src] = scores.get(link.src, 0.0) + (SHARED_ADDRESS if what == "address" else SHARED_PHONE)
        tied_by: dict[str, set[str]] = {}
        for company, holders in elsewhere.items():
            via = holders & co_holders[person]
            if via and company not in held[person]:
                for other in holders_of.get(company, set()) - {person} - holders:
                    tied_by.setdefault(other, set()).update(via)
        for other, via in tied_by.items():
            reasons.setdefault(other, []).append(_("companies held together with {who}").format(who=", ".join(sorted(via)[:3])))
            scores[other] = scores.get(other, 0.0) + COMMON_CO_HOLDER
        for other, (score, said) in _around_companies(store, person, entity, mine, as_of).items():
            scores[other] = scores.get(other, 0.0) + score
            reasons.setdefault(other, []).extend(said)
        candidates = {i: e for i, e in store.get_many(scores).items() if e.kind is EntityKind.PERSON
                      and normalize_name(e.name) == name and tuple(sorted((person, i))) not in decided
                      and not (entity.identity and entity.identity == e.identity)}
        if not candidates:
            continue
        my_cities = {_city(places[d].name) for d, kind in mine_contacts.items()
                     if kind is LinkKind.LOCATED_AT and d in places}
        theirs = store.edges_touching(sorted(candidates)).links
        addresses = store.get_many(sorted({link.dst for link in theirs if link.kind is LinkKind.LOCATED_AT}))
        for other in sorted(candidates):
            score, said = scores[other], list(dict.fromkeys(reasons[other]))
            cities = {_city(addresses[link.dst].name) for link in theirs
                      if link.src == other and link.dst in addresses} & my_cities - {""}
            if cities:
                said.append(_("both registered in {city}").format(city=sorted(cities)[0]))
                score += SAME_CITY
            if score >= MIN_SCORE:
                found.append(PossibleMatch(person, other, entity.name, min(score, 0.95), tuple(said)))
    return found


def _around_companies(store: Store, person: str, entity, mine, as_of) -> dict[str, tuple[float, list[str]]]:
    """The namesakes of ``person`` whose companies (held or served) share an address or a phone with
    the person's companies, a holder, or the county their credit codes name: what is known of two
    persons an extract names only by name is their companies. Each with its score and reasons."""
    own = _companies_of_person(mine, person, as_of)
    if not own:
        return {}
    hits = store.search(entity.name, limit=COMMON_NAME + 1, exact_only=True)
    namesakes = [h.entity.id for h in hits if h.entity.kind is EntityKind.PERSON and h.entity.id != person
                 and normalize_name(h.entity.name) == normalize_name(entity.name)]
    if not namesakes:
        return {}
    common = len(hits) > COMMON_NAME
    theirs = store.edges_touching(namesakes)
    companies_of = {q: _companies_of_person(theirs, q, as_of) - own for q in namesakes}
    every = sorted(own | set().union(*companies_of.values()))
    around = store.edges_touching(every)
    registered = store.get_many(every)
    contacts = {c: {(l.dst, l.kind) for l in around.links if l.src == c} for c in every}
    holders = {c: {h.holder_id for h in around.holdings if h.company_id == c and h.in_force(as_of)} - {person}
               for c in every}
    every_holder = sorted(set().union(*holders.values()))
    busy = {h for h, n in store.holding_counts(every_holder).items() if n > BUSY_HOLDER}
    holder_entities = store.get_many(every_holder)

    def key(holder: str):
        """A holder as two companies have it in common: itself, or for a person known by name
        only, its name (the 赵磊 beside 付茂玲 in two companies)."""
        found = holder_entities.get(holder)
        if found is not None and found.kind is EntityKind.PERSON and not found.identity:
            return ("person", normalize_name(found.name))
        return holder

    def label(k) -> str:
        return k[1] if isinstance(k, tuple) else (holder_entities[k].name if k in holder_entities else k)

    places = store.get_many(sorted({d for c in own for d, _ in contacts[c]}))
    my_contacts = {pair for c in own for pair in contacts[c]}
    my_holders = {key(h) for c in own for h in holders[c] - busy}
    my_counties = {_county(registered[c].reg_no) for c in own if c in registered} - {""}
    found: dict[str, tuple[float, list[str]]] = {}
    for other, companies in companies_of.items():
        score, said = 0.0, []
        shared = {pair for c in companies for pair in contacts[c]} & my_contacts
        for dst, kind in sorted(shared, key=lambda pair: pair[0])[:2]:
            text = places[dst].name if dst in places else dst
            what = "address" if kind is LinkKind.LOCATED_AT else "phone or e-mail"
            said.append((_("their companies share the address ({text})") if what == "address" else
                         _("their companies share the phone or e-mail ({text})")).format(text=text))
            score += COMPANY_ADDRESS if kind is LinkKind.LOCATED_AT else COMPANY_PHONE
        together = {key(h) for c in companies for h in holders[c] - busy - {other}} & my_holders
        together.discard(("person", normalize_name(entity.name)))
        if together:
            said.append(_("their companies have a holder in common ({who})").format(
                who=", ".join(sorted(map(label, together))[:3])))
            score += COMMON_CO_HOLDER
        counties = {_county(registered[c].reg_no) for c in companies if c in registered} & my_counties
        if counties and not common:
            said.append(_("their companies are registered in the same county (code {code})").format(code=sorted(counties)[0]))
            score += SAME_COUNTY
        if said:
            found[other] = (score, said)
    return found


def _companies_of_person(edges, person: str, as_of) -> set[str]:
    """The companies ``person`` holds or serves, as of ``as_of``."""
    return ({h.company_id for h in edges.holdings if h.holder_id == person and h.in_force(as_of)}
            | {o.company_id for o in edges.officers if o.person_id == person and o.in_force(as_of)})


def _county(reg_no: str | None) -> str:
    """The county (administrative division) a unified social credit code names: its digits 3 to 8."""
    code = (reg_no or "").upper()
    return code[2:8] if len(code) == 18 and code[2:8].isdigit() else ""


def _holders_of(store: Store, companies: set[str], as_of) -> dict[str, set[str]]:
    """Who holds each of ``companies``."""
    out: dict[str, set[str]] = {}
    if companies:
        for h in store.edges_touching(sorted(companies)).holdings:
            if h.company_id in companies and h.in_force(as_of):
                out.setdefault(h.company_id, set()).add(h.holder_id)
    return out


def _companies_of(store: Store, holders: set[str], as_of, limit: int = BUSY_HOLDER) -> dict[str, set[str]]:
    """For each company one of ``holders`` holds, which of them hold it (the busiest holders, such
    as professional nominees, are left out: they tie everyone)."""
    counts = store.holding_counts(sorted(holders))
    holders = {h for h in holders if counts.get(h, 0) <= limit}
    if not holders:
        return {}
    out: dict[str, set[str]] = {}
    for h in store.edges_touching(sorted(holders)).holdings:
        if h.holder_id in holders and h.in_force(as_of):
            out.setdefault(h.company_id, set()).add(h.holder_id)
    return out


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
        verdict = (_("the same person: control, related parties and clusters now count them as one") if self.same
                   else _("not the same person: never suggested as a match again"))
        return [Section(_("Identity decision kept"), ["", ""],
                        [(_("persons"), f"{self.a.name} ({self.a.id}) {_('and')} {self.b.name} ({self.b.id})"),
                         (_("decision"), verdict)])]


def decide(store: Store, first: str, second: str, same: bool, note: str | None = None):
    """Keep an investigator's decision that two person records are (not) one person; or, with
    ``list:ID`` as either, that a party is (not) that entry of a screened list (:mod:`..screen`)."""
    from ..screen import PREFIX, decide_listing

    if second.startswith(PREFIX) or first.startswith(PREFIX):
        party, listing = (first, second) if second.startswith(PREFIX) else (second, first)
        return decide_listing(store, party, listing, same, note)
    a, b = resolve_entity(store, first), resolve_entity(store, second)
    for entity in (a, b):
        if entity.kind is not EntityKind.PERSON:
            raise EquityGraphError(f"{entity.name} ({entity.id}) is a {entity.kind.value}; only persons are matched")
    if a.id == b.id:
        raise EquityGraphError(f"{first!r} and {second!r} are one record ({a.id}) already")
    store.decide_identity(a.id, b.id, same, note)
    return IdentityDecision(a, b, same)


@dataclass
class Candidates(Result):
    """The persons a person record may be, best first, each with its evidence."""

    person: object
    matches: list[PossibleMatch]
    names: dict[str, str]

    def to_dict(self) -> dict:
        return {"person": {"id": self.person.id, "name": self.person.name},
                "candidates": [{"id": m.other, "name": self.names.get(m.other, m.other), "score": round(m.score, 3),
                                "reasons": list(m.reasons)} for m in self.matches]}

    def sections(self) -> list[Section]:
        return [Section(_("Persons {name} ({id}) may be").format(name=self.person.name, id=self.person.id),
                        ["id", "score", "evidence"], [(m.other, f"{m.score:.2f}", "; ".join(m.reasons)) for m in self.matches],
                        note=_("decide with: equitygraph same {id} OTHER (or not-same)").format(id=self.person.id)
                        if self.matches else "", empty="no person of that name with more evidence than the name")]


def candidates(store: Store, name: str, as_of: dt.date | None = None) -> Candidates:
    """The persons elsewhere that the person ``name`` resolves to may be (:func:`possible_matches`)."""
    person = resolve_entity(store, name)
    if person.kind is not EntityKind.PERSON:
        raise EquityGraphError(f"{person.name} ({person.id}) is a {person.kind.value}; only persons are matched")
    matches = sorted(possible_matches(store, [person.id], as_of), key=lambda m: (-m.score, m.other))
    names = {i: e.name for i, e in store.get_many([m.other for m in matches]).items()}
    return Candidates(person, matches, names)
