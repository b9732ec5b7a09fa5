"""Actual controller (实际控制人) by configurable rules, for one company or for the whole graph.

Direct control of a company is decided from its holders' votes (a holder's ``voting`` interest
where one is recorded, its shareholding otherwise), in this order:

1. ``majority``: a holder with ``majority`` (50 %) of the votes or more controls; two such holders
   (50/50) control jointly;
2. ``board``: a holder that appoints more than half of a board of at least ``min_board`` (3)
   members (directors, chairman, executive director) controls: board members who are the holder
   itself or hold an office in it;
3. ``relative``: a holder with more than ``relative`` (30 %) of the votes that is certainly the
   largest holder controls;
4. ``largest``: the largest holder, holding at least ``floor`` (20 %) and ahead of every other
   holder by at least ``margin`` (10 points), controls;
5. otherwise nobody controls it alone: ``dispersed`` (or ``uncertain`` where unknown or range
   shares could change the answer, or ``none`` where no holder is on record).

Rules 3 and 4 compare a holder's lower bound with the others' upper bounds, so unknown and range
shares never make a controller look certain when it is not. Control is then followed upward, from a
controlling company to its own controller, until a holder nobody controls: the actual controller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..arrays import KIND_CODES, GraphArrays
from ..model import EntityKind, Interest
from .ownership import direct_shares

BOARD_ROLES = ("director", "chairman", "executive_director")
RULES = ("majority", "board", "relative", "largest")
# Verdict kinds, in the codes the whole-graph arrays use.
SINGLE, JOINT, DISPERSED, UNCERTAIN, NONE = 0, 1, 2, 3, 4
VERDICTS = ("single", "joint", "dispersed", "uncertain", "none")
_EPS = 1e-9


@dataclass(frozen=True)
class ControlRules:
    """Thresholds of the control rules (fractions of the votes)."""

    majority: float = 0.5
    relative: float = 0.3
    margin: float = 0.10
    floor: float = 0.20
    board: bool = True
    min_board: int = 3  # a sole executive director is no board to hold a majority of

    def __post_init__(self):
        for name in ("majority", "relative", "margin", "floor"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a fraction between 0 and 1, got {value}")


@dataclass(frozen=True)
class Stake:
    """One holder's votes in a company: ``low``/``high`` bounds, ``appoints`` board seats."""

    holder: str
    low: float
    high: float
    appoints: int = 0


@dataclass(frozen=True)
class Verdict:
    """Who controls one company directly, and by which rule."""

    kind: str  # one of VERDICTS
    controllers: tuple[str, ...] = ()
    rule: str | None = None
    candidates: tuple[str, ...] = ()  # for dispersed / uncertain: the largest holders


def direct_control(stakes: list[Stake], board_size: int = 0, rules: ControlRules = ControlRules()) -> Verdict:
    """Who controls a company with these holders' ``stakes`` and a board of ``board_size``.

    Examples
    --------
    >>> direct_control([Stake("A", 0.4, 0.4), Stake("B", 0.35, 0.35), Stake("C", 0.25, 0.25)])
    Verdict(kind='single', controllers=('A',), rule='relative', candidates=())
    >>> direct_control([Stake("A", 0.5, 0.5), Stake("B", 0.5, 0.5)]).kind
    'joint'
    >>> direct_control([Stake(h, 0.25, 0.25) for h in "ABCD"]).kind
    'dispersed'
    """
    if not stakes:
        return Verdict("none")
    ranked = sorted(stakes, key=lambda s: (-s.low, s.holder))
    majority = [s.holder for s in ranked if s.low >= rules.majority - _EPS]
    if len(majority) >= 2:
        return Verdict("joint", tuple(sorted(majority)), "majority")
    if majority:
        return Verdict("single", (majority[0],), "majority")
    if rules.board and board_size >= rules.min_board:
        appointing = [s.holder for s in ranked if 2 * s.appoints > board_size]
        if len(appointing) == 1:
            return Verdict("single", (appointing[0],), "board")
    top = ranked[0]
    others_high = max((s.high for s in ranked[1:]), default=0.0)
    if top.low > rules.relative + _EPS and top.low > others_high + _EPS:
        return Verdict("single", (top.holder,), "relative")
    if top.low >= rules.floor - _EPS and top.low - others_high >= rules.margin - _EPS:
        return Verdict("single", (top.holder,), "largest")
    candidates = tuple(s.holder for s in ranked[:3])
    could_control = any(s.high >= rules.majority - _EPS for s in ranked) or (
        top.low > rules.relative and others_high >= top.low - _EPS and any(s.high > s.low + _EPS for s in ranked))
    return Verdict("uncertain" if could_control else "dispersed", (), None, candidates)


def pool_stakes(stakes: list[Stake], heads: dict[str, str]) -> list[Stake]:
    """Add up the stakes of holders that one controller controls: ``heads`` maps a holder to its
    actual controller. A holder alone under its controller keeps its own name, so a pyramid is
    still climbed step by step; two or more are pooled under the controller's name.

    Examples
    --------
    >>> pool_stakes([Stake("X", .3, .3), Stake("Z", .25, .25), Stake("R", .45, .45)], {"X": "P", "Z": "P"})
    [Stake(holder='P', low=0.55, high=0.55, appoints=0), Stake(holder='R', low=0.45, high=0.45, appoints=0)]
    """
    groups: dict[str, list[Stake]] = {}
    for s in stakes:
        groups.setdefault(heads.get(s.holder, s.holder), []).append(s)
    pooled = []
    for head, members in groups.items():
        if len(members) == 1:
            pooled.append(members[0])
        else:
            pooled.append(Stake(head, min(1.0, sum(m.low for m in members)), min(1.0, sum(m.high for m in members)),
                                sum(m.appoints for m in members)))
    return sorted(pooled, key=lambda s: (-s.low, s.holder))


@dataclass
class ControlTable:
    """Direct and actual control of every entity, as arrays indexed like ``GraphArrays.ids``.

    ``verdict[j]`` is a code of ``VERDICTS``; ``controller[j]`` the direct controller (-1 if none;
    for joint control the first of them, ``joint_partner[j]`` the second); ``rule[j]`` an index of
    ``RULES`` (-1 if none); ``ultimate[j]`` the actual controller found by following control
    upward (-1 where the company is not controlled), ``hops[j]`` how many steps that took, and
    ``loop[j]`` marks control that goes round in a circle.
    """

    ids: list[str]
    verdict: np.ndarray
    controller: np.ndarray
    joint_partner: np.ndarray
    rule: np.ndarray
    ultimate: np.ndarray
    ultimate_joint: np.ndarray
    hops: np.ndarray
    loop: np.ndarray
    rules: ControlRules = field(default_factory=ControlRules)

    def actual_controller(self, j: int) -> tuple[str, ...]:
        """The ids of the actual controller(s) of entity ``j``; empty when nobody controls it."""
        if self.ultimate[j] < 0:
            return ()
        if self.ultimate_joint[j] >= 0:
            return tuple(sorted((self.ids[self.ultimate[j]], self.ids[self.ultimate_joint[j]])))
        return (self.ids[self.ultimate[j]],)


def votes(arrays: GraphArrays, as_of: dt.date | None = None):
    """Per (holder, company) pair in force: vote bounds, a voting interest replacing the shareholding."""
    held = direct_shares(arrays, as_of, (Interest.SHAREHOLDING,))
    voting = direct_shares(arrays, as_of, (Interest.VOTING,))
    n = np.int64(arrays.n)
    # Voting records first, so that after a stable sort by pair they lead their pair.
    key = np.concatenate([voting.holder * n + voting.company, held.holder * n + held.company])
    low = np.concatenate([voting.low, held.low])
    high = np.concatenate([voting.high, held.high])
    is_voting = np.concatenate([np.ones(len(voting.low), bool), np.zeros(len(held.low), bool)])
    # Per pair: voting records win; several records of one kind add up.
    if len(key) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), np.zeros(0)
    order = np.argsort(key, kind="stable")
    key, low, high, is_voting = key[order], low[order], high[order], is_voting[order]
    first_of_pair = np.r_[True, key[1:] != key[:-1]]
    pair = np.cumsum(first_of_pair) - 1
    keep = is_voting == is_voting[first_of_pair][pair]
    n_pairs = pair[-1] + 1 if len(pair) else 0
    low_sum = np.bincount(pair[keep], weights=low[keep], minlength=n_pairs)
    high_sum = np.minimum(np.bincount(pair[keep], weights=high[keep], minlength=n_pairs), 1.0)
    pair_key = key[first_of_pair]
    return (pair_key // n).astype(np.int32), (pair_key % n).astype(np.int32), np.minimum(low_sum, 1.0), high_sum


def board_appointments(arrays: GraphArrays, holder: np.ndarray, company: np.ndarray, as_of: dt.date | None = None,
                       min_board: int = 1):
    """For each (holder, company) pair: how many of the company's board members the holder
    appoints (they are the holder, or hold an office in it), and each company's board size.
    Only companies with boards of at least ``min_board`` are joined; the others get 0."""
    in_force = arrays.officers_in_force(as_of)
    board_codes = [i for i, role in enumerate(arrays.officer_roles) if role in BOARD_ROLES]
    on_board = in_force & np.isin(arrays.officer_role, board_codes)
    n = np.int64(arrays.n)
    seat_key = _unique(arrays.officer_person[on_board].astype(np.int64) * n + arrays.officer_company[on_board])
    seat_person, seat_company = seat_key // n, seat_key % n
    board_size = np.bincount(seat_company, minlength=arrays.n)
    appoints = np.zeros(len(company), dtype=np.int64)
    big_board = board_size >= min_board
    if not big_board.any():
        return appoints, board_size
    wanted = np.flatnonzero(big_board[company])
    holder, company = holder[wanted], company[wanted]
    office_key = _unique(arrays.officer_person[in_force].astype(np.int64) * n + arrays.officer_company[in_force])
    # Join pairs with the seats of their company: seats are sorted by person, so sort by company.
    by_company = np.argsort(seat_company, kind="stable")
    seat_person, seat_company = seat_person[by_company], seat_company[by_company]
    start = np.searchsorted(seat_company, company, side="left")
    stop = np.searchsorted(seat_company, company, side="right")
    count = stop - start
    pair_index = np.repeat(np.arange(len(company)), count)
    offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    member = seat_person[np.repeat(start, count) + offsets]
    member_holder = holder[pair_index]
    appointed = (member == member_holder) | _contains(office_key, member * n + member_holder)
    appoints[wanted] = np.bincount(pair_index[appointed], minlength=len(company))
    return appoints, board_size


def control_table(arrays: GraphArrays, as_of: dt.date | None = None, rules: ControlRules = ControlRules(),
                  max_hops: int = 64, rounds: int = 4) -> ControlTable:
    """Direct and actual control of every company at once (the whole-graph form of
    :func:`direct_control` with :func:`pool_stakes`, followed upward)."""
    holder, company, low, high = votes(arrays, as_of)
    appoints, board_size = board_appointments(arrays, holder, company, as_of, rules.min_board if rules.board else 1)
    base = _per_entity(arrays.n, _decide(holder, company, low, high, appoints, board_size, rules))
    current = [a.copy() for a in base]  # base plus this round's pooled decisions, patched in place
    patched = np.zeros(0, dtype=np.int64)
    table = _follow_upward(arrays, *base, rules, max_hops)
    is_person = arrays.kinds == KIND_CODES[EntityKind.PERSON]
    n = np.int64(arrays.n)
    for _ in range(rounds):
        # Stakes of holders with one actual controller in common count as that controller's. Only
        # companies with a holder that someone else controls can change, so only they are decided again.
        sole = (table.ultimate >= 0) & (table.ultimate_joint < 0) & ~is_person
        head = np.where(sole[holder], table.ultimate[holder], holder)
        candidate = np.zeros(arrays.n, dtype=bool)
        candidate[company[head != holder]] = True
        rows = np.flatnonzero(candidate[company])
        _, inverse, sizes = _groups(company[rows] * n + head[rows])
        pooled_holder = np.where(sizes[inverse] >= 2, head[rows], holder[rows])
        is_affected = np.zeros(arrays.n, dtype=bool)
        is_affected[company[rows][sizes[inverse] >= 2]] = True
        affected = np.flatnonzero(is_affected)
        for mine, original in zip(current, base):
            mine[patched] = original[patched]
        patched = affected
        verdict, controller, partner, rule = current
        if len(affected):
            keep = is_affected[company[rows]]
            key = company[rows][keep] * n + pooled_holder[keep]
            uniq, inverse, _ = _groups(key)
            pooled = _decide(uniq % n, uniq // n,
                             np.minimum(np.bincount(inverse, weights=low[rows][keep]), 1.0),
                             np.minimum(np.bincount(inverse, weights=high[rows][keep]), 1.0),
                             np.bincount(inverse, weights=appoints[rows][keep]).astype(np.int64), board_size, rules)
            companies, values = pooled
            for mine, theirs in zip(current, values):
                mine[companies] = theirs
        settled = np.array_equal(controller, table.controller) and np.array_equal(verdict, table.verdict)
        if settled:
            break
        # The table keeps its own arrays: ``current`` is patched again in the next round.
        table = _follow_upward(arrays, *(a.copy() for a in current), rules, max_hops)
    return table


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sorting beats hashing here)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _contains(sorted_values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    at = np.minimum(np.searchsorted(sorted_values, queries), max(len(sorted_values) - 1, 0))
    return (sorted_values[at] == queries) if len(sorted_values) else np.zeros(len(queries), dtype=bool)


def _groups(keys: np.ndarray):
    """Distinct keys, each key's group number, and the group sizes."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, dtype=bool)
    group_of_sorted = np.cumsum(first) - 1
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = group_of_sorted
    return ordered[first], inverse, np.bincount(group_of_sorted) if len(keys) else np.zeros(0, dtype=np.int64)


def _decide(holder, company, low, high, appoints, board_size, rules):
    """Direct control of every company from its holders' rows: the companies, and per company the
    verdict, controller, joint partner and rule (spread over entities by :func:`_per_entity`)."""
    # Rows come sorted by holder; a stable sort on company, then falling votes, keeps holder order in ties.
    order = np.argsort(company + (1.0 - low) * 0.5, kind="stable")
    holder, company, low, high, appoints = holder[order], company[order], low[order], high[order], appoints[order]
    first = np.r_[True, company[1:] != company[:-1]] if len(company) else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    companies = company[starts]
    group = np.cumsum(first) - 1

    top_low, top_holder = low[starts], holder[starts]
    masked_high = high.copy()
    masked_high[starts] = -1.0
    others_high = np.maximum(np.maximum.reduceat(masked_high, starts), 0.0) if len(starts) else np.zeros(0)
    second = starts + 1
    has_second = np.r_[starts[1:], len(company)] > second
    second_holder = np.where(has_second, holder[np.minimum(second, len(holder) - 1)], -1) if len(holder) else second
    any_range = np.bincount(group, weights=(high > low + _EPS), minlength=len(starts)) > 0
    max_high = np.maximum.reduceat(high, starts) if len(starts) else np.zeros(0)

    majority_count = np.bincount(group, weights=(low >= rules.majority - _EPS), minlength=len(starts))
    appointing = (2 * appoints > board_size[company]) & (board_size[company] >= rules.min_board)
    if not rules.board:
        appointing[:] = False
    board_count = np.bincount(group, weights=appointing, minlength=len(starts))
    board_pick = np.full(len(starts), -1, dtype=np.int32)
    board_rows = np.flatnonzero(appointing)
    board_pick[group[board_rows]] = holder[board_rows]  # used only where exactly one appoints

    g_verdict = np.full(len(starts), DISPERSED, dtype=np.int8)
    g_rule = np.full(len(starts), -1, dtype=np.int8)
    g_controller = np.full(len(starts), -1, dtype=np.int32)
    g_partner = np.full(len(starts), -1, dtype=np.int32)
    undecided = np.ones(len(starts), dtype=bool)

    def decide(mask, verdict, rule, who):
        chosen = undecided & mask
        g_verdict[chosen], g_rule[chosen], g_controller[chosen] = verdict, rule, who[chosen]
        undecided[chosen] = False

    decide(majority_count >= 2, JOINT, 0, top_holder)
    g_partner[(g_verdict == JOINT)] = second_holder[g_verdict == JOINT]
    decide(majority_count == 1, SINGLE, 0, top_holder)
    decide(board_count == 1, SINGLE, 1, board_pick)
    decide((top_low > rules.relative + _EPS) & (top_low > others_high + _EPS), SINGLE, 2, top_holder)
    decide((top_low >= rules.floor - _EPS) & (top_low - others_high >= rules.margin - _EPS), SINGLE, 3, top_holder)
    could = (max_high >= rules.majority - _EPS) | (
        (top_low > rules.relative) & (others_high >= top_low - _EPS) & any_range)
    g_verdict[undecided & could] = UNCERTAIN

    return companies, (g_verdict, g_controller, g_partner, g_rule)


def _per_entity(n: int, decided) -> list[np.ndarray]:
    """Spread per-company decisions over arrays indexed by entity (NONE where nothing was decided)."""
    companies, values = decided
    out = [np.full(n, NONE, dtype=np.int8), np.full(n, -1, dtype=np.int32), np.full(n, -1, dtype=np.int32),
           np.full(n, -1, dtype=np.int8)]
    for array, value in zip(out, values):
        array[companies] = value
    return out




def _follow_upward(arrays, verdict, controller, partner, rule, rules, max_hops) -> ControlTable:
    """Climb from each controlled entity to the controller of its controller, and so on."""
    n = arrays.n
    single = verdict == SINGLE
    joint = verdict == JOINT
    ultimate = np.where(single | joint, controller, -1)
    ultimate_joint = np.where(joint, partner, -1)
    hops = np.where(single | joint, 1, 0).astype(np.int32)
    current = ultimate.copy()
    active = single.copy()
    loop = np.zeros(n, dtype=bool)
    for _ in range(max_hops):
        active &= current >= 0
        if not active.any():
            break
        nxt_verdict = verdict[current[active]]
        idx = np.flatnonzero(active)
        climbs = nxt_verdict == SINGLE
        joins = nxt_verdict == JOINT
        stops = ~(climbs | joins)
        active[idx[stops]] = False
        step = idx[climbs | joins]
        target = current[step]
        ultimate[step] = controller[target]
        ultimate_joint[step] = np.where(verdict[target] == JOINT, partner[target], -1)
        hops[step] += 1
        current[step] = controller[target]
        active[idx[joins]] = False
        back_home = step[ultimate[step] == step]
        loop[back_home] = True
        active[back_home] = False
    loop |= active  # still climbing after max_hops: a control loop not through the start itself
    return ControlTable(arrays.ids, verdict, controller, partner, rule, ultimate, ultimate_joint, hops, loop, rules)
