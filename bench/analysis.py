"""What surrounds the analyses on the embedded store, each beside its baseline in the same run:

1. the whole-graph arrays read from the tables (the baseline) against the cache beside the store;
2. the analysis results written back at once (``write_analysis``: a table per family of result
   sets, a row per entity) against one result set at a time into the row-per-result table
   (``write_results``, the way analyze wrote them before);
3. ``analyze`` end to end with its phases;
4. ``analyze`` again with its clusters found in turn (the baseline) and in a second process beside the
   other steps (``queries/clusters_beside.py``), alternating, ``--beside N`` times each (re-analyses of
   the same copy), each process's peak;
5. with ``--against COMMIT``: ``analyze`` as it is by default, by that commit's code (the baseline,
   unpacked from git into the temporary folder and imported first) and by today's, alternating, N of
   each.

    python bench/analysis.py --db STORE [--skip-baseline-write] [--beside N] [--against COMMIT]

The store is copied first (the bench writes to it). Each measurement runs in its own process.
Results go to stdout and ``bench/results/analysis.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from runner import machine_note  # noqa: E402


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(task: str, *args: str, code: Path | None = None) -> dict:
    """``task`` in a process of its own; with ``code``, a folder holding another version of the package
    (imported before the installed one)."""
    env = {**os.environ, "PYTHONPATH": str(code)} if code is not None else None
    out = subprocess.run([sys.executable, __file__, "--task", task, *args], capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(f"the task {task} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def task_read_tables(db: str) -> dict:
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        started = time.perf_counter()
        arrays = store._read_arrays()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "entities": arrays.n, "peak_mib": _peak_mib()}


def task_read_cached(db: str) -> dict:
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        store.export_arrays()  # builds the cache where there is none of this generation
        started = time.perf_counter()
        arrays = store.export_arrays()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "entities": arrays.n, "peak_mib": _peak_mib()}


def task_analyze(db: str, capture: str) -> dict:
    """analyze end to end, keeping what it wrote back for the write-back tasks."""
    import equitygraph.graph.stores.sqlite as sqlite
    from equitygraph.queries.analyze import analyze

    write = sqlite.SQLiteStore.write_analysis
    timing = {}

    def kept(self, results, ids_known=False, **options):
        started = time.perf_counter()
        write(self, results, ids_known, **options)
        timing["write_analysis"] = time.perf_counter() - started
        started = time.perf_counter()
        with open(capture, "wb") as f:  # as given (columns stay columns), for the write-back tasks
            pickle.dump({name: _picklable(values) for name, values in results.items()}, f, protocol=5)
        timing["capture"] = time.perf_counter() - started

    sqlite.SQLiteStore.write_analysis = kept
    with sqlite.SQLiteStore(db) as store:
        started = time.perf_counter()
        result = analyze(store)
        total = time.perf_counter() - started
    phases = dict(result.seconds)
    phases["write back"] -= timing["capture"]  # the bench's own copy is not analyze's work
    return {"seconds": total - timing["capture"], "phases": phases, "write_analysis": timing["write_analysis"],
            "peak_mib": _peak_mib()}


def _picklable(values):
    """A column made as it is written (a function of the analysis's, which pickle cannot carry) as a list."""
    from equitygraph.graph.stores.result_columns import LazyColumn, ResultColumn

    if isinstance(values, ResultColumn) and isinstance(values.values, LazyColumn) and values.values._convert is not None:
        return ResultColumn(values.ids, list(values.values))
    return values


def task_analyze_clusters(db: str, where: str) -> dict:
    """analyze with its clusters ``where`` ("beside" or "in turn"): seconds, phases and the peaks of
    this process and of the second one (its children's high-water mark)."""
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.analyze import analyze

    with SQLiteStore(db) as store:
        started = time.perf_counter()
        result = analyze(store, beside_from=0 if where == "beside" else 10**12)
        total = time.perf_counter() - started
    return {"seconds": total, "phases": result.seconds, "clusters_beside": result.clusters_beside,
            "peak_mib": _peak_mib(), "second_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def task_analyze_default(db: str) -> dict:
    """analyze as the CLI runs it, by whichever code this process imports (the folder it came from)."""
    import equitygraph
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.analyze import analyze

    with SQLiteStore(db) as store:
        started = time.perf_counter()
        result = analyze(store)
        total = time.perf_counter() - started
    return {"seconds": total, "phases": result.seconds, "clusters_beside": result.clusters_beside,
            "code": str(Path(equitygraph.__file__).parent), "peak_mib": _peak_mib(),
            "second_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def unpacked(commit: str, folder: Path) -> tuple[str, Path]:
    """The package as it was at ``commit``, unpacked into ``folder/equitygraph``: (its short hash, ``folder``)."""
    repo = str(HERE.parent)
    short = subprocess.run(["git", "-C", repo, "rev-parse", "--short", commit], check=True, capture_output=True,
                           text=True).stdout.strip()
    (folder / "equitygraph").mkdir(parents=True)
    archive = subprocess.run(["git", "-C", repo, "archive", short], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder / "equitygraph")], input=archive, check=True)
    return short, folder


def task_write_analysis(db: str, capture: str) -> dict:
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with open(capture, "rb") as f:
        results = pickle.load(f)
    with SQLiteStore(db) as store:
        started = time.perf_counter()
        store.write_analysis(results, ids_known=True)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "values": sum(len(v) for v in results.values()), "peak_mib": _peak_mib()}


def task_write_per_name(db: str, capture: str) -> dict:
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with open(capture, "rb") as f:
        results = pickle.load(f)
    with SQLiteStore(db) as store:
        with store._transaction("clear the analysis tables"):  # untimed: as a store before write_analysis
            for table in set(store._layout()["table_of"].values()):
                store._db.execute(f"DROP TABLE {table}")
            store._set_layout({}, set())
        started = time.perf_counter()
        for name, values in results.items():
            store.write_results(name, values)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "values": sum(len(v) for v in results.values()), "peak_mib": _peak_mib()}


TASKS = {"read_tables": task_read_tables, "read_cached": task_read_cached, "analyze": task_analyze,
         "analyze_clusters": task_analyze_clusters, "analyze_default": task_analyze_default,
         "write_analysis": task_write_analysis, "write_per_name": task_write_per_name}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="an embedded store (copied; the copy is written to)")
    parser.add_argument("--skip-baseline-write", action="store_true", help="leave out the slow per-name write-back")
    parser.add_argument("--beside", type=int, default=2, metavar="N",
                        help="analyses with the clusters in turn and beside, N of each, alternating (0: none)")
    parser.add_argument("--against", metavar="COMMIT", help="analyses by this commit's code and today's, alternating, N of each")
    parser.add_argument("--task", choices=sorted(TASKS), help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.task:
        print(json.dumps(TASKS[args.task](*rest)))
        return
    if not args.db:
        parser.error("--db STORE is required")
    results = {"machine": machine_note(), "store": args.db}
    with tempfile.TemporaryDirectory(prefix="eg-analysis-", dir=Path(args.db).resolve().parent) as tmp:
        db = str(Path(tmp) / "bench.db")
        shutil.copy(args.db, db)
        for kept in Path(args.db).parent.glob(Path(args.db).name + ".*"):  # its analysis files, its arrays
            shutil.copy(kept, db + kept.name[len(Path(args.db).name):])
        capture = str(Path(tmp) / "results.pkl")
        results["read_tables"] = _measure("read_tables", db)
        results["read_cached"] = _measure("read_cached", db)
        results["analyze"] = _measure("analyze", db, capture)
        results["write_analysis"] = _measure("write_analysis", db, capture)
        if not args.skip_baseline_write:
            results["write_per_name"] = _measure("write_per_name", db, capture)
        results["clusters_in_turn"], results["clusters_beside"] = [], []
        for _ in range(args.beside):
            results["clusters_in_turn"].append(_measure("analyze_clusters", db, "in turn"))
            results["clusters_beside"].append(_measure("analyze_clusters", db, "beside"))
        if args.against:
            commit, code = unpacked(args.against, Path(tmp) / "against")
            results["against"] = {"commit": commit, "then": [], "now": []}
            for _ in range(args.beside):
                results["against"]["then"].append(_measure("analyze_default", db, code=code))
                results["against"]["now"].append(_measure("analyze_default", db))
            if not all(run["code"].startswith(str(code)) for run in results["against"]["then"]):
                raise SystemExit(f"the analyses of {commit} ran another version of the code")
    r = results
    print(f"machine: {r['machine']}")
    print(f"arrays: from the tables {r['read_tables']['seconds']:.1f} s, from the cache {r['read_cached']['seconds']:.2f} s "
          f"({r['read_tables']['seconds'] / r['read_cached']['seconds']:.0f}x), {r['read_tables']['entities']:,} entities")
    line = f"write-back: at once {r['write_analysis']['seconds']:.1f} s ({r['write_analysis']['values']:,} values)"
    if "write_per_name" in r:
        line += (f", one set at a time {r['write_per_name']['seconds']:.1f} s "
                 f"({r['write_per_name']['seconds'] / r['write_analysis']['seconds']:.1f}x)")
    print(line)
    phases = ", ".join(f"{k} {v:.1f}" for k, v in r["analyze"]["phases"].items())
    print(f"analyze: {r['analyze']['seconds']:.1f} s ({phases}), peak {r['analyze']['peak_mib']:.0f} MiB")
    for turn, beside in zip(r["clusters_in_turn"], r["clusters_beside"]):
        print(f"re-analysis: clusters in turn {turn['seconds']:.1f} s (peak {turn['peak_mib']:.0f} MiB), beside "
              f"{beside['seconds']:.1f} s ({turn['seconds'] / beside['seconds']:.2f}x; peaks {beside['peak_mib']:.0f} "
              f"+ {beside['second_peak_mib']:.0f} MiB; the clusters {beside['clusters_beside']:.1f} s in the second "
              f"process, waited {beside['phases']['clusters']:.1f} s)")
        for name, run in (("in turn", turn), ("beside", beside)):
            print(f"  {name}: " + ", ".join(f"{k} {v:.1f}" for k, v in run["phases"].items()))
    for then, now in zip(r.get("against", {}).get("then", []), r.get("against", {}).get("now", [])):
        print(f"analyze by {r['against']['commit']}: {then['seconds']:.1f} s (peaks {then['peak_mib']:.0f} + "
              f"{then['second_peak_mib']:.0f} MiB), by today's code {now['seconds']:.1f} s (peaks {now['peak_mib']:.0f} + "
              f"{now['second_peak_mib']:.0f} MiB; {then['seconds'] / now['seconds']:.2f}x)")
        for name, run in ((r["against"]["commit"], then), ("today", now)):
            print(f"  {name}: " + ", ".join(f"{k} {v:.1f}" for k, v in run["phases"].items()) +
                  (f"; the clusters {run['clusters_beside']:.1f} s in the second process" if run["clusters_beside"] else ""))
    out = HERE / "results" / "analysis.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
