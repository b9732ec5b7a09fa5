"""What a mapping reads from an extract, before anything is loaded (``equitygraph mapping check``),
and a starting mapping from the headers (``equitygraph mapping init``)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from ...graph.model import Entity, Holding, Link, Officer, Relation, RiskEvent
from ...loaders.common import Matcher
from ...loaders.report import LoadReport
from ...loaders.mapping import Mapping, mapping_toml, read_mapping
from ...loaders.extracts import mapped_sheets
from ...loaders.tabular import TabularReader, has_company_list, in_read_order
from ..i18n import _
from ..render import Result, Section


@dataclass
class MappingCheck(Result):
    sheets: list[dict]

    def to_dict(self) -> dict:
        return {"sheets": self.sheets}

    def sections(self) -> list[Section]:
        out = []
        for sheet in self.sheets:
            if sheet["kind"] is None:
                out.append(Section(_("{sheet}: no mapping fits (skipped)").format(sheet=sheet["sheet"]), ["header"],
                                   [(h,) for h in sheet["unmapped"]]))
                continue
            out.append(Section(_("{sheet}: read as {kind} ({mapping})").format(sheet=sheet["sheet"], kind=sheet["kind"],
                                                                                mapping=sheet["mapping"]), ["field", "column"],
                               list(sheet["columns"].items()),
                               note="not read: " + ", ".join(sheet["unmapped"]) if sheet["unmapped"] else ""))
            out.append(Section(_("{sheet}: the first rows give").format(sheet=sheet["sheet"]), ["record", "what"],
                               [(r["record"], r["what"]) for r in sheet["records"]],
                               note=sheet.get("error") or ""))
        return out


def check_mapping(path: str | Path, mapping_file: str | Path | None, *, rows: int = 5,
                  encoding: str | None = None) -> MappingCheck:
    """How each sheet of ``path`` is read, and the records of its first ``rows`` rows; the first
    error of a sheet is shown in place of its later records (nothing is written anywhere)."""
    from ...graph.errors import InvalidInput

    mapping = read_mapping(mapping_file) if mapping_file is not None else Mapping()
    pairs = mapped_sheets(Path(path), mapping, encoding)
    report = LoadReport(str(path), fmt="mapping")
    reader = TabularReader(Matcher(None, report), report, mapping, id_salt="check")
    readable = [(s, m) for s, m in pairs if m is not None]
    shown = []
    records_by_sheet: dict[int, list] = {id(sheet): [] for sheet, _ in readable}
    errors: dict[int, str] = {}
    reader.has_company_table = has_company_list(readable)
    for sheet, mapped in in_read_order(readable):
        try:
            for record in reader.sheet_records(sheet, mapped, itertools.islice(sheet.rows(), rows)):
                records_by_sheet[id(sheet)].append(record)
        except InvalidInput as e:
            errors[id(sheet)] = str(e)
    for sheet, mapped in pairs:
        entry = {"sheet": sheet.label, "kind": mapped.kind if mapped else None,
                 "mapping": mapped.origin if mapped else None,
                 "columns": mapped.columns if mapped else {},
                 "unmapped": mapped.unmapped if mapped else [h for h in sheet.header if h],
                 "records": [_describe(r) for r in records_by_sheet.get(id(sheet), [])]}
        if id(sheet) in errors:
            entry["error"] = errors[id(sheet)]
        shown.append(entry)
    return MappingCheck(shown)


def _describe(record) -> dict:
    if isinstance(record, Entity):
        extra = ", ".join(f"{k} {v}" for k, v in (("reg no", record.reg_no), ("registered capital", record.registered_capital),
                                                  ("founded", record.founded)) if v is not None)
        return {"record": record.kind.value, "what": f"{record.name} [{record.id}]" + (f" ({extra})" if extra else "")}
    if isinstance(record, Holding):
        return {"record": "holding", "what": f"{record.holder_id} holds {record.share.describe()} of {record.company_id}"}
    if isinstance(record, Officer):
        return {"record": "officer", "what": f"{record.person_id} is {record.role} of {record.company_id}"}
    if isinstance(record, Link):
        return {"record": record.kind.value, "what": f"{record.src} -> {record.dst}"}
    if isinstance(record, Relation):
        return {"record": record.type.value, "what": f"{record.a} -> {record.b} {record.share.describe()}"}
    if isinstance(record, RiskEvent):
        return {"record": "event", "what": f"{record.type.value} of {record.entity_id} on {record.date}"}
    return {"record": type(record).__name__, "what": str(record)}


def starting_mapping(path: str | Path, *, encoding: str | None = None) -> str:
    """A mapping file for ``path`` that names what the built-in mappings recognise in its headers."""
    return mapping_toml(mapped_sheets(Path(path), Mapping(), encoding))
