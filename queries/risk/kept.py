"""Every risk score of the last analysis, kept beside the embedded store (``case.db.risk.npz``) or in the
user's cache folder for a Neo4j database (:meth:`Store.kept_file`), so that
after ``analyze`` one company's risk and its reasons are a read (issue 31): the indicators, the network
walk's matrix and seeds, the combined scores. ``risk NAME`` and the explorer's risk panel then explain
the one company asked about instead of scoring every company again.

The file names what it was computed from: the store's generation (a token every write of records
changes), the identity decisions and the risk configuration, and it holds only an analysis as of no
date. Anything else, a file that cannot be read or a store with no file (``:memory:``) is computed
as before. Written whole to a temporary file and renamed, readable by its owner only.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ...graph.analysis.risk import Indicators, Network
from ...graph.stores.base import Store
from ...graph.stores.private_files import open_private
from ..memo import decisions_fingerprint
from .stored import config_key

FORMAT = "2"  # 2: the network's received risk and seeds over the walked entities only


def kept_path(store: Store) -> Path | None:
    """Where ``store``'s scores are kept (:meth:`~...graph.stores.base.Store.kept_file`), or None."""
    return store.kept_file(".risk.npz")


def _stamp(store: Store, config) -> str | None:
    generation = store.get_meta("generation")
    if generation is None:
        return None
    return f"{FORMAT}:{generation}:{decisions_fingerprint(store)}:{config_key(config)}"


def keep(store: Store, scores) -> bool:
    """Keep ``scores`` (an analysis as of no date) beside ``store``; False where they cannot be kept."""
    path, stamp = kept_path(store), _stamp(store, scores.config)
    if path is None or stamp is None or scores.as_of is not None:
        return False
    found, network = scores.found, scores.network
    columns = {"stamp": _text(stamp), "n": np.array([scores.arrays.n]), "confirmed": found.confirmed,
               "members": found.members, "walked": network.walked, "method": _text(network.method),
               "words": _text(json.dumps({str(k): v for k, v in found.words.items()}, ensure_ascii=False)),
               "spread_data": network.spread.data, "spread_indices": network.spread.indices,
               "spread_indptr": network.spread.indptr, "spread_shape": np.array(network.spread.shape)}
    # Most entities are persons, addresses and events, with no score; most companies have no indicator:
    # every column of numbers is kept as its entries that are not 0 (a tenth of the file).
    numbers = {"combined": scores.combined, "intrinsic": found.intrinsic, "score": network.score,
               "received": network.received, "seeds": network.seeds}
    for family in ("values", "dimension", "counts"):
        numbers |= {f"{family}.{name}": values for name, values in getattr(found, family).items()}
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open_private(path, "wb") as f, zipfile.ZipFile(f.file, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, array in columns.items():
                _put(archive, name, array)
            for name, values in numbers.items():  # one column's entries at a time: gigabytes at ten million
                at = np.flatnonzero(values)
                at = at.astype(np.int32) if len(values) < 2 ** 31 else at
                _put(archive, f"{name}@at", at)
                _put(archive, f"{name}@values", values[at])
                _put(archive, f"{name}@shape", np.array([len(values)]))
    except OSError:
        return False  # a score that cannot be kept is only computed again when asked
    return True


def kept(store: Store, config, entities: int) -> tuple[Indicators, Network, np.ndarray] | None:
    """The indicators, network and combined scores kept by the last analysis of ``store`` as it is
    now (its arrays of ``entities`` entities) with ``config``, or None."""
    path, stamp = kept_path(store), _stamp(store, config)
    if path is None or stamp is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if bytes(data["stamp"]).decode("utf-8") != stamp:
                return None
            if int(data["n"][0]) != entities:
                return None
            columns = {name: data[name] for name in data.files}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    for name in [n[:-3] for n in columns if n.endswith("@at")]:
        at, values = columns.pop(f"{name}@at"), columns.pop(f"{name}@values")
        columns[name] = np.zeros(int(columns.pop(f"{name}@shape")[0]), dtype=values.dtype)
        columns[name][at] = values
    family = {f: {name.split(".", 1)[1]: values for name, values in columns.items() if name.startswith(f + ".")}
              for f in ("values", "dimension", "counts")}
    words = {int(k): v for k, v in json.loads(bytes(columns["words"]).decode("utf-8")).items()}
    found = Indicators(family["values"], family["dimension"], columns["intrinsic"], columns["confirmed"],
                       columns["members"], words, family["counts"])
    spread = sp.csr_matrix((columns["spread_data"], columns["spread_indices"], columns["spread_indptr"]),
                           shape=tuple(columns["spread_shape"].tolist()))
    network = Network(columns["score"], columns["received"], columns["seeds"], spread, columns["walked"],
                      bytes(columns["method"]).decode("utf-8"))
    return found, network, columns["combined"]


def _put(archive: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    """One array into the archive as ``np.savez`` writes it (``np.load`` reads the file as an .npz)."""
    with archive.open(name + ".npy", "w", force_zip64=True) as out:
        np.lib.format.write_array(out, np.asanyarray(array), allow_pickle=False)


def _text(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
