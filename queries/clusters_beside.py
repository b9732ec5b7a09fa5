"""The clusters of an analysis found in a second process, beside the steps that do not need them.

Clusters (components, then Leiden over the large ones) hold the interpreter for most of their time, and
nothing else an analysis does depends on them until the write-back. On a machine with a second core
they can run in a second Python process while this one decides control, integrates ownership, finds
the groups and scores risk: at a million companies the clusters' 18 s then cost only the wait for
what is left of them. The second process reads the same whole-graph arrays from the file the store
keeps beside it (:mod:`..graph.stores.arrays_cache`) and hands back the cluster table's arrays.

It is used only where it pays and fits: an embedded store whose arrays file is of the store's
generation, the in-process engine, a graph large enough for a process's start to be small beside its
clusters, a second core, and memory for both processes' peaks. Elsewhere (and when the second process
fails to start or is killed) the clusters are found here, in turn: the same clusters either way.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from pathlib import Path

import numpy as np

from ..graph import cancel
from ..graph.analysis.clusters import ClusterTable, clusters
from ..graph.analysis.engine import IN_PROCESS
from ..graph.stores import arrays_cache
from ..graph.stores.sqlite import SQLiteStore

#: Below this many entities the clusters take a few seconds: less than starting a process is worth.
MIN_ENTITIES = 500_000
#: Both processes' peaks together, in multiples of the arrays' size (measured: at ten million companies
#: 13.8 GiB for the clusters, with their own copy of the 4.4 GiB of arrays, beside 15.1 GiB for risk).
PEAK_PER_ARRAYS_BYTE = 7


def arrays_bytes(arrays) -> int:
    """The bytes the whole-graph arrays take (their numpy columns and the ids' buffers)."""
    held = sum(v.nbytes for v in vars(arrays).values() if isinstance(v, np.ndarray))
    return held + sum(b.nbytes for b in arrays.ids.buffers())


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
    if engine is not IN_PROCESS or not isinstance(store, SQLiteStore) or store.path == ":memory:":
        return None
    if arrays.n < (MIN_ENTITIES if min_entities is None else min_entities) or (os.cpu_count() or 1) < 2:
        return None
    memory = available_memory()
    if memory is None or PEAK_PER_ARRAYS_BYTE * arrays_bytes(arrays) > memory:
        return None
    generation = store.get_meta("generation")
    path = arrays_cache.cache_path(store.path)
    if generation is None or not path.is_file():
        return None
    return ClustersBeside(str(path), generation, as_of, decisions)


class ClustersBeside:
    """A second process finding the clusters; :meth:`result` waits for them, :meth:`close` ends it."""

    def __init__(self, path: str, generation: str, as_of, decisions):
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no thread or lock of ours forked
        self._receiving, sending = context.Pipe(duplex=False)
        self._process = context.Process(target=_find, args=(sending, path, generation, as_of, list(decisions)),
                                        name="equitygraph-clusters", daemon=True)
        self._process.start()
        sending.close()  # ours: so that the end of the second process is an end of the pipe here

    def result(self, arrays) -> ClusterTable | None:
        """The cluster table over ``arrays`` (those the second process read), or None where it found
        none: its arrays file gone or of another generation, or the process stopped from outside. An
        error in the clusters themselves is raised here, as it would have been in turn."""
        try:
            while not self._receiving.poll(0.2):
                cancel.checkpoint()  # the explorer's caller may give up meanwhile
                if not self._process.is_alive() and not self._receiving.poll(0):
                    return None
            kind, payload = self._receiving.recv()
        except (EOFError, OSError):
            return None
        if kind == "error":
            said, where = payload
            error = RuntimeError(f"finding the clusters in a second process: {said}")
            error.add_note(where)  # its traceback there, for whoever reads a report of it
            raise error
        if kind != "table":
            return None
        table = ClusterTable(arrays, *payload["parts"])
        table.seconds = payload["seconds"]
        return table

    def close(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._receiving.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _find(sending, path: str, generation: str, as_of, decisions) -> None:
    """In the second process: the clusters of the arrays kept at ``path``, sent back as arrays."""
    try:
        arrays = arrays_cache.load(Path(path), generation)
        if arrays is None:
            sending.send(("missing", None))
            return
        table = clusters(arrays, as_of=as_of, decisions=decisions)
        sending.send(("table", {"parts": table.parts(), "seconds": table.seconds}))
    except Exception as e:  # noqa: BLE001 - told to the analysis, which raises it
        sending.send(("error", ("".join(traceback.format_exception_only(e)).strip(), traceback.format_exc())))
    finally:
        sending.close()
