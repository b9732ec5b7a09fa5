"""What every benchmark shares: the machine note, a Neo4j server of its own, and each task measured in
a process of its own (so that its peak memory is its own)."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASE_FILES = ("entities", "holdings", "officers", "events")


def machine_note() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, {platform.system()}"


@contextlib.contextmanager
def local_neo4j(prefix: str, memory: str):
    """A Neo4j server of the benchmark's own (the jars from Maven Central, a temporary home, Bolt on
    127.0.0.1, authentication off, ``memory`` of heap and as much page cache), stopped afterwards."""
    from equitygraph.graph.stores.neo4j_server import Neo4jServer, free_port

    lib = Neo4jServer(HERE.parent / ".neo4j")
    lib.install()
    with tempfile.TemporaryDirectory(prefix=prefix) as home:
        server = Neo4jServer(home, port=free_port(), lib=lib.lib)
        server.start(heap=memory, pagecache=memory, auth=False)
        try:
            yield server
        finally:
            server.stop()


def measure(task: str, *args: str) -> dict:
    """Run one task in a fresh interpreter; it prints a JSON line with its figures."""
    out = subprocess.run([sys.executable, str(HERE / "run.py"), "--task", task, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def csv_rows(case: Path) -> int:
    rows = 0
    for name in CASE_FILES:
        with open(case / f"{name}.csv", "rb") as f:
            rows += sum(1 for _ in f) - 1
    return rows
