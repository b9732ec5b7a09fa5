"""Control on Spark: the rules applied company by company as a group-by on the company (each group
of companies decided by the same :func:`..analysis.direct_control.decide_direct` as in process), and
chains of control followed by pointer jumping, a join a round, each round doubling how far every
company has looked."""

from __future__ import annotations

import numpy as np

from .components import integers
from .frames import checkpointed, columns_frame, release

DECIDED = ("company long, verdict int, controller long, partner long, rule int, reason int, low double, high double, "
           "partner_low double, partner_high double")
DECISION_TYPES = (np.int8, np.int32, np.int32, np.int8, np.int8, np.float64, np.float64, np.float64, np.float64)


def direct_control(spark, holder, company, low, high, appoints, board_size, hidden, missing, rules, floating=None):
    """:func:`..analysis.direct_control.decide_direct` over the holders' rows, grouped on the workers
    by company: the companies decided (in increasing order) and the nine decision arrays."""
    import pandas as pd
    from pyspark.sql import functions as F

    from ..analysis.direct_control import decide_direct

    if len(holder) == 0:
        return decide_direct(holder, company, low, high, appoints, board_size, hidden, missing, rules, floating)
    # Built as an Arrow table in the columns' own widths: a register's holders and appointments are
    # tens of millions of rows, which a pandas frame of 64-bit columns held twice over on the driver.
    company = integers(company)
    frame = columns_frame(spark, {
        "i": np.arange(len(holder), dtype=np.int32 if len(holder) < 2 ** 31 else np.int64),
        "holder": integers(holder), "company": company, "low": np.asarray(low, dtype=np.float64),
        "high": np.asarray(high, dtype=np.float64), "appoints": integers(appoints), "board": integers(board_size[company]),
        "hidden": np.asarray(hidden[company], dtype=np.float64), "missing": np.asarray(missing[company], dtype=np.float64),
        "floating": np.zeros(len(holder), bool) if floating is None else np.asarray(floating, dtype=bool)})
    parts = 2 * spark.sparkContext.defaultParallelism

    def decide(group: pd.DataFrame) -> pd.DataFrame:
        # The rows in their order on the driver: holders with equal votes are taken in that order.
        group = group.sort_values("i")
        companies, local = np.unique(group["company"].to_numpy(np.int64), return_inverse=True)
        first = np.unique(local, return_index=True)[1]
        floats = group["floating"].to_numpy(bool)
        decided, values = decide_direct(
            group["holder"].to_numpy(np.int64), local, group["low"].to_numpy(np.float64),
            group["high"].to_numpy(np.float64), group["appoints"].to_numpy(np.int64),
            group["board"].to_numpy(np.int64)[first], group["hidden"].to_numpy(np.float64)[first],
            group["missing"].to_numpy(np.float64)[first], rules, floats if floats.any() else None)
        names = ("verdict", "controller", "partner", "rule", "reason", "low", "high", "partner_low", "partner_high")
        return pd.DataFrame({"company": companies[decided], **dict(zip(names, values))})

    found = (frame.withColumn("part", F.col("company") % parts).groupBy("part")
             .applyInPandas(decide, schema=DECIDED).toPandas().sort_values("company"))
    values = [found[column].to_numpy().astype(kind) for column, kind in zip(found.columns[1:], DECISION_TYPES)]
    return found["company"].to_numpy(np.int64), values


def chase(spark, following: np.ndarray, max_hops: int) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`..analysis.climb.chase` by pointer jumping on Spark: only rows that move are in the
    frame; a round joins each row not yet at the end of its chain with the row it points at."""
    import pandas as pd
    from pyspark.sql import functions as F

    from ..analysis.climb import ended_within

    n = len(following)
    ends = following < 0
    moving = np.flatnonzero(~ends)
    last, steps, done = np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
    rounds, reach = 0, 1
    if len(moving):
        start = pd.DataFrame({"r": moving.astype(np.int64), "p": following[moving].astype(np.int64),
                              "s": np.ones(len(moving), dtype=np.int64), "done": ends[following[moving]]})
        frame = checkpointed(spark.createDataFrame(start, schema="r long, p long, s long, done boolean"))
        while reach < max_hops and frame.where(~F.col("done")).limit(1).count():
            ahead = frame.select(F.col("r").alias("q"), F.col("p").alias("p2"), F.col("s").alias("s2"),
                                 F.col("done").alias("done2"))
            before = frame
            frame = checkpointed(frame.join(ahead, F.col("p") == F.col("q"), "left")
                     .select("r", F.when(F.col("done"), F.col("p")).otherwise(F.col("p2")).alias("p"),
                             F.when(F.col("done"), F.col("s")).otherwise(F.col("s") + F.col("s2")).alias("s"),
                             F.when(F.col("done"), True).otherwise(F.col("done2")).alias("done")))
            release(before)
            rounds, reach = rounds + 1, reach * 2
        found = frame.toPandas()
        release(frame)
        at = found["r"].to_numpy(np.int64)
        last[at], steps[at], done[at] = (found["p"].to_numpy(np.int64), found["s"].to_numpy(np.int64),
                                        found["done"].to_numpy(bool))
    return (*ended_within(last, steps, done, max_hops), rounds)
