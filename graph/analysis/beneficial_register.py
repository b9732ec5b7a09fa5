"""Beneficial owners of many companies at once, from the whole graph's arrays.

The rule is :func:`~equitygraph.graph.analysis.beneficial.beneficial_owners`, the one a single
company's report applies; here its inputs are read for many companies together: integrated
ownership solved once over the part of the graph above them, their actual controllers from a
whole-graph control table, their senior managers from the officer roles in force.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..arrays import KIND_CODES, GraphArrays
from ..model import EntityKind
from .beneficial import SENIOR_MANAGER_ROLES, beneficial_owners
from .ownership import direct_shares, integrated
from .reach import reached


def beneficial_owner_sets(arrays: GraphArrays, as_of: dt.date, companies: np.ndarray, table,
                          threshold: float = 0.25, inclusive: bool = True) -> dict[int, tuple[str, ...]]:
    """The beneficial owners (ids, in the rule's order) on ``as_of`` of each of ``companies`` (indexes
    into ``arrays``), their actual controllers read from ``table`` (the control rules on that day).

    Examples
    --------
    P holds 60 % of A, which holds 50 % of B; Q holds 40 % of A and R the other 50 % of B:
    P owns 30 % of B, R 50 %, Q 20 % (below 25 %).

    >>> from equitygraph.graph.arrays import arrays_from_records
    >>> from equitygraph.graph.analysis.control_rules import control_table
    >>> from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    >>> a = arrays_from_records([Entity(i, EntityKind.COMPANY, i) for i in "AB"]
    ...                         + [Entity(i, EntityKind.PERSON, i) for i in "PQR"],
    ...                         [Holding("P", "A", Share.exact(.6)), Holding("Q", "A", Share.exact(.4)),
    ...                          Holding("A", "B", Share.exact(.5)), Holding("R", "B", Share.exact(.5))])
    >>> day = dt.date(2025, 1, 1)
    >>> beneficial_owner_sets(a, day, np.array([a.index_of("B")]), control_table(a, day))
    {1: ('R', 'P')}
    """
    direct = direct_shares(arrays, as_of)
    targets = np.zeros(arrays.n, dtype=bool)
    targets[np.asarray(companies, dtype=np.int64)] = True
    keep = np.flatnonzero(reached(arrays.n, direct.company, direct.holder, targets))  # the companies and all above
    local = np.full(arrays.n, -1, dtype=np.int64)
    local[keep] = np.arange(len(keep))
    inside = (local[direct.holder] >= 0) & (local[direct.company] >= 0)

    def solved(values: np.ndarray):
        import scipy.sparse as sp

        A = sp.csr_matrix((values[inside], (local[direct.holder[inside]], local[direct.company[inside]])),
                          shape=(len(keep), len(keep)))
        return integrated(A).tocsc()

    low, high = solved(direct.low), solved(direct.high)
    persons = arrays.kinds == KIND_CODES[EntityKind.PERSON]
    officers = arrays.officers_valid_on(as_of)
    managers_of: dict[int, list[str]] = {}
    for role in SENIOR_MANAGER_ROLES:
        if role not in arrays.officer_roles:
            continue
        for r in np.flatnonzero(officers & (arrays.officer_role == arrays.officer_roles.index(role))):
            managers_of.setdefault(int(arrays.officer_company[r]), []).append(arrays.ids[arrays.officer_person[r]])
    result = {}
    for j in map(int, companies):
        col = local[j]
        lows = dict(zip(*column(low, col)))
        # every holder with a low bound has a high one (high >= low): the high column names them all
        shares = {arrays.ids[keep[i]]: (float(lows.get(i, 0.0)), min(1.0, float(value)))
                  for i, value in zip(*column(high, col)) if persons[keep[i]]}
        controllers = table.actual_controller(j)
        natural = {c for c in controllers if persons[arrays.index_of(c)]}
        owners = beneficial_owners(shares, set(shares) | natural, controllers=controllers,
                                   senior_managers=tuple(managers_of.get(j, ())), threshold=threshold,
                                   inclusive=inclusive).owners
        result[j] = tuple(o.person for o in owners)
    return result


def column(matrix, col: int) -> tuple[np.ndarray, np.ndarray]:
    """The row indexes of column ``col``'s stored values in a CSC ``matrix``, and the values."""
    span = slice(matrix.indptr[col], matrix.indptr[col + 1])
    return matrix.indices[span], matrix.data[span]
