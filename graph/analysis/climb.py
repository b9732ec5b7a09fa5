"""Control followed upward: from each controlled company to the controller of its controller, to
the actual controller, an uncertain link or a loop."""

from __future__ import annotations

import numpy as np

from ..arrays import KIND_CODES, GraphArrays
from ..model import EntityKind
from .control_terms import (CIRCULAR, CONTROLLER_UNCERTAIN, CONTROLLER_UNRECORDED, JOINT, LOOP, UNKNOWN, SINGLE, UNCERTAIN,
                            ControlRules, ControlTable, Rows)
from .registers import Registers

def follow_upward(arrays: GraphArrays, rows: Rows, decisions: list[np.ndarray], reg: Registers,
                   rules: ControlRules, max_hops: int) -> ControlTable:
    """Climb from each controlled company to the controller of its controller, and so on."""
    verdict, controller, partner, rule, reason, votes_low, votes_high, partner_low, partner_high = decisions
    is_company = arrays.kinds == KIND_CODES[EntityKind.COMPANY]
    of, me = rows.of, rows.entity

    def verdict_of(entity: np.ndarray) -> np.ndarray:
        """The direct verdict of entities (UNKNOWN for those without a row: persons)."""
        r = of[entity]
        return np.where(r >= 0, verdict[np.maximum(r, 0)], UNKNOWN)

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
        unrecorded = (above_verdict == UNKNOWN) & is_company[above]
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
                back |= climbs_to(verdict, controller, of, partners, target, max_hops)
        final[joint_final[back]] = LOOP
    final_reason[final == LOOP] = CIRCULAR
    # Joint control by a company whose own control is uncertain is uncertain too: whoever controls
    # it may hold the other half as well.
    for _ in range(max_hops):
        joint_final = np.flatnonzero(final == JOINT)
        if not len(joint_final):
            break
        partners = (ultimate[joint_final], ultimate_joint[joint_final])
        unsure = [(final_of(final, of, p) == UNCERTAIN) | ((verdict_of(p) == UNKNOWN) & is_company[p]) for p in partners]
        doubtful = unsure[0] | unsure[1]
        if not doubtful.any():
            break
        blocked = joint_final[doubtful]
        final[blocked] = UNCERTAIN
        unheld = [((verdict_of(p) == UNKNOWN) & is_company[p])[doubtful] for p in partners]
        final_reason[blocked] = np.where(unheld[0] | unheld[1], CONTROLLER_UNRECORDED, CONTROLLER_UNCERTAIN)
    values = dict(zip(("verdict", "controller", "joint_partner", "rule", "reason", "votes_low", "votes_high",
                       "partner_low", "partner_high"), decisions))
    values.update(final=final, final_reason=final_reason, ultimate=ultimate, ultimate_joint=ultimate_joint, hops=hops)
    return ControlTable(arrays.ids, rows, values, reg, rules)


def final_of(final: np.ndarray, of: np.ndarray, entity: np.ndarray) -> np.ndarray:
    r = of[entity]
    return np.where(r >= 0, final[np.maximum(r, 0)], UNKNOWN)


def climbs_to(verdict, controller, of, start: np.ndarray, target: np.ndarray, max_hops: int) -> np.ndarray:
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
