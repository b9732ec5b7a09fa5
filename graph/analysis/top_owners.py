"""Each company's largest ultimate owner by integrated ownership, without the whole of ``T``.

``T`` (integrated ownership, :mod:`.ownership`) has a row per owner; at ten million companies its
rows for every ultimate owner are hundreds of millions of pairs. Only each column's largest entry is
wanted, so the rows are summed a block of owners at a time and each block leaves its candidates.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import scipy.sparse as sp

from .ownership import integrated_parts

#: Integrated shares this close are one share: one engine sums a path's terms in another order.
TIED = 1e-12
#: Owners whose rows of ``T`` are summed at a time.
OWNERS_AT_ONCE = 4_000_000


def largest_owners(A: sp.csr_matrix, owners: np.ndarray, at_once: int = OWNERS_AT_ONCE
                   ) -> tuple[np.ndarray, np.ndarray]:
    """For each entity, the one of ``owners`` (ascending indices) with the largest integrated share
    in it, and that share: -1 and 0 where none of them has any. Shares within :data:`TIED` of the
    largest are tied, and the lowest index among them is taken, so the answer is the same every time.

    Examples
    --------
    P holds 60 % of X, which holds 50 % of Y; Q holds 30 % of Y directly:

    >>> A = sp.csr_matrix(([0.6, 0.5, 0.3], ([0, 2, 1], [2, 3, 3])), shape=(4, 4))
    >>> owner, share = largest_owners(A, np.array([0, 1]))
    >>> owner.tolist(), share.round(2).tolist()
    ([-1, -1, 0, 0], [0.0, 0.0, 0.6, 0.3])
    """
    A, middle, from_middle = integrated_parts(A)
    owners = owners[np.diff(A.indptr)[owners] > 0]  # an owner of nothing directly owns nothing at all

    def blocks():
        for start in range(0, len(owners), at_once):
            rows = owners[start:start + at_once]
            block = A[rows]
            yield rows, block if from_middle is None else block + block[:, middle] @ from_middle

    return column_max(blocks(), A.shape[1])


def column_max(blocks: Iterable[tuple[np.ndarray, sp.spmatrix]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Over blocks of rows (their row ids ascending, block after block, and the rows), each of the
    ``n`` columns' largest entry and the lowest row id holding one within :data:`TIED` of it.

    Each block leaves the entries within :data:`TIED` of the column maxima so far: an entry within
    :data:`TIED` of the maximum over all blocks is among them."""
    found = []
    best = np.full(n, -np.inf)  # the column maxima so far
    for row_ids, block in blocks:
        block = sp.csr_matrix(block)
        column, value = block.indices, block.data
        np.maximum.at(best, column, value)
        near = np.flatnonzero(value >= best[column] - TIED)
        row = np.repeat(np.asarray(row_ids), np.diff(block.indptr))
        found.append((column[near], row[near], value[near]))
    owner, share = np.full(n, -1, dtype=np.int64), np.zeros(n)
    if not found:
        return owner, share
    column, row, value = (np.concatenate(parts) for parts in zip(*found))
    near = value >= best[column] - TIED
    lowest = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(lowest, column[near], row[near])
    held = lowest < np.iinfo(np.int64).max
    owner[held], share[held] = lowest[held], best[held]
    return owner, share
