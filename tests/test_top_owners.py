"""Each company's largest ultimate owner, a block of owners at a time (graph/analysis/top_owners.py),
against integrated ownership summed densely with numpy (T = A (I - A)^-1)."""

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from equitygraph.graph.analysis.top_owners import TIED, largest_owners


def dense_largest(A: np.ndarray, owners: np.ndarray) -> tuple[list[int], list[float]]:
    n = len(A)
    T = A @ np.linalg.inv(np.eye(n) - A)
    owner, share = [], []
    for j in range(n):
        column = T[owners, j]
        held = np.flatnonzero(column > 0)
        if not len(held):
            owner.append(-1)
            share.append(0.0)
            continue
        best = column[held].max()
        owner.append(int(owners[held[column[held] >= best - TIED][0]]))
        share.append(float(best))
    return owner, share


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 9).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from([0.1, 0.25, 0.3, 0.5, 0.6])),
             max_size=3 * n),
    st.lists(st.booleans(), min_size=n, max_size=n),
    st.integers(1, 4))))
def test_largest_owners_are_those_of_integrated_ownership_summed_densely(case):
    """Chains, cross-holdings and ties (equal shares reach a company by two owners), the rows summed
    one, two or more owners at a time: the same owner and share as the whole of T."""
    n, stakes, is_owner, at_once = case
    A = np.zeros((n, n))
    for holder, company, share in stakes:
        if holder != company and A[:, company].sum() + share <= 1.0:
            A[holder, company] += share
    owners = np.flatnonzero(is_owner)
    found_owner, found_share = largest_owners(sp.csr_matrix(A), owners, at_once)
    expected_owner, expected_share = dense_largest(A, owners)
    assert found_owner.tolist() == expected_owner
    assert np.allclose(found_share, expected_share, atol=1e-9)


def test_equal_shares_by_two_owners_go_to_the_lower_index_in_whichever_block_it_is():
    A = sp.csr_matrix(([0.4, 0.4], ([3, 1], [0, 0])), shape=(4, 4))
    for at_once in (1, 2, 4):
        owner, share = largest_owners(A, np.array([1, 3]), at_once)
        assert owner.tolist() == [1, -1, -1, -1] and share.tolist() == [0.4, 0.0, 0.0, 0.0]
