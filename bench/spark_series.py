"""Integrated ownership's series on Spark three ways, on a store's ownership matrix as ``analyze``
builds it, in one Spark session: every term on Spark with the holding companies' block moved again at
each term (repartitioned and checkpointed with adaptive execution on, which forgets the partitioning:
the baseline, as before session 31), every term on Spark with the block kept partitioned by the column a
term joins on, and as now (the block kept, and the series finished on the driver once a term has fewer
than ``spark.equitygraph.series.gatherBelow`` entries):

    python bench/spark_series.py --db STORE [--repeat 1] [--variants moved kept gathered]
                                 [--master local[2]] [--spark-conf KEY=VALUE ...]

Per variant and run (``in-process``: the baseline of the in-process engine): seconds of the engine's ``largest_owners`` (the series, then each company's
largest ultimate owner found by a group-by), the terms summed, and whether the variants' answers are
the same (owners equal, shares to 1e-12). The block's size and the holding companies are printed beside.
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

    from equitygraph.graph.analysis.engine import IN_PROCESS
    from equitygraph.graph.analysis.ownership import (direct_shares, holding_companies, ownership_matrix,
                                                      ultimate_owner_mask)
    from equitygraph.graph.spark import SparkEngine, series
    from equitygraph.graph.spark.frames import checkpointed
    from equitygraph.graph.stores.sqlite import SQLiteStore

    sys.path.insert(0, str(HERE))
    from runner import machine_note

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--variants", nargs="+", choices=("in-process", "moved", "kept", "gathered"),
                        default=["in-process", "moved", "kept", "gathered"])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    arrays = SQLiteStore(Path(args.db), readonly=True).export_arrays()
    direct = direct_shares(arrays, None)
    A = ownership_matrix(direct, "low")
    owners = np.flatnonzero(ultimate_owner_mask(arrays, direct))
    held, middle = holding_companies(A)
    del arrays, direct
    conf = {"spark.driver.memory": "6g", "spark.sql.shuffle.partitions": "32"}
    conf |= dict(setting.split("=", 1) for setting in args.spark_conf)
    engine = SparkEngine(args.master, conf)
    kept, gather_below = series.kept_partitioned, engine.gather_below
    moved = lambda frame, parts, column: checkpointed(frame.repartition(parts, column))  # noqa: E731
    variants = {"moved": (moved, 0), "kept": (kept, 0), "gathered": (kept, gather_below)}
    runs, answers = [], {}
    for _ in range(args.repeat):
        for name in args.variants:
            started = time.perf_counter()
            if name == "in-process":
                answers[name] = IN_PROCESS.largest_owners(A, owners)
                runs.append({"variant": name, "seconds": round(time.perf_counter() - started, 1)})
                continue
            series.kept_partitioned, engine.gather_below = variants[name]
            answers[name] = engine.largest_owners(A, owners)
            runs.append({"variant": name, "seconds": round(time.perf_counter() - started, 1),
                         "terms": engine.rounds["integrated ownership"]})
    series.kept_partitioned = kept
    first = answers[args.variants[0]]
    same = all(np.array_equal(first[0], owner) and np.abs(first[1] - share).max() <= 1e-12
               for owner, share in answers.values())
    block = held[middle][:, middle]
    print(json.dumps({"machine": machine_note(), "master": args.master, "db": args.db, "entities": A.shape[0],
                      "holdings": int(held.nnz), "holding_companies": int(len(middle)), "block_entries": int(block.nnz),
                      "first_term_entries": int(held[middle].nnz), "gather_below": gather_below, "runs": runs,
                      "same_answers": same}, indent=1))
    engine.stop()


if __name__ == "__main__":
    main()
