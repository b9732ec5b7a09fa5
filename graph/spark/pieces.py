"""A component too large for one worker, cut into pieces that fit one: label propagation on Spark
(each node takes the label most of its neighbours and itself carry, ties to the least label; a fixed
number of rounds) over what is left when the nodes hanging off the component are peeled (each then
takes the label of the node it hangs from, as Leiden puts it in its neighbour's community), then the
labels packed into pieces of at most ``max_nodes`` nodes, label after
label. Leiden then splits each piece on a worker as it splits a component; only communities that a
cut runs through come out different (docs/scale-out.md gives the measured difference).

Label propagation: Raghavan, Albert, Kumara, "Near linear time algorithm to detect community
structures in large-scale networks", Phys. Rev. E 76 (2007).
"""

from __future__ import annotations

import numpy as np

from .components import attached, integers, peel_leaves
from .frames import checkpointed, join_partitions, kept_partitioned, pairs_frame, release

ROUNDS = 10


def propagated_labels(spark, src: np.ndarray, dst: np.ndarray, rounds: int = ROUNDS) -> tuple[np.ndarray, np.ndarray]:
    """The nodes of the undirected edges ``src``-``dst`` and the label each holds after ``rounds`` rounds
    of synchronous label propagation (fewer when a round changes nothing) among the nodes left after
    peeling; a peeled node holds the label of the node it hangs from."""
    src, dst = integers(src), integers(dst)
    span = int(max(src.max(initial=-1), dst.max(initial=-1))) + 1
    present = np.zeros(span, dtype=bool)
    present[src], present[dst] = True, True
    nodes = np.flatnonzero(present)
    del present
    a, b, peels = peel_leaves(src, dst, span)
    label = np.arange(span, dtype=np.int64)
    if len(a):
        kept, kept_label = _propagated(spark, a, b, rounds)
        label[kept] = kept_label
    return nodes, attached(label, peels)[nodes]


def _propagated(spark, src: np.ndarray, dst: np.ndarray, rounds: int) -> tuple[np.ndarray, np.ndarray]:
    from pyspark.sql import functions as F

    edges = pairs_frame(spark, src, dst)
    both = edges.select(F.col("a").alias("u"), F.col("b").alias("v")).unionByName(
        edges.select(F.col("b").alias("u"), F.col("a").alias("v")))  # no loops: peel_leaves dropped them
    nodes = both.select("u").distinct()
    # A node votes for itself too: with only its neighbours voting, two sides of a bipartite graph swap forever.
    # The votes kept partitioned by the voter, so that a round moves only the labels, not the votes again.
    parts = join_partitions(spark)
    voters = kept_partitioned(both.unionByName(nodes.select("u", F.col("u").alias("v"))), parts, "v")
    chosen = checkpointed(nodes.select(F.col("u").alias("v"), F.col("u").alias("label")))
    labels = chosen
    for _ in range(rounds):
        # Per node: the label with the most votes, the least of those tied (the largest of -label), and
        # the label it held (its own vote), in two group-bys and no sort.
        tally = (voters.join(labels.repartition(parts, "v"), "v").groupBy("u", "label")
                 .agg(F.count("*").alias("votes"), F.max((F.col("u") == F.col("v")).cast("int")).alias("mine")))
        before = chosen
        chosen = checkpointed(tally.groupBy("u")
                  .agg(F.max(F.struct(F.col("votes"), (-F.col("label")).alias("least"))).alias("best"),
                       F.max(F.when(F.col("mine") == 1, F.col("label"))).alias("before"))
                  .select(F.col("u").alias("v"), (-F.col("best.least")).alias("label"), "before"))
        release(before)
        labels = chosen.select("v", "label")
        if not chosen.where(F.col("label") != F.col("before")).limit(1).count():
            break
    found = labels.toPandas()
    release(voters)
    release(chosen)
    return found["v"].to_numpy(np.int64), found["label"].to_numpy(np.int64)


def pack(nodes: np.ndarray, labels: np.ndarray, max_nodes: int) -> np.ndarray:
    """Pieces of at most ``max_nodes`` nodes, filled label after label (in label order, each label's
    nodes together): a label that does not fit in what is left of a piece begins the next one, and a
    label larger than a piece is cut in runs of node ids. Returns each node's piece, from 0.

    Examples
    --------
    >>> pack(np.array([1, 2, 3, 4, 5, 6]), np.array([7, 1, 7, 1, 1, 9]), 3).tolist()
    [1, 0, 1, 0, 0, 1]
    >>> pack(np.arange(5), np.zeros(5, dtype=int), 2).tolist()
    [0, 0, 1, 1, 2]
    """
    if max_nodes < 1:
        raise ValueError(f"a piece holds at least one node, not {max_nodes}")
    order = np.lexsort((nodes, labels))
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]]) if len(nodes) else np.zeros(0, int)
    sizes = np.diff(np.r_[starts, len(nodes)])
    piece = np.empty(len(nodes), dtype=np.int64)
    at, filled = 0, 0
    for start, size in zip(starts.tolist(), sizes.tolist()):
        if filled and filled + size > max_nodes:
            at, filled = at + 1, 0
        runs = (filled + np.arange(size)) // max_nodes
        piece[order[start:start + size]] = at + runs
        at += int(runs[-1])
        filled = (filled + size) - int(runs[-1]) * max_nodes
    return piece
