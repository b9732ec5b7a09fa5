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
verdict (``control``: single, joint, none (dispersed), uncertain or loop), the hidden controller behind a
nominee, the group and the ring; and one row per nominee person.
Output is a function of ``(companies, seed)`` alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from ..graph.errors import EquityGraphError
from .synthetic_names import (
    COMPANY_FORMS,
    INDUSTRIES,
    REGIONS,
    RING_WORDS,
)

from .synthetic_parts import CaseBuilder, CaseWriter
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
    with CaseWriter(out) as writer:
        summary = _Generator(writer, companies, seed).run()
    (out / "case.json").write_text(
        json.dumps({"generator": GENERATOR_VERSION, "seed": seed, **summary.to_dict()}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return summary


class _Generator(CaseBuilder):
    """Plans the case: groups, rings, standalone companies and the harder cases, until the target is met."""

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
            controller, control, legal_rep = "", "none", holders[0]
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


def read_ground_truth(case_dir: str | Path) -> list[dict[str, str]]:
    """The rows of a generated case's ``ground_truth.csv``."""
    with open(Path(case_dir) / "ground_truth.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
