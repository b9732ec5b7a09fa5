"""A folder of Parquet tables as ``equitygraph export --format parquet`` writes them (or a Spark job
does, with the same columns): ``entities`` (required), ``holdings``, ``officers``, ``links``,
``events``, ``relations``. Read in batches; every row checked, a bad one named by its table, row
and column. ``results`` (what ``analyze`` wrote) is not loaded: ``analyze`` computes it again."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Callable, Iterator

from ..graph.errors import InvalidInput
from ..graph.model import (Entity, EntityKind, EventType, Holding, Interest, Link, LinkKind, Officer, Relation,
                           RelationType, RiskEvent, Share)
from .report import LoadReport

TABLES = ("entities", "holdings", "officers", "links", "events", "relations")
REQUIRED = {"entities": ("id", "kind", "name"), "holdings": ("holder_id", "company_id", "share_low", "share_high"),
            "officers": ("person_id", "company_id", "role"), "links": ("src", "dst", "kind"),
            "events": ("entity_id", "type"), "relations": ("a_id", "b_id", "type")}
BATCH = 65_536


class _Row:
    """One row's cells, each read with the check its column needs; a failure names table, row and column."""

    def __init__(self, path: Path, at: int, cells: dict):
        self.path, self.at, self.cells = path, at, cells

    def fail(self, column: str, problem: str):
        raise InvalidInput(self.path, self.at, column, problem)

    def text(self, column: str, required: bool = False) -> str | None:
        value = self.cells.get(column)
        if value is None or value == "":
            if required:
                self.fail(column, "is empty")
            return None
        if not isinstance(value, str):
            self.fail(column, f"{value!r} is not text")
        return value

    def number(self, column: str) -> float | None:
        value = self.cells.get(column)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            self.fail(column, f"{value!r} is not a number")
        return float(value)

    def day(self, column: str) -> dt.date | None:
        value = self.cells.get(column)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(column, f"{value!r} is not a date")

    def choice(self, column: str, kind, default=None):
        value = self.text(column, required=default is None)
        if value is None:
            return default
        try:
            return kind(value)
        except ValueError:
            self.fail(column, f"{value!r} is not one of {', '.join(k.value for k in kind)}")

    def share(self) -> Share:
        low, high = self.number("share_low"), self.number("share_high")
        try:
            return Share(low, high)
        except ValueError as e:
            self.fail("share_low" if high is not None else "share_high", str(e))


def _entity(row: _Row) -> Entity:
    aliases = row.cells.get("aliases") or ()
    if isinstance(aliases, str) or not all(isinstance(a, str) for a in aliases):
        row.fail("aliases", "is not a list of names")
    listed = row.cells.get("listed")
    if listed is not None and not isinstance(listed, bool):
        row.fail("listed", f"{listed!r} is not true or false")
    fractions = {"disclosure_threshold": row.number("disclosure_threshold"), "free_float": row.number("free_float")}
    for column, value in fractions.items():
        if value is not None and not 0 <= value <= 1:
            row.fail(column, f"{value} is not a fraction between 0 and 1")
    return Entity(row.text("id", True), row.choice("kind", EntityKind), row.text("name", True), tuple(aliases),
                  reg_no=row.text("reg_no"), jurisdiction=row.text("jurisdiction"), status=row.text("status"),
                  founded=row.day("founded"), registered_capital=row.number("registered_capital"),
                  paid_in_capital=row.number("paid_in_capital"), currency=row.text("currency"),
                  industry=row.text("industry"), business_scope=row.text("business_scope"),
                  disclosure_threshold=fractions["disclosure_threshold"], listed=bool(listed),
                  free_float=fractions["free_float"], id_hash=row.text("id_hash"), birth_date=row.day("birth_date"))


def _holding(row: _Row) -> Holding:
    return Holding(row.text("holder_id", True), row.text("company_id", True), row.share(),
                   row.choice("interest", Interest, Interest.SHAREHOLDING), row.day("since"), row.day("until"),
                   row.text("source"))


def _officer(row: _Row) -> Officer:
    return Officer(row.text("person_id", True), row.text("company_id", True), row.text("role", True),
                   row.day("since"), row.day("until"), row.text("title"))


def _link(row: _Row) -> Link:
    return Link(row.text("src", True), row.text("dst", True), row.choice("kind", LinkKind), row.day("since"),
                row.day("until"))


def _event(row: _Row) -> RiskEvent:
    severity = row.number("severity")
    if severity is not None and (severity != int(severity) or not 1 <= severity <= 5):
        row.fail("severity", f"{severity:g} is not a whole number from 1 to 5")
    return RiskEvent(row.text("entity_id", True), row.choice("type", EventType), row.day("date"),
                     None if severity is None else int(severity), row.text("text"), row.text("source"))


def _relation(row: _Row) -> Relation:
    return Relation(row.text("a_id", True), row.text("b_id", True), row.choice("type", RelationType), row.day("since"),
                    row.day("until"), row.text("source"), row.share())


READERS: dict[str, Callable[[_Row], object]] = {"entities": _entity, "holdings": _holding, "officers": _officer,
                                                "links": _link, "events": _event, "relations": _relation}


#: What each table counts as in the load report (the canonical folder's words).
COUNTED = {"entities": "entity rows", "holdings": "holdings", "officers": "officers", "links": "links",
           "events": "events", "relations": "relations"}
#: The columns of each table that name an entity.
NAMING = {"holdings": ("holder_id", "company_id"), "officers": ("person_id", "company_id"), "links": ("src", "dst"),
          "events": ("entity_id",), "relations": ("a_id", "b_id")}


def read_parquet(path: Path, report: LoadReport, progress: Callable[[int], None] = lambda n: None,
                 known: Callable[[set[str]], set[str]] = lambda ids: set()) -> Iterator:
    """The records of the Parquet folder ``path``, entities first, every row checked; a row naming an
    entity neither in ``entities`` nor among those ``known`` returns (the store's) is an error."""
    import pyarrow.parquet as pq

    entities: set[str] = set()
    for table in TABLES:
        file = path / f"{table}.parquet"
        if not file.is_file():
            if table == "entities":
                raise InvalidInput(file, None, None, "no such file: a Parquet folder needs entities.parquet")
            continue
        try:
            source = pq.ParquetFile(file)
        except Exception as e:  # pyarrow's own errors for what is not Parquet
            raise InvalidInput(file, None, None, f"not a Parquet file ({str(e).splitlines()[0]})") from None
        missing = [c for c in REQUIRED[table] if c not in source.schema_arrow.names]
        if missing:
            raise InvalidInput(file, None, missing[0], "no such column")
        number = 0
        for batch in source.iter_batches(BATCH):
            rows = batch.to_pylist()
            unknown = {row.get(c) for row in rows for c in NAMING.get(table, ())} - entities - {None, ""}
            unknown -= known(unknown) if unknown else set()
            for cells in rows:
                number += 1
                record = READERS[table](_Row(file, number, cells))
                if table == "entities":
                    entities.add(record.id)
                else:
                    for column in NAMING[table]:
                        if cells[column] in unknown:
                            raise InvalidInput(file, number, column, f"{cells[column]!r} is no entity of "
                                                                     "entities.parquet or of the store")
                yield record
            report.counts[COUNTED[table]] += batch.num_rows
            progress(batch.num_rows)
    if (path / "results.parquet").is_file():
        report.warnings.append("results.parquet is not loaded: equitygraph analyze computes the results again")
