"""The canonical CSV folder read row by row (docs/csv-format.md): every value checked, records out.

:func:`read_folder` turns a folder into validated records, entities first; the columnar reader
(:mod:`.csv_columns`) borrows its parsers and word tables so that both read a value alike.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

from stdnum.cn import uscc

from ..graph.errors import InvalidInput
from ..graph.model import (
    PARTY_KINDS,
    REGISTER_COMPLETE,
    Entity,
    EntityKind,
    EventType,
    Holding,
    Interest,
    Link,
    LinkKind,
    FAMILY_TIES,
    Officer,
    Relation,
    RelationType,
    RiskEvent,
    Share,
    address_id,
    contact_id,
    id_number_hash,
)
from ..graph.roles import role_code, written_title
from ..graph.stores.base import Record
from .fields import (
    check_name, clean_reg_no, parse_amount, parse_bool, parse_date, parse_fraction, parse_int_in, parse_share,
)
from .report import LoadReport
from .textfile import CsvTable, Row

ENTITY_COLUMNS = (
    "id", "kind", "name", "aliases", "reg_no", "jurisdiction", "status", "founded", "registered_capital",
    "paid_in_capital", "currency", "industry", "business_scope", "address", "phone", "email",
    "disclosure_threshold", "listed", "free_float", "id_number", "id_hash", "birth_date",
)
HOLDING_COLUMNS = ("holder_id", "company_id", "share", "interest", "since", "until", "source")
OFFICER_COLUMNS = ("person_id", "company_id", "role", "since", "until", "title")
EVENT_COLUMNS = ("entity_id", "type", "date", "severity", "text", "source")
RELATION_COLUMNS = ("a_id", "b_id", "type", "since", "until", "source", "share")

KIND_WORDS = {
    "company": EntityKind.COMPANY, "公司": EntityKind.COMPANY, "企业": EntityKind.COMPANY,
    "person": EntityKind.PERSON, "natural_person": EntityKind.PERSON, "自然人": EntityKind.PERSON,
    "个人": EntityKind.PERSON,
    "organization": EntityKind.ORGANIZATION, "organisation": EntityKind.ORGANIZATION, "机构": EntityKind.ORGANIZATION,
    "其他": EntityKind.ORGANIZATION,
}
_RELATION_WORDS = {
    "一致行动人": RelationType.CONCERT_PARTY, "一致行动": RelationType.CONCERT_PARTY,
    "concert party": RelationType.CONCERT_PARTY, "acting in concert": RelationType.CONCERT_PARTY,
    "配偶": RelationType.SPOUSE, "夫妻": RelationType.SPOUSE, "父母": RelationType.PARENT, "父亲": RelationType.PARENT,
    "母亲": RelationType.PARENT, "子女": RelationType.CHILD, "儿子": RelationType.CHILD, "女儿": RelationType.CHILD,
    "兄弟姐妹": RelationType.SIBLING, "亲属": RelationType.RELATIVE, "代持": RelationType.NOMINEE,
    "协议控制": RelationType.CONTROL_AGREEMENT, "实际控制人": RelationType.DECLARED_CONTROLLER, "vie": RelationType.CONTROL_AGREEMENT,
}
#: Ties whose second party must be a company or organization, and why.
_CONTROLS = {
    RelationType.CONTROL_AGREEMENT: "a control agreement controls a company",
    RelationType.ACCOUNTING_PARENT: "an accounting parent consolidates a company",
    RelationType.ULTIMATE_PARENT: "an ultimate parent is the parent of a company",
    RelationType.DECLARED_CONTROLLER: "a declared actual controller controls a company",
    RelationType.INDIRECT_HOLDER: "an indirect holder holds a company",
    RelationType.BENEFICIAL_OWNER: "a beneficial owner owns a company",
}
#: Holders of record that can be held; persons cannot be.
_HOLDABLE = (EntityKind.COMPANY, EntityKind.ORGANIZATION)


class FolderReader:
    def __init__(self, folder: Path, encoding: str | None, share_scale: str,
                 known_kinds: Callable[[list[str]], dict[str, EntityKind]], report: LoadReport,
                 progress: Callable[[int], None], id_salt: str | None = None, keep_id_numbers: bool = False):
        self.folder = folder
        self.id_salt = id_salt
        self.keep_id_numbers = keep_id_numbers
        self.encoding = encoding
        self.share_scale = share_scale
        self.known_kinds = known_kinds
        self.report = report
        self.progress = progress
        self.kinds: dict[str, EntityKind] = {}
        self.first_line: dict[str, int] = {}
        self.store_kinds: dict[str, EntityKind | None] = {}
        self.first_key_line: dict[int, int] = {}

    def records(self) -> Iterator[Record]:
        entities = self.folder / "entities.csv"
        holdings = self.folder / "holdings.csv"
        for required in (entities, holdings):
            if not required.is_file():
                raise InvalidInput(required, None, None, "required file is missing")
        yield from self._entities(self._table(entities, ("id", "kind", "name"), ENTITY_COLUMNS))
        yield from self._holdings(self._table(holdings, ("holder_id", "company_id", "share"), HOLDING_COLUMNS))
        officers = self.folder / "officers.csv"
        if officers.is_file():
            yield from self._officers(self._table(officers, ("person_id", "company_id", "role"), OFFICER_COLUMNS))
        events = self.folder / "events.csv"
        if events.is_file():
            yield from self._events(self._table(events, ("entity_id", "type"), EVENT_COLUMNS))
        relations = self.folder / "relations.csv"
        if relations.is_file():
            yield from self._relations(self._table(relations, ("a_id", "b_id", "type"), RELATION_COLUMNS))

    def _table(self, path: Path, required: tuple[str, ...], known: tuple[str, ...]) -> CsvTable:
        table = CsvTable(path, required, known, self.encoding)
        self.report.encodings[path.name] = table.encoding
        for column in table.ignored_columns:
            self.report.warnings.append(f"{path.name}: column {column!r} is not part of the format and was ignored")
        return table

    def _rows(self, table: CsvTable) -> Iterator[Row]:
        count = 0
        for row in table:
            count += 1
            yield row
            self.progress(1)
        if count == 0:
            self.report.warnings.append(f"{table.path.name}: has a header but no rows")

    # -- entities ---------------------------------------------------------------------------
    def _entities(self, table: CsvTable) -> Iterator[Record]:
        seen_nodes: set[str] = set()
        for row in self._rows(table):
            v = row.values
            at = Locator(table.path, row.line)
            entity_id = at.required(v, "id")
            if entity_id in self.first_line:
                at.fail("id", f"duplicate id {entity_id!r} (first on line {self.first_line[entity_id]})")
            kind_word = at.required(v, "kind")
            kind = KIND_WORDS.get(kind_word.lower())
            if kind is None:
                at.fail("kind", f"{kind_word!r} is not one of company, person, organization")
            name = at.required(v, "name")
            at.parse(v, "name", check_name, None)
            registered, currency_a = at.parse(v, "registered_capital", parse_amount, (None, None))
            paid_in, currency_b = at.parse(v, "paid_in_capital", parse_amount, (None, None))
            reg_no = clean_reg_no(v.get("reg_no"))
            if reg_no and len(reg_no) == 18 and v.get("jurisdiction", "").upper() in ("", "CN") and not uscc.is_valid(reg_no):
                self.report.warnings.append(
                    f"{table.path.name}:{row.line}: reg_no: {reg_no!r} fails the unified social credit code checksum"
                )
            entity = Entity(
                id=entity_id,
                kind=kind,
                name=name,
                aliases=tuple(a.strip() for a in v.get("aliases", "").split("|") if a.strip()),
                reg_no=reg_no,
                jurisdiction=v.get("jurisdiction") or None,
                status=v.get("status") or None,
                founded=at.parse(v, "founded", parse_date, None),
                registered_capital=registered,
                paid_in_capital=paid_in,
                currency=v.get("currency") or currency_a or currency_b,
                industry=v.get("industry") or None,
                business_scope=v.get("business_scope") or None,
                disclosure_threshold=at.parse(v, "disclosure_threshold",
                                              lambda text: parse_fraction(text, self.share_scale), None),
                listed=at.parse(v, "listed", parse_bool, False),
                free_float=at.parse(v, "free_float", lambda text: parse_fraction(text, self.share_scale), None),
                birth_date=at.parse(v, "birth_date", parse_date, None),
                **self._id_number(at, v, kind),
            )
            self.first_line[entity_id] = row.line
            self.kinds[entity_id] = kind
            self.report.counts["entity rows"] += 1
            self.report.counts[kind.value] += 1
            yield entity
            for column, make_id, node_kind, link_kind in (
                ("address", address_id, EntityKind.ADDRESS, LinkKind.LOCATED_AT),
                ("phone", contact_id, EntityKind.CONTACT, LinkKind.HAS_CONTACT),
                ("email", contact_id, EntityKind.CONTACT, LinkKind.HAS_CONTACT),
            ):
                for text in split_multi(v.get(column, "")):
                    node_id = make_id(text)
                    if node_id not in seen_nodes:
                        seen_nodes.add(node_id)
                        self.report.counts[node_kind.value] += 1
                        yield Entity(node_id, node_kind, text)
                    self.report.counts["links"] += 1
                    yield Link(entity_id, node_id, link_kind)

    def _id_number(self, at: "Locator", v: dict, kind: EntityKind) -> dict:
        """An ID number becomes a salted hash (the number is kept too only where asked)."""
        number, given_hash = clean_reg_no(v.get("id_number")) or "", v.get("id_hash", "")
        if (number or given_hash) and kind is not EntityKind.PERSON:
            at.fail("id_number" if number else "id_hash", "only natural persons have ID numbers here")
        if number:
            if not 6 <= len(number) <= 32 or not number.isalnum():
                at.fail("id_number", "is not an ID number (6 to 32 letters and digits)")
            if self.id_salt is None:
                raise ValueError("reading ID numbers needs the store's salt (id_salt)")
            return {"id_hash": id_number_hash(number, self.id_salt),
                    "id_number": number if self.keep_id_numbers else None}
        return {"id_hash": given_hash or None}

    # -- edges ------------------------------------------------------------------------------
    def _kind_of(self, at: "Locator", v: dict, column: str, allowed: tuple[EntityKind, ...], why: str) -> str:
        entity_id = at.required(v, column)
        kind = self.kinds.get(entity_id)
        if kind is None:
            if entity_id not in self.store_kinds:
                self.store_kinds[entity_id] = self.known_kinds([entity_id]).get(entity_id)
            kind = self.store_kinds[entity_id]
        if kind is None:
            at.fail(column, f"unknown id {entity_id!r} (not in entities.csv nor in the store)")
        if kind not in allowed:
            at.fail(column, f"{entity_id!r} is a {kind.value}; {why}")
        return entity_id

    def _note_repeat(self, table: CsvTable, line: int, key: str, what: str) -> None:
        """Two lines with one natural key (same parties, interest or role, and start date) are one fact
        to the store: the later line wins, and the report says so."""
        first = self.first_key_line.setdefault(hash((table.path.name, key)), line)
        if first != line:
            self.report.warnings.append(f"{table.path.name}:{line}: the {what} repeats line {first}; the later line wins")

    def _period(self, at: "Locator", v: dict) -> tuple[dt.date | None, dt.date | None]:
        since = at.parse(v, "since", parse_date, None)
        until = at.parse(v, "until", parse_date, None)
        if since and until and until < since:
            at.fail("until", f"{until.isoformat()} is before since {since.isoformat()}")
        return since, until

    def _holdings(self, table: CsvTable) -> Iterator[Record]:
        current_total: Counter = Counter()
        for row in self._rows(table):
            v = row.values
            at = Locator(table.path, row.line)
            holder = self._kind_of(at, v, "holder_id", PARTY_KINDS, "only companies, persons and organizations hold shares")
            company = self._kind_of(at, v, "company_id", _HOLDABLE, "only companies and organizations have holders")
            share = at.parse(v, "share", lambda text: parse_share(text, self.share_scale), Share.unknown())
            interest = at.choice(v, "interest", Interest, Interest.SHAREHOLDING)
            since, until = self._period(at, v)
            holding = Holding(holder, company, share, interest, since, until, v.get("source") or None)
            if interest is Interest.SHAREHOLDING and holding.in_force():
                current_total[company] += share.low if share.is_known else 0.0
            self._note_repeat(table, row.line, holding.key, f"holding of {holder!r} in {company!r}")
            self.report.counts["holdings"] += 1
            yield holding
        for company, total in sorted(current_total.items()):
            if total > 1.0 + 1e-9:
                self.report.warnings.append(
                    f"{table.path.name}: company {company!r}: current shareholdings sum to {total * 100:.2f} % (above 100 %)"
                )
        self.report.incomplete_registers = sum(
            1 for entity_id, kind in self.kinds.items()
            if kind is EntityKind.COMPANY and current_total.get(entity_id, 0.0) < REGISTER_COMPLETE - 1e-9)

    def _officers(self, table: CsvTable) -> Iterator[Record]:
        for row in self._rows(table):
            v = row.values
            at = Locator(table.path, row.line)
            person = self._kind_of(at, v, "person_id", PARTY_KINDS, "officers are persons, companies or organizations")
            company = self._kind_of(at, v, "company_id", _HOLDABLE, "only companies and organizations have officers")
            written = at.required(v, "role")
            role = role_code(written)
            since, until = self._period(at, v)
            title = v.get("title") or written_title(written, role)
            officer = Officer(person, company, role, since, until, title)
            self._note_repeat(table, row.line, officer.key, f"{role} role of {person!r} in {company!r}")
            self.report.counts["officers"] += 1
            yield officer

    def _events(self, table: CsvTable) -> Iterator[Record]:
        for row in self._rows(table):
            v = row.values
            at = Locator(table.path, row.line)
            entity = self._kind_of(at, v, "entity_id", PARTY_KINDS, "events are about companies, persons or organizations")
            event_type = at.choice(v, "type", EventType, None)
            if event_type is None:
                at.fail("type", "is empty")
            self.report.counts["events"] += 1
            yield RiskEvent(
                entity, event_type, at.parse(v, "date", parse_date, None),
                at.parse(v, "severity", lambda text: parse_int_in(text, 1, 5), None),
                v.get("text") or None, v.get("source") or None,
            )

    def _relations(self, table: CsvTable) -> Iterator[Record]:
        for row in self._rows(table):
            v = row.values
            at = Locator(table.path, row.line)
            a = self._kind_of(at, v, "a_id", PARTY_KINDS, "relations are between companies, persons or organizations")
            b = self._kind_of(at, v, "b_id", PARTY_KINDS, "relations are between companies, persons or organizations")
            word = at.required(v, "type")
            kind = _RELATION_WORDS.get(word.lower()) or _RELATION_WORDS.get(word)
            if kind is None:
                try:
                    kind = RelationType(word.lower())
                except ValueError:
                    at.fail("type", f"{word!r} is not one of {', '.join(t.value for t in RelationType)}")
            if a == b:
                at.fail("b_id", f"{a!r} cannot be related to itself")
            if kind in FAMILY_TIES and {self._kind(a), self._kind(b)} != {EntityKind.PERSON}:
                at.fail("type", f"{kind.value} is a tie between natural persons")
            if kind in _CONTROLS and self._kind(b) not in _HOLDABLE:
                at.fail("b_id", f"{b!r} is a {self._kind(b).value}; {_CONTROLS[kind]}")
            since, until = self._period(at, v)
            share = at.parse(v, "share", lambda text: parse_share(text, self.share_scale), Share.unknown())
            relation = Relation(a, b, kind, since, until, v.get("source") or None, share)
            self._note_repeat(table, row.line, relation.key, f"{kind.value} tie of {a!r} and {b!r}")
            self.report.counts["relations"] += 1
            yield relation

    def _kind(self, entity_id: str) -> EntityKind | None:
        return self.kinds.get(entity_id) or self.store_kinds.get(entity_id)


class Locator:
    """Turns a field's problem into an :class:`InvalidInput` naming file, line and field."""

    def __init__(self, path: Path, line: int):
        self.path = path
        self.line = line

    def fail(self, column: str, problem: str):
        raise InvalidInput(self.path, self.line, column, problem)

    def required(self, v: dict, column: str) -> str:
        value = v.get(column, "")
        if not value:
            self.fail(column, "is empty")
        return value

    def parse(self, v: dict, column: str, parser, default):
        text = v.get(column, "")
        if not text:
            return default
        try:
            return parser(text)
        except ValueError as e:
            self.fail(column, str(e))

    def choice(self, v: dict, column: str, enum_type, default):
        text = v.get(column, "")
        if not text:
            return default
        try:
            return enum_type(text.lower())
        except ValueError:
            self.fail(column, f"{text!r} is not one of {', '.join(m.value for m in enum_type)}")


def split_multi(text: str) -> list[str]:
    """Several addresses / phones in one cell are separated by ``|`` or ``;``."""
    if not text:
        return []
    if "|" not in text and ";" not in text and "；" not in text:
        return [text]
    return [part.strip() for part in text.replace(";", "|").replace("；", "|").split("|") if part.strip()]


def read_folder(folder: str | Path, *, encoding: str | None = None, share_scale: str = "percent",
                known_kinds: Callable[[list[str]], dict[str, EntityKind]] = lambda ids: {},
                report: LoadReport | None = None, progress: Callable[[int], None] = lambda n: None,
                id_salt: str | None = None, keep_id_numbers: bool = False) -> Iterator[Record]:
    """Validated records of a canonical CSV folder, entities first.

    ``known_kinds`` tells the kinds of ids defined outside the folder (usually in the store), so a
    folder can add holdings between entities loaded earlier. ID numbers are stored as hashes salted
    with ``id_salt`` (the store's), the numbers themselves only with ``keep_id_numbers``. Raises
    :class:`InvalidInput` at the first bad value.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInput(folder, None, None, "is not a folder (expected a folder holding entities.csv and holdings.csv)")
    if share_scale not in ("percent", "fraction"):
        raise ValueError(f"share_scale must be 'percent' or 'fraction', not {share_scale!r}")
    reader = FolderReader(folder, encoding, share_scale, known_kinds, report or LoadReport(str(folder)), progress,
                           id_salt, keep_id_numbers)
    return reader.records()
