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
    # whatever order the edges come in (a task's rows have none): components_communities sorts them
    return components_communities(np.zeros(len(src), dtype=np.int64), src, dst, seed, resolution, strip_rounds)


def components_communities(edge_component: np.ndarray, src: np.ndarray, dst: np.ndarray, seed: int,
                           resolution: float, strip_rounds: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """:func:`component_communities` of many components at once, each component's edges given with its
    number in ``edge_component``: the leaves of all of them stripped in one pass (stripping is local to a
    component), then Leiden on each component's core on its own, with the same seed, its nodes and edges
    in the same order as alone. Returns the nodes and their community numbers within their component."""
    # The nodes numbered densely in id order (a mask, not a sort: a million-edge component is common),
    # in 32 bits: a component of 50 million nodes has hundreds of millions of edge ends.
    present = np.zeros(int(max(src.max(initial=0), dst.max(initial=0))) + 1, dtype=bool)
    present[src], present[dst] = True, True
    nodes = np.flatnonzero(present).astype(np.int32)
    index = (np.cumsum(present, dtype=np.int64) - 1).astype(np.int32)
    del present
    src, dst = index[src], index[dst]
    del index
    n = len(nodes)
    # Edges by component, each component's in (src, dst) order: as one component alone takes them.
    order = np.argsort(src.astype(np.int64) * n + dst, kind="stable")
    if len(edge_component) and (edge_component != edge_component[0]).any():  # else the sort changes nothing
        order = order[np.argsort(edge_component[order], kind="stable")]
    edge_component, src, dst = edge_component[order], src[order], dst[order]
    del order
    node_component = np.zeros(n, dtype=edge_component.dtype)
    node_component[src], node_component[dst] = edge_component, edge_component
    alive = np.ones(n, dtype=bool)
    stripped = []  # rounds of (leaf, its one neighbour)
    for _ in range(strip_rounds):
        live = alive[src] & alive[dst]
        degree = np.bincount(src[live], minlength=n) + np.bincount(dst[live], minlength=n)
        leaf = alive & (degree == 1)
        del degree
        if not leaf.any():
            break
        first, second = src[live], dst[live]
        at_leaf = leaf[first] & ~leaf[second] | leaf[second] & ~leaf[first]
        first, second = first[at_leaf], second[at_leaf]
        first_is_leaf = leaf[first]
        stripped.append((np.where(first_is_leaf, first, second), np.where(first_is_leaf, second, first)))
        del first, second, first_is_leaf, at_leaf, live
        alive[stripped[-1][0]] = False
    cancel.checkpoint()
    # Each component's core nodes numbered from 0 in id order, as the component alone numbers them.
    core = np.flatnonzero(alive).astype(np.int32)
    core = core[np.argsort(node_component[core], kind="stable")]
    core_component = node_component[core]
    del node_component
    starts = np.flatnonzero(np.r_[True, core_component[1:] != core_component[:-1]]) if len(core) else np.zeros(0, int)
    ends = np.r_[starts[1:], len(core)]
    position = np.full(n, -1, dtype=np.int32)
    position[core] = np.arange(len(core)) - np.repeat(starts, ends - starts)
    live = alive[src] & alive[dst]
    del alive
    live_component, first, second = edge_component[live], position[src[live]], position[dst[live]]
    del src, dst, live, position, edge_component
    edge_starts = np.searchsorted(live_component, core_component[starts])
    edge_ends = np.searchsorted(live_component, core_component[starts], side="right")
    del live_component
    community = np.full(n, -1, dtype=np.int32)
    for a, b, ea, eb in zip(starts.tolist(), ends.tolist(), edge_starts.tolist(), edge_ends.tolist()):
        cancel.checkpoint()
        community[core[a:b]] = _leiden(b - a, first[ea:eb], second[ea:eb], seed, resolution)
    for leaves, anchors in reversed(stripped):
        community[leaves] = community[anchors]
    kept = community >= 0
    return nodes[kept], community[kept]


#: Above this many edges a component's graph reaches igraph through a file of its edges, which igraph
#: reads in C: handed over as Python (or numpy) pairs, each edge costs some 150 bytes on the way.
EDGES_BY_FILE = 1_000_000


def _leiden(n: int, first: np.ndarray, second: np.ndarray, seed: int, resolution: float) -> np.ndarray:
    """Community numbers of the ``n`` nodes of one component's core (edges ``first``-``second``)."""
    import random

    import igraph

    if len(first) > EDGES_BY_FILE:
        graph = _graph_by_file(n, first, second)
    else:
        graph = igraph.Graph(n=n, edges=np.column_stack([first, second]).tolist(), directed=False)
    igraph.set_random_number_generator(random.Random(seed))
    try:
        found = graph.community_leiden(objective_function="CPM", resolution=resolution, n_iterations=1)
    finally:
        igraph.set_random_number_generator(random)
    return np.asarray(found.membership, dtype=np.int64)


def _graph_by_file(n: int, first: np.ndarray, second: np.ndarray):
    """The undirected graph of the edges, written to a temporary file and read by igraph."""
    import os
    import tempfile

    import igraph
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    handle, path = tempfile.mkstemp(prefix="equitygraph-edges-", suffix=".txt")
    try:
        with os.fdopen(handle, "wb") as f:
            pa_csv.write_csv(pa.table({"a": first, "b": second}), f,
                             pa_csv.WriteOptions(include_header=False, delimiter=" "))
        graph = igraph.Graph.Read_Edgelist(path, directed=False)
    finally:
        os.unlink(path)
    graph.add_vertices(n - graph.vcount())  # nodes past the last edge's
    return graph
