"""The whole-graph arrays of an embedded store kept beside it (``case.db.arrays.npz``), so that every
analysis after the first reads them in a second instead of converting the tables again.

The cache names the store's generation, a token every write of records changes; a cache of another
generation, or one that cannot be read, is ignored (and rebuilt by a store opened for writing). It is
written whole to a temporary file and renamed, readable by its owner only, as the store is.
"""

from __future__ import annotations

import dataclasses
import os
import zipfile
from pathlib import Path

import numpy as np

from ..arrays import GraphArrays

FORMAT = "1"
_SEPARATOR = "\x00"
_TEXT_FIELDS = ("ids", "officer_roles")


def cache_path(db_path: str | Path) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + ".arrays.npz")


def save(path: Path, arrays: GraphArrays, generation: str) -> bool:
    """Write the cache; False (and nothing written) where an id holds the separator. The ids may be a
    pyarrow string array (a bulk load's, never made Python strings: 70 million of them are 5.6 GiB)."""
    columns = {f.name: getattr(arrays, f.name) for f in dataclasses.fields(arrays)
               if isinstance(getattr(arrays, f.name), np.ndarray)}
    for name in _TEXT_FIELDS:
        values = getattr(arrays, name)
        joined = _joined(values)
        if joined is None:
            return False
        columns[name] = joined
        columns[name + "_count"] = np.array([len(values)])
    keys = sorted(arrays.identity)
    columns["identity_index"] = np.array(keys, dtype=np.int64)
    columns["identity_key"] = np.frombuffer(_SEPARATOR.join(arrays.identity[k] for k in keys).encode("utf-8"),
                                            dtype=np.uint8)
    columns["stamp"] = np.frombuffer(f"{FORMAT}:{generation}".encode("utf-8"), dtype=np.uint8)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(temporary, "wb", opener=lambda name, flags: os.open(name, flags, 0o600)) as f:
        np.savez(f, **columns)
    os.replace(temporary, path)
    return True


def _joined(values) -> np.ndarray | None:
    """The texts' UTF-8 bytes joined by the separator (None where one holds it): from a list of str,
    or from a pyarrow string array's own buffers, with no Python string made.

    Examples
    --------
    >>> import pyarrow as pa
    >>> bytes(_joined(pa.array(["a", "", "bc"]))) == bytes(_joined(["a", "", "bc"])) == b"a\\x00\\x00bc"
    True
    >>> _joined(pa.array(["a\\x00b"])) is None, bytes(_joined(pa.array(["xy", "z"], pa.large_string())[1:]))
    (True, b'z')
    """
    if not hasattr(values, "buffers"):
        if any(_SEPARATOR in text for text in values):
            return None
        return np.frombuffer(_SEPARATOR.join(values).encode("utf-8"), dtype=np.uint8)
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(values) == 0:
        return np.zeros(0, dtype=np.uint8)
    if pc.any(pc.match_substring(values, _SEPARATOR)).as_py():
        return None
    width = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=width)[values.offset:values.offset + len(values) + 1]
    offsets = offsets.astype(np.int64)
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    joined = np.full(len(data) + len(values) - 1, ord(_SEPARATOR), dtype=np.uint8)
    text = np.ones(len(joined), dtype=bool)
    text[(offsets[1:-1] - offsets[0]) + np.arange(len(values) - 1)] = False  # where each separator goes
    joined[text] = data
    return joined


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
    texts = {}
    for name in _TEXT_FIELDS:
        count = int(values.pop(name + "_count")[0])
        text = bytes(values.pop(name)).decode("utf-8")
        texts[name] = text.split(_SEPARATOR) if count else []
    keys = values.pop("identity_index").tolist()
    identity_text = bytes(values.pop("identity_key")).decode("utf-8")
    identity = dict(zip(keys, identity_text.split(_SEPARATOR))) if keys else {}
    values.pop("stamp")
    fields = {f.name for f in dataclasses.fields(GraphArrays)}
    return GraphArrays(**texts, **{k: v for k, v in values.items() if k in fields}, identity=identity)
