"""The canonical CSV folder (see docs/csv-format.md): entities, holdings, officers and events.

:func:`load_folder` writes a folder into a store in one transaction (by columns into an empty store,
else by rows), so a folder with one bad line leaves the store as it was; :func:`import_folder` builds
a local Neo4j database from it with the offline importer.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from tqdm import tqdm

from ..graph.errors import RepeatedKey
from ..graph.model import EntityKind
from ..graph.stores.base import Store
from .csv_columns import UseRowReader, read_columns
from .csv_rows import read_folder
from .report import LoadReport, note_load, store_salt


def load_folder(store: Store, folder: str | Path, *, encoding: str | None = None, share_scale: str = "percent",
                progress: bool = False, keep_id_numbers: bool = False, columnar: bool = True) -> LoadReport:
    """Load a canonical CSV folder into ``store`` in one transaction and report what was written.

    Loading the same folder again changes nothing: every record has a natural key. Into an empty
    embedded store the folder is read column by column (:mod:`.csv_columns`) unless ``columnar`` is
    False; where that path cannot give the row reader's exact result, the row reader loads it.
    """
    report = LoadReport(str(folder))
    started = time.perf_counter()

    def store_kinds(ids: list[str]) -> dict[str, EntityKind]:
        return {i: e.kind for i, e in store.get_many(ids).items()}

    salt, new_salt = store_salt(store)
    by_columns = None
    if columnar and getattr(store, "accepts_batch", lambda: False)():
        by_columns = _load_columns(store, folder, encoding, share_scale, progress, salt, new_salt, keep_id_numbers)
    if by_columns is not None:
        report = by_columns
    else:
        with tqdm(desc="loading", unit=" rows", disable=not progress, mininterval=0.5) as bar:
            records = read_folder(folder, encoding=encoding, share_scale=share_scale, known_kinds=store_kinds,
                                  report=report, progress=bar.update, id_salt=salt, keep_id_numbers=keep_id_numbers)
            with store.writer() as writer:
                writer.add_many(records)
                if new_salt:  # in the load's own transaction: a failed load keeps no salt either
                    store.set_meta("id_salt", salt)
    report.seconds = time.perf_counter() - started
    note_load(store, folder, report)
    return report


def _load_columns(store: Store, folder, encoding, share_scale, progress, salt, new_salt,
                  keep_id_numbers) -> LoadReport | None:
    """The columnar load into an empty store; None where the row reader must do it. Each table is
    written (by the store's worker thread) while the next file is read."""
    report = LoadReport(str(folder))
    with tqdm(desc="loading", unit=" rows", disable=not progress, mininterval=0.5) as bar:
        try:
            with store.batch_writer({"id_salt": salt} if new_salt else {}) as writer:
                for name, piece in read_columns(folder, encoding=encoding, share_scale=share_scale, report=report,
                                                progress=bar.update, id_salt=salt, keep_id_numbers=keep_id_numbers):
                    if name == "records":
                        for record in piece:
                            writer.add(record)
                    else:
                        writer.add_table(name, piece)
                    del piece  # the writer keeps its own sorted copy
        except (UseRowReader, RepeatedKey):  # a key repeated in two pieces of a file, too
            return None
    return report


def import_folder(server, folder: str | Path, *, password: str | None = None, user: str | None = None,
                  database: str = "neo4j", replace: bool = False, encoding: str | None = None,
                  share_scale: str = "percent", progress: bool = False):
    """Make the local Neo4j ``server``'s database hold exactly ``folder``, by the offline importer.

    The fast path for a first load (see :mod:`equitygraph.graph.stores.neo4j_import`); the folder is
    validated completely before the server is touched. Returns the report and the open store.
    """
    from ..graph.stores.neo4j_import import bulk_import
    started = time.perf_counter()
    salt = secrets.token_hex(16)  # a new database: a new salt, kept in it once it is built
    options = dict(password=password, user=user, database=database, replace=replace, progress=progress)
    try:  # by columns where they give the row reader's result (see load_folder), else by rows
        report = LoadReport(str(folder))
        with tqdm(desc="reading", unit=" rows", disable=not progress, mininterval=0.5) as bar:
            pieces = read_columns(folder, encoding=encoding, share_scale=share_scale, report=report,
                                  progress=bar.update, id_salt=salt)
            store = bulk_import(server, tables=pieces, **options)
    except UseRowReader:
        report = LoadReport(str(folder))
        with tqdm(desc="reading", unit=" rows", disable=not progress, mininterval=0.5) as bar:
            records = read_folder(folder, encoding=encoding, share_scale=share_scale, report=report,
                                  progress=bar.update, id_salt=salt)
            store = bulk_import(server, records, **options)
    report.seconds = time.perf_counter() - started
    store.set_meta("id_salt", salt)
    note_load(store, folder, report, how="neo4j-admin import")
    return report, store
