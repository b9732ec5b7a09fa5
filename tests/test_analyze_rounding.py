"""The shares and scores analyze writes are Python's correctly rounded ``round`` of their first twelve
places, made by numpy where that gives the same double (queries.analyze._rounded)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from equitygraph.queries.analyze import _rounded


def python_rounded(values: list[float], digits: int) -> list[float]:
    return [round(round(v, 12), digits) for v in values]


@st.composite
def values_and_digits(draw):
    digits = draw(st.sampled_from([0, 1, 4, 6, 9]))
    tie = st.builds(lambda k, off: (k + 0.5) / 10 ** digits + off, st.integers(-10 ** 7, 10 ** 7),
                    st.sampled_from([0.0, 1e-16, -1e-16, 1e-13, -1e-13, 4.9e-13, -4.9e-13, 5.1e-13, -5.1e-13, 1e-11]))
    value = st.one_of(st.floats(-2, 2), st.floats(allow_nan=True, allow_infinity=True), st.floats(-1e7, 1e7), tie,
                      st.sampled_from([0.0, -0.0, 0.1930365, 0.19303650000000003, 1e-300, -1e-13]))
    return draw(st.lists(value, max_size=40)), digits


@settings(max_examples=400, deadline=None)
@given(values_and_digits())
def test_numpy_rounds_as_python_rounds(case):
    values, digits = case
    got = _rounded(np.array(values, dtype=float), digits)
    assert [repr(v) for v in got] == [repr(v) for v in python_rounded(values, digits)]  # -0.0 and nan too


def test_both_ways_of_rounding_are_taken():
    """Values far from a tie are rounded by numpy alone; a tie, a huge value and NaN by Python (a
    check that rounded every value in Python, or none, would still pass the test above only if right)."""
    import equitygraph.queries.analyze as analyze_module

    calls = []
    real_round = round

    def counting_round(v, digits=None):
        calls.append(v)
        return real_round(v, digits)

    analyze_module.round = counting_round
    try:
        assert _rounded(np.array([0.123456789, 0.5, 0.25, 1 / 3]), 6) == [0.123457, 0.5, 0.25, 0.333333]
        assert calls == []
        assert _rounded(np.array([0.1930365, 1e20, float("nan"), 0.7]), 6)[:2] == [0.193036, 1e20]
        assert len(calls) == 6  # two rounds a value, for the three that may differ
    finally:
        del analyze_module.round
