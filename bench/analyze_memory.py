"""Where ``analyze`` spends its time and memory, step by step, on one embedded store:

    python bench/analyze_memory.py --db STORE [--limit-gib 21] [--no-clusters]

``analyze`` runs in this process; each step (as its progress line names it) gets its seconds, the
memory resident when it began and the peak while it ran: the kernel's high-water mark of the
process (``VmHWM``), reset at each step's start (``/proc/self/clear_refs``), so that a step spent in
one C call holding the interpreter (igraph's Leiden) is measured too; where the mark cannot be reset,
a thread samples the resident memory ten times a second (and misses such a step's peak). A watching
process stops the analysis past ``--limit-gib`` and says in which step, so a size too large for the
machine still shows where the memory went. The store is analysed in place
(its results are written back, as ``equitygraph analyze`` does). Results go to stdout and
``bench/results/analyze_memory.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from runner import machine_note  # noqa: E402


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
pid, limit, state = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
page = os.sysconf("SC_PAGE_SIZE") / 2 ** 20
while True:
    try:
        with open(f"/proc/{pid}/statm") as f:
            resident = int(f.read().split()[1]) * page
    except OSError:
        break
    if resident > limit:
        os.kill(pid, signal.SIGKILL)
        report = json.load(open(state))
        report["steps"][-1]["peak_mib"] = max(report["steps"][-1]["peak_mib"], round(resident))
        report["stopped"] = "at the memory limit in " + report["steps"][-1]["step"]
        print(json.dumps(report, indent=2), flush=True)
        os.unlink(state)
        break
    time.sleep(0.1)
"""


class StepMemory:
    """Per step: seconds, resident memory at its start and its peak (the kernel's mark, or sampled
    every ``every`` s where it cannot be reset)."""

    def __init__(self, limit_mib: float, every: float = 0.1):
        self.steps: list[dict] = []
        self.limit_mib, self.every = limit_mib, every
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
                               "_started": now})
            if self._kernel_mark:
                _reset_high_water()
            self._state.write_text(json.dumps(self._said()))
        if not self._kernel_mark and not self._thread.is_alive():
            self._thread.start()
        if self._watcher is None:
            self._watcher = subprocess.Popen([sys.executable, "-c", WATCHER, str(os.getpid()), str(self.limit_mib),
                                              str(self._state)])

    def end(self) -> None:
        self.begin("(end)")
        self._stop.set()
        self.steps.pop()
        self._watcher.kill()
        self._state.unlink(missing_ok=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            resident = _resident_mib()
            with self._lock:
                step = self.steps[-1]
                step["peak_mib"] = max(step["peak_mib"], round(resident))

    def _said(self) -> dict:
        steps = [{k: v for k, v in s.items() if not k.startswith("_")} for s in self.steps]
        return {"machine": self._machine, "steps": steps,
                "peak_measured_by": "kernel high-water mark" if self._kernel_mark else "sampling"}

    def _report(self, **extra) -> None:
        with self._lock:
            out = {**self._said(), **extra}
        (HERE / "results").mkdir(exist_ok=True)
        (HERE / "results" / "analyze_memory.json").write_text(json.dumps(out, indent=2))
        print(json.dumps(out, indent=2), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--limit-gib", type=float, default=21)
    parser.add_argument("--no-clusters", action="store_true")
    args = parser.parse_args()
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.analyze import analyze

    memory = StepMemory(args.limit_gib * 1024)
    started = time.perf_counter()
    with SQLiteStore(args.db) as store:
        result = analyze(store, progress=memory.begin, with_clusters=not args.no_clusters)
    memory.end()
    memory._report(seconds=round(time.perf_counter() - started, 2), companies=result.companies,
                   analyze_seconds={k: round(v, 2) for k, v in result.seconds.items()})


if __name__ == "__main__":
    main()
