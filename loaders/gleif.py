"""GLEIF: LEI-CDF entity records, RR-CDF relationship records and reporting exceptions, from the
JSON, XML and golden-copy CSV files GLEIF publishes (see docs/inputs.md).

* an entity is ``lei:<LEI>`` (or the store's party with that LEI as registration number);
* a direct accounting-consolidation parent is control (``accounting_parent``, used as a control
  agreement is); an ultimate parent is a declared fact (``ultimate_parent``) that ``equitygraph
  discrepancies`` checks against the chain of direct parents; fund ties are kept as ties;
* a relationship whose status is not active ends on its period's end (or its last update);
* a reporting exception is an explicit unknown parent named with its reason, holding an ``other``
  interest (it shows in reports and pages without deciding control);
* a relationship naming an LEI that is neither in the input nor in the store gets a placeholder
  party ``LEI <code>``, which an entity record loaded later replaces.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Callable, Iterator
from xml.etree import ElementTree

from ..graph.errors import InvalidInput
from ..graph.model import (
    Entity, EntityKind, Holding, Interest, Link, LinkKind, Relation, RelationType, Share, address_id,
)
from ..graph.stores.base import Record
from .common import Matcher
from .report import LoadReport
from .fields import clean_reg_no, iso_day
from .jsonfile import fail_at as _fail, files_in, read_objects, shaped
from .spill import SpillMap

PREFIX = "lei:"
RELATIONSHIP_TYPES = {
    "IS_DIRECTLY_CONSOLIDATED_BY": RelationType.ACCOUNTING_PARENT,
    "IS_ULTIMATELY_CONSOLIDATED_BY": RelationType.ULTIMATE_PARENT,
    "IS_FUND-MANAGED_BY": RelationType.FUND_MANAGER,
    "IS_SUBFUND_OF": RelationType.UMBRELLA_FUND,
    "IS_FEEDER_TO": RelationType.MASTER_FUND,
}
_ORGANIZATION_CATEGORIES = {"FUND", "RESIDENT_GOVERNMENT_ENTITY", "INTERNATIONAL_ORGANIZATION", "SOLE_PROPRIETOR"}


def record_kind(value: dict) -> str | None:
    """``entity``, ``relationship`` or ``exception`` for a GLEIF record (JSON, XML or CSV row)."""
    if "Relationship" in value or "Relationship.StartNode.NodeID" in value:
        return "relationship"
    if "ExceptionCategory" in value:
        return "exception"
    if "LEI" in value and ("Entity" in value or "Entity.LegalName" in value):
        return "entity"
    return None


def _get(value: dict, path: str):
    """A field by its dotted golden-copy name, from a nested record or a flat CSV row."""
    if path in value:
        return value[path] or None
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value or None


class GleifReader:
    def __init__(self, matcher: Matcher, report: LoadReport, progress: Callable[[int], None]):
        self.matcher = matcher
        self.report = report
        self.progress = progress
        self.ids = SpillMap()  # LEI -> node id, for LEIs met in this load (on disk beyond spill.IN_MEMORY)

    def records(self, path: Path) -> Iterator[Record]:
        """Read twice, in flat memory at any size: entities first, so relationships find them
        (placeholders only for LEIs nowhere else), then relationships and reporting exceptions."""
        files = files_in(path, (".json", ".jsonl", ".xml", ".csv"))
        for file, where, kind, value in self._read(files):
            if kind == "entity":
                self.progress(1)
                with shaped(file, where, "GLEIF"):
                    yield from self._entity(file, where, value)
        for file, where, kind, value in self._read(files):
            if kind != "entity":
                self.progress(1)
                with shaped(file, where, "GLEIF"):
                    if kind == "relationship":
                        yield from self._relationship(file, where, value)
                    else:
                        yield from self._exception(file, where, value)

    @staticmethod
    def _read(files: list[Path]) -> Iterator[tuple[Path, str, str, dict]]:
        for file in files:
            for where, value in _records(file):
                kind = record_kind(value)
                if kind is None:
                    _fail(file, where, None, "is not a GLEIF LEI, relationship or reporting-exception record")
                yield file, where, kind, value

    def _node(self, lei: str) -> tuple[str, Entity | None]:
        """The node of an LEI, and a placeholder to write where nothing is known of it."""
        if lei in self.ids:
            return self.ids[lei], None
        stored = self.matcher.by_number(lei)
        node = stored.id if stored is not None else PREFIX + lei
        self.ids[lei] = node
        if stored is None:
            self.report.counts["entity rows"] += 1
            self.report.counts["placeholders"] += 1
            self.matcher.kinds[node] = EntityKind.COMPANY
            return node, Entity(node, EntityKind.COMPANY, f"LEI {lei}", reg_no=lei, status="not in the input")
        return node, None

    def _entity(self, file: Path, where: str, value: dict) -> Iterator[Record]:
        lei = _lei(file, where, _get(value, "LEI"), "LEI")
        name = _get(value, "Entity.LegalName")
        if isinstance(name, dict):  # XML: the text with its language attribute
            name = name.get("#text")
        if not name:
            _fail(file, where, "Entity.LegalName", "is empty")
        stored = self.matcher.by_number(lei)
        if stored is not None and not stored.id.startswith(PREFIX):
            self.ids[lei] = stored.id
            self.report.counts["matched on record"] += 1
            return
        node = self.ids[lei] = PREFIX + lei
        category = _get(value, "Entity.EntityCategory")
        others = _get(value, "Entity.OtherEntityNames")
        if isinstance(others, dict):
            others = others.get("OtherEntityName")
        aliases = tuple(dict.fromkeys(
            (o.get("OtherEntityName") or o.get("#text")) if isinstance(o, dict) else str(o)
            for o in (others if isinstance(others, list) else [others] if others else [])
        ))
        jurisdiction = _get(value, "Entity.LegalJurisdiction")
        entity = Entity(node, EntityKind.ORGANIZATION if category in _ORGANIZATION_CATEGORIES else EntityKind.COMPANY,
                        str(name).strip(), aliases=tuple(a for a in aliases if a and a != name), reg_no=lei,
                        jurisdiction=str(jurisdiction)[:2] if jurisdiction else None,
                        status=(_get(value, "Entity.EntityStatus") or "").lower() or None,
                        founded=iso_day(_get(value, "Entity.EntityCreationDate")),
                        industry=category.lower() if category else None)
        self.matcher.remember(entity)
        self.report.counts["entity rows"] += 1
        self.report.counts[entity.kind.value] += 1
        yield entity
        address = _address(value)
        if address:
            yield Entity(address_id(address), EntityKind.ADDRESS, address)
            self.report.counts["links"] += 1
            yield Link(node, address_id(address), LinkKind.LOCATED_AT)

    def _relationship(self, file: Path, where: str, value: dict) -> Iterator[Record]:
        child_lei = _lei(file, where, _get(value, "Relationship.StartNode.NodeID"), "Relationship.StartNode.NodeID")
        parent_lei = _lei(file, where, _get(value, "Relationship.EndNode.NodeID"), "Relationship.EndNode.NodeID")
        kind_text = _get(value, "Relationship.RelationshipType")
        kind = RELATIONSHIP_TYPES.get(str(kind_text))
        if kind is None:
            _fail(file, where, "Relationship.RelationshipType", f"{kind_text!r} is not one of {', '.join(RELATIONSHIP_TYPES)}")
        since, until = _period(value)
        status = str(_get(value, "Relationship.RelationshipStatus") or "ACTIVE").upper()
        if status != "ACTIVE" and until is None:
            until = iso_day(_get(value, "Registration.LastUpdateDate")) or dt.date.today()
        if since and until and until < since:
            since = None  # GLEIF sometimes dates the period after its lapse: keep the end, the surer fact
        child, placeholder = self._node(child_lei)
        if placeholder:
            yield placeholder
        parent, placeholder = self._node(parent_lei)
        if placeholder:
            yield placeholder
        self.report.counts["relations"] += 1
        yield Relation(parent, child, kind, since, until, f"{file.name}#{where}: {kind_text}")

    def _exception(self, file: Path, where: str, value: dict) -> Iterator[Record]:
        lei = _lei(file, where, _get(value, "LEI"), "LEI")
        category = str(_get(value, "ExceptionCategory") or "")
        reason = _get(value, "ExceptionReason") or _get(value, "ExceptionReason1") or "not given"
        if isinstance(reason, list):
            reason = ", ".join(map(str, reason))
        child, placeholder = self._node(lei)
        if placeholder:
            yield placeholder
        level = "ultimate" if category.startswith("ULTIMATE") else "direct"
        unknown = f"{PREFIX}unknown:{lei}:{level}"
        words = str(reason).replace("_", " ").lower()
        self.report.counts["unknown parties"] += 1
        self.report.counts["entity rows"] += 1
        yield Entity(unknown, EntityKind.PERSON if reason == "NATURAL_PERSONS" else EntityKind.ORGANIZATION,
                     f"unknown {level} parent ({words})", status="unknown")
        self.report.counts["holdings"] += 1
        yield Holding(unknown, child, Share.unknown(), Interest.OTHER,
                      source=f"{file.name}#{where}: reporting exception {category} {reason}")


def _records(file: Path) -> Iterator[tuple[str, dict]]:
    suffix = file.suffix.lower()
    if suffix == ".csv":
        with open(file, encoding="utf-8-sig", newline="") as f:
            for number, row in enumerate(csv.DictReader(f), 2):
                yield f"line {number}", row
    elif suffix == ".xml":
        yield from _xml_records(file)
    else:
        for found in read_objects(file):
            yield found.where(), found.value


_RECORD_TAGS = {"LEIRecord", "RelationshipRecord", "Exception"}


def _xml_records(file: Path) -> Iterator[tuple[str, dict]]:
    position = 0
    parents = []  # the elements open above the one read: a record read is taken out of its parent
    try:
        for event, element in ElementTree.iterparse(file, events=("start", "end")):
            if event == "start":
                parents.append(element)
                continue
            parents.pop()
            if _local(element.tag) in _RECORD_TAGS:
                position += 1
                yield f"record {position}", _xml_dict(element)
                if parents:
                    parents[-1].remove(element)
    except ElementTree.ParseError as e:
        raise InvalidInput(file, e.position[0], None, f"is not well-formed XML: {e}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_dict(element) -> dict:
    out: dict = {}
    for child in element:
        name = _local(child.tag)
        value = _xml_dict(child) if len(child) else (child.text or "").strip()
        if name in out:
            out[name] = (out[name] if isinstance(out[name], list) else [out[name]]) + [value]
        else:
            out[name] = value
    return out


def _lei(file: Path, where: str, value, field_name: str) -> str:
    text = clean_reg_no(str(value or "")) or ""
    if len(text) != 20 or not text.isalnum():
        _fail(file, where, field_name, f"{value!r} is not an LEI (20 letters and digits)")
    return text


def _period(value: dict) -> tuple[dt.date | None, dt.date | None]:
    if "Relationship.Period1.startDate" in value:  # golden-copy CSV
        for n in range(1, 6):
            if (value.get(f"Relationship.Period{n}.periodType") or "") == "RELATIONSHIP_PERIOD":
                return (iso_day(value.get(f"Relationship.Period{n}.startDate")),
                        iso_day(value.get(f"Relationship.Period{n}.endDate")))
        return None, None
    periods = _get(value, "Relationship.RelationshipPeriods")
    if isinstance(periods, dict):
        periods = periods.get("RelationshipPeriod")
    for period in periods if isinstance(periods, list) else [periods] if periods else []:
        if isinstance(period, dict) and period.get("PeriodType") == "RELATIONSHIP_PERIOD":
            return iso_day(period.get("StartDate")), iso_day(period.get("EndDate"))
    return None, None


def _address(value: dict) -> str | None:
    parts = [_get(value, f"Entity.LegalAddress.{k}") for k in ("FirstAddressLine", "City", "Region", "PostalCode", "Country")]
    return ", ".join(str(p).strip() for p in parts if p and not isinstance(p, (dict, list))) or None


def read_gleif(path: str | Path, *, matcher: Matcher, report: LoadReport,
               progress: Callable[[int], None] = lambda n: None) -> Iterator[Record]:
    """Validated records of GLEIF files (a file, or a folder of them)."""
    return GleifReader(matcher, report, progress).records(Path(path))
