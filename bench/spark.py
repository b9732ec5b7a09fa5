"""The Spark engine against the in-process one (issue 32), as whole processes on copies of a store:

    python bench/spark.py analyze --db STORE [--master local[2]] [--spark-conf KEY=VALUE ...]
    python bench/spark.py rounds [--longest 65536]
    python bench/spark.py pieces --db STORE [--pieces 4]
    python bench/spark.py components --db STORE [--master local[2]] [--spark-conf KEY=VALUE ...] [--now-only]

``analyze``: ``equitygraph analyze`` in process (the baseline) and ``--engine spark`` on copies of STORE,
seconds per step, the rounds of each step on Spark, the peak resident memory of the command
(the driver and Spark's JVM together), and whether every result written back is the same (numbers to 1e-9).
``rounds``: the rounds large-star/small-star takes to find the component of rings of growing length
(a ring: nothing hangs off it to peel), and the rounds pointer jumping takes to climb a chain of
control through the same nodes, beside the hops a climb one step at a time would take (one round per
hop; label propagation on the ring would take half as many).
``pieces``: the largest component of STORE's clusters split whole (Leiden in process, the baseline)
and cut into about ``--pieces`` pieces on Spark first (the approximation for a component too large for
a worker): seconds of each, and how far the two partitions differ (adjusted Rand index, normalised
mutual information, the share of nodes whose community has exactly the same members).
``components``: the components of STORE's clusters' links (as ``analyze`` builds them) by scipy in
process (the baseline), then on one Spark session as before session 28 (every edge in the rounds,
checkpoints MEMORY_AND_DISK, Spark's default) and as now (hanging nodes peeled on the driver first,
checkpoints DISK_ONLY): seconds, star rounds, edges the rounds saw, the peak resident memory of this
process and its JVM during each (sampled twice a second), and whether the answers are scipy's.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from runner import run_command  # noqa: E402


def run(*args: str) -> tuple[float, dict, float]:
    """Seconds, the JSON printed and the peak resident memory in MiB of the command with every process it
    started (the driver and Spark's JVM together)."""
    done = run_command(*args, "--format", "json")
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed with exit code {done.returncode}:\n{done.errors}")
    return done.seconds, json.loads(done.out), done.peak_mib


def compare(here: Path, there: Path) -> dict[str, int]:
    """Per result written back, how many entities differ between the two stores."""
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.analyze import differing_results

    with SQLiteStore(here) as a, SQLiteStore(there) as b:
        return differing_results(a, b)


def analyze_both(args) -> dict:
    conf = [f for c in args.spark_conf for f in ("--spark-conf", c)]
    with tempfile.TemporaryDirectory(prefix="eg-spark-", dir=Path(args.db).parent) as work:
        here, there = Path(work) / "here.db", Path(work) / "there.db"
        shutil.copy(args.db, here)
        shutil.copy(args.db, there)
        here_s, here_out, here_mib = run("analyze", "--db", str(here))
        there_s, there_out, there_mib = run("analyze", "--db", str(there), "--engine", "spark", "--master", args.master, *conf)
        differing = compare(here, there)
    return {"in_process_seconds": round(here_s, 1), "spark_seconds": round(there_s, 1),
            "ratio": round(there_s / here_s, 1), "in_process_steps": here_out["seconds"],
            "spark_steps": there_out["seconds"], "spark_rounds": there_out["rounds"],
            "in_process_peak_mib": round(here_mib), "spark_peak_mib_driver_and_jvm": round(there_mib),
            "companies": here_out["companies"], "same_verdicts": here_out["verdicts"] == there_out["verdicts"],
            "results_differing": differing}


def rounds(args) -> list[dict]:
    import numpy as np

    from equitygraph.graph.spark import SparkEngine

    engine = SparkEngine(args.master, {"spark.sql.shuffle.partitions": "2"})
    out = []
    n = 4
    while n <= args.longest:
        order = np.random.default_rng(n).permutation(n)
        started = time.perf_counter()
        labels = engine.components(order, np.roll(order, 1), n)  # a ring: a chain would be peeled whole
        assert (labels == 0).all()
        components_seconds = time.perf_counter() - started
        following = np.full(n, -1)
        following[order[:-1]] = order[1:]  # each company solely controlled by the next one in the chain
        started = time.perf_counter()
        last, steps, climb_rounds = engine.chase(following, max_hops=n)
        assert (last == order[-1]).all() and steps[order[0]] == n - 1
        out.append({"chain_nodes": n, "hops": n - 1, "ring_farthest_hops": n // 2, "rounds": engine.rounds["components"],
                    "climb_rounds": climb_rounds, "log2_nodes": round(math.log2(n), 1),
                    "seconds": round(components_seconds, 1), "climb_seconds": round(time.perf_counter() - started, 1)})
        n *= 4
    engine.stop()
    return out


def pieces(args) -> dict:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from equitygraph.graph.analysis.clusters import RESOLUTION, link_edges
    from equitygraph.graph.analysis.engine import IN_PROCESS
    from equitygraph.graph.spark import SparkEngine
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(args.db) as store:
        arrays = store.export_arrays()
    src, dst, _ = link_edges(arrays)
    component = IN_PROCESS.components(src, dst, arrays.n)
    largest = np.bincount(component).argmax()
    mine = component[src] == largest
    src, dst = src[mine], dst[mine]
    nodes_in_it = len(np.unique(np.r_[src, dst]))
    at = np.zeros(len(src), dtype=np.int64)
    started = time.perf_counter()
    whole = IN_PROCESS.communities(at, src, dst, 1, RESOLUTION)
    whole_seconds = time.perf_counter() - started
    limit = -(-nodes_in_it // args.pieces)
    engine = SparkEngine(args.master, {"spark.sql.shuffle.partitions": "4",
                                       "spark.equitygraph.communities.maxNodes": str(limit),
                                       **dict(kv.split("=", 1) for kv in args.spark_conf)})
    started = time.perf_counter()
    cut = engine.communities(at, src, dst, 1, RESOLUTION)
    cut_seconds = time.perf_counter() - started
    tasks = dict(engine.rounds)
    engine.stop()
    reference = dict(zip(whole[0].tolist(), whole[1].tolist()))
    approximate = dict(zip(cut[0].tolist(), cut[1].tolist()))
    everyone = sorted(reference)
    a = [reference[n] for n in everyone]
    b = [approximate.get(n, -1 - n) for n in everyone]  # a node no piece kept: a community of its own
    members_a, members_b = {}, {}
    for n, x, y in zip(everyone, a, b):
        members_a.setdefault(x, []).append(n)
        members_b.setdefault(y, []).append(n)
    cut_communities = {tuple(v) for v in members_b.values()}
    same = sum(len(members) for members in members_a.values() if tuple(members) in cut_communities)
    return {"component_nodes": nodes_in_it, "component_edges": int(len(src)), "max_nodes_a_piece": limit,
            "rounds": tasks, "whole_seconds": round(whole_seconds, 1), "pieces_seconds": round(cut_seconds, 1),
            "communities_whole": len(members_a), "communities_cut": len(members_b),
            "adjusted_rand_index": round(adjusted_rand_score(a, b), 4),
            "normalized_mutual_information": round(normalized_mutual_info_score(a, b), 4),
            "nodes_in_identical_communities": round(same / len(everyone), 4),
            "nodes_left_alone": sum(1 for n in everyone if n not in approximate)}


def components_both(args) -> dict:
    import threading

    import numpy as np

    from equitygraph.graph.analysis.clusters import link_edges, one_person
    from equitygraph.graph.analysis.engine import IN_PROCESS
    from equitygraph.graph.spark import SparkEngine
    from equitygraph.graph.spark.components import distinct_edges, peel_leaves
    from equitygraph.graph.spark.frames import CHECKPOINT_LEVEL
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from runner import tree_rss

    with SQLiteStore(args.db) as store:
        arrays = store.export_arrays()
    src, dst, _ = link_edges(arrays)
    stands_for = one_person(arrays, ()).astype(np.int32)
    src, dst, n = stands_for[src], stands_for[dst], arrays.n
    del arrays, stands_for
    out = {"nodes": n, "edges": int(len(src)), "distinct_edges": int(len(distinct_edges(src, dst, n)[0]))}
    started = time.perf_counter()
    a, _, peels = peel_leaves(src, dst, n)
    out.update(peel_seconds=round(time.perf_counter() - started, 1), edges_after_peeling=int(len(a)),
               peel_rounds=len(peels))
    del a, peels

    def measured(task):
        peak, done = [0], threading.Event()

        def watch():
            while not done.wait(0.5):
                peak[0] = max(peak[0], tree_rss(os.getpid()))
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        answer = task()
        seconds = time.perf_counter() - started
        done.set()
        watcher.join()
        return answer, round(seconds, 1), round(max(peak[0], tree_rss(os.getpid())) / 2**20)

    baseline, out["scipy_seconds"], out["scipy_peak_mib"] = measured(lambda: IN_PROCESS.components(src, dst, n))
    engine = SparkEngine(args.master, dict(kv.split("=", 1) for kv in args.spark_conf))
    warm = np.arange(1000)
    engine.components(warm, np.roll(warm, 1), 1000)  # the JVM's first jobs are slow: not the first variant's
    variants = (("before", "MEMORY_AND_DISK", False), ("now", "DISK_ONLY", True))
    for name, level, peel in variants[1:] if args.now_only else variants:
        engine.spark.conf.set(CHECKPOINT_LEVEL, level)
        labels, seconds, mib = measured(lambda: engine.components(src, dst, n) if peel else
                                        _unpeeled(engine, src, dst, n))
        out[name] = {"checkpoints": level, "peeled": peel, "seconds": seconds, "rounds": engine.rounds["components"],
                     "peak_mib_driver_and_jvm": mib, "same_as_scipy": bool(np.array_equal(labels, baseline))}
    engine.stop()
    if "before" in out:
        out["ratio_before_to_now"] = round(out["before"]["seconds"] / out["now"]["seconds"], 1)
    return out


def _unpeeled(engine, src, dst, n):
    from equitygraph.graph.spark.components import components

    labels, engine.rounds["components"] = components(engine.spark, src, dst, n, peel=False)
    return labels


def main() -> None:
    sys.path.insert(0, str(HERE))
    from runner import machine_note

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("analyze", "rounds", "pieces", "components"))
    parser.add_argument("--db")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--spark-conf", action="append", default=[])
    parser.add_argument("--longest", type=int, default=65536)
    parser.add_argument("--pieces", type=int, default=4)
    parser.add_argument("--now-only", action="store_true",
                        help="components: only as now (where the rounds as before take hours)")
    args = parser.parse_args()
    if args.what != "rounds" and not args.db:
        parser.error(f"{args.what} needs --db")
    result = {"analyze": analyze_both, "rounds": rounds, "pieces": pieces, "components": components_both}[args.what](args)
    print(json.dumps({"machine": machine_note(), "master": args.master, "db": args.db, "result": result}, indent=1))


if __name__ == "__main__":
    main()
