"""Registry extracts as they arrive - Excel workbooks and CSV files with Chinese or English headers -
read through a mapping (:mod:`.mapping`) into the model.

Rows name entities by name or registration number, not by id:

* a company is matched by registration number, then by exact normalised name, among this load's
  companies and the store's; a new company's id is ``co:<reg no>`` or ``co:<name>``;
* a holder is a person, company or organization by its type column (自然人股东, 企业法人, 合伙企业,
  ...), else the party on record by that registration number or name, else what its registration
  number or its name says (:mod:`.holder_kinds`: a person only where the name reads like one);
* a person named only by a name is scoped to the company the row is about (``person:<company>:<name>``):
  never merged with a namesake elsewhere on the name alone; an ID number (hashed) makes them one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from ..graph.model import (
    Entity, EntityKind, EventType, Holding, Interest, Link, LinkKind, Officer, Relation, RelationType, RiskEvent,
    Share, address_id, contact_id, id_number_hash, normalize_name,
)
from ..graph.roles import family_of, roles_of, written_title
from ..graph.stores.base import Record
from .common import Matcher
from .csv_rows import split_multi
from .report import LoadReport
from .holder_kinds import RULE_RECORD, RULE_TYPE, kind_by_name
from .fields import (
    check_name, clean_reg_no, parse_amount, parse_date, parse_int_in, parse_share, registration_number_in,
)
from .mapping import READ_ORDER, Mapping, TableMapping, amount_factor
from .sheets import Percent, Sheet, cell_text

_PERSON_TYPES = ("自然人", "个人", "natural person", "individual", "person")
_ORGANIZATION_TYPES = ("合伙", "事业单位", "机关", "社会团体", "基金", "政府", "国有资产", "organization", "organisation",
                       "partnership", "fund", "government", "state", "trust", "其他")
_COMPANY_TYPES = ("企业", "法人", "公司", "company", "corporate", "entity")
_EVENT_WORDS = {
    "行政处罚": EventType.PENALTY, "处罚": EventType.PENALTY, "penalty": EventType.PENALTY,
    "裁判文书": EventType.COURT_CASE, "法律诉讼": EventType.COURT_CASE, "开庭公告": EventType.COURT_CASE,
    "诉讼": EventType.COURT_CASE, "court case": EventType.COURT_CASE, "被执行人": EventType.COURT_CASE,
    "经营异常": EventType.ABNORMAL_OPERATION, "abnormal operation": EventType.ABNORMAL_OPERATION,
    "投诉": EventType.COMPLAINT, "举报": EventType.COMPLAINT, "complaint": EventType.COMPLAINT,
    "负面新闻": EventType.NEGATIVE_NEWS, "舆情": EventType.NEGATIVE_NEWS, "negative news": EventType.NEGATIVE_NEWS,
    "非法集资": EventType.CONFIRMED_CASE, "立案": EventType.CONFIRMED_CASE, "confirmed case": EventType.CONFIRMED_CASE,
}
_WAN = re.compile(r"万|亿")


@dataclass
class _Row:
    sheet: Sheet
    number: int
    values: dict  # field -> cell

    def text(self, name: str) -> str:
        return cell_text(self.values.get(name))

    def fail(self, name: str, problem: str, columns: dict[str, str]):
        self.sheet.fail(self.number, columns.get(name, name), problem)


@dataclass
class TabularReader:
    matcher: Matcher
    report: LoadReport
    mapping: Mapping
    progress: Callable[[int], None] = lambda n: None
    id_salt: str | None = None
    companies: dict[str, float | None] = field(default_factory=dict)  # id -> registered capital (yuan)
    has_company_table: bool = False
    company_rows: dict[str, int] = field(default_factory=dict)
    levels: dict = field(default_factory=dict)  # penetration: the holder last seen at each level, and the root
    declared: dict = field(default_factory=dict)  # (company, name) -> the row declaring its actual controller
    named: dict = field(default_factory=dict)  # normalised name -> the parties of this input named so
    stock_codes: dict = field(default_factory=dict)  # stock code -> company id, from this input's company list
    issued: dict = field(default_factory=dict)  # company id -> its issued shares, from this input's company list

    def records(self, sheets: list[tuple[Sheet, TableMapping]]) -> Iterator[Record]:
        self.has_company_table = has_company_list(sheets)
        for sheet, mapped in in_read_order(sheets):
            self.report.mappings[sheet.label] = f"{mapped.kind}: {mapped.origin}"
            if sheet.encoding:
                self.report.encodings[sheet.label] = sheet.encoding
            count = yield from self.sheet_records(sheet, mapped, sheet.rows())
            if count == 0:
                self.report.warnings.append(f"{sheet.label}: has a header but no rows")

    def sheet_records(self, sheet: Sheet, mapped: TableMapping, rows: Iterable[tuple[int, dict]]) -> Iterator[Record]:
        """The records of some rows of one sheet (a penetration table's levels start afresh); returns
        how many rows were read."""
        read = getattr(self, "_" + mapped.kind)
        self.levels = {}
        count = 0
        for number, cells in rows:
            count += 1
            self.progress(1)
            yield from read(_Row(sheet, number, {name: cells.get(header) for name, header in mapped.columns.items()}),
                            mapped)
        yield from self._declared_controllers()
        return count

    # -- values ---------------------------------------------------------------------------
    def _share(self, row: _Row, name: str, mapped: TableMapping) -> Share:
        value = row.values.get(name)
        if isinstance(value, Percent):
            value = value.fraction
            scale = "fraction"
        else:
            scale = self.mapping.share_scale
        text = cell_text(value)
        try:
            return parse_share(text, scale)
        except ValueError as e:
            row.fail(name, str(e), mapped.columns)

    def _amount(self, row: _Row, name: str, mapped: TableMapping) -> tuple[float | None, str | None]:
        text = row.text(name)
        try:
            amount, currency = parse_amount(text)
        except ValueError as e:
            row.fail(name, str(e), mapped.columns)
        if amount is not None and not _WAN.search(text):
            header = mapped.columns.get(name, "")
            unit = "亿元" if "亿" in header else "万元" if "万" in header else self.mapping.amount_unit
            amount *= amount_factor(unit)
        return amount, currency

    def _date(self, row: _Row, name: str, mapped: TableMapping) -> dt.date | None:
        value = row.values.get(name)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(cell_text(value))
        except ValueError as e:
            row.fail(name, str(e), mapped.columns)

    def _count(self, row: _Row, name: str, mapped: TableMapping) -> int:
        """A whole number of shares (``1,653,709,980``); 0 when blank."""
        text = row.text(name).replace(",", "").replace("，", "").strip()
        if not text:
            return 0
        if not text.isdigit() or len(text) > 18:
            row.fail(name, f"{text[:80]!r} is not a whole number of shares", mapped.columns)
        return int(text)

    def _required(self, row: _Row, name: str, mapped: TableMapping) -> str:
        text = row.text(name)
        if not text:
            row.fail(name, "is empty", mapped.columns)
        return text

    def _name(self, row: _Row, name: str, mapped: TableMapping) -> str:
        text = self._required(row, name, mapped)
        try:
            return check_name(text)
        except ValueError as e:
            row.fail(name, str(e), mapped.columns)

    # -- entities -------------------------------------------------------------------------
    def _company_of(self, row: _Row, mapped: TableMapping) -> str:
        """The company a shareholder, officer or event row is about: found, or (with no company
        list in the input) made from the row."""
        name, reg_no = row.text("company") or mapped.company or "", clean_reg_no(row.text("company_reg_no"))
        reg_no = reg_no or registration_number_in(name)  # a company named by its credit code
        code = row.text("stock_code")
        if not name and not reg_no and code:
            found = self.stock_codes.get(code) or self.matcher.by_alias(code)
            if found is None:
                row.fail("stock_code", f"{code!r} is the stock code of no company in this input's company list nor "
                                       "in the store (one mapping can name the company list and this table: "
                                       "docs/mappings.md)", mapped.columns)
            return found if isinstance(found, str) else found.id
        if not name and not reg_no:
            only = [c for c in self.companies]
            if len(only) == 1:
                return only[0]
            row.fail("company", "names no company: map a company column, or give the table's company in the mapping",
                     mapped.columns)
        found = (self.matcher.by_number(reg_no) if reg_no else None) or (self.matcher.by_exact_name(name) if name else None)
        if found is not None:
            self.companies.setdefault(found.id, found.registered_capital)
            return found.id
        if self.has_company_table:
            what = f"{name!r}" + (f" ({reg_no})" if reg_no else "") if name else repr(reg_no)
            row.fail("company" if name else "company_reg_no",
                     f"{what} is not in the company list of this input nor in the store", mapped.columns)
        return (yield from self._new_party(EntityKind.COMPANY, name or reg_no, reg_no))

    def _new_party(self, kind: EntityKind, name: str, reg_no: str | None) -> Iterator[Record]:
        entity = Entity(f"co:{reg_no or normalize_name(name)}", kind, name, reg_no=reg_no)
        if self.matcher.kind_of(entity.id) is None:
            self.matcher.remember(entity)
            self.report.counts["entity rows"] += 1
            self.report.counts[kind.value] += 1
            yield entity
        self.companies.setdefault(entity.id, None)
        return entity.id

    def _party(self, row: _Row, mapped: TableMapping, scope: str, name_field: str, type_field: str | None,
               reg_field: str | None, id_field: str | None) -> Iterator[Record]:
        """The holder or officer a row names, as the module docstring says."""
        name = self._name(row, name_field, mapped)
        reg_no = (clean_reg_no(row.text(reg_field)) if reg_field else None) or registration_number_in(name)
        kind = _kind_from_type(row.text(type_field)) if type_field else None
        rule = RULE_TYPE if kind is not None else None
        if kind is not EntityKind.PERSON:
            found = (self.matcher.by_number(reg_no) if reg_no else None) or self.matcher.by_exact_name(name)
            if found is not None:
                self.report.counts[f"typed by {RULE_RECORD}"] += 1
                return self._named(name, found.id)
            if kind is None:
                kind, rule = kind_by_name(name, reg_no)
        self.report.counts[f"typed by {rule}"] += 1
        if kind is not EntityKind.PERSON:
            return self._named(name, (yield from self._new_party(kind, name, reg_no)))
        number = clean_reg_no(row.text(id_field)) or "" if id_field else ""
        id_hash = None
        if number:
            if not 6 <= len(number) <= 32 or not number.isalnum():
                row.fail(id_field, "is not an ID number (6 to 32 letters and digits)", mapped.columns)
            id_hash = id_number_hash(number, self.id_salt or "")
        person_id = f"person:{id_hash[:16]}" if id_hash else f"person:{scope}:{normalize_name(name)}"
        if self.matcher.kind_of(person_id) is None:
            self.matcher.kinds[person_id] = EntityKind.PERSON
            self.report.counts["entity rows"] += 1
            self.report.counts["person"] += 1
            yield Entity(person_id, EntityKind.PERSON, name, id_hash=id_hash)
        return self._named(name, person_id)

    def _named(self, name: str, party: str) -> str:
        """``party``, kept as one this input names ``name`` (a declared controller is found by it)."""
        self.named.setdefault(normalize_name(name), set()).add(party)
        return party

    # -- tables ---------------------------------------------------------------------------
    def _companies(self, row: _Row, mapped: TableMapping) -> Iterator[Record]:
        name = self._name(row, "name", mapped)
        reg_no = clean_reg_no(row.text("reg_no"))
        registered, currency = self._amount(row, "registered_capital", mapped)
        paid_in, currency_b = self._amount(row, "paid_in_capital", mapped)
        found = self.matcher.by_number(reg_no) if reg_no else None
        if found is None:
            named = self.matcher.by_exact_name(name, (EntityKind.COMPANY,))
            if named is not None and (not named.reg_no or not reg_no or named.reg_no == reg_no):
                found = named
        entity_id = found.id if found is not None else f"co:{reg_no or normalize_name(name)}"
        if entity_id in self.company_rows:
            self.report.warnings.append(f"{row.sheet.label}:{row.number}: company {name!r} repeats line "
                                        f"{self.company_rows[entity_id]}; the later row wins")
        self.company_rows[entity_id] = row.number
        code = row.text("stock_code")
        if code:  # kept as an alias: searchable, and found again by a later load's rows
            self.stock_codes[code] = entity_id
        issued = self._count(row, "issued_shares", mapped)
        if issued:
            self.issued[entity_id] = issued
        aliases = [a for a in split_multi(row.text("aliases").replace("、", "|")) if a != name]
        entity = Entity(entity_id, EntityKind.COMPANY, name, aliases=tuple(aliases + ([code] if code else [])),
                        reg_no=reg_no, jurisdiction=row.text("jurisdiction") or ("CN" if reg_no and len(reg_no) == 18 else None),
                        status=row.text("status") or None, founded=self._date(row, "founded", mapped),
                        registered_capital=registered, paid_in_capital=paid_in, currency=currency or currency_b,
                        industry=row.text("industry") or None, business_scope=row.text("business_scope") or None)
        self.matcher.remember(entity)
        self.companies[entity_id] = registered
        self.report.counts["company rows"] += 1
        self.report.counts["entity rows"] += 1
        self.report.counts["company"] += 1
        yield entity
        self._declare_controller(row, mapped, entity_id)
        for column, make_id, node_kind, link_kind in (
            ("address", address_id, EntityKind.ADDRESS, LinkKind.LOCATED_AT),
            ("phone", contact_id, EntityKind.CONTACT, LinkKind.HAS_CONTACT),
            ("email", contact_id, EntityKind.CONTACT, LinkKind.HAS_CONTACT),
        ):
            for text in split_multi(row.text(column)):
                yield Entity(make_id(text), node_kind, text)
                self.report.counts["links"] += 1
                yield Link(entity_id, make_id(text), link_kind)
        representative = row.text("legal_representative")
        if representative:
            person = yield from self._party(row, mapped, entity_id, "legal_representative", None, None, None)
            self.report.counts["officers"] += 1
            yield Officer(person, entity_id, "legal_representative")

    def _shareholders(self, row: _Row, mapped: TableMapping) -> Iterator[Record]:
        company = yield from self._company_of(row, mapped)
        holder = yield from self._party(row, mapped, company, "holder", "holder_type", "holder_reg_no", "holder_id_number")
        if holder == company:
            row.fail("holder", "a company cannot hold itself", mapped.columns)
        share = self._share(row, "share", mapped)
        subscribed, _ = self._amount(row, "subscribed", mapped)
        if not share.is_known and subscribed is not None and self.companies.get(company):
            fraction = subscribed / self.companies[company]
            if fraction > 1 + 1e-9:
                self.report.warnings.append(
                    f"{row.sheet.label}:{row.number}: the subscribed capital is above the company's registered capital; "
                    "share left unknown")
            else:
                share = Share.exact(round(min(fraction, 1.0), 12))
                self.report.counts["shares from subscribed capital"] += 1
        since = self._date(row, "since", mapped) or self._date(row, "subscribed_date", mapped)
        until = self._date(row, "until", mapped)
        if since and until and until < since:
            row.fail("until", f"{until.isoformat()} is before {since.isoformat()}", mapped.columns)
        self.report.counts["holdings"] += 1
        yield Holding(holder, company, share, Interest.SHAREHOLDING, since, until, f"{row.sheet.label}:{row.number}")

    def _officers(self, row: _Row, mapped: TableMapping) -> Iterator[Record]:
        company = yield from self._company_of(row, mapped)
        title = self._required(row, "role", mapped)
        person = yield from self._party(row, mapped, company, "name", None, None, "id_number")
        since, until = self._date(row, "since", mapped), self._date(row, "until", mapped)
        represented = None
        if row.text("represents"):  # a juristic person's director, sitting through this representative (法人代表)
            represented = yield from self._party(row, mapped, company, "represents", None, None, None)
        for role, written in roles_of(title):
            self.report.counts["officers"] += 1
            self.report.counts["roles recognised" if family_of(role) else "roles kept as written"] += 1
            yield Officer(person, company, role, since, until, written_title(written, role))
            if represented is not None and represented != person:
                self.report.counts["officers"] += 1
                yield Officer(represented, company, role, since, until, written_title(written, role))
        held = self._count(row, "shares_held", mapped)
        if held:  # the shares of the juristic person sat for, else the officer's own
            holder = represented if represented is not None else person
            if company not in self.issued:
                self.report.counts["shares held of a company whose issued shares are not given"] += 1
            elif held > self.issued[company]:
                row.fail("shares_held", f"{held:,} is more than the company's {self.issued[company]:,} issued shares",
                         mapped.columns)
            else:
                self.report.counts["holdings"] += 1
                yield Holding(holder, company, Share.exact(held / self.issued[company]), Interest.SHAREHOLDING,
                              source=f"{row.sheet.label}:{row.number}")

    def _penetration(self, row: _Row, mapped: TableMapping) -> Iterator[Record]:
        """A row per holder and the company it holds: the company is the row's own column, else the
        row its parent id names, else the holder of the nearest row one level up (the root company at
        level 1). A row of level 0 is the root company itself; a ``children`` column repeats rows the
        table has, and is not read."""
        level_text = self._required(row, "level", mapped)
        try:
            level = int(re.sub(r"[^0-9]", "", level_text) or "x")
        except ValueError:
            row.fail("level", f"{level_text!r} is not a level number", mapped.columns)
        stack = self.levels
        nodes = stack.setdefault("nodes", {})
        node, parent = row.text("node_id"), row.text("parent_id")
        if level == 0:
            named = _Row(row.sheet, row.number, {**row.values, "company": row.values.get("company") or row.values.get("holder")})
            stack["root"] = yield from self._company_of(named, mapped)
            if node:
                nodes[node] = stack["root"]
            self._declare_controller(row, mapped, stack["root"])
            return
        if row.text("company"):
            company = yield from self._company_of(row, mapped)
        elif parent and parent in nodes:
            company = nodes[parent]
        elif parent and level > 1:
            row.fail("parent_id", f"{parent!r} is the id of no row before it", mapped.columns)
        elif level == 1:
            if "root" not in stack:
                stack["root"] = yield from self._company_of(row, mapped)
            company = stack["root"]
        else:
            company = stack.get(level - 1)
            if company is None:
                row.fail("level", f"level {level} follows no row of level {level - 1}", mapped.columns)
        holder = yield from self._party(row, mapped, company, "holder", "holder_type", "holder_reg_no", None)
        stack[level] = holder
        if node:
            nodes[node] = holder
        for deeper in [k for k in stack if isinstance(k, int) and k > level]:
            del stack[deeper]
        share = self._share(row, "share", mapped)
        if holder != company:
            self.report.counts["holdings"] += 1
            yield Holding(holder, company, share, Interest.SHAREHOLDING, source=f"{row.sheet.label}:{row.number}")
        declared = self._share(row, "declared_indirect", mapped)
        if declared.is_known and level > 1 and "root" in stack:
            self.report.counts["relations"] += 1
            yield Relation(holder, stack["root"], RelationType.INDIRECT_HOLDER, source=f"{row.sheet.label}:{row.number}",
                           share=declared)
        if "root" in stack:
            self._declare_controller(row, mapped, stack["root"])

    def _declare_controller(self, row: _Row, mapped: TableMapping, company: str) -> None:
        """Keep a vendor's declared actual controller (实际控制人, ``actl_cntr_name``) of ``company`` for
        the end of the sheet, when the parties it may name have all been read."""
        name = row.text("declared_controller")
        if name:
            share = self._share(row, "declared_controller_share", mapped)
            self.declared.setdefault((company, normalize_name(name)), (row, mapped, share))

    def _declared_controllers(self) -> Iterator[Record]:
        """The declared controllers kept while the sheet was read: the party of this input with that
        exact name when there is one (a person at the top of the penetration), else a party of its own."""
        for (company, norm), (row, mapped, share) in self.declared.items():
            found = self.named.get(norm, set())
            if len(found) == 1:
                party = next(iter(found))
            else:
                party = yield from self._party(row, mapped, company, "declared_controller", None, None, None)
            if party != company:
                self.report.counts["relations"] += 1
                self.report.counts["declared controllers"] += 1
                yield Relation(party, company, RelationType.DECLARED_CONTROLLER, source=f"{row.sheet.label}:{row.number}",
                               share=share)
        self.declared.clear()

    def _events(self, row: _Row, mapped: TableMapping) -> Iterator[Record]:
        company = yield from self._company_of(row, mapped)
        word = self._required(row, "type", mapped)
        kind = next((t for w, t in _EVENT_WORDS.items() if w in word.lower()), None)
        if kind is None:
            try:
                kind = EventType(word.lower())
            except ValueError:
                row.fail("type", f"{word!r} is not a risk event type (行政处罚, 裁判文书, 经营异常, 投诉, 负面新闻, 非法集资, "
                                 "or penalty, court_case, ...)", mapped.columns)
        try:
            severity = parse_int_in(row.text("severity"), 1, 5)
        except ValueError as e:
            row.fail("severity", str(e), mapped.columns)
        self.report.counts["events"] += 1
        yield RiskEvent(company, kind, self._date(row, "date", mapped), severity, row.text("text") or None,
                        row.text("source") or f"{row.sheet.label}:{row.number}")


def _kind_from_type(text: str) -> EntityKind | None:
    word = text.strip().lower()
    if not word:
        return None
    if any(t in word for t in _PERSON_TYPES):
        return EntityKind.PERSON
    if any(t in word for t in _ORGANIZATION_TYPES):
        return EntityKind.ORGANIZATION
    if any(t in word for t in _COMPANY_TYPES):
        return EntityKind.COMPANY
    return None


def has_company_list(sheets: list[tuple[Sheet, TableMapping]]) -> bool:
    return any(m.kind == "companies" for _, m in sheets)


def in_read_order(sheets: list[tuple[Sheet, TableMapping]]) -> list[tuple[Sheet, TableMapping]]:
    """Companies first, so the other tables find the companies they name."""
    return sorted(sheets, key=lambda pair: READ_ORDER[pair[1].kind])
