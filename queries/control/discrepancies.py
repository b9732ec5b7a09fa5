"""Where what a register declares and what equitygraph computes disagree - each such place is a lead.

Declared facts come from the open registers (docs/inputs.md): a GLEIF ultimate parent, a BODS
indirect interest or beneficial owner, the final share of a penetration table. Each is checked
against the control report of its company, computed from the direct facts alone:

* an ultimate parent or a declared actual controller (a vendor's 实际控制人) **agrees** when it is the
  computed actual controller; the chain is
  **incomplete** when the direct parents stop short of it at a party with no parent on record; else
  it **differs** (the computed controller is named);
* a declared indirect share agrees when the computed integrated ownership overlaps it (within half a
  percentage point); it differs when they do not overlap, or no chain of holdings leads from the
  party to the company;
* a declared beneficial owner agrees when it is among the computed beneficial owners.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...graph.errors import EquityGraphError
from ...graph.model import DECLARED_FACTS, Relation, RelationType, Share
from ...graph.stores.base import Store
from .report import ControlReport, control_report
from ..i18n import _
from ..render import Result, Section

TOLERANCE = 0.005
VERDICT_ORDER = {"differs": 0, "incomplete": 1, "agrees": 2}


@dataclass(frozen=True)
class Discrepancy:
    company: str
    company_name: str
    declared: str  # ultimate_parent, declared_controller, indirect_holder, beneficial_owner
    party: str
    party_name: str
    declared_share: Share
    computed: str  # what equitygraph computes, in words
    verdict: str  # agrees, differs, incomplete
    source: str | None

    def to_dict(self) -> dict:
        return {"company": self.company, "company_name": self.company_name, "declared": self.declared,
                "party": self.party, "party_name": self.party_name,
                "declared_share": self.declared_share.describe() if self.declared_share.is_known else None,
                "computed": self.computed, "verdict": self.verdict, "source": self.source}


@dataclass
class DiscrepancyReport(Result):
    items: list[Discrepancy]
    checked: int
    shown_all: bool

    def to_dict(self) -> dict:
        counts = {v: sum(1 for d in self.items if d.verdict == v) for v in VERDICT_ORDER}
        return {"checked": self.checked, "counts": counts, "discrepancies": [d.to_dict() for d in self.items]}

    def records(self) -> list[dict]:
        return [d.to_dict() for d in self.items]

    def sections(self) -> list[Section]:
        rows = [(_(d.verdict), d.company_name, _(d.declared.replace("_", " ")),
                 d.party_name + (f" {d.declared_share.describe()}" if d.declared_share.is_known else ""),
                 d.computed, d.source or "") for d in self.items]
        shown = "" if self.shown_all else _(" (agreements left out: --all shows them)")
        return [Section(_("Declared facts checked against the computed chains: {count}").format(count=self.checked) + shown,
                        ["verdict", "company", "declared", "declared as", "computed", "source"], rows,
                        empty="every declared fact agrees with what the direct facts give")]


def discrepancies(store: Store, as_of: dt.date | None = None, include_agreements: bool = False) -> DiscrepancyReport:
    """Every declared fact in force on ``as_of`` checked against the computed control report."""
    facts = [r for r in store.relations_of(DECLARED_FACTS) if r.in_force(as_of)]
    reports: dict[str, ControlReport | None] = {}
    names: dict[str, str] = {}
    out = []
    for fact in facts:
        if fact.b not in reports:
            try:
                reports[fact.b] = control_report(store, fact.b, as_of)
            except EquityGraphError:
                reports[fact.b] = None
        report = reports[fact.b]
        if report is None:
            continue
        for entity_id in (fact.a, fact.b):
            if entity_id not in names:
                entity = store.get(entity_id)
                names[entity_id] = entity.name if entity else entity_id
        computed, verdict = _check(store, fact, report, names)
        if verdict != "agrees" or include_agreements:
            out.append(Discrepancy(fact.b, names[fact.b], fact.type.value, fact.a, names[fact.a], fact.share, computed,
                                   verdict, fact.source))
    out.sort(key=lambda d: (VERDICT_ORDER[d.verdict], d.company_name, d.company, d.declared, d.party))
    return DiscrepancyReport(out, len(facts), include_agreements)


def _check(store: Store, fact: Relation, report: ControlReport, names: dict[str, str]) -> tuple[str, str]:
    def name(i):
        return report.name(i) if i in report.names else names.get(i, i)

    if fact.type in (RelationType.ULTIMATE_PARENT, RelationType.DECLARED_CONTROLLER):
        actual = report.actual_controllers
        if fact.a in actual:
            return f"actual controller {name(fact.a)}", "agrees"
        climbed = [h.controller for h in report.hops]
        path = " <- ".join(name(i) for i in [report.entity.id, *climbed])
        top = climbed[-1] if climbed else report.entity.id
        if fact.a == top and not _has_parent(store, top):
            return f"the direct parents lead to it, and nothing on record is above it ({path})", "agrees"
        if fact.a in climbed:
            return f"control goes on above it: {path}", "differs"
        if not _has_parent(store, top) and report.kinds.get(top) != "person":  # a person is a chain's end
            return f"the direct parents stop at {name(top)}, which has no parent on record ({path})", "incomplete"
        controllers = ", ".join(name(i) for i in actual) or f"none ({report.verdict})"
        return f"actual controller {controllers} ({path})", "differs"
    stake = report.stakes.get(fact.a)
    if fact.type is RelationType.INDIRECT_HOLDER:
        if stake is None:
            return f"no chain of holdings on record leads from {name(fact.a)} to {name(report.entity.id)}", "differs"
        computed = f"integrated ownership {_span(stake)}"
        return computed, "agrees" if _overlaps(fact.share, stake) else "differs"
    owners = {o.person: o for o in report.beneficial.owners}
    if fact.a in owners:
        owner = owners[fact.a]
        computed = f"beneficial owner ({owner.basis}" + (f", {_span((owner.low, owner.high))})" if owner.low is not None else ")")
        if owner.low is not None and not _overlaps(fact.share, (owner.low, owner.high)):
            return computed, "differs"
        return computed, "agrees"
    listed = ", ".join(name(o) for o in owners) or "none"
    extra = f"; integrated ownership {_span(stake)}" if stake else ""
    return f"not a beneficial owner by the direct facts (computed: {listed}{extra})", "differs"


def _has_parent(store: Store, entity_id: str) -> bool:
    """Whether anything on record holds or controls ``entity_id``."""
    edges = store.edges_touching([entity_id])
    return any(h.company_id == entity_id for h in edges.holdings) or any(
        r.b == entity_id and r.type in (RelationType.ACCOUNTING_PARENT, RelationType.CONTROL_AGREEMENT)
        for r in edges.relations)


def _overlaps(declared: Share, computed: tuple[float, float]) -> bool:
    if not declared.is_known:
        return True
    return declared.low <= computed[1] + TOLERANCE and computed[0] <= declared.high + TOLERANCE


def _span(bounds: tuple[float, float]) -> str:
    low, high = bounds
    return f"{low * 100:.2f} %" if abs(high - low) < 1e-9 else f"{low * 100:.2f}-{high * 100:.2f} %"
