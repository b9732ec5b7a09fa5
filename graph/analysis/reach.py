"""What many starting points reach along the arrays' edges, in one breadth-first walk (pure)."""

from __future__ import annotations

import numpy as np


def reached(n: int, tails: np.ndarray, heads: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """A boolean mask over ``n`` nodes of ``starts`` (a mask) and every node reachable from one of them
    along the edges ``tails[k]`` -> ``heads[k]``.

    Examples
    --------
    >>> reached(4, np.array([0, 1]), np.array([1, 2]), np.array([True, False, False, False])).tolist()
    [True, True, True, False]
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    if not starts.any():
        return starts.copy()
    # One extra node, n, points at every start: one walk from it reaches what they all reach.
    first = np.flatnonzero(starts)
    rows = np.concatenate([tails, np.full(len(first), n)])
    cols = np.concatenate([heads, first])
    graph = csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n + 1, n + 1))
    mask = np.zeros(n + 1, dtype=bool)
    mask[breadth_first_order(graph, n, directed=True, return_predecessors=False)] = True
    return mask[:n]
