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
from .declared import agreements, concert_heads, resolve_holders
from .ownership import direct_shares

BOARD_ROLES = ("director", "chairman", "executive_director")
RULES = ("majority", "board", "relative", "largest", "agreement")
AGREEMENT = 4
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


class _Rows:
    """The entities control is decided for (companies and organizations), numbered 0..m-1: the
    whole-graph arrays are n long, and most entities (persons, addresses, phones) are never held."""

    def __init__(self, arrays: GraphArrays):
        kinds = arrays.kinds
        holdable = (kinds == KIND_CODES[EntityKind.COMPANY]) | (kinds == KIND_CODES[EntityKind.ORGANIZATION])
        self.entity = np.flatnonzero(holdable).astype(np.int32)  # row -> entity index
        self.of = np.full(arrays.n, -1, dtype=np.int32)  # entity index -> row, -1 if none
        self.of[self.entity] = np.arange(len(self.entity), dtype=np.int32)
        self.is_company = kinds[self.entity] == KIND_CODES[EntityKind.COMPANY]
        self.n = arrays.n

    def __len__(self) -> int:
        return len(self.entity)

    def spread(self, values: np.ndarray, fill) -> np.ndarray:
        """Per-row values as an array over all entities, ``fill`` where an entity has no row."""
        out = np.full(self.n, fill, dtype=values.dtype)
        out[self.entity] = values
        return out


@dataclass
class Registers:
    """What each company's register of holders covers on one day.

    The arrays are per row (see :attr:`rows`); the methods take entity indices. ``on_record_low``
    and ``on_record_high`` bound the part of the shares the in-force shareholdings cover (an
    unknown share counts 0 to what the other holders leave); the rest is not on record.
    ``hidden_max`` is the most of the votes one holder not on record could hold, given the
    disclosure threshold, listing and free float. Entities nobody holds on record (persons,
    organizations without holders) have nothing unrecorded; a company without any holder on record
    has all of it unrecorded.
    """

    rows: _Rows
    holders: np.ndarray
    on_record_low: np.ndarray
    on_record_high: np.ndarray
    hidden_max: np.ndarray
    _unrecorded_shares: np.ndarray
    _arrays: GraphArrays
    _rules: ControlRules

    def _row(self, j: int) -> int:
        return int(self.rows.of[j])

    def not_on_record(self, j: int) -> tuple[float, float]:
        """The part of entity ``j``'s shares not on record, as ``(low, high)``."""
        r = self._row(j)
        if r < 0:
            return 0.0, 0.0
        return max(0.0, 1.0 - float(self.on_record_high[r])), max(0.0, 1.0 - float(self.on_record_low[r]))

    def on_record(self, j: int) -> tuple[float, float]:
        r = self._row(j)
        return (0.0, 0.0) if r < 0 else (float(self.on_record_low[r]), float(self.on_record_high[r]))

    def holders_of(self, j: int) -> int:
        r = self._row(j)
        return 0 if r < 0 else int(self.holders[r])

    def largest_hidden(self, j: int) -> float:
        """The most of entity ``j``'s votes one holder missing from its register could hold."""
        r = self._row(j)
        return 0.0 if r < 0 else float(self.hidden_max[r])

    def largest_hidden_share(self, j: int) -> float:
        """The most of entity ``j``'s shares one holder missing from its register could hold."""
        r = self._row(j)
        if r < 0:
            return 0.0
        at = self.rows.entity[r:r + 1]
        return float(_largest_hidden(self._unrecorded_shares[r:r + 1], self._arrays, at, self._rules)[0])


def registers(arrays: GraphArrays, as_of: dt.date | None = None, rules: ControlRules = ControlRules()) -> Registers:
    """The coverage of every company's register on ``as_of`` (today when None).

    Examples
    --------
    >>> from equitygraph.graph.arrays import arrays_from_records
    >>> from equitygraph.graph.model import Entity, Holding, Share
    >>> people = [Entity("P", EntityKind.PERSON, "P"), Entity("C", EntityKind.COMPANY, "C", disclosure_threshold=0.25)]
    >>> r = registers(arrays_from_records(people, [Holding("P", "C", Share.exact(0.45))]))
    >>> r.not_on_record(0), r.largest_hidden(0), r.not_on_record(1)
    ((0.55, 0.55), 0.25, (0.0, 0.0))
    """
    rows = _Rows(arrays)
    held = direct_shares(arrays, as_of, (Interest.SHAREHOLDING,))
    voting = direct_shares(arrays, as_of, (Interest.VOTING,))
    _, vote_company, vote_low, _ = _votes(held, voting, arrays.n)
    return _registers(arrays, rows, held, rows.of[vote_company], vote_low, rules)


def _registers(arrays: GraphArrays, rows: _Rows, held, vote_row: np.ndarray, vote_low: np.ndarray,
               rules: ControlRules) -> Registers:
    m = len(rows)
    held_row = rows.of[held.company]
    holders = np.bincount(held_row, minlength=m).astype(np.int32)
    on_low = np.minimum(np.bincount(held_row, weights=held.low, minlength=m), 1.0)
    on_high = np.minimum(np.bincount(held_row, weights=held.high, minlength=m), 1.0)
    votes_low = np.minimum(np.bincount(vote_row, weights=vote_low, minlength=m), 1.0)
    has_votes = np.bincount(vote_row, minlength=m) > 0
    # What can be unrecorded: a company's every holder may be; an organization (a state body, a
    # fund) with no holder on record is taken to have none.
    can_hide = rows.is_company | (holders > 0) | has_votes
    hidden = _largest_hidden(np.where(can_hide, 1.0 - votes_low, 0.0), arrays, rows.entity, rules)
    return Registers(rows, holders, on_low, on_high, hidden, np.where(can_hide, 1.0 - on_low, 0.0), arrays, rules)


def _largest_hidden(missing: np.ndarray, arrays: GraphArrays, entity: np.ndarray, rules: ControlRules) -> np.ndarray:
    """The most one holder of the ``missing`` part (of the entities ``entity``) can hold: the part
    itself, below the disclosure threshold where one is given; a free float (all of the missing
    part, for a listed company that declares none) is dispersed among holders below the threshold,
    or below 5 %."""
    missing = np.clip(missing, 0.0, 1.0)
    threshold = arrays.disclosure_threshold[entity]
    free_float = arrays.free_float[entity]
    has_threshold = ~np.isnan(threshold)
    float_part = np.where(np.isnan(free_float), np.where(arrays.listed[entity], missing, 0.0), free_float)
    float_part = np.minimum(float_part, missing)
    one_holder = np.minimum(missing - float_part, np.where(has_threshold, threshold, 1.0))
    public_holder = np.minimum(float_part, np.where(has_threshold, threshold, rules.listed_threshold))
    return np.maximum(one_holder, public_holder)


_ROW_FIELDS = {  # per-row decision arrays, and what an entity without a row gets
    "verdict": NONE, "controller": -1, "joint_partner": -1, "rule": -1, "reason": NO_REASON, "votes_low": 0.0,
    "votes_high": 0.0, "partner_low": 0.0, "partner_high": 0.0, "final": NONE, "final_reason": NO_REASON,
    "ultimate": -1, "ultimate_joint": -1, "hops": 0,
}


class ControlTable:
    """Direct and actual control of every entity, as arrays indexed like ``GraphArrays.ids``.

    Direct control: ``verdict[j]`` (a code of ``VERDICTS``), ``controller[j]`` (-1 if none; for
    joint control the first, ``joint_partner[j]`` the second), ``rule[j]`` (an index of ``RULES``,
    -1 if none), ``reason[j]`` (an index of ``REASONS``), and the pooled votes of the controller
    and partner (``votes_low``/``votes_high``, ``partner_low``/``partner_high``).

    Actual control, after climbing: ``final[j]`` (a code of ``VERDICTS``), ``final_reason[j]``,
    ``ultimate[j]`` / ``ultimate_joint[j]`` (the last controller(s) reached, -1 if none),
    ``hops[j]`` (steps climbed). Only ``final`` SINGLE or JOINT names an actual controller.

    The decisions are kept per company or organization (``row``); each array over all entities is
    built on first use.
    """

    def __init__(self, ids: list[str], rows: _Rows, values: dict[str, np.ndarray], registers: Registers,
                 rules: ControlRules):
        self.ids = ids
        self.rows = rows
        self.by_row = values
        self.registers = registers
        self.rules = rules
        self._spread: dict[str, np.ndarray] = {}

    def __getattr__(self, name: str) -> np.ndarray:
        if name in _ROW_FIELDS:
            if name not in self._spread:
                self._spread[name] = self.rows.spread(self.by_row[name], _ROW_FIELDS[name])
            return self._spread[name]
        raise AttributeError(name)

    def of(self, j: int, name: str):
        """One entity's value of one field, without building the array over all entities."""
        r = self.rows.of[j]
        return _ROW_FIELDS[name] if r < 0 else self.by_row[name][r]

    @property
    def loop(self) -> np.ndarray:
        return self.final == LOOP

    def actual_controller(self, j: int) -> tuple[str, ...]:
        """The ids of the actual controller(s) of entity ``j``; empty unless that is certain."""
        final = self.of(j, "final")
        if final == SINGLE:
            return (self.ids[self.of(j, "ultimate")],)
        if final == JOINT:
            return tuple(sorted((self.ids[self.of(j, "ultimate")], self.ids[self.of(j, "ultimate_joint")])))
        return ()


def _votes(held, voting, n: int):
    """Per (holder, company) pair in force: vote bounds, a voting interest replacing the shareholding."""
    n = np.int64(n)
    # Voting records first, so that after a stable sort by pair they lead their pair. Keyed company
    # first: the stores hand holdings over grouped by company, so the sort finds them nearly in order.
    key = np.concatenate([voting.company * n + voting.holder, held.company * n + held.holder])
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
    return (pair_key % n).astype(np.int32), (pair_key // n).astype(np.int32), np.minimum(low_sum, 1.0), high_sum


def votes(arrays: GraphArrays, as_of: dt.date | None = None):
    """Per (holder, company) pair in force: vote bounds, a voting interest replacing the shareholding."""
    return _votes(direct_shares(arrays, as_of, (Interest.SHAREHOLDING,)),
                  direct_shares(arrays, as_of, (Interest.VOTING,)), arrays.n)


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
                  max_hops: int = 64, rounds: int = 4, decisions: list[tuple[int, int, bool]] = ()) -> ControlTable:
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
    arrays = resolve_holders(arrays, as_of, decisions)
    concert, groups = concert_heads(arrays, as_of)
    by_agreement = agreements(arrays, as_of)
    rows = _Rows(arrays)
    held = direct_shares(arrays, as_of, (Interest.SHAREHOLDING,))
    voting = direct_shares(arrays, as_of, (Interest.VOTING,))
    holder, company, low, high = _votes(held, voting, arrays.n)
    company = rows.of[company]  # from here on, the companies held are rows
    reg = _registers(arrays, rows, held, company, low, rules)
    appoints, board_size = board_appointments(arrays, holder, rows.entity[company], as_of,
                                              rules.min_board if rules.board else 1)
    board_size = board_size[rows.entity]
    missing = 1.0 - reg.on_record_high
    base = _per_row(arrays, rows, reg, rules, _decide(holder, company, low, high, appoints, board_size,
                                                      reg.hidden_max, missing, rules))
    forced_by_agreement = (rows.of[by_agreement[0]], by_agreement[1])
    _force_agreements(base, forced_by_agreement)
    votes_in = (holder, company, low, high, appoints, board_size, missing)
    declared = (concert, groups, forced_by_agreement)
    forced = np.zeros(len(rows), dtype=bool)
    while True:
        table, unstable = _settle(arrays, rows, base, votes_in, reg, rules, forced, max_hops, rounds, declared)
        if not unstable.any() or forced[unstable].all():
            return table
        # Decisions that flip from round to round (each side resting on the other) are uncertain;
        # decided again with them held uncertain, the rest settles.
        forced |= unstable


def _settle(arrays, rows, base, votes_in, reg, rules, forced, max_hops, rounds, declared):
    """Pool stakes under their holders' controllers and decide again, until nothing changes: the
    table, and the companies whose decision still flipped in the last round."""
    holder, company, low, high, appoints, board_size, missing = votes_in
    concert, groups, by_agreement = declared
    _force_uncertain(base, forced)
    # The first five are read when climbing, so each round's table gets copies of them; the votes are
    # only read at the end and are patched in place.
    climbing = 5
    current = [a.copy() for a in base]
    patched = np.zeros(0, dtype=np.int64)
    table = _follow_upward(arrays, rows, [a.copy() for a in current[:climbing]] + current[climbing:], reg, rules,
                           max_hops)
    is_company = arrays.kinds == KIND_CODES[EntityKind.COMPANY]
    n = np.int64(arrays.n)
    # Only holders that are companies or organizations can be controlled, pooled or uncertain: the
    # rounds look at their rows alone (persons hold most stakes).
    by_company = np.flatnonzero(rows.of[holder] >= 0)
    their_row = rows.of[holder[by_company]]
    their_holder, held_company = holder[by_company], rows.entity[company[by_company]]
    # Concert parties' votes count under their group's head.
    head, self_held, floats = concert[holder], np.zeros(len(holder), dtype=bool), np.zeros(len(holder), dtype=bool)
    for _ in range(rounds):
        # Stakes of holders with one actual controller in common count as that controller's; a holder
        # whose own control is uncertain may stand with any other. Only companies with such holders
        # can change, so only they are decided again.
        final, ultimate, verdict = table.by_row["final"], table.by_row["ultimate"], table.by_row["verdict"]
        their_final = final[their_row]
        their_head = np.where(their_final == SINGLE, ultimate[their_row], their_holder)
        # A holder the company itself controls (its subsidiary holding shares in it) votes as the company
        # does: its stake is the company's own, never a bloc of whoever controls the company.
        their_self = _climbs_to(verdict, table.by_row["controller"], rows.of, their_holder, held_company, max_hops)
        their_head = np.where(their_self, held_company, concert[their_head])
        unsure = (their_final == UNCERTAIN) | ((verdict[their_row] == NONE) & is_company[their_holder])
        head[by_company], self_held[by_company] = their_head, their_self
        floats[by_company] = unsure & (their_head == their_holder)
        candidate = np.zeros(len(rows), dtype=bool)
        candidate[company[(head != holder) | floats]] = True
        picked = np.flatnonzero(candidate[company])
        _, inverse, sizes = _groups(company[picked] * n + head[picked])
        pooled_holder = np.where((sizes[inverse] >= 2) | self_held[picked], head[picked], holder[picked])
        is_affected = np.zeros(len(rows), dtype=bool)
        is_affected[company[picked][(sizes[inverse] >= 2) | floats[picked] | self_held[picked]]] = True
        affected = np.flatnonzero(is_affected)
        for mine, original in zip(current, base):
            mine[patched] = original[patched]
        patched = affected
        if len(affected):
            keep = is_affected[company[picked]]
            key = company[picked][keep] * n + pooled_holder[keep]
            uniq, inverse, _ = _groups(key)
            companies, values = _decide(uniq % n, uniq // n,
                                        np.minimum(np.bincount(inverse, weights=low[picked][keep]), 1.0),
                                        np.minimum(np.bincount(inverse, weights=high[picked][keep]), 1.0),
                                        np.bincount(inverse, weights=appoints[picked][keep]).astype(np.int64),
                                        board_size, reg.hidden_max, missing, rules,
                                        np.bincount(inverse, weights=floats[picked][keep]) > 0)
            # Controlled by its own votes: name the largest of the subsidiaries that carry them, so the
            # climb goes round the circle (and finds it) and the next round still sees who they are.
            own = rows.entity[companies]
            for who in (values[1], values[2]):
                itself = np.flatnonzero(who == own)
                if len(itself):
                    who[itself] = _largest_self_holder(holder[picked], company[picked], low[picked],
                                                       self_held[picked], companies[itself])
            _joint_concert(companies, values, pooled_holder[keep], holder[picked][keep], low[picked][keep],
                           company[picked][keep], groups)
            for mine, theirs in zip(current, values):
                mine[companies] = theirs
            _force_agreements(current, by_agreement)
            _force_uncertain(current, forced)
        unstable = (current[1] != table.by_row["controller"]) | (current[0] != verdict)
        if not unstable.any():
            break
        table = _follow_upward(arrays, rows, [a.copy() for a in current[:climbing]] + current[climbing:], reg, rules,
                               max_hops)
    return table, unstable


def _largest_self_holder(holder, company, low, self_held, wanted) -> np.ndarray:
    """For each company row in ``wanted``, the subsidiary holding the largest of its own votes."""
    rows = np.flatnonzero(self_held)
    order = np.lexsort((-low[rows], company[rows]))  # by company, then falling votes
    rows = rows[order]
    first = rows[np.r_[True, company[rows][1:] != company[rows][:-1]]] if len(rows) else rows
    best = dict(zip(company[first].tolist(), holder[first].tolist()))
    return np.array([best[c] for c in wanted.tolist()], dtype=np.int32)


def _joint_concert(companies, values, pooled_holder, holder, low, company, groups) -> None:
    """Where the votes that decided were a concert group's, its members control jointly: the two
    with the most votes are named (a group of three or more is rare; the rest act with them)."""
    if not groups:
        return
    verdict, controller, partner = values[0], values[1], values[2]
    heads = np.flatnonzero(np.isin(controller, list(groups)) & (verdict == SINGLE))
    if not len(heads):
        return
    for k in heads.tolist():
        mine = np.flatnonzero((company == companies[k]) & (pooled_holder == controller[k]))
        members = [m for _, m in sorted(zip((-low[mine]).tolist(), holder[mine].tolist()))]
        members = list(dict.fromkeys(members))
        if len(members) >= 2:
            verdict[k], controller[k], partner[k] = JOINT, members[0], members[1]
            values[7][k], values[8][k] = values[5][k], values[6][k]  # the group's votes, for both


def _force_agreements(decisions: list[np.ndarray], by_agreement) -> None:
    """A company controlled by agreement (VIE) is controlled by its counterparty, whatever the shares."""
    companies, controllers = by_agreement
    if len(companies):
        verdict, controller, partner, rule, reason = decisions[:5]
        verdict[companies], controller[companies], partner[companies] = SINGLE, controllers, -1
        rule[companies], reason[companies] = AGREEMENT, NO_REASON


def _force_uncertain(decisions: list[np.ndarray], forced: np.ndarray) -> None:
    if forced.any():
        verdict, controller, partner, rule, reason = decisions[:5]
        verdict[forced], controller[forced], partner[forced], rule[forced] = UNCERTAIN, -1, -1, -1
        reason[forced] = HOLDERS_UNCERTAIN


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
    coalitions = floating is not None and bool(floating.any())
    # Rows come sorted by company and holder; a stable sort on company, then falling votes, keeps
    # holder order in ties.
    order = np.argsort(company + (1.0 - low) * 0.5, kind="stable")
    holder, company, low, high = holder[order], company[order], low[order], high[order]
    appoints = appoints[order]
    floating = floating[order] if coalitions else None
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
    if coalitions:
        float_high = per_group(np.where(floating, high, 0.0))
        float_others = float_high - np.where(floating[starts], high[starts], 0.0)
        steady_other_high = group_max(np.where(floating | first, -1.0, high))
        others_bound = np.maximum(others_high, np.where(float_others > 0, steady_other_high + float_others, 0.0))
        steady_high = group_max(np.where(floating, -1.0, high))
        steady_low = np.where(floating, -1.0, low)
        steady_top_low = group_max(steady_low)
        steady_second_low = group_max(np.where(first & ~floating, -1.0, steady_low))
        coalition = float_high > 0
        coalition_majority = coalition & (steady_high + float_high >= maj)
        coalition_could = coalition & (could(float_high, steady_top_low) | could(float_high + steady_high,
                                                                                 steady_second_low))
    else:
        others_bound = others_high
        coalition_majority = coalition_could = np.zeros(groups, dtype=bool)

    majority_count = per_group(low >= maj)
    could_majority = per_group(high >= maj)
    # Board control: only the rows of companies with a board big enough are looked at.
    boarded = np.flatnonzero(board_size[company] >= rules.min_board) if rules.board else np.zeros(0, dtype=np.int64)
    board_rows = boarded[2 * appoints[boarded] > board_size[company[boarded]]]
    board_count = np.bincount(group[board_rows], minlength=groups)
    board_pick = np.full(groups, -1, dtype=np.int64)
    board_pick[group[board_rows]] = board_rows  # used only where exactly one appoints
    pick = np.maximum(board_pick, 0)
    pick_could_majority = (high[pick] >= maj) if rows else np.zeros(0, bool)

    # Whoever a rule names, could a holder on record, or one not on record, still reach a rule?
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
    # Could a holder on record meet a rule whatever its range holds? Asked only of the undecided.
    open_rows = np.flatnonzero(undecided[group])
    open_group = group[open_rows]
    others_low = np.where(first[open_rows], second_low[open_group], top_low[open_group])
    recorded_could = np.bincount(open_group, weights=could(high[open_rows], others_low), minlength=groups) > 0
    maybe = undecided & (recorded_could | hidden_could | coalition_could)
    g_verdict[maybe] = UNCERTAIN
    g_reason[maybe] = np.where((hidden_could & blame_unrecorded)[maybe],
                               np.where(hidden_majority[maybe], UNRECORDED_MAJORITY, UNRECORDED_LARGER),
                               np.where(coalition_could[maybe], HOLDERS_UNCERTAIN, RANGES))
    return companies, (g_verdict, g_controller, g_partner, g_rule, g_reason, g_low, g_high, g_partner_low,
                       g_partner_high)


def _per_row(arrays: GraphArrays, rows: _Rows, reg: Registers, rules: ControlRules, decided) -> list[np.ndarray]:
    """Spread per-company decisions over arrays indexed by row. A row without holders on record is
    ``none``, unless what is known of its register decides: a company whose every holder is below
    a disclosure threshold (or dispersed, if listed) is ``dispersed`` or ``uncertain``."""
    m = len(rows)
    out = [np.full(m, NONE, dtype=np.int8), np.full(m, -1, dtype=np.int32), np.full(m, -1, dtype=np.int32),
           np.full(m, -1, dtype=np.int8), np.zeros(m, dtype=np.int8), np.zeros(m), np.zeros(m), np.zeros(m),
           np.zeros(m)]
    entity = rows.entity
    known = (~np.isnan(arrays.disclosure_threshold[entity])) | arrays.listed[entity] | (
        ~np.isnan(arrays.free_float[entity]))
    hidden = reg.hidden_max
    could = (hidden >= rules.majority - _EPS) | (hidden > rules.relative + _EPS) | (
        (hidden >= rules.floor - _EPS) & (hidden >= rules.margin - _EPS))
    stated = known & rows.is_company
    out[0][stated] = np.where(could[stated], UNCERTAIN, DISPERSED)
    out[4][stated] = np.where(could[stated], np.where(hidden[stated] >= rules.majority - _EPS, UNRECORDED_MAJORITY,
                                                      UNRECORDED_LARGER), NO_REASON)
    companies, values = decided
    for array, value in zip(out, values):
        array[companies] = value
    return out


def _follow_upward(arrays: GraphArrays, rows: _Rows, decisions: list[np.ndarray], reg: Registers,
                   rules: ControlRules, max_hops: int) -> ControlTable:
    """Climb from each controlled company to the controller of its controller, and so on."""
    verdict, controller, partner, rule, reason, votes_low, votes_high, partner_low, partner_high = decisions
    is_company = arrays.kinds == KIND_CODES[EntityKind.COMPANY]
    of, me = rows.of, rows.entity

    def verdict_of(entity: np.ndarray) -> np.ndarray:
        """The direct verdict of entities (NONE for those without a row: persons)."""
        r = of[entity]
        return np.where(r >= 0, verdict[np.maximum(r, 0)], NONE)

    single, joint = verdict == SINGLE, verdict == JOINT
    final = verdict.copy()
    final_reason = reason.copy()
    ultimate = np.where(single | joint, controller, -1)
    ultimate_joint = np.where(joint, partner, -1)
    hops = np.where(single | joint, 1, 0).astype(np.int32)
    current = ultimate.copy()
    joint_at = np.where(joint, me, -1)  # the company whose joint control ends the climb
    active = single.copy()
    for _ in range(max_hops):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        above = current[idx]
        above_verdict = verdict_of(above)
        unsure = above_verdict == UNCERTAIN
        unrecorded = (above_verdict == NONE) & is_company[above]
        final[idx[unsure | unrecorded]] = UNCERTAIN
        final_reason[idx[unsure]] = CONTROLLER_UNCERTAIN
        final_reason[idx[unrecorded]] = CONTROLLER_UNRECORDED
        climbs = above_verdict == SINGLE
        joins = above_verdict == JOINT
        active[idx[~climbs]] = False  # a joint, dispersed, uncertain or unheld controller ends the climb
        step = idx[climbs | joins]
        target = of[current[step]]
        ultimate[step] = controller[target]
        ultimate_joint[step] = np.where(verdict[target] == JOINT, partner[target], -1)
        hops[step] += 1
        current[step] = controller[target]
        final[idx[joins]] = JOINT
        joint_at[idx[joins]] = above[joins]
        back_home = step[ultimate[step] == me[step]]
        final[back_home] = LOOP
        active[back_home] = False
    final[active] = LOOP  # still climbing after max_hops: a control loop not through the start itself
    # Joint control that comes back: one of the joint controllers is the company or the jointly
    # controlled company above it, or is controlled by one of them (through sole control, at any depth).
    joint_final = np.flatnonzero(final == JOINT)
    if len(joint_final):
        back = np.zeros(len(joint_final), dtype=bool)
        for partners in (ultimate[joint_final], ultimate_joint[joint_final]):
            for target in (me[joint_final], joint_at[joint_final]):
                back |= _climbs_to(verdict, controller, of, partners, target, max_hops)
        final[joint_final[back]] = LOOP
    final_reason[final == LOOP] = CIRCULAR
    # Joint control by a company whose own control is uncertain is uncertain too: whoever controls
    # it may hold the other half as well.
    for _ in range(max_hops):
        joint_final = np.flatnonzero(final == JOINT)
        if not len(joint_final):
            break
        partners = (ultimate[joint_final], ultimate_joint[joint_final])
        unsure = [(_final_of(final, of, p) == UNCERTAIN) | ((verdict_of(p) == NONE) & is_company[p]) for p in partners]
        doubtful = unsure[0] | unsure[1]
        if not doubtful.any():
            break
        blocked = joint_final[doubtful]
        final[blocked] = UNCERTAIN
        unheld = [((verdict_of(p) == NONE) & is_company[p])[doubtful] for p in partners]
        final_reason[blocked] = np.where(unheld[0] | unheld[1], CONTROLLER_UNRECORDED, CONTROLLER_UNCERTAIN)
    values = dict(zip(("verdict", "controller", "joint_partner", "rule", "reason", "votes_low", "votes_high",
                       "partner_low", "partner_high"), decisions))
    values.update(final=final, final_reason=final_reason, ultimate=ultimate, ultimate_joint=ultimate_joint, hops=hops)
    return ControlTable(arrays.ids, rows, values, reg, rules)


def _final_of(final: np.ndarray, of: np.ndarray, entity: np.ndarray) -> np.ndarray:
    r = of[entity]
    return np.where(r >= 0, final[np.maximum(r, 0)], NONE)


def _climbs_to(verdict, controller, of, start: np.ndarray, target: np.ndarray, max_hops: int) -> np.ndarray:
    """Whether sole control, followed upward from each entity ``start``, meets its entity ``target``."""
    found = start == target
    going = np.flatnonzero((start >= 0) & ~found)
    current = start[going]
    for _ in range(max_hops):
        if not len(going):
            break
        r = of[current]
        climbs = r >= 0
        climbs[climbs] = verdict[r[climbs]] == SINGLE
        going, current = going[climbs], controller[r[climbs]]
        hit = current == target[going]
        found[going[hit]] = True
        going, current = going[~hit], current[~hit]
    return found
