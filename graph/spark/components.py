"""Connected components by alternating large-star and small-star rounds (Kiveris, Lattanzi,
Mirrokni, Rastogi, Vassilvitskii: "Connected Components in MapReduce and Beyond", SoCC 2014):
O(log n) rounds of a join and a group-by each, where label propagation takes one round per hop.

Each round rewires the edges of a component towards its smallest node; when a large-star round
changes nothing, every component is a star around its smallest node.
"""

from __future__ import annotations

import numpy as np

from ..arrays import distinct
from .frames import checkpointed, pairs_frame, release


def large_star(edges):
    """Every node ``u`` links its larger neighbours to the least of its neighbourhood (itself included)."""
    from pyspark.sql import functions as F

    both = edges.select(F.col("a").alias("u"), F.col("b").alias("v")).unionByName(
        edges.select(F.col("b").alias("u"), F.col("a").alias("v")))
    least = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    return (both.where(F.col("v") > F.col("u")).join(least, "u")
            .select(F.col("v").alias("a"), F.col("m").alias("b")).distinct())


def small_star(edges):
    """Every node ``u`` links its smaller neighbours and itself to the least of them."""
    from pyspark.sql import functions as F

    oriented = edges.select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v"))
    least = oriented.groupBy("u").agg(F.min("v").alias("m"))
    moved = oriented.join(least, "u").where(F.col("v") != F.col("m")).select(F.col("v").alias("a"), F.col("m").alias("b"))
    return moved.unionByName(least.select(F.col("u").alias("a"), F.col("m").alias("b"))).distinct()


def _fingerprint(edges) -> tuple[int, int]:
    """The number of edges and the sum of their hashes: equal for equal sets, almost never otherwise."""
    from pyspark.sql import functions as F

    row = edges.agg(F.count("*").alias("n"), F.sum(F.xxhash64("a", "b").cast("decimal(38,0)")).alias("h")).first()
    return int(row["n"]), int(row["h"] or 0)


def star_components(edges) -> tuple[object, int]:
    """The edges (a, b) rewired into stars: each node ``a`` with its component's least node ``b``;
    and the number of rounds (a large-star and a small-star each) it took. A round that changed
    nothing is told by the edges' fingerprint (a cheap aggregate of what was just written), and then
    confirmed by comparing the two sets themselves, once."""
    rounds = 0
    edges = checkpointed(edges)
    before = _fingerprint(edges)
    while True:
        rounds += 1
        after_large = checkpointed(large_star(edges))
        after = _fingerprint(after_large)
        if after == before and after_large.exceptAll(edges).isEmpty() and edges.exceptAll(after_large).isEmpty():
            release(edges)
            return after_large, rounds
        release(edges)
        edges = checkpointed(small_star(after_large))
        release(after_large)
        before = _fingerprint(edges)


def integers(values) -> np.ndarray:
    """``values`` as an integer array, as wide as it is (an empty list, or floats, as 64 bits)."""
    values = np.asarray(values)
    return values if values.dtype.kind in "iu" else values.astype(np.int64)


def distinct_edges(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The undirected edges ``src``-``dst`` over ``n`` nodes once each, as ``a < b`` in order, loops dropped."""
    src, dst = integers(src), integers(dst)
    if len(src) != len(dst):
        raise ValueError(f"src and dst are the two ends of each edge: {len(src)} and {len(dst)} ends")
    # The ends stay as wide as they came (32 bits from the clusters' links) until they are one key:
    # 64-bit copies of every end would be three more gigabytes at ten million companies.
    keep = src != dst
    src, dst = src[keep], dst[keep]
    key = np.minimum(src, dst).astype(np.int64)
    key *= n
    key += np.maximum(src, dst)
    del src, dst
    pairs = distinct(key)
    del key
    return pairs // n, pairs % n


def peel_leaves(src: np.ndarray, dst: np.ndarray, n: int, least_share: float = 0.01):
    """The distinct undirected edges ``a < b`` of ``src``-``dst`` (loops dropped) left when nodes hanging
    off the graph by one edge are peeled, round after round while a round peels at least
    ``least_share`` of the edges left; and each round's peeled nodes with the node each hung from,
    whose component is theirs. Of an edge whose two ends both hang by it, the larger end is peeled.

    Examples
    --------
    A triangle 0-1-2 with a tail 2-3-4, and an edge 5-6 alone: the tail goes in two rounds, the lone
    edge in the first.

    >>> a, b, peels = peel_leaves(np.array([0, 1, 2, 2, 3, 5]), np.array([1, 2, 0, 3, 4, 6]), 7)
    >>> list(zip(a.tolist(), b.tolist()))
    [(0, 1), (0, 2), (1, 2)]
    >>> [(child.tolist(), parent.tolist()) for child, parent in peels]
    [([4, 6], [3, 5]), ([3], [2])]
    """
    a, b = distinct_edges(src, dst, n)
    peels = []
    while len(a):
        degree = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
        b_hangs = degree[b] == 1
        peeled = b_hangs | (degree[a] == 1)
        if not peeled.any():
            break
        peels.append((np.where(b_hangs, b, a)[peeled], np.where(b_hangs, a, b)[peeled]))
        a, b = a[~peeled], b[~peeled]
        if peeled.sum() < least_share * (len(a) + peeled.sum()):
            break
    return a, b, peels


def attached(least: np.ndarray, peels) -> np.ndarray:
    """``least`` (each node's label) with the peeled nodes of :func:`peel_leaves` given the label of
    the node they hung from, the last round first (a node hangs from one peeled later or never)."""
    least = least.copy()
    for child, parent in reversed(peels):
        least[child] = least[parent]
    return least


def numbered(labels: np.ndarray) -> np.ndarray:
    """Components numbered from 0 in the order of their least node (scipy's numbering), from any label
    shared by the nodes of each component.

    >>> numbered(np.array([7, 3, 7, 3, 9])).tolist()
    [0, 1, 0, 1, 2]
    """
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inverse]


def components(spark, src: np.ndarray, dst: np.ndarray, n: int, peel: bool = True) -> tuple[np.ndarray, int]:
    """The connected component of each of ``n`` nodes over the undirected edges ``src``-``dst``,
    numbered in the order of their least node (scipy's numbering), and the rounds it took on Spark.
    Nodes hanging off the graph (most persons and addresses) are peeled on the driver first
    (:func:`peel_leaves`) and given their neighbour's component after: the rounds see only the rest
    (``peel=False``: every edge goes to the rounds, to measure what peeling saves)."""
    from pyspark.sql import functions as F

    a, b, peels = peel_leaves(src, dst, n) if peel else (*distinct_edges(src, dst, n), [])
    least = np.arange(n, dtype=np.int64)
    rounds = 0
    if len(a):
        stars, rounds = star_components(pairs_frame(spark, a, b))
        rows = stars.groupBy("a").agg(F.min("b").alias("b")).toPandas()
        release(stars)
        least[rows["a"].to_numpy(dtype=np.int64)] = rows["b"].to_numpy(dtype=np.int64)
    return numbered(attached(least, peels)), rounds
