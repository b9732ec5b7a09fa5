"""A realistic synthetic case in the canonical CSV format, with its ground truth planted.

What it plants (see docs/csv-format.md for the files):

* **enterprise groups** under one controller (a person, or a state-asset body), as pyramids of
  majority and largest-holder stakes, some behind an offshore layer (BVI / Cayman / Hong Kong
  companies with Latin names), some with a small cross-holding that closes a cycle, group
  executives serving in many members, and the group's head-office address and phone shared;
* **standalone companies** held by one to five natural persons (majority, joint 50/50 and dispersed
  ownership), some held by another small company, with unknown and range shares on minor stakes;
* **nominees**: a person on record holds for a hidden controller and shares an address or phone with
  them; professional nominees hold minor stakes in dozens of unrelated companies; registration-agent
  addresses shared by many unrelated companies;
* **illegal-fundraising rings**: companies with finance-flavoured names run by one boss through
  nominees, tied by shared phones, addresses, officers and holdings; some members have a confirmed
  case, some only complaints or news, and some look clean on their own (an ordinary name and
  business, capital paid in). In some members the boss held the shares until shortly before the
  case and handed them to a nominee. Half the members without a case of their own are found part of
  it 6 to 30 months later (investigations widen); and **decoys**, standalone companies that look risky on their
  own (finance-flavoured names and scopes, nothing paid in) but are tied to no ring;
* background risk events (court cases, penalties, abnormal operation) on ordinary companies;
* **the harder cases of the control rules**: control through a majority of the board, the largest
  holder's 10-point lead, a voting agreement that outweighs the shares, registers that are not
  complete (a holder of 45 % and nothing else on record: uncertain; a disclosure threshold or a
  listing that settles it), and two companies holding majorities of each other (a control loop).

``ground_truth.csv`` lists, per company, the controller the default control rules should find from
the registry (``controller_id``; ``|``-joined for joint control, blank when there is none), the
verdict (``control``: single, joint, dispersed, uncertain or loop), the hidden controller behind a
nominee, the group and the ring; and one row per nominee person.
Output is a function of ``(companies, seed)`` alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

from stdnum.cn import uscc

from ..graph.errors import EquityGraphError
from .csv_rows import ENTITY_COLUMNS, EVENT_COLUMNS, HOLDING_COLUMNS, OFFICER_COLUMNS, RELATION_COLUMNS
from .synthetic_names import (
    BRAND_CHARS,
    COMPANY_FORMS,
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
    RING_WORDS,
    STATUS_WEIGHTS,
    STREETS,
    SURNAMES,
)

TRUTH_COLUMNS = ("entity_id", "role", "controller_id", "hidden_controller_id", "control", "group_id", "ring_id",
                 "ring_role", "nominee_for")
GENERATOR_VERSION = "2"


@dataclass(frozen=True)
class CaseSummary:
    companies: int
    persons: int
    organizations: int
    holdings: int
    officers: int
    events: int
    groups: int
    rings: int
    ring_companies: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def generate_case(out_dir: str | Path, companies: int, seed: int = 0) -> CaseSummary:
    """Write a synthetic case of ``companies`` companies into ``out_dir`` (created if missing).

    Examples
    --------
    >>> import tempfile
    >>> generate_case(tempfile.mkdtemp(), companies=200, seed=1).companies
    200
    """
    if companies < 20:
        raise EquityGraphError(f"a case needs at least 20 companies, got {companies}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with _CaseWriter(out) as writer:
        summary = _Generator(writer, companies, seed).run()
    (out / "case.json").write_text(
        json.dumps({"generator": GENERATOR_VERSION, "seed": seed, **summary.to_dict()}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return summary


class _CaseWriter:
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


class _Generator:
    def __init__(self, writer: _CaseWriter, companies: int, seed: int):
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

    # -- plan -------------------------------------------------------------------------------
    def run(self) -> CaseSummary:
        rng = self.rng
        ring_budget = max(min(self.target // 20, 16), round(self.target * 0.005))
        group_budget = round(self.target * 0.3)
        while self.n_company < self.target:
            left = self.target - self.n_company
            if ring_budget >= 5 and left >= 5 and rng.random() < 0.5:
                size = min(rng.randint(5, 12), ring_budget, left)
                self._ring(size)
                ring_budget -= size
            elif group_budget >= 3 and left >= 3 and rng.random() < 0.3:
                size = min(max(3, int(rng.paretovariate(1.3) * 3)), 60, group_budget, left)
                self._group(size)
                group_budget -= size
            elif left >= 3 and rng.random() < 0.05:
                self._harder_case()
            else:
                self._standalone()
        return CaseSummary(self.n_company, self.n_person, self.n_org, self.n_holdings, self.n_officers,
                           self.n_events, self.n_groups, self.n_rings, self.n_ring_companies)

    # -- structures -------------------------------------------------------------------------
    def _group(self, size: int) -> None:
        rng = self.rng
        self.n_groups += 1
        group_id = f"G{self.n_groups:05d}"
        brand = self._brand()
        hq_address, hq_phone = self._new_address(), self._new_phone()
        state_owned = rng.random() < 0.1
        if state_owned:
            region = rng.choice(REGIONS)[0]
            controller = self._organization(f"{region}市人民政府国有资产监督管理委员会", hq_address)
        else:
            controller_phone = self._new_phone()
            controller = self._person(address=hq_address, phone=controller_phone)
        visible, hidden = controller, ""
        if not state_owned and rng.random() < 0.15:
            visible = self._person(phone=controller_phone)
            hidden = controller
            self._truth(visible, "nominee", nominee_for=controller)
        self.not_reused.update((visible, controller))
        founded = self._date(1998, 2012)
        holder_on_top = visible
        if rng.random() < 0.12:  # round-tripping through offshore vehicles
            for _ in range(rng.randint(1, 2)):
                vehicle = self._company(self._unique(self._latin_company_name()), founded, offshore=True)
                self._hold(holder_on_top, vehicle, 100, founded)
                holder_on_top = vehicle
                self._truth(vehicle, "company", visible, hidden, "single", group_id)
        top = self._company(self._unique(f"{rng.choice(REGIONS)[0]}{brand[0]}控股集团有限公司"), founded, address=hq_address,
                            phone=hq_phone, alias=f"{brand[1]} Holding Group Co., Ltd.", capital=rng.randint(5000, 200000))
        # A member far down the pyramid may later take a small stake in the head company: a cycle.
        cycle_share = rng.randint(2, 5) if size >= 4 and rng.random() < 0.25 else 0
        self._controlling_stake(holder_on_top, top, founded, reserve=cycle_share)
        executives = [self._person() for _ in range(rng.randint(2, 4))]
        self._officer(visible if not state_owned else executives[0], top, "legal_representative", founded)
        self._officer(executives[0], top, "chairman", founded)
        self._truth(top, "company", visible, hidden, "single", group_id)
        members = [top]
        for _ in range(size - 1):
            if self.n_company >= self.target:
                break
            # Recent members as parents make deep pyramids; the others make wide ones.
            parent = members[-1] if rng.random() < 0.45 else rng.choice(members)
            since = self._date(founded.year, 2023)
            industry = rng.choice(INDUSTRIES)
            name = self._unique(f"{rng.choice(REGIONS)[0]}{brand[0]}{industry[1]}{rng.choice(COMPANY_FORMS)}")
            member = self._company(name, since, industry=industry,
                                   address=hq_address if rng.random() < 0.5 else None,
                                   phone=hq_phone if rng.random() < 0.3 else None)
            if len(members) >= 3 and rng.random() < 0.1:
                sibling = rng.choice([m for m in members if m != parent])
                share = rng.randint(35, 45)
                self._hold(parent, member, share, since)
                self._hold(sibling, member, rng.randint(10, 20), since)
                self._minority(member, since, room=35, cap=share - 15, exact=True)
            else:
                self._controlling_stake(parent, member, since)
            self._officer(rng.choice(executives), member, "legal_representative", since)
            self._officer(rng.choice(executives), member, "director", since)
            self._officer(rng.choice(executives), member, "supervisor", since)
            self._truth(member, "company", visible, hidden, "single", group_id)
            members.append(member)
            self._background_events(member, name, since)
        if cycle_share and len(members) >= 4:
            self._hold(members[-1], top, cycle_share, self._date(2015, 2023))

    def _controlling_stake(self, holder: str, company: str, since: dt.date, reserve: int = 0) -> None:
        """A majority stake, or a largest stake of 35-45 % with the rest held in small pieces;
        ``reserve`` % is left for a holder added later."""
        rng = self.rng
        if rng.random() < 0.75:
            share = min(rng.choice((51, 55, 60, 65, 70, 75, 80, 90, 100, 100, 100)), 100 - reserve)
            self._hold(holder, company, share, since)
            self._minority(company, since, room=100 - reserve - share)
        else:
            share = rng.randint(35, 45)
            self._hold(holder, company, share, since)
            self._minority(company, since, room=100 - reserve - share, cap=share - 15, exact=True)

    def _minority(self, company: str, since: dt.date, room: int, cap: int = 100, exact: bool = False) -> None:
        """Minor holders sharing at most ``room`` %, none above ``cap`` %.

        Some minor stakes are written unknown or as a range, unless ``exact``: where the controller
        holds under 50 %, an unknown stake could be the largest and the planted truth would blur.
        """
        rng = self.rng
        while room > 0:
            share = min(room, cap, rng.randint(3, 25))
            if share <= 0:
                break
            holder = rng.choice(self.professional_nominees) if rng.random() < 0.05 else self._some_person()
            if holder in self._holders[company]:
                holder = self._person()
            written = share
            roll = 1.0 if exact else rng.random()
            if roll < 0.04:
                written = None
            elif roll < 0.07 and share >= 5:
                written = f"{share - 4}-{share}"
            self._hold(holder, company, written, since)
            room -= share

    def _standalone(self) -> None:
        rng = self.rng
        # A few look risky on their own and are tied to no ring: finance-flavoured names and scopes,
        # nothing paid in (decoys, so that an evaluation measures what the network adds).
        decoy = rng.random() < 0.04
        industry = rng.choice(RING_WORDS if decoy else INDUSTRIES)
        founded = self._date(2000, 2024)
        agent = rng.random() < (0.5 if decoy else 0.15)
        name = self._unique(f"{rng.choice(REGIONS)[0]}{self._brand()[0]}{industry[1]}{rng.choice(COMPANY_FORMS)}")
        company = self._company(
            name, founded,
            industry=industry, address=rng.choice(self.agent_addresses) if agent else None,
            phone=rng.choice(self.agent_phones) if agent and rng.random() < 0.3 else None,
            capital=rng.choice((10, 50, 100, 200, 500, 1000, 3000, 5000)), paid_in_ratio=0.0 if decoy else None,
        )
        roll = rng.random()
        if roll < 0.08 and self.small_companies:
            parent, parent_controller = rng.choice(self.small_companies)
            share = rng.choice((60, 70, 80, 100))
            self._hold(parent, company, share, founded)
            self._minority(company, founded, room=100 - share)
            controller, control = parent_controller, "single"
            legal_rep = self._some_person()
        elif roll < 0.14:
            a, b = self._some_person(), self._some_person()
            if a == b:
                b = self._person()
            self._hold(a, company, 50, founded)
            self._hold(b, company, 50, founded)
            controller, control, legal_rep = "|".join(sorted((a, b))), "joint", a
        elif roll < 0.24:
            holders = [self._some_person() for _ in range(rng.randint(4, 5))]
            holders = list(dict.fromkeys(holders))
            while len(holders) < 4:
                holders.append(self._person())
            shares = (25, 25, 25, 25) if len(holders) == 4 else (20, 20, 20, 20, 20)
            for holder, share in zip(holders, shares):
                self._hold(holder, company, share, founded)
            controller, control, legal_rep = "", "dispersed", holders[0]
        else:
            owner = self._some_person()
            share = rng.choice((51, 60, 66.67, 70, 80, 90, 100, 100, 100, 100))
            since = founded
            if founded.year < 2020 and rng.random() < 0.05:
                # The founder sold out later: as of a date before the sale, the founder controlled it.
                since = founded + dt.timedelta(days=rng.randint(200, 1500))
                self._hold(self._some_person(), company, 100, founded, until=since - dt.timedelta(days=1))
            self._hold(owner, company, share, since)
            self._minority(company, since, room=round(100 - share, 2))
            controller, control, legal_rep = owner, "single", owner
        self._officer(legal_rep, company, "legal_representative", founded)
        if rng.random() < 0.5:
            self._officer(self._some_person(), company, "supervisor", founded)
        self._truth(company, "company", controller, "", control, ring_role="decoy" if decoy else "")
        if control == "single" and len(self.small_companies) < 200_000:
            self.small_companies.append((company, controller))
        self._background_events(company, name, founded)

    def _harder_case(self) -> None:
        """One company (two or three for a loop) that the simple rules would get wrong, with its truth."""
        rng = self.rng
        kind = rng.choice(("board", "largest", "voting", "unrecorded", "threshold", "listed", "loop", "concert",
                           "agreement", "nominee"))
        founded = self._date(2005, 2023)

        def new_company(**register) -> str:
            industry = rng.choice(INDUSTRIES)
            name = self._unique(f"{rng.choice(REGIONS)[0]}{self._brand()[0]}{industry[1]}{rng.choice(COMPANY_FORMS)}")
            return self._company(name, founded, industry=industry, **register)

        if kind == "loop":
            a, b = new_company(), new_company()
            for x, y in ((a, b), (b, a)):
                self._hold(x, y, 60, founded)
                self._hold(self._person(), y, 40, founded)
                self._officer(self._some_person(), y, "legal_representative", founded)
                self._truth(y, "company", "", "", "loop")
            if rng.random() < 0.5:
                below = new_company()
                self._hold(a, below, 100, founded)
                self._officer(self._some_person(), below, "legal_representative", founded)
                self._truth(below, "company", "", "", "loop")
            return
        if kind == "board" and self.small_companies:
            parent, parent_controller = rng.choice(self.small_companies)
            company = new_company()
            self._hold(parent, company, 20, founded)
            for _ in range(4):
                self._hold(self._person(), company, 20, founded)
            d1, d2, d3 = self._person(), self._person(), self._person()
            for director, role in ((d1, "director"), (d2, "director"), (d3, "chairman")):
                self._officer(director, company, role, founded)
            self._officer(d1, parent, "manager", founded)  # two of the three seats filled from the parent
            self._officer(d2, parent, "finance_officer", founded)
            controller, control = parent_controller, "single"
        elif kind == "largest":
            company = new_company()
            controller = self._person()
            self._hold(controller, company, 25, founded)
            for _ in range(5):
                self._hold(self._person(), company, 15, founded)
            control = "single"
        elif kind == "voting":
            company = new_company()
            controller, other = self._person(), self._person()
            self._hold(controller, company, 20, founded)
            self._hold(other, company, 80, founded)
            self._hold(controller, company, 60, founded, interest="voting")  # a voting agreement
            self._hold(other, company, 40, founded, interest="voting")
            control = "single"
        elif kind == "concert":
            # Two holders of 30 % and 25 % who signed to act in concert (一致行动): 55 % together.
            company = new_company()
            a, b = self._person(), self._person()
            self._hold(a, company, 30, founded)
            self._hold(b, company, 25, founded)
            for _ in range(3):
                self._hold(self._person(), company, 15, founded)
            self._relation(a, b, "concert_party", founded)
            controller, control = "|".join(sorted((a, b))), "joint"
        elif kind == "agreement":
            # Held by an offshore vehicle, controlled by contract (VIE) by a person who holds nothing.
            company = new_company()
            vehicle = self._company(self._unique(self._latin_company_name()), founded, offshore=True)
            owner = self._person()
            self._hold(owner, vehicle, 100, founded)
            self._truth(vehicle, "company", owner, "", "single")
            self._hold(vehicle, company, 100, founded)
            controller, control = self._person(), "single"
            self._relation(controller, company, "control_agreement", founded)
        elif kind == "nominee":
            # 60 % on record in a nominee's name, declared to be held for the principal (代持).
            company = new_company()
            nominee, controller = self._person(), self._person()
            self._hold(nominee, company, 60, founded)
            self._hold(self._person(), company, 40, founded)
            self._relation(nominee, controller, "nominee", founded)
            control = "single"
        elif kind in ("unrecorded", "threshold", "listed"):
            register = {"threshold": {"disclosure_threshold": "25"}, "listed": {"listed": "yes"}}.get(kind, {})
            company = new_company(**register)
            top = self._person()
            stakes = {"unrecorded": (45,), "threshold": (35, 15, 10), "listed": (32, 8)}[kind]
            self._hold(top, company, stakes[0], founded)
            for share in stakes[1:]:
                self._hold(self._person(), company, share, founded)
            controller, control = ("", "uncertain") if kind == "unrecorded" else (top, "single")
        else:
            return self._standalone()
        self._officer(self._some_person(), company, "legal_representative", founded)
        self._truth(company, "company", controller, "", control)

    def _ring(self, size: int) -> None:
        rng = self.rng
        self.n_rings += 1
        ring_id = f"R{self.n_rings:04d}"
        boss_address, boss_phone = self._new_address(), self._new_phone()
        boss = self._person(address=boss_address, phone=boss_phone)
        nominees = []
        for i in range(rng.randint(2, 3)):
            # The tie a registry cannot hide: nominees live with, or share a phone with, the boss.
            nominee = self._person(address=boss_address if i % 2 == 0 else None, phone=boss_phone if i % 2 == 1 else None)
            nominees.append(nominee)
            self._truth(nominee, "nominee", nominee_for=boss, ring_id=ring_id)
        self._truth(boss, "ring_boss", ring_id=ring_id)
        ring_phone, ring_address = self._new_phone(), self._new_address()
        supervisor = self._person()
        case_date = self._date(2021, 2025)
        brand = self._brand()
        members: list[tuple[str, str]] = []
        n_confirmed = max(1, round(size * 0.3))
        n_flagged = max(1, round(size * 0.3))
        for k in range(size):
            # Members with no event of their own look like any company: an ordinary name and business,
            # capital paid in. Only their ties give them away; the others look like what they are.
            clean = k >= n_confirmed + n_flagged or rng.random() < 0.3
            words = rng.choice(INDUSTRIES if clean else RING_WORDS)
            since = case_date - dt.timedelta(days=rng.randint(400, 2500))
            name_brand = brand[0] if rng.random() < 0.5 else self._brand()[0]
            name = self._unique(f"{rng.choice(REGIONS)[0]}{name_brand}{words[1]}{rng.choice(COMPANY_FORMS)}")
            member = self._company(
                name, since, industry=words,
                address=ring_address if rng.random() < 0.6 else None,
                phone=ring_phone if k < 2 or rng.random() < 0.6 else None,
                capital=rng.choice((100, 500, 1000) if clean else (1000, 3000, 5000, 10000)),
                paid_in_ratio=1.0 if clean else 0.0,
            )
            self.n_ring_companies += 1
            nominee = nominees[k % len(nominees)]
            if members and rng.random() < 0.3:
                parent, parent_controller = rng.choice(members)
                self._hold(parent, member, 100, since)
                visible = parent_controller
            elif rng.random() < 0.3:
                handover = case_date - dt.timedelta(days=rng.randint(30, 180))
                self._hold(boss, member, 100, since, until=handover)
                self._hold(nominee, member, 100, handover + dt.timedelta(days=1))
                visible = nominee
            else:
                share = rng.choice((60, 70, 80, 90, 100))
                self._hold(nominee, member, share, since)
                if share < 100:
                    self._hold(nominees[(k + 1) % len(nominees)], member, 100 - share, since)
                visible = nominee
            self._officer(nominee, member, "legal_representative", since)
            self._officer(supervisor, member, "supervisor", since)
            if k < n_confirmed:
                role = "confirmed"
                self._event(member, name, "confirmed_case", case_date + dt.timedelta(days=rng.randint(0, 60)), 5)
                self._event(member, name, "complaint", case_date - dt.timedelta(days=rng.randint(10, 90)), 3)
            elif k < n_confirmed + n_flagged:
                role = "flagged"
                self._event(member, name, rng.choice(("complaint", "negative_news")), case_date - dt.timedelta(days=rng.randint(0, 200)), 3)
            else:
                role = "hidden"
            if role != "confirmed" and rng.random() < 0.5:
                # Investigations widen: half the other members are found to be part of the case later.
                self._event(member, name, "confirmed_case", case_date + dt.timedelta(days=rng.randint(180, 900)), 5)
            self._truth(member, "company", visible, boss, "single", ring_id=ring_id, ring_role=role)
            members.append((member, visible))

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


def read_ground_truth(case_dir: str | Path) -> list[dict[str, str]]:
    """The rows of a generated case's ``ground_truth.csv``."""
    with open(Path(case_dir) / "ground_truth.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
