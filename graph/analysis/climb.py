"""Control followed upward: from each controlled company to the controller of its controller, to
the actual controller, an uncertain link or a loop."""

from __future__ import annotations

import numpy as np

from ..arrays import KIND_CODES, GraphArrays
from ..model import EntityKind
from .control_terms import (CIRCULAR, CONTROLLER_UNCERTAIN, CONTROLLER_UNRECORDED, JOINT, LOOP, UNKNOWN, SINGLE, UNCERTAIN,
                            ControlRules, ControlTable, Rows)
from .registers import Registers

def chase(following: np.ndarray, max_hops: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Pointer jumping along chains: ``following[r]`` is the row after row ``r`` (-1 where its chain
    ends). For each row, the row its chain ends at and how many steps away that is, or -1 where the
    chain does not end within ``max_hops - 1`` steps (it runs into a loop, or is longer); and the
    number of rounds taken, each doubling how far every row has looked (so a chain of ``d`` steps
    takes ``ceil(log2 d)`` rounds, where following it step by step takes ``d``).

    Examples
    --------
    >>> last, steps, rounds = chase(np.array([1, 2, 3, -1, 5, 4]), 64)
    >>> last.tolist(), steps.tolist(), rounds
    ([3, 3, 3, 3, -1, -1], [3, 2, 1, 0, 0, 0], 6)
    """
    n = len(following)
    ends = following < 0
    last = np.where(ends, np.arange(n), following)
    steps = (~ends).astype(np.int64)
    done = ends[last]
    rounds, reach = 0, 1
    while reach < max_hops and not done.all():
        steps = steps + steps[last]
        last = last[last]
        done = ends[last]
        rounds, reach = rounds + 1, reach * 2
    return (*ended_within(last, steps, done, max_hops), rounds)


def ended_within(last: np.ndarray, steps: np.ndarray, done: np.ndarray, max_hops: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each chain ended (``done``: ``last`` is its end, ``steps`` away) within ``max_hops - 1``
    steps: that row and the steps; elsewhere -1 and 0."""
    ended = done & (steps <= max_hops - 1)
    return np.where(ended, last, -1), np.where(ended, steps, 0)


def follow_upward(arrays: GraphArrays, rows: Rows, decisions: list[np.ndarray], reg: Registers,
                  rules: ControlRules, max_hops: int, engine=None) -> ControlTable:
    """Climb from each controlled company to the controller of its controller, and so on: through
    sole control, to the first controller that is not solely controlled (``engine.chase``, pointer
    jumping), then what that controller is decides."""
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
    joint_at = np.where(joint, me, -1)  # the company whose joint control ends the climb
    starts = np.flatnonzero(single)
    above = of[np.maximum(controller[starts], 0)]
    climbs = (controller[starts] >= 0) & (above >= 0)
    climbs[climbs] = verdict[above[climbs]] == SINGLE
    following = np.full(len(verdict), -1, dtype=np.int64)
    following[starts[climbs]] = above[climbs]
    last, steps, _ = (engine.chase if engine is not None else chase)(following, max_hops)
    ended = last[starts] >= 0
    # A chain of sole control that does not end within max_hops: a loop (through the start or not).
    looped = starts[~ended]
    final[looped], ultimate[looped], hops[looped] = LOOP, -1, 0
    go = starts[ended]
    top = controller[last[go]]  # the first controller not solely controlled
    top_verdict = verdict_of(top)
    ultimate[go], hops[go] = top, 1 + steps[go]
    unsure = top_verdict == UNCERTAIN
    unrecorded = (top_verdict == UNKNOWN) & is_company[top]
    final[go[unsure | unrecorded]] = UNCERTAIN
    final_reason[go[unsure]] = CONTROLLER_UNCERTAIN
    final_reason[go[unrecorded]] = CONTROLLER_UNRECORDED
    joins = top_verdict == JOINT
    jointly, top_row = go[joins], of[top[joins]]
    ultimate[jointly], ultimate_joint[jointly] = controller[top_row], partner[top_row]
    hops[jointly] += 1
    final[jointly], joint_at[jointly] = JOINT, top[joins]  # one that comes back is found below, as any joint loop
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
