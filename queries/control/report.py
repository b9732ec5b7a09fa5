"""Who controls a named company, through which chains, who its beneficial owners are, and the
tell-tale signs of concealed control; optionally as of a past date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from ...graph.analysis.beneficial import SENIOR_MANAGER_ROLES, BeneficialOwnership, beneficial_owners
from ...graph.analysis.chains import Chain, control_chains, integrated_in
from ...graph.analysis.control_rules import (
    DISPERSED,
    LOOP,
    UNKNOWN,
    REASONS,
    UNCERTAIN,
    VERDICTS,
    ControlRules,
)
from ...graph.errors import EquityGraphError
from ...graph.model import DECLARED_FACTS, Entity, EntityKind, Interest
from ...graph.stores.base import Store
from ..i18n import N_, _
from ..render import Result, Section
from ..resolve import resolve_entity
from .answer import (NOT_WALKED, SHOWN_CHAINS, ControlHop, control_path, decided, explain, loop_members, ownership_edges,
                     gap_of, pct, span, why_unknown)
from .signals import concealment_signals


#: What stands in the "actual controller" line where there is none, by verdict.
NO_CONTROLLER = {"none": N_("no single controller"), "uncertain": N_("uncertain"),
                 "unknown": N_("not known: no holder of its shares or votes on record"), "loop": N_("no single controller")}


def declared_facts(store: Store, company: str, as_of: dt.date | None) -> list[tuple[str, str, str, str, str]]:
    """What registers declare about ``company``'s control, in force on ``as_of``: ultimate parents,
    declared controllers, indirect holders and beneficial owners, with their shares and sources."""
    facts = [r for r in store.edges_touching([company]).relations
             if r.b == company and r.type in DECLARED_FACTS and r.in_force(as_of)]
    names = {i: e.name for i, e in store.get_many([r.a for r in facts]).items()}
    return sorted((r.type.value, r.a, names.get(r.a, r.a), r.share.describe() if r.share.is_known else "", r.source or "")
                  for r in facts)


def path_and_chains(hops: list[ControlHop], chains: list[Chain], edges) -> tuple[list[ControlHop], list[Chain]]:
    """The control path and the ownership chains told as one story: a hop whose votes are more than
    the controller's own holding is marked pooled; where every hop is a holding, the chain along the
    control path comes first (found among the chains, or built from the holdings when the cash-flow
    ranking left it out)."""
    held = {(e.holder, e.company): e for e in edges}
    marked = [replace(h, pooled=(h.controller, h.controlled) not in held
                      or held[h.controller, h.controlled].low < h.low - 1e-9) if h.rule != "agreement" else h
              for h in hops]
    if not marked or any(h.pooled or h.rule == "agreement" for h in marked):
        return marked, chains
    along = Chain(tuple(held[h.controller, h.controlled] for h in reversed(marked)))
    rest = [c for c in chains if c.hops != along.hops]
    return marked, [along, *rest]


@dataclass(frozen=True)
class RegisterFacts:
    """What the company's register of holders covers today (or as of the report's date)."""

    holders: int
    on_record: tuple[float, float]
    not_on_record: tuple[float, float]
    hidden_max: float  # the most one holder not on record could hold (of the votes)
    disclosure_threshold: float | None
    listed: bool
    free_float: float | None

    def to_dict(self) -> dict:
        return {"holders_on_record": self.holders, "on_record_low": self.on_record[0], "on_record_high": self.on_record[1],
                "not_on_record_low": self.not_on_record[0], "not_on_record_high": self.not_on_record[1],
                "largest_unrecorded_holder_at_most": self.hidden_max,
                "disclosure_threshold": self.disclosure_threshold, "listed": self.listed, "free_float": self.free_float}

    def describe(self) -> str:
        """``45 % on record; 55 % not on record (...)``."""
        on = span(*self.on_record) if self.holders else _("no holder")
        missing = self.not_on_record[1]
        if missing <= 1e-9:
            return _("{on} on record; the register is complete").format(on=on)
        text = _("{on} on record; {gap} not on record").format(on=on, gap=gap_of(*self.not_on_record))
        if self.listed or self.free_float is not None:
            text += (_(" (dispersed public holders, each below {threshold})").format(threshold=pct(self.disclosure_threshold))
                     if self.disclosure_threshold is not None else _(" (dispersed public holders)"))
        elif self.disclosure_threshold is not None:
            text += _(" (each holder missing from the register holds less than {threshold})").format(
                threshold=pct(self.disclosure_threshold))
        else:
            text += _(" (no disclosure threshold: one holder could hold all of it)")
        return text


@dataclass
class ControlReport(Result):
    entity: Entity
    as_of: dt.date | None
    verdict: str  # the verdict at the top of the climb: single, joint, none, uncertain, unknown, loop
    actual_controllers: tuple[str, ...]
    hops: list[ControlHop]
    candidates: tuple[str, ...]
    owners: list[tuple[str, float, float]]  # ultimate owners with integrated ownership bounds
    beneficial: BeneficialOwnership
    chains: list[Chain]
    chains_cut: bool
    cash_flow: tuple[float, float] | None
    control_rights: tuple[float, float] | None
    names: dict[str, str]
    kinds: dict[str, str]
    truncated: bool
    register: RegisterFacts | None = None
    reason_code: str = ""  # one of control_rules.REASONS
    reason: str = ""  # the reason in words, where the verdict is not a plain single or joint controller
    loop_members: tuple[str, ...] = ()
    signals: list = field(default_factory=list)
    stakes: dict[str, tuple[float, float]] = field(default_factory=dict)  # every holder above: integrated ownership
    sources: dict[tuple[str, str], str] = field(default_factory=dict)  # (holder, company): where the fact comes from
    #: the highest entity whose control the records prove (the actual controller, where that is certain)
    controlling_parent: tuple[str, ...] = ()
    #: why the ultimate controller is not known ("" where it is: the actual controller)
    ultimate_unknown: str = ""
    #: what registers declare about the company's control (relations.DECLARED_FACTS), shown beside
    #: the computed answer: (type, party id, party name, share, source)
    declared: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    def source(self, holder: str, company: str) -> str:
        return self.sources.get((holder, company), "")

    @property
    def wedge(self) -> float | None:
        if self.cash_flow is None or self.control_rights is None:
            return None
        return self.control_rights[0] - self.cash_flow[0]

    def kind_name(self, entity_id: str) -> str:
        return _(self.kinds[entity_id]) if entity_id in self.kinds else ""

    def name(self, entity_id: str) -> str:
        return self.names.get(entity_id, entity_id)

    def to_dict(self) -> dict:
        def party(i):
            return {"id": i, "name": self.name(i), "kind": self.kinds.get(i)}

        return {
            "entity": party(self.entity.id),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "verdict": self.verdict,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "actual_controllers": [party(i) for i in self.actual_controllers],
            "controlling_parent": [party(i) for i in self.controlling_parent],
            "ultimate_controller": {"known": bool(self.actual_controllers),
                                    "controllers": [party(i) for i in self.actual_controllers],
                                    "why_unknown": self.ultimate_unknown or None},
            "control_path": [{"controller": party(h.controller), "controlled": party(h.controlled), "rule": h.rule,
                              "votes_low": h.low, "votes_high": h.high, "pooled": h.pooled,
                              "source": self.source(h.controller, h.controlled) or None} for h in self.hops],
            "loop_members": [party(i) for i in self.loop_members],
            "candidates": [party(i) for i in self.candidates],
            "register": self.register.to_dict() if self.register is not None else None,
            "ultimate_owners": [{**party(i), "integrated_low": lo, "integrated_high": hi} for i, lo, hi in self.owners],
            "beneficial_owners": {
                "threshold": self.beneficial.threshold, "inclusive": self.beneficial.inclusive,
                "small_company_exemption": self.beneficial.exempt_small_company,
                "owners": [{**party(o.person), "basis": o.basis, "integrated_low": o.low, "integrated_high": o.high}
                           for o in self.beneficial.owners],
                "not_on_record_up_to": self.beneficial.unrecorded,
            },
            "chains": [{"top": party(c.top), "cash_flow_low": c.cash_flow[0], "cash_flow_high": c.cash_flow[1],
                        "control_low": c.control[0], "control_high": c.control[1],
                        "hops": [{"holder": party(h.holder), "company": party(h.company), "low": h.low, "high": h.high,
                                  "unknown": h.unknown, "source": self.source(h.holder, h.company) or None}
                                 for h in c.hops]} for c in self.chains],
            "chains_cut": self.chains_cut,
            "cash_flow": self.cash_flow, "control_rights": self.control_rights, "wedge": self.wedge,
            "signals": [s.to_dict() for s in self.signals],
            "truncated": self.truncated,
            "declared": [{"type": t, "party": {"id": i, "name": n}, "share": s or None, "source": src or None}
                         for t, i, n, s, src in self.declared],
        }

    def records(self) -> list[dict]:
        """The ultimate owners with their integrated ownership, and who among them controls or is a
        beneficial owner."""
        owners = {o.person: o.basis for o in self.beneficial.owners}
        rows = [{"company_id": self.entity.id, "owner_id": i, "owner_name": self.name(i), "owner_kind": self.kinds.get(i),
                 "integrated_low": round(lo, 10), "integrated_high": round(hi, 10),
                 "actual_controller": i in self.actual_controllers,
                 "beneficial_owner": owners.get(i, "")} for i, lo, hi in self.owners]
        listed = {r["owner_id"] for r in rows}
        rows += [{"company_id": self.entity.id, "owner_id": i, "owner_name": self.name(i), "owner_kind": self.kinds.get(i),
                  "integrated_low": None, "integrated_high": None, "actual_controller": i in self.actual_controllers,
                  "beneficial_owner": owners.get(i, "")} for i in [*self.actual_controllers, *owners] if i not in listed]
        return list({r["owner_id"]: r for r in rows}.values())

    def sections(self) -> list[Section]:
        when = _(" as of {day}").format(day=self.as_of.isoformat()) if self.as_of else ""
        if self.actual_controllers:
            who = _(" and ").join(f"{self.name(i)} ({i})" for i in self.actual_controllers)
            summary = [(_("actual controller"), who), (_("verdict"), _(self.verdict))]
        else:
            summary = [(_("actual controller"), _(NO_CONTROLLER.get(self.verdict, "no single controller"))),
                       (_("verdict"), _(self.verdict))]
            if self.controlling_parent:
                summary.append((_("controlling parent"), _(" and ").join(f"{self.name(i)} ({i})"
                                                                        for i in self.controlling_parent)
                                + " " + _("(proven by the records)")))
                summary.append((_("ultimate controller"), _("not known: {why}").format(why=self.ultimate_unknown)))
            if self.candidates:
                summary.append((_("largest holders"), ", ".join(f"{self.name(i)} ({i})" for i in self.candidates)))
        if self.reason:
            summary.append((_("why"), self.reason))
        if self.register is not None:
            summary.append((_("shares on record"), self.register.describe()))
        if self.cash_flow is not None:
            summary.append((_("cash-flow rights"), span(*self.cash_flow)))
            summary.append((_("control rights (weakest link)"), span(*self.control_rights)))
            summary.append((_("wedge"), _("{points} points").format(points=f"{self.wedge * 100:.1f}")))
        out = [Section(_("Control of {name}").format(name=self.entity.name) + when, ["", ""], summary)]
        if self.declared:
            out.append(Section(_("Declared by the registers (compared by equitygraph discrepancies)"),
                               ["declared", "party", "share", "source"],
                               [(_(t.replace("_", " ")), f"{n} ({i})", s, src) for t, i, n, s, src in self.declared]))
        out.append(Section(_("Control path (from the company upward)"),
                           ["controlled", "controller", "rule", "votes", "source"],
                           [(self.name(h.controlled), f"{self.name(h.controller)} ({h.controller})", _(h.rule),
                             _("by agreement or consolidation") if h.rule == "agreement" else span(h.low, h.high)
                             + (" " + _("(pooled through companies it controls)") if h.pooled else ""),
                             self.source(h.controller, h.controlled)) for h in self.hops]))
        bo = self.beneficial
        rule = f"{'>=' if bo.inclusive else '>'} {bo.threshold * 100:g} %"
        rows = [(self.name(o.person), o.person, _(o.basis), span(o.low, o.high) if o.low is not None else "")
                for o in bo.owners]
        if bo.unrecorded is not None:
            rows.append((_("not on record"), "", _("possible ownership"),
                         _("up to {share}").format(share=f"{bo.unrecorded * 100:.2f} %")))
        notes = []
        if bo.exempt_small_company:
            notes.append(_("small-company exemption may apply: registered capital <= CNY 10 million and only "
                           "natural-person holders"))
        if bo.unrecorded is not None:
            notes.append(_("a holder missing from the registers could be a beneficial owner"))
        out.append(Section(_("Beneficial owners ({rule})").format(rule=rule), ["person", "id", "basis", "integrated"],
                           rows, note="; ".join(notes)))
        out.append(Section(_("Ultimate owners (integrated ownership)"), ["owner", "id", "kind", "owns"],
                           [(self.name(i), i, self.kind_name(i), span(lo, hi)) for i, lo, hi in self.owners[:15]],
                           note=_("{count} more").format(count=len(self.owners) - 15) if len(self.owners) > 15 else ""))
        rows = []
        for n, c in enumerate(self.chains, 1):
            path = " -> ".join(f"{self.name(h.holder)} [{span(h.low, h.high)}]" for h in c.hops)
            rows.append((n, f"{path} -> {self.name(c.hops[-1].company)}", span(*c.cash_flow), span(*c.control)))
        out.append(Section(_("Control chains"), ["#", "chain (share at each hop)", "cash flow", "control"], rows,
                           note=_("the chains with the largest cash flow the search reached; more may exist than shown "
                                   "(integrated ownership above counts them all)") if self.chains_cut else ""))
        if self.signals:
            out.append(Section(_("Concealment signals"), ["signal", "evidence"],
                               [(_(s.kind.replace("_", " ")), s.evidence) for s in self.signals]))
        return out


def control_report(store: Store, name: str, as_of: dt.date | None = None, rules: ControlRules = ControlRules(),
                   threshold: float = 0.25, inclusive: bool = True, signals: bool = True) -> ControlReport:
    """The control report on the company ``name`` resolves to.

    Control is decided by :func:`~equitygraph.graph.analysis.control_rules.control_table` on the
    arrays of the company's upstream subgraph: the very code the whole-graph form runs. Without
    ``signals``, the concealment signals are not looked for (many reports compared, not read).
    """
    entity = resolve_entity(store, name)
    if entity.kind not in (EntityKind.COMPANY, EntityKind.ORGANIZATION):
        raise EquityGraphError(f"{entity.name} ({entity.id}) is a {entity.kind.value}; control is asked of companies "
                               "and organizations (use equitygraph company for what a person holds)")
    store = store.around(entity.id)
    up, arrays, table = decided(store, entity, as_of, rules)
    kinds = {i: e.kind.value for i, e in up.entities.items()}
    names = {i: e.name for i, e in up.entities.items()}
    j = arrays.index_of(entity.id)
    hops = control_path(table, j)
    actual = table.actual_controller(j)
    verdict = VERDICTS[table.final[j]]
    direct_holders = tuple(sorted({arrays.index_of(h.holder_id) for h in up.holdings if h.company_id == entity.id}))
    loop = loop_members(table, j, direct_holders) if table.final[j] == LOOP else ()

    edges = ownership_edges(up)
    integrated = integrated_in(edges, entity.id) if edges else {}
    held = {e.company for e in edges}
    direct = [e for e in edges if e.company == entity.id]
    candidates = ()
    if table.verdict[j] in (DISPERSED, UNCERTAIN, UNKNOWN):
        candidates = tuple(e.holder for e in sorted(direct, key=lambda e: (-e.low, -e.high, e.holder))[:3])
    owners = sorted(((i, lo, hi) for i, (lo, hi) in integrated.items() if i not in held),
                    key=lambda t: (-t[2], -t[1], t[0]))
    persons = {i for i, k in kinds.items() if k == EntityKind.PERSON.value}
    managers = tuple(o.person_id for role in SENIOR_MANAGER_ROLES for o in up.officers
                     if o.company_id == entity.id and o.role == role)
    capital = entity.registered_capital if (entity.currency or "CNY") == "CNY" else None
    reg = table.registers
    reach = {c: 1.0 if c == entity.id else integrated.get(c, (0.0, 0.0))[1] for c in held | {entity.id}}
    unrecorded = max((reg.largest_hidden_share(arrays.index_of(c)) * share for c, share in reach.items()),
                     default=0.0)
    bo = beneficial_owners(
        {i: (lo, hi) for i, lo, hi in owners} | {i: v for i, v in integrated.items() if i in persons},
        persons, controllers=actual, senior_managers=managers, threshold=threshold, inclusive=inclusive,
        registered_capital_cny=capital, direct_holders_all_persons=bool(direct) and all(e.holder in persons for e in direct),
        unrecorded=unrecorded,
    )
    tops = set(actual) | {o.person for o in bo.owners}
    chains, cut = control_chains(edges, entity.id, tops or None, max_chains=SHOWN_CHAINS)
    hops, chains = path_and_chains(hops, chains, edges)
    cash_flow = control_rights = None
    if len(actual) == 1 and actual[0] in integrated:
        cash_flow = integrated[actual[0]]
        own = [c for c in chains if c.top == actual[0]]
        control_rights = (min(1.0, sum(c.control[0] for c in own)), min(1.0, sum(c.control[1] for c in own)))
    register = RegisterFacts(reg.holders_of(j), reg.on_record(j), reg.not_on_record(j), reg.largest_hidden(j),
                             entity.disclosure_threshold,
                             entity.listed, entity.free_float)
    report = ControlReport(entity, as_of, verdict, actual, hops, candidates, owners, bo, chains, cut, cash_flow,
                           control_rights, names, kinds, up.truncated, register, REASONS[table.final_reason[j]],
                           "", loop)
    report.reason = explain(table, arrays, j, report.name, candidates, loop)
    if verdict == "unknown":  # "no holder" would be untrue where one holds an interest of another kind
        other = sorted({h.holder_id for h in up.holdings
                        if h.company_id == entity.id and h.interest is Interest.OTHER and h.in_force(as_of)})
        if other:
            report.reason = _("no holder of its shares or votes is on record; {holders}: another interest in it "
                              "(influence or control, no share)").format(
                holders=", ".join(f"{report.name(i)} ({i})" for i in other))
    report.controlling_parent = table.controlling_parent(j)
    if not actual:
        report.ultimate_unknown = why_unknown(table, j, report.controlling_parent, up.entities, report.name,
                                              report.reason)
    report.stakes = integrated
    report.sources = {(r.a, r.b): r.source for r in up.relations if r.source and r.type not in NOT_WALKED}
    report.sources |= {(h.holder_id, h.company_id): h.source for h in up.holdings
                       if h.source and h.interest is Interest.SHAREHOLDING}
    report.signals = concealment_signals(store, report, up) if signals else []
    report.declared = declared_facts(store, entity.id, as_of)
    return report


