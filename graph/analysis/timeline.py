"""Signs read from the history of the facts (pure, no I/O): stakes handed over shortly before a risk
event, repeated changes of actual controller, and one officer change made across a group at once.

Each function takes records (:mod:`equitygraph.graph.model`) and returns what it found with the
dates that show it; whether a taker is a likely nominee, and which companies form a group, the
caller knows (:mod:`equitygraph.queries.control.signals`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from ..model import Holding, Officer, RiskEvent

HANDOFF_GAP_DAYS = 30  # a stake given up and one taken this close together are one handover
EVENT_WINDOW_DAYS = 180  # a handover this long before a risk event is a sign
CHURN_DAYS = 365
CHURN_CHANGES = 2
WAVE_DAYS = 31
WAVE_COMPANIES = 3


@dataclass(frozen=True)
class Handoff:
    """``giver``'s stake in ``company`` ended and ``taker``'s began around ``day`` (the taker's
    start); ``event`` is the first risk event at the company within the window after it."""

    company: str
    giver: str
    taker: str
    day: dt.date
    given: Holding
    taken: Holding
    event: RiskEvent


def handoffs(holdings: Iterable[Holding], events: Iterable[RiskEvent], gap_days: int = HANDOFF_GAP_DAYS,
             window_days: int = EVENT_WINDOW_DAYS) -> list[Handoff]:
    """Stakes passed from one holder to another at a company (one ends, another holder's starts
    within ``gap_days``) less than ``window_days`` before a risk event there, by company and day.

    Examples
    --------
    >>> from equitygraph.graph.model import EventType, Share
    >>> D = dt.date
    >>> found = handoffs([Holding("boss", "C", Share.exact(1.0), until=D(2024, 3, 1)),
    ...                   Holding("nominee", "C", Share.exact(1.0), since=D(2024, 3, 2))],
    ...                  [RiskEvent("C", EventType.COMPLAINT, D(2024, 6, 1))])
    >>> [(h.giver, h.taker, h.day.isoformat(), (h.event.date - h.day).days) for h in found]
    [('boss', 'nominee', '2024-03-02', 91)]
    """
    by_company: dict[str, list[RiskEvent]] = {}
    for event in events:
        if event.date is not None:
            by_company.setdefault(event.entity_id, []).append(event)
    ended: dict[str, list[Holding]] = {}
    started: dict[str, list[Holding]] = {}
    for h in holdings:
        if h.company_id not in by_company:
            continue
        if h.until is not None:
            ended.setdefault(h.company_id, []).append(h)
        if h.since is not None:
            started.setdefault(h.company_id, []).append(h)
    found = []
    for company, gone in ended.items():
        for given in gone:
            for taken in started.get(company, []):
                if taken.holder_id == given.holder_id or abs((taken.since - given.until).days) > gap_days:
                    continue
                after = [e for e in by_company[company] if 0 <= (e.date - taken.since).days <= window_days]
                if after:
                    found.append(Handoff(company, given.holder_id, taken.holder_id, taken.since, given, taken,
                                         min(after, key=lambda e: (e.date, e.id))))
    return sorted(found, key=lambda h: (h.company, h.day, h.giver, h.taker))


@dataclass(frozen=True)
class ControllerChange:
    day: dt.date
    before: tuple[str, ...]
    after: tuple[str, ...]


def controller_changes(answers: Iterable[tuple[dt.date, tuple[str, ...]]]) -> list[ControllerChange]:
    """The changes in a company's actual controller(s), from its answers on successive days.

    Examples
    --------
    >>> D = dt.date
    >>> controller_changes([(D(2024, 1, 1), ("A",)), (D(2024, 3, 1), ("A",)), (D(2024, 5, 1), ("B",))])
    [ControllerChange(day=datetime.date(2024, 5, 1), before=('A',), after=('B',))]
    """
    out, previous = [], None
    for day, controllers in sorted(answers):
        current = tuple(sorted(controllers))
        if previous is not None and current != previous:
            out.append(ControllerChange(day, previous, current))
        previous = current
    return out


def churn(changes: list[ControllerChange], days: int = CHURN_DAYS, at_least: int = CHURN_CHANGES
          ) -> list[ControllerChange]:
    """The most changes of controller that fall within ``days`` of each other (at least ``at_least``
    of them; else none), the earliest such run.

    Examples
    --------
    >>> D = dt.date
    >>> runs = churn([ControllerChange(D(2020, 1, 1), ("A",), ("B",)), ControllerChange(D(2024, 2, 1), ("B",), ("C",)),
    ...               ControllerChange(D(2024, 9, 1), ("C",), ("D",))])
    >>> [c.day.isoformat() for c in runs]
    ['2024-02-01', '2024-09-01']
    """
    best: list[ControllerChange] = []
    ordered = sorted(changes, key=lambda c: c.day)
    for i, first in enumerate(ordered):
        run = [c for c in ordered[i:] if (c.day - first.day).days < days]
        if len(run) > len(best):
            best = run
    return best if len(best) >= at_least else []


@dataclass(frozen=True)
class OfficerWave:
    """Companies whose ``role`` changed hands within ``WAVE_DAYS`` of each other: each company with
    the day of its change and who arrived."""

    role: str
    first: dt.date
    last: dt.date
    changes: tuple[tuple[str, dt.date, str], ...]  # (company, day, person who arrived)


def officer_waves(officers: Iterable[Officer], companies: Iterable[str], role: str = "legal_representative",
                  days: int = WAVE_DAYS, at_least: int = WAVE_COMPANIES) -> OfficerWave | None:
    """The largest set of ``companies`` (a group's) whose ``role`` passed to a new holder within
    ``days`` of each other: at least ``at_least`` companies, else None. A change is an officer's
    start where the role had a holder before (one that ended on that day or within ``days`` before).

    Examples
    --------
    >>> D = dt.date
    >>> roles = [Officer(f"old{i}", f"C{i}", "legal_representative", until=D(2024, 5, i)) for i in (1, 2, 3)]
    >>> roles += [Officer("new", f"C{i}", "legal_representative", since=D(2024, 5, i + 1)) for i in (1, 2, 3)]
    >>> wave = officer_waves(roles, ["C1", "C2", "C3"])
    >>> (wave.first.isoformat(), wave.last.isoformat(), sorted({who for _, _, who in wave.changes}))
    ('2024-05-02', '2024-05-04', ['new'])
    """
    members = set(companies)
    mine = [o for o in officers if o.company_id in members and o.role == role]
    handed = []
    for new in mine:
        if new.since is None:
            continue
        before = [o for o in mine if o.company_id == new.company_id and o.person_id != new.person_id
                  and o.until is not None and 0 <= (new.since - o.until).days <= days]
        if before:
            handed.append((new.company_id, new.since, new.person_id))
    handed.sort(key=lambda c: (c[1], c[0], c[2]))
    best: list[tuple[str, dt.date, str]] = []
    for i, (_, first, _) in enumerate(handed):
        run = [c for c in handed[i:] if (c[1] - first).days < days]
        if len({c[0] for c in run}) > len({c[0] for c in best}):
            best = run
    if len({c[0] for c in best}) < at_least:
        return None
    return OfficerWave(role, best[0][1], best[-1][1], tuple(best))
