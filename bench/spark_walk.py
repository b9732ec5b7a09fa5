"""The steps of the risk walk on Spark three ways, in one session:

- ``moved``: the links repartitioned and checkpointed with adaptive execution on (before c5d65b4: the
  checkpoint forgets the partitioning, so each step moves the links again), the vector moved each step;
- ``kept``: the links kept partitioned (:func:`equitygraph.graph.spark.frames.kept_partitioned`, c5d65b4),
  the vector moved each step to meet them;
- ``now``: the links kept partitioned and sorted, each step's sums kept partitioned as the next step joins
  them (:func:`equitygraph.graph.spark.frames.partitioned_rounds`): a step moves only its products.

::

    python bench/spark_walk.py [--nodes 3000000] [--links 30000000] [--steps 4] [--repeat 2]
                               [--db STORE] [--master local[2]] [--spark-conf KEY=VALUE ...]

Random links by default; with ``--db``, the walk's own links and seeds of STORE's analysis (the analysis
is run in process up to its walk; nothing is written). Per variant and run: seconds to checkpoint the
links, seconds for the steps (each checkpointed, then its largest value read, as the walk does), the
exchanges and sorts in a step's plan, and the largest difference of the last step's vector from
scipy's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


class _Walked(Exception):
    pass


def walk_of(db: str):
    """The spread matrix and seeds the in-process analysis of ``db`` hands to its walk."""
    from equitygraph.graph.analysis import risk
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.analyze import analyze

    got = {}

    def caught(spread, seeds, steps, tol=1e-7):
        got.update(spread=spread, seeds=seeds)
        raise _Walked

    real, risk.pagerank = risk.pagerank, caught
    try:
        with SQLiteStore(db, readonly=True) as store:
            analyze(store)
    except _Walked:
        pass
    finally:
        risk.pagerank = real
    return got["spread"], got["seeds"]


def main() -> None:
    import contextlib

    import numpy as np
    import scipy.sparse as sp
    from pyspark.sql import functions as F

    from equitygraph.graph.spark.engine import spark_session
    from equitygraph.graph.spark.frames import (checkpointed, collect_vector, join_partitions, kept_partitioned,
                                                matrix_frame, partitioned_rounds, release, vector_frame)
    from equitygraph.graph.spark.series import times_vector

    sys.path.insert(0, str(HERE))
    from runner import machine_note

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=3_000_000)
    parser.add_argument("--links", type=int, default=30_000_000)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--db")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    if args.db:
        links, seeds = walk_of(args.db)
    else:
        rng = np.random.default_rng(1)
        n, m = args.nodes, args.links
        links = sp.csr_matrix((rng.random(m) * 0.1, (rng.integers(0, n, m), rng.integers(0, n, m))), shape=(n, n))
        seeds = np.zeros(n)
        seeds[rng.integers(0, n, max(1, n // 10))] = 1.0
    expected = seeds
    for _ in range(args.steps):
        expected = links @ expected
    conf = {"spark.driver.memory": "6g", "spark.sql.shuffle.partitions": "32"}
    conf |= dict(setting.split("=", 1) for setting in args.spark_conf)
    spark = spark_session(args.master, conf)
    parts = join_partitions(spark)
    variants = {  # how the links are kept, how the vector is kept, the block the steps run in
        "moved": (lambda frame: checkpointed(frame.repartition(parts, "j")),
                  lambda frame: frame.repartition(parts, "i"), contextlib.nullcontext),
        "kept": (lambda frame: kept_partitioned(frame, parts, "j"),
                 lambda frame: frame.repartition(parts, "i"), contextlib.nullcontext),
        "now": (lambda frame: kept_partitioned(frame, parts, "j", ordered=True),
                lambda frame: frame, lambda: partitioned_rounds(spark, parts)),
    }
    runs = []
    for _ in range(args.repeat):
        for name, (keep_links, meet, block) in variants.items():
            started = time.perf_counter()
            matrix = keep_links(matrix_frame(spark, links))
            checkpointing = time.perf_counter() - started
            with block():
                term, kept = vector_frame(spark, seeds), []
                if name == "now":
                    term = kept_partitioned(term, parts, "i")
                plan = times_vector(matrix, meet(term))._jdf.queryExecution().executedPlan().toString()
                started = time.perf_counter()
                for _ in range(args.steps):
                    term = checkpointed(times_vector(matrix, meet(term)))
                    term.agg(F.max("v")).first()
                    kept.append(term)
                stepping = time.perf_counter() - started
                last = collect_vector(term, len(seeds))
            for frame in (matrix, *kept):
                release(frame)
            runs.append({"variant": name, "checkpointing_links_s": round(checkpointing, 1),
                         "steps_s": round(stepping, 1), "exchanges_in_a_step": plan.count("Exchange"),
                         "sorts_in_a_step": plan.count("Sort ["),
                         "largest_difference_from_scipy": float(np.abs(last - expected).max())})
            print(json.dumps(runs[-1]), file=sys.stderr)
    print(json.dumps({"machine": machine_note(), "master": args.master, "db": args.db, "nodes": links.shape[0],
                      "links": links.nnz, "seeds": int((seeds > 0).sum()), "steps": args.steps, "runs": runs},
                     indent=1))
    spark.stop()


if __name__ == "__main__":
    main()
