"""The clusters of an analysis found in a second process, beside the steps that do not need them.

Clusters (components, then Leiden over the large ones) hold the interpreter for most of their time, and
nothing else an analysis does depends on them until the write-back. On a machine with a second core
they can run in a second Python process while this one decides control, integrates ownership, finds
the groups and scores risk: at a million companies the clusters' 18 s then cost only the wait for
what is left of them. The second process (a fresh interpreter running this module) reads the same
whole-graph arrays from the file the store keeps beside it (:mod:`..graph.stores.arrays_cache`), writes
the clusters' results into an analysis file of their own (the store's commit of the analysis names it
with the rest) and hands back the cluster table's arrays.

It is used only where it pays and fits: a store whose arrays file is of its generation (an embedded
store's beside it, where the second process also writes the clusters' results; a Neo4j database's in
the user's cache, whose clusters this process writes back with the rest), the in-process engine, a
graph large enough for a process's start to be small beside its clusters, a second core, and memory
for both processes' peaks. Elsewhere (and when the second process
fails to start or is killed) the clusters are found here, in turn: the same clusters either way.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

from ..graph import cancel
from ..graph.analysis.clusters import ClusterTable, clusters
from ..graph.analysis.engine import IN_PROCESS
from ..graph.stores import arrays_cache
from ..graph.stores.sqlite import SQLiteStore
from ..graph.stores.sqlite_analysis_files import file_of, new_token
from ..graph.stores.sqlite_results import write_apart
from .analysis_columns import IdStrings, cluster_results

#: Below this many entities the clusters take a few seconds: less than starting a process is worth.
MIN_ENTITIES = 500_000
#: Both processes' peaks together, in multiples of the arrays' size, rounded up from the largest measured:
#: at a million companies 1,954 + 1,784 MiB for 444 MiB of arrays (8.4x); at ten million, in turn, 15.1 GiB
#: for risk and 13.8 GiB for the clusters with their own copy of the 4.4 GiB of arrays (6.6x).
PEAK_PER_ARRAYS_BYTE = 9


def arrays_bytes(arrays) -> int:
    """The bytes the whole-graph arrays take (their numpy columns and the ids' buffers)."""
    held = sum(v.nbytes for v in vars(arrays).values() if isinstance(v, np.ndarray))
    return held + sum(b.nbytes for b in arrays.ids.buffers())


def cores() -> int:
    """The cores this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def available_memory() -> int | None:
    """The bytes the kernel says can be given to a new process without swapping (Linux), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def start(store, arrays, as_of, decisions, engine=IN_PROCESS, min_entities: int | None = None):
    """The clusters of ``arrays`` under way in a second process (:class:`ClustersBeside`), or None where
    that would not pay or fit (the caller then finds them in turn)."""
    if engine is not IN_PROCESS:
        return None
    if arrays.n < (MIN_ENTITIES if min_entities is None else min_entities) or cores() < 2:
        return None
    memory = available_memory()
    if memory is None or PEAK_PER_ARRAYS_BYTE * arrays_bytes(arrays) > memory:
        return None
    generation = store.get_meta("generation")
    path = store.kept_file(".arrays.npz")  # beside an embedded store; a Neo4j database's in the user's cache
    if generation is None or path is None or not path.is_file():
        return None
    writes_apart = isinstance(store, SQLiteStore)  # whose analyses are files the second process can add to
    return ClustersBeside(str(path), generation, as_of, decisions, store.path if writes_apart else None)


class ClustersBeside:
    """A second process finding the clusters and, given the store's path, writing their results into an
    analysis file of their own (:attr:`apart`, for the store's ``write_analysis`` to name: the analysis
    sets :attr:`landed` once it has); :meth:`result` waits for them, :meth:`close` ends the process and
    deletes a file written for an analysis that did not land."""

    def __init__(self, path: str, generation: str, as_of, decisions, store_path: str | None = None):
        self._store_path = store_path
        self._token = new_token()  # of the file it writes, known here: deleted if the analysis does not land
        self.apart: tuple[str, dict[str, str], set[str]] | None = None
        self.landed = False
        handle, self._answer = tempfile.mkstemp(prefix="equitygraph-clusters-", suffix=".pickle")  # owner-only
        os.close(handle)
        # A fresh interpreter running this module (not multiprocessing's spawn, which runs the caller's
        # main script again where it has no __main__ guard); the question on its standard input.
        self._process = subprocess.Popen([sys.executable, "-m", __name__, self._answer], stdin=subprocess.PIPE,
                                         stdout=subprocess.DEVNULL)  # its stderr ours: a crash there is seen
        with self._process.stdin as asking:
            pickle.dump((path, generation, as_of, list(decisions), store_path, self._token), asking)

    @property
    def writes_apart(self) -> bool:
        """Whether the second process writes the clusters' results itself (an embedded store's)."""
        return self._store_path is not None

    def result(self, arrays) -> ClusterTable | None:
        """The cluster table over ``arrays`` (those the second process read), or None where it found
        none: its arrays file gone or of another generation, or the process stopped from outside. An
        error in the clusters themselves is raised here, as it would have been in turn."""
        while True:
            try:
                self._process.wait(0.2)
                break
            except subprocess.TimeoutExpired:
                cancel.checkpoint()  # the explorer's caller may give up meanwhile
        try:
            with open(self._answer, "rb") as f:
                kind, payload = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError):
            return None  # stopped from outside before it answered (the out-of-memory killer, say)
        if kind == "error":
            said, where = payload
            error = RuntimeError(f"finding the clusters in a second process: {said}")
            error.add_note(where)  # its traceback there, for whoever reads a report of it
            raise error
        if kind != "table":
            return None
        table = ClusterTable(arrays, *payload["parts"])
        table.seconds = payload["seconds"]
        self.apart = payload["apart"]
        return table

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        os.unlink(self._answer)
        if self._store_path is not None and not self.landed:  # its file (whole, half-written or none), and ours
            for token in {self._token, *([self.apart[0]] if self.apart else [])}:
                file_of(self._store_path, token).unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _find(path: str, generation: str, as_of, decisions, store_path: str | None, token: str) -> tuple[str, object]:
    """In the second process: the clusters of the arrays kept at ``path`` as arrays, their results
    written apart for the store at ``store_path`` where given, in the analysis file ``token`` names
    (timed with them)."""
    try:
        arrays = arrays_cache.load(Path(path), generation)
        if arrays is None:
            return "missing", None
        table = clusters(arrays, as_of=as_of, decisions=decisions)
        apart = None
        if store_path is not None:
            started = time.perf_counter()
            apart = write_apart(store_path, cluster_results(table, IdStrings(arrays.ids)), token)
            table.seconds["written"] = time.perf_counter() - started
        return "table", {"parts": table.parts(), "seconds": table.seconds, "apart": apart}
    except Exception as e:  # noqa: BLE001 - told to the analysis, which raises it
        return "error", ("".join(traceback.format_exception_only(e)).strip(), traceback.format_exc())


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the analysis's to handle: it ends this process
    answer = _find(*pickle.load(sys.stdin.buffer))
    with open(sys.argv[1], "wb") as out:  # the file the analysis made for the answer, owner-only
        pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
