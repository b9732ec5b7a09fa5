"""Search results for what an investigator types."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..graph.model import EntityKind
from ..graph.stores.base import SearchHit, Store
from .i18n import _, role_name
from .render import Result, Section

PLACES_SHOWN = 2  # companies named in a person's line, the rest counted


@dataclass
class SearchResult(Result):
    query: str
    hits: list[SearchHit]
    about: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "hits": [
                {"id": h.entity.id, "kind": h.entity.kind.value, "name": h.entity.name, "reg_no": h.entity.reg_no,
                 "matched": h.matched, "how": h.how, "score": h.score, "about": self.about.get(h.entity.id)}
                for h in self.hits
            ],
        }

    def records(self) -> list[dict]:
        return self.to_dict()["hits"]

    def sections(self) -> list[Section]:
        rows = [(h.entity.name, h.entity.id, _(h.entity.kind.value), h.entity.reg_no, _(h.how), h.matched,
                 self.about.get(h.entity.id)) for h in self.hits]
        return [Section(_("Search: {query}").format(query=self.query),
                        ["name", "id", "kind", "reg_no", "match", "matched", "about"], rows, empty="no matches")]


def search_entities(store: Store, text: str, limit: int = 20, budget: float | None = None) -> SearchResult:
    """The address, phone or e-mail written as ``text``, then parties matching it by registration number,
    name or alias, best first (names read one by one only within ``budget`` seconds, when given)."""
    from .contacts import contact_hits

    hits = (contact_hits(store, text) + store.search(text, limit=limit, budget=budget))[:limit]
    return SearchResult(text, hits, persons_told_apart(store, hits))


def persons_told_apart(store: Store, hits: list[SearchHit]) -> dict[str, str]:
    """A line for each person found whose name another person found shares, telling them apart: the
    birth year, then where the person serves or holds (officer roles first, then the largest
    holdings; current facts before ended ones), :data:`PLACES_SHOWN` companies named and the rest
    counted. Nothing is read when no two persons found share a name."""
    named = Counter(h.entity.name for h in hits if h.entity.kind is EntityKind.PERSON)
    persons = {h.entity.id: h.entity for h in hits if h.entity.kind is EntityKind.PERSON and named[h.entity.name] > 1}
    if not persons:
        return {}
    edges = store.edges_touching(persons)
    places: dict[str, list[tuple[tuple, str, str, dict]]] = {pid: [] for pid in persons}
    for o in edges.officers:
        if o.person_id in places:
            places[o.person_id].append(((o.until is not None, 0, 0.0, o.company_id), o.company_id,
                                        _("{role} of {company}"), {"role": role_name(o.role)}))
    for h in edges.holdings:
        if h.holder_id in places:
            share = h.share.low
            said = _("holds {share} of {company}") if share is not None else _("holds a share of {company}")
            places[h.holder_id].append(((h.until is not None, 1, -(share or 0.0), h.company_id), h.company_id, said,
                                        {"share": f"{(share or 0.0) * 100:g} %"}))
    companies = store.get_many({place[1] for found in places.values() for place in found})
    about = {}
    for pid, person in persons.items():
        first_said: dict[str, tuple[str, dict]] = {}
        for _order, company, said, values in sorted(places[pid], key=lambda place: place[0]):
            first_said.setdefault(company, (said, values))
        parts = [_("born {year}").format(year=person.birth_date.year)] if person.birth_date else []
        for company, (said, values) in list(first_said.items())[:PLACES_SHOWN]:
            parts.append(said.format(company=companies[company].name if company in companies else company, **values))
        if len(first_said) > PLACES_SHOWN:
            parts.append(_("{count} more companies").format(count=len(first_said) - PLACES_SHOWN))
        if parts:
            about[pid] = _("; ").join(parts)
    return about
