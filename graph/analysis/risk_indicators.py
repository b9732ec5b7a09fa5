"""The intrinsic indicators of illegal-fundraising risk, in five dimensions, for every company at
once (docs/risk.md); the weights, words and thresholds they read (risk.toml)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..arrays import EVENT_CODES, KIND_CODES, GraphArrays, day_number, distinct
from ..model import EntityKind, EventType, effective_day
from .control_rules import JOINT, SINGLE, ControlTable

DIMENSIONS = ("equity", "compliance", "business", "public_opinion", "complaints")
INDICATORS = {
    "equity": ("pyramid", "nominee_holder", "frequent_changes", "handover_before_event", "far_from_cash_flow"),
    "compliance": ("penalty", "court_case", "abnormal_operation", "capital_gap", "young_and_large"),
    "business": ("fundraising_words", "finance_name"),
    "public_opinion": ("negative_news",),
    "complaints": ("complaint",),
}


@dataclass(frozen=True)
class RiskConfig:
    """The weights, words and thresholds of risk.toml, checked (``queries.risk.config`` reads them)."""

    sections: dict

    def __getitem__(self, name: str) -> dict:
        return self.sections[name]

    def tier(self, score: float) -> str:
        return str(self.tiers_of(np.array([score]))[0])

    def tiers_of(self, scores: np.ndarray) -> np.ndarray:
        """red, orange, yellow or "" for each score: the highest threshold it reaches."""
        names = ("red", "orange", "yellow")
        return np.select([scores >= self["tiers"][name] - 1e-12 for name in names], names, default="")


@dataclass(frozen=True)
class Texts:
    """Many short texts (a million company names) lower-cased in one string, a newline after each:
    a fraction of the memory of a million str objects, and one ``str.find`` scans them all."""

    joined: str
    starts: np.ndarray  # where each text begins in ``joined``
    rows: np.ndarray  # the company row each text belongs to

    @classmethod
    def collect(cls) -> "TextsBuilder":
        return TextsBuilder()

    def holding(self, word: str) -> np.ndarray:
        """The rows whose text holds ``word`` (already lower-cased), each once."""
        at, spots = self.joined.find(word), []
        while at >= 0:
            spots.append(at)
            at = self.joined.find(word, at + len(word))
        if not spots:
            return np.zeros(0, dtype=np.int64)
        return distinct(self.rows[np.searchsorted(self.starts, np.array(spots), side="right") - 1])


class TextsBuilder:
    """Adds texts a chunk at a time, joining each chunk at once, so that the million strings never coexist."""

    def __init__(self):
        self._chunks: list[str] = []
        self._lengths: list[int] = []
        self._rows: list[int] = []

    def extend(self, rows: list[int], texts: list[str]) -> None:
        """The texts of ``rows``, each lower-cased alone (a few letters lengthen when lower-cased,
        which must not shift the rest)."""
        low = [text.lower() for text in texts]
        self._chunks.append("".join(f"{p}\n" for p in low))
        self._lengths += [len(p) + 1 for p in low]
        self._rows += rows

    def build(self) -> Texts:
        lengths = np.array(self._lengths, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if len(lengths) else lengths
        return Texts("".join(self._chunks), starts, np.array(self._rows, dtype=np.int64))


@dataclass
class Facts:
    """What the indicators read of each company besides the graph: one row per company, in entity
    index order (the rows of :class:`Indicators`)."""

    names: Texts
    scopes: Texts
    registered: np.ndarray  # float, nan where not given
    paid_in: np.ndarray
    founded: np.ndarray  # day numbers, OPEN_START where not given


@dataclass
class Indicators:
    """Every company's indicators (values 0-1), dimension scores and intrinsic score.

    ``values``, ``dimension`` and ``counts`` hold one row per company (``row(j)`` is entity j's);
    ``intrinsic`` and ``confirmed`` one per entity (0 and False for all but companies)."""

    values: dict[str, np.ndarray]
    dimension: dict[str, np.ndarray]
    intrinsic: np.ndarray
    confirmed: np.ndarray  # bool: a confirmed case on record by the as-of date
    members: np.ndarray  # the entity index of each company row
    words: dict[int, list[str]] = field(default_factory=dict)  # fundraising words found, by entity
    counts: dict[str, np.ndarray] = field(default_factory=dict)  # what lies behind an indicator, by kind

    def row(self, j: int) -> int:
        """Entity ``j``'s row in ``values``, ``dimension`` and ``counts``."""
        at = int(np.searchsorted(self.members, j))
        if at >= len(self.members) or self.members[at] != j:
            raise KeyError(f"entity {j} is not a company")
        return at


def indicators(arrays: GraphArrays, facts: Facts, table: ControlTable, config: RiskConfig,
               as_of: dt.date | None = None) -> Indicators:
    """The intrinsic indicators of every company, only facts dated on or before ``as_of`` counting."""
    today = day_number(effective_day(as_of), 0)
    members = np.flatnonzero(arrays.kinds == KIND_CODES[EntityKind.COMPANY])
    m = len(members)
    if len(facts.registered) != m:
        raise ValueError(f"facts of {len(facts.registered)} companies for {m} companies in the arrays")
    per_company = _Counter(arrays.n, members)
    values: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    _equity(arrays, table, config, as_of, today, per_company, values, counts)
    confirmed = _events(arrays, config, today, per_company, values, counts)
    _compliance(facts, config, today, values)
    words_found, fundraising, finance = _words(facts, members, config["words"])
    values["fundraising_words"] = np.minimum(1.0, fundraising / 2)
    values["finance_name"] = finance.astype(float)
    dimension, intrinsic = _dimensions(values, config, arrays.n, members)
    company = np.zeros(arrays.n, dtype=bool)
    company[members] = True
    return Indicators(values, dimension, intrinsic, confirmed & company, members, words_found, counts)


class _Counter:
    """Counts (or weighted sums) per company of facts given by entity index; others are left out."""

    def __init__(self, n: int, members: np.ndarray):
        self.m = len(members)
        self.slot = np.full(n, -1, dtype=np.int64)
        self.slot[members] = np.arange(self.m)

    def __call__(self, entities: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        rows = self.slot[entities]
        mine = rows >= 0
        return np.bincount(rows[mine], weights=None if weights is None else weights[mine], minlength=self.m)


def _equity(arrays: GraphArrays, table: ControlTable, config: RiskConfig, as_of: dt.date | None, today: int,
            per_company: _Counter, values: dict, counts: dict) -> None:
    """Pyramids, nominee holders, frequent changes, handovers before events, control far from cash flow."""
    n = arrays.n
    eq = config["equity"]
    members = np.flatnonzero(per_company.slot >= 0)
    row = table.rows.of[members]
    hops = np.where(row >= 0, table.by_row["hops"][np.maximum(row, 0)], 0)
    final = np.where(row >= 0, table.by_row["final"][np.maximum(row, 0)], -1)
    certain = (final == SINGLE) | (final == JOINT)
    values["pyramid"] = np.where(certain & (hops >= 2), np.minimum(1.0, (hops - 1) / 3), 0.0)
    counts["hops"] = np.where(certain, hops, 0).astype(np.int64)
    held = arrays.holdings_in_force(as_of)
    holders, holdings = arrays.holding_holder[held], arrays.holding_company[held]
    stakes = np.bincount(holders, minlength=n)
    is_person = arrays.kinds == KIND_CODES[EntityKind.PERSON]
    nominee = is_person[holders] & (stakes[holders] >= eq["nominee_stakes"])
    values["nominee_holder"] = (per_company(holdings[nominee]) > 0).astype(float)
    window = eq["change_window_days"]
    legal_codes = [i for i, role in enumerate(arrays.officer_roles) if role == "legal_representative"]
    rep = np.isin(arrays.officer_role, legal_codes)
    # A change is a day on which holders or the legal representative changed: a stake passed from one
    # holder to another, or ten holders leaving in one restructuring, is one change.
    changed = [(arrays.holding_company, arrays.holding_since), (arrays.holding_company, arrays.holding_until),
               (arrays.officer_company[rep], arrays.officer_since[rep]),
               (arrays.officer_company[rep], arrays.officer_until[rep])]
    keys = np.concatenate([company_of[_within(days, today - window, today)].astype(np.int64) * (1 << 32)
                           + days[_within(days, today - window, today)].astype(np.int64) + (1 << 31)
                           for company_of, days in changed])
    changes = per_company((distinct(keys) >> 32).astype(np.int64))
    counts["changes"] = changes
    values["frequent_changes"] = np.minimum(1.0, changes / eq["changes_for_full"])
    values["handover_before_event"] = (per_company(_handover(arrays, today, eq["handover_window_days"])) > 0).astype(float)
    values["far_from_cash_flow"] = _far_from_cash_flow(table, per_company.slot, per_company.m)


def _events(arrays: GraphArrays, config: RiskConfig, today: int, per_company: _Counter, values: dict,
            counts: dict) -> np.ndarray:
    """Penalties, court cases, abnormal operation, negative news and complaints, recent ones weighing
    more; returns which entities have a confirmed case."""
    undated = arrays.event_date == np.iinfo(np.int32).min
    dated = (arrays.event_date <= today) | undated
    age = np.where(undated, 0, today - arrays.event_date).astype(float)
    recency = np.power(0.5, np.maximum(age, 0) / config["recency"]["half_life_days"])
    for kind, name in ((EventType.PENALTY, "penalty"), (EventType.COURT_CASE, "court_case"),
                       (EventType.ABNORMAL_OPERATION, "abnormal_operation"), (EventType.NEGATIVE_NEWS, "negative_news"),
                       (EventType.COMPLAINT, "complaint")):
        mine = dated & (arrays.event_type == EVENT_CODES[kind])
        counts[name] = per_company(arrays.event_entity[mine])
        values[name] = 1.0 - np.exp(-per_company(arrays.event_entity[mine], recency[mine]))
    confirmed = np.zeros(arrays.n, dtype=bool)
    confirmed[arrays.event_entity[dated & (arrays.event_type == EVENT_CODES[EventType.CONFIRMED_CASE])]] = True
    return confirmed


def _compliance(facts: Facts, config: RiskConfig, today: int, values: dict) -> None:
    """Capital paid in far below the registered capital; young companies with large capital."""
    co = config["compliance"]
    registered, paid = facts.registered, facts.paid_in
    gap = (registered > 0) & ((paid == 0) | (registered >= co["capital_gap_ratio"] * np.where(paid > 0, paid, np.inf)))
    values["capital_gap"] = gap.astype(float)
    founded = facts.founded
    young = (founded > today - co["young_days"]) & (founded <= today)
    values["young_and_large"] = (young & (registered >= co["large_capital"])).astype(float)


def _dimensions(values: dict, config: RiskConfig, n: int, members: np.ndarray):
    """Each dimension's score (one minus the product of what each indicator leaves), and their
    weighted mean as every company's intrinsic score (over all entities)."""
    dimension = {}
    for dim in DIMENSIONS:
        weights = config[dim]
        keep = np.ones(len(members))
        for name in INDICATORS[dim]:
            keep *= 1.0 - weights[name] * np.clip(values[name], 0.0, 1.0)
        dimension[dim] = 1.0 - keep
    total = sum(config["dimensions"][d] for d in DIMENSIONS) or 1.0
    intrinsic = np.zeros(n)
    intrinsic[members] = sum(config["dimensions"][d] * dimension[d] for d in DIMENSIONS) / total
    return dimension, intrinsic


def _within(days: np.ndarray, start: int, stop: int) -> np.ndarray:
    return (days > start) & (days <= stop)


def _handover(arrays: GraphArrays, today: int, window: int) -> np.ndarray:
    """The entities (with repeats) whose stake was taken or given up within ``window`` days before a
    risk event of theirs."""
    events = (arrays.event_date <= today) & (arrays.event_date > np.iinfo(np.int32).min)
    if not events.any():
        return np.zeros(0, dtype=np.int64)
    key = arrays.event_entity[events].astype(np.int64) * (1 << 32) + (arrays.event_date[events].astype(np.int64) + (1 << 31))
    key.sort()
    out = []
    for days in (arrays.holding_since, arrays.holding_until):
        real = (days > np.iinfo(np.int32).min) & (days < np.iinfo(np.int32).max) & (days <= today)
        company = arrays.holding_company[real].astype(np.int64)
        probe = company * (1 << 32) + (days[real].astype(np.int64) + (1 << 31))
        at = np.searchsorted(key, probe)  # the first event on or after the change
        found = at < len(key)
        nxt = key[np.minimum(at, len(key) - 1)]
        close = found & (nxt >> 32 == company) & ((nxt & 0xFFFFFFFF) - (1 << 31) - days[real] <= window)
        out.append(company[close])
    return np.concatenate(out)


def _far_from_cash_flow(table: ControlTable, slot: np.ndarray, m: int) -> np.ndarray:
    """How far below a fifth of the cash flow its controller stands: the product of the votes along
    the control path (each step's share), against 20 %."""
    rows = table.by_row
    product = np.where((rows["verdict"] == SINGLE) | (rows["verdict"] == JOINT), rows["votes_low"], 0.0)
    current = rows["controller"].copy()
    active = rows["verdict"] == SINGLE
    for _ in range(16):
        r = table.rows.of[np.maximum(current, 0)]
        go = active & (current >= 0) & (r >= 0)
        go[go] = rows["verdict"][r[go]] == SINGLE
        if not go.any():
            break
        product[go] *= rows["votes_low"][r[go]]
        current = np.where(go, rows["controller"][np.maximum(r, 0)], -1)
        active = go
    out = np.zeros(m)
    certain = (rows["final"] == SINGLE) | (rows["final"] == JOINT)
    far = np.where(certain & (product < 0.2), 1.0 - product / 0.2, 0.0)
    at = slot[table.rows.entity]
    out[at[at >= 0]] = far[at >= 0]
    return out


def _words(facts: Facts, members: np.ndarray, words: dict) -> tuple[dict[int, list[str]], np.ndarray, np.ndarray]:
    """The fundraising words in each company's name and business scope (how many different ones,
    per company row, and which, per entity), and whether its name is finance-flavoured; case does
    not matter."""
    found: dict[int, list[str]] = {}
    for word in dict.fromkeys(w.lower() for w in words["fundraising"]):
        rows = np.union1d(facts.names.holding(word), facts.scopes.holding(word))
        for j in members[rows].tolist():
            found.setdefault(j, []).append(word)
    hits = np.zeros(len(members))
    for j, seen in found.items():
        found[j] = sorted(seen)
    if found:
        hits[np.searchsorted(members, np.fromiter(found, dtype=np.int64))] = [len(w) for w in found.values()]
    named = np.zeros(len(members), dtype=bool)
    for word in dict.fromkeys(w.lower() for w in words["finance_name"]):
        named[facts.names.holding(word)] = True
    return found, hits, named


