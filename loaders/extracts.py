"""Reading an extract: its sheets (of one file, a folder or several files), the mapping each is read
with, and why a sheet nothing fits is refused; :class:`~.tabular.TabularReader` turns the rows into records."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

from ..graph.errors import InvalidInput
from ..graph.stores.base import Record
from .common import Matcher
from .mapping import Mapping, TableMapping, all_header_words, looks_like_people, map_sheet, read_mapping
from .report import LoadReport
from .sheets import Sheet, read_sheets
from .tabular import TabularReader


def mapped_sheets(path: Path | list[Path], mapping: Mapping, encoding: str | None, report: LoadReport | None = None
                  ) -> list[tuple[Sheet, TableMapping | None]]:
    """Every sheet of the input (one file or folder, or several files) with how it is read; a table
    the mapping names that the input lacks is skipped, with one line in the report."""
    sheets = [sheet for one in (path if isinstance(path, list) else [path])
              for sheet in read_sheets(Path(one), encoding, all_header_words())]
    def present(name: str) -> bool:
        return any(s.name == name or s.file.name == name or s.file.stem == name for s in sheets)

    named = [t for t in mapping.tables if t.get("sheet") is not None]
    missing = [t for t in named if not present(t["sheet"])]
    # A mapping may describe an extract of several files, of which this input holds some: the tables it
    # lacks are skipped. An input holding none of them is the wrong input for the mapping.
    for table in missing:
        names = ", ".join(s.name for s in sheets)
        if report is None or len(missing) == len(named):
            raise InvalidInput(Path(mapping.origin), None, f"sheet {table['sheet']!r}",
                               f"is not a sheet or file of the input (it has: {names})")
        report.warnings.append(f"{mapping.origin}: the {table.get('kind')} table {table['sheet']!r} is not in this "
                               f"input ({names}); skipped")
    return [(sheet, map_sheet(sheet, mapping)) for sheet in sheets]


def read_tabular(path: str | Path | list[Path], *, mapping: str | Path | None, matcher: Matcher, report: LoadReport,
                 progress: Callable[[int], None] = lambda n: None, encoding: str | None = None,
                 id_salt: str | None = None, share_scale: str = "percent") -> Iterator[Record]:
    """Validated records of a workbook, a CSV file, a folder of them or several files, read through
    ``mapping`` (a TOML file) and the built-in mappings; ``share_scale`` where the mapping does not
    set one."""
    loaded = read_mapping(mapping, share_scale) if mapping is not None else Mapping(share_scale=share_scale)
    paths = [Path(p) for p in path] if isinstance(path, list) else Path(path)
    pairs = mapped_sheets(paths, loaded, encoding, report)
    readable, refused = [], []
    for sheet, mapped in pairs:
        if mapped is None:
            refused.append(sheet)
        else:
            readable.append((sheet, mapped))
    for sheet in refused:
        report.warnings.append(f"{sheet.label}: {_refusal(sheet)}; skipped")
    if not readable:
        first = refused[0] if refused else None
        where = first.file if first is not None else Path(paths[0] if isinstance(paths, list) else paths)
        reason = _refusal(first) if first is not None else "no table"
        raise InvalidInput(where, None, None, f"{reason}; write a mapping for it: equitygraph mapping init "
                                              f"{where.name} -o {where.stem}.toml")
    return TabularReader(matcher, report, loaded, progress, id_salt).records(readable)


def _refusal(sheet: Sheet) -> str:
    """Why no built-in mapping reads a sheet, with the columns it has."""
    columns = ", ".join(h for h in sheet.header if h) or "none"
    cells = [h for h in sheet.header if h]
    if len(cells) == 1 and "，" in cells[0]:
        return (f"its header is one column holding full-width commas ({cells[0][:80]}): the columns of a CSV file are "
                "separated by ASCII commas (,); save it so, and quote cells that hold commas")
    if looks_like_people(sheet.header):
        return (f"a list of people with no company or role column that a built-in mapping knows (columns: {columns}); "
                "it is not read as a company list")
    return f"no built-in mapping fits its columns ({columns})"
