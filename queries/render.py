"""Rendering result objects: aligned text tables (CJK-aware), JSON, and HTML for notebooks.

A result object offers ``to_dict()`` (the stable JSON form) and ``sections()``: titled tables
that the text and HTML renderers format the same way.
"""

from __future__ import annotations

import csv
import html
import io
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Sequence


@dataclass
class Section:
    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    note: str = ""  # said under the table, e.g. "12 more not shown"
    empty: str = "none"


class Result:
    """Base of result objects: JSON via ``to_dict``, tables via ``sections``."""

    def to_dict(self) -> dict:
        raise NotImplementedError

    def sections(self) -> list[Section]:
        raise NotImplementedError

    def records(self) -> list[dict]:
        """The result's main table as flat records, for JSON lines and CSV."""
        main = self.sections()[0]
        return [dict(zip(main.columns, row)) for row in main.rows]

    def to_jsonl(self) -> str:
        return "\n".join(json.dumps(r, ensure_ascii=False, default=str) for r in self.records())

    def to_csv(self) -> str:
        records = self.records()
        columns = list(dict.fromkeys(key for r in records for key in r))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return out.getvalue().rstrip("\n")

    def render(self, fmt: str) -> str:
        """The result as ``table``, ``json``, ``jsonl`` or ``csv`` text."""
        renderers = {"table": self.to_text, "json": self.to_json, "jsonl": self.to_jsonl, "csv": self.to_csv}
        if fmt not in renderers:
            raise ValueError(f"format must be one of {', '.join(renderers)}, not {fmt!r}")
        return renderers[fmt]()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)

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
    lines = [section.title]
    if not section.rows:
        lines.append(f"  ({section.empty})")
    else:
        cells = [[_cell(c) for c in section.columns]] + [[_cell(v).replace("\n", " ") for v in row] for row in section.rows]
        widths = [max(display_width(row[i]) for row in cells) for i in range(len(section.columns))]
        for row in cells:
            lines.append(("  " + "  ".join(_pad(v, w) for v, w in zip(row, widths))).rstrip())
    if section.note:
        lines.append(f"  {section.note}")
    return "\n".join(lines)
