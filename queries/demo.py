"""The one-command demo: a generated case, loaded, and the report on a company with a hidden controller."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..graph.stores.sqlite import SQLiteStore
from ..loaders.csv_folder import load_folder
from ..loaders.report import LoadReport
from ..loaders.synthetic import CaseSummary, generate_case, read_ground_truth
from .company import CompanyReport, company_report
from .render import Result, Section
from .risk.scores import RiskList, warnings
from .risk.config import load_config


@dataclass
class DemoResult(Result):
    case_dir: Path
    db_path: Path
    summary: CaseSummary
    load: LoadReport
    report: CompanyReport
    truth: dict[str, str]
    truth_names: dict[str, str]
    warnings: RiskList

    def to_dict(self) -> dict:
        return {"case_dir": str(self.case_dir), "db_path": str(self.db_path), "case": self.summary.to_dict(),
                "load": self.load.to_dict(), "company": self.report.to_dict(), "ground_truth": self.truth,
                "warnings": self.warnings.to_dict()["warnings"]}

    def records(self) -> list[dict]:
        return self.report.records()

    def sections(self) -> list[Section]:
        s, r = self.summary, self.load
        intro = Section(
            "equitygraph demo",
            ["step", "result"],
            [
                ("generated", f"{s.companies} companies, {s.persons} persons, {s.holdings} holdings, {s.groups} groups, "
                              f"{s.rings} fundraising rings in {self.case_dir}"),
                ("loaded", f"{r.rows} rows in {r.seconds:.2f} s into {self.db_path}"),
                ("featured", f"{self.report.entity.name}: its registered holders hide who controls it"),
                ("early warnings", f"the {len(self.warnings.rows)} riskiest companies with no confirmed case yet, at the "
                                   f"end; equitygraph risk NAME --db {self.db_path} explains one in full"),
            ],
        )
        name = self.truth_names.get
        truth = Section(
            "What the generator planted (ground truth)",
            ["fact", "who"],
            [
                ("controller on record", f"{name(self.truth['controller_id'])} ({self.truth['controller_id']})"),
                ("hidden controller", f"{name(self.truth['hidden_controller_id'])} ({self.truth['hidden_controller_id']})"),
                ("group / ring", self.truth["group_id"] or self.truth["ring_id"]),
            ],
            note="The controller on record fronts for the hidden one: they share a phone or an address.",
        )
        return [intro, *self.report.sections(), truth, *self.warnings.sections()]


def pick_featured(truth_rows: list[dict[str, str]], report_depth) -> dict[str, str]:
    """The company whose hidden controller sits furthest above it (deepest pyramid), first by id on ties."""
    candidates = [t for t in truth_rows if t["role"] == "company" and t["hidden_controller_id"] and t["group_id"]]
    candidates = candidates or [t for t in truth_rows if t["role"] == "company" and t["hidden_controller_id"]]
    if not candidates:
        raise ValueError("the generated case has no company with a hidden controller")
    return max(candidates, key=lambda t: (report_depth(t["entity_id"]), [-ord(c) for c in t["entity_id"]]))


def run_demo(work_dir: str | Path, companies: int = 400, seed: int = 7) -> DemoResult:
    work = Path(work_dir)
    case_dir, db_path = work / "case", work / "demo.db"
    summary = generate_case(case_dir, companies=companies, seed=seed)
    with SQLiteStore(db_path) as store:
        load = load_folder(store, case_dir)
        truth_rows = read_ground_truth(case_dir)
        depth = {}

        def upstream_depth(company_id: str) -> int:
            if company_id not in depth:
                rows = company_report(store, company_id).upstream
                depth[company_id] = max((r.level for r in rows), default=0)
            return depth[company_id]

        featured = pick_featured(truth_rows, upstream_depth)
        report = company_report(store, featured["entity_id"])
        people = store.get_many([featured["controller_id"], featured["hidden_controller_id"]])
        # The other question the tool exists for: which companies with no case yet look like the next ring.
        warned = warnings(store, load_config(), top=5)
    return DemoResult(case_dir, db_path, summary, load, report, featured, {i: e.name for i, e in people.items()},
                      warned)
