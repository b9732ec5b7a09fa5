"""What every benchmark shares: the machine note, a Neo4j server of its own, and each task measured in
a process of its own (so that its peak memory is its own)."""

from __future__ import annotations

import contextlib
import dataclasses
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


def tree_rss(root: int, leave_out: int | None = None) -> int:
    """Resident bytes of ``root`` and every process under it (read from /proc), but ``leave_out``
    and the processes under that one (a watcher the measured process started)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree and pid != leave_out} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total


@dataclasses.dataclass
class Finished:
    """What :func:`run_command` saw: exit code, stdout, the tail of stderr, wall seconds, the peak
    resident memory of the command's process tree, and whether it was stopped at the memory limit."""
    returncode: int
    out: str
    errors: str
    seconds: float
    peak_mib: float
    stopped_at_limit: bool = False


def run_command(*args: str, limit_mib: float | None = None, cwd: str | None = None) -> Finished:
    """``equitygraph ARGS`` as a whole process (the one beside this interpreter), its process tree's
    resident memory sampled twice a second; stopped (SIGKILL) when it passes ``limit_mib``, so that a
    measurement that cannot fit the machine says how far it got instead of taking the machine down."""
    import signal
    import threading
    import time

    command = Path(sys.executable).parent / "equitygraph"
    errors = tempfile.TemporaryFile("w+")
    started = time.perf_counter()
    process = subprocess.Popen([str(command), *args], stdout=subprocess.PIPE, stderr=errors, text=True, cwd=cwd,
                               start_new_session=True)
    peak, stopped, finished = [0], [False], threading.Event()

    def sample():
        while not finished.is_set():
            peak[0] = max(peak[0], tree_rss(process.pid))
            if limit_mib is not None and peak[0] > limit_mib * 2 ** 20:
                stopped[0] = True
                os.killpg(process.pid, signal.SIGKILL)
                return
            finished.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = process.stdout.read()
    # wait4, not Popen.wait: the kernel's own peak of the process, which sampling misses in a short one
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    finished.set()
    sampler.join()
    process.stdout.close()
    peak[0] = max(peak[0], usage.ru_maxrss * 1024)
    errors.seek(0)
    return Finished(process.returncode, out, errors.read()[-3000:], seconds, peak[0] / 2 ** 20, stopped[0])
