"""Related parties of a named company: the legal ones (IAS 24, China's Accounting Standard No. 36,
the listing rules), each with the rule it meets and the path that shows it, kept apart from the
suspected links investigators look for (shared contacts, shared officers, common holders, persons
who may be one person), each with a strength and the reason in words.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from ...graph.errors import EquityGraphError
from ...graph.model import FAMILY_TIES, Entity, EntityKind, Holding, LinkKind, Officer, Relation, RelationType
from ...graph.roles import KEY_MANAGEMENT_ROLES, MANAGING_ROLES
from ...graph.stores.base import Store
from ..i18n import N_, _, known, role_name
from ..render import Result, Section, iso
from ..resolve import resolve_entity

RULES = {
    "controller": N_("controls the company (IAS 24.9(a)(i); CAS 36 art. 3-4(1),(2))"),
    "actual_controller": N_("its actual controller, at the top of the control chain (IAS 24.9(a)(i); CAS 36 art. 4)"),
    "subsidiary": N_("the company controls it, directly or through companies it controls (IAS 24.9(b)(i); CAS 36 art. 4(3))"),
    "fellow_subsidiary": N_("under the same actual controller (IAS 24.9(b)(i); CAS 36 art. 4(4))"),
    "associate": N_("the company holds at least {associate} of it: an associate or joint venture (IAS 24.9(b)(ii); "
                 "CAS 36 art. 4(7),(8))"),
    "significant_investor": N_("holds at least {associate} of the company: significant influence (IAS 24.9(a)(ii); "
                            "CAS 36 art. 4(6))"),
    "major_holder": N_("holds at least {major} of the company (SSE/SZSE Listing Rules 6.3.3; 上市公司信息披露管理办法 art. 62)"),
    "key_management": N_("key management personnel of the company or of its controller (IAS 24.9(a)(iii); CAS 36 art. 4(9))"),
    "managed_by_key_management": N_("controlled or managed by its key management personnel or their close family "
                                 "(IAS 24.9(b)(vi),(vii); CAS 36 art. 4(10))"),
    "family": N_("a close family member of its key management or controller (IAS 24.9(a); CAS 36 art. 4(9))"),
    "concert_party": N_("acts in concert with a holder or controller of the company (上市公司收购管理办法 art. 83)"),
    "shared_address": N_("registers the same address"),
    "shared_contact": N_("registers the same phone or e-mail"),
    "shared_officer": N_("has an officer in common with the company"),
    "common_holder": N_("has a holder in common with the company"),
    "possible_same_person": N_("a person with the same name and more evidence that they may be one person"),
}
BUSY_CONTACT = 20  # a contact shared by more parties than this is a registration agent's


@dataclass(frozen=True)
class Hop:
    """One step of the evidence: ``src`` - ``what`` -> ``dst``."""

    src: str
    dst: str
    what: str  # "holds", "officer", "controls", "address", "contact", or a declared tie
    detail: str = ""  # the share, the role, the address or phone
    since: str | None = None
    until: str | None = None

    def describe(self, name) -> str:
        when = _(" since {day}").format(day=self.since) if self.since else ""
        when += _(" until {day}").format(day=self.until) if self.until else ""
        detail = f" {role_name(self.detail) if self.what == 'officer' else self.detail}" if self.detail else ""
        return f"{name(self.src)} -{_(self.what)}{detail}{when}-> {name(self.dst)}"


@dataclass(frozen=True)
class RelatedParty:
    entity_id: str
    category: str  # "legal" or "suspected"
    relation: str  # a key of RULES
    rule: str
    strength: float  # 1 for legal; 0-1 for suspected
    reason: str
    evidence: tuple[Hop, ...] = ()


@dataclass
class RelatedReport(Result):
    entity: Entity
    as_of: dt.date | None
    parties: list[RelatedParty]
    names: dict[str, str]
    kinds: dict[str, str]
    notes: list[str] = field(default_factory=list)
    listed: list = field(default_factory=list)  # OnList rows of the company and its related parties

    def name(self, entity_id: str) -> str:
        return self.names.get(entity_id, entity_id)

    @property
    def legal(self) -> list[RelatedParty]:
        return [p for p in self.parties if p.category == "legal"]

    @property
    def suspected(self) -> list[RelatedParty]:
        return [p for p in self.parties if p.category == "suspected"]

    def to_dict(self) -> dict:
        def party(p: RelatedParty) -> dict:
            return {"id": p.entity_id, "name": self.name(p.entity_id), "kind": self.kinds.get(p.entity_id),
                    "relation": p.relation, "rule": p.rule, "strength": round(p.strength, 4), "reason": p.reason,
                    "evidence": [h.__dict__ for h in p.evidence]}

        return {"entity": {"id": self.entity.id, "name": self.entity.name},
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "legal": [party(p) for p in self.legal], "suspected": [party(p) for p in self.suspected],
                "notes": self.notes, "listed": [o.__dict__ for o in self.listed]}

    def records(self) -> list[dict]:
        return [{"company_id": self.entity.id, "category": p.category, "relation": p.relation,
                 "party_id": p.entity_id, "party_name": self.name(p.entity_id), "party_kind": self.kinds.get(p.entity_id),
                 "strength": round(p.strength, 4), "rule": p.rule, "reason": p.reason,
                 "evidence": " ; ".join(h.describe(self.name) for h in p.evidence)} for p in self.parties]

    def sections(self) -> list[Section]:
        when = _(" as of {day}").format(day=self.as_of.isoformat()) if self.as_of else ""
        legal = Section(_("Related parties of {name}{when}: in law").format(name=self.entity.name, when=when),
                        ["relation", "party", "id", "evidence"],
                        [(_(p.relation.replace("_", " ")), self.name(p.entity_id), p.entity_id,
                          " ; ".join(h.describe(self.name) for h in p.evidence)) for p in self.legal],
                        note="; ".join(self.notes))
        suspected = Section(_("Suspected links (not related parties in law)"), ["link", "party", "id", "strength", "why"],
                            [(_(p.relation.replace("_", " ")), self.name(p.entity_id), p.entity_id, f"{p.strength:.2f}",
                              p.reason) for p in self.suspected])
        if not self.listed:
            return [legal, suspected]
        from ..listed import listed_section

        how = {p.entity_id: p.relation.replace("_", " ") for p in reversed(self.parties)} | {self.entity.id: "itself"}
        return [legal, suspected, listed_section(self.listed, how)]


def related_parties(store: Store, name: str, as_of: dt.date | None = None, *, legal: bool = True,
                    suspected: bool = True, depth: int = 2, associate: float = 0.20, major: float = 0.05,
                    standing=None) -> RelatedReport:
    """The related parties of the company ``name`` resolves to; see the module docstring.

    ``standing`` answers who controls whom elsewhere in the graph (``queries.relations.standing.standing``);
    ``depth`` is how far suspected links are followed from the company (1: its own contacts,
    officers and holders; 2: also those of its controller and key management).
    """
    from ..control.report import control_report
    from .standing import standing as find_standing

    entity = resolve_entity(store, name)
    if entity.kind is EntityKind.PERSON:
        raise EquityGraphError(f"{entity.name} ({entity.id}) is a person; related parties are asked of companies and "
                               "organizations (a person's companies: equitygraph company)")
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    found = _Found(entity.id, store)
    control = control_report(store, entity.id, as_of=as_of)
    world = standing if standing is not None else find_standing(store, as_of)
    edges = store.edges_touching([entity.id])
    holders = [h for h in edges.holdings if h.company_id == entity.id and h.in_force(as_of)]
    holdings = [h for h in edges.holdings if h.holder_id == entity.id and h.in_force(as_of)]
    officers = [o for o in edges.officers if o.company_id == entity.id and o.in_force(as_of)]
    relations = [r for r in edges.relations if r.in_force(as_of)]
    controllers = _controllers(found, control)
    _subsidiaries(found, world, entity.id, holdings)
    _fellows(found, world, control.actual_controllers)
    _stakes(found, holders, holdings, associate, major)
    key_people = _key_management(found, store, officers, controllers, as_of)
    _managed_by(found, store, world, key_people, entity.id, as_of)
    family = _declared(found, store, [*key_people, *controllers, *(h.holder_id for h in holders)], relations, as_of)
    _controlled_by_family(found, world, family, entity.id)
    if suspected:
        reach = [entity.id] + ([*controllers, *key_people] if depth >= 2 else [])
        _shared_contacts(found, store, reach)
        _shared_officers(found, store, officers, as_of)
        _common_holders(found, store, holders, as_of)
        _possible_same(found, store, [*(h.holder_id for h in holders), *key_people, *controllers], as_of)
    parties = [p for p in found.parties.values() if (legal or p.category != "legal")
               and (suspected or p.category != "suspected")]
    parties.sort(key=lambda p: (p.category != "legal", -p.strength, list(RULES).index(p.relation), p.entity_id))
    people = store.get_many({p.entity_id for p in parties} | {h.src for p in parties for h in p.evidence}
                            | {h.dst for p in parties for h in p.evidence} | {entity.id})
    notes = [_("rules applied: associates at {associate}, major holders at {major}").format(
        associate=f"{associate * 100:g} %", major=f"{major * 100:g} %")]
    if control.verdict not in ("single", "joint"):
        notes.append(_("control of the company is {verdict}: {reason}").format(verdict=_(control.verdict),
                                                                             reason=control.reason))
    listed = _on_lists(store, entity, parties, [*controllers, *control.actual_controllers], notes)
    return RelatedReport(entity, as_of, parties, {i: e.name for i, e in people.items()},
                         {i: e.kind.value for i, e in people.items()}, notes, listed)


def _on_lists(store: Store, entity: Entity, parties: list[RelatedParty], controllers: list[str], notes: list[str]):
    """The company and its related parties on lists; a controller confirmed as sanctioned or wanted
    is said first among the notes ("controlled by a sanctioned person")."""
    from ..listed import GRAVE, on_lists

    listed = on_lists(store, {entity.id, *controllers, *(p.entity_id for p in parties)})
    for o in listed:
        if o.status == "confirmed" and o.category in GRAVE and o.party in controllers:
            notes.insert(0, _("controlled by a {category} party: {name} ({id}), {what}").format(
                category=_(o.category), name=o.name, id=o.party, what=o.what))
    return listed


class _Found:
    """The related parties found so far: one entry a party, legal before suspected, strongest kept."""

    def __init__(self, company: str, store: Store | None = None):
        self.company = company
        self.store = store
        self.parties: dict[str, RelatedParty] = {}
        self._names: dict[str, str] = {}

    def name(self, entity_id: str) -> str:
        """``name (id)`` for the reasons in words."""
        if entity_id not in self._names and self.store is not None:
            entity = self.store.get(entity_id)
            self._names[entity_id] = f"{entity.name} ({entity_id})" if entity else entity_id
        return self._names.get(entity_id, entity_id)

    def add(self, party: str, relation: str, evidence=(), strength: float = 1.0, reason: str = "", **rule_args) -> None:
        if party == self.company:
            return
        category = "legal" if strength >= 1.0 and relation in _LEGAL else "suspected"
        rule = _(RULES[relation]).format(**{k: f"{v * 100:g} %" for k, v in rule_args.items()})
        new = RelatedParty(party, category, relation, rule, min(strength, 1.0), reason or rule, tuple(evidence))
        old = self.parties.get(party)
        if old is None or (old.category, -old.strength) > (new.category, -new.strength):
            self.parties[party] = new


_LEGAL = ("controller", "actual_controller", "subsidiary", "fellow_subsidiary", "associate", "significant_investor",
          "major_holder", "key_management", "managed_by_key_management", "family", "concert_party")


def _share(h: Holding) -> str:
    return known(h.share.describe())



def _holding_hop(h: Holding) -> Hop:
    return Hop(h.holder_id, h.company_id, "holds", _share(h), iso(h.since), iso(h.until))


def _controllers(found: _Found, control) -> list[str]:
    """The company's controllers up the chain, the actual controller(s) at the top."""
    path = [Hop(h.controller, h.controlled, "controls", _("{rule}, {share} of the votes").format(
        rule=_(h.rule), share=f"{h.low * 100:.2f} %")) for h in control.hops]
    above = []
    for k, hop in enumerate(control.hops):
        is_top = hop.controller in control.actual_controllers
        found.add(hop.controller, "actual_controller" if is_top else "controller", path[: k + 1])
        above.append(hop.controller)
    return list(dict.fromkeys(above))


def _subsidiaries(found: _Found, world, company: str, holdings: list[Holding], limit: int = 2000) -> None:
    frontier, seen, trail = [company], {company}, {company: []}
    while frontier and len(seen) < limit:
        nxt = []
        for parent in frontier:
            for child in world.children(parent):
                if child not in seen:
                    seen.add(child)
                    trail[child] = trail[parent] + [Hop(parent, child, "controls")]
                    found.add(child, "subsidiary", trail[child])
                    nxt.append(child)
        frontier = nxt


def _fellows(found: _Found, world, actual: tuple[str, ...], limit: int = 200) -> None:
    if not actual:
        return
    members = world.group_members(actual)
    for member in members[:limit]:
        found.add(member, "fellow_subsidiary", [Hop(" | ".join(actual), member, "controls (actual)")])


def _stakes(found: _Found, holders: list[Holding], holdings: list[Holding], associate: float, major: float) -> None:
    for h in holdings:
        if h.share.is_known and h.share.low >= associate - 1e-9:
            found.add(h.company_id, "associate", [_holding_hop(h)], associate=associate)
    for h in holders:
        if not h.share.is_known:
            continue
        if h.share.low >= associate - 1e-9:
            found.add(h.holder_id, "significant_investor", [_holding_hop(h)], associate=associate)
        elif h.share.low >= major - 1e-9:
            found.add(h.holder_id, "major_holder", [_holding_hop(h)], major=major)


def _key_management(found: _Found, store: Store, officers: list[Officer], controllers: list[str],
                    as_of) -> list[str]:
    people = []
    for o in officers:
        if o.role in KEY_MANAGEMENT_ROLES:
            found.add(o.person_id, "key_management", [Hop(o.person_id, o.company_id, "officer", o.role, iso(o.since))])
            people.append(o.person_id)
    companies_above = [c for c in controllers[:1]]
    if companies_above:
        for o in store.edges_touching(companies_above).officers:
            if o.company_id in companies_above and o.role in KEY_MANAGEMENT_ROLES and o.in_force(as_of):
                found.add(o.person_id, "key_management",
                          [Hop(o.person_id, o.company_id, "officer", o.role, iso(o.since)),
                           Hop(o.company_id, found.company, "controls")])
                people.append(o.person_id)
    return list(dict.fromkeys(people))


def _managed_by(found: _Found, store: Store, world, people: list[str], company: str, as_of) -> None:
    if not people:
        return
    edges = store.edges_touching(people)
    for o in edges.officers:
        if o.person_id in people and o.company_id != company and o.role in MANAGING_ROLES and o.in_force(as_of):
            found.add(o.company_id, "managed_by_key_management",
                      [Hop(o.person_id, company, "officer of"), Hop(o.person_id, o.company_id, "officer", o.role)])
    for person in people:
        for child in world.children(person):
            if child != company:
                found.add(child, "managed_by_key_management",
                          [Hop(person, company, "officer of"), Hop(person, child, "controls")])


def _declared(found: _Found, store: Store, people: list[str], relations: list[Relation], as_of) -> dict[str, Hop]:
    """Declared ties of the company's people: family (who are related parties, and so are the
    companies they control) and concert parties. Returns the family members with their tie."""
    wanted = set(people)
    ties = list(relations)
    if wanted:
        ties += [r for r in store.edges_touching(list(wanted)).relations if r.in_force(as_of)]
    family = {}
    for r in {t.key: t for t in ties}.values():
        for me, other in ((r.a, r.b), (r.b, r.a)):
            if me not in wanted and me != found.company:
                continue
            hop = Hop(r.a, r.b, r.type.value.replace("_", " "), "", iso(r.since), iso(r.until))
            if r.type in FAMILY_TIES:
                found.add(other, "family", [hop])
                family[other] = hop
            elif r.type is RelationType.CONCERT_PARTY:
                found.add(other, "concert_party", [hop])
    return family


def _controlled_by_family(found: _Found, world, family: dict[str, Hop], company: str) -> None:
    for person, tie in family.items():
        for child in world.children(person):
            if child != company:
                found.add(child, "managed_by_key_management", [tie, Hop(person, child, "controls")])


def _shared_contacts(found: _Found, store: Store, reach: list[str]) -> None:
    mine = [link for link in store.edges_touching(reach).links if link.src in reach]
    if not mine:
        return
    texts = store.get_many({link.dst for link in mine})
    sharing = store.edges_touching(list({link.dst for link in mine})).links
    tenants: dict[str, set[str]] = {}
    for link in sharing:
        tenants.setdefault(link.dst, set()).add(link.src)
    for link in mine:
        others = tenants.get(link.dst, set()) - set(reach)
        is_address = link.kind is LinkKind.LOCATED_AT
        base = 0.5 if is_address else 0.7
        text = texts[link.dst].name if link.dst in texts else link.dst
        count = len(tenants.get(link.dst, ()))
        # A contact many parties share (a registration agent's) says little about any one of them.
        strength = base / (1 + math.log(max(count - 1, 1))) if count <= BUSY_CONTACT else 0.05
        said = (_("registers the same address ({text}) as {whom}; shared by {n} parties") if is_address else
                _("registers the same phone or e-mail ({text}) as {whom}; shared by {n} parties"))
        for other in others:
            whom = _("the company") if link.src == found.company else found.name(link.src)
            reason = said.format(text=text, whom=whom, n=count) + (
                _("; a registration agent's, most likely") if count > BUSY_CONTACT else "")
            found.add(other, "shared_address" if is_address else "shared_contact",
                      [Hop(link.src, link.dst, "address" if is_address else "contact", text),
                       Hop(other, link.dst, "address" if is_address else "contact", text)], strength, reason)


def _shared_officers(found: _Found, store: Store, officers: list[Officer], as_of) -> None:
    people = {o.person_id: o for o in officers}
    if not people:
        return
    for o in store.edges_touching(list(people)).officers:
        if o.company_id != found.company and o.person_id in people and o.in_force(as_of):
            mine = people[o.person_id]
            found.add(o.company_id, "shared_officer",
                      [Hop(o.person_id, found.company, "officer", mine.role), Hop(o.person_id, o.company_id, "officer", o.role)],
                      0.6, _("{who} is {role} here and {other_role} there").format(
                          who=found.name(o.person_id), role=role_name(mine.role), other_role=role_name(o.role)))


def _common_holders(found: _Found, store: Store, holders: list[Holding], as_of) -> None:
    by_holder = {h.holder_id: h for h in holders}
    if not by_holder:
        return
    theirs = [h for h in store.edges_touching(list(by_holder)).holdings
              if h.holder_id in by_holder and h.company_id != found.company and h.in_force(as_of)]
    spread = {holder: sum(1 for h in theirs if h.holder_id == holder) for holder in by_holder}
    for h in theirs:
        mine = by_holder[h.holder_id]
        low = min(mine.share.high if mine.share.is_known else 0.1, h.share.high if h.share.is_known else 0.1)
        # A holder of stakes in many companies (a professional nominee, an investment fund) links each weakly.
        strength = 0.3 + 0.5 * low / (1 + math.log(max(spread[h.holder_id], 1)))
        found.add(h.company_id, "common_holder", [_holding_hop(mine), _holding_hop(h)], strength,
                  _("{who} holds {mine} of the company and {theirs} of it").format(
                      who=found.name(h.holder_id), mine=_share(mine), theirs=_share(h))
                  + (_(" (and stakes in {n} companies)").format(n=spread[h.holder_id]) if spread[h.holder_id] > 3 else ""))


def _possible_same(found: _Found, store: Store, people: list[str], as_of) -> None:
    """Persons named alike elsewhere are a suspected link only with more evidence: a shared address
    or phone, a company in common, the same registered city. A name alone is nothing; a rejected
    match is never shown; a confirmed one is the same person already."""
    from .identity import possible_matches

    persons = [p for p in dict.fromkeys(people)]
    for match in possible_matches(store, persons, as_of):
        hop = Hop(match.person, match.other, "may be", "; ".join(match.reasons))
        found.add(match.other, "possible_same_person", [hop], match.score,
                  _("{who} and {other} share the name, and {reasons}").format(
                      who=found.name(match.person), other=found.name(match.other), reasons="; ".join(match.reasons)))
        for h in store.edges_touching([match.other]).holdings:
            if h.holder_id == match.other and h.in_force(as_of) and h.company_id != found.company:
                found.add(h.company_id, "possible_same_person", [hop, _holding_hop(h)], match.score * 0.8,
                          _("held by {other}, who may be {who} ({reasons})").format(
                              other=found.name(match.other), who=found.name(match.person),
                              reasons="; ".join(match.reasons)))
