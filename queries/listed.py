"""Who of a set of parties is on a sanctions, PEP or wanted list: the confirmed listings (risk
events a decision on a screening match made) and the matches still to review (see :mod:`.screen`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..graph.model import EventType
from ..graph.stores.base import Store
from .i18n import N_, _
from .render import Section, iso

LISTING_EVENTS = {EventType.SANCTIONED: "sanctioned", EventType.WANTED: "wanted", EventType.PEP: "pep",
                  EventType.LISTED: "listed"}
CONFIRMED, TO_REVIEW = N_("confirmed"), N_("to review")
#: Listings that make a controller's company "controlled by" it in words.
GRAVE = ("sanctioned", "wanted")


@dataclass(frozen=True)
class OnList:
    party: str
    status: str  # CONFIRMED or TO_REVIEW
    category: str  # sanctioned, pep, wanted, listed
    what: str  # the entry and its list (and programs)
    listing: str  # list:ID
    date: str | None = None
    score: float | None = None
    name: str = ""


def on_lists(store: Store, ids) -> list[OnList]:
    """The confirmed listings and the open screening matches of ``ids``, confirmed first."""
    from .screen import PREFIX, RESULT

    ids = sorted(set(ids))
    found = [OnList(e.entity_id, CONFIRMED, LISTING_EVENTS[e.type], e.text or "", e.source or "", iso(e.date))
             for e in store.events_of(ids) if e.type in LISTING_EVENTS]
    for party, matches in store.results_of(RESULT, ids).items():
        for m in matches:
            if m.get("decision") is None:
                found.append(OnList(party, TO_REVIEW, (m.get("categories") or ["listed"])[0],
                                    f"{m['caption']} ({m['dataset']})", PREFIX + m["listing"], m.get("listed"),
                                    m.get("score")))
    names = {i: e.name for i, e in store.get_many({o.party for o in found}).items()}
    return sorted((replace(o, name=names.get(o.party, o.party)) for o in found),
                  key=lambda o: (o.status != CONFIRMED, o.party, -(o.score or 1), o.listing))


def listed_section(found: list[OnList], how: dict[str, str] | None = None) -> Section:
    """The parties on lists as a table; ``how`` says what each party is to the one reported on."""
    rows = [(o.name, o.party, _(how[o.party]) if how and o.party in how else "", _(o.status),
             _(o.category), o.what, o.date or "", f"{o.score:.2f}" if o.score is not None else "", o.listing)
            for o in found]
    return Section(_("On sanctions, PEP and wanted lists"),
                   ["party", "id", "relation", "status", "listed as", "entry", "since", "score", "listing"], rows,
                   note=_("a match to review is a lead: equitygraph same PARTY list:ID confirms it, not-same rejects it")
                   if any(o.status != CONFIRMED for o in found) else "",
                   empty="nobody here is on a screened list")
