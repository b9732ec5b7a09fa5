"""Files only their owner may read, written whole or not at all: reports, exports and the answers kept
for a store hold case data, and a reader must never see half of one."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def create_private(path) -> None:
    """An empty file at ``path`` that only its owner may read, where there is none (``FileExistsError``
    else): a database then opened there (the store, an analysis's file) is its owner's from the start."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def open_private(path, mode: str = "w", **options) -> "PrivateFile":
    """A file for writing that only its owner may read (reports and exports hold case data), written
    beside ``path`` and put in its place when complete: never written through a symbolic link at
    ``path`` (the link itself is replaced), never left half-written (an error leaves ``path`` as it was).
    Use it as a context manager, or call ``close`` (keep) or ``discard``."""
    return PrivateFile(Path(path), mode, options)


class PrivateFile:
    def __init__(self, path: Path, mode: str, options: dict):
        import tempfile

        self.path = path
        descriptor, self.temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        self.file = os.fdopen(descriptor, mode, **options)  # mkstemp makes it readable by its owner only

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __iter__(self):
        return iter(self.file)

    def __enter__(self) -> "PrivateFile":
        return self

    def __exit__(self, kind, value, trace) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()

    def close(self) -> None:
        if not self.file.closed:
            self.file.close()
            os.replace(self.temporary, self.path)

    def discard(self) -> None:
        if not self.file.closed:
            self.file.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temporary)
