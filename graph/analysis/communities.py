"""The communities of one connected component: its core split by seeded Leiden (igraph, the constant
Potts model), its leaves given their neighbour's community. A component is one task: the same answer
in process (:mod:`.clusters`) and on Spark's workers (:mod:`equitygraph.graph.spark.clusters`)."""

from __future__ import annotations

import numpy as np

from .. import cancel


def component_communities(src: np.ndarray, dst: np.ndarray, seed: int, resolution: float,
                          strip_rounds: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The communities of one component given by its edges: the core (leaves stripped off, a few
    rounds) split by Leiden with the constant Potts model, then each stripped node given its
    neighbour's community. Returns the nodes (ascending) and their community numbers (from 0); a node
    stripped with its only neighbour is left out.

    Examples
    --------
    Two triangles joined by one edge, each a community of its own:

    >>> nodes, community = component_communities(np.array([0, 1, 2, 3, 4, 5, 2]), np.array([1, 2, 0, 4, 5, 3, 3]),
    ...                                          seed=1, resolution=0.5)
    >>> nodes.tolist(), len(set(community[:3])), len(set(community[3:])), bool(community[0] != community[3])
    ([0, 1, 2, 3, 4, 5], 1, 1, True)
    """
    import random

    import igraph

    order = np.lexsort((dst, src))  # the same answer whatever order the edges come in (a task's rows have none)
    nodes = np.unique(np.concatenate([src, dst]))
    src, dst = np.searchsorted(nodes, src[order]), np.searchsorted(nodes, dst[order])
    n = len(nodes)
    alive = np.ones(n, dtype=bool)
    stripped = []  # rounds of (leaf, its one neighbour)
    for _ in range(strip_rounds):
        live = alive[src] & alive[dst]
        degree = np.bincount(src[live], minlength=n) + np.bincount(dst[live], minlength=n)
        leaf = alive & (degree == 1)
        if not leaf.any():
            break
        first, second = src[live], dst[live]
        at_leaf = leaf[first] & ~leaf[second] | leaf[second] & ~leaf[first]
        leaves = np.where(leaf[first[at_leaf]], first[at_leaf], second[at_leaf])
        anchors = np.where(leaf[first[at_leaf]], second[at_leaf], first[at_leaf])
        stripped.append((leaves, anchors))
        alive[leaves] = False
    cancel.checkpoint()
    core = np.flatnonzero(alive)
    position = np.full(n, -1, dtype=np.int64)
    position[core] = np.arange(len(core))
    live = alive[src] & alive[dst]
    graph = igraph.Graph(n=len(core), edges=np.column_stack([position[src[live]], position[dst[live]]]).tolist(),
                         directed=False)
    igraph.set_random_number_generator(random.Random(seed))
    try:
        found = graph.community_leiden(objective_function="CPM", resolution=resolution, n_iterations=1)
    finally:
        igraph.set_random_number_generator(random)
    community = np.full(n, -1, dtype=np.int64)
    community[core] = found.membership
    for leaves, anchors in reversed(stripped):
        community[leaves] = community[anchors]
    kept = community >= 0
    return nodes[kept], community[kept]
