"""The communities of large components on the workers: one task per component (``applyInPandas``),
each running the same :func:`..analysis.communities.component_communities` with the same seed as the
in-process path, so the clusters are the same wherever they were found. A component of more than
``max_nodes`` nodes, too large for one worker, is first cut into pieces that fit one
(:mod:`.pieces`), each piece split as a component is: an approximation, the only one on Spark."""

from __future__ import annotations

import numpy as np

from ..arrays import distinct
from .pieces import pack, propagated_labels


def communities(spark, edge_component: np.ndarray, src: np.ndarray, dst: np.ndarray, seed: int,
                resolution: float, max_nodes: int | None = None) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """The nodes of the components' edges and their communities within their component, and the
    rounds: the tasks run (components and pieces) and, where a component was cut, the pieces."""
    import pandas as pd

    if len(src) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), {"communities": 0}
    edge_component, src, dst = (np.asarray(a, dtype=np.int64) for a in (edge_component, src, dst))
    task = edge_component.copy()
    piece_of = {}  # a piece's task number -> the component it was cut from
    span = int(max(src.max(), dst.max())) + 1  # node numbers are below it
    cut = _too_large(edge_component, src, dst, span, max_nodes) if max_nodes else []
    if cut:
        task, piece_of = _pieces(spark, task, src, dst, span, cut, max_nodes)
    edges = spark.createDataFrame(pd.DataFrame({"component": task, "src": src, "dst": dst}),
                                  schema="component long, src long, dst long")

    def split(group: pd.DataFrame) -> pd.DataFrame:
        from equitygraph.graph.analysis.communities import component_communities

        nodes, community = component_communities(group["src"].to_numpy(np.int64), group["dst"].to_numpy(np.int64),
                                                 seed, resolution)
        return pd.DataFrame({"task": int(group["component"].iloc[0]), "node": nodes, "community": community})

    found = (edges.where("component >= 0").groupBy("component")
             .applyInPandas(split, schema="task long, node long, community long").toPandas())
    nodes, community = found["node"].to_numpy(np.int64), found["community"].to_numpy(np.int64)
    if piece_of:
        community = _renumbered(found["task"].to_numpy(np.int64), community, piece_of)
    rounds = {"communities": len(distinct(task[task >= 0]))}
    if cut:
        rounds["pieces"] = len(piece_of)
    return nodes, community, rounds


def _too_large(edge_component, src, dst, span: int, max_nodes: int) -> list[int]:
    """The components with more than ``max_nodes`` nodes."""
    pairs = distinct(np.concatenate([edge_component, edge_component]) * span + np.concatenate([src, dst]))
    return np.flatnonzero(np.bincount(pairs // span) > max_nodes).tolist()


def _pieces(spark, task, src, dst, span: int, cut: list[int], max_nodes: int):
    """Each component in ``cut`` as pieces of at most ``max_nodes`` nodes, each piece a task of its own
    (numbered after every component); an edge between two pieces is left out (-1)."""
    task = task.copy()
    piece_of = {}
    next_task = int(task.max()) + 1
    for component in cut:
        mine = np.flatnonzero(task == component)
        nodes, labels = propagated_labels(spark, src[mine], dst[mine])
        piece = np.full(span, -1, dtype=np.int64)
        piece[nodes] = pack(nodes, labels, max_nodes)
        same = piece[src[mine]] == piece[dst[mine]]
        task[mine] = np.where(same, next_task + piece[src[mine]], -1)
        pieces = int(piece[nodes].max()) + 1
        piece_of.update(dict.fromkeys(range(next_task, next_task + pieces), component))
        next_task += pieces
    return task, piece_of


def _renumbered(task: np.ndarray, community: np.ndarray, piece_of: dict[int, int]) -> np.ndarray:
    """Communities found in pieces numbered within their component: a piece's after its component's
    pieces before it."""
    community = community.copy()
    offset: dict[int, int] = {}
    for number in sorted(piece_of):
        rows = task == number
        if rows.any():
            component = piece_of[number]
            community[rows] += offset.get(component, 0)
            offset[component] = int(community[rows].max()) + 1
    return community
