"""Successive register snapshots of a synthetic case, with the changes planted between them.

``generate --snapshots N`` writes the case of :mod:`.synthetic` as the first snapshot (a canonical
CSV folder named by its day, 2026-03-31), then N-1 snapshots a quarter apart, each the whole
register as of its day: the facts in force then, without end dates, and the risk events dated
since the previous one. Between two snapshots it plants, each at companies no other change
touches (standalone companies held by persons only that hold nothing):

* a controlling stake sold whole to a new person (holder out, holder in, actual controller changed);
* a dispersed holder's stake halved, the other half sold to a new person (share changed, holder in);
* a supervisor replaced (officer out, officer in), a legal representative replaced;
* a complaint dated inside the window; a company moved to a new address (address changed);
* a company struck off: gone from the register with its holdings, roles, address and phone
  (holders out, officers out, address and contact changed to none, and the company not seen since
  the snapshot).

``changes_truth.csv`` lists every change per snapshot as ``equitygraph changes`` reports it (dates
aside): ``snapshot, change, company_id, party_id, before, after``; shares as in the reports
(``25 %``), roles by their standard names, a legal representative's predecessor by id, actual
controllers by id (``|``-joined when joint), and
``not_seen`` rows for the companies struck off. Output is a function of ``(companies, seed, N)``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

from ..graph.errors import EquityGraphError
from .csv_rows import ENTITY_COLUMNS
from .fields import parse_share
from .synthetic import generate_case, read_ground_truth
from .synthetic_names import GIVEN_CHARS
from .synthetic_parts import _surname

FIRST_DAY = dt.date(2026, 3, 31)
TRUTH_COLUMNS = ("snapshot", "change", "company_id", "party_id", "before", "after")
FILES = ("entities", "holdings", "officers", "relations")


def snapshot_days(count: int) -> list[dt.date]:
    """Quarter ends from :data:`FIRST_DAY`.

    Examples
    --------
    >>> [d.isoformat() for d in snapshot_days(3)]
    ['2026-03-31', '2026-06-30', '2026-09-30']
    """
    days, year, quarter = [], FIRST_DAY.year, 1
    for _ in range(count):
        end_month = 3 * quarter
        following = dt.date(year + (end_month == 12), end_month % 12 + 1, 1)
        days.append(following - dt.timedelta(days=1))
        quarter, year = (1, year + 1) if quarter == 4 else (quarter + 1, year)
    return days


@dataclass
class HistorySummary:
    days: list[dt.date]
    changes: int
    companies: int

    def to_dict(self) -> dict:
        return {"snapshots": len(self.days), "first snapshot": self.days[0].isoformat(),
                "last snapshot": self.days[-1].isoformat(), "companies": self.companies, "planted changes": self.changes}


def generate_history(out_dir: str | Path, companies: int, seed: int = 0, snapshots: int = 3) -> HistorySummary:
    """Write ``snapshots`` register snapshots of a synthetic case into ``out_dir`` (see the module)."""
    if snapshots < 2:
        raise EquityGraphError(f"a history needs at least 2 snapshots, got {snapshots}")
    out = Path(out_dir)
    days = snapshot_days(snapshots)
    first = out / days[0].isoformat()
    summary = generate_case(first, companies=companies, seed=seed)
    register = _Register(first)
    late_events = register.split_events(days[0])
    register.write_events(first, [e for e in register.events if _day(e[2]) <= days[0]])
    truth: list[tuple] = []
    used: set[str] = set()
    eligible = register.eligible(read_ground_truth(first))
    for k, day in enumerate(days[1:], start=1):
        rng = random.Random(f"{seed}/{k}")
        planted = _Planter(register, rng, eligible, used, day, days[k - 1], k, max(1, companies // 200))
        rows = planted.run()
        window = [e for e in late_events if days[k - 1] < _day(e[2]) <= day]
        rows += [("risk_event", e[0], "", "", e[1]) for e in window]
        register.write(out / day.isoformat(), planted.events + window)
        truth += [(day.isoformat(), *row) for row in rows]
    with open(out / "changes_truth.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(TRUTH_COLUMNS)
        writer.writerows(sorted(truth))
    (out / "snapshots.json").write_text(json.dumps(
        {"seed": seed, "companies": companies, "snapshots": [d.isoformat() for d in days]}, indent=2) + "\n",
        encoding="utf-8")
    return HistorySummary(days, sum(1 for row in truth if row[1] != "not_seen"), summary.companies)


def read_history_truth(out_dir: str | Path) -> list[dict[str, str]]:
    with open(Path(out_dir) / "changes_truth.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text) if text else dt.date.min


class _Register:
    """The register in force, as rows of the canonical files (kept as read, so what does not change
    is written again exactly)."""

    def __init__(self, folder: Path):
        self.header, self.rows = {}, {}
        for name in (*FILES, "events"):
            with open(folder / f"{name}.csv", encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                self.header[name] = next(reader)
                self.rows[name] = list(reader)
        day = dt.date.fromisoformat(folder.name)
        for name in ("holdings", "officers", "relations"):
            until = self.header[name].index("until")
            self.rows[name] = [r for r in self.rows[name] if not r[until] or _day(r[until]) >= day]
        self.events = self.rows.pop("events")
        self.kinds = {r[0]: r[1] for r in self.rows["entities"]}
        self.controllers: dict[str, list[str]] = {}
        self.dropped: set[int] = set()  # rows no longer in the register, by identity (lists are long)
        self.struck: set[str] = set()
        self._entity_rows: dict[str, list[str]] | None = None

    def entity_row(self, entity_id: str) -> list[str] | None:
        if self._entity_rows is None:
            self._entity_rows = {r[0]: r for r in self.rows["entities"]}
        return self._entity_rows.get(entity_id)

    def drop(self, row: list[str]) -> None:
        self.dropped.add(id(row))

    def compact(self) -> None:
        for name in FILES:
            self.rows[name] = [r for r in self.rows[name] if id(r) not in self.dropped and r[0] not in self.struck
                               and (name == "entities" or r[1] not in self.struck)]
        self.dropped.clear()

    def split_events(self, day: dt.date) -> list[list[str]]:
        """The events dated after ``day``: published by the snapshots whose window holds them."""
        return [e for e in self.events if _day(e[2]) > day]

    def eligible(self, truth: list[dict[str, str]]) -> list[str]:
        """Companies a change can touch without touching another's answer: standalone, held by
        persons only, holding nothing, in no declared tie, with exact shares."""
        holders: dict[str, list[list[str]]] = {}
        holding_parties: set[str] = set()
        for r in self.rows["holdings"]:
            holders.setdefault(r[1], []).append(r)
            holding_parties.add(r[0])
        tied = {p for r in self.rows["relations"] for p in r[:2]}
        chosen = []
        for t in truth:
            c = t["entity_id"]
            self.controllers[c] = [p for p in t["controller_id"].split("|") if p]
            if (t["role"] != "company" or t["group_id"] or t["ring_id"] or t["hidden_controller_id"]
                    or t["control"] not in ("single", "joint", "none") or c in holding_parties or c in tied
                    or c not in holders):
                continue
            rows = holders[c]
            if all(self.kinds.get(r[0]) == "person" and r[3] in ("", "shareholding") and _exact(r[2]) for r in rows) \
                    and len({r[0] for r in rows}) == len(rows):
                chosen.append(c)
        return sorted(chosen)

    def write(self, folder: Path, events: list[list[str]]) -> None:
        self.compact()
        folder.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(self.header[name])
                writer.writerows(self.rows[name])
        self.write_events(folder, events)

    def write_events(self, folder: Path, events: list[list[str]]) -> None:
        with open(folder / "events.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(self.header["events"])
            writer.writerows(events)


def _exact(text: str) -> bool:
    try:
        return parse_share(text).is_exact
    except Exception:  # noqa: BLE001 - the generator's own text; anything odd is simply not chosen
        return False


def _described(text: str) -> str:
    return parse_share(text).describe()


class _Planter:
    """The changes between one snapshot and the next, made on the register and returned as truth rows."""

    def __init__(self, register: _Register, rng: random.Random, eligible: list[str], used: set[str], day: dt.date,
                 previous: dt.date, k: int, count: int):
        self.r, self.rng, self.used, self.day, self.previous, self.k = register, rng, used, day, previous, k
        self.pool = [c for c in eligible if c not in used]
        rng.shuffle(self.pool)
        self.count = count
        self.events: list[list[str]] = []
        self.new_people = self.moved = 0

    def run(self) -> list[tuple]:
        rows: list[tuple] = []
        holdings = self._by_company("holdings")
        officers = self._by_company("officers")
        plans = (("sell", self._sell), ("dilute", self._dilute), ("supervisor", self._supervisor),
                 ("legal", self._legal), ("complaint", self._complaint), ("move", self._move), ("strike", self._strike))
        for _name, plant in plans:
            done = 0
            for company in self.pool:
                if done == self.count:
                    break
                if company in self.used:
                    continue
                found = plant(company, holdings.get(company, []), officers.get(company, []))
                if found:
                    self.used.add(company)
                    rows += found
                    done += 1
        return rows

    def _by_company(self, name: str) -> dict[str, list[list[str]]]:
        by: dict[str, list[list[str]]] = {}
        for r in self.r.rows[name]:
            by.setdefault(r[1], []).append(r)
        return by

    def _person(self) -> str:
        self.new_people += 1
        person = f"N{self.k}-{self.new_people:06d}"
        name = _surname(self.rng) + "".join(self.rng.choice(GIVEN_CHARS) for _ in range(2))
        row = [""] * len(ENTITY_COLUMNS)
        row[:3], row[5] = [person, "person", name], "CN"
        self.r.rows["entities"].append(row)
        self.r.kinds[person] = "person"
        return person

    def _holding(self, holder: str, company: str, share: str) -> list[str]:
        row = [""] * len(self.r.header["holdings"])
        row[:3] = [holder, company, share]
        return row

    def _officer(self, person: str, company: str, role: str) -> list[str]:
        row = [""] * len(self.r.header["officers"])
        row[:3] = [person, company, role]
        return row

    def _sell(self, company, holdings, officers):
        sellers = [r for r in holdings if r[0] in self._controllers(company)]
        if not sellers:
            return None
        old = sellers[0]
        buyer = self._person()
        self.r.drop(old)
        self.r.rows["holdings"].append(self._holding(buyer, company, old[2]))
        shown = _described(old[2])
        return [("holder_out", company, old[0], shown, ""), ("holder_in", company, buyer, "", shown),
                ("controller_changed", company, "", "|".join(sorted(self._controllers(company))),
                 "|".join(sorted({*self._controllers(company), buyer} - {old[0]})))]

    def _controllers(self, company: str) -> list[str]:
        return self.r.controllers.get(company, [])

    def _dilute(self, company, holdings, officers):
        shares = {parse_share(r[2]).low for r in holdings}
        if len(holdings) < 4 or len(shares) != 1 or self._controllers(company):
            return None
        old = holdings[0]
        half = parse_share(old[2]).low * 50
        new_text = f"{half:g}"
        self.r.drop(old)
        self.r.rows["holdings"].append([old[0], old[1], new_text, *old[3:]])
        buyer = self._person()
        self.r.rows["holdings"].append(self._holding(buyer, company, new_text))
        return [("share_changed", company, old[0], _described(old[2]), _described(new_text)),
                ("holder_in", company, buyer, "", _described(new_text))]

    def _supervisor(self, company, holdings, officers):
        replaced = self._replace_officer(company, officers, "supervisor")
        if replaced is None:
            return None
        old, new = replaced
        return [("officer_out", company, old, "supervisor", ""), ("officer_in", company, new, "", "supervisor")]

    def _legal(self, company, holdings, officers):
        replaced = self._replace_officer(company, officers, "legal_representative")
        if replaced is None:
            return None
        old, new = replaced
        return [("legal_representative_changed", company, new, old, new)]

    def _replace_officer(self, company, officers, role: str) -> tuple[str, str] | None:
        """The company's one holder of ``role`` replaced by a new person: (who left, who came), or
        None where the role has not exactly one holder."""
        holding = [r for r in officers if r[2] == role]
        if len(holding) != 1:
            return None
        new = self._person()
        self.r.drop(holding[0])
        self.r.rows["officers"].append(self._officer(new, company, role))
        return holding[0][0], new

    def _complaint(self, company, holdings, officers):
        day = self.previous + dt.timedelta(days=self.rng.randint(1, (self.day - self.previous).days))
        self.events.append([company, "complaint", day.isoformat(), "3", "多名群众反映该公司以高息为诱饵吸收资金", "synthetic"])
        return [("risk_event", company, "", "", "complaint")]

    def _move(self, company, holdings, officers):
        row = self.r.entity_row(company)
        column = ENTITY_COLUMNS.index("address")
        if row is None or not row[column]:
            return None
        old = row[column]
        self.moved += 1
        row[column] = f"{old.split('市')[0]}市新区迁址路{self.k}{self.moved:05d}号"
        return [("address_changed", company, "", old, row[column])]

    def _strike(self, company, holdings, officers):
        if not holdings:
            return None
        self.r.struck.add(company)
        row = self.r.entity_row(company)
        address, phone, email = (row[ENTITY_COLUMNS.index(c)] for c in ("address", "phone", "email"))
        contacts = "; ".join(sorted(c for c in (phone, email) if c))
        return ([("holder_out", company, r[0], _described(r[2]), "") for r in holdings]
                + [("officer_out", company, r[0], r[2], "") for r in officers]
                + ([("address_changed", company, "", address, "")] if address else [])
                + ([("contact_changed", company, "", contacts, "")] if contacts else [])
                + ([("controller_changed", company, "", "|".join(sorted(self._controllers(company))), "")]
                   if self._controllers(company) else [])
                + [("not_seen", company, "", "", "")])
