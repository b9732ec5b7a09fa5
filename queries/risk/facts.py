"""What the risk indicators read of each company besides the graph, from a store: names, business
scopes, capital and founding dates (:class:`~equitygraph.graph.analysis.risk.Facts`)."""

from __future__ import annotations

import itertools

import numpy as np

from ...graph.analysis.risk import Facts, Texts
from ...graph.arrays import KIND_CODES, OPEN_START, GraphArrays
from ...graph.model import EntityKind
from ...graph.stores.base import Store

CHUNK = 65536  # rows converted at once: a column at a time, never every company's strings


def facts_of(store: Store, arrays: GraphArrays) -> Facts:
    """Every company's name, business scope, capital and founding date, in ``arrays``' company order."""
    companies = np.flatnonzero(arrays.kinds == KIND_CODES[EntityKind.COMPANY])  # entity of each row
    m = len(companies)
    names, scopes = Texts.collect(), Texts.collect()
    registered, paid, founded = np.full(m, np.nan), np.full(m, np.nan), np.full(m, OPEN_START, dtype=np.int64)
    read, start = iter(store.company_facts()), 0
    # A chunk of rows at a time, each column converted at once; both list the companies in id order,
    # so a row is found by comparing one id, not by looking it up.
    while chunk := list(itertools.islice(read, CHUNK)):
        ids, name, scope, reg, paid_in, day = zip(*chunk)
        expected = list(arrays.ids.iter_at(companies[start:start + len(ids)]))
        rows = list(range(start, start + len(ids)))
        for k in [k for k, entity_id in enumerate(ids) if k >= len(expected) or expected[k] != entity_id]:
            # A company the arrays hold elsewhere, or not at all (neither in one generation of a store).
            try:
                j = arrays.index_of(ids[k])
            except KeyError:
                j = -1
            r = int(np.searchsorted(companies, j))
            rows[k] = r if j >= 0 and r < m and companies[r] == j else -1
        start += len(ids)
        keep = [k for k, r in enumerate(rows) if r >= 0]
        if len(keep) < len(rows):
            rows, name, scope, reg, paid_in, day = ([column[k] for k in keep]
                                                     for column in (rows, name, scope, reg, paid_in, day))
        names.extend(rows, [text or "" for text in name])
        scopes.extend(rows, [text or "" for text in scope])
        registered[rows] = np.array(reg, dtype=float)  # None is nan
        paid[rows] = np.array(paid_in, dtype=float)
        days = np.array(day, dtype="datetime64[D]")  # None is NaT
        founded[rows] = np.where(np.isnat(days), OPEN_START, days.astype(np.int64))
    return Facts(names.build(), scopes.build(), registered, paid, founded)
