"""The steps of the risk walk on Spark with the links moved again at each step (a repartitioned frame
checkpointed with adaptive execution on, as before c5d65b4: the baseline) and kept where they are
(:func:`equitygraph.graph.spark.frames.kept_partitioned`), on random links, in one session:

    python bench/spark_walk.py [--nodes 3000000] [--links 30000000] [--steps 4] [--repeat 2]
                               [--master local[2]] [--spark-conf KEY=VALUE ...]

Per variant and run: seconds to checkpoint the links, seconds for the steps (each the walk's join and
group-by, checkpointed), whether a step's plan moves the links, and the largest difference of the
last step's vector between the variants (sums in another order only).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    import numpy as np
    import scipy.sparse as sp

    from equitygraph.graph.spark.engine import spark_session
    from equitygraph.graph.spark.frames import (checkpointed, collect_vector, join_partitions, kept_partitioned,
                                                matrix_frame, release, vector_frame)
    from equitygraph.graph.spark.series import times_vector

    sys.path.insert(0, str(HERE))
    from runner import machine_note

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=3_000_000)
    parser.add_argument("--links", type=int, default=30_000_000)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    conf = {"spark.driver.memory": "6g", "spark.sql.shuffle.partitions": "32"}
    conf |= dict(setting.split("=", 1) for setting in args.spark_conf)
    spark = spark_session(args.master, conf)
    rng = np.random.default_rng(1)
    n, m = args.nodes, args.links
    links = sp.csr_matrix((rng.random(m) * 0.1, (rng.integers(0, n, m), rng.integers(0, n, m))), shape=(n, n))
    seeds = np.zeros(n)
    seeds[rng.integers(0, n, max(1, n // 10))] = 1.0
    parts = join_partitions(spark)
    variants = {"moved": lambda frame: checkpointed(frame.repartition(parts, "j")),
                "kept": lambda frame: kept_partitioned(frame, parts, "j")}
    runs, last = [], {}
    for _ in range(args.repeat):
        for name, keep in variants.items():
            started = time.perf_counter()
            matrix = keep(matrix_frame(spark, links))
            checkpointing = time.perf_counter() - started
            term, kept = vector_frame(spark, seeds), []
            plan = times_vector(matrix, term.repartition(parts, "i"))._jdf.queryExecution().executedPlan().toString()
            started = time.perf_counter()
            for _ in range(args.steps):
                term = checkpointed(times_vector(matrix, term.repartition(parts, "i")))
                term.count()
                kept.append(term)
            stepping = time.perf_counter() - started
            last[name] = collect_vector(term, n)
            for frame in (matrix, *kept):
                release(frame)
            runs.append({"variant": name, "checkpointing_links_s": round(checkpointing, 1),
                         "steps_s": round(stepping, 1), "links_moved_each_step": "hashpartitioning(j" in plan})
    print(json.dumps({"machine": machine_note(), "master": args.master, "nodes": n, "links": m, "steps": args.steps,
                      "runs": runs, "largest_difference": float(np.abs(last["moved"] - last["kept"]).max())},
                     indent=1))
    spark.stop()


if __name__ == "__main__":
    main()
