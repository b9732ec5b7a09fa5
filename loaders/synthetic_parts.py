"""The synthetic case's building blocks: the CSV files it streams into, and the entities, facts and
planted truth each structure of :mod:`.synthetic` is made of (names, ids and dates drawn from one seed)."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from stdnum.cn import uscc

from .csv_rows import ENTITY_COLUMNS, EVENT_COLUMNS, HOLDING_COLUMNS, OFFICER_COLUMNS, RELATION_COLUMNS
from .synthetic_names import (
    BRAND_CHARS,
    EVENT_TEXTS,
    GIVEN_CHARS,
    INDUSTRIES,
    LATIN_FIRST,
    LATIN_FORMS,
    LATIN_LAST,
    LATIN_NOUNS,
    LATIN_WORDS,
    OFFSHORE,
    REGIONS,
    STATUS_WEIGHTS,
    STREETS,
    SURNAMES,
)

TRUTH_COLUMNS = ("entity_id", "role", "controller_id", "hidden_controller_id", "control", "group_id", "ring_id",
                 "ring_role", "nominee_for")


class CaseWriter:
    """Streams rows into the case's CSV files, so a million-company case never sits in memory."""

    FILES = {
        "entities": ENTITY_COLUMNS,
        "holdings": HOLDING_COLUMNS,
        "officers": OFFICER_COLUMNS,
        "events": EVENT_COLUMNS,
        "relations": RELATION_COLUMNS,
        "ground_truth": TRUTH_COLUMNS,
    }

    def __init__(self, out: Path):
        self._files = {name: open(out / f"{name}.csv", "w", encoding="utf-8", newline="") for name in self.FILES}
        self.rows = {}
        for name, columns in self.FILES.items():
            self.rows[name] = _padded(csv.writer(self._files[name], lineterminator="\n").writerow, len(columns))
            self.rows[name](columns)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for f in self._files.values():
            f.close()


class CaseBuilder:
    """Writes one case's entities and facts through a :class:`CaseWriter`, numbering and naming them."""

    def __init__(self, writer: CaseWriter, companies: int, seed: int):
        self.w = writer.rows
        self.target = companies
        self.rng = random.Random(seed)
        self.width = len(str(companies * 2))
        self.n_company = self.n_person = self.n_org = 0
        self.n_holdings = self.n_officers = self.n_events = 0
        self.n_groups = self.n_rings = self.n_ring_companies = 0
        self.used_names: set[str] = set()
        self._holders: dict[str, set[str]] = {}
        self.persons: list[str] = []
        self.not_reused: set[str] = set()
        self.small_companies: list[tuple[str, str]] = []  # (company id, its visible controller or itself)
        n_agents = max(2, companies // 2000)
        self.agent_addresses = [self._new_address() for _ in range(n_agents)]
        self.agent_phones = [self._new_phone() for _ in range(n_agents)]
        self.professional_nominees = [self._person() for _ in range(max(2, companies // 5000))]
        for nominee in self.professional_nominees:
            self._truth(nominee, "professional_nominee")

    # -- entities ---------------------------------------------------------------------------
    def _company(self, name: str, founded: dt.date, *, industry=None, address=None, phone=None, alias="",
                 capital=None, offshore=False, paid_in_ratio=None, disclosure_threshold="", listed="") -> str:
        rng = self.rng
        self.n_company += 1
        company_id = f"C{self.n_company:0{self.width}d}"
        if offshore:
            jurisdiction = rng.choice(OFFSHORE)[0]
            reg_no = f"{jurisdiction}{1000000 + self.n_company}"
            self.w["entities"]((company_id, "company", name, "", reg_no, jurisdiction, "", founded.isoformat(),
                                "50000", "", "USD", "", "", "", "", ""))
            return company_id
        industry = industry or rng.choice(INDUSTRIES)
        capital = capital if capital is not None else rng.choice((100, 500, 1000, 5000, 10000))
        paid = capital * (paid_in_ratio if paid_in_ratio is not None else rng.choice((0, 0.2, 0.5, 1, 1)))
        status = rng.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS])[0]
        capital_text = f"{capital}万元人民币" if rng.random() < 0.3 else str(capital * 10000)
        self.w["entities"]((
            company_id, "company", name, alias, self._uscc(), "CN", status, founded.isoformat(), capital_text,
            str(int(paid * 10000)), "CNY", industry[0], industry[2],
            address or self._new_address(), phone or (self._new_phone() if rng.random() < 0.6 else ""),
            "", disclosure_threshold, listed,
        ))
        return company_id

    def _person(self, address: str | None = None, phone: str | None = None) -> str:
        rng = self.rng
        self.n_person += 1
        person_id = f"P{self.n_person:0{self.width}d}"
        if rng.random() < 0.03:
            name = f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}"
        else:
            name = _surname(rng) + "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
        address = address or (self._new_address() if rng.random() < 0.5 else "")
        phone = phone or (self._new_phone() if rng.random() < 0.5 else "")
        self.w["entities"]((person_id, "person", name, "", "", "CN", "", "", "", "", "", "", "", address, phone, ""))
        self.persons.append(person_id)
        return person_id

    def _organization(self, name: str, address: str) -> str:
        self.n_org += 1
        org_id = f"O{self.n_org:0{self.width}d}"
        self.w["entities"]((org_id, "organization", self._unique(name), "", "", "CN", "", "", "", "", "", "", "",
                            address, "", ""))
        return org_id

    def _some_person(self) -> str:
        """A new person most of the time; an existing one (people own several companies) otherwise,
        but never a group's controller (its group is exactly what the truth says it controls) nor a
        party to a declared tie (a nominee holds everything for the principal, concert parties vote
        together everywhere)."""
        if self.persons and self.rng.random() < 0.3:
            chosen = self.rng.choice(self.persons)
            if chosen not in self.not_reused:
                return chosen
        return self._person()

    # -- edges ------------------------------------------------------------------------------
    def _hold(self, holder: str, company: str, share, since: dt.date, until: dt.date | None = None,
              interest: str = "") -> None:
        self.n_holdings += 1
        if company not in self._holders:
            self._holders = {company: set()}  # companies are built one at a time: only the current one matters
        self._holders[company].add(holder)
        if share is None:
            text = ""
        elif isinstance(share, str):
            text = share
        else:
            text = _share_text(self.rng, share)
        self.w["holdings"]((holder, company, text, interest, since.isoformat(), until.isoformat() if until else "",
                            "registry"))

    def _officer(self, person: str, company: str, role: str, since: dt.date) -> None:
        self.n_officers += 1
        self.w["officers"]((person, company, role, since.isoformat(), ""))

    def _relation(self, a: str, b: str, kind: str, since: dt.date) -> None:
        self.w["relations"]((a, b, kind, since.isoformat(), "", "declared"))
        self.not_reused.update((a, b))

    def _event(self, entity: str, name: str, kind: str, day: dt.date, severity: int) -> None:
        self.n_events += 1
        text = self.rng.choice(EVENT_TEXTS[kind]).format(name=name)
        self.w["events"]((entity, kind, day.isoformat(), severity, text, "synthetic"))

    def _background_events(self, company: str, name: str, since: dt.date) -> None:
        rng = self.rng
        if rng.random() < 0.03:
            kind = rng.choice(("court_case", "court_case", "penalty", "abnormal_operation", "complaint", "negative_news"))
            start = max(since.year, 2015)
            self._event(company, name, kind, self._date(start, max(start, 2025)), rng.randint(1, 3))

    def _truth(self, entity: str, role: str, controller: str = "", hidden: str = "", control: str = "",
               group_id: str = "", ring_id: str = "", ring_role: str = "", nominee_for: str = "") -> None:
        self.w["ground_truth"]((entity, role, controller, hidden, control, group_id, ring_id, ring_role, nominee_for))

    # -- values -----------------------------------------------------------------------------
    def _brand(self) -> tuple[str, str]:
        (a, pa), (b, pb) = self.rng.sample(BRAND_CHARS, 2)
        return a + b, pa + pb.lower()

    def _unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.used_names:
            n += 1
            candidate = _numbered(name, n)
        self.used_names.add(candidate)
        return candidate

    def _latin_company_name(self) -> str:
        rng = self.rng
        return f"{rng.choice(LATIN_WORDS)} {rng.choice(LATIN_NOUNS)} {rng.choice(LATIN_FORMS)}"

    def _uscc(self) -> str:
        region = self.rng.choice(REGIONS)[1]
        # (n * 7919) mod 10^8 is a bijection (7919 is prime to 10), so organization codes never repeat.
        org = f"{(self.n_company * 7919 + 12345) % 100_000_000:08d}"
        body = "91" + region + org + _organization_check(org)
        return body + uscc.calc_check_digit(body)

    def _date(self, first_year: int, last_year: int) -> dt.date:
        start = dt.date(first_year, 1, 1).toordinal()
        return dt.date.fromordinal(self.rng.randint(start, dt.date(last_year, 12, 31).toordinal()))

    def _new_address(self) -> str:
        rng = self.rng
        region = rng.choice(REGIONS)[0]
        return f"{region}市{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}层{rng.randint(1, 40):02d}室"

    def _new_phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randint(0, 999_999_999):09d}"

def _padded(write, width: int):
    """A row writer that fills the columns a row leaves out with blanks."""
    def padded(row) -> None:
        write(tuple(row) + ("",) * (width - len(row)))
    return padded


def _numbered(name: str, n: int) -> str:
    """A second company of the same name, told apart the way registries do: a branch number."""
    for form in ("股份有限公司", "有限责任公司", "有限公司", " Limited", " Ltd."):
        if name.endswith(form):
            return f"{name[: -len(form)]}第{n}{form}" if not form.startswith(" ") else f"{name[: -len(form)]} {n}{form}"
    return f"{name}{n}"


def _surname(rng: random.Random) -> str:
    # Common surnames are far more common: a triangular draw favours the front of the list.
    return SURNAMES[int(rng.triangular(0, len(SURNAMES), 0))]


def _share_text(rng: random.Random, share: float) -> str:
    """Percentages the way registry exports write them: ``51``, ``51%``, ``51.00%``."""
    style = rng.random()
    if style < 0.4:
        return f"{share:g}"
    if style < 0.8:
        return f"{share:g}%"
    return f"{share:.2f}%"


def _organization_check(code: str) -> str:
    """The check character of a GB 11714 organization code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(code, weights)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


