"""The risk scores as ``analyze`` wrote them, read back: after an analysis the warning list is a read,
not a computation of every score again (issue 31).

``analyze`` writes, beside each company's score and tier, its rank among the companies with no
confirmed case (``risk_rank``, by the unrounded score), its intrinsic and network scores, and the
parts of the reasons of the warned companies it explains (``risk_parts``, ``risk_parts_zh``). The
list is read from them when the analysis is current (made on the records the store holds now,
with the same risk configuration, as of no date) and every row asked for has its parts; else it is
computed (``--as-of``, ``--config``, a store loaded since).
"""

from __future__ import annotations

import hashlib
import json
from typing import Iterator

import numpy as np

from ...graph.stores.base import Store
from ...graph.stores.result_columns import LazyColumn
from .. import i18n
from ..relations.standing import ANALYSIS_META


def config_key(config) -> str:
    """A short fingerprint of a risk configuration: two analyses with the same one scored alike."""
    return hashlib.sha1(json.dumps(config.sections, sort_keys=True).encode()).hexdigest()[:16]


def ranked_columns(scores, companies: np.ndarray) -> dict[str, LazyColumn]:
    """Over ``companies``, in their order: the rank of each company with no confirmed case and a score
    above 0 (highest first, ties in id order as the computed list takes them; None for the rest), and
    every company's intrinsic and network scores (columns beside the other results of each company:
    one table of them in the embedded store, not a table each)."""
    combined, confirmed = scores.combined, scores.found.confirmed
    candidates = np.flatnonzero(~confirmed[companies] & (combined[companies] > 0))  # positions in companies
    order = candidates[np.argsort(-combined[companies][candidates], kind="stable")]
    rank = np.zeros(len(companies), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    return {"risk_rank": LazyColumn(rank, rank > 0),
            "risk_intrinsic": LazyColumn(np.round(scores.found.intrinsic[companies], 4)),
            "risk_network": LazyColumn(np.round(scores.network.score[companies], 4))}


def stored_parts(explanation) -> list:
    return [[p.share, p.kind, p.source, p.words, list(p.path)] for p in explanation.parts]


def is_current(store: Store, config=None) -> bool:
    """Whether the store's last analysis was made of the records it holds now, as of no date (and,
    given ``config``, scored risk with it)."""
    meta = json.loads(store.get_meta(ANALYSIS_META) or "null")
    return bool(meta) and meta.get("as_of") is None and meta.get("generation") is not None and \
        meta["generation"] == store.get_meta("generation") and (
            config is None or meta.get("risk_config") == config_key(config))


def cluster_count(store: Store) -> int | None:
    """How many clusters the last analysis found and ranked (``cluster_rank``); None where it looked
    for none or came before the ranks were written."""
    meta = json.loads(store.get_meta(ANALYSIS_META) or "null")
    return meta.get("cluster_count") if meta else None


def ranked_pages(store: Store, size: int) -> Iterator[list[str]]:
    """The companies with no confirmed case, highest score first, as the analysis ranked them:
    ``size`` ids at a time, each page read when the one before is used up."""
    start = 0
    while page := store.ids_in_order_of("risk_rank", start, size):
        yield page
        start += len(page)


def explanations(store: Store, ids: list[str]) -> list[tuple] | None:
    """What the analysis wrote of ``ids``' reasons, in the language in force: ``(id, score, tier,
    intrinsic, network, parts)`` each, a part ``(share, kind, source, words, path)``; None if one of
    them has none written (below the explained part of the list)."""
    name = i18n.said_as("risk_parts")[0]
    columns = {c: store.results_of(c, ids) for c in ("risk_score", "risk_tier", "risk_intrinsic", "risk_network", name)}
    if any(i not in columns[name] for i in ids):
        return None
    return [(i, columns["risk_score"][i], columns["risk_tier"].get(i, ""), columns["risk_intrinsic"][i],
             columns["risk_network"][i], [(share, kind, source, words, tuple(path))
                                          for share, kind, source, words, path in columns[name][i]]) for i in ids]
