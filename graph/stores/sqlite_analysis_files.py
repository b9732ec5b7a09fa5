"""Each analysis of the embedded store in a SQLite file of its own beside the store
(``case.db.analysis-<token>``), attached to the store's connection as ``run_<token>``.

A new analysis is written into a new file with no journal (nothing reads it until the store names it),
the store's layout names it in the commit that retires the last one, and the file of the analysis
before last is then deleted whole. Dropping the last analysis's tables inside the store (201 s at ten
million companies, 95 s of it 35 million cluster members) and copying what ``changes`` compares
(67 s) are gone: the last analysis's file stays as it was and is read in place for
``previous_<name>``. A file the layout has named is never written again, so every connection reads
it without a lock; a store in memory attaches databases in memory instead.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
from pathlib import Path

from ..errors import StoreError
from .private_files import create_private

SUFFIX = ".analysis-"
MEMORY = ":memory:"
TOKEN = re.compile("[0-9a-f]{12}")


def read_only(path: str | os.PathLike) -> str:
    """The URI that opens the SQLite file ``path`` for reading only (nothing written, nothing checkpointed)."""
    return Path(path).resolve().as_uri() + "?mode=ro"


def file_of(store_path: str, token: str) -> Path:
    store = Path(store_path)
    return store.with_name(store.name + SUFFIX + token)


def attach(db: sqlite3.Connection, store_path: str, files: dict[str, str]) -> None:
    """Attaches the files ``files`` names (schema -> token) that are not yet, and detaches the
    analysis files no longer named (an explorer open while analyses come and go)."""
    attached = {row[1] for row in db.execute("PRAGMA database_list")}
    for schema, token in files.items():
        if schema in attached:
            continue
        path = file_of(store_path, token)
        try:
            if store_path == MEMORY or not path.is_file():
                raise sqlite3.OperationalError("no such file")
            db.execute(f"ATTACH ? AS {schema}", (read_only(path),))
        except sqlite3.OperationalError as e:
            raise StoreError(f"{path}: the store's last analysis cannot be read ({e}); "
                             "run equitygraph analyze again") from None
    for schema in attached - set(files) if not db.in_transaction else ():  # in one: the file being written
        if schema.startswith("run_"):
            try:
                db.execute(f"DETACH {schema}")
            except sqlite3.OperationalError:
                pass  # a reading not finished holds it (or a transaction is open): detached next time


def new_token() -> str:
    return secrets.token_hex(6)


def schema_of(token: str) -> str:
    """The name the analysis file ``token`` names is attached under."""
    return f"run_{token}"


def create(db: sqlite3.Connection, store_path: str, token: str | None = None) -> tuple[str, str]:
    """A new, empty analysis file attached for writing: ``(schema, token)`` (``token`` chosen beforehand
    where given). Owner-only, as the store is."""
    token = token or new_token()
    schema = schema_of(token)
    if store_path == MEMORY:
        db.execute(f"ATTACH ? AS {schema}", (MEMORY,))
        return schema, token
    path = file_of(store_path, token)
    create_private(path)
    db.execute(f"ATTACH ? AS {schema}", (str(path),))
    # No journal: a failed write deletes the file, and until the store names it no one reads it. (The
    # commit still syncs it to disk before the store names it: synchronous cannot change in a transaction.)
    db.execute(f"PRAGMA {schema}.journal_mode = OFF")
    db.execute(f"PRAGMA {schema}.cache_size = -262144")  # as the store's: 2 MiB thrash while its indexes are built
    return schema, token


def create_apart(store_path: str, token: str | None = None) -> tuple[sqlite3.Connection, tuple[str, str]]:
    """A new, empty analysis file on a connection of its own (written beside the store's, by another
    process): the connection, and ``(schema, token)`` as :func:`create` gives them."""
    if store_path == MEMORY:
        raise StoreError("a store in memory has no analysis files to write apart")
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        schema, token = create(db, store_path, token)
    except BaseException:
        db.close()
        raise
    return db, (schema, token)


def remove(db: sqlite3.Connection, store_path: str, files: dict[str, str]) -> None:
    """Detaches and deletes the files ``files`` names (after the commit that stopped naming them;
    another process reading one keeps reading it until it lets it go)."""
    for schema, token in files.items():
        try:
            db.execute(f"DETACH {schema}")
        except sqlite3.OperationalError:
            pass  # not attached here, or still being read: the file goes all the same
        if store_path != MEMORY:
            file_of(store_path, token).unlink(missing_ok=True)


def remove_unnamed(store_path: str, named: set[str]) -> None:
    """Deletes the analysis files beside the store that no layout names: left by an analysis that
    stopped half-way, or by one that stopped between its commit and deleting the file it retired.
    Called while the store's write lock is held, so no analysis is being written meanwhile."""
    if store_path == MEMORY:
        return
    store = Path(store_path)
    prefix = store.name + SUFFIX
    for path in store.parent.iterdir():
        token = path.name[len(prefix):]
        if path.name.startswith(prefix) and TOKEN.fullmatch(token) and token not in named:
            path.unlink(missing_ok=True)
