"""Rendering result objects: aligned text tables (CJK-aware), JSON, and HTML for notebooks.

A result object offers ``to_dict()`` (the stable JSON form) and ``sections()``: titled tables
that the text and HTML renderers format the same way.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..loaders.textfile import FORMULA_STARTS, STEERING, escape_steering
from .i18n import known


@dataclass
class Section:
    """A titled table. Column headings and the empty text are translated here (they are fixed
    words); the title, notes and row labels are translated where they are made, with their data."""

    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    note: str = ""  # said under the table, e.g. "12 more not shown"
    empty: str = "none"

    def __post_init__(self):
        self.keys = list(self.columns)  # the English headings: the keys of records, whatever the language
        self.columns = [known(c) for c in self.columns]
        self.empty = known(self.empty)


# Characters that steer a terminal rather than show: C0 controls (ESC starts CSI and OSC sequences,
# CR moves back over a line) and the rest of STEERING. Names and texts come from the people under
# investigation.
_STEERING = re.compile(f"[\x00-\x1f{STEERING}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def iso(day) -> str | None:
    """A date as ``YYYY-MM-DD``, None for none (how result objects give dates in JSON).

    Examples
    --------
    >>> import datetime as dt
    >>> iso(dt.date(2024, 3, 1)), iso(None)
    ('2024-03-01', None)
    """
    return day.isoformat() if day else None


def printable(text: str) -> str:
    r"""``text`` with every character that could steer a terminal shown as an escape instead.

    Examples
    --------
    >>> printable("华信\x1b]0;pwned\x07\r actual controller: X")
    '华信\\x1b]0;pwned\\x07\\r actual controller: X'
    >>> printable("Acme\u202eLtd")
    'Acme\\u202eLtd'
    """
    return _STEERING.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def neutralize_formula(cell: str) -> str:
    r"""A text cell a spreadsheet will show as text: a leading ``'`` before ``=``, ``+``, ``-``,
    ``@``, tab or carriage return.

    Examples
    --------
    >>> neutralize_formula('=HYPERLINK("http://x","click")'), neutralize_formula("华信")
    ('\'=HYPERLINK("http://x","click")', '华信')
    """
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def json_text(value, **options) -> str:
    """JSON with the C1 controls and bidirectional overrides escaped too (``json`` escapes only C0)."""
    # In JSON, C0 controls inside strings are escaped already and newlines between values are layout.
    return escape_steering(json.dumps(value, ensure_ascii=False, default=str, **options))


class Result:
    """Base of result objects: JSON via ``to_dict``, tables via ``sections``."""

    def to_dict(self) -> dict:
        raise NotImplementedError

    def sections(self) -> list[Section]:
        raise NotImplementedError

    def records(self) -> list[dict]:
        """The result's main table as flat records, for JSON lines and CSV."""
        main = self.sections()[0]
        return [dict(zip(main.keys, row)) for row in main.rows]

    def to_jsonl(self) -> str:
        return "\n".join(json_text(r) for r in self.records())

    def to_csv(self) -> str:
        """The records as CSV for people: text cells neutralised against formulas, steering
        characters escaped (``to_json`` gives the exact values)."""
        records = self.records()
        columns = list(dict.fromkeys(key for r in records for key in r))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=[_csv_cell(c) for c in columns], lineterminator="\n")
        writer.writeheader()
        writer.writerows({_csv_cell(k): _csv_cell(v) for k, v in r.items()} for r in records)
        return out.getvalue().rstrip("\n")

    def render(self, fmt: str) -> str:
        """The result as ``table``, ``json``, ``jsonl`` or ``csv`` text."""
        renderers = {"table": self.to_text, "json": self.to_json, "jsonl": self.to_jsonl, "csv": self.to_csv}
        if fmt not in renderers:
            raise ValueError(f"format must be one of {', '.join(renderers)}, not {fmt!r}")
        return renderers[fmt]()

    def to_json(self) -> str:
        return json_text(self.to_dict(), indent=2)

    def to_text(self) -> str:
        return "\n\n".join(render_section(s) for s in self.sections())

    def to_frame(self, section: int = 0):
        """One section as a pandas DataFrame (the first by default)."""
        import pandas as pd

        chosen = self.sections()[section]
        return pd.DataFrame([list(r) for r in chosen.rows], columns=list(chosen.columns))

    def _repr_html_(self) -> str:
        parts = []
        for s in self.sections():
            if not s.rows:
                parts.append(f"<h4>{html.escape(s.title)}</h4><p>({html.escape(s.empty)})</p>")
            else:
                head = "".join(f"<th>{html.escape(str(c))}</th>" for c in s.columns)
                body = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in s.rows
                )
                parts.append(f"<h4>{html.escape(s.title)}</h4><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            if s.note:
                parts.append(f"<p>{html.escape(s.note)}</p>")
        return "\n".join(parts)


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: wide (CJK) characters take two.

    Examples
    --------
    >>> display_width("华信 Ltd")
    8
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _csv_cell(value: Any):
    return neutralize_formula(printable(value)) if isinstance(value, str) else value


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def render_section(section: Section) -> str:
    """A titled, aligned text table.

    Examples
    --------
    >>> print(render_section(Section("Holders", ["name", "share"], [["张三", "60 %"], ["Acme Ltd", "40 %"]])))
    Holders
      name      share
      张三      60 %
      Acme Ltd  40 %
    """
    lines = [printable(section.title)]
    if not section.rows:
        lines.append(f"  ({section.empty})")
    else:
        cells = [[printable(_cell(c)) for c in section.columns]] + [
            [printable(_cell(v).replace("\n", " ")) for v in row] for row in section.rows]
        widths = [max(display_width(row[i]) for row in cells) for i in range(len(section.columns))]
        for row in cells:
            lines.append(("  " + "  ".join(_pad(v, w) for v, w in zip(row, widths))).rstrip())
    if section.note:
        lines.append(f"  {printable(section.note)}")
    return "\n".join(lines)
