"""Integrated (direct plus indirect) ownership over the whole graph, with shares as intervals.

The direct-ownership matrix ``A`` has ``A[i, j]`` = the share of company ``j`` that holder ``i``
holds. Integrated ownership sums, over every ownership path from ``i`` to ``j``, the product of the
shares on it:

    T = A + A^2 + A^3 + ... = A (I - A)^-1            (the Leontief form)

It is computed as that series over sparse matrices, one path length per step, dropping terms below
``tol`` (1e-12), which ends at once in acyclic parts and converges geometrically in cycles (each
turn of a cycle multiplies by the cycle's shares, all below 1). In a cross-holding cycle a company
ends up owning part of itself (``T[j, j] > 0``); that circular part belongs to nobody outside, so
it is redistributed among the outside owners, which is what the series does: the ultimate owners
of a company never own more than 100 % of it together.

Shares given as ranges propagate as intervals: ``T_low`` from the lower bounds with unknown shares
counted as 0, ``T_high`` from the upper bounds with an unknown share bounded by what the company's
other known holders leave over. A pair reached only through unknown shares has ``T_low == 0 <
T_high``: it is reported as unknown (at most ``T_high``), never as 0 % or 100 %.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

from .. import cancel
from ..arrays import INTEREST_CODES, KIND_CODES, GraphArrays
from ..model import EntityKind, Interest

TOLERANCE = 1e-12
MAX_PATH_LENGTH = 500


@dataclass(frozen=True)
class DirectShares:
    """The holdings in force on one day, as parallel arrays (one element per holding).

    ``low``/``high`` are the share bounds; ``unknown`` marks shares not given at all.
    """

    holder: np.ndarray
    company: np.ndarray
    low: np.ndarray
    high: np.ndarray
    unknown: np.ndarray
    n: int


def direct_shares(arrays: GraphArrays, as_of: dt.date | None = None,
                  interests: tuple[Interest, ...] = (Interest.SHAREHOLDING,)) -> DirectShares:
    """The holdings of the given interests in force on ``as_of`` (today's holdings when None:
    those with no end date), with unknown and range shares bounded by what the other holders leave.

    Examples
    --------
    >>> from equitygraph.graph.stores.sqlite import SQLiteStore
    >>> from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    >>> with SQLiteStore(":memory:") as s:
    ...     with s.writer() as w:
    ...         w.add_many([Entity("P", EntityKind.PERSON, "P"), Entity("Q", EntityKind.PERSON, "Q"),
    ...                     Entity("C", EntityKind.COMPANY, "C"), Holding("P", "C", Share.exact(0.7)),
    ...                     Holding("Q", "C", Share.unknown())])
    ...     d = direct_shares(s.export_arrays())
    >>> [round(float(x), 2) for x in d.high]
    [0.7, 0.3]
    """
    in_force = arrays.holdings_in_force(as_of)
    wanted = np.isin(arrays.holding_interest, [INTEREST_CODES[i] for i in interests])
    keep = in_force & wanted
    holder = arrays.holding_holder[keep].astype(np.int64)
    company = arrays.holding_company[keep].astype(np.int64)
    low = arrays.share_low[keep].copy()
    high = arrays.share_high[keep].copy()
    unknown = np.isnan(low)
    low[unknown] = 0.0
    # What the other holders' known lower bounds leave over bounds every upper bound.
    known_total = np.bincount(company, weights=low, minlength=arrays.n)
    room = np.clip(1.0 - (known_total[company] - low), 0.0, 1.0)
    high[unknown] = 1.0
    high = np.maximum(low, np.minimum(high, room))
    return DirectShares(holder, company, low, high, unknown, arrays.n)


def ownership_matrix(direct: DirectShares, bound: str = "low") -> sp.csr_matrix:
    """``A`` (holder x company) of the ``low`` or ``high`` bounds; repeated pairs are summed."""
    import scipy.sparse as sp  # here, not at the top: a one-company question needs no scipy

    values = direct.low if bound == "low" else direct.high
    return sp.csr_matrix((values, (direct.holder, direct.company)), shape=(direct.n, direct.n))


def holding_companies(A) -> tuple[sp.csr_matrix, np.ndarray]:
    """``A`` as CSR with repeated pairs summed, and the entities that both hold and are held (the
    holding companies H): only they can be the middle of an ownership path, so ``T = A + A[:, H] S``
    with ``S = T[H, :]`` summed over the much smaller H x H block, ``S = Q1 + Q2 + ...``,
    ``Q1 = A[H, :]``, ``Q(k+1) = A[H, H] Q(k)``."""
    import scipy.sparse as sp

    if A.shape[0] != A.shape[1]:
        raise ValueError(f"an ownership matrix is square, got {A.shape}")
    A = sp.csr_matrix(A)
    A.sum_duplicates()
    is_held = np.zeros(A.shape[0], dtype=bool)
    is_held[A.indices] = True
    return A, np.flatnonzero((np.diff(A.indptr) > 0) & is_held)


def integrated(A: sp.csr_matrix, tol: float = TOLERANCE, max_length: int = MAX_PATH_LENGTH) -> sp.csr_matrix:
    """``T = A + A^2 + ...``: the sum over ownership paths of the product of their shares.

    Examples
    --------
    A chain P -(60 %)-> X -(50 %)-> Y gives P 30 % of Y:

    >>> import scipy.sparse as sp
    >>> A = sp.csr_matrix(([0.6, 0.5], ([0, 1], [1, 2])), shape=(3, 3))
    >>> round(float(integrated(A)[0, 2]), 6)
    0.3
    """
    A, middle, from_middle = integrated_parts(A, tol, max_length)
    if from_middle is None:
        return A.copy()
    return (A + A[:, middle] @ from_middle).tocsr()


def integrated_parts(A: sp.csr_matrix, tol: float = TOLERANCE, max_length: int = MAX_PATH_LENGTH
                     ) -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix | None]:
    """What :func:`integrated` is made of, ``T = A + A[:, H] S``: ``A`` as CSR, the holding companies
    ``H`` and ``S`` (None where no company both holds and is held), so that any rows of ``T`` can be
    summed without the whole of it (``T[rows] = A[rows] + A[rows][:, H] S``)."""
    A, middle = holding_companies(A)
    if len(middle) == 0:
        return A, middle, None
    block = A[middle][:, middle].tocsr()
    step = A[middle].tocsr()
    return A, middle, terms_added([step.tocoo(), *series_after(block, step, tol, max_length)], step.shape)


def terms_added(terms: list[sp.coo_matrix], shape: tuple[int, int]) -> sp.csr_matrix:
    """The terms of a series summed, in one pass over their entries.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> terms_added([sp.coo_matrix([[0.5, 0.0]]), sp.coo_matrix([[0.25, 0.125]])], (1, 2)).toarray().tolist()
    [[0.75, 0.125]]
    """
    import scipy.sparse as sp

    return sp.csr_matrix((np.concatenate([t.data for t in terms]),
                          (np.concatenate([t.row for t in terms]), np.concatenate([t.col for t in terms]))), shape=shape)


def series_after(block: sp.csr_matrix, step: sp.csr_matrix, tol: float, products: int) -> list[sp.coo_matrix]:
    """The terms of the series after ``step``: ``block @ step``, ``block @ (block @ step)``, ... each
    with its entries under ``tol`` dropped, until one is empty or ``products`` were taken; then the rest
    solved exactly (:func:`solve_rest`). The Spark engine ends its series here once a term is small.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> block = sp.csr_matrix([[0.0, 0.5], [0.0, 0.0]])
    >>> [t.toarray().tolist() for t in series_after(block, sp.csr_matrix([[0.0, 0.0], [0.0, 0.4]]), 1e-12, 10)]
    [[[0.0, 0.2], [0.0, 0.0]]]
    """
    terms = []
    for _ in range(products):
        cancel.checkpoint()
        step = block @ step
        if step.nnz:
            step.data[np.abs(step.data) < tol] = 0.0
            step.eliminate_zeros()
        if step.nnz == 0:
            break
        terms.append(step.tocoo())
    else:
        # Round a cycle whose shares multiply to nearly 1 the series converges too slowly: the rest of it,
        # sum over m >= 1 of block^m step = (I - block)^-1 block step, is solved exactly instead.
        rest = solve_rest(block, block @ step)
        if rest is not None:
            terms.append(rest.tocoo())
    return terms


def solve_rest(block: sp.csr_matrix, rhs: sp.csr_matrix) -> sp.csr_matrix | None:
    """``(I - block)^-1 rhs``, or None where companies own each other completely (singular)."""
    import warnings

    import scipy.sparse as sp
    from scipy.sparse.linalg import MatrixRankWarning, spsolve

    system = (sp.identity(block.shape[0], format="csc") - block.tocsc()).tocsc()
    with warnings.catch_warnings():
        warnings.simplefilter("error", MatrixRankWarning)
        try:
            rest = spsolve(system, rhs.tocsc())
        except (MatrixRankWarning, RuntimeError):
            return None
    rest = sp.csr_matrix(rest).reshape(rhs.shape) if not sp.issparse(rest) else rest.tocsr()
    return rest if np.isfinite(rest.data).all() else None


@dataclass
class IntegratedOwnership:
    """Integrated ownership as an interval for every (holder, company) pair with a path."""

    low: sp.csr_matrix
    high: sp.csr_matrix
    ids: list[str]


def integrated_ownership(arrays: GraphArrays, as_of: dt.date | None = None) -> IntegratedOwnership:
    """Integrated ownership of every holder in every company, as ``[low, high]`` intervals."""
    direct = direct_shares(arrays, as_of)
    low = integrated(ownership_matrix(direct, "low"))
    high = integrated(ownership_matrix(direct, "high"))
    high.data = np.minimum(high.data, 1.0)
    return IntegratedOwnership(low, high, arrays.ids)


def ultimate_owner_mask(arrays: GraphArrays, direct: DirectShares) -> np.ndarray:
    """Entities nobody holds: natural persons, and companies or organizations without holders."""
    held = np.zeros(arrays.n, dtype=bool)
    held[direct.company] = True
    return (arrays.kinds == KIND_CODES[EntityKind.PERSON]) | ~held
