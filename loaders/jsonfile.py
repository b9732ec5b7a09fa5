"""Reading the JSON the open registers publish: one array of objects, or JSON lines (one object per
line, as the UK PSC snapshot and BODS bulk files are), each object with where it was found."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..graph.errors import InvalidInput
from .textfile import MAX_LINE_BYTES


@dataclass(frozen=True)
class Found:
    """An object and where it is: its line in a JSON-lines file, or its position in an array."""

    value: dict
    line: int | None
    position: int

    def where(self) -> str:
        return f"line {self.line}" if self.line is not None else f"item {self.position}"


def fail_at(file: Path, where: str, field_name: str | None, problem: str):
    """An error at ``where`` in ``file``: a line ("line 7": ``file:7: field``), or an item or record of a
    document read whole ("item 3": ``file: item 3: field``), as :meth:`Found.where` and the readers say it."""
    if where.startswith("line "):
        raise InvalidInput(file, int(where[5:]), field_name, problem)
    raise InvalidInput(file, None, f"{where}: {field_name}" if field_name else where, problem)


@contextlib.contextmanager
def shaped(file: Path, where: str, standard: str):
    """Within it, a value of another type than ``standard`` gives it (a list where an object goes, an
    object where a text goes) is an error naming the file and ``where`` ("line 7", "item 3"), not a crash."""
    try:
        yield
    except (TypeError, AttributeError, KeyError) as e:
        fail_at(file, where, None, f"holds a value of another type than {standard} gives it ({type(e).__name__}: {e})")


_PEEK_BYTES = 1 << 20
TOO_DEEP = "is nested deeper than any register's JSON (arrays or objects inside each other thousands of times)"


def first_object(path: Path) -> dict | None:
    """The first object of a JSON or JSON-lines file, from the file's start where it is there (to
    tell formats apart without reading a whole document); None where there is none."""
    with open(path, "rb") as f:
        head = f.read(_PEEK_BYTES)
    text = head.decode("utf-8-sig", errors="ignore").lstrip()
    if text.startswith("["):
        text = text[1:].lstrip()
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except (ValueError, RecursionError):
        if len(head) < _PEEK_BYTES:
            return None
        return next((found.value for found in read_objects(path)), None)  # a first object longer than the peek
    if isinstance(value, dict) and isinstance(value.get("statements"), list):
        value = value["statements"][0] if value["statements"] else None
    return value if isinstance(value, dict) else None


#: A JSON document larger than this (not one object per line) is streamed item by item instead of read
#: whole: its array, or its ``statements`` array. Its errors then name the item, not the line.
STREAMED_ABOVE_BYTES = 64 << 20


def read_objects(path: Path) -> Iterator[Found]:
    """The objects of ``path``, streamed line by line where the file has one object per line (also
    inside ``[`` and ``]``, as the PSC samples are), else as one JSON document: read whole up to
    :data:`STREAMED_ABOVE_BYTES`, streamed item by item above it."""
    if _one_object_per_line(path):
        yield from _lines(path)
        return
    if path.stat().st_size > STREAMED_ABOVE_BYTES:
        streamed = yield from _streamed(path)
        if streamed:
            return
    try:
        with open(path, encoding="utf-8-sig") as f:
            document = json.load(f)
    except json.JSONDecodeError as e:
        raise InvalidInput(path, e.lineno, None, f"is not valid JSON: {e.msg} (column {e.colno})") from None
    except UnicodeDecodeError:
        raise InvalidInput(path, None, None, "is not UTF-8 (JSON is always UTF-8)") from None
    except RecursionError:
        raise InvalidInput(path, None, None, TOO_DEEP) from None
    items = document if isinstance(document, list) else document.get("statements") if isinstance(document, dict) \
        and isinstance(document.get("statements"), list) else [document]
    for position, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise InvalidInput(path, None, f"item {position}", "is not a JSON object")
        yield Found(item, None, position)


def _streamed(path: Path):
    """The items of a document's top-level array or ``statements`` array, one at a time (with the
    number read, 0 where the document is an object with no ``statements``: it is then read whole)."""
    import ijson

    with open(path, "rb") as f:
        if f.read(3) != b"\xef\xbb\xbf":
            f.seek(0)
        start = f.tell()
        head = f.read(64).lstrip()
        f.seek(start)
        prefix = "item" if head.startswith(b"[") else "statements.item"
        position = 0
        try:
            for item in ijson.items(f, prefix, use_float=True):
                position += 1
                if not isinstance(item, dict):
                    raise InvalidInput(path, None, f"item {position}", "is not a JSON object")
                yield Found(item, None, position)
        except ijson.JSONError as e:
            said = e.args[0] if e.args else ""
            said = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
            first_line = (said.strip().splitlines() or ["cut short"])[0]  # the parser draws the spot on more lines
            problem = "is not UTF-8 (JSON is always UTF-8)" if "UTF8" in first_line else f"is not valid JSON: {first_line}"
            raise InvalidInput(path, None, f"item {position + 1}", problem) from None
    return position


def _one_object_per_line(path: Path) -> bool:
    with open(path, "rb") as f:
        for raw in f:
            text = raw.strip().rstrip(b",")
            if text in (b"", b"[", b"]", b"\xef\xbb\xbf["):
                continue
            text = text.lstrip(b"\xef\xbb\xbf")
            if not text.startswith(b"{"):
                return False
            try:
                return isinstance(json.loads(text), dict)
            except RecursionError:
                return True  # an object on the line, too deep: read line by line, and said at its line
            except (json.JSONDecodeError, UnicodeDecodeError):
                return False
    return False


def _lines(path: Path) -> Iterator[Found]:
    position = 0
    with open(path, "rb") as f:
        for number, raw in enumerate(iter(lambda: f.readline(MAX_LINE_BYTES + 1), b""), 1):
            if len(raw) > MAX_LINE_BYTES:
                raise InvalidInput(path, number, None, f"the line is longer than {MAX_LINE_BYTES >> 20} MiB")
            text = raw.strip().lstrip(b"\xef\xbb\xbf").rstrip(b",")
            if text in (b"", b"[", b"]"):
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as e:
                raise InvalidInput(path, number, None, f"is not valid JSON: {e.msg} (column {e.colno})") from None
            except UnicodeDecodeError:
                raise InvalidInput(path, number, None, "is not UTF-8 (JSON is always UTF-8)") from None
            except RecursionError:
                raise InvalidInput(path, number, None, TOO_DEEP) from None
            if not isinstance(value, dict):
                raise InvalidInput(path, number, None, "is not a JSON object")
            position += 1
            yield Found(value, number, position)


def files_in(path: Path, suffixes: tuple[str, ...] = (".json", ".jsonl", ".ndjson", ".ijson")) -> list[Path]:
    """``path`` itself, or the files of folder ``path`` with one of ``suffixes``, sorted by name."""
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
        if not found:
            raise InvalidInput(path, None, None, f"holds no {' / '.join(suffixes)} file")
        return found
    if not path.is_file():
        raise InvalidInput(path, None, None, "no such file or folder")
    return [path]
