"""Risk of illegal fundraising: explainable indicators in five dimensions, and risk that spreads from
known cases through control, holdings, officers, declared ties and shared contacts (docs/risk.md).

Everything here is arrays in, arrays out: the indicators of every company at once, the network
scores over scipy.sparse, and the contributions that explain a few companies' scores.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..arrays import EVENT_CODES, KIND_CODES, LINK_CODES, GraphArrays, day_number
from ..model import EntityKind, EventType, LinkKind, effective_day
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
        return np.unique(self.rows[np.searchsorted(self.starts, np.array(spots), side="right") - 1])


class TextsBuilder:
    """Adds texts one by one, joining them in chunks so that the million strings never coexist."""

    CHUNK = 65536

    def __init__(self):
        self._chunks: list[str] = []
        self._pending: list[str] = []
        self._lengths: list[int] = []
        self._rows: list[int] = []

    def add(self, row: int, text: str) -> None:
        low = text.lower()  # per text: a few letters lengthen when lower-cased, which must not shift the rest
        self._pending.append(low)
        self._lengths.append(len(low) + 1)
        self._rows.append(row)
        if len(self._pending) >= self.CHUNK:
            self._chunks.append("".join(f"{p}\n" for p in self._pending))
            self._pending = []

    def build(self) -> Texts:
        self._chunks.append("".join(f"{p}\n" for p in self._pending))
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
    n = arrays.n
    today = day_number(effective_day(as_of), 0)
    company = arrays.kinds == KIND_CODES[EntityKind.COMPANY]
    members = np.flatnonzero(company)
    m = len(members)
    slot = np.full(n, -1, dtype=np.int64)
    slot[members] = np.arange(m)

    def per_company(entities: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        rows = slot[entities]
        mine = rows >= 0
        return np.bincount(rows[mine], weights=None if weights is None else weights[mine], minlength=m)

    values: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    eq, co = config["equity"], config["compliance"]

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
    changes = per_company((np.unique(keys) >> 32).astype(np.int64))
    counts["changes"] = changes
    values["frequent_changes"] = np.minimum(1.0, changes / eq["changes_for_full"])
    values["handover_before_event"] = (per_company(_handover(arrays, today, eq["handover_window_days"])) > 0).astype(float)
    values["far_from_cash_flow"] = _far_from_cash_flow(table, slot, m)

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
    confirmed = np.zeros(n, dtype=bool)
    confirmed[arrays.event_entity[dated & (arrays.event_type == EVENT_CODES[EventType.CONFIRMED_CASE])]] = True

    if len(facts.registered) != m:
        raise ValueError(f"facts of {len(facts.registered)} companies for {m} companies in the arrays")
    registered, paid = facts.registered, facts.paid_in
    gap = (registered > 0) & ((paid == 0) | (registered >= co["capital_gap_ratio"] * np.where(paid > 0, paid, np.inf)))
    values["capital_gap"] = gap.astype(float)
    founded = facts.founded
    young = (founded > today - co["young_days"]) & (founded <= today)
    values["young_and_large"] = (young & (registered >= co["large_capital"])).astype(float)

    words_found, fundraising, finance = _words(facts, members, config["words"])
    values["fundraising_words"] = np.minimum(1.0, fundraising / 2)
    values["finance_name"] = finance.astype(float)

    dimension = {}
    for dim in DIMENSIONS:
        weights = config[dim]
        keep = np.ones(m)
        for name in INDICATORS[dim]:
            keep *= 1.0 - weights[name] * np.clip(values[name], 0.0, 1.0)
        dimension[dim] = 1.0 - keep
    total = sum(config["dimensions"][d] for d in DIMENSIONS) or 1.0
    intrinsic = np.zeros(n)
    intrinsic[members] = sum(config["dimensions"][d] * dimension[d] for d in DIMENSIONS) / total
    return Indicators(values, dimension, intrinsic, confirmed & company, members, words_found, counts)


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


@dataclass
class Network:
    """Risk received through the network, per entity, and what it took to compute it."""

    score: np.ndarray  # 0-1: the risk received from others, on the intrinsic scale
    received: np.ndarray  # the risk received, as the walk adds it up (a seed's own echo taken off)
    seeds: np.ndarray  # the starting risk of each entity
    spread: sp.csr_matrix  # carry x the weighted, hub-damped, row-normalised links of the walked entities
    walked: np.ndarray  # the entity of each row of ``spread``, ascending (leaves are not walked)
    method: str

    def row(self, j: int) -> int:
        """Entity ``j``'s row in ``spread``, or -1 where it is a leaf."""
        at = int(np.searchsorted(self.walked, j))
        return at if at < len(self.walked) and self.walked[at] == j else -1

    def neighbours(self, j: int) -> int:
        """How many entities the walk links ``j`` to."""
        r = self.row(j)
        return int(self.spread.indptr[r + 1] - self.spread.indptr[r]) if r >= 0 else 0

    def path(self, start: int, goal: int) -> list[int]:
        """A shortest path of entities from ``start`` to ``goal`` over the walked links."""
        a, b = self.row(start), self.row(goal)
        return [int(self.walked[r]) for r in path_between(self.spread, a, b)] if a >= 0 and b >= 0 else []


def link_matrix(arrays: GraphArrays, table: ControlTable, config: RiskConfig,
                as_of: dt.date | None = None) -> sp.csr_matrix:
    """The symmetric weighted links between entities (weights of risk.toml, hubs damped)."""
    src, dst, weight = link_list(arrays, table, config, as_of)
    return _symmetric(src, dst, weight, arrays.n)


def _symmetric(src: np.ndarray, dst: np.ndarray, weight: np.ndarray, n: int) -> sp.csr_matrix:
    links = sp.coo_matrix((np.concatenate([weight, weight]), (np.concatenate([src, dst]), np.concatenate([dst, src]))),
                          shape=(n, n)).tocsr()
    links.eliminate_zeros()  # a link kind weighted 0 is no link at all
    return links


def link_list(arrays: GraphArrays, table: ControlTable, config: RiskConfig,
              as_of: dt.date | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every link once, as (one end, the other, weight), hubs damped; a pair may be linked twice
    (a holding and control)."""
    w = config["links"]
    parts = []
    held = arrays.holdings_in_force(as_of)
    share = np.nan_to_num(arrays.share_low[held], nan=0.05)
    parts.append((arrays.holding_holder[held], arrays.holding_company[held], w["holding"] * np.maximum(share, 0.05)))
    rows = table.by_row
    direct = (rows["verdict"] == SINGLE) | (rows["verdict"] == JOINT)
    parts.append((rows["controller"][direct], table.rows.entity[direct], np.full(direct.sum(), w["control"])))
    joint = rows["verdict"] == JOINT
    parts.append((rows["joint_partner"][joint], table.rows.entity[joint], np.full(joint.sum(), w["control"])))
    roles = arrays.officers_in_force(as_of)
    legal = np.isin(arrays.officer_role, [i for i, r in enumerate(arrays.officer_roles) if r == "legal_representative"])
    for mask, name in ((roles & legal, "legal_representative"), (roles & ~legal, "officer")):
        parts.append((arrays.officer_person[mask], arrays.officer_company[mask], np.full(mask.sum(), w[name])))
    declared = arrays.relations_in_force(as_of)
    parts.append((arrays.relation_a[declared], arrays.relation_b[declared], np.full(declared.sum(), w["declared"])))
    contact = arrays.link_kind == LINK_CODES[LinkKind.HAS_CONTACT]
    parts.append((arrays.link_src[contact], arrays.link_dst[contact], np.full(contact.sum(), w["contact"])))
    parts.append((arrays.link_src[~contact], arrays.link_dst[~contact], np.full((~contact).sum(), w["address"])))
    src = np.concatenate([p[0] for p in parts], dtype=np.int32)
    dst = np.concatenate([p[1] for p in parts], dtype=np.int32)
    weight = np.concatenate([p[2] for p in parts], dtype=float)
    del parts
    degree = np.bincount(src, minlength=arrays.n)
    degree += np.bincount(dst, minlength=arrays.n)
    # A registration agent's address or a professional nominee ties hundreds of strangers: each of its
    # links carries hub_degree / degree of a link's weight.
    damping = np.minimum(1.0, config["contagion"]["hub_degree"] / np.maximum(degree, 1))
    del degree
    weight *= damping[src]
    weight *= damping[dst]
    return src, dst, weight


def contagion(arrays: GraphArrays, table: ControlTable, found: Indicators, config: RiskConfig,
              as_of: dt.date | None = None) -> Network:
    """Risk that spreads from confirmed cases and from high intrinsic risk (see docs/risk.md)."""
    c = config["contagion"]
    src, dst, weight = link_list(arrays, table, config, as_of)
    strength = np.zeros(arrays.n)  # float even with no links at all (bincount of nothing is integer)
    strength += np.bincount(src, weights=weight, minlength=arrays.n)
    strength += np.bincount(dst, weights=weight, minlength=arrays.n)
    strength[strength <= 1e-300] = 0.0  # next to nothing is nothing: its inverse would overflow
    inverse = np.divide(1.0, strength, out=strength, where=strength > 0)  # in place: 0 stays 0
    # A holder, address or phone tied to one company only passes nothing between companies: it would
    # only hand the company's own risk back. Such leaves keep their weight in their company's share
    # of links but are left out of the walk (most of a registry's persons, addresses and phones).
    # An entity's links all go to one neighbour when the least and the greatest neighbour agree.
    real = weight > 0
    least = np.full(arrays.n, np.iinfo(np.int32).max, dtype=np.int32)
    most = np.full(arrays.n, -1, dtype=np.int32)
    for ends, others in ((src, dst), (dst, src)):
        np.minimum.at(least, ends[real], others[real])
        np.maximum.at(most, ends[real], others[real])
    walked = np.flatnonzero((arrays.kinds == KIND_CODES[EntityKind.COMPANY]) | (least < most))
    del least, most
    at = np.full(arrays.n, -1, dtype=np.int32)
    at[walked] = np.arange(len(walked), dtype=np.int32)
    kept = real & (at[src] >= 0) & (at[dst] >= 0)
    links = _symmetric(at[src[kept]], at[dst[kept]], weight[kept], len(walked))
    del src, dst, weight, kept, real, at
    indptr, columns, weight = links.indptr, links.indices, links.data
    inverse = inverse[walked]
    # A risky company's own risk comes back to it through each neighbour (there and back again, and
    # again): that echo is its own, not its network's. With d the part that returns in two steps
    # (sum over neighbours j of spread_ij spread_ji), the echo is d + d² + ... = d / (1 - d) of its
    # seed, exact for a neighbour tied to nothing else.
    squared = sp.csr_matrix((weight ** 2, columns, indptr), shape=links.shape)
    back = c["carry"] ** 2 * inverse * (squared @ inverse)
    del squared
    weight *= np.repeat(c["carry"] * inverse, np.diff(indptr))
    spread = sp.csr_matrix((weight, columns, indptr), shape=links.shape)
    seeds = np.where(found.confirmed, c["seed_confirmed"], c["seed_intrinsic"] * found.intrinsic)
    start = seeds[walked]
    if c["method"] == "debtrank":
        got = _debtrank(spread, start, c["max_steps"])
    else:
        got = _pagerank(spread, start, c["max_steps"])
    received = np.zeros(arrays.n)
    received[walked] = np.maximum(got - back / (1.0 - back) * start, 0.0)
    # Companies meet through a person, a phone or an address: two links, carry² of the risk. Measured
    # in that unit and bounded smoothly in [0, 1), it sits on the intrinsic score's scale (a company
    # whose one tie is a legal representative shared with one confirmed case scores 0.49).
    return Network(1.0 - np.exp(-received / c["carry"] ** 2), received, seeds, spread, walked, c["method"])


def combine(found: Indicators, network: Network, config: RiskConfig) -> np.ndarray:
    """The combined score: the weighted mean of the intrinsic and the network score; 1 for a confirmed case."""
    w = config["combine"]
    score = (w["intrinsic"] * found.intrinsic + w["network"] * network.score) / (w["intrinsic"] + w["network"])
    return np.where(found.confirmed, 1.0, score)


def _pagerank(spread: sp.csr_matrix, seeds: np.ndarray, steps: int, tol: float = 1e-7) -> np.ndarray:
    """Personalised PageRank without the seed's own share: the sum over paths of one link or more
    of the product of the carried shares, times the risk at the path's start."""
    received = np.zeros(len(seeds))
    term = seeds.copy()
    for _ in range(steps):
        term = spread @ term
        received += term
        if term.max(initial=0.0) < tol:
            break
    return received


def _debtrank(spread: sp.csr_matrix, seeds: np.ndarray, steps: int) -> np.ndarray:
    """DebtRank: each entity passes risk on once, in the round after it was first hit, so risk does
    not echo round cycles."""
    level = seeds.copy()
    active = seeds > 0
    spent = np.zeros(len(seeds), dtype=bool)
    for _ in range(steps):
        if not active.any():
            break
        push = np.where(active, level, 0.0)
        gained = spread @ push
        new_level = np.minimum(1.0, level + gained)
        spent |= active
        active = (new_level > level + 1e-12) & ~spent
        level = new_level
    return level - seeds


def contributions(network: Network, targets: np.ndarray, top: int = 5, steps: int = 30,
                  prune: float = 1e-5) -> tuple[list[list[tuple[int, float]]], list[int]]:
    """For each target entity, the ``top`` seeds its network risk comes from most, with the part of
    the received risk each gives (PageRank form: row i of sum_k spread^k, times the seeds), and how
    many seeds give it something at all. Paths whose carried share falls below ``prune`` are dropped."""
    local = np.array([network.row(int(j)) for j in targets], dtype=np.int64)
    if (local < 0).any():
        raise ValueError("contributions are for walked entities (companies and parties linking two or more)")
    rows = sp.csr_matrix((np.ones(len(targets)), (np.arange(len(targets)), local)),
                         shape=(len(targets), network.spread.shape[0]))
    total = sp.csr_matrix(rows.shape)
    term = rows
    for _ in range(steps):
        term = (term @ network.spread).tocsr()
        term.data[term.data < prune] = 0.0
        term.eliminate_zeros()
        if term.nnz == 0:
            break
        total = total + term
    total = total.tocsr()
    seeds = network.seeds[network.walked]
    out, counts = [], []
    for k in range(len(targets)):
        start, stop = total.indptr[k], total.indptr[k + 1]
        cols, vals = total.indices[start:stop], total.data[start:stop] * seeds[total.indices[start:stop]]
        vals = np.where(cols == local[k], 0.0, vals)  # its own risk echoed back is not a source
        order = np.argsort(-vals)[:top]
        out.append([(int(network.walked[cols[o]]), float(vals[o])) for o in order if vals[o] > 0])
        counts.append(int((vals > 0).sum()))
    return out, counts


def path_between(adjacency: sp.csr_matrix, start: int, goal: int, max_hops: int = 6, cap: int = 20000) -> list[int]:
    """A shortest path from ``start`` to ``goal`` over the links (breadth first, bounded)."""
    parent = {start: -1}
    frontier = [start]
    for _ in range(max_hops):
        nxt = []
        for node in frontier:
            for other in adjacency.indices[adjacency.indptr[node]:adjacency.indptr[node + 1]].tolist():
                if other not in parent:
                    parent[other] = node
                    if other == goal:
                        path = [goal]
                        while parent[path[-1]] != -1:
                            path.append(parent[path[-1]])
                        return path[::-1]
                    nxt.append(other)
        if len(parent) > cap:
            break
        frontier = nxt
    return []
