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
5. otherwise nobody controls it alone: ``none`` (dispersed) when no holder could meet a rule whatever the
   unknown, range and unrecorded shares are, ``uncertain`` when one could (with the reason), and
   ``unknown`` where nothing is on record (no holder, and nothing known of the register).

Every comparison takes a holder's lower bound against the others' upper bounds, so a verdict
called certain holds for every way of filling in what the records leave open. Stakes of holders
one controller controls are pooled under it. Control is then followed upward, from a controlling
company to its own controller, to the actual controller; a climb that reaches a company whose
control is uncertain, or a company with no holder on record, makes the answer uncertain, and a
climb that comes back to where it started is a ``loop`` (docs/control.md, "Cycles").
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .. import cancel
from ..arrays import KIND_CODES, GraphArrays
from ..model import EntityKind, Interest
from ..roles import BOARD_ROLES
from .climb import climbs_to, follow_upward
from .control_terms import (AGREEMENT, CIRCULAR, CONTROLLER_UNCERTAIN, CONTROLLER_UNRECORDED, DISPERSED,
                            HOLDERS_UNCERTAIN, JOINT, LOOP, NO_REASON, UNKNOWN, RANGES, REASONS, RULES, SINGLE, UNCERTAIN,
                            UNRECORDED_LARGER, UNRECORDED_MAJORITY, VERDICTS, ControlRules, ControlTable, Rows)
from .declared import agreements, concert_heads, resolve_holders
from .direct_control import decide_direct, per_row
from .ownership import direct_shares
from .registers import Registers, build_registers, registers
from .votes import board_appointments, key_groups, votes, votes_of

# The control rules' vocabulary and results, importable from here as from where they are kept.
__all__ = ["AGREEMENT", "BOARD_ROLES", "CIRCULAR", "CONTROLLER_UNCERTAIN", "CONTROLLER_UNRECORDED", "DISPERSED",
           "HOLDERS_UNCERTAIN", "JOINT", "LOOP", "NO_REASON", "UNKNOWN", "RANGES", "REASONS", "RULES", "SINGLE",
           "UNCERTAIN", "UNRECORDED_LARGER", "UNRECORDED_MAJORITY", "VERDICTS", "ControlRules", "ControlTable",
           "Registers", "board_appointments", "control_table", "registers", "votes"]


def control_table(arrays: GraphArrays, as_of: dt.date | None = None, rules: ControlRules = ControlRules(),
                  max_hops: int = 64, rounds: int = 4, decisions: list[tuple[int, int, bool]] = (),
                  engine=None) -> ControlTable:
    """Direct and actual control of every company at once: the rules decided and control climbed on
    ``engine`` (:mod:`.engine`: here when None; the same answers wherever).

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
    rows = Rows(arrays)
    held = direct_shares(arrays, as_of, (Interest.SHAREHOLDING,))
    voting = direct_shares(arrays, as_of, (Interest.VOTING,))
    holder, company, low, high = votes_of(held, voting, arrays.n)
    company = rows.of[company]  # from here on, the companies held are rows
    reg = build_registers(arrays, rows, held, company, low, rules)
    appoints, board_size = board_appointments(arrays, holder, rows.entity[company], as_of,
                                              rules.min_board if rules.board else 1)
    board_size = board_size[rows.entity]
    missing = 1.0 - reg.on_record_high
    decide = engine.direct_control if engine is not None else decide_direct
    base = per_row(arrays, rows, reg, rules, decide(holder, company, low, high, appoints, board_size, reg.hidden_max,
                                                     missing, rules))
    forced_by_agreement = (rows.of[by_agreement[0]], by_agreement[1])
    _force_agreements(base, forced_by_agreement)
    votes_in = (holder, company, low, high, appoints, board_size, missing)
    declared = (concert, groups, forced_by_agreement)
    forced = np.zeros(len(rows), dtype=bool)
    while True:
        cancel.checkpoint()
        table, unstable = _settle(arrays, rows, base, votes_in, reg, rules, forced, max_hops, rounds, declared, engine)
        if not unstable.any() or forced[unstable].all():
            return table
        # Decisions that flip from round to round (each side resting on the other) are uncertain;
        # decided again with them held uncertain, the rest settles.
        forced |= unstable


def _settle(arrays, rows, base, votes_in, reg, rules, forced, max_hops, rounds, declared, engine):
    """Pool stakes under their holders' controllers and decide again, until nothing changes: the
    table, and the companies whose decision still flipped in the last round."""
    holder, company, low, high, appoints, board_size, missing = votes_in
    concert, groups, by_agreement = declared
    decide = engine.direct_control if engine is not None else decide_direct
    _force_uncertain(base, forced)
    # The first five are read when climbing, so each round's table gets copies of them; the votes are
    # only read at the end and are patched in place.
    climbing = 5
    current = [a.copy() for a in base]
    patched = np.zeros(0, dtype=np.int64)
    table = follow_upward(arrays, rows, [a.copy() for a in current[:climbing]] + current[climbing:], reg, rules,
                           max_hops, engine)
    is_company = arrays.kinds == KIND_CODES[EntityKind.COMPANY]
    n = np.int64(arrays.n)
    # Only holders that are companies or organizations can be controlled, pooled or uncertain: the
    # rounds look at their rows alone (persons hold most stakes).
    by_company = np.flatnonzero(rows.of[holder] >= 0)
    their_row = rows.of[holder[by_company]]
    their_holder, held_company = holder[by_company], rows.entity[company[by_company]]
    # Concert parties' votes count under their group's head.
    head, self_held, floats = concert[holder], np.zeros(len(holder), dtype=bool), np.zeros(len(holder), dtype=bool)
    # Whose votes each row carries before concert parties are pooled: a concert group's members are named
    # by these (a company one member controls votes as that member, never as a member itself).
    member = holder.copy()
    for _ in range(rounds):
        cancel.checkpoint()
        # Stakes of holders with one actual controller in common count as that controller's; a holder
        # whose own control is uncertain may stand with any other. Only companies with such holders
        # can change, so only they are decided again.
        final, ultimate, verdict = table.by_row["final"], table.by_row["ultimate"], table.by_row["verdict"]
        their_final = final[their_row]
        # A holder certainly controlled by a parent whose own control is not proven (nobody on record
        # holds the parent, or who does is uncertain) votes with that parent all the same: whoever
        # stands above the parent commands both.
        parented = table.stopped_at_parent(their_row) & (table.by_row["ultimate_joint"][their_row] < 0)
        their_head = np.where((their_final == SINGLE) | parented, ultimate[their_row], their_holder)
        # A holder the company itself controls (its subsidiary holding shares in it) votes as the company
        # does: its stake is the company's own, never a bloc of whoever controls the company.
        their_self = climbs_to(verdict, table.by_row["controller"], rows.of, their_holder, held_company, max_hops)
        member[by_company] = np.where(their_self, held_company, their_head)
        their_head = np.where(their_self, held_company, concert[their_head])
        unsure = (their_final == UNCERTAIN) | ((verdict[their_row] == UNKNOWN) & is_company[their_holder])
        head[by_company], self_held[by_company] = their_head, their_self
        # Votes pooled under a parent whose own control is not proven could stand under anyone, as the
        # parent's own could: whoever controls the parent may hold other stakes beside them.
        floats[by_company] = unsure & ((their_head == their_holder) | parented)
        candidate = np.zeros(len(rows), dtype=bool)
        candidate[company[(head != holder) | floats]] = True
        picked = np.flatnonzero(candidate[company])
        _, inverse, sizes = key_groups(company[picked] * n + head[picked])
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
            uniq, inverse, _ = key_groups(key)
            companies, values = decide(uniq % n, uniq // n,
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
            _joint_concert(companies, values, pooled_holder[keep], member[picked][keep], low[picked][keep],
                           company[picked][keep], groups)
            for mine, theirs in zip(current, values):
                mine[companies] = theirs
            _force_agreements(current, by_agreement)
            _force_uncertain(current, forced)
        unstable = (current[1] != table.by_row["controller"]) | (current[0] != verdict)
        if not unstable.any():
            break
        table = follow_upward(arrays, rows, [a.copy() for a in current[:climbing]] + current[climbing:], reg, rules,
                               max_hops, engine)
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
    with the most votes are named (a group of three or more is rare; the rest act with them).
    ``holder`` is whose votes each row carries (a member, for a company a member controls)."""
    if not groups:
        return
    verdict, controller, partner = values[0], values[1], values[2]
    heads = np.flatnonzero(np.isin(controller, list(groups)) & (verdict == SINGLE))
    if not len(heads):
        return
    # One pass over the rows, not one per head: at ten million companies the heads are many.
    n = np.int64(max(int(pooled_holder.max(initial=0)), int(controller[heads].max())) + 1)
    row_keys = company.astype(np.int64) * n + pooled_holder
    head_keys = companies[heads].astype(np.int64) * n + controller[heads]
    mine = np.flatnonzero(np.isin(row_keys, head_keys))
    keys, head_of_row = np.unique(row_keys[mine], return_inverse=True)
    members = np.int64(int(holder.max(initial=0)) + 1)
    pairs, pair_of_row = np.unique(head_of_row * members + holder[mine], return_inverse=True)
    votes = np.bincount(pair_of_row, weights=low[mine], minlength=len(pairs))  # summed in row order
    pair_head, pair_member = pairs // members, pairs % members
    order = np.lexsort((pair_member, -votes, pair_head))  # per head: most votes first, then the lower id
    pair_head, pair_member = pair_head[order], pair_member[order]
    first = np.flatnonzero(np.r_[True, pair_head[1:] != pair_head[:-1]]) if len(order) else order
    two = first[np.diff(np.r_[first, len(order)]) >= 2]
    by_key = np.argsort(head_keys)
    k = heads[by_key[np.searchsorted(head_keys, keys[pair_head[two]], sorter=by_key)]]
    verdict[k], controller[k], partner[k] = JOINT, pair_member[two], pair_member[two + 1]
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
