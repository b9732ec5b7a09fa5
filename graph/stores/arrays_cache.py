"""The whole-graph arrays kept on disk, so that every analysis after the first reads them in a second
instead of converting the tables again: an embedded store's beside it (``case.db.arrays.npz``), a Neo4j
database's in the user's cache folder (:func:`server_cache_path`), since the server is not ours to
write beside (and may be another machine's).

The cache names the store's generation, a token every write of records changes; a cache of another
generation, or one that cannot be read, is ignored (and rebuilt by a store opened for writing). It is
written whole to a temporary file and renamed, readable by its owner only, as the store is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..arrays import GraphArrays
from .private_files import open_private
from ..texts import TextColumn

FORMAT = "2"
_TEXT_FIELDS = ("ids", "officer_roles")


def cache_path(db_path: str | Path) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + ".arrays.npz")


def server_cache_path(address: str, suffix: str = ".arrays.npz") -> Path | None:
    """Where the arrays (or what ``suffix`` names) of the database at ``address`` (a server's URI and
    database) are kept: ``$EQUITYGRAPH_CACHE`` if set (set empty, nothing is kept), else
    ``$XDG_CACHE_HOME/equitygraph``, else ``~/.cache/equitygraph``; named by a hash of the address."""
    folder = os.environ.get("EQUITYGRAPH_CACHE")
    if folder is None:
        folder = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "equitygraph")
    if not folder:
        return None
    name = hashlib.sha256(address.encode("utf-8")).hexdigest()[:24]
    return Path(folder) / "neo4j" / f"{name}{suffix}"


def save(path: Path, arrays: GraphArrays, generation: str) -> None:
    """Write the cache. Texts are kept as their UTF-8 bytes and offsets (:class:`~..texts.TextColumn`):
    the ids of a bulk load are never made Python strings (70 million of them are 5.6 GiB)."""
    columns = {f.name: getattr(arrays, f.name) for f in dataclasses.fields(arrays)
               if isinstance(getattr(arrays, f.name), np.ndarray)}
    for name in _TEXT_FIELDS:
        columns[name + "_data"], columns[name + "_offsets"] = TextColumn.of(getattr(arrays, name)).buffers()
    keys = sorted(arrays.identity)
    columns["identity_index"] = np.array(keys, dtype=np.int64)
    columns["identity_data"], columns["identity_offsets"] = TextColumn.of([arrays.identity[k] for k in keys]).buffers()
    columns["stamp"] = np.frombuffer(f"{FORMAT}:{generation}".encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open_private(path, "wb") as f:
        np.savez(f.file, **columns)


def load(path: Path, generation: str) -> GraphArrays | None:
    """The cached arrays, or None where there is no cache of this generation."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if bytes(data["stamp"]).decode("utf-8") != f"{FORMAT}:{generation}":
                return None
            values = {name: data[name] for name in data.files}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        return None
    try:
        texts = {name: TextColumn.from_buffers(values.pop(name + "_data"), values.pop(name + "_offsets"))
                 for name in (*_TEXT_FIELDS, "identity")}
    except (KeyError, ValueError, pa.ArrowException):
        return None
    texts["officer_roles"] = list(texts["officer_roles"])
    identity = dict(zip(values.pop("identity_index").tolist(), texts.pop("identity")))
    values.pop("stamp")
    fields = {f.name for f in dataclasses.fields(GraphArrays)}
    return GraphArrays(**texts, **{k: v for k, v in values.items() if k in fields}, identity=identity)
