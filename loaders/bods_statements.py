"""The statements of a BODS input as read: each one's identity, and an index of them all (in a
temporary database) that says which statement of a record is the latest and reads those again."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..graph.errors import InvalidInput
from .common import PUBLISHER, entity_fields, kept_fields
from .jsonfile import Found, fail_at, read_objects
from .report import LoadReport
from .spill import SpillMap, temporary_database

#: The node of a party a BODS record describes: this prefix and the record id.
PREFIX = "bods:"
_KINDS = {"entityStatement": "entity", "personStatement": "person", "ownershipOrControlStatement": "relationship"}


@dataclass
class Statement:
    found: Found
    path: Path
    id: str
    kind: str  # entity, person or relationship
    record: str  # the record it describes (0.4 recordId; 0.2/0.3 the first statement of its chain)
    date: str
    closed: bool
    details: dict
    replaces: list[str] = field(default_factory=list)
    #: published by equitygraph's own export: its record ids are equitygraph ids, its source the original
    ours: bool = False
    kept_source: str | None = None
    kept_fields: dict = field(default_factory=dict)

    def fail(self, field_name: str, problem: str):
        line = self.found.line
        where = field_name if line is not None else f"{self.found.where()} ({self.id}): {field_name}"
        raise InvalidInput(self.path, line, where, problem)

    @property
    def source(self) -> str:
        return self.kept_source if self.ours and self.kept_source else f"{self.path.name}#{self.id}"

    @property
    def node(self) -> str:
        """The node of the record: equitygraph's own id where equitygraph published it."""
        return self.record if self.ours else PREFIX + self.record


def objects(files: list[Path]) -> Iterator[tuple[Path, Found]]:
    for file in files:
        for found in read_objects(file):
            yield file, found


def statement(file: Path, found: Found) -> Statement:
    """The statement an object of the input is, checked as far as its kind and identity go."""
    value = found.value
    for key, kind_of in (("recordType", str), ("statementType", str), ("recordDetails", dict),
                         ("replacesStatements", list)):
        if value.get(key) is not None and not isinstance(value[key], kind_of):
            fail_at(file, found.where(), key,
                    f"is not {'a text' if kind_of is str else 'an object' if kind_of is dict else 'a list'}")
    if "recordType" in value:  # 0.4
        kind = value["recordType"]
        statement = Statement(found, file, str(value.get("statementId", "")), kind,
                               str(value.get("recordId", "")), str(value.get("statementDate") or ""),
                               value.get("recordStatus") == "closed", value.get("recordDetails") or {},
                               ours=_published_by_us(value),
                               kept_source=((value.get("source") or {}).get("description") or None)
                               if isinstance(value.get("source"), dict) else None)
        if statement.ours:
            notes = [n.get("description") for n in value.get("annotations") or [] if isinstance(n, dict)]
            statement.kept_fields = entity_fields(kept_fields(notes))
        if not statement.record:
            statement.fail("recordId", "is missing")
    elif "statementType" in value:  # 0.2, 0.3
        kind = _KINDS.get(value["statementType"], value["statementType"])
        sid = str(value.get("statementID", ""))
        statement = Statement(found, file, sid, kind, sid, str(value.get("statementDate") or ""), False,
                               value, [str(s) for s in value.get("replacesStatements") or []])
    else:
        raise InvalidInput(file, found.line, None if found.line else found.where(),
                           "is not a BODS statement (no recordType or statementType)")
    if not statement.id:
        statement.fail("statementId", "is missing")
    if kind not in ("entity", "person", "relationship"):
        statement.fail("recordType", f"{kind!r} is not entity, person or relationship")
    return statement

class StatementIndex:
    """Every statement's id, record, date and kind, and the party node of every record, in a temporary
    database: which statement of a record is the latest, in date order (file order on a tie), and the
    record of every statement id; a statement that replaces others (0.2, 0.3) takes over their record."""

    def __init__(self):
        self.db = temporary_database()
        self.db.executescript("""
            CREATE TABLE st (seq INTEGER PRIMARY KEY, id TEXT, record TEXT, date TEXT, kind TEXT, replaces TEXT);
            CREATE TABLE latest (seq INTEGER PRIMARY KEY);
            CREATE TABLE party (record TEXT PRIMARY KEY, node TEXT) WITHOUT ROWID;
        """)
        self._rows: list[tuple] = []
        self._replacing = False

    def add(self, seq: int, st: Statement) -> None:
        self._rows.append((seq, st.id, st.record, st.date, st.kind, json.dumps(st.replaces) if st.replaces else None))
        self._replacing |= bool(st.replaces)
        if len(self._rows) >= 50_000:
            self._flush()

    def _flush(self) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT INTO st VALUES (?, ?, ?, ?, ?, ?)", self._rows)
        self._rows.clear()

    def settle(self, report: LoadReport) -> None:
        self._flush()
        if self._replacing:
            self._take_over_records(report)
        self.db.executescript("""
            BEGIN;
            CREATE INDEX st_id ON st (id);
            INSERT INTO latest SELECT seq FROM (
                SELECT seq, row_number() OVER (PARTITION BY record ORDER BY date DESC, seq DESC) AS n FROM st)
                WHERE n = 1;
            COMMIT;
        """)
        (statements,), = self.db.execute("SELECT count(*) FROM st")
        (records,), = self.db.execute("SELECT count(*) FROM latest")
        if statements > records:
            report.counts["superseded statements"] += statements - records
        self.db.execute("BEGIN")  # the parties, written one at a time: one transaction, never committed

    def _take_over_records(self, report: LoadReport) -> None:
        record_of = SpillMap()
        moved = []
        for seq, sid, record, replaces in self.db.execute(
                "SELECT seq, id, record, replaces FROM st ORDER BY date, seq"):
            for old in json.loads(replaces) if replaces else ():
                record = record_of.get(old, old)
                report.counts["replaced statements"] += 1
            record_of[sid] = record
            if replaces:
                moved.append((record, seq))
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("UPDATE st SET record = ? WHERE seq = ?", moved)
        record_of.close()

    def latest(self, files: list[Path], kinds: tuple[str, ...]) -> Iterator[Statement]:
        """The latest statement of each record of ``kinds``, read again from ``files``, in file order."""
        wanted = self.db.execute(
            f"SELECT seq, record FROM latest JOIN st USING (seq) WHERE kind IN ({', '.join('?' * len(kinds))}) "
            "ORDER BY seq", kinds)
        next_seq, record = next(wanted, (None, None))
        for seq, (file, found) in enumerate(objects(files)):
            if next_seq is None:
                return
            if seq == next_seq:
                st = statement(file, found)
                st.record = record
                yield st
                next_seq, record = next(wanted, (None, None))

    def parties_add(self, record: str, node: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO party VALUES (?, ?)", (record, node))

    def party(self, ref: str) -> str | None:
        """The node of the party a statement id or record id names (a statement id first)."""
        row = self.db.execute("""
            SELECT coalesce(
                (SELECT party.node FROM st JOIN party USING (record) WHERE st.id = ?1 ORDER BY st.date DESC, st.seq DESC
                 LIMIT 1),
                (SELECT node FROM party WHERE record = ?1))""", (ref,)).fetchone()
        return row[0]

    def close(self) -> None:
        self.db.close()

def _published_by_us(value: dict) -> bool:
    """Whether a statement comes from equitygraph's own export (so that loading it back into the store
    it came from adds nothing, and into another gives the same ids)."""
    publisher = (value.get("publicationDetails") or {}).get("publisher") if isinstance(value.get("publicationDetails"), dict) else None
    return isinstance(publisher, dict) and publisher.get("name") == PUBLISHER
