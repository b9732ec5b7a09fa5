"""Where ``analyze`` spends its time and memory, step by step, on one embedded store:

    python bench/analyze_memory.py --db STORE [--limit-gib 21] [--no-clusters]
                                   [--engine spark --master local[2] --spark-conf KEY=VALUE ...]

``analyze`` runs in this process; each step (as its progress line names it) gets its seconds, the
memory resident when it began and the peak while it ran: the kernel's high-water mark of the
process (``VmHWM``), reset at each step's start (``/proc/self/clear_refs``), so that a step spent in
one C call holding the interpreter (igraph's Leiden) is measured too; where the mark cannot be reset,
a thread samples the resident memory ten times a second (and misses such a step's peak). A watching
process stops the analysis past ``--limit-gib`` and says in which step, so a size too large for the
machine still shows where the memory went; a run stopped from outside (SIGTERM, Ctrl-C) reports the
steps it reached, the last one's ``seconds_so_far``. The store is analysed in place
(its results are written back, as ``equitygraph analyze`` does). Results go to stdout and
``bench/results/analyze_memory.json`` (``analyze_memory_spark.json`` on Spark).

With ``--engine spark`` the whole-graph steps run on Spark, whose JVM and Python workers are processes
under this one: each step also gets ``tree_peak_mib``, the resident memory of the whole process tree
(sampled twice a second), and the limit applies to the tree. This is how a store too large to copy
(ten million companies) is measured on Spark in place.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from runner import machine_note, tree_rss  # noqa: E402


def _resident_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def _high_water_mib() -> float | None:
    """The most memory the process has had resident since the mark was last reset."""
    with open("/proc/self/status") as f:
        return next((int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:")), None)


def _reset_high_water() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


#: Run as its own process: stops the analysis past the limit, even inside a C call holding the
#: interpreter, and reports the steps it had reached (as the analysis wrote them down).
WATCHER = """
import json, os, signal, sys, time
sys.path.insert(0, sys.argv[5])
from runner import tree_rss
pid, limit, state, whole_tree = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4] == "tree"
page = os.sysconf("SC_PAGE_SIZE") / 2 ** 20
while True:
    try:
        with open(f"/proc/{pid}/statm") as f:
            resident = int(f.read().split()[1]) * page
    except OSError:
        break
    if whole_tree:
        resident = tree_rss(pid, leave_out=os.getpid()) / 2 ** 20
    if resident > limit:
        os.kill(pid, signal.SIGKILL)  # Spark's JVM exits when its driver's connection closes
        report = json.load(open(state))
        report["steps"][-1]["peak_mib"] = max(report["steps"][-1]["peak_mib"], round(resident))
        report["stopped"] = "at the memory limit in " + report["steps"][-1]["step"]
        print(json.dumps(report, indent=2), flush=True)
        os.unlink(state)
        break
    time.sleep(0.5 if whole_tree else 0.1)  # a walk over /proc is milliseconds: not ten a second beside the bench
"""


class StepMemory:
    """Per step: seconds, resident memory at its start and its peak (the kernel's mark, or sampled
    every ``every`` s where it cannot be reset)."""

    def __init__(self, limit_mib: float, every: float = 0.1, whole_tree: bool = False):
        self.steps: list[dict] = []
        self.limit_mib, self.every, self.whole_tree = limit_mib, every, whole_tree
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._kernel_mark = _reset_high_water() and _high_water_mib() is not None
        self._state = HERE / "results" / f".analyze_memory.{os.getpid()}.json"
        self._state.parent.mkdir(exist_ok=True)
        self._watcher = None
        self._machine = machine_note()

    def begin(self, name: str) -> None:
        now, resident = time.perf_counter(), _resident_mib()
        with self._lock:
            if self.steps:
                step = self.steps[-1]
                step["seconds"] = round(now - step.pop("_started"), 2)
                if self._kernel_mark:
                    step["peak_mib"] = max(step["peak_mib"], round(_high_water_mib()))
            self.steps.append({"step": name, "start_mib": round(resident), "peak_mib": round(resident),
                               "_started": now} | ({"tree_peak_mib": round(self._tree_mib())} if self.whole_tree else {}))
            if self._kernel_mark:
                _reset_high_water()
            self._state.write_text(json.dumps(self._said()))
        if (self.whole_tree or not self._kernel_mark) and not self._thread.is_alive():
            self._thread.start()
        if self._watcher is None:
            self._watcher = subprocess.Popen([sys.executable, "-c", WATCHER, str(os.getpid()), str(self.limit_mib),
                                              str(self._state), "tree" if self.whole_tree else "process", str(HERE)])

    def end(self) -> None:
        self.begin("(end)")
        self._stop.set()
        self.steps.pop()
        self._watcher.kill()
        self._state.unlink(missing_ok=True)

    def _sample(self) -> None:
        said = time.perf_counter()
        while not self._stop.wait(0.5 if self.whole_tree else self.every):
            resident = _resident_mib()
            tree = self._tree_mib() if self.whole_tree else 0
            with self._lock:
                step = self.steps[-1]
                if not self._kernel_mark:
                    step["peak_mib"] = max(step["peak_mib"], round(resident))
                if self.whole_tree:
                    step["tree_peak_mib"] = max(step["tree_peak_mib"], round(tree))
                if time.perf_counter() - said > 30:  # what a run stopped from outside had reached
                    self._state.write_text(json.dumps(self._said()))
                    said = time.perf_counter()

    def stopped(self, why: str) -> None:
        """The report of a run stopped before its end: the steps reached, the last one's seconds so far."""
        with self._lock:
            step = self.steps[-1]
            step["seconds_so_far"] = round(time.perf_counter() - step["_started"], 2)
            if self._kernel_mark:
                step["peak_mib"] = max(step["peak_mib"], round(_high_water_mib()))
        self._stop.set()
        self._watcher.kill()
        self._report(stopped=f"{why} in {step['step']}")
        self._state.unlink(missing_ok=True)

    def _tree_mib(self) -> float:
        """This process and everything under it but the watcher."""
        return tree_rss(os.getpid(), leave_out=self._watcher.pid if self._watcher else None) / 2 ** 20

    def _said(self) -> dict:
        steps = [{k: v for k, v in s.items() if not k.startswith("_")} for s in self.steps]
        return {"machine": self._machine, "steps": steps,
                "peak_measured_by": "kernel high-water mark" if self._kernel_mark else "sampling"}

    def _report(self, **extra) -> None:
        with self._lock:
            out = {**self._said(), **extra}
        (HERE / "results").mkdir(exist_ok=True)
        name = "analyze_memory_spark.json" if self.whole_tree else "analyze_memory.json"
        (HERE / "results" / name).write_text(json.dumps(out, indent=2))
        print(json.dumps(out, indent=2), flush=True)


_STOPPED_FROM_OUTSIDE = []


def _stop_from_outside(signum, frame):
    _STOPPED_FROM_OUTSIDE.append(signum)
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--limit-gib", type=float, default=21)
    parser.add_argument("--no-clusters", action="store_true")
    parser.add_argument("--engine", choices=("in-process", "spark"), default="in-process")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.analyze import analyze

    on_spark = args.engine == "spark"
    memory = StepMemory(args.limit_gib * 1024, whole_tree=on_spark)
    engine = None
    if on_spark:
        from equitygraph.graph.spark import SparkEngine

        engine = SparkEngine(args.master, dict(kv.split("=", 1) for kv in args.spark_conf))
    started = time.perf_counter()
    if engine is not None:
        engine.spark  # started here, so that its start-up is in the whole and not in a step, and the
        # handlers below replace the one pyspark sets for SIGINT (which answers with a Spark error)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop_from_outside)
    try:
        with SQLiteStore(args.db) as store:
            result = analyze(store, progress=memory.begin, with_clusters=not args.no_clusters, engine=engine)
    except BaseException:  # SIGINT or SIGTERM: a run longer than the time it was given
        if not _STOPPED_FROM_OUTSIDE:
            raise
        memory.stopped("from outside")  # inside a Spark job the interrupt comes back as Spark's own error
        raise SystemExit(1) from None
    finally:
        if engine is not None:
            engine.stop()
    memory.end()
    spark = {"engine": "spark", "master": args.master, "spark_conf": args.spark_conf,
             "rounds": result.rounds} if on_spark else {"engine": "in-process"}
    memory._report(seconds=round(time.perf_counter() - started, 2), companies=result.companies,
                   analyze_seconds={k: round(v, 2) for k, v in result.seconds.items()}, **spark)


if __name__ == "__main__":
    main()
