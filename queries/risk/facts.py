"""What the risk indicators read of each company besides the graph, from a store: names, business
scopes, capital and founding dates (:class:`~equitygraph.graph.analysis.risk.Facts`)."""

from __future__ import annotations

import itertools
from typing import Iterator

import numpy as np

from ...graph.analysis.risk import Facts, Texts
from ...graph.arrays import KIND_CODES, OPEN_START, GraphArrays, day_number
from ...graph.model import EntityKind
from ...graph.stores.base import Store

CHUNK = 65536  # rows converted at once: a column at a time, never every company's strings


def facts_of(store: Store, arrays: GraphArrays) -> Facts:
    """Every company's name, business scope, capital and founding date, in ``arrays``' company order."""
    companies = np.flatnonzero(arrays.kinds == KIND_CODES[EntityKind.COMPANY])  # entity of each row
    m = len(companies)
    names, scopes = Texts.collect(), Texts.collect()
    registered, paid, founded = np.full(m, np.nan), np.full(m, np.nan), np.full(m, OPEN_START, dtype=np.int64)
    listed, start = store.company_facts(), 0
    # A chunk at a time, a column at once (a store that keeps them as columns gives them so); both list
    # the companies in id order, so a row is found by comparing one id, not by looking it up.
    chunks = listed.chunks(CHUNK) if hasattr(listed, "chunks") else _chunks(iter(listed))
    for ids, name, scope, reg, paid_in, day in chunks:
        expected = list(arrays.ids.iter_at(companies[start:start + len(ids)]))
        rows = np.arange(start, start + len(ids))
        for k in [k for k, entity_id in enumerate(ids) if k >= len(expected) or expected[k] != entity_id]:
            # A company the arrays hold elsewhere, or not at all (neither in one generation of a store).
            try:
                j = arrays.index_of(ids[k])
            except KeyError:
                j = -1
            r = int(np.searchsorted(companies, j))
            rows[k] = r if j >= 0 and r < m and companies[r] == j else -1
        start += len(ids)
        keep = np.flatnonzero(rows >= 0)
        if len(keep) < len(rows):
            rows, reg, paid_in, day = rows[keep], reg[keep], paid_in[keep], day[keep]
            name, scope = [name[k] for k in keep.tolist()], [scope[k] for k in keep.tolist()]
        names.extend(rows.tolist(), [text or "" for text in name])
        scopes.extend(rows.tolist(), [text or "" for text in scope])
        registered[rows], paid[rows], founded[rows] = reg, paid_in, day
    return Facts(names.build(), scopes.build(), registered, paid, founded)


def _chunks(rows: Iterator[tuple]) -> Iterator[tuple]:
    """Rows of :meth:`~.Store.company_facts` as chunks of columns: ids, names and scopes as lists, the
    capitals as floats (nan where not given), the founding dates as day numbers (OPEN_START where not)."""
    while chunk := list(itertools.islice(rows, CHUNK)):
        ids, name, scope, reg, paid_in, day = ([row[c] for row in chunk] for c in range(6))  # zip(*chunk): 5x slower
        yield (ids, name, scope, np.array(reg, dtype=float), np.array(paid_in, dtype=float),  # None is nan
               np.array([day_number(d, OPEN_START) for d in day], dtype=np.int64))
