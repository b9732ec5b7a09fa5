"""Where a concert group's pooled votes decided a company, its two members with the most votes control
it jointly (graph/analysis/control_rules.py, ``_joint_concert``). One pass over all the rows does
this for every such company at once; a loop over the companies, one at a time, is the oracle."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from equitygraph.graph.analysis.control_rules import _joint_concert
from equitygraph.graph.analysis.control_terms import JOINT, SINGLE, UNCERTAIN

VOTES = [0.05, 0.1, 0.2, 0.25, 0.3]


def _one_at_a_time(companies, values, pooled_holder, holder, low, company, groups) -> None:
    for k in range(len(companies)):
        if values[1][k] not in groups or values[0][k] != SINGLE:
            continue
        votes: dict[int, float] = {}
        for row in range(len(company)):
            if company[row] == companies[k] and pooled_holder[row] == values[1][k]:
                votes[int(holder[row])] = votes.get(int(holder[row]), 0.0) + float(low[row])
        ranked = sorted(votes, key=lambda m: (-votes[m], m))
        if len(ranked) >= 2:
            values[0][k], values[1][k], values[2][k] = JOINT, ranked[0], ranked[1]
            values[7][k], values[8][k] = values[5][k], values[6][k]


def _values(verdicts, controllers):
    size = len(verdicts)
    return [np.array(verdicts, dtype=np.int8), np.array(controllers, dtype=np.int32), np.full(size, -1, np.int32),
            np.zeros(size, np.int8), np.zeros(size, np.int8),
            np.linspace(0.5, 0.9, size), np.linspace(0.6, 1.0, size), np.zeros(size), np.zeros(size)]


@st.composite
def decided(draw):
    """Companies 0..5 decided (some by a concert head 10 or 11), rows of votes pooled under heads or
    held alone, members 0..4 whose votes may tie."""
    companies = draw(st.lists(st.integers(0, 5), min_size=1, max_size=6, unique=True))
    verdicts = draw(st.lists(st.sampled_from([SINGLE, SINGLE, UNCERTAIN]), min_size=len(companies),
                             max_size=len(companies)))
    controllers = draw(st.lists(st.sampled_from([10, 11, 3]), min_size=len(companies), max_size=len(companies)))
    rows = draw(st.lists(st.tuples(st.integers(0, 5), st.sampled_from([10, 11, 2]), st.integers(0, 4),
                                   st.sampled_from(VOTES)), max_size=30))
    company, pooled, holder, low = (np.array(c) for c in zip(*rows)) if rows else (np.zeros(0, np.int64),) * 4
    groups = {10: (0, 1, 2), 11: (3, 4)}
    return (np.array(companies, dtype=np.int64), verdicts, controllers, pooled.astype(np.int64),
            holder.astype(np.int32), low.astype(float), company.astype(np.int64), groups)


@settings(max_examples=400, deadline=None)
@given(decided())
def test_every_company_at_once_as_one_at_a_time(case):
    companies, verdicts, controllers, pooled, holder, low, company, groups = case
    expected, got = _values(verdicts, controllers), _values(verdicts, controllers)
    _one_at_a_time(companies, expected, pooled, holder, low, company, groups)
    _joint_concert(companies, got, pooled, holder, low, company, groups)
    for want, have in zip(expected, got):
        np.testing.assert_array_equal(have, want)


def test_worked_example():
    # Company 7 is decided for head 10 by votes pooled under it: member 2 holds 0.1 + 0.2, member 0
    # 0.25 and member 1 0.25, so 2 and then 0 (the lower id of the tie) control jointly. Company 3
    # is decided for head 11 by one member's votes alone, company 5 is uncertain: neither changes.
    companies = np.array([3, 7, 5])
    values = _values([SINGLE, SINGLE, UNCERTAIN], [11, 10, 10])
    company = np.array([7, 7, 7, 7, 3, 5, 5, 7])
    pooled = np.array([10, 10, 10, 10, 11, 10, 10, 2])
    holder = np.array([2, 1, 0, 2, 4, 0, 1, 9], dtype=np.int32)
    low = np.array([0.1, 0.25, 0.25, 0.2, 0.6, 0.3, 0.3, 0.4])
    _joint_concert(companies, values, pooled, holder, low, company, {10: (0, 1, 2), 11: (3, 4)})
    assert values[0].tolist() == [SINGLE, JOINT, UNCERTAIN]
    assert values[1].tolist() == [11, 2, 10]
    assert values[2].tolist() == [-1, 0, -1]
    assert values[7][1] == values[5][1] and values[8][1] == values[6][1]
    assert values[7][0] == values[7][2] == 0.0


def test_strategy_reaches_ties_and_lone_members():
    """The property above sees heads with two or more members (a tie among them too) and heads with one."""
    from hypothesis import find

    def some(case, wanted):
        companies, verdicts, controllers, pooled, holder, low, company, groups = case
        for k, c in enumerate(companies):
            if verdicts[k] != SINGLE or controllers[k] not in groups:
                continue
            mine = (company == c) & (pooled == controllers[k])
            votes = {}
            for m, v in zip(holder[mine].tolist(), low[mine].tolist()):
                votes[m] = votes.get(m, 0.0) + v
            if wanted(votes):
                return True
        return False

    find(decided(), lambda case: some(case, lambda v: len(v) >= 2 and len(set(v.values())) < len(v)))
    find(decided(), lambda case: some(case, lambda v: len(v) == 1))
