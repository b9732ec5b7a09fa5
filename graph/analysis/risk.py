"""Risk of illegal fundraising: explainable indicators in five dimensions, and risk that spreads from
known cases through control, holdings, officers, declared ties and shared contacts (docs/risk.md).

Everything here is arrays in, arrays out: the indicators of every company at once, the network
scores over scipy.sparse, and the contributions that explain a few companies' scores.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .. import cancel
from ..arrays import EVENT_CODES, KIND_CODES, LINK_CODES, OPEN_END, GraphArrays, day_number
from ..model import EntityKind, EventType, LinkKind
from .control_rules import JOINT, SINGLE, ControlTable
from .risk_indicators import DIMENSIONS, INDICATORS, Facts, Indicators, RiskConfig, Texts, indicators

# The indicators are kept apart; every part of a score is importable from here.
__all__ = ["DIMENSIONS", "INDICATORS", "Facts", "Indicators", "Network", "RiskConfig", "Texts", "combine", "contagion",
           "contributions", "debtrank", "indicators", "link_list", "link_matrix", "pagerank", "path_between"]

@dataclass
class Network:
    """Risk received through the network, per entity, and what it took to compute it."""

    score: np.ndarray  # 0-1: the risk received from others, on the intrinsic scale, per entity
    # Over the walked entities only (the rows of ``spread``: a leaf passes nothing on and receives nothing
    # the score counts), not every entity (70 million at ten million companies):
    received: np.ndarray  # the risk received, as the walk adds it up (a seed's own echo taken off)
    seeds: np.ndarray  # the starting risk
    spread: sp.csr_matrix  # carry x the weighted, hub-damped, row-normalised links of the walked entities
    walked: np.ndarray  # the entity of each row of ``spread``, ascending (leaves are not walked)
    method: str

    def rows(self, entities) -> np.ndarray:
        """Each of ``entities``' row in ``spread`` (and in ``received`` and ``seeds``), or -1 where it is a leaf."""
        entities = np.asarray(entities, dtype=np.int64)
        if not len(self.walked):
            return np.full(len(entities), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.walked, entities), len(self.walked) - 1)
        return np.where(self.walked[at] == entities, at, -1)

    def row(self, j: int) -> int:
        """Entity ``j``'s row in ``spread``, or -1 where it is a leaf."""
        return int(self.rows([j])[0])

    def received_of(self, entities) -> np.ndarray:
        """The risk each of ``entities`` received through the walk (0 for a leaf, which is not walked)."""
        at = self.rows(entities)
        return np.where(at >= 0, self.received[at], 0.0) if len(self.received) else np.zeros(len(at))

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
    return _symmetric(list(link_list(arrays, table, config, as_of)), arrays.n)


def _symmetric(ends: list[np.ndarray], n: int) -> sp.csr_matrix:
    """The links ``ends`` = [one end, the other, weight] both ways; ``ends`` is emptied as it is read,
    so that its arrays are let go as soon as their doubled copies are made."""
    weight, dst, src = ends.pop(), ends.pop(), ends.pop()
    rows, columns = np.concatenate([src, dst]), np.concatenate([dst, src])
    del src, dst
    weights = np.concatenate([weight, weight])
    del weight
    links = sp.coo_matrix((weights, (rows, columns)), shape=(n, n))
    del rows, columns, weights
    links = links.tocsr()
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
              as_of: dt.date | None = None, engine=None) -> Network:
    """Risk that spreads from confirmed cases and from high intrinsic risk (see docs/risk.md); the walk
    runs on ``engine`` (:mod:`.engine`; here when None)."""
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
    listed = listing_seeds(arrays, c, as_of)
    # A listed person or company passes its risk on even when tied to one company only (a sanctioned holder).
    walked = np.flatnonzero((arrays.kinds == KIND_CODES[EntityKind.COMPANY]) | (least < most) | (listed > 0))
    del least, most
    at = np.full(arrays.n, -1, dtype=np.int32)
    at[walked] = np.arange(len(walked), dtype=np.int32)
    kept = real & (at[src] >= 0) & (at[dst] >= 0)
    ends = [at[src[kept]], at[dst[kept]], weight[kept]]
    del src, dst, weight, kept, real, at  # before the matrix is built: its peak is the step's
    links = _symmetric(ends, len(walked))
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
    # Over the walked entities, in place, here and below: each array over every entity is half a gigabyte
    # at ten million companies.
    start = found.intrinsic[walked] * c["seed_intrinsic"]
    start[found.confirmed[walked]] = c["seed_confirmed"]
    np.maximum(start, listed[walked], out=start)
    del listed
    if engine is None:
        got = (debtrank if c["method"] == "debtrank" else pagerank)(spread, start, c["max_steps"])
    else:
        got = (engine.debtrank if c["method"] == "debtrank" else engine.pagerank)(spread, start, c["max_steps"])
    received = np.maximum(got - back / (1.0 - back) * start, 0.0)
    del got, back
    # Companies meet through a person, a phone or an address: two links, carry² of the risk. Measured
    # in that unit and bounded smoothly in [0, 1), it sits on the intrinsic score's scale (a company
    # whose one tie is a legal representative shared with one confirmed case scores 0.49).
    walked_score = np.negative(received)
    walked_score /= c["carry"] ** 2
    np.exp(walked_score, out=walked_score)
    np.subtract(1.0, walked_score, out=walked_score)
    score = np.zeros(arrays.n)
    score[walked] = walked_score
    return Network(score, received, start, spread, walked, c["method"])


#: The risk events of a confirmed screening match and the setting of [contagion] each seeds with.
LISTING_SEEDS = {EventType.SANCTIONED: "seed_sanctioned", EventType.WANTED: "seed_wanted", EventType.PEP: "seed_pep",
                 EventType.LISTED: "seed_listed"}


def listing_seeds(arrays: GraphArrays, contagion: dict, as_of: dt.date | None = None) -> np.ndarray:
    """What each entity starts the contagion with for being on a list (the largest of its listings):
    a sanctioned or wanted party is a confirmed source, a PEP a weaker one (risk.toml, [contagion]).

    Examples
    --------
    >>> from ..arrays import arrays_from_records
    >>> from ..model import Entity, RiskEvent
    >>> arrays = arrays_from_records([Entity("c", EntityKind.COMPANY, "C"), Entity("p", EntityKind.PERSON, "P")],
    ...     events=[RiskEvent("p", EventType.PEP), RiskEvent("c", EventType.SANCTIONED, dt.date(2030, 1, 1))])
    >>> listing_seeds(arrays, {"seed_sanctioned": 1.0, "seed_wanted": 1.0, "seed_pep": 0.3, "seed_listed": 0.2},
    ...               dt.date(2025, 1, 1)).tolist()
    [0.0, 0.3]
    """
    seeds = np.zeros(arrays.n)
    dated = arrays.event_date <= day_number(as_of, OPEN_END)  # an undated event is OPEN_START: always in
    for kind, key in LISTING_SEEDS.items():
        mine = dated & (arrays.event_type == EVENT_CODES[kind])
        np.maximum.at(seeds, arrays.event_entity[mine], contagion[key])
    return seeds


def combine(found: Indicators, network: Network, config: RiskConfig) -> np.ndarray:
    """The combined score: the weighted mean of the intrinsic and the network score; 1 for a confirmed case."""
    w = config["combine"]
    score = found.intrinsic * w["intrinsic"]
    score += network.score * w["network"]
    score /= w["intrinsic"] + w["network"]
    score[found.confirmed] = 1.0
    return score


def pagerank(spread: sp.csr_matrix, seeds: np.ndarray, steps: int, tol: float = 1e-7) -> np.ndarray:
    """Personalised PageRank without the seed's own share: the sum over paths of one link or more
    of the product of the carried shares, times the risk at the path's start."""
    received = np.zeros(len(seeds))
    term = seeds.copy()
    for _ in range(steps):
        cancel.checkpoint()
        term = spread @ term
        received += term
        if term.max(initial=0.0) < tol:
            break
    return received


def debtrank(spread: sp.csr_matrix, seeds: np.ndarray, steps: int) -> np.ndarray:
    """DebtRank: each entity passes risk on once, in the round after it was first hit, so risk does
    not echo round cycles."""
    level = seeds.copy()
    active = seeds > 0
    spent = np.zeros(len(seeds), dtype=bool)
    for _ in range(steps):
        cancel.checkpoint()
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
    local = network.rows(targets)
    if (local < 0).any():
        raise ValueError("contributions are for walked entities (companies and parties linking two or more)")
    rows = sp.csr_matrix((np.ones(len(targets)), (np.arange(len(targets)), local)),
                         shape=(len(targets), network.spread.shape[0]))
    total = sp.csr_matrix(rows.shape)
    term = rows
    for _ in range(steps):
        cancel.checkpoint()
        term = (term @ network.spread).tocsr()
        term.data[term.data < prune] = 0.0
        term.eliminate_zeros()
        if term.nnz == 0:
            break
        total = total + term
    total = total.tocsr()
    seeds = network.seeds
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
        cancel.checkpoint()
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
