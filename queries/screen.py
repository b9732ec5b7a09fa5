"""Screening the graph against sanctions, PEP and wanted lists, and the investigator's decisions.

``screen(store, lists)`` compares every company, person and organization with every entry of the
lists (:mod:`graph.analysis.screening`) and keeps the matches in the store (result set
``screening``, per party: the entries it may be, the score and the features), replacing those of
the same lists from an earlier screening. A match is a lead: ``equitygraph same PARTY list:ID``
confirms it, ``not-same`` rejects it; the decision is kept like any identity decision (across
reloads and later screenings). A confirmed match becomes a risk event of the party (sanctioned,
pep, wanted or listed, dated when the list says it was listed), which the risk scores, ``related``,
the pages, the report and ``alerts`` all read; a rejection takes that event back.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from ..graph.analysis.screening import THRESHOLD, ListIndex, Match
from ..graph.errors import EquityGraphError
from ..graph.listings import ORGANISATION, PERSON, Listing, Party, identifier_key, partial_date
from ..graph.model import EventType, RiskEvent
from ..graph.stores.base import Store
from .i18n import N_, _
from .render import Result, Section
from .resolve import resolve_entity

RESULT = "screening"
PREFIX = "list:"
#: The risk event of a confirmed match, by the entry's strongest category, and its severity.
EVENTS = {"sanctioned": (EventType.SANCTIONED, 5), "wanted": (EventType.WANTED, 5), "pep": (EventType.PEP, 3),
          "listed": (EventType.LISTED, 2)}
_KINDS = {"person": PERSON, "company": ORGANISATION, "organization": ORGANISATION}


def parties_of(store: Store):
    """Every company, person and organization of the store as screening compares them."""
    for entity_id, kind, name, aliases, reg_no, jurisdiction, born, id_number, places in store.party_facts():
        person = kind == "person"
        identifiers = {identifier_key(v, person) for v in (reg_no, id_number) if v}
        country = (jurisdiction or "").strip().lower()
        yield Party(entity_id, _KINDS[kind], (name, *aliases), partial_date(born),
                    frozenset([country]) if len(country) == 2 and country.isalpha() else frozenset(),
                    frozenset(i for i in identifiers if i), places)


@dataclass
class ScreenReport(Result):
    """The matches of one screening (and those decided before), best first, with what was screened."""

    lists: dict[str, int]  # dataset -> entries screened
    parties: int
    matches: list[dict]
    names: dict[str, str]
    threshold: float
    hidden: int = 0  # matches rejected before, not shown
    found: int = 0  # matches in all (``matches`` holds the best ``top`` of them)

    def to_dict(self) -> dict:
        return {"lists": self.lists, "parties": self.parties, "threshold": self.threshold, "found": self.found,
                "matches": self.matches, "rejected_before": self.hidden}

    def records(self) -> list[dict]:
        return [{"party": m["party"], "name": self.names.get(m["party"], m["party"]), **{k: v for k, v in m.items()
                 if k != "party"}} for m in self.matches]

    def sections(self) -> list[Section]:
        rows = [(m["party"], self.names.get(m["party"], m["party"]), PREFIX + m["listing"], m["caption"], m["dataset"],
                 ", ".join(_(c) for c in m["categories"]), f"{m['score']:.2f}", _why(m["features"]),
                 _(DECISIONS[m["decision"]]) if m.get("decision") else _("to review")) for m in self.matches]
        screened = _("{parties:,} parties screened against {entries:,} entries of {lists}").format(
            parties=self.parties, entries=sum(self.lists.values()), lists=", ".join(sorted(self.lists)) or "-")
        note = [screened]
        if self.found > len(self.matches):
            note.append(_("the best {shown:,} of {found:,} matches shown, all kept in the store").format(
                shown=len(self.matches), found=self.found))
        if self.hidden:
            note.append(_("{n} match(es) rejected before not shown").format(n=self.hidden))
        if self.matches:
            note.append(_("decide with: equitygraph same PARTY list:ID (or not-same)"))
        return [Section(_("Possible matches at {threshold:.2f} or more").format(threshold=self.threshold),
                        ["party", "name", "listing", "entry", "list", "categories", "score", "why", "decision"],
                        rows, note="; ".join(note), empty="no party matches an entry")]


#: A match's features in words (see graph.analysis.screening.Feature).
FEATURES = {"name_characters": N_("the same characters"), "name_sound": N_("the same sound"),
            "name_spelling": N_("the name"), "identifier": N_("the same identifier"),
            "other_identifier": N_("another identifier"), "birth_date": N_("born the same day"),
            "birth_year": N_("born the same year"), "other_birth_year": N_("born another year"),
            "country": N_("the same country"), "other_country": N_("another country"),
            "address": N_("the same address")}
DECISIONS = {"same": N_("confirmed"), "not-same": N_("rejected")}


def _why(features: list) -> str:
    return "; ".join(f"{_(FEATURES[name])} {weight:+.2f}: {detail}" if not name.startswith("name_") else
                     f"{_(FEATURES[name])} {weight:.2f}: {detail}" for name, weight, detail in features)


def screen(store: Store, listings: list[Listing], threshold: float = THRESHOLD, progress: bool = True,
           today: dt.date | None = None, top: int | None = None) -> ScreenReport:
    """Every party of ``store`` against ``listings``; the matches at or above ``threshold`` replace the
    matches kept from an earlier screening of the same lists. Confirmed entries (``same``) get their
    risk event now if they had none (a list read again names its entries the same way)."""
    if not 0 < threshold <= 1:
        raise EquityGraphError(f"the threshold must be above 0 and at most 1, got {threshold}")
    from tqdm import tqdm

    index = ListIndex(listings)
    datasets = dict(Counter(listing.dataset for listing in listings))
    decided = _decisions(store)
    found: dict[str, list[dict]] = {}
    parties = 0
    day = (today or dt.date.today()).isoformat()
    for party in tqdm(parties_of(store), desc="screening", unit=" parties", disable=not progress, mininterval=1):
        parties += 1
        for match in index.screen(party, threshold):
            found.setdefault(party.id, []).append(_kept(match, index.listings[match.listing], day,
                                                        decided.get((party.id, PREFIX + match.listing))))
    kept = {party: [m for m in ms if m["dataset"] not in datasets] for party, ms in store.read_results(RESULT).items()}
    for party, ms in found.items():
        kept.setdefault(party, []).extend(ms)
    kept = {party: sorted(ms, key=lambda m: (-m["score"], m["listing"])) for party, ms in kept.items() if ms}
    store.write_results(RESULT, kept)
    _add_events(store, [(party, m) for party, ms in found.items() for m in ms if m["decision"] == "same"])
    shown = [{"party": party, **m} for party, ms in found.items() for m in ms if m["decision"] != "not-same"]
    shown.sort(key=lambda m: (-m["score"], m["party"], m["listing"]))
    hidden = sum(m["decision"] == "not-same" for ms in found.values() for m in ms)
    names = {i: e.name for i, e in store.get_many({m["party"] for m in shown[:top]}).items()}
    return ScreenReport(datasets, parties, shown[:top], names, threshold, hidden, found=len(shown))


def screen_files(store: Store, paths: list, threshold: float = THRESHOLD, progress: bool = True,
                 top: int | None = None) -> ScreenReport:
    """:func:`screen` against the entries of the list files ``paths`` (FollowTheMoney; see
    :mod:`loaders.watchlists`)."""
    from tqdm import tqdm

    from ..loaders.watchlists import read_lists

    with tqdm(desc="reading lists", unit=" entities", disable=not progress, mininterval=1) as bar:
        listings = read_lists(paths, bar.update)
    if not listings:
        raise EquityGraphError(f"{', '.join(map(str, paths))}: no person, company or organization to screen against")
    return screen(store, listings, threshold, progress, top=top)


def _kept(match: Match, listing: Listing, day: str, decision: bool | None) -> dict:
    return {"listing": listing.id, "dataset": listing.dataset, "caption": listing.caption,
            "categories": list(listing.categories), "programs": list(listing.programs), "listed": listing.listed,
            "score": round(match.score, 4), "features": [[f.name, round(f.weight, 4), f.detail] for f in match.features],
            "screened": day, "decision": None if decision is None else "same" if decision else "not-same"}


def _decisions(store: Store) -> dict[tuple[str, str], bool]:
    """(party, list:ID) -> same, from the identity decisions."""
    found = {}
    for a, b, same in store.identity_decisions():
        if b.startswith(PREFIX) and not a.startswith(PREFIX):
            found[a, b] = same
        elif a.startswith(PREFIX) and not b.startswith(PREFIX):
            found[b, a] = same
    return found


def listing_event(party: str, match: dict) -> RiskEvent:
    """The risk event a confirmed match makes: its type and severity by the entry's strongest
    category, dated when the list says it was listed, its text the entry and the list's programs."""
    kind, severity = EVENTS[match["categories"][0] if match["categories"] else "listed"]
    programs = "; ".join(match.get("programs") or ())
    text = f"{match['caption']} ({match['dataset']}{': ' + programs if programs else ''})"
    return RiskEvent(party, kind, dt.date.fromisoformat(match["listed"]) if match.get("listed") and
                     len(match["listed"]) == 10 else None, severity, text, PREFIX + match["listing"])


def _add_events(store: Store, confirmed: list[tuple[str, dict]]) -> None:
    events = [listing_event(party, m) for party, m in confirmed]
    if not events:
        return
    have = {e.id for e in store.edges_touching(sorted({e.entity_id for e in events})).events}
    new = [e for e in events if e.id not in have]
    if new:
        with store.writer() as writer:
            writer.add_many(new)


@dataclass
class ListingDecision(Result):
    party: object
    match: dict
    same: bool
    events: list[RiskEvent] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"party": {"id": self.party.id, "name": self.party.name}, "listing": PREFIX + self.match["listing"],
                "caption": self.match["caption"], "dataset": self.match["dataset"], "same": self.same,
                "events": [{"type": e.type.value, "date": e.date.isoformat() if e.date else None, "text": e.text}
                           for e in self.events]}

    def sections(self) -> list[Section]:
        said = (_("{name} ({id}) is {caption} of {list}: recorded as a risk event") if self.same else
                _("{name} ({id}) is not {caption} of {list}: never suggested again")).format(
            name=self.party.name, id=self.party.id, caption=self.match["caption"], list=self.match["dataset"])
        return [Section(said, ["type", "date", "text"],
                        [(_(e.type.value), e.date.isoformat() if e.date else "", e.text) for e in self.events],
                        empty="no risk event")]


def decide_listing(store: Store, party_name: str, listing: str, same: bool, note: str | None = None) -> ListingDecision:
    """Keep an investigator's decision on a screening match (``listing`` is ``list:ID``): a confirmed
    match becomes the party's risk event, a rejected one loses it."""
    party = resolve_entity(store, party_name)
    listing_id = listing[len(PREFIX):] if listing.startswith(PREFIX) else listing
    matches = store.results_of(RESULT, [party.id]).get(party.id) or []
    match = next((m for m in matches if m["listing"] == listing_id), None)
    if match is None:
        raise EquityGraphError(f"{party.name} ({party.id}) has no screening match with {PREFIX}{listing_id}; "
                               f"its matches: {', '.join(PREFIX + m['listing'] for m in matches) or 'none'}")
    store.decide_identity(party.id, PREFIX + listing_id, same, note)
    match["decision"] = "same" if same else "not-same"
    store.write_results(RESULT, {party.id: matches}, whole=False)
    if same:
        _add_events(store, [(party.id, match)])
        return ListingDecision(party, match, True, [listing_event(party.id, match)])
    store.drop_events([e.id for e in store.edges_touching([party.id]).events if e.source == PREFIX + listing_id])
    return ListingDecision(party, match, False)


def screening_of(store: Store, entity_id: str) -> list[dict]:
    """The screening matches kept for one party, rejected ones left out, best first."""
    return [m for m in store.results_of(RESULT, [entity_id]).get(entity_id) or [] if m.get("decision") != "not-same"]
