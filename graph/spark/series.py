"""Sums over paths as repeated sparse products, each a join on the shared index and a group-by:
the risk walk (personalised PageRank, DebtRank) and integrated ownership. The same steps, stopping
rules and tolerances as :mod:`..analysis.risk` and :mod:`..analysis.ownership`, so the answers agree
to rounding.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp

from .. import cancel
from ..analysis.ownership import (MAX_PATH_LENGTH, TOLERANCE, holding_companies, series_after, solve_rest,
                                  terms_added)
from .frames import (checkpointed, collect_matrix, collect_vector, join_partitions, kept_partitioned, matrix_frame,
                     partitioned_rounds, release, vector_frame)

# A term of the integrated-ownership series with fewer entries than this is gathered to the driver
# and the series finished there (``series_after``): its tail is many small terms (65 at a million
# companies), each a Spark job of a second or so however small, where scipy takes milliseconds. A term
# of five million entries is 120 MB of (i, j, w), beside the driver's copy of the whole matrix.
GATHER_BELOW = "spark.equitygraph.series.gatherBelow"
GATHER_BELOW_ENTRIES = 5_000_000


def summed(terms: list, keys: tuple[str, ...], value: str):
    """The terms (frames of the same columns) added up by ``keys``."""
    from functools import reduce

    from pyspark.sql import functions as F

    return reduce(lambda a, b: a.unionByName(b), terms).groupBy(*keys).agg(F.sum(value).alias(value))


def times_vector(matrix, vector):
    """``matrix @ vector``: (i, j, w) rows times (i, v) rows, as (i, v) rows of the non-zero results."""
    from pyspark.sql import functions as F

    x = vector.select(F.col("i").alias("j"), F.col("v").alias("x"))
    return (matrix.join(x, "j").groupBy("i").agg(F.sum(F.col("w") * F.col("x")).alias("v"))
            .where(F.col("v") != 0.0))


def times_matrix(left, right):
    """``left @ right``: (i, j, w) rows times (i, j, w) rows, as (i, j, w) rows."""
    from pyspark.sql import functions as F

    r = right.select(F.col("i").alias("k"), F.col("j"), F.col("w").alias("r"))
    return (left.withColumnRenamed("j", "k").join(r, "k").groupBy("i", "j")
            .agg(F.sum(F.col("w") * F.col("r")).alias("w")))


def pagerank(spark, spread: sp.csr_matrix, seeds: np.ndarray, steps: int, tol: float = 1e-7) -> tuple[np.ndarray, int]:
    """:func:`..analysis.risk.pagerank` on Spark, and the steps taken."""
    from pyspark.sql import functions as F

    # The links partitioned once by the column they are joined on, sorted by it and kept; each step's
    # sums come out partitioned as the next step joins them: a step moves only its products, summed.
    parts = join_partitions(spark)
    matrix = kept_partitioned(matrix_frame(spark, spread), parts, "j", ordered=True)
    terms = []  # each kept (checkpointed), summed once at the end: one job a step
    taken = 0
    with partitioned_rounds(spark, parts):
        term = kept_partitioned(vector_frame(spark, seeds), parts, "i")
        for taken in range(1, steps + 1):
            cancel.checkpoint()
            term = checkpointed(times_vector(matrix, term))
            terms.append(term)
            largest = term.agg(F.max("v")).first()[0]
            if largest is None or largest < tol:
                break
        received = collect_vector(summed(terms, ("i",), "v"), len(seeds)) if terms else np.zeros(len(seeds))
    for frame in (matrix, *terms):
        release(frame)
    return received, taken


def debtrank(spark, spread: sp.csr_matrix, seeds: np.ndarray, steps: int) -> tuple[np.ndarray, int]:
    """:func:`..analysis.risk.debtrank` on Spark (each entity passes risk on once, in the round after it
    was first hit), and the rounds taken."""
    from pyspark.sql import functions as F

    parts = join_partitions(spark)
    matrix = kept_partitioned(matrix_frame(spark, spread), parts, "j", ordered=True)
    taken = 0
    with partitioned_rounds(spark, parts):  # the state kept partitioned by entity, as the products come out
        state = kept_partitioned(vector_frame(spark, seeds).withColumnRenamed("v", "level")
                                 .withColumn("active", F.col("level") > 0).withColumn("spent", F.lit(False)), parts, "i")
        for taken in range(1, steps + 1):
            cancel.checkpoint()
            if state.where("active").isEmpty():
                break
            gained = times_vector(matrix, state.where("active").select("i", F.col("level").alias("v")))
            level = F.coalesce(F.col("level"), F.lit(0.0))
            new_level = F.least(F.lit(1.0), level + F.coalesce(F.col("v"), F.lit(0.0)))
            spent = F.coalesce(F.col("spent"), F.lit(False)) | F.coalesce(F.col("active"), F.lit(False))
            before = state
            state = kept_partitioned(state.join(gained, "i", "full_outer")
                                     .select("i", new_level.alias("new_level"), level.alias("level"), spent.alias("spent"))
                                     .select("i", F.col("new_level").alias("level"), "spent",
                                             ((F.col("new_level") > F.col("level") + 1e-12) & ~F.col("spent")).alias("active")),
                                     parts, "i")
            release(before)
        level = collect_vector(state.select("i", F.col("level").alias("v")), len(seeds))
    release(matrix)
    release(state)
    return level - seeds, taken


def integrated(spark, A: sp.csr_matrix, tol: float = TOLERANCE, max_length: int = MAX_PATH_LENGTH,
               gather_below: int = GATHER_BELOW_ENTRIES) -> tuple[sp.csr_matrix, int]:
    """:func:`..analysis.ownership.integrated` on Spark: the series over the holding companies'
    block, each term a join and a group-by, small terms dropped at the same tolerance; once a term has
    fewer than ``gather_below`` entries it is gathered to the driver and the series finished there,
    as in process (where a near-unit cycle keeps the series from ending, the rest solved exactly). Also
    the number of terms summed."""
    held = holding_companies(A)
    if len(held[1]) == 0:
        return held[0].copy(), 0
    with _integrated_frame(spark, held, tol, max_length, gather_below) as (T, terms):
        return collect_matrix(T, A.shape), terms


def largest_owners(spark, A: sp.csr_matrix, owners: np.ndarray, tol: float = TOLERANCE,
                   max_length: int = MAX_PATH_LENGTH, gather_below: int = GATHER_BELOW_ENTRIES
                   ) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`..analysis.top_owners.largest_owners` on Spark: each column's largest entry of ``T``'s
    rows of ``owners`` and the lowest owner within ``TIED`` of it, found by a group-by on the workers,
    so that only a row per entity owned comes back to the driver, never ``T`` (hundreds of millions of
    pairs at ten million companies). Also the number of terms summed."""
    from pyspark.sql import functions as F

    from ..analysis.top_owners import TIED

    n = A.shape[1]
    owner, share = np.full(n, -1, dtype=np.int64), np.zeros(n)
    owners = np.asarray(owners, dtype=np.int64)
    if len(owners) == 0 or A.nnz == 0:
        return owner, share, 0
    with _integrated_frame(spark, holding_companies(A), tol, max_length, gather_below, rows=owners) as (T, terms):
        held = checkpointed(T)  # read twice below: summed once
        best = held.groupBy("j").agg(F.max("w").alias("best"))
        rows = (held.join(best, "j").where(F.col("w") >= F.col("best") - TIED)
                .groupBy("j").agg(F.min("i").alias("owner"), F.first("best").alias("share")).toPandas())
        release(held)
    at = rows["j"].to_numpy(np.int64)
    owner[at], share[at] = rows["owner"].to_numpy(np.int64), rows["share"].to_numpy(np.float64)
    return owner, share, terms


@contextmanager
def _integrated_frame(spark, held: tuple[sp.csr_matrix, np.ndarray], tol: float, max_length: int,
                      gather_below: int, rows: np.ndarray | None = None):
    """``T``'s non-zero entries as a frame (i, j, w), only its ``rows`` where given (``T[rows] = A[rows]
    + A[rows][:, H] S``: the series ``S`` is over the holding companies whatever rows are wanted), and
    the terms summed; the series' checkpoints are released when the block ends. ``held`` is
    :func:`..analysis.ownership.holding_companies` of the ownership matrix."""
    from pyspark.sql import functions as F

    A, middle = held
    outer = A
    if rows is not None:  # the rows not wanted emptied, so that the frames keep the entities' numbers
        wanted = np.zeros(A.shape[0], dtype=bool)
        wanted[rows] = True
        outer = sp.diags(wanted.astype(np.float64)) @ A
        outer.eliminate_zeros()
    if len(middle) == 0:
        yield matrix_frame(spark, outer).where(F.col("w") != 0.0), 0
        return
    block_matrix = A[middle][:, middle].tocsr()
    # As the walk's links: the block kept partitioned by the column each term joins on, so that a term
    # moves only the last term, not the block again.
    parts = join_partitions(spark)
    block = kept_partitioned(matrix_frame(spark, block_matrix), parts, "j")
    first = A[middle].tocsr()
    step, entries = checkpointed(matrix_frame(spark, first)), first.nnz
    terms, count = [step], 1
    kept = [block, step]  # the checkpoints, released once summed
    try:
        for done in range(max_length):
            cancel.checkpoint()
            if entries < gather_below:
                last = first if done == 0 else collect_matrix(step, first.shape)
                after = series_after(block_matrix, last, tol, max_length - done)
                if after:
                    terms.append(matrix_frame(spark, terms_added(after, first.shape)))
                count += len(after)
                break
            following = checkpointed(times_matrix(block, step.repartition(parts, "i")).where(F.abs("w") >= tol))
            entries = following.count()
            if entries == 0:
                release(following)
                break
            step = following
            terms.append(step)
            kept.append(step)
            count += 1
        else:
            last = collect_matrix(step, first.shape)
            rest = solve_rest(block_matrix, block_matrix @ last)
            if rest is not None:
                terms.append(matrix_frame(spark, rest))
                count += 1
        from_middle = summed(terms, ("i", "j"), "w")
        # T = A + A[:, middle] @ from_middle, the rows of from_middle being positions in ``middle``.
        through = matrix_frame(spark, outer[:, middle])
        T = summed([times_matrix(through, from_middle), matrix_frame(spark, outer)], ("i", "j"), "w")
        yield T.where(F.col("w") != 0.0), count
    finally:
        for frame in kept:
            release(frame)
