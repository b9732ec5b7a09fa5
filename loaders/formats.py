"""Every input format, by name, and telling them apart by their content.

``csv`` is the canonical folder (docs/csv-format.md); ``mapping`` registry extracts in Excel or
CSV read through a mapping (docs/mappings.md); ``bods``, ``psc``, ``gleif`` and ``ftm`` the open
standards (docs/inputs.md).
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..graph.errors import InvalidInput
from ..graph.stores.base import Store
from .archives import is_compressed, located, note_archive, unpacked
from .report import LoadReport

FORMATS = ("csv", "mapping", "bods", "psc", "gleif", "ftm", "parquet")
_SPREADSHEETS = (".xlsx", ".xlsm", ".xls")


def detect_format(path: str | Path) -> str:
    """The format of a file or folder, from what it holds; an error asking for ``--format`` where
    the content does not say."""
    path = Path(path)
    if path.is_dir():
        if (path / "entities.csv").is_file():
            return "csv"
        if (path / "entities.parquet").is_file():
            return "parquet"
        found = {_file_format(p) for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith(".")}
        found.discard(None)
        if "psc" in found and found <= {"psc", "mapping"}:
            return "psc"  # a snapshot with the company data CSV beside it
        if len(found) == 1:
            return found.pop()
        if not found:
            raise InvalidInput(path, None, None, "holds neither entities.csv nor files of a known format "
                                                 "(Excel, CSV, BODS, PSC, GLEIF or FollowTheMoney JSON)")
        raise InvalidInput(path, None, None, f"holds files of several formats ({', '.join(sorted(found))}); "
                                             "load them one format at a time, or pass --format")
    if not path.exists():
        raise InvalidInput(path, None, None, "no such file or folder")
    found = _file_format(path)
    if found is None:
        raise InvalidInput(path, None, None, "the format cannot be told from the content; pass --format "
                                             f"({' / '.join(FORMATS)})")
    return found


def _file_format(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in _SPREADSHEETS:
        return "mapping"
    if suffix == ".xml":
        with open(path, "rb") as f:
            head = f.read(2048)
        return "gleif" if b"gleif.org" in head else None
    if suffix == ".csv":
        header = _csv_header(path)
        if {"Relationship.StartNode.NodeID", "LEI"} & header or "ExceptionCategory" in header:
            return "gleif"
        if "CompanyNumber" in header:
            return "psc"
        return "mapping"
    if suffix in (".json", ".jsonl", ".ndjson", ".ijson", ".txt"):
        from .jsonfile import first_object

        try:
            first = first_object(path)
        except InvalidInput:
            return None
        return _json_format(first) if first else None
    return None


def _json_format(value: dict) -> str | None:
    from .bods import is_bods
    from .ftm import is_ftm
    from .gleif import record_kind
    from .psc import is_company_data, is_psc

    if is_bods(value):
        return "bods"
    if is_psc(value) or is_company_data(value):
        return "psc"
    if record_kind(value):
        return "gleif"
    if is_ftm(value):
        return "ftm"
    return None


def _csv_header(path: Path) -> set[str]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with open(path, encoding=encoding, newline="") as f:
                return {name.strip() for name in next(csv.reader(f), [])}
        except (UnicodeDecodeError, csv.Error):
            continue
    return set()


def load_path(store: Store, path: str | Path, *, fmt: str | None = None, mapping: str | Path | None = None,
              encoding: str | None = None, share_scale: str = "percent", progress: bool = False,
              keep_id_numbers: bool = False) -> LoadReport:
    """Load ``path`` in format ``fmt`` (told from the content when None) into ``store``, all or
    nothing; a ``mapping`` file implies the mapping format. ``path`` may be a list of the Excel and
    CSV files of one extract, read together, or a ``.gz`` or ``.zip`` of any input (:mod:`.archives`)."""
    if isinstance(path, (list, tuple)):
        paths = [Path(p) for p in path]
        for one in paths:
            if input_format(one, fmt, mapping) != "mapping":
                raise InvalidInput(one, None, None, "several inputs are read together only as Excel or CSV extracts; "
                                                    "load the others one at a time")
        from .common import load_records

        read, also = record_reader(store, paths, "mapping", mapping=mapping, encoding=encoding, share_scale=share_scale,
                                   keep_id_numbers=keep_id_numbers)
        return load_records(store, " + ".join(str(p) for p in paths), read, fmt="mapping", progress=progress,
                            also=also)
    path = Path(path)
    if is_compressed(path):
        with unpacked(path) as plain:
            try:
                report = load_path(store, plain, fmt=fmt, mapping=mapping, encoding=encoding, share_scale=share_scale,
                                   progress=progress, keep_id_numbers=keep_id_numbers)
            except InvalidInput as e:
                raise located(e, path, plain) from None
        note_archive(store, report, path)
        return report
    fmt = input_format(path, fmt, mapping)
    if fmt == "csv":
        from .csv_folder import load_folder

        return load_folder(store, path, encoding=encoding, share_scale=share_scale, progress=progress,
                           keep_id_numbers=keep_id_numbers)
    from .common import load_records

    read, also = record_reader(store, path, fmt, mapping=mapping, encoding=encoding, share_scale=share_scale,
                               keep_id_numbers=keep_id_numbers)
    return load_records(store, path, read, fmt=fmt, progress=progress, also=also)


def input_format(path: Path, fmt: str | None, mapping: str | Path | None) -> str:
    """The format ``path`` is read in: ``fmt``, the mapping format with a mapping, or told from the content."""
    if fmt is None:
        fmt = "mapping" if mapping is not None else detect_format(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if mapping is not None and fmt != "mapping":
        raise InvalidInput(Path(mapping), None, None, f"a mapping is for Excel and CSV extracts, not for {fmt} input")
    return fmt


def record_reader(store: Store, path: Path, fmt: str, *, mapping=None, encoding: str | None = None,
                  share_scale: str = "percent", keep_id_numbers: bool = False, id_salt: str | None = None):
    """``(read, also)``: ``read(report, progress)`` yields the validated records of ``path`` in
    ``fmt`` (names and numbers matched against ``store``); ``also()`` keeps, inside the load's
    transaction, what the reading needs kept (a new salt for ID-number hashes, unless the caller
    gives the salt in ``id_salt`` and keeps it)."""
    from .common import Matcher

    # What the load matches names and numbers against: the store as it was (nothing, when it was empty;
    # a first load into the embedded store then also builds its indexes only at the end).
    before = None if store.is_empty() else store
    hooks = []
    if fmt in ("csv", "mapping"):
        from .report import store_salt

        salt, new_salt = (id_salt, False) if id_salt is not None else store_salt(store)
        if new_salt:  # kept in the load's own transaction: a failed load keeps no salt either
            hooks.append(lambda: store.set_meta("id_salt", salt))
    if fmt == "csv":
        from .csv_rows import read_folder

        def read(report, bar):
            return read_folder(path, encoding=encoding, share_scale=share_scale, report=report, progress=bar,
                               known_kinds=lambda ids: {i: e.kind for i, e in store.get_many(ids).items()},
                               id_salt=salt, keep_id_numbers=keep_id_numbers)
    elif fmt == "mapping":
        from .extracts import read_tabular

        def read(report, bar):
            return read_tabular(path, mapping=mapping, matcher=Matcher(before, report), report=report, progress=bar,
                                encoding=encoding, id_salt=salt, share_scale=share_scale)
    elif fmt == "parquet":
        from .parquet import read_parquet

        def read(report, bar):
            return read_parquet(path, report, bar, known=lambda ids: set(store.get_many(ids)))
    elif fmt == "bods":
        from .bods import read_bods

        def read(report, bar):
            return read_bods(path, matcher=Matcher(before, report), report=report, progress=bar)
    elif fmt == "psc":
        from .psc import read_psc

        def read(report, bar):
            return read_psc(path, store=before, report=report, progress=bar)
    elif fmt == "gleif":
        from .gleif import read_gleif

        def read(report, bar):
            return read_gleif(path, matcher=Matcher(before, report), report=report, progress=bar)
    else:
        from .ftm import read_ftm

        def read(report, bar):
            return read_ftm(path, matcher=Matcher(before, report), report=report, progress=bar)
    return read, lambda: [hook() for hook in hooks]
