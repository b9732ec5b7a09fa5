"""Reading CSV files the way registries export them: UTF-8 with or without BOM, or GB18030/GBK."""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..graph.errors import InvalidInput

_SAMPLE_BYTES = 1 << 20


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` for a file with a UTF-8 BOM, ``utf-8`` if its start decodes as UTF-8, else
    ``gb18030`` (a superset of GBK and GB2312, which Chinese registry exports use)."""
    with open(path, "rb") as f:
        sample = f.read(_SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # final=False: a sample cut inside a multi-byte character is still UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


class CsvTable:
    """Rows of one CSV file as dicts keyed by lower-cased header names, with their line numbers.

    Parameters
    ----------
    path : Path
    required : columns that must be in the header
    known : every column the format defines; others are reported in ``ignored_columns``
    encoding : force an encoding instead of detecting it
    """

    def __init__(self, path: Path, required: tuple[str, ...], known: tuple[str, ...], encoding: str | None = None):
        self.path = path
        try:
            self.encoding = encoding or detect_encoding(path)
            codecs.lookup(self.encoding)
        except LookupError:
            raise InvalidInput(path, None, None, f"unknown encoding {encoding!r}") from None
        except OSError as e:
            raise InvalidInput(path, None, None, f"cannot read the file: {e.strerror}") from None
        self._file = open(path, "rb")
        self._reader = csv.reader(self._decoded_lines(), strict=True)
        self._line = 0
        try:
            self._read_header(required, known)
        except BaseException:
            self._file.close()
            raise

    def _read_header(self, required: tuple[str, ...], known: tuple[str, ...]) -> None:
        path = self.path
        header = self._next_record()
        if header is None:
            raise InvalidInput(path, None, None, "the file is empty (a header line is required)")
        self.columns = [name.strip().lstrip("\ufeff").lower() for name in header]
        seen = set()
        for name in self.columns:
            if name in seen and name:
                raise InvalidInput(path, 1, name, "the column appears twice in the header")
            seen.add(name)
        for name in required:
            if name not in seen:
                raise InvalidInput(path, 1, name, "required column is missing")
        self.ignored_columns = [name for name in self.columns if name and name not in known]

    def _decoded_lines(self) -> Iterator[str]:
        # Decoding line by line (not in the reader's 8 KiB chunks) puts a bad byte on its true line;
        # a newline byte never occurs inside a UTF-8 or GB18030 character, so the split is safe.
        encoding = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        for number, raw in enumerate(self._file, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError:
                raise InvalidInput(
                    self.path, number, None,
                    f"cannot be decoded as {self.encoding}; pass the file's encoding (for example --encoding gb18030)",
                ) from None

    def _next_record(self) -> list[str] | None:
        try:
            while True:
                record = next(self._reader)
                self._line = self._reader.line_num
                if any(cell.strip() for cell in record):
                    return record
        except StopIteration:
            return None
        except csv.Error as e:
            raise InvalidInput(self.path, self._reader.line_num, None, f"malformed CSV: {e}") from None

    def __iter__(self) -> Iterator[Row]:
        width = len(self.columns)
        try:
            while (record := self._next_record()) is not None:
                if len(record) > width and any(cell.strip() for cell in record[width:]):
                    raise InvalidInput(
                        self.path, self._line, None, f"the line has {len(record)} fields, the header has {width}"
                    )
                values = dict(zip(self.columns, [cell.strip() for cell in record]))
                yield Row(self._line, values)
        finally:
            self._file.close()
