"""The whole graph as integer-indexed numpy arrays, the input of whole-graph algorithms.

Entity ``i`` is ``ids[i]``. Shares are fractions with ``nan`` for unknown; dates are days since
1970-01-01 with :data:`OPEN_START` / :data:`OPEN_END` for a missing start / end, so "valid on day d"
is ``(since <= d) & (d <= until)`` on whole columns.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .model import EntityKind, EventType, Interest, LinkKind, RelationType, effective_day
from .texts import TextColumn

KIND_CODES = {kind: code for code, kind in enumerate(EntityKind)}
INTEREST_CODES = {interest: code for code, interest in enumerate(Interest)}
LINK_CODES = {kind: code for code, kind in enumerate(LinkKind)}
EVENT_CODES = {kind: code for code, kind in enumerate(EventType)}
RELATION_CODES = {kind: code for code, kind in enumerate(RelationType)}
# The same codes keyed by the text a store keeps for each value, as stores read them back.
KIND_CODES_BY_VALUE = {kind.value: code for kind, code in KIND_CODES.items()}
INTEREST_CODES_BY_VALUE = {interest.value: code for interest, code in INTEREST_CODES.items()}
LINK_CODES_BY_VALUE = {kind.value: code for kind, code in LINK_CODES.items()}
EVENT_CODES_BY_VALUE = {kind.value: code for kind, code in EVENT_CODES.items()}
RELATION_CODES_BY_VALUE = {kind.value: code for kind, code in RELATION_CODES.items()}

#: Look-ups by id answered by bisecting the sorted ids before a dict of every id is built.
BISECTED_LOOKUPS = 20_000
OPEN_START = np.iinfo(np.int32).min
OPEN_END = np.iinfo(np.int32).max
_EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date | None, open_value: int) -> int:
    """Days since 1970-01-01, or ``open_value`` for a missing date.

    Examples
    --------
    >>> day_number(dt.date(1970, 1, 2), OPEN_START)
    1
    >>> day_number(None, OPEN_END) == OPEN_END
    True
    """
    return open_value if day is None else (day - _EPOCH).days


def date_of(number: int) -> dt.date:
    """The date of a day number (the inverse of :func:`day_number`).

    Examples
    --------
    >>> date_of(day_number(dt.date(2024, 2, 29), OPEN_START))
    datetime.date(2024, 2, 29)
    """
    return _EPOCH + dt.timedelta(days=int(number))


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of ``values`` in order: ``np.unique(values)`` by a sort. numpy 2.4's
    ``np.unique`` hashes instead and then sorts what it found, 66x slower on this project's machine
    for 8.9 million distinct 64-bit keys (17.7 s against 0.27 s).

    >>> distinct(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(np.ravel(values))
    if len(ordered) < 2:
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


@dataclass
class GraphArrays:
    ids: TextColumn  # given as any sequence of str, kept as TextColumn (Arrow buffers, not 70 million Python strings)
    kinds: np.ndarray  # int8, codes of KIND_CODES
    holding_holder: np.ndarray  # int32 index of the holder
    holding_company: np.ndarray  # int32 index of the company held
    share_low: np.ndarray  # float64 fraction, nan = unknown
    share_high: np.ndarray
    holding_interest: np.ndarray  # int8, codes of INTEREST_CODES
    holding_since: np.ndarray  # int32 day numbers
    holding_until: np.ndarray
    officer_person: np.ndarray
    officer_company: np.ndarray
    officer_role: np.ndarray  # int16 index into officer_roles
    officer_roles: list[str]
    officer_since: np.ndarray
    officer_until: np.ndarray
    link_src: np.ndarray
    link_dst: np.ndarray
    link_kind: np.ndarray  # int8, codes of LINK_CODES
    event_entity: np.ndarray
    event_type: np.ndarray  # int8, codes of EVENT_CODES
    event_date: np.ndarray  # int32 day numbers, OPEN_START when undated
    event_severity: np.ndarray  # int8, 0 when not given
    # Per entity, what its register of holders leaves out (see Entity): nan / False when not stated.
    disclosure_threshold: np.ndarray | None = None  # float64 fraction
    listed: np.ndarray | None = None  # bool
    free_float: np.ndarray | None = None  # float64 fraction
    # Declared ties (relations.csv): a, b, type (codes of RELATION_CODES), validity as day numbers.
    relation_a: np.ndarray | None = None
    relation_b: np.ndarray | None = None
    relation_type: np.ndarray | None = None
    relation_since: np.ndarray | None = None
    relation_until: np.ndarray | None = None
    # Persons' identity keys (Entity.identity), by entity index, for the few that have one.
    identity: dict[int, str] = field(default_factory=dict)
    _index: dict[str, int] | None = field(default=None, repr=False)
    _lookups: int = field(default=0, repr=False)

    def __post_init__(self):
        self.ids = TextColumn.of(self.ids)
        n = len(self.ids)
        for name, dtype in (("relation_a", np.int32), ("relation_b", np.int32), ("relation_type", np.int8),
                            ("relation_since", np.int32), ("relation_until", np.int32)):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(0, dtype=dtype))
        if self.disclosure_threshold is None:
            self.disclosure_threshold = np.full(n, np.nan)
        if self.listed is None:
            self.listed = np.zeros(n, dtype=bool)
        if self.free_float is None:
            self.free_float = np.full(n, np.nan)

    @property
    def n(self) -> int:
        return len(self.ids)

    def index_of(self, entity_id: str) -> int:
        """The index of ``entity_id`` (KeyError when absent). The ids are in code-point order: the
        first look-ups bisect them; a caller asking many times gets a dict built once."""
        if self._index is not None:
            return self._index[entity_id]
        self._lookups += 1
        # A dict costs about a third of a bisection per id to build: worth it past that many look-ups.
        if self._lookups > max(BISECTED_LOOKUPS, len(self.ids) // 3):
            self._index = {i: k for k, i in enumerate(self.ids)}
            return self._index[entity_id]
        at = bisect.bisect_left(self.ids, entity_id)
        if at == len(self.ids) or self.ids[at] != entity_id:
            raise KeyError(entity_id)
        return at

    def holdings_valid_on(self, day: dt.date) -> np.ndarray:
        """A boolean mask of the holdings in force on ``day``."""
        d = day_number(day, 0)
        return (self.holding_since <= d) & (d <= self.holding_until)

    def officers_valid_on(self, day: dt.date) -> np.ndarray:
        d = day_number(day, 0)
        return (self.officer_since <= d) & (d <= self.officer_until)

    def holdings_in_force(self, as_of: dt.date | None) -> np.ndarray:
        """The holdings in force on ``as_of``; with None, those in force today (the one rule of
        :func:`~equitygraph.graph.model.effective_day`, also for a holding that ends in the future)."""
        return self.holdings_valid_on(effective_day(as_of))

    def officers_in_force(self, as_of: dt.date | None) -> np.ndarray:
        """The officer roles in force on ``as_of``, or today."""
        return self.officers_valid_on(effective_day(as_of))

    def relations_in_force(self, as_of: dt.date | None) -> np.ndarray:
        d = day_number(effective_day(as_of), 0)
        return (self.relation_since <= d) & (d <= self.relation_until)


def arrays_from_records(entities, holdings=(), officers=(), links=(), events=(), relations=()) -> GraphArrays:
    """The arrays of a set of records (a small subgraph, say), built exactly as the stores build
    them for the whole graph: ids in code-point order, holdings and roles grouped by company.

    Records whose ends are not among ``entities`` are left out.

    Examples
    --------
    >>> from equitygraph.graph.model import Entity, Holding, Share
    >>> a = arrays_from_records([Entity("P", EntityKind.PERSON, "P"), Entity("C", EntityKind.COMPANY, "C")],
    ...                         [Holding("P", "C", Share.exact(0.6)), Holding("X", "C", Share.exact(0.4))])
    >>> list(a.ids), a.holding_holder.tolist(), a.share_low.tolist()
    (['C', 'P'], [1], [0.6])
    """
    by_id = {e.id: e for e in entities}
    ids = sorted(by_id)
    index = {entity_id: i for i, entity_id in enumerate(ids)}
    people = [by_id[i] for i in ids]
    holdings = sorted((h for h in holdings if h.holder_id in index and h.company_id in index),
                      key=lambda h: (h.company_id, h.key))
    officers = sorted((o for o in officers if o.person_id in index and o.company_id in index),
                      key=lambda o: (o.company_id, o.key))
    links = sorted((link for link in links if link.src in index and link.dst in index),
                   key=lambda link: (link.src, link.dst, link.kind.value))
    events = sorted((e for e in events if e.entity_id in index), key=lambda e: e.id)
    relations = sorted((r for r in relations if r.a in index and r.b in index), key=lambda r: r.key)
    roles = sorted({o.role for o in officers})
    role_codes = {role: code for code, role in enumerate(roles)}

    def col(values, dtype):
        return np.array(list(values), dtype=dtype)

    nan = float("nan")
    return GraphArrays(
        ids=ids,
        kinds=col((KIND_CODES[e.kind] for e in people), np.int8),
        holding_holder=col((index[h.holder_id] for h in holdings), np.int32),
        holding_company=col((index[h.company_id] for h in holdings), np.int32),
        share_low=col((nan if h.share.low is None else h.share.low for h in holdings), np.float64),
        share_high=col((nan if h.share.high is None else h.share.high for h in holdings), np.float64),
        holding_interest=col((INTEREST_CODES[h.interest] for h in holdings), np.int8),
        holding_since=col((day_number(h.since, OPEN_START) for h in holdings), np.int32),
        holding_until=col((day_number(h.until, OPEN_END) for h in holdings), np.int32),
        officer_person=col((index[o.person_id] for o in officers), np.int32),
        officer_company=col((index[o.company_id] for o in officers), np.int32),
        officer_role=col((role_codes[o.role] for o in officers), np.int16),
        officer_roles=roles,
        officer_since=col((day_number(o.since, OPEN_START) for o in officers), np.int32),
        officer_until=col((day_number(o.until, OPEN_END) for o in officers), np.int32),
        link_src=col((index[link.src] for link in links), np.int32),
        link_dst=col((index[link.dst] for link in links), np.int32),
        link_kind=col((LINK_CODES[link.kind] for link in links), np.int8),
        event_entity=col((index[e.entity_id] for e in events), np.int32),
        event_type=col((EVENT_CODES[e.type] for e in events), np.int8),
        event_date=col((day_number(e.date, OPEN_START) for e in events), np.int32),
        event_severity=col((e.severity or 0 for e in events), np.int8),
        disclosure_threshold=col((nan if e.disclosure_threshold is None else e.disclosure_threshold for e in people),
                                 np.float64),
        listed=col((bool(e.listed) for e in people), bool),
        free_float=col((nan if e.free_float is None else e.free_float for e in people), np.float64),
        relation_a=col((index[r.a] for r in relations), np.int32),
        relation_b=col((index[r.b] for r in relations), np.int32),
        relation_type=col((RELATION_CODES[r.type] for r in relations), np.int8),
        relation_since=col((day_number(r.since, OPEN_START) for r in relations), np.int32),
        relation_until=col((day_number(r.until, OPEN_END) for r in relations), np.int32),
        identity={i: e.identity for i, e in enumerate(people) if e.identity},
    )
