"""The climb of control by pointer jumping against the climb one step at a time (an independent
oracle: how control was followed before, hop by hop), on random control decisions with chains,
loops, joint control, uncertain and unheld controllers."""

import math

import numpy as np
from hypothesis import given, settings, strategies as st

from equitygraph.graph.analysis.climb import chase, follow_upward
from equitygraph.graph.analysis.control_terms import (CONTROLLER_UNCERTAIN, CONTROLLER_UNRECORDED, DISPERSED, JOINT,
                                                      LOOP, SINGLE, UNCERTAIN, UNKNOWN, ControlRules, Rows)
from equitygraph.graph.arrays import arrays_from_records
from equitygraph.graph.model import Entity, EntityKind


def one_step_at_a_time(verdict, controller, partner, of, me, is_company, max_hops):
    """Control followed upward hop by hop: final, reason, ultimate, partner, hops (reasons only where set)."""
    def verdict_of(entity):
        r = of[entity]
        return np.where(r >= 0, verdict[np.maximum(r, 0)], UNKNOWN)

    single, joint = verdict == SINGLE, verdict == JOINT
    final, reason = verdict.copy(), np.zeros(len(verdict), dtype=np.int8)
    ultimate, ultimate_joint = np.where(single | joint, controller, -1), np.where(joint, partner, -1)
    hops = np.where(single | joint, 1, 0)
    current, active = ultimate.copy(), single.copy()
    for _ in range(max_hops):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        above = current[idx]
        above_verdict = verdict_of(above)
        unsure, unrecorded = above_verdict == UNCERTAIN, (above_verdict == UNKNOWN) & is_company[above]
        final[idx[unsure | unrecorded]] = UNCERTAIN
        reason[idx[unsure]], reason[idx[unrecorded]] = CONTROLLER_UNCERTAIN, CONTROLLER_UNRECORDED
        climbs, joins = above_verdict == SINGLE, above_verdict == JOINT
        active[idx[~climbs]] = False
        step = idx[climbs | joins]
        target = of[current[step]]
        ultimate[step] = controller[target]
        ultimate_joint[step] = np.where(verdict[target] == JOINT, partner[target], -1)
        hops[step] += 1
        current[step] = controller[target]
        final[idx[joins]] = JOINT
        back_home = step[ultimate[step] == me[step]]
        final[back_home] = LOOP
        active[back_home] = False
    final[active] = LOOP
    return final, reason, ultimate, ultimate_joint, hops


def random_decisions(seed: int, companies: int, persons: int):
    """Arrays of ``companies`` companies (a few without a row: organisations have rows too) and
    ``persons`` persons, with direct decisions drawn at random: mostly sole control by a company, so
    long chains and loops form."""
    rng = np.random.default_rng(seed)
    kinds = [EntityKind.COMPANY] * companies + [EntityKind.PERSON] * persons
    arrays = arrays_from_records([Entity(f"E{i:04d}", kind, f"E{i}") for i, kind in enumerate(kinds)])
    rows = Rows(arrays)
    m = len(rows)
    verdict = rng.choice([SINGLE, JOINT, DISPERSED, UNCERTAIN, UNKNOWN], size=m, p=[0.7, 0.08, 0.07, 0.08, 0.07]
                         ).astype(np.int8)
    controller = rng.integers(0, arrays.n, size=m).astype(np.int32)
    partner = rng.integers(0, arrays.n, size=m).astype(np.int32)
    decided = (verdict == SINGLE) | (verdict == JOINT)
    controller[~decided] = -1
    partner[verdict != JOINT] = -1
    zeros = np.zeros(m)
    decisions = [verdict, controller, partner, np.full(m, -1, np.int8), np.zeros(m, np.int8), zeros, zeros, zeros, zeros]
    return arrays, rows, decisions


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 80), st.integers(0, 20), st.sampled_from([1, 2, 3, 5, 8, 64]))
def test_pointer_jumping_climbs_as_one_step_at_a_time(seed, companies, persons, max_hops):
    arrays, rows, decisions = random_decisions(seed, companies, persons)
    table = follow_upward(arrays, rows, [d.copy() for d in decisions], None, ControlRules(), max_hops)
    is_company = arrays.kinds == arrays.kinds[rows.entity[0]]
    final, reason, ultimate, ultimate_joint, hops = one_step_at_a_time(
        decisions[0], decisions[1], decisions[2], rows.of, rows.entity, is_company, max_hops)
    # The joint checks after the climb only ever turn a joint answer into a loop or uncertain.
    by_row = table.by_row
    settled = final != JOINT
    assert (by_row["final"][settled] == final[settled]).all()
    assert set(by_row["final"][~settled].tolist()) <= {JOINT, LOOP, UNCERTAIN}
    named = (by_row["final"] != LOOP) & settled
    assert (by_row["ultimate"][named] == ultimate[named]).all()
    assert (by_row["ultimate_joint"][named] == ultimate_joint[named]).all()
    assert (by_row["hops"][named] == hops[named]).all()
    climbed = (decisions[0] == SINGLE) & settled
    assert (by_row["final_reason"][climbed] == np.where(final == LOOP, by_row["final_reason"], reason)[climbed]).all()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-1, 30), min_size=1, max_size=31), st.sampled_from([1, 2, 4, 7, 64]))
def test_chase_ends_where_following_ends(following, max_hops):
    following = np.array([f if f < len(following) else -1 for f in following])
    last, steps, _ = chase(following, max_hops)
    for start in range(len(following)):
        at, walked = start, 0
        while following[at] >= 0 and walked < max_hops:
            at, walked = following[at], walked + 1
        if following[at] < 0 and walked <= max_hops - 1:
            assert (last[start], steps[start]) == (at, walked)
        else:
            assert (last[start], steps[start]) == (-1, 0)


def test_chase_takes_logarithmic_rounds():
    for length in (1, 2, 3, 16, 17, 1000, 4096):
        following = np.r_[np.arange(1, length), -1]
        last, steps, rounds = chase(following, max_hops=1 << 20)
        assert last.tolist() == [length - 1] * length and steps[0] == length - 1
        assert rounds == math.ceil(math.log2(length - 1)) if length > 2 else rounds <= 1
