"""Actual controller (实际控制人) by configurable rules, over arrays: the whole graph, or one
company's upstream subgraph (both run this same code, so they cannot disagree).

Direct control of a company is decided from its holders' votes (a holder's ``voting`` interest
where one is recorded, its shareholding otherwise) and from what the register leaves out: the
part of the votes not on record could be held by a holder nobody knows of, who holds at most
:attr:`Registers.hidden_max` (see :func:`registers`). The rules, in this order:

1. ``majority``: a holder with ``majority`` (50 %) of the votes or more controls, if no other holder
   (on record or not) could also reach 50 %; two such holders (50/50) control jointly;
2. ``board``: a holder that appoints more than half of a board of at least ``min_board`` (3)
   members (directors, chairman, executive director) controls, if nobody else could hold a
   majority of the votes (a majority holder could replace the board);
3. ``relative``: a holder with more than ``relative`` (30 %) of the votes that is certainly the
   largest holder, also larger than any holder not on record could be, controls;
4. ``largest``: the largest holder, holding at least ``floor`` (20 %) and certainly ahead of every
   other holder, on record or not, by at least ``margin`` (10 points), controls;
5. otherwise nobody controls it alone: ``dispersed`` when no holder could meet a rule whatever the
   unknown, range and unrecorded shares are, ``uncertain`` when one could (with the reason), and
   ``none`` where no holder is on record at all.

Every comparison takes a holder's lower bound against the others' upper bounds, so a verdict
called certain holds for every way of filling in what the records leave open. Stakes of holders
one controller controls are pooled under it. Control is then followed upward, from a controlling
company to its own controller, to the actual controller; a climb that reaches a company whose
control is uncertain, or a company with no holder on record, makes the answer uncertain, and a
climb that comes back to where it started is a ``loop`` (docs/control.md, "Cycles").
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
# Verdict kinds, in the codes the arrays use. LOOP is only ever a final verdict (after the climb).
VERDICTS = ("single", "joint", "dispersed", "uncertain", "none", "loop")
SINGLE, JOINT, DISPERSED, UNCERTAIN, NONE, LOOP = range(6)
# Why a verdict is what it is, where it is not plain: in the codes the arrays use.
REASONS = ("", "ranges", "unrecorded_majority", "unrecorded_larger", "holders_uncertain", "controller_uncertain",
           "controller_unrecorded", "circular")
(NO_REASON, RANGES, UNRECORDED_MAJORITY, UNRECORDED_LARGER, HOLDERS_UNCERTAIN, CONTROLLER_UNCERTAIN,
 CONTROLLER_UNRECORDED, CIRCULAR) = range(8)
_EPS = 1e-9


@dataclass(frozen=True)
class ControlRules:
    """Thresholds of the control rules (fractions of the votes).

    ``listed_threshold`` is the most one public holder of a listed company's unrecorded shares
    (or of a declared free float) is taken to hold when no disclosure threshold is given: 5 %, the
    substantial-holder disclosure line of the Chinese and Hong Kong listing rules.
    """

    majority: float = 0.5
    relative: float = 0.3
    margin: float = 0.10
    floor: float = 0.20
    board: bool = True
    min_board: int = 3  # a sole executive director is no board to hold a majority of
    listed_threshold: float = 0.05

    def __post_init__(self):
        for name in ("majority", "relative", "margin", "floor", "listed_threshold"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a fraction between 0 and 1, got {value}")


@dataclass
class Registers:
    """What each entity's register of holders covers on one day, indexed like ``GraphArrays.ids``.

    ``on_record_low``/``on_record_high`` bound the part of the shares the in-force shareholdings
    cover (an unknown share counts 0 to what the other holders leave); the rest is not on record.
    ``hidden_max`` is the most of the votes one holder not on record could hold, and
    ``hidden_share_max`` the most of the shares, given the disclosure threshold, listing and free
    float. Entities nobody holds on record (persons, organizations without holders) have nothing
    unrecorded; a company without any holder on record has all of it unrecorded.
    """

    holders: np.ndarray
    on_record_low: np.ndarray
    on_record_high: np.ndarray
    hidden_max: np.ndarray
    hidden_share_max: np.ndarray

    def not_on_record(self, j: int) -> tuple[float, float]:
        """The part of entity ``j``'s shares not on record, as ``(low, high)``."""
        return max(0.0, 1.0 - float(self.on_record_high[j])), max(0.0, 1.0 - float(self.on_record_low[j]))


def registers(arrays: GraphArrays, as_of: dt.date | None = None, rules: ControlRules = ControlRules()) -> Registers:
    """The coverage of every entity's register on ``as_of`` (today when None).

    Examples
    --------
    >>> from equitygraph.graph.arrays import arrays_from_records
    >>> from equitygraph.graph.model import Entity, Holding, Share
    >>> people = [Entity("P", EntityKind.PERSON, "P"), Entity("C", EntityKind.COMPANY, "C", disclosure_threshold=0.25)]
    >>> r = registers(arrays_from_records(people, [Holding("P", "C", Share.exact(0.45))]))
    >>> r.not_on_record(0), float(r.hidden_max[0])
    ((0.55, 0.55), 0.25)
    """
    n = arrays.n
    held = direct_shares(arrays, as_of, (Interest.SHAREHOLDING,))
    holders = np.bincount(held.company, minlength=n).astype(np.int32)
    on_low = np.minimum(np.bincount(held.company, weights=held.low, minlength=n), 1.0)
    on_high = np.minimum(np.bincount(held.company, weights=held.high, minlength=n), 1.0)
    _, vote_company, vote_low, _ = votes(arrays, as_of)
    votes_low = np.minimum(np.bincount(vote_company, weights=vote_low, minlength=n), 1.0)
    has_votes = np.bincount(vote_company, minlength=n) > 0
    # What can be unrecorded: a company's every holder may be; a person has none, and an organization
    # (a state body, a fund) with no holder on record is taken to have none.
    can_hide = (arrays.kinds == KIND_CODES[EntityKind.COMPANY]) | (holders > 0) | has_votes
    hidden = _largest_hidden(np.where(can_hide, 1.0 - votes_low, 0.0), arrays, rules)
    hidden_share = _largest_hidden(np.where(can_hide, 1.0 - on_low, 0.0), arrays, rules)
    return Registers(holders, on_low, on_high, hidden, hidden_share)


def _largest_hidden(missing: np.ndarray, arrays: GraphArrays, rules: ControlRules) -> np.ndarray:
    """The most one holder of the ``missing`` part can hold: the part itself, below the disclosure
    threshold where one is given; a free float (all of the missing part, for a listed company
    that declares none) is dispersed among holders below the threshold, or below 5 %."""
    missing = np.clip(missing, 0.0, 1.0)
    threshold = arrays.disclosure_threshold
    has_threshold = ~np.isnan(threshold)
    float_part = np.where(np.isnan(arrays.free_float), np.where(arrays.listed, missing, 0.0), arrays.free_float)
    float_part = np.minimum(float_part, missing)
    one_holder = np.minimum(missing - float_part, np.where(has_threshold, threshold, 1.0))
    public_holder = np.minimum(float_part, np.where(has_threshold, threshold, rules.listed_threshold))
    return np.maximum(one_holder, public_holder)


@dataclass
class ControlTable:
    """Direct and actual control of every entity, as arrays indexed like ``GraphArrays.ids``.

    Direct control: ``verdict[j]`` (a code of ``VERDICTS``), ``controller[j]`` (-1 if none; for
    joint control the first, ``joint_partner[j]`` the second), ``rule[j]`` (an index of ``RULES``,
    -1 if none), ``reason[j]`` (an index of ``REASONS``), and the pooled votes of the controller
    and partner (``votes_low``/``votes_high``, ``partner_low``/``partner_high``).

    Actual control, after climbing: ``final[j]`` (a code of ``VERDICTS``), ``final_reason[j]``,
    ``ultimate[j]`` / ``ultimate_joint[j]`` (the last controller(s) reached, -1 if none),
    ``hops[j]`` (steps climbed). Only ``final`` SINGLE or JOINT names an actual controller.
    """

    ids: list[str]
    verdict: np.ndarray
    controller: np.ndarray
    joint_partner: np.ndarray
    rule: np.ndarray
    reason: np.ndarray
    votes_low: np.ndarray
    votes_high: np.ndarray
    partner_low: np.ndarray
    partner_high: np.ndarray
    final: np.ndarray
    final_reason: np.ndarray
    ultimate: np.ndarray
    ultimate_joint: np.ndarray
    hops: np.ndarray
    registers: Registers
    rules: ControlRules = field(default_factory=ControlRules)

    @property
    def loop(self) -> np.ndarray:
        return self.final == LOOP

    def actual_controller(self, j: int) -> tuple[str, ...]:
        """The ids of the actual controller(s) of entity ``j``; empty unless that is certain."""
        if self.final[j] == SINGLE:
            return (self.ids[self.ultimate[j]],)
        if self.final[j] == JOINT:
            return tuple(sorted((self.ids[self.ultimate[j]], self.ids[self.ultimate_joint[j]])))
        return ()


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
    """Direct and actual control of every company at once.

    Examples
    --------
    45 % on record and nothing else: a holder of the other 55 % would have the majority.

    >>> from equitygraph.graph.arrays import arrays_from_records
    >>> from equitygraph.graph.model import Entity, Holding, Share
    >>> people = [Entity("P", EntityKind.PERSON, "P"), Entity("C", EntityKind.COMPANY, "C")]
    >>> t = control_table(arrays_from_records(people, [Holding("P", "C", Share.exact(0.45))]))
    >>> VERDICTS[t.final[0]], REASONS[t.final_reason[0]], t.actual_controller(0)
    ('uncertain', 'unrecorded_majority', ())
    >>> t = control_table(arrays_from_records(people, [Holding("P", "C", Share.exact(0.6))]))
    >>> VERDICTS[t.final[0]], RULES[t.rule[0]], t.actual_controller(0)
    ('single', 'majority', ('P',))
    """
    reg = registers(arrays, as_of, rules)
    holder, company, low, high = votes(arrays, as_of)
    appoints, board_size = board_appointments(arrays, holder, company, as_of, rules.min_board if rules.board else 1)
    missing = 1.0 - reg.on_record_high
    base = _per_entity(arrays, reg, rules, _decide(holder, company, low, high, appoints, board_size, reg.hidden_max,
                                                   missing, rules))
    current = [a.copy() for a in base]  # base plus this round's decisions, patched in place
    patched = np.zeros(0, dtype=np.int64)
    table = _follow_upward(arrays, [a.copy() for a in base], reg, rules, max_hops)
    is_person = arrays.kinds == KIND_CODES[EntityKind.PERSON]
    is_company = arrays.kinds == KIND_CODES[EntityKind.COMPANY]
    n = np.int64(arrays.n)
    for _ in range(rounds):
        # Stakes of holders with one actual controller in common count as that controller's; a holder
        # whose own control is uncertain may stand with any other. Only companies with such holders
        # can change, so only they are decided again.
        sole = (table.final == SINGLE) & ~is_person
        head = np.where(sole[holder], table.ultimate[holder], holder)
        unsure = (table.final == UNCERTAIN) | ((table.verdict == NONE) & is_company)
        floats = unsure[holder] & (head == holder)
        candidate = np.zeros(arrays.n, dtype=bool)
        candidate[company[(head != holder) | floats]] = True
        rows = np.flatnonzero(candidate[company])
        _, inverse, sizes = _groups(company[rows] * n + head[rows])
        pooled_holder = np.where(sizes[inverse] >= 2, head[rows], holder[rows])
        is_affected = np.zeros(arrays.n, dtype=bool)
        is_affected[company[rows][(sizes[inverse] >= 2) | floats[rows]]] = True
        affected = np.flatnonzero(is_affected)
        for mine, original in zip(current, base):
            mine[patched] = original[patched]
        patched = affected
        if len(affected):
            keep = is_affected[company[rows]]
            key = company[rows][keep] * n + pooled_holder[keep]
            uniq, inverse, _ = _groups(key)
            companies, values = _decide(uniq % n, uniq // n,
                                        np.minimum(np.bincount(inverse, weights=low[rows][keep]), 1.0),
                                        np.minimum(np.bincount(inverse, weights=high[rows][keep]), 1.0),
                                        np.bincount(inverse, weights=appoints[rows][keep]).astype(np.int64),
                                        board_size, reg.hidden_max, missing, rules,
                                        np.bincount(inverse, weights=floats[rows][keep]) > 0)
            for mine, theirs in zip(current, values):
                mine[companies] = theirs
        settled = np.array_equal(current[1], table.controller) and np.array_equal(current[0], table.verdict)
        if settled:
            break
        # The table keeps its own arrays: ``current`` is patched again in the next round.
        table = _follow_upward(arrays, [a.copy() for a in current], reg, rules, max_hops)
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


def _decide(holder, company, low, high, appoints, board_size, hidden, missing, rules, floating=None):
    """Direct control of every company from its holders' rows: the companies, and per company the
    verdict, controller, joint partner, rule, reason and the votes of controller and partner
    (spread over entities by :func:`_per_entity`).

    ``hidden`` (per entity) is the most one holder not on record could have, ``missing`` the part
    of the shares certainly not on record. ``floating`` marks
    rows whose holder is a company whose own control is uncertain: any controller could stand
    behind it, so such holders may together, and with one other holder, be one coalition.
    """
    if floating is None:
        floating = np.zeros(len(company), dtype=bool)
    # Rows come sorted by holder; a stable sort on company, then falling votes, keeps holder order in ties.
    order = np.argsort(company + (1.0 - low) * 0.5, kind="stable")
    holder, company, low, high = holder[order], company[order], low[order], high[order]
    appoints, floating = appoints[order], floating[order]
    rows = len(company)
    first = np.r_[True, company[1:] != company[:-1]] if rows else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    groups = len(starts)
    companies = company[starts]
    group = np.cumsum(first) - 1

    def per_group(flags) -> np.ndarray:
        return np.bincount(group, weights=flags, minlength=groups)

    def group_max(values) -> np.ndarray:
        return np.maximum(np.maximum.reduceat(values, starts), 0.0) if groups else np.zeros(0)

    def could(votes, rival_low):
        """Whether a holder with up to ``votes`` could meet a rule against others holding ``rival_low``."""
        return (votes >= maj) | ((votes > rel) & (votes > rival_low + _EPS)) | (
            (votes >= floor) & (votes - rival_low >= margin))

    maj, rel, floor, margin = rules.majority - _EPS, rules.relative + _EPS, rules.floor - _EPS, rules.margin - _EPS
    top_low, top_holder = low[starts], holder[starts]
    second = np.minimum(starts + 1, max(rows - 1, 0))
    has_second = np.r_[starts[1:], rows] > starts + 1
    second_holder = np.where(has_second, holder[second], -1) if rows else second
    second_low = np.where(has_second, low[second], 0.0) if rows else np.zeros(0)
    others_high = group_max(np.where(first, -1.0, high))
    hidden_g = hidden[companies]

    # Coalitions of holders behind which anyone may stand: all of them, with the best other holder.
    float_high = per_group(np.where(floating, high, 0.0))
    float_others = float_high - np.where(floating[starts], high[starts], 0.0) if rows else float_high
    steady_other_high = group_max(np.where(floating | first, -1.0, high))
    others_bound = np.maximum(others_high, np.where(float_others > 0, steady_other_high + float_others, 0.0))
    steady_high = group_max(np.where(floating, -1.0, high))
    steady_low = np.where(floating, -1.0, low)
    steady_top_low = group_max(steady_low)
    steady_second_low = group_max(np.where(first & ~floating, -1.0, steady_low))
    coalition = float_high > 0
    coalition_majority = coalition & (steady_high + float_high >= maj)
    coalition_could = coalition & (could(float_high, steady_top_low) | could(float_high + steady_high, steady_second_low))

    majority_count = per_group(low >= maj)
    could_majority = per_group(high >= maj)
    appointing = (2 * appoints > board_size[company]) & (board_size[company] >= rules.min_board) & rules.board
    board_count = per_group(appointing)
    board_pick = np.full(groups, -1, dtype=np.int64)
    board_rows = np.flatnonzero(appointing)
    board_pick[group[board_rows]] = board_rows  # used only where exactly one appoints
    pick = np.maximum(board_pick, 0)
    pick_could_majority = (high[pick] >= maj) if rows else np.zeros(0, bool)

    # Whoever a rule names, could a holder on record, or one not on record, still reach a rule?
    others_low = np.where(first, second_low[group], top_low[group]) if rows else np.zeros(0)
    recorded_could = per_group(could(high, others_low)) > 0
    hidden_could = could(hidden_g, top_low)
    hidden_majority = hidden_g >= maj
    # Say "not on record" only where some part certainly is; else unknown shares on record can fill it.
    blame_unrecorded = missing[companies] > _EPS

    g_verdict = np.full(groups, DISPERSED, dtype=np.int8)
    g_rule = np.full(groups, -1, dtype=np.int8)
    g_reason = np.zeros(groups, dtype=np.int8)
    g_controller = np.full(groups, -1, dtype=np.int32)
    g_partner = np.full(groups, -1, dtype=np.int32)
    g_low, g_high = np.zeros(groups), np.zeros(groups)
    g_partner_low, g_partner_high = np.zeros(groups), np.zeros(groups)
    undecided = np.ones(groups, dtype=bool)

    def decide(mask, verdict, rule, who_row):
        chosen = undecided & mask
        g_verdict[chosen], g_rule[chosen] = verdict, rule
        if who_row is not None and rows:
            at = who_row[chosen]
            g_controller[chosen], g_low[chosen], g_high[chosen] = holder[at], low[at], high[at]
        undecided[chosen] = False
        return chosen

    def unsure(mask, recorded_rival):
        """Uncertain, because of the unrecorded part, of holders whose control is uncertain, or of ranges."""
        chosen = decide(mask, UNCERTAIN, -1, None)
        g_reason[chosen] = np.where((hidden_majority & blame_unrecorded)[chosen], UNRECORDED_MAJORITY, np.where(
            coalition_majority[chosen] & ~recorded_rival[chosen], HOLDERS_UNCERTAIN, RANGES))

    joint = decide(majority_count >= 2, JOINT, 0, starts)
    g_partner[joint] = second_holder[joint]
    if rows:
        g_partner_low[joint], g_partner_high[joint] = low[second[joint]], high[second[joint]]
    lone_majority = majority_count == 1
    recorded_rival = could_majority > 1
    decide(lone_majority & ~(recorded_rival | hidden_majority | (others_bound >= maj)), SINGLE, 0, starts)
    unsure(lone_majority, recorded_rival)
    board_recorded_rival = could_majority - pick_could_majority > 0
    decide((board_count == 1) & ~(board_recorded_rival | hidden_majority | coalition_majority), SINGLE, 1, pick)
    unsure(board_count == 1, board_recorded_rival)
    decide((top_low > rel) & (top_low > others_bound + _EPS) & (top_low > hidden_g + _EPS), SINGLE, 2, starts)
    decide((top_low >= floor) & (top_low - np.maximum(others_bound, hidden_g) >= margin), SINGLE, 3, starts)
    maybe = undecided & (recorded_could | hidden_could | coalition_could)
    g_verdict[maybe] = UNCERTAIN
    g_reason[maybe] = np.where((hidden_could & blame_unrecorded)[maybe],
                               np.where(hidden_majority[maybe], UNRECORDED_MAJORITY, UNRECORDED_LARGER),
                               np.where(coalition_could[maybe], HOLDERS_UNCERTAIN, RANGES))
    return companies, (g_verdict, g_controller, g_partner, g_rule, g_reason, g_low, g_high, g_partner_low,
                       g_partner_high)


def _per_entity(arrays: GraphArrays, reg: Registers, rules: ControlRules, decided) -> list[np.ndarray]:
    """Spread per-company decisions over arrays indexed by entity. An entity without holders on
    record is ``none``, unless what is known of its register decides: a company whose every holder
    is below a disclosure threshold (or dispersed, if listed) is ``dispersed`` or ``uncertain``."""
    n = arrays.n
    out = [np.full(n, NONE, dtype=np.int8), np.full(n, -1, dtype=np.int32), np.full(n, -1, dtype=np.int32),
           np.full(n, -1, dtype=np.int8), np.zeros(n, dtype=np.int8), np.zeros(n), np.zeros(n), np.zeros(n),
           np.zeros(n)]
    known = (~np.isnan(arrays.disclosure_threshold)) | arrays.listed | (~np.isnan(arrays.free_float))
    hidden = reg.hidden_max
    could = (hidden >= rules.majority - _EPS) | (hidden > rules.relative + _EPS) | (
        (hidden >= rules.floor - _EPS) & (hidden >= rules.margin - _EPS))
    stated = known & (arrays.kinds == KIND_CODES[EntityKind.COMPANY])
    out[0][stated] = np.where(could[stated], UNCERTAIN, DISPERSED)
    out[4][stated] = np.where(could[stated], np.where(hidden[stated] >= rules.majority - _EPS, UNRECORDED_MAJORITY,
                                                      UNRECORDED_LARGER), NO_REASON)
    companies, values = decided
    for array, value in zip(out, values):
        array[companies] = value
    return out


def _follow_upward(arrays: GraphArrays, decisions: list[np.ndarray], reg: Registers, rules: ControlRules,
                   max_hops: int) -> ControlTable:
    """Climb from each controlled entity to the controller of its controller, and so on."""
    verdict, controller, partner, rule, reason, votes_low, votes_high, partner_low, partner_high = decisions
    is_company = arrays.kinds == KIND_CODES[EntityKind.COMPANY]
    single, joint = verdict == SINGLE, verdict == JOINT
    final = verdict.copy()
    final_reason = reason.copy()
    ultimate = np.where(single | joint, controller, -1)
    ultimate_joint = np.where(joint, partner, -1)
    hops = np.where(single | joint, 1, 0).astype(np.int32)
    current = ultimate.copy()
    active = single.copy()
    for _ in range(max_hops):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        above = current[idx]
        above_verdict = verdict[above]
        unsure = above_verdict == UNCERTAIN
        unrecorded = (above_verdict == NONE) & is_company[above]
        final[idx[unsure | unrecorded]] = UNCERTAIN
        final_reason[idx[unsure]] = CONTROLLER_UNCERTAIN
        final_reason[idx[unrecorded]] = CONTROLLER_UNRECORDED
        climbs = above_verdict == SINGLE
        joins = above_verdict == JOINT
        active[idx[~climbs]] = False  # a joint, dispersed, uncertain or unheld controller ends the climb
        step = idx[climbs | joins]
        target = current[step]
        ultimate[step] = controller[target]
        ultimate_joint[step] = np.where(verdict[target] == JOINT, partner[target], -1)
        hops[step] += 1
        current[step] = controller[target]
        final[idx[joins]] = JOINT
        back_home = step[ultimate[step] == step]
        final[back_home] = LOOP
        active[back_home] = False
    final[active] = LOOP  # still climbing after max_hops: a control loop not through the start itself
    # Joint control that comes back: the company is one of its joint controllers, or one of them is
    # controlled by it (through sole control, at any depth).
    joint_final = np.flatnonzero(final == JOINT)
    if len(joint_final):
        back = _climbs_to(verdict, controller, ultimate[joint_final], joint_final, max_hops) | _climbs_to(
            verdict, controller, ultimate_joint[joint_final], joint_final, max_hops)
        final[joint_final[back]] = LOOP
    final_reason[final == LOOP] = CIRCULAR
    # Joint control by a company whose own control is uncertain is uncertain too: whoever controls
    # it may hold the other half as well.
    for _ in range(max_hops):
        unsure = (final == UNCERTAIN) | ((verdict == NONE) & is_company)
        joint_final = np.flatnonzero(final == JOINT)
        partners = (ultimate[joint_final], ultimate_joint[joint_final])
        doubtful = unsure[partners[0]] | unsure[partners[1]]
        if not doubtful.any():
            break
        blocked = joint_final[doubtful]
        final[blocked] = UNCERTAIN
        unrecorded = ((verdict == NONE) & is_company)
        final_reason[blocked] = np.where(unrecorded[partners[0][doubtful]] | unrecorded[partners[1][doubtful]],
                                         CONTROLLER_UNRECORDED, CONTROLLER_UNCERTAIN)
    return ControlTable(arrays.ids, verdict, controller, partner, rule, reason, votes_low, votes_high, partner_low,
                        partner_high, final, final_reason, ultimate, ultimate_joint, hops, reg, rules)


def _climbs_to(verdict, controller, start: np.ndarray, target: np.ndarray, max_hops: int) -> np.ndarray:
    """Whether sole control, followed upward from each ``start``, meets its ``target``."""
    found = start == target
    current = start.copy()
    for _ in range(max_hops):
        going = (current >= 0) & ~found
        if not going.any():
            break
        current = np.where(going & (verdict[np.maximum(current, 0)] == SINGLE), controller[np.maximum(current, 0)], -1)
        found |= current == target
    return found
