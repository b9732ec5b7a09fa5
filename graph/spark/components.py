"""Connected components by alternating large-star and small-star rounds (Kiveris, Lattanzi,
Mirrokni, Rastogi, Vassilvitskii: "Connected Components in MapReduce and Beyond", SoCC 2014):
O(log n) rounds of a join and a group-by each, where label propagation takes one round per hop.

Each round rewires the edges of a component towards its smallest node; when a large-star round
changes nothing, every component is a star around its smallest node.
"""

from __future__ import annotations

import numpy as np

from .frames import pairs_frame


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
    before = _fingerprint(edges)
    while True:
        rounds += 1
        after_large = large_star(edges).localCheckpoint()
        after = _fingerprint(after_large)
        if after == before and after_large.exceptAll(edges).isEmpty() and edges.exceptAll(after_large).isEmpty():
            return after_large, rounds
        edges = small_star(after_large).localCheckpoint()
        before = _fingerprint(edges)


def components(spark, src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """The connected component of each of ``n`` nodes over the undirected edges ``src``-``dst``,
    numbered in the order of their least node (scipy's numbering), and the rounds it took."""
    from pyspark.sql import functions as F

    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    keep = src != dst
    edges = pairs_frame(spark, np.minimum(src, dst)[keep], np.maximum(src, dst)[keep]).distinct()
    least = np.arange(n, dtype=np.int64)
    rounds = 0
    if keep.any():
        stars, rounds = star_components(edges)
        rows = stars.groupBy("a").agg(F.min("b").alias("b")).toPandas()
        least[rows["a"].to_numpy(dtype=np.int64)] = rows["b"].to_numpy(dtype=np.int64)
    return np.unique(least, return_inverse=True)[1].astype(np.int64), rounds
