"""Direct control of each company from its holders' votes: the rules applied in order, each
comparison a holder's lower bound against its rivals' upper bounds."""

from __future__ import annotations

import numpy as np

from ..arrays import GraphArrays
from .control_terms import (DISPERSED, EPS, JOINT, NO_REASON, UNKNOWN, RANGES, SINGLE, UNCERTAIN, UNRECORDED_LARGER,
                            UNRECORDED_MAJORITY, HOLDERS_UNCERTAIN, ControlRules, Rows)
from .registers import Registers

class _Holders:
    """The holders' rows of the companies being decided, sorted by company, then falling votes (a
    stable sort keeps holder order in ties), with per-company ("group") views of them."""

    def __init__(self, holder, company, low, high, appoints, floating):
        order = np.lexsort((-low, company))  # stable: ties in holder order, however close the votes
        self.holder, self.company, self.low, self.high = holder[order], company[order], low[order], high[order]
        self.appoints = appoints[order]
        self.floating = floating[order] if floating is not None else None
        self.rows = rows = len(self.company)
        self.first = np.r_[True, self.company[1:] != self.company[:-1]] if rows else np.zeros(0, bool)
        self.starts = starts = np.flatnonzero(self.first)
        self.groups = len(starts)
        self.companies = self.company[starts]
        self.group = np.cumsum(self.first) - 1
        self.top_low = self.low[starts]
        self.second = np.minimum(starts + 1, max(rows - 1, 0))
        has_second = np.r_[starts[1:], rows] > starts + 1
        self.second_holder = np.where(has_second, self.holder[self.second], -1) if rows else self.second
        self.second_low = np.where(has_second, self.low[self.second], 0.0) if rows else np.zeros(0)
        self.others_high = self.group_max(np.where(self.first, -1.0, self.high))

    def per_group(self, flags) -> np.ndarray:
        return np.bincount(self.group, weights=flags, minlength=self.groups)

    def group_max(self, values) -> np.ndarray:
        return np.maximum(np.maximum.reduceat(values, self.starts), 0.0) if self.groups else np.zeros(0)


class _Thresholds:
    """The rules' thresholds with the tolerance applied, and the test whether a holder could meet one."""

    def __init__(self, rules: ControlRules):
        self.maj, self.rel = rules.majority - EPS, rules.relative + EPS
        self.floor, self.margin = rules.floor - EPS, rules.margin - EPS

    def could(self, votes, rival_low):
        """Whether a holder with up to ``votes`` could meet a rule against others holding ``rival_low``."""
        return (votes >= self.maj) | ((votes > self.rel) & (votes > rival_low + EPS)) | (
            (votes >= self.floor) & (votes - rival_low >= self.margin))


def _coalitions(h: _Holders, t: _Thresholds):
    """Holders behind which anyone may stand (``floating``), taken together with the best other
    holder: the most the others could hold against the top holder, and per company whether such a
    coalition certainly has, or could reach, a rule."""
    if h.floating is None:
        nothing = np.zeros(h.groups, dtype=bool)
        return h.others_high, nothing, nothing
    floating, high, low, first = h.floating, h.high, h.low, h.first
    float_high = h.per_group(np.where(floating, high, 0.0))
    float_others = float_high - np.where(floating[h.starts], high[h.starts], 0.0)
    steady_other_high = h.group_max(np.where(floating | first, -1.0, high))
    others_bound = np.maximum(h.others_high, np.where(float_others > 0, steady_other_high + float_others, 0.0))
    steady_high = h.group_max(np.where(floating, -1.0, high))
    steady_low = np.where(floating, -1.0, low)
    steady_top_low = h.group_max(steady_low)
    steady_second_low = h.group_max(np.where(first & ~floating, -1.0, steady_low))
    coalition = float_high > 0
    coalition_majority = coalition & (steady_high + float_high >= t.maj)
    coalition_could = coalition & (t.could(float_high, steady_top_low) | t.could(float_high + steady_high,
                                                                                 steady_second_low))
    return others_bound, coalition_majority, coalition_could


def _board(h: _Holders, t: _Thresholds, board_size, rules: ControlRules):
    """Board control, looked at only for companies with a board big enough: per company how many
    holders appoint most of it, the row of the one that does (where exactly one does), and whether
    that holder could also hold a majority of the votes."""
    company = h.company
    boarded = np.flatnonzero(board_size[company] >= rules.min_board) if rules.board else np.zeros(0, dtype=np.int64)
    board_rows = boarded[2 * h.appoints[boarded] > board_size[company[boarded]]]
    board_count = np.bincount(h.group[board_rows], minlength=h.groups)
    board_pick = np.full(h.groups, -1, dtype=np.int64)
    board_pick[h.group[board_rows]] = board_rows  # used only where exactly one appoints
    pick = np.maximum(board_pick, 0)
    pick_could_majority = (h.high[pick] >= t.maj) if h.rows else np.zeros(0, bool)
    return board_count, pick, pick_could_majority


class _Verdicts:
    """The per-company answer being filled in: each rule decides the companies still undecided."""

    def __init__(self, h: _Holders):
        groups = h.groups
        self.h = h
        self.verdict = np.full(groups, DISPERSED, dtype=np.int8)
        self.rule = np.full(groups, -1, dtype=np.int8)
        self.reason = np.zeros(groups, dtype=np.int8)
        self.controller = np.full(groups, -1, dtype=np.int32)
        self.partner = np.full(groups, -1, dtype=np.int32)
        self.low, self.high = np.zeros(groups), np.zeros(groups)
        self.partner_low, self.partner_high = np.zeros(groups), np.zeros(groups)
        self.undecided = np.ones(groups, dtype=bool)

    def decide(self, mask, verdict, rule, who_row):
        chosen = self.undecided & mask
        self.verdict[chosen], self.rule[chosen] = verdict, rule
        if who_row is not None and self.h.rows:
            at = who_row[chosen]
            self.controller[chosen], self.low[chosen], self.high[chosen] = self.h.holder[at], self.h.low[at], self.h.high[at]
        self.undecided[chosen] = False
        return chosen

    def unsure(self, mask, recorded_rival, hidden_majority, blame_unrecorded, coalition_majority):
        """Uncertain, because of the unrecorded part, of holders whose control is uncertain, or of ranges."""
        chosen = self.decide(mask, UNCERTAIN, -1, None)
        self.reason[chosen] = np.where((hidden_majority & blame_unrecorded)[chosen], UNRECORDED_MAJORITY, np.where(
            coalition_majority[chosen] & ~recorded_rival[chosen], HOLDERS_UNCERTAIN, RANGES))

    def values(self):
        return (self.verdict, self.controller, self.partner, self.rule, self.reason, self.low, self.high,
                self.partner_low, self.partner_high)


def decide_direct(holder, company, low, high, appoints, board_size, hidden, missing, rules, floating=None):
    """Direct control of every company from its holders' rows: the companies, and per company the
    verdict, controller, joint partner, rule, reason and the votes of controller and partner
    (spread over entities by :func:`per_row`).

    ``hidden`` (per entity) is the most one holder not on record could have, ``missing`` the part
    of the shares certainly not on record. ``floating`` marks
    rows whose holder is a company whose own control is uncertain: any controller could stand
    behind it, so such holders may together, and with one other holder, be one coalition.
    """
    coalitions = floating is not None and bool(floating.any())
    h = _Holders(holder, company, low, high, appoints, floating if coalitions else None)
    t = _Thresholds(rules)
    others_bound, coalition_majority, coalition_could = _coalitions(h, t)
    board_count, pick, pick_could_majority = _board(h, t, board_size, rules)
    hidden_g = hidden[h.companies]
    # Whoever a rule names, could a holder on record, or one not on record, still reach a rule?
    hidden_could = t.could(hidden_g, h.top_low)
    hidden_majority = hidden_g >= t.maj
    # Say "not on record" only where some part certainly is; else unknown shares on record can fill it.
    blame_unrecorded = missing[h.companies] > EPS
    majority_count = h.per_group(h.low >= t.maj)
    could_majority = h.per_group(h.high >= t.maj)
    v = _Verdicts(h)
    why = (hidden_majority, blame_unrecorded, coalition_majority)
    # 1. majority: two holders of half each control jointly; one alone, unless a rival could also reach it
    joint = v.decide(majority_count >= 2, JOINT, 0, h.starts)
    v.partner[joint] = h.second_holder[joint]
    if h.rows:
        v.partner_low[joint], v.partner_high[joint] = h.low[h.second[joint]], h.high[h.second[joint]]
    lone_majority = majority_count == 1
    recorded_rival = could_majority > 1
    v.decide(lone_majority & ~(recorded_rival | hidden_majority | (others_bound >= t.maj)), SINGLE, 0, h.starts)
    v.unsure(lone_majority, recorded_rival, *why)
    # 2. board
    board_recorded_rival = could_majority - pick_could_majority > 0
    v.decide((board_count == 1) & ~(board_recorded_rival | hidden_majority | coalition_majority), SINGLE, 1, pick)
    v.unsure(board_count == 1, board_recorded_rival, *why)
    # 3. relative majority; 4. largest holder by a margin
    top_low = h.top_low
    v.decide((top_low > t.rel) & (top_low > others_bound + EPS) & (top_low > hidden_g + EPS), SINGLE, 2, h.starts)
    v.decide((top_low >= t.floor) & (top_low - np.maximum(others_bound, hidden_g) >= t.margin), SINGLE, 3, h.starts)
    _dispersed_or_uncertain(h, t, v, hidden_could, hidden_majority, blame_unrecorded, coalition_could)
    return h.companies, v.values()


def _dispersed_or_uncertain(h: _Holders, t: _Thresholds, v: _Verdicts, hidden_could, hidden_majority,
                            blame_unrecorded, coalition_could) -> None:
    """5. Nobody controls alone: uncertain where a holder on record could meet a rule whatever its
    range holds (asked only of the undecided), or one not on record, or a coalition; else dispersed."""
    open_rows = np.flatnonzero(v.undecided[h.group])
    open_group = h.group[open_rows]
    others_low = np.where(h.first[open_rows], h.second_low[open_group], h.top_low[open_group])
    recorded_could = np.bincount(open_group, weights=t.could(h.high[open_rows], others_low), minlength=h.groups) > 0
    maybe = v.undecided & (recorded_could | hidden_could | coalition_could)
    v.verdict[maybe] = UNCERTAIN
    v.reason[maybe] = np.where((hidden_could & blame_unrecorded)[maybe],
                               np.where(hidden_majority[maybe], UNRECORDED_MAJORITY, UNRECORDED_LARGER),
                               np.where(coalition_could[maybe], HOLDERS_UNCERTAIN, RANGES))


def per_row(arrays: GraphArrays, rows: Rows, reg: Registers, rules: ControlRules, decided) -> list[np.ndarray]:
    """Spread per-company decisions over arrays indexed by row. A row without holders on record is
    ``unknown``, unless what is known of its register decides: a company whose every holder is below
    a disclosure threshold (or dispersed, if listed) is ``none`` or ``uncertain``."""
    m = len(rows)
    out = [np.full(m, UNKNOWN, dtype=np.int8), np.full(m, -1, dtype=np.int32), np.full(m, -1, dtype=np.int32),
           np.full(m, -1, dtype=np.int8), np.zeros(m, dtype=np.int8), np.zeros(m), np.zeros(m), np.zeros(m),
           np.zeros(m)]
    entity = rows.entity
    known = (~np.isnan(arrays.disclosure_threshold[entity])) | arrays.listed[entity] | (
        ~np.isnan(arrays.free_float[entity]))
    hidden = reg.hidden_max
    could = (hidden >= rules.majority - EPS) | (hidden > rules.relative + EPS) | (
        (hidden >= rules.floor - EPS) & (hidden >= rules.margin - EPS))
    stated = known & rows.is_company
    out[0][stated] = np.where(could[stated], UNCERTAIN, DISPERSED)
    out[4][stated] = np.where(could[stated], np.where(hidden[stated] >= rules.majority - EPS, UNRECORDED_MAJORITY,
                                                      UNRECORDED_LARGER), NO_REASON)
    companies, values = decided
    for array, value in zip(out, values):
        array[companies] = value
    return out
