"""Reading CSV files the way registries export them: UTF-8 with or without BOM, GB18030/GBK, Big5,
Windows-1252 or UTF-16, each line bounded and decoded on its own so errors name their line."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..graph.errors import InvalidInput

_SAMPLE_BYTES = 1 << 20
# A cell starting with one of these is a formula to a spreadsheet (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters that steer a terminal or reorder what is shown, beyond the C0 controls: DEL and the C1
# controls (0x9b is an 8-bit CSI), the bidirectional marks, overrides and isolates, and the line and
# paragraph separators. A regex character class, for the quoted forms of untrusted text (JSON, TOML).
STEERING = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_STEERING_ALONE = re.compile(f"[{STEERING}]")


def escape_steering(quoted: str) -> str:
    r"""``quoted`` (a JSON or TOML string, whose C0 controls are escaped already) with the :data:`STEERING`
    characters written as ``\uXXXX`` escapes, which both formats read back as the characters.

    Examples
    --------
    >>> escape_steering('"a\u202eb"')
    '"a\\u202eb"'
    """
    return _STEERING_ALONE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def escape_cell(text: str) -> str:
    """A cell of the canonical CSV format that a spreadsheet shows as text: a leading ``'`` is
    added before ``=``, ``+``, ``-``, ``@``, tab or carriage return, and before a ``'`` that is
    followed by one of these or by another ``'``, so :func:`unescape_cell` gives the text back.

    Examples
    --------
    >>> [escape_cell(t) for t in ("=1+1", "'=1", "'t Hooft", "华信")]
    ["'=1+1", "''=1", "'t Hooft", '华信']
    >>> all(unescape_cell(escape_cell(t)) == t for t in ("=1+1", "'=1", "''", "'t Hooft", "-", "'"))
    True
    """
    if text.startswith(FORMULA_STARTS) or (text.startswith("'") and text[1:2] in (*FORMULA_STARTS, "'")):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """The text of a cell :func:`escape_cell` wrote (a cell written by hand is read as it is,
    unless it starts with ``'`` followed by a formula character or another ``'``)."""
    if text.startswith("'") and text[1:2] in (*FORMULA_STARTS, "'"):
        return text[1:]
    return text


# What a registry export that is not UTF-8 is in, in the order of preference on a tie.
_CANDIDATES = ("gb18030", "big5", "cp1252", "latin_1", "utf_16")
_DETECTION_BYTES = 256 << 10
_MAX_CHAOS = 0.25  # charset-normalizer's "mess" above which a decoding is not trusted
MAX_LINE_BYTES = 4 << 20  # no line of a registry export is longer; the CSV field limit is 128 KiB


def detect_encoding(path: Path) -> str:
    """The encoding of a CSV file: ``utf-8-sig``, ``utf-16`` or ``utf-32`` by their byte-order
    marks, ``utf-8`` if its start decodes as UTF-8, else what charset-normalizer finds among
    GB18030 (a superset of GBK and GB2312, which Chinese registry exports use), Big5,
    Windows-1252 and Latin-1. Raises :class:`InvalidInput` where none fits with confidence."""
    with open(path, "rb") as f:
        sample = f.read(_SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # final=False: a sample cut inside a multi-byte character is still UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    head = sample[:_DETECTION_BYTES]
    best = from_bytes(head, cp_isolation=list(_CANDIDATES)).best()
    if best is None or best.chaos > _MAX_CHAOS:
        raise InvalidInput(path, None, None, "is not UTF-8, and no other encoding (GB18030, Big5, Windows-1252) fits "
                                             "it with confidence; pass the file's encoding, e.g. --encoding gb18030")
    chosen = best.encoding.replace("_", "-")
    if chosen in ("gb18030", "big5") and reads_as_latin(head):
        # Short texts fit several encodings equally: "Ääkkönen Öy" is letters in Windows-1252 and
        # ideographs glued to Latin letters in GB18030 or Big5 ("匿kk鰊en").
        if not reads_as_chinese(head, chosen):
            return "cp1252"
        raise InvalidInput(path, None, None, f"reads as Chinese in {chosen} and as Latin letters in cp1252 (Windows-1252)"
                                             f"; say which: --encoding {chosen} or --encoding cp1252")
    return chosen


# Signs, not letters, that Latin-1 texts hold beside their letters (no Chinese text in cp1252 reads as these alone).
_LATIN_SIGNS = set("\u00a0«»°·–—‘’“”€§ºª×")


def reads_as_latin(data: bytes) -> bool:
    """Whether ``data`` decodes in Windows-1252 to text whose every non-ASCII character is a Latin
    letter or a common sign: what a European register's names are.

    Examples
    --------
    >>> reads_as_latin("Ääkkönen Öy".encode("latin-1")), reads_as_latin("华信投资".encode("gb18030"))
    (True, False)
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return all(ch.isascii() or ch in _LATIN_SIGNS or (ch.isalpha() and "LATIN" in unicodedata.name(ch, ""))
               for ch in text)


def reads_as_chinese(data: bytes, encoding: str) -> bool:
    """Whether ``data`` decodes in ``encoding`` to Chinese as registers write it: ideographs and
    full-width signs, none glued to a Latin letter inside a word.

    Examples
    --------
    >>> reads_as_chinese("张三,华信投资".encode("gb18030"), "gb18030")
    True
    >>> reads_as_chinese("Ääkkönen Öy".encode("latin-1"), "gb18030")
    False
    """
    text = data.decode(encoding, errors="replace")
    wide = [i for i, ch in enumerate(text) if not ch.isascii()]
    if not wide or any(unicodedata.category(text[i]) in ("Co", "Cn", "So") or text[i] == "\ufffd" for i in wide):
        return False
    return not any((i > 0 and text[i - 1].isascii() and text[i - 1].isalpha())
                   or (i + 1 < len(text) and text[i + 1].isascii() and text[i + 1].isalpha()) for i in wide)


def check_encoding(name: str) -> str:
    """``name`` if Python knows it as a text encoding, else a ``ValueError`` saying so."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}") from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"{name!r} is not a text encoding")
    return name


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
            self.encoding = check_encoding(encoding) if encoding else detect_encoding(path)
        except ValueError as e:
            raise InvalidInput(path, None, None, str(e)) from None
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
        self.original_columns = [name.strip().lstrip("\ufeff") for name in header]
        self.columns = [name.lower() for name in self.original_columns]
        seen = set()
        for name in self.columns:
            if name in seen and name:
                raise InvalidInput(path, 1, name, "the column appears twice in the header")
            seen.add(name)
        for name in required:
            if name not in seen:
                raise InvalidInput(path, 1, name, "required column is missing")
        self.ignored_columns = [name for name in self.columns if name and name not in known]

    def close(self) -> None:
        self._file.close()

    def _decoded_lines(self) -> Iterator[str]:
        if '\n,"'.encode(self.encoding) == b'\n,"':
            yield from self._byte_lines()
        else:  # UTF-16 or UTF-32: newlines are more than one byte, so decode first, then split
            yield from self._text_lines()

    def _byte_lines(self) -> Iterator[str]:
        # Decoding line by line (not in the reader's 8 KiB chunks) puts a bad byte on its true line;
        # a newline byte never occurs inside a character of these encodings, so the split is safe.
        encoding = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        number = 0
        while raw := self._file.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES:
                raise InvalidInput(self.path, number, None, f"the line is longer than {MAX_LINE_BYTES >> 20} MiB")
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError:
                raise InvalidInput(
                    self.path, number, None,
                    f"cannot be decoded as {self.encoding}; pass the file's encoding (for example --encoding gb18030)",
                ) from None

    def _text_lines(self) -> Iterator[str]:
        text = io.TextIOWrapper(self._file, encoding=self.encoding, newline="")
        number = 0
        while True:
            try:
                line = text.readline(MAX_LINE_BYTES + 1)
            except UnicodeDecodeError:
                raise InvalidInput(self.path, number + 1, None,
                                   f"cannot be decoded as {self.encoding}; pass the file's encoding") from None
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE_BYTES:
                raise InvalidInput(self.path, number, None, f"the line is longer than {MAX_LINE_BYTES >> 20} MiB")
            yield line

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
                values = dict(zip(self.columns, [unescape_cell(cell.strip()) for cell in record]))
                yield Row(self._line, values)
        finally:
            self._file.close()
