"""The UK "persons with significant control" snapshot (JSON lines) and Companies House company data.

Streamed line by line: nothing grows with the file but the store's own batches, so the real
snapshot (millions of lines) loads in the memory of a small one. A company is named
``gb:<company number>`` unless the store already holds one with that number (then that one is
used); each person with significant control is a party of its own, named by the register's link
(a person is never merged with a namesake on the name alone). See docs/inputs.md.

* ``natures_of_control`` bands (more than 25 up to 50 %, 50-75 %, 75-100 %, more than 25 %) are
  ranges of shares (``ownership-of-shares-...``) or votes (``voting-rights-...``); the right to
  appoint and remove directors is board control; significant influence or control and the rights of
  LLP members and trusts are ``other``;
* corporate PSCs registered at Companies House are linked to their company by number;
* super-secure persons and PSC statements (no PSC, details not confirmed, ...) are explicit unknown
  parties holding an ``other`` interest, named with the statement;
* every company of a PSC snapshot gets a disclosure threshold of 25 %: holders below it are not on
  the register.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Callable, Iterator

from ..graph.errors import InvalidInput, shown
from ..graph.model import Entity, EntityKind, Holding, Interest, Link, LinkKind, Share, address_id
from ..graph.stores.base import Record, Store
from .fields import clean_reg_no, parse_date
from .report import LoadReport
from .jsonfile import Found, fail_at, files_in, first_object, read_objects, shaped
from .textfile import CsvTable

PSC_THRESHOLD = 0.25
_BAND = re.compile(r"(?<!\d)(\d{1,3})-to-(\d{1,3})-percent")
#: The longest ``natures_of_control`` value accepted: Companies House's are under 100 characters.
MAX_NATURE_LENGTH = 200
_UK_PLACES = ("companies house", "england", "wales", "scotland", "northern ireland", "united kingdom", "uk")
_COMPANY_COLUMNS = ("companyname", "companynumber", "companystatus", "incorporationdate", "sictext_1")


def is_psc(value: dict) -> bool:
    data = value.get("data")
    return isinstance(data, dict) and ("company_number" in value or str(data.get("kind", "")).startswith("totals#"))


def is_company_data(value: dict) -> bool:
    return "CompanyNumber" in value or " CompanyNumber" in value


def nature(text: str) -> tuple[Interest, Share]:
    """The interest and share band a ``natures_of_control`` value says.

    Examples
    --------
    >>> nature("ownership-of-shares-25-to-50-percent-as-trust")
    (<Interest.SHAREHOLDING: 'shareholding'>, Share(low=0.25, high=0.5))
    >>> nature("voting-rights-more-than-25-percent-registered-overseas-entity")
    (<Interest.VOTING: 'voting'>, Share(low=0.25, high=1.0))
    >>> nature("right-to-appoint-and-remove-directors")
    (<Interest.BOARD: 'board'>, Share(low=None, high=None))
    >>> nature("ownership-of-shares-75-to-25-percent")
    Traceback (most recent call last):
    ...
    ValueError: the band 75-to-25 percent is not from a lower to a higher share of at most 100
    """
    if len(text) > MAX_NATURE_LENGTH:
        raise ValueError(f"{shown(text)} is too long to be a nature of control")
    band = _BAND.search(text)
    if band and not int(band.group(1)) < int(band.group(2)) <= 100:
        raise ValueError(f"the band {band.group(1)}-to-{band.group(2)} percent is not from a lower to a higher share "
                         "of at most 100")
    share = Share(int(band.group(1)) / 100, int(band.group(2)) / 100) if band else \
        Share(PSC_THRESHOLD, 1.0) if "more-than-25-percent" in text else Share.unknown()
    if text.startswith("ownership-of-shares"):
        return Interest.SHAREHOLDING, share
    if text.startswith("voting-rights"):
        return Interest.VOTING, share
    if "appoint-and-remove" in text:
        return Interest.BOARD, Share.unknown()
    return Interest.OTHER, share


class PscReader:
    """Records of PSC snapshot files and company data files, company data last (it names companies
    the snapshot knows only by number)."""

    def __init__(self, store: Store | None, report: LoadReport, progress: Callable[[int], None]):
        self.store = store
        self.report = report
        self.progress = progress
        self.last_company: str | None = None
        self.company_ids: dict[str, str] = {}  # only the current company's number: flat memory
        # Companies this load named as corporate PSCs: their placeholder would hide that name. The one
        # thing kept per company, and only for corporate PSCs registered at Companies House.
        self.named: set[str] = set()

    def records(self, path: Path) -> Iterator[Record]:
        files = files_in(path, (".json", ".jsonl", ".ndjson", ".txt", ".csv"))
        company_files = [f for f in files if f.suffix.lower() == ".csv" or _first_is_company_data(f)]
        for file in files:
            if file not in company_files:
                yield from self._snapshot(file)
        for file in company_files:
            yield from self._company_data(file)

    # -- the snapshot ----------------------------------------------------------------------
    def _snapshot(self, file: Path) -> Iterator[Record]:
        for found in read_objects(file):
            self.progress(1)
            data = found.value.get("data")
            if not isinstance(data, dict):
                self._fail(file, found, "data", "is missing (not a PSC snapshot line)")
            kind = str(data.get("kind") or "")
            if kind.startswith("totals#"):
                continue
            number = clean_reg_no(str(found.value.get("company_number") or ""))
            if not number:
                self._fail(file, found, "company_number", "is missing")
            if kind == "exemptions":
                self.report.counts["exemptions"] += 1
                continue
            company = yield from self._company(number)
            self.report.counts["psc lines"] += 1
            with shaped(file, found.where(), "the PSC snapshot"):
                yield from self._psc(file, found, data, kind, company)

    def _company(self, number: str):
        """The company's id; its entity is written when the store has none (company data, read last,
        gives it its name)."""
        if number == self.last_company:
            return self.company_ids[number]
        existing = self._stored_company(number)
        company = existing or f"gb:{number}"
        if existing is None and number not in self.named:
            self.report.counts["entity rows"] += 1
            self.report.counts["company"] += 1
            yield Entity(company, EntityKind.COMPANY, f"UK company {number}", reg_no=number, jurisdiction="GB",
                         disclosure_threshold=PSC_THRESHOLD)
        self.last_company, self.company_ids = number, {number: company}
        return company

    def _stored_company(self, number: str) -> str | None:
        if self.store is None:
            return None
        for hit in self.store.search(number, limit=5, exact_only=True):
            e = hit.entity
            if e.reg_no == number and e.kind is EntityKind.COMPANY and e.jurisdiction in (None, "GB"):
                return e.id
        return None

    def _psc(self, file: Path, found: Found, data: dict, kind: str, company: str) -> Iterator[Record]:
        since = self._date(file, found, data, "notified_on")
        until = self._date(file, found, data, "ceased_on")
        link = str((data.get("links") or {}).get("self") or "")
        psc_id = "psc:" + (link.rsplit("/", 1)[-1] if link else f"{file.name}:{found.where()}")
        source = f"{file.name}:{found.line}" if found.line else f"{file.name}#{found.position}"
        if kind == "persons-with-significant-control-statement" or kind.startswith("super-secure"):
            what = data.get("statement") or data.get("description") or kind
            self.report.counts["unknown parties"] += 1
            self.report.counts["entity rows"] += 1
            unknown = f"psc:unknown:{company}:{what}"
            yield Entity(unknown, EntityKind.PERSON if kind.startswith("super-secure") else EntityKind.ORGANIZATION,
                         f"unknown: {what.replace('-', ' ')}", status="unknown")
            self.report.counts["holdings"] += 1
            yield Holding(unknown, company, Share.unknown(), Interest.OTHER, since, until, source)
            return
        name = str(data.get("name") or "").strip()
        if not name:
            self._fail(file, found, "data.name", "is missing")
        ident = data.get("identification") or {}
        if kind.startswith("individual"):
            party = Entity(psc_id, EntityKind.PERSON, name, jurisdiction=None)
        elif kind.startswith("corporate-entity") and _registered_in_uk(ident) and ident.get("registration_number"):
            number = clean_reg_no(str(ident["registration_number"]))
            stored = self._stored_company(number)
            party = Entity(stored or f"gb:{number}", EntityKind.COMPANY, name, reg_no=number, jurisdiction="GB",
                           disclosure_threshold=PSC_THRESHOLD)
            if stored:
                party = None  # on record already: keep what the store says of it
                psc_id = stored
            else:
                psc_id = party.id
                self.named.add(number)
        else:
            kind_of = EntityKind.COMPANY if kind.startswith("corporate") else EntityKind.ORGANIZATION
            party = Entity(psc_id, kind_of, name, reg_no=clean_reg_no(ident.get("registration_number")))
        if party is not None:
            self.report.counts["entity rows"] += 1
            self.report.counts[party.kind.value] += 1
            yield party
            address = _address_text(data.get("address"))
            if address:
                yield Entity(address_id(address), EntityKind.ADDRESS, address)
                self.report.counts["links"] += 1
                yield Link(party.id, address_id(address), LinkKind.LOCATED_AT)
        natures = data.get("natures_of_control") or []
        if not isinstance(natures, list):
            self._fail(file, found, "data.natures_of_control", "is not a list")
        by_interest: dict[Interest, Share] = {}
        for text in natures:
            try:
                interest, share = nature(str(text))
            except ValueError as e:
                self._fail(file, found, "data.natures_of_control", str(e))
            had = by_interest.get(interest)
            if had is None or (share.is_known and (not had.is_known or share.high > had.high)):
                by_interest[interest] = share
        for interest, share in (by_interest or {Interest.OTHER: Share.unknown()}).items():
            self.report.counts["holdings"] += 1
            yield Holding(psc_id, company, share, interest, since, until, source)

    def _date(self, file: Path, found: Found, data: dict, key: str) -> dt.date | None:
        text = data.get(key)
        if not text:
            return None
        try:
            return parse_date(str(text))
        except ValueError as e:
            self._fail(file, found, f"data.{key}", str(e))

    @staticmethod
    def _fail(file: Path, found: Found, field_name: str, problem: str):
        fail_at(file, found.where(), field_name, problem)

    # -- company data ----------------------------------------------------------------------
    def _company_data(self, file: Path) -> Iterator[Record]:
        if file.suffix.lower() == ".csv":
            table = CsvTable(file, ("companyname", "companynumber"), ())
            self.report.encodings[file.name] = table.encoding
            rows = ((row.line, row.values) for row in table)
        else:
            rows = ((found.line, {k.strip().lower(): str(v) for k, v in found.value.items()})
                    for found in read_objects(file))
        for line, v in rows:
            self.progress(1)
            number = clean_reg_no(v.get("companynumber"))
            if not number:
                raise InvalidInput(file, line, "CompanyNumber", "is empty")
            name = (v.get("companyname") or "").strip()
            if not name:
                raise InvalidInput(file, line, "CompanyName", "is empty")
            company = self._stored_company(number) or f"gb:{number}"
            try:
                founded = _uk_date(v.get("incorporationdate", ""))
            except ValueError as e:
                raise InvalidInput(file, line, "IncorporationDate", str(e)) from None
            aliases = tuple(dict.fromkeys(
                v[k].strip() for k in sorted(v) if k.startswith("previousname_") and k.endswith(".companyname")
                and v[k].strip() and v[k].strip() != name))
            self.report.counts["company rows"] += 1
            yield Entity(company, EntityKind.COMPANY, name, aliases=aliases, reg_no=number, jurisdiction="GB",
                         status=(v.get("companystatus") or "").strip() or None, founded=founded,
                         industry=(v.get("siccode.sictext_1") or "").strip() or None,
                         disclosure_threshold=PSC_THRESHOLD)
            address = ", ".join(p for p in (v.get(f"regaddress.{k}", "").strip() for k in (
                "addressline1", "addressline2", "posttown", "county", "postcode", "country")) if p)
            if address:
                yield Entity(address_id(address), EntityKind.ADDRESS, address)
                self.report.counts["links"] += 1
                yield Link(company, address_id(address), LinkKind.LOCATED_AT)


def _first_is_company_data(path: Path) -> bool:
    first = first_object(path)
    return first is not None and is_company_data(first)


def _registered_in_uk(ident: dict) -> bool:
    where = " ".join(str(ident.get(k) or "") for k in ("place_registered", "country_registered", "legal_authority"))
    return any(place in where.lower() for place in _UK_PLACES)


def _address_text(address) -> str | None:
    if not isinstance(address, dict):
        return None
    parts = [str(address.get(k) or "").strip() for k in ("premises", "address_line_1", "address_line_2", "locality",
                                                         "region", "postal_code", "country")]
    return ", ".join(p for p in parts if p) or None


def _uk_date(text: str) -> dt.date | None:
    """A date as Companies House writes it (``11/09/2012``, day first), or ISO."""
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        try:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError as e:
            raise ValueError(f"{text!r} is not a valid date ({e})") from None
    return parse_date(text)


def read_psc(path: str | Path, *, store: Store | None, report: LoadReport,
             progress: Callable[[int], None] = lambda n: None) -> Iterator[Record]:
    """Validated records of a PSC snapshot file, or a folder of snapshot and company data files."""
    return PscReader(store, report, progress).records(Path(path))
