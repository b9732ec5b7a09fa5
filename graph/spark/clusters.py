"""The communities of large components on the workers: one task per component (``applyInPandas``),
each running the same :func:`..analysis.communities.component_communities` with the same seed as the
in-process path, so the clusters are the same wherever they were found. A component of more than
``max_nodes`` nodes, too large for one worker, is first cut into pieces that fit one
(:mod:`.pieces`), each piece split as a component is: an approximation, the only one on Spark."""

from __future__ import annotations

import numpy as np

from ..arrays import distinct
from .components import integers
from .frames import columns_frame
from .pieces import pack, propagated_labels


def communities(spark, edge_component: np.ndarray, src: np.ndarray, dst: np.ndarray, seed: int,
                resolution: float, max_nodes: int | None = None) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """The nodes of the components' edges and their communities within their component, and the
    rounds: the tasks run (components and pieces) and, where a component was cut, the pieces."""
    import pandas as pd

    if len(src) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), {"communities": 0}
    # Kept as wide as they came (32 bits from the clusters' links): at ten million companies the driver
    # holds these beside the graph's arrays while its JVM holds them again, on one machine.
    edge_component, src, dst = integers(edge_component), integers(src), integers(dst)
    span = int(max(src.max(), dst.max())) + 1  # node numbers are below it
    cut = _too_large(edge_component, src, dst, span, max_nodes) if max_nodes else []
    task, piece_of = edge_component, {}  # piece_of: a piece's task number -> the component it was cut from
    if cut:
        task, piece_of = _pieces(spark, edge_component, src, dst, span, cut, max_nodes)
    kept = task >= 0  # an edge between two pieces is in no task
    edges = columns_frame(spark, {"component": task[kept], "src": src[kept], "dst": dst[kept]})
    tasks = len(distinct(task[kept]))
    del kept

    def split(group: pd.DataFrame) -> pd.DataFrame:
        from equitygraph.graph.analysis.communities import component_communities

        nodes, community = component_communities(group["src"].to_numpy(np.int64), group["dst"].to_numpy(np.int64),
                                                 seed, resolution)
        return pd.DataFrame({"task": int(group["component"].iloc[0]), "node": nodes, "community": community})

    found = (edges.groupBy("component")
             .applyInPandas(split, schema=f"task {_spark_type(task)}, node {_spark_type(src)}, community long")
             .toPandas())
    nodes, community = found["node"].to_numpy(np.int64), found["community"].to_numpy(np.int64)
    if piece_of:
        community = _renumbered(found["task"].to_numpy(np.int64), community, piece_of)
    rounds = {"communities": tasks}
    if cut:
        rounds["pieces"] = len(piece_of)
    return nodes, community, rounds


def _spark_type(values: np.ndarray) -> str:
    """The Spark column type ``values`` go into without widening: 32 bits where they are."""
    return "int" if values.dtype.itemsize < 4 or (values.dtype.itemsize == 4 and values.dtype.kind == "i") else "long"


def _too_large(edge_component, src, dst, span: int, max_nodes: int) -> list[int]:
    """The components with more than ``max_nodes`` nodes (both ends of an edge are in its component)."""
    component_of = np.full(span, -1, dtype=edge_component.dtype)
    component_of[src] = edge_component
    component_of[dst] = edge_component
    return np.flatnonzero(np.bincount(component_of[component_of >= 0]) > max_nodes).tolist()


def _pieces(spark, edge_component, src, dst, span: int, cut: list[int], max_nodes: int):
    """Each edge's task: its component's number, or for a component in ``cut`` the number of its piece
    of at most ``max_nodes`` nodes (numbered after every component), -1 for an edge between two
    pieces; and each piece's component."""
    next_task = int(edge_component.max()) + 1
    fits = next_task + span <= np.iinfo(edge_component.dtype).max  # pieces are fewer than nodes
    task = edge_component.astype(edge_component.dtype if fits else np.int64)
    piece_of = {}
    for component in cut:
        mine = edge_component == component
        mine_src, mine_dst = src[mine], dst[mine]
        nodes, labels = propagated_labels(spark, mine_src, mine_dst)
        piece = np.full(span, -1, dtype=np.int64)
        piece[nodes] = pack(nodes, labels, max_nodes)
        del nodes, labels
        from_piece, to_piece = piece[mine_src], piece[mine_dst]
        task[mine] = np.where(from_piece == to_piece, next_task + from_piece, -1)
        del mine, mine_src, mine_dst, from_piece, to_piece
        pieces = int(piece.max()) + 1
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
