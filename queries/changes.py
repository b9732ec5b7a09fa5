"""``equitygraph changes``: what changed between two dates, typed, each with before, after and date.

Read from the validity periods already in the store (holdings and officer roles with ``since`` and
``until``, dated risk events) by :func:`~equitygraph.graph.analysis.changes.fact_changes`; for
named companies also whether the actual controller differs between the day before the window and
its last day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..graph.analysis.changes import control_changes_on_several_days, control_may_change, fact_changes, link_changes
from ..graph.arrays import EVENT_CODES, KIND_CODES, OPEN_END, OPEN_START, date_of, day_number
from ..graph.model import EntityKind, Share, day_after
from ..graph.stores.base import Store
from .i18n import _, known, role_name
from .render import Result, Section
from .resolve import resolve_entity

MAX_HOPS = 3
EVENT_TYPES = {code: kind.value for kind, code in EVENT_CODES.items()}


@dataclass
class ChangeReport(Result):
    since: dt.date
    until: dt.date
    rows: list[dict]

    def to_dict(self) -> dict:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(), "changes": self.rows}

    def records(self) -> list[dict]:
        return self.rows

    def sections(self) -> list[Section]:
        title = _("Changes from {since} to {until}").format(since=self.since.isoformat(), until=self.until.isoformat())
        return [Section(title, ["date", "change", "company", "id", "party", "before", "after"],
                        [(r["date"], _(r["change"].replace("_", " ")), r["company_name"], r["company_id"],
                          r["party_name"] or "", r["before"] or "", r["after"] or "") for r in self.rows],
                        empty="no changes")]


def changes(store: Store, since: dt.date, until: dt.date | None = None, names: tuple[str, ...] = (),
            hops: int = 0) -> ChangeReport:
    """The changes from ``since`` to ``until`` (today when None), inclusive: at the entities ``names``
    resolve to and everything within ``hops`` of them, or across the whole store when no name is given."""
    if not 0 <= hops <= MAX_HOPS:
        raise ValueError(f"hops must be from 0 to {MAX_HOPS}, got {hops}")
    named = [resolve_entity(store, name) for name in names]
    around = set().union(*(within(store, entity.id, hops) for entity in named)) if named else None
    return changes_at(store, store.export_arrays(), since, until, around, named)


def within(store: Store, entity_id: str, hops: int) -> dict[str, int]:
    """The entities within ``hops`` of ``entity_id``, each with its distance."""
    return store.reach(entity_id, depth=hops, max_nodes=2000, max_degree=200).depth


def changes_at(store: Store, arrays, since: dt.date, until: dt.date | None, around: set[str] | None,
               named: list, may_change=None) -> ChangeReport:
    """The changes at the entities ``around`` (every entity when None) read from ``arrays`` (the
    store's, read once by a caller that asks many times), and the actual controller of each of
    ``named`` that is a company (asked of the control rules only where ``may_change``, the mask of
    :func:`~equitygraph.graph.analysis.changes.control_may_change`, says it can differ; computed
    here when None)."""
    until = until or dt.date.today()
    if until < since:
        raise ValueError(f"--until {until.isoformat()} is before --since {since.isoformat()}")
    mask = None
    if around is not None:
        mask = np.zeros(len(arrays.ids), dtype=bool)
        for entity_id in around:
            with contextlib.suppress(KeyError):  # an entity the arrays do not hold has no facts in them
                mask[arrays.index_of(entity_id)] = True
    first, last = day_number(since, OPEN_START), day_number(until, OPEN_END)
    found = fact_changes(arrays, first, last, mask)
    moved = [c for c in link_changes(store.link_changes(since, until), first, last) if around is None or c.party in around]
    people = {arrays.ids[c.party] for c in found if c.party >= 0}
    people |= {arrays.ids[c.before] for c in found if c.kind == "legal_representative_changed"}
    people |= {i for c in moved for i in (c.party, *c.before, *c.after)}
    names_of = {i: e.name for i, e in store.get_many(people | {arrays.ids[c.entity] for c in found}).items()}
    rows = [_row(arrays, c, names_of) for c in found]
    rows += [_link_row(c, names_of) for c in moved]
    rows += analysis_changes(store, since, until, around)
    companies = [e for e in named if e.kind is EntityKind.COMPANY]
    if may_change is None:
        may_change = control_may_change(arrays, first, last)
    for entity in companies:
        if flagged(arrays, may_change, entity.id):
            rows += controller_change(store, entity, since, until)
    # Every other company in view (the whole register, the named ones' neighbourhoods, what alerts watch):
    # its controller changes too.
    rows += register_controller_changes(store, arrays, since, until, mask, may_change, {e.id for e in companies})
    rows.sort(key=lambda r: (r["date"], r["change"], r["company_id"], r["party_id"] or ""))
    return ChangeReport(since, until, rows)


LINK_CHANGES = {"located_at": "address_changed", "has_contact": "contact_changed"}
ANALYSIS_CHANGES = {"risk_tier": "risk_tier_changed", "group": "group_changed", "cluster": "cluster_changed"}


def change_row(day: dt.date | str, change: str, company_id: str, company_name: str, before=None, after=None,
               party_id: str | None = None, party_name: str | None = None, event_type: str | None = None) -> dict:
    """One row of a change report (and of an alert, which adds to it)."""
    return {"date": day if isinstance(day, str) else day.isoformat(), "change": change, "company_id": company_id,
            "company_name": company_name, "party_id": party_id, "party_name": party_name, "before": before,
            "after": after, "event_type": event_type}


def analysis_changes(store: Store, since: dt.date, until: dt.date, around: set[str] | None) -> list[dict]:
    """The companies whose risk tier, enterprise group or cluster differs between the last analysis
    and the one before, where the last is dated inside the window (its ``--as-of``, or the day it
    ran), at the entities ``around`` (every entity when None)."""
    import json

    from .relations.standing import ANALYSIS_META

    last = json.loads(store.get_meta(ANALYSIS_META) or "null")
    if not last or not last.get("previous"):
        return []
    day = dt.date.fromisoformat(last["as_of"] or last["at"][:10])
    if not since <= day <= until:
        return []
    rows = []
    for name, change in ANALYSIS_CHANGES.items():
        if around is None:
            now, before = store.read_results(name), store.read_results("previous_" + name)
        else:
            now, before = store.results_of(name, around), store.results_of("previous_" + name, around)
        moved = sorted(i for i in set(now) | set(before) if now.get(i) != before.get(i))
        names_of = {i: e.name for i, e in store.get_many(moved).items()}
        rows += [change_row(day, change, i, names_of.get(i, i), before.get(i), now.get(i)) for i in moved]
    return rows


def _link_row(c, names_of) -> dict:
    def texts(ids) -> str | None:
        return "; ".join(names_of.get(i, i) for i in ids) or None

    return change_row(date_of(c.day), LINK_CHANGES[c.kind], c.party, names_of.get(c.party, c.party), texts(c.before),
                      texts(c.after))


def _row(arrays, c, names_of) -> dict:
    company = arrays.ids[c.entity]
    party = arrays.ids[c.party] if c.party >= 0 else None
    before, after = c.before, c.after
    if c.kind in ("holder_in", "holder_out", "share_changed"):
        before, after = _share(before), _share(after)
    elif c.kind in ("officer_in", "officer_out"):
        before = role_name(arrays.officer_roles[before]) if before is not None else None
        after = role_name(arrays.officer_roles[after]) if after is not None else None
    elif c.kind == "legal_representative_changed":
        before, after = (f"{names_of.get(arrays.ids[v], arrays.ids[v])} ({arrays.ids[v]})" for v in (before, after))
    event_type = None
    if c.kind == "risk_event":
        event_type = EVENT_TYPES[int(arrays.event_type[after])]
        severity = int(arrays.event_severity[after])
        before, after = None, _(event_type) + (f" ({severity})" if severity else "")
    return change_row(date_of(c.day), c.kind, company, names_of.get(company, company), before, after, party,
                      names_of.get(party, party) if party else None, event_type)


def flagged(arrays, mask, entity_id: str) -> bool:
    """Whether ``mask`` (over ``arrays.ids``) holds ``entity_id``."""
    try:
        return bool(mask[arrays.index_of(entity_id)])
    except KeyError:  # not in the arrays: no facts, no controller to change
        return False


def controller_change(store: Store, entity, since: dt.date, until: dt.date) -> list[dict]:
    """Each change of ``entity``'s actual controller and of its beneficial owners
    from the day before ``since`` to ``until``, dated by the fact that caused it: the control rules
    are asked on each day a holding, officer role or declared tie above the company began or ended
    in the window, and a change is the first day the answer differs from the day before."""
    from .control.report import control_report

    def who(report, ids) -> str:
        return ", ".join(f"{report.name(i)} ({i})" for i in ids)

    previous = control_report(store, entity.id, as_of=since - dt.timedelta(days=1), signals=False)
    states = [(day, control_report(store, entity.id, as_of=day, signals=False))
              for day in cause_days(store, entity.id, since, until)]
    rows = []
    for day, now in _lasting(states):
        if set(previous.actual_controllers) != set(now.actual_controllers):
            rows.append(change_row(day, "controller_changed", entity.id, entity.name,
                                   who(previous, previous.actual_controllers) or _(previous.verdict),
                                   who(now, now.actual_controllers) or _(now.verdict)))
        before = sorted(o.person for o in previous.beneficial.owners)
        after = sorted(o.person for o in now.beneficial.owners)
        if before != after:
            rows.append(change_row(day, "beneficial_owner_changed", entity.id, entity.name,
                                   who(previous, before) or _("none"), who(now, after) or _("none")))
        previous = now
    return rows


def _lasting(states: list) -> list:
    """The answers of successive days, an answer that holds for one day only giving way to the next,
    dated on its day: a register that writes the same day as the end of one stake and the start of
    the next (both in force that day) hands control over on that day, not through a day of both."""
    out, i = [], 0
    while i < len(states):
        day, now = states[i]
        following = states[i + 1] if i + 1 < len(states) else None
        if following is not None and following[0] == day + dt.timedelta(days=1) and _answer(following[1]) != _answer(now):
            now, i = following[1], i + 1
        out.append((day, now))
        i += 1
    return out


def _answer(report) -> tuple:
    return frozenset(report.actual_controllers), frozenset(o.person for o in report.beneficial.owners)


def cause_days(store: Store, company: str, since: dt.date, until: dt.date) -> list[dt.date]:
    """The days from ``since`` to ``until`` on which a fact the company's control rests on began or
    ended (ended facts count from the day after their last): the holdings, officer roles and declared
    ties of the company and of every party above it, on either end of the window."""
    from .control.answer import upstream

    parties = {company}
    for day in (since - dt.timedelta(days=1), until):
        up = upstream(store.around(company), company, day)
        parties |= set(up.entities) | {h.holder_id for h in up.holdings} | {r.a for r in up.relations}
    edges = store.edges_touching(sorted(parties))
    days = set()
    for fact in [*edges.holdings, *edges.officers, *edges.relations]:
        if fact.since is not None:
            days.add(fact.since)
        if fact.until is not None:
            days.add(day_after(fact.until))
    return sorted(d for d in days if since <= d <= until)


def register_controller_changes(store: Store, arrays, since: dt.date, until: dt.date, mask, may_change,
                                done: set[str] = frozenset(), most: int = 2000) -> list[dict]:
    """The companies (within ``mask`` where given) whose actual controller or beneficial owners differ
    between the day before ``since`` and ``until``, by the control rules and the beneficial-owner rule
    over the whole graph on both days (only where ``may_change`` says they can; the companies ``done``
    left out), each change dated by its cause (:func:`controller_change`), and the companies whose
    answer could change and change back inside the window asked day by day too; at most ``most``
    companies are asked day by day, the rest compared at the window's two ends and dated on its last day."""
    from ..graph.analysis.beneficial_register import beneficial_owner_sets
    from ..graph.analysis.control_rules import JOINT, SINGLE, VERDICTS, control_table
    from .control.answer import identity_decisions

    candidates = arrays.kinds == KIND_CODES[EntityKind.COMPANY]
    if may_change is not None:
        candidates &= may_change
    if mask is not None:
        candidates &= mask
    if not candidates.any():  # nothing above any of them changed: no control to compare
        return []
    decisions = identity_decisions(store, arrays)
    days = (since - dt.timedelta(days=1), until)
    tables = [control_table(arrays, day, decisions=decisions) for day in days]
    keys = []
    for table in tables:
        certain = np.isin(table.final, (SINGLE, JOINT))
        first = np.where(certain, np.minimum(table.ultimate, np.where(table.ultimate_joint >= 0, table.ultimate_joint,
                                                                      table.ultimate)), -1)
        second = np.where(certain & (table.ultimate_joint >= 0), np.maximum(table.ultimate, table.ultimate_joint), -1)
        keys.append((first, second))
    controller_moved = candidates & ((keys[0][0] != keys[1][0]) | (keys[0][1] != keys[1][1]))
    watched = np.flatnonzero(candidates)
    owners = [beneficial_owner_sets(arrays, day, watched, table) for day, table in zip(days, tables)]
    owners_moved = {j for j in watched if sorted(owners[0][j]) != sorted(owners[1][j])}
    moved = set(np.flatnonzero(controller_moved).tolist()) | owners_moved
    # Where facts above a company changed on several days, its answer may have changed and changed back
    # inside the window: the same at both ends, so asked day by day (after the companies that differ).
    several = control_changes_on_several_days(arrays, day_number(since, OPEN_START), day_number(until, OPEN_END))
    again = set(np.flatnonzero(several & candidates).tolist()) - moved
    companies = [arrays.ids[j] for j in [*sorted(moved), *sorted(again)] if arrays.ids[j] not in done]
    entities = store.get_many(companies)
    rows = []
    for company in companies[:most]:
        rows += controller_change(store, entities[company], since, until)
    rest = [arrays.index_of(c) for c in companies[most:] if arrays.index_of(c) in moved]
    named = {i: e.name for i, e in store.get_many({p for j in rest for t, found in zip(tables, owners)
                                                   for p in (*t.actual_controller(j), *found[j])}).items()}

    def who(ids) -> str:
        return ", ".join(f"{named.get(i, i)} ({i})" for i in ids)

    for j in rest:
        company, name = arrays.ids[j], entities[arrays.ids[j]].name
        if controller_moved[j]:
            earlier, later = (who(t.actual_controller(j)) or _(VERDICTS[t.final[j]]) for t in tables)
            rows.append(change_row(until, "controller_changed", company, name, earlier, later))
        if j in owners_moved:
            earlier, later = (who(sorted(found[j])) or _("none") for found in owners)
            rows.append(change_row(until, "beneficial_owner_changed", company, name, earlier, later))
    return rows


def _share(bounds) -> str | None:
    return None if bounds is None else known(Share(*bounds).describe())
