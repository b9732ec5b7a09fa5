"""Columns of an analysis's results made from its arrays: the ids they name, each made once, and the
clusters' results over their members (written by :mod:`.analyze`, or apart by the process that found
the clusters, :mod:`.clusters_beside`)."""

from __future__ import annotations

import numpy as np

from ..graph.stores.result_columns import LazyColumn, ResultColumn
from ..graph.texts import TextColumn


class IdStrings:
    """The ids the results name, each made a ``str`` once however many results name it (a company's
    id is written beside its control, group, cluster and tier; a controller's beside each company)."""

    def __init__(self, ids: TextColumn):
        self._ids = ids
        self._made = np.full(len(ids), None, dtype=object)

    def at(self, indices) -> np.ndarray:
        indices = np.asarray(indices, dtype=np.int64)
        lacking = indices[np.equal(self._made[indices], None)]
        if 16 * len(lacking) < len(self._made):  # a few (a group's controllers): taken as they are
            missing = lacking
        else:  # tens of millions (every cluster member): a mask over the ids, not a sort
            wanted = np.zeros(len(self._made), dtype=bool)
            wanted[lacking] = True
            missing = np.flatnonzero(wanted)
        if len(missing):
            self._made[missing] = self._ids.take(missing)
        return self._made[indices]


def cluster_results(clustered, strings: IdStrings) -> dict[str, ResultColumn]:
    members = np.flatnonzero(clustered.of >= 0)
    member_ids = strings.at(members).tolist()
    number = clustered.of[members]
    # What a cluster's page says of it beside its members, so that it is a read (queries.relations.groups):
    # each party's links (the central ones are the most linked) and the links inside, kept at the cluster's
    # first member (its id is "K:" and that member's).
    return {"cluster_degree": ResultColumn(member_ids, LazyColumn(clustered.degree(members).astype(np.int64))),
            "cluster": ResultColumn(member_ids, LazyColumn(np.array(clustered.ids, dtype=object)[number])),
            "cluster_size": ResultColumn(member_ids, LazyColumn(clustered.size[number].astype(np.int64))),
            **_at_first_members(clustered, members, member_ids)}


def _at_first_members(clustered, members: np.ndarray, member_ids: list[str]) -> dict[str, ResultColumn]:
    """What is said of each cluster as a whole, at its first member's id (the cluster's id is "K:" and
    that id), columns over the members (``members``, sorted) with a value at first members only: its
    links inside, by kind (dicts made as written), and its place among the clusters (``cluster_rank``: 1
    the largest, ties by that id, the order of the clusters' numbers), so that the largest clusters are
    a read of as many rows. Over the members' ids, a store writes them beside the members' own results
    (on Neo4j, 429,000 fewer nodes looked up at a million companies)."""
    cluster_at = np.full(len(members), -1, dtype=np.int64)
    cluster_at[np.searchsorted(members, clustered.first_members())] = np.arange(len(clustered.size))
    first = cluster_at >= 0
    return {"cluster_links": ResultColumn(member_ids, LazyColumn(
                cluster_at, first, convert=lambda numbers: [clustered.links_of(k) for k in numbers.tolist()],
                scalars=False)),
            "cluster_rank": ResultColumn(member_ids, LazyColumn(cluster_at + 1, first))}
