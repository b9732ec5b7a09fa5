"""Where ``analyze`` spends its time and memory, step by step, on one embedded store:

    python bench/analyze_memory.py --db STORE [--limit-gib 21] [--no-clusters]

``analyze`` runs in this process while a thread samples its resident memory ten times a second;
each step (as its progress line names it) gets its seconds, the memory resident when it began and
the peak while it ran. Past ``--limit-gib`` the process stops itself and says in which step, so a
size too large for the machine still shows where the memory went. The store is analysed in place
(its results are written back, as ``equitygraph analyze`` does). Results go to stdout and
``bench/results/analyze_memory.json``.
"""

from __future__ import annotations

import argparse
import json
import os
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


class StepMemory:
    """Per step: seconds, resident memory at its start and its peak (sampled every ``every`` s)."""

    def __init__(self, limit_mib: float, every: float = 0.1):
        self.steps: list[dict] = []
        self.limit_mib, self.every = limit_mib, every
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def begin(self, name: str) -> None:
        now, resident = time.perf_counter(), _resident_mib()
        with self._lock:
            if self.steps:
                self.steps[-1]["seconds"] = round(now - self.steps[-1].pop("_started"), 2)
            self.steps.append({"step": name, "start_mib": round(resident), "peak_mib": round(resident),
                               "_started": now})
        if not self._thread.is_alive():
            self._thread.start()

    def end(self) -> None:
        self.begin("(end)")
        self._stop.set()
        self.steps.pop()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            resident = _resident_mib()
            with self._lock:
                step = self.steps[-1]
                step["peak_mib"] = max(step["peak_mib"], round(resident))
            if resident > self.limit_mib:
                self._report(stopped=f"at the memory limit in {step['step']}")
                os._exit(3)

    def _report(self, **extra) -> None:
        with self._lock:
            steps = [{k: v for k, v in s.items() if not k.startswith("_")} for s in self.steps]
        out = {"machine": machine_note(), "steps": steps, **extra}
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
