"""A register snapshot reconciled with the history in the store (pure, no I/O).

A snapshot is the whole register as of one day. Against the facts still open in the store
(holdings, officer roles, declared ties, and addresses and phones: links) it says
which ended (absent now: their ``until`` set to the day before the snapshot), which changed (a
holding or declared tie of the same parties with another share: the old one ended, a new one
started on the snapshot day), which are new (starting on the register's own date, or on the
snapshot day where it gives none) and which are unchanged (left as they are). Nothing is deleted,
so a question asked ``as_of`` a day between two snapshots is answered from the earlier one.

Only the kinds of fact the snapshot carries are compared: a register without officer roles ends
no officer role, and declared ties of a type the snapshot has none of are kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from operator import attrgetter
from dataclasses import dataclass, field
from typing import Iterable

from ..graph.model import Holding, Link, Officer, Relation

Fact = Holding | Officer | Relation | Link
_DAY = dt.timedelta(days=1)


_IDENTITY = {Holding: lambda f: (1, f.holder_id, f.company_id, f.interest),
             Officer: lambda f: (2, f.person_id, f.company_id, f.role),
             Link: lambda f: (3, f.src, f.dst, f.kind), Relation: lambda f: (4, f.a, f.b, f.type)}
_SHARE = {Holding: attrgetter("share"), Relation: attrgetter("share"), Officer: lambda f: None, Link: lambda f: None}


def identity(fact: Fact) -> tuple:
    """What makes two records of one fact, whatever their dates and share: the kind of fact, the
    parties and the interest, role, kind of link or type.

    Examples
    --------
    >>> from equitygraph.graph.model import Share
    >>> identity(Holding("P", "C", Share.exact(0.3))) == identity(Holding("P", "C", Share.exact(0.6)))
    True
    """
    return _IDENTITY[type(fact)](fact)


def _share(fact: Fact):
    return _SHARE[type(fact)](fact)


def in_force_on(fact: Fact, day: dt.date) -> bool:
    return (fact.since is None or fact.since <= day) and (fact.until is None or fact.until >= day)


@dataclass
class Reconciled:
    """What a snapshot changes: the records to write (ended and new versions) and what each was."""

    day: dt.date
    ended: list[Fact] = field(default_factory=list)  # stored facts with their ``until`` now set
    changed: list[tuple[Fact, Fact]] = field(default_factory=list)  # (old ended, new started)
    started: list[Fact] = field(default_factory=list)  # new facts
    updated: list[Fact] = field(default_factory=list)  # the same fact with a new end date from the register
    unchanged: int = 0
    recorded: list[Fact] = field(default_factory=list)  # facts the register gives as ended already

    def writes(self) -> list[Fact]:
        return [*self.ended, *(fact for pair in self.changed for fact in pair), *self.started, *self.updated,
                *self.recorded]

    @property
    def changes(self) -> int:
        return len(self.ended) + len(self.changed) + len(self.started) + len(self.updated)

    def counts(self) -> dict[str, int]:
        return {"facts ended": len(self.ended), "shares changed": len(self.changed), "facts started": len(self.started),
                "end dates changed": len(self.updated), "facts unchanged": self.unchanged}


def compared(stored: Iterable[Fact], snapshot: Iterable[Fact]) -> list[Fact]:
    """The stored facts a snapshot speaks for: of the kinds it carries (declared ties of the types
    it carries, links of the kinds it carries: a register of addresses only ends no phone)."""
    snapshot = list(snapshot)
    carries = {type(f) for f in snapshot}
    types = {f.type for f in snapshot if isinstance(f, Relation)} | {f.kind for f in snapshot if isinstance(f, Link)}
    return [f for f in stored if type(f) in carries
            and (f.type in types if isinstance(f, Relation) else f.kind in types if isinstance(f, Link) else True)]


def reconcile(stored: Iterable[Fact], snapshot: Iterable[Fact], day: dt.date, dated: bool = True) -> Reconciled:
    """Reconcile the register as of ``day`` (``snapshot``) with the ``stored`` facts open on it.

    ``stored``: the facts of the kinds the snapshot carries (see :func:`compared`) not ended
    before ``day``. ``dated``: whether a new fact without a start date starts on ``day`` (the store
    already had a history to add to) or stays open at its start (the first snapshot of a store).

    A snapshot fact is the stored one when they are one fact (:func:`identity`) with the same share;
    a share changed ends the old version on the day before the new one starts (the register's date
    for it where that is later than the old start and not after ``day``, else ``day``). A stored
    fact with no counterpart ends on the day before ``day``.

    Examples
    --------
    >>> from equitygraph.graph.model import Share
    >>> day = dt.date(2026, 6, 30)
    >>> stored = [Holding("A", "C", Share.exact(0.6)), Holding("B", "C", Share.exact(0.4))]
    >>> done = reconcile(stored, [Holding("A", "C", Share.exact(0.8)), Holding("D", "C", Share.exact(0.2))], day)
    >>> [(h.holder_id, h.until) for h in done.ended]
    [('B', datetime.date(2026, 6, 29))]
    >>> [(old.until, new.since, new.share.low) for old, new in done.changed]
    [(datetime.date(2026, 6, 29), datetime.date(2026, 6, 30), 0.8)]
    >>> [(h.holder_id, h.since) for h in done.started]
    [('D', datetime.date(2026, 6, 30))]
    """
    done = Reconciled(day)
    open_now: dict[tuple, list[Fact]] = {}
    for fact in stored:
        if fact.since is not None and fact.since > day:
            continue  # a fact the store dates after the snapshot: not the snapshot's to judge
        open_now.setdefault(identity(fact), []).append(fact)
    for fact in snapshot:
        if not in_force_on(fact, day):
            done.recorded.append(fact)  # history the register gives, or a future start: written as given
            continue
        olds = open_now.get(identity(fact), [])
        share = _share(fact)
        same = next((old for old in olds if _share(old) == share), None)
        if same is not None:
            olds.remove(same)
            if same.until != fact.until:
                done.updated.append(dataclasses.replace(same, until=fact.until))
            else:
                done.unchanged += 1
        elif olds:
            old = olds.pop(0)
            starts = fact.since if fact.since is not None and (old.since is None or fact.since > old.since) else day
            new = dataclasses.replace(fact, since=starts)
            done.changed.append((dataclasses.replace(old, until=max(starts - _DAY, old.since or dt.date.min)), new))
        else:
            done.started.append(fact if fact.since is not None or not dated else dataclasses.replace(fact, since=day))
    for olds in open_now.values():
        for old in olds:
            done.ended.append(dataclasses.replace(old, until=_end(old, day)))
    return done


def _end(fact: Fact, day: dt.date) -> dt.date:
    last = day - _DAY
    return last if fact.since is None or fact.since <= last else fact.since
