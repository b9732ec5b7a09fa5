"""What changed between two days, read from the validity periods of the facts (pure, no I/O).

A holding or officer role that starts inside the window is an arrival; one that ends inside it a
departure; a holding of the same holder, company and interest that ends on the day another starts
(or the day before) is one change of share, not a departure and an arrival. A company whose legal
representative leaves on the day another arrives has its legal representative changed. Risk events
dated inside the window are new events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arrays import OPEN_END, OPEN_START, GraphArrays, distinct
from .reach import reached

LEGAL_REPRESENTATIVE = "legal_representative"
KINDS = ("holder_in", "holder_out", "share_changed", "officer_in", "officer_out", "legal_representative_changed",
         "risk_event")


@dataclass(frozen=True)
class FactChange:
    """One change: ``kind`` (of :data:`KINDS`) at ``entity`` (index) on ``day`` (day number);
    ``party`` the holder, officer or new legal representative; ``before`` and ``after`` the share
    bounds ``(low, high)``, role indexes, the previous legal representative, or an event's row."""

    day: int
    kind: str
    entity: int
    party: int
    before: tuple | int | None
    after: tuple | int | None


def fact_changes(arrays: GraphArrays, first: int, last: int, entities: np.ndarray | None = None) -> list[FactChange]:
    """Every change from day ``first`` to day ``last`` (inclusive) at the companies in ``entities``
    (a boolean mask over ``arrays.ids``; every entity when None), in order of day, kind, entity, party.

    Examples
    --------
    >>> import datetime as dt
    >>> from equitygraph.graph.arrays import arrays_from_records, day_number
    >>> from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    >>> a = arrays_from_records(
    ...     [Entity("c", EntityKind.COMPANY, "华信"), Entity("p", EntityKind.PERSON, "张三")],
    ...     [Holding("p", "c", Share.exact(0.3), until=dt.date(2024, 3, 1)),
    ...      Holding("p", "c", Share.exact(0.6), since=dt.date(2024, 3, 1))])
    >>> [(c.kind, c.before, c.after) for c in fact_changes(a, day_number(dt.date(2024, 1, 1), 0),
    ...                                                     day_number(dt.date(2024, 12, 31), 0))]
    [('share_changed', (0.3, 0.3), (0.6, 0.6))]
    """
    if last < first:
        raise ValueError("the window ends before it starts")
    watched = np.ones(len(arrays.ids), dtype=bool) if entities is None else np.asarray(entities, dtype=bool)
    found: list[FactChange] = []
    found += _holding_changes(arrays, first, last, watched)
    found += _officer_changes(arrays, first, last, watched)
    dated = (arrays.event_date >= first) & (arrays.event_date <= last) & (arrays.event_date != OPEN_START)
    for row in np.flatnonzero(dated & watched[arrays.event_entity]).tolist():
        found.append(FactChange(int(arrays.event_date[row]), "risk_event", int(arrays.event_entity[row]), -1,
                                None, row))
    return sorted(found, key=lambda c: (c.day, KINDS.index(c.kind), c.entity, c.party))


def _inside(days: np.ndarray, first: int, last: int, open_value: int) -> np.ndarray:
    return (days >= first) & (days <= last) & (days != open_value)


def _holding_changes(a: GraphArrays, first: int, last: int, watched: np.ndarray) -> list[FactChange]:
    mine = watched[a.holding_company]
    started = np.flatnonzero(mine & _inside(a.holding_since, first, last, OPEN_START)).tolist()
    ended = np.flatnonzero(mine & _inside(a.holding_until, first, last, OPEN_END)).tolist()
    starts = {}
    for row in started:
        key = (int(a.holding_holder[row]), int(a.holding_company[row]), int(a.holding_interest[row]))
        starts.setdefault(key, []).append(row)
    paired: set[int] = set()
    out = []
    for row in ended:
        key = (int(a.holding_holder[row]), int(a.holding_company[row]), int(a.holding_interest[row]))
        end = int(a.holding_until[row])
        follow = [r for r in starts.get(key, []) if r not in paired and int(a.holding_since[r]) in (end, end + 1)]
        if follow:
            new = follow[0]
            paired.add(new)
            out.append(FactChange(int(a.holding_since[new]), "share_changed", key[1], key[0], _share(a, row),
                                  _share(a, new)))
        else:
            out.append(FactChange(end, "holder_out", key[1], key[0], _share(a, row), None))
    for row in started:
        if row not in paired:
            out.append(FactChange(int(a.holding_since[row]), "holder_in", int(a.holding_company[row]),
                                  int(a.holding_holder[row]), None, _share(a, row)))
    return out


def _officer_changes(a: GraphArrays, first: int, last: int, watched: np.ndarray) -> list[FactChange]:
    mine = watched[a.officer_company]
    started = np.flatnonzero(mine & _inside(a.officer_since, first, last, OPEN_START)).tolist()
    ended = np.flatnonzero(mine & _inside(a.officer_until, first, last, OPEN_END)).tolist()
    legal = a.officer_roles.index(LEGAL_REPRESENTATIVE) if LEGAL_REPRESENTATIVE in a.officer_roles else -1
    out = []
    handed: set[int] = set()
    for row in ended:
        company, end = int(a.officer_company[row]), int(a.officer_until[row])
        if int(a.officer_role[row]) == legal:
            successor = [r for r in started if r not in handed and int(a.officer_company[r]) == company
                         and int(a.officer_role[r]) == legal and int(a.officer_since[r]) in (end, end + 1)]
            if successor:
                handed.add(successor[0])
                out.append(FactChange(int(a.officer_since[successor[0]]), "legal_representative_changed", company,
                                      int(a.officer_person[successor[0]]), int(a.officer_person[row]),
                                      int(a.officer_person[successor[0]])))
                continue
        out.append(FactChange(end, "officer_out", company, int(a.officer_person[row]), int(a.officer_role[row]), None))
    for row in started:
        if row not in handed:
            out.append(FactChange(int(a.officer_since[row]), "officer_in", int(a.officer_company[row]),
                                  int(a.officer_person[row]), None, int(a.officer_role[row])))
    return out


def _share(a: GraphArrays, row: int) -> tuple[float | None, float | None]:
    low, high = float(a.share_low[row]), float(a.share_high[row])
    return (None if np.isnan(low) else low, None if np.isnan(high) else high)


def control_may_change(arrays: GraphArrays, first: int, last: int) -> np.ndarray:
    """A boolean mask of the entities whose actual controller may differ between day ``first - 1``
    and day ``last``: those at or downstream of (held by, or tied by a declared tie from) an entity
    where a holding, officer role or declared tie starts or ends in between (a tie's two ends, and
    ties followed both ways: a nominee's principal, a spouse). Control is decided
    from the upstream facts alone, so every other entity keeps its controller: callers ask the
    control rules of these only.

    Examples
    --------
    >>> import datetime as dt
    >>> from equitygraph.graph.arrays import arrays_from_records, day_number
    >>> from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    >>> people = [Entity(i, EntityKind.COMPANY, i) for i in "ABC"] + [Entity("P", EntityKind.PERSON, "P")]
    >>> a = arrays_from_records(people, [Holding("P", "A", Share.exact(1.0), since=dt.date(2024, 5, 1)),
    ...                                  Holding("A", "B", Share.exact(0.6)), Holding("P", "C", Share.exact(1.0))])
    >>> [a.ids[i] for i in control_may_change(a, day_number(dt.date(2024, 1, 1), 0),
    ...                                        day_number(dt.date(2024, 12, 31), 0)).nonzero()[0]]
    ['A', 'B']
    """
    return downstream(arrays, _seeds(arrays, first, last))


def control_changes_on_several_days(arrays: GraphArrays, first: int, last: int, most_days: int = 64) -> np.ndarray:
    """A boolean mask of the entities downstream of facts that start or end on two or more different
    days from ``first`` to ``last``: where the answer can change and change back inside the window,
    so that comparing its two ends is not enough. With more than ``most_days`` such days, every
    entity of :func:`control_may_change` (the mask is then wider than it need be, never narrower).

    Examples
    --------
    >>> import datetime as dt
    >>> from equitygraph.graph.arrays import arrays_from_records, day_number
    >>> from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    >>> people = [Entity(i, EntityKind.COMPANY, i) for i in "AB"] + [Entity("P", EntityKind.PERSON, "P")]
    >>> a = arrays_from_records(people, [Holding("P", "A", Share.exact(1.0), since=dt.date(2024, 5, 1),
    ...                                          until=dt.date(2024, 6, 30)), Holding("P", "B", Share.exact(1.0),
    ...                                                                               since=dt.date(2024, 5, 1))])
    >>> [a.ids[i] for i in control_changes_on_several_days(a, day_number(dt.date(2024, 1, 1), 0),
    ...                                                    day_number(dt.date(2024, 12, 31), 0)).nonzero()[0]]
    ['A']
    """
    days = distinct(np.concatenate([since[(since >= first) & (since <= last) & (since != OPEN_START)]
                                     for since in _starts_and_ends(arrays)]))
    if len(days) <= 1:
        return np.zeros(len(arrays.ids), dtype=bool)
    if len(days) > most_days:
        return control_may_change(arrays, first, last)
    reached = np.zeros(len(arrays.ids), dtype=np.int32)
    for day in days:
        reached += downstream(arrays, _seeds(arrays, int(day), int(day)))
    return reached >= 2


def _starts_and_ends(arrays: GraphArrays) -> list[np.ndarray]:
    """The days each holding, officer role and declared tie begins, and the day after each ends."""
    out = []
    for since, until in ((arrays.holding_since, arrays.holding_until), (arrays.officer_since, arrays.officer_until),
                         (arrays.relation_since, arrays.relation_until)):
        out += [since, np.where(until == OPEN_END, OPEN_START, until + 1)]
    return out


def _seeds(arrays: GraphArrays, first: int, last: int) -> np.ndarray:
    """The entities where a holding, officer role or declared tie starts or ends from ``first - 1`` to ``last``."""
    def moved(since: np.ndarray, until: np.ndarray) -> np.ndarray:
        return ((since >= first) & (since <= last) & (since != OPEN_START)) | \
            ((until >= first - 1) & (until < last) & (until != OPEN_END))

    seeds = np.zeros(len(arrays.ids), dtype=bool)
    seeds[arrays.holding_company[moved(arrays.holding_since, arrays.holding_until)]] = True
    seeds[arrays.officer_company[moved(arrays.officer_since, arrays.officer_until)]] = True
    tie_moved = moved(arrays.relation_since, arrays.relation_until)
    seeds[arrays.relation_a[tie_moved]] = seeds[arrays.relation_b[tie_moved]] = True
    return seeds


def downstream(arrays: GraphArrays, seeds: np.ndarray) -> np.ndarray:
    """A boolean mask of ``seeds`` and every entity held by, or tied by a declared tie to, one of them."""
    tails = np.concatenate([arrays.holding_holder, arrays.relation_a, arrays.relation_b])
    heads = np.concatenate([arrays.holding_company, arrays.relation_b, arrays.relation_a])
    return reached(len(arrays.ids), tails, heads, seeds)


@dataclass(frozen=True)
class LinkChange:
    """``party``'s addresses (``located_at``) or phones and e-mails (``has_contact``) on ``day``:
    the ones it left (``before``) and the ones it took (``after``), as node ids."""

    day: int
    kind: str
    party: str
    before: tuple[str, ...]
    after: tuple[str, ...]


def link_changes(links, first: int, last: int) -> list[LinkChange]:
    """One change per party and kind of link from the links that began or ended from day ``first``
    to day ``last`` (day numbers): what ended and what began, dated by the latest of them.

    Examples
    --------
    >>> import datetime as dt
    >>> from equitygraph.graph.arrays import day_number
    >>> from equitygraph.graph.model import Link, LinkKind
    >>> moved = [Link("C", "addr:old", LinkKind.LOCATED_AT, until=dt.date(2026, 6, 29)),
    ...          Link("C", "addr:new", LinkKind.LOCATED_AT, since=dt.date(2026, 6, 30))]
    >>> [(c.party, c.kind, c.before, c.after) for c in link_changes(moved, day_number(dt.date(2026, 4, 1), 0),
    ...                                                                   day_number(dt.date(2026, 6, 30), 0))]
    [('C', 'located_at', ('addr:old',), ('addr:new',))]
    """
    from ..arrays import day_number

    by_party: dict[tuple[str, str], tuple[list, list, list]] = {}
    for link in links:
        ended = day_number(link.until, OPEN_END)
        began = day_number(link.since, OPEN_START)
        before, after, days = by_party.setdefault((link.src, link.kind.value), ([], [], []))
        if link.until is not None and first <= ended <= last:
            before.append(link.dst)
            days.append(ended)
        if link.since is not None and first <= began <= last:
            after.append(link.dst)
            days.append(began)
    return sorted((LinkChange(max(days), kind, party, tuple(sorted(before)), tuple(sorted(after)))
                   for (party, kind), (before, after, days) in by_party.items() if days),
                  key=lambda c: (c.day, c.kind, c.party))
