"""Compressed inputs as registers publish them: a ``.gz`` of one file (``statements.json.gz``,
``psc-snapshot.txt.gz``) or a ``.zip`` of one file or of a whole folder (a canonical CSV folder, an
Excel extract with its officers), in any format the loaders read.

The archive is unpacked a block at a time into a temporary folder of its own, read from there as
the file or folder it holds, and removed afterwards: memory stays flat whatever the size, and every
reader (they seek, detect encodings, read twice) works as on a plain file. Errors name the archive
and the file inside it. Refused: members that would land outside the folder (``../x``, ``/etc/x``),
encrypted members, and archives that unpack to more than :data:`MAX_RATIO` times their size beyond
:data:`MIN_GUARDED` (a "zip bomb"; registers' JSON and CSV compress ten to thirty times).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Iterator

from ..graph.errors import InvalidInput

COMPRESSED = (".gz", ".zip")
MAX_RATIO = 1000
MIN_GUARDED = 1 << 30  # bytes unpacked before the ratio is asked
_BLOCK = 1 << 20


def is_compressed(path: Path) -> bool:
    """A compressed file, or a folder holding any (a register published as many ``.json.gz`` parts)."""
    if path.is_dir():
        return any(_packed(p) for p in path.iterdir())
    return _packed(path)


def _packed(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in COMPRESSED and not path.name.startswith(".")


@contextlib.contextmanager
def unpacked(path: Path) -> Iterator[Path]:
    """The file or folder ``path`` holds, unpacked into a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="equitygraph-unpacked-") as work:
        root = Path(work)
        if path.is_dir():
            yield _folder_unpacked(path, root)
        elif path.suffix.lower() == ".gz":
            yield _gunzipped(path, root)
        else:
            yield _unzipped(path, root)


def _folder_unpacked(folder: Path, root: Path) -> Path:
    """A copy of ``folder`` with each compressed file in it unpacked (a ``.gz`` as the file it holds, a
    ``.zip`` as its files) and each plain one linked, not copied."""
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix == ".gz":
            _free(root / path.stem, path)
            _gunzipped(path, root)
        elif suffix == ".zip":
            with tempfile.TemporaryDirectory(dir=root, prefix=".part-") as part:
                held = _unzipped(path, Path(part))
                for member in [held] if held.is_file() else sorted(held.iterdir()):
                    member.rename(_free(root / member.name, path))
        else:
            _free(root / path.name, path).symlink_to(path.resolve())
    return root


def _free(target: Path, path: Path) -> Path:
    """``target``, where no other file of the folder is unpacked to already."""
    if target.exists():
        raise InvalidInput(path, None, None, f"holds {target.name}, which another file of the folder holds too")
    return target


def _gunzipped(path: Path, root: Path) -> Path:
    target = root / (path.stem or "unpacked")
    try:
        with gzip.open(path, "rb") as packed, open(target, "wb") as out:
            _copy(packed, out, path, path.stat().st_size)
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as e:
        raise InvalidInput(path, None, None, f"is not a complete gzip file ({type(e).__name__}: {e})") from None
    return target


def _unzipped(path: Path, root: Path) -> Path:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise InvalidInput(path, None, None, f"is not a zip archive ({e})") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and not _hidden(m.filename)]
        if not members:
            raise InvalidInput(path, None, None, "holds no file to load")
        written = 0
        for member in members:
            name = PurePosixPath(member.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or not name.parts:
                raise InvalidInput(path, None, member.filename, "would be unpacked outside its folder")
            if member.flag_bits & 0x1:
                raise InvalidInput(path, None, member.filename, "is encrypted: unpack it yourself and load the file")
            target = root.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(member) as packed, open(target, "wb") as out:
                    written += _copy(packed, out, path, path.stat().st_size, written)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
                raise InvalidInput(path, None, member.filename, f"cannot be unpacked ({type(e).__name__}: {e})") from None
    return _held(root)


def _hidden(name: str) -> bool:
    """A file an archiver adds beside the data (macOS resource forks, dotfiles)."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" for p in parts)


def _held(root: Path) -> Path:
    """What the archive holds: its one file, its one folder, or the whole of it."""
    inside = list(root.iterdir())
    while len(inside) == 1 and inside[0].is_dir():
        root = inside[0]
        inside = list(root.iterdir())
    return inside[0] if len(inside) == 1 else root


def _copy(packed, out, path: Path, size: int, before: int = 0) -> int:
    copied = 0
    while block := packed.read(_BLOCK):
        out.write(block)
        copied += len(block)
        total = before + copied
        if total > MIN_GUARDED and total > MAX_RATIO * max(size, 1):
            raise InvalidInput(path, None, None, f"unpacks to more than {MAX_RATIO} times its size: refused as an "
                                                 "archive made to fill the disk")
    return copied


def located(error: InvalidInput, archive: Path, plain: Path) -> InvalidInput:
    """``error``, met reading the unpacked copy ``plain`` of ``archive``, said of the archive and the
    file inside it."""
    if archive.is_dir():  # a file of the folder: named by its name in the folder
        packed = [p for p in archive.iterdir() if p.name == error.path.name or p.stem == error.path.name]
        return InvalidInput(packed[0] if packed else error.path, error.line, error.field, error.problem)
    if archive.suffix.lower() == ".gz":
        return InvalidInput(archive, error.line, error.field, error.problem)
    base = plain.parent if plain.is_file() else plain
    try:
        member = error.path.relative_to(base).as_posix()
    except ValueError:
        member = error.path.name
    where = member + (f":{error.line}" if error.line is not None else "")
    return InvalidInput(archive, None, f"{where}: {error.field}" if error.field else where, error.problem)


def note_archive(store, report, archive: Path) -> None:
    """The load's report and the store's provenance name the archive, not its temporary copy."""
    report.source = str(archive)
    kept = json.loads(store.get_meta("last_load") or "{}")
    if kept:
        kept["source"] = str(archive.resolve())
        store.set_meta("last_load", json.dumps(kept, ensure_ascii=False))
