"""Whole-graph answers kept for the life of a process that asks many questions of one store (the
explorer, a notebook): the control of every company, the clusters, the risk scores. Each is kept
under the store's generation (a token every write of records changes, :mod:`..graph.stores.arrays_cache`),
the identity decisions and the question's own parameters, so that a write, a decision or another date
computes it again. A store without a generation (Neo4j) is asked every time."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any, Callable

from ..graph import cancel
from ..graph.stores.base import Store

MOST = 6  # whole-graph answers kept at once: each may be hundreds of MB on a large register
_KEPT: OrderedDict = OrderedDict()
_LOCK = threading.Lock()


def remembered(store: Store, question: str, parameters: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, or what it gave for the same store, generation, decisions and ``parameters``.

    Examples
    --------
    >>> from equitygraph.graph.stores.sqlite import SQLiteStore
    >>> calls = []
    >>> with SQLiteStore(":memory:") as s:
    ...     _ = s.export_arrays()  # gives the store its generation
    ...     [remembered(s, "n", 1, lambda: calls.append(1) or len(calls)) for _ in range(2)]
    [1, 1]
    """
    generation = store.get_meta("generation")
    if generation is None:
        return compute()
    key = (getattr(store, "path", id(store)), generation, decisions_fingerprint(store), question,
           json.dumps(parameters, sort_keys=True, default=str))
    with _LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    cancel.checkpoint()  # nothing begun for a caller who gave up
    value = compute()
    with _LOCK:
        _KEPT[key] = value
        while len(_KEPT) > MOST:
            _KEPT.popitem(last=False)
    return value


def decisions_fingerprint(store: Store) -> str:
    """A short fingerprint of the store's identity decisions: an answer made under others is not this one."""
    return hashlib.sha256(json.dumps(store.identity_decisions()).encode()).hexdigest()[:16]


def forget() -> None:
    """Drop every answer kept (tests, and a caller that knows the store changed under it)."""
    with _LOCK:
        _KEPT.clear()
