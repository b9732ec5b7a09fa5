"""Who controls a named company, through which chains, who its beneficial owners are, and the
tell-tale signs of concealed control; optionally as of a past date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..graph.analysis.beneficial import SENIOR_MANAGER_ROLES, BeneficialOwnership, beneficial_owners
from ..graph.analysis.chains import Chain, Edge, control_chains, integrated_in
from ..graph.analysis.control_rules import (
    CIRCULAR,
    CONTROLLER_UNCERTAIN,
    CONTROLLER_UNRECORDED,
    DISPERSED,
    HOLDERS_UNCERTAIN,
    JOINT,
    LOOP,
    NONE,
    REASONS,
    RULES,
    SINGLE,
    UNCERTAIN,
    UNRECORDED_LARGER,
    UNRECORDED_MAJORITY,
    VERDICTS,
    ControlRules,
    ControlTable,
    control_table,
)
from ..graph.arrays import arrays_from_records
from ..graph.errors import EquityGraphError
from ..graph.model import DECLARED_FACTS, Entity, EntityKind, Holding, Interest, Officer, Relation, RelationType
from ..graph.stores.base import Store
from .i18n import _
from .render import Result, Section
from .resolve import resolve_entity

UPSTREAM_DEPTH = 12
UPSTREAM_NODES = 2000
SHOWN_CHAINS = 20
#: Ties control does not pass through: what a register declares (checked by ``discrepancies``) and
#: fund ties (a manager of a thousand funds would bring them all into every one's walk).
NOT_WALKED = (*DECLARED_FACTS, RelationType.FUND_MANAGER, RelationType.UMBRELLA_FUND, RelationType.MASTER_FUND)


@dataclass
class Upstream:
    """Everything above one company that control and ownership depend on, as of one day."""

    holdings: list[Holding]
    officers: list[Officer]
    entities: dict[str, Entity]
    truncated: bool
    relations: list[Relation] = field(default_factory=list)


def upstream(store: Store, company_id: str, as_of: dt.date | None = None, max_depth: int = UPSTREAM_DEPTH,
             max_nodes: int = UPSTREAM_NODES) -> Upstream:
    """Holdings into the company, into its holders, and so on up to ``max_depth`` levels, with the
    officer roles of everyone met (for board control); only facts in force on ``as_of`` (today
    when None)."""
    seen = {company_id}
    frontier = [company_id]
    holdings: dict[str, Holding] = {}
    officers: dict[str, Officer] = {}
    relations: dict[str, Relation] = {}
    truncated = False
    for _level in range(max_depth + 1):
        if not frontier:
            break
        edges = store.edges_touching(frontier)
        wanted = set(frontier)
        for o in edges.officers:
            if o.in_force(as_of):
                officers[o.key] = o
        next_frontier = []
        # Declared ties reach as far as holdings do: a principal behind a nominee, a concert party,
        # a party controlling by agreement.
        for r in edges.relations:
            if r.in_force(as_of) and r.key not in relations:
                relations[r.key] = r
                if r.type in NOT_WALKED:
                    continue
                for party in (r.a, r.b):
                    if party not in seen and len(seen) < max_nodes:
                        seen.add(party)
                        next_frontier.append(party)
        for h in edges.holdings:
            if h.company_id in wanted and h.in_force(as_of):
                holdings[h.key] = h
                if h.holder_id not in seen:
                    if len(seen) >= max_nodes:
                        truncated = True
                        continue
                    seen.add(h.holder_id)
                    next_frontier.append(h.holder_id)
        frontier = next_frontier
    else:
        truncated = truncated or bool(frontier)
    people = {o.person_id for o in officers.values()}
    entities = store.get_many(seen | people)
    return Upstream(sorted(holdings.values(), key=lambda h: h.key), sorted(officers.values(), key=lambda o: o.key),
                    entities, truncated, sorted(relations.values(), key=lambda r: r.key))


def edges_into(up: Upstream, company: str, interest: Interest = Interest.SHAREHOLDING) -> list[Edge]:
    """One company's holders of one interest, a holder's records added up, each upper bound capped
    by what the other holders' known shares leave over (an unknown share is at most that)."""
    per_holder: dict[str, list] = {}
    for h in up.holdings:
        if h.company_id == company and h.interest is interest:
            bounds = per_holder.setdefault(h.holder_id, [0.0, 0.0, False])
            bounds[0] += h.share.low if h.share.is_known else 0.0
            bounds[1] += h.share.high if h.share.is_known else 1.0
            bounds[2] = bounds[2] or not h.share.is_known
    known_total = sum(b[0] for b in per_holder.values())
    edges = []
    for holder, (low, high, unknown) in sorted(per_holder.items()):
        room = max(0.0, min(1.0, 1.0 - (known_total - low)))
        edges.append(Edge(holder, company, min(low, 1.0), max(min(low, 1.0), min(high, room)), unknown))
    return edges


def ownership_edges(up: Upstream) -> list[Edge]:
    """The shareholdings above the company, bounded as :func:`edges_into` gives them."""
    return [e for company in sorted({h.company_id for h in up.holdings}) for e in edges_into(up, company)]


@dataclass(frozen=True)
class ControlHop:
    controller: str
    controlled: str
    rule: str
    low: float
    high: float


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
        on = _span(*self.on_record) if self.holders else "no holder"
        missing = self.not_on_record[1]
        if missing <= 1e-9:
            return f"{on} on record; the register is complete"
        low, high = self.not_on_record
        gap = f"{high * 100:.2f} %" if high - low < 1e-9 else (
            f"up to {high * 100:.2f} %" if low <= 1e-9 else f"{low * 100:.2f}-{high * 100:.2f} %")
        text = f"{on} on record; {gap} not on record"
        if self.listed or self.free_float is not None:
            text += " (dispersed public holders"
            text += f", each below {_pct(self.disclosure_threshold)})" if self.disclosure_threshold is not None else ")"
        elif self.disclosure_threshold is not None:
            text += f" (each holder missing from the register holds less than {_pct(self.disclosure_threshold)})"
        else:
            text += " (no disclosure threshold: one holder could hold all of it)"
        return text


@dataclass
class ControlReport(Result):
    entity: Entity
    as_of: dt.date | None
    verdict: str  # the verdict at the top of the climb: single, joint, dispersed, uncertain, none, loop
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
            "control_path": [{"controller": party(h.controller), "controlled": party(h.controlled), "rule": h.rule,
                              "votes_low": h.low, "votes_high": h.high,
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
            summary = [(_("actual controller"), _("no single controller") if self.verdict != "uncertain" else _("uncertain")),
                       (_("verdict"), _(self.verdict))]
            if self.candidates:
                summary.append((_("largest holders"), ", ".join(f"{self.name(i)} ({i})" for i in self.candidates)))
        if self.reason:
            summary.append((_("why"), self.reason))
        if self.register is not None:
            summary.append((_("shares on record"), self.register.describe()))
        if self.cash_flow is not None:
            summary.append((_("cash-flow rights"), _span(*self.cash_flow)))
            summary.append((_("control rights (weakest link)"), _span(*self.control_rights)))
            summary.append((_("wedge"), _("{points} points").format(points=f"{self.wedge * 100:.1f}")))
        out = [Section(_("Control of {name}").format(name=self.entity.name) + when, ["", ""], summary)]
        out.append(Section(_("Control path (from the company upward)"),
                           ["controlled", "controller", "rule", "votes", "source"],
                           [(self.name(h.controlled), f"{self.name(h.controller)} ({h.controller})", _(h.rule),
                             _("by agreement or consolidation") if h.rule == "agreement" else _span(h.low, h.high),
                             self.source(h.controller, h.controlled)) for h in self.hops]))
        bo = self.beneficial
        rule = f"{'>=' if bo.inclusive else '>'} {bo.threshold * 100:g} %"
        rows = [(self.name(o.person), o.person, _(o.basis), _span(o.low, o.high) if o.low is not None else "")
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
                           [(self.name(i), i, self.kind_name(i), _span(lo, hi)) for i, lo, hi in self.owners[:15]],
                           note=_("{count} more").format(count=len(self.owners) - 15) if len(self.owners) > 15 else ""))
        rows = []
        for n, c in enumerate(self.chains, 1):
            path = " -> ".join(f"{self.name(h.holder)} [{_span(h.low, h.high)}]" for h in c.hops)
            rows.append((n, f"{path} -> {self.name(c.hops[-1].company)}", _span(*c.cash_flow), _span(*c.control)))
        out.append(Section(_("Control chains"), ["#", "chain (share at each hop)", "cash flow", "control"], rows,
                           note=_("more chains exist than shown") if self.chains_cut else ""))
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
    from .signals import concealment_signals

    entity = resolve_entity(store, name)
    if entity.kind not in (EntityKind.COMPANY, EntityKind.ORGANIZATION):
        raise EquityGraphError(f"{entity.name} ({entity.id}) is a {entity.kind.value}; control is asked of companies "
                               "and organizations (use equitygraph company for what a person holds)")
    store = store.around(entity.id)
    up, arrays, table = _decided(store, entity, as_of, rules)
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
    if table.verdict[j] in (DISPERSED, UNCERTAIN, NONE):
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
    report.stakes = integrated
    report.sources = {(r.a, r.b): r.source for r in up.relations if r.source and r.type not in NOT_WALKED}
    report.sources |= {(h.holder_id, h.company_id): h.source for h in up.holdings
                       if h.source and h.interest is Interest.SHAREHOLDING}
    report.signals = concealment_signals(store, report, up) if signals else []
    return report


def _decided(store: Store, entity: Entity, as_of: dt.date | None, rules: ControlRules):
    """The company's upstream facts, their arrays, and the control rules' table over them."""
    up = upstream(store, entity.id, as_of)
    up.entities.setdefault(entity.id, entity)
    arrays = arrays_from_records(up.entities.values(), up.holdings, up.officers, relations=up.relations)
    return up, arrays, control_table(arrays, as_of, rules, decisions=identity_decisions(store, arrays))


def actual_controllers(store: Store, entity: Entity, as_of: dt.date | None = None,
                       rules: ControlRules = ControlRules()) -> tuple[tuple[str, ...], str, dict[str, str]]:
    """The company's actual controllers, the verdict and the names of those met: what
    :func:`control_report` says of them, without the rest of the report (for many companies at once)."""
    up, arrays, table = _decided(store.around(entity.id), entity, as_of, rules)
    j = arrays.index_of(entity.id)
    return table.actual_controller(j), VERDICTS[table.final[j]], {i: e.name for i, e in up.entities.items()}


def identity_decisions(store: Store, arrays) -> list[tuple[int, int, bool]]:
    """The investigators' same-person decisions among the entities of ``arrays``, by index."""
    index = {entity_id: i for i, entity_id in enumerate(arrays.ids)}
    return [(index[a], index[b], same) for a, b, same in store.identity_decisions() if a in index and b in index]


def control_path(table: ControlTable, j: int) -> list[ControlHop]:
    """The steps of direct control from entity ``j`` upward (both controllers of joint control),
    stopping where control stops or comes round again."""
    ids = table.ids
    hops: list[ControlHop] = []
    current, seen = j, {j}
    while table.verdict[current] in (SINGLE, JOINT):
        hops.append(ControlHop(ids[table.controller[current]], ids[current], RULES[table.rule[current]],
                               float(table.votes_low[current]), float(table.votes_high[current])))
        if table.verdict[current] == JOINT:
            hops.append(ControlHop(ids[table.joint_partner[current]], ids[current], RULES[table.rule[current]],
                                   float(table.partner_low[current]), float(table.partner_high[current])))
            break
        above = int(table.controller[current])
        if above in seen:
            break
        seen.add(above)
        current = above
    return hops


def loop_members(table: ControlTable, j: int, holders: tuple[int, ...] = ()) -> tuple[str, ...]:
    """The companies a control loop goes round, for a company whose control ends in one; with
    ``holders`` (entity indices of its direct holders), also those of them it controls itself, whose
    votes in it count as its own."""
    verdict, controller = table.verdict, table.controller
    path: list[int] = []
    current = j
    while current >= 0 and current not in path and verdict[current] in (SINGLE, JOINT):
        path.append(current)
        current = int(controller[current])
    if current in path:
        circle = path[path.index(current):]
        for h in holders:
            climb, seen = h, set()
            while climb >= 0 and climb not in seen and verdict[climb] == SINGLE and climb != j:
                seen.add(climb)
                climb = int(controller[climb])
            if climb == j and h != j and h not in circle:
                circle.append(h)
        return tuple(table.ids[i] for i in circle)
    if path and verdict[path[-1]] == JOINT:  # the loop comes back through the joint partner
        branch: list[int] = []
        current = int(table.joint_partner[path[-1]])
        while current >= 0 and current not in branch and current not in path and verdict[current] == SINGLE:
            branch.append(current)
            current = int(controller[current])
        if current in path:
            return tuple(table.ids[i] for i in path[path.index(current):] + branch)
    return tuple(table.ids[i] for i in path)


def explain(table: ControlTable, arrays, j: int, name, candidates: tuple[str, ...] = (),
            members: tuple[str, ...] = ()) -> str:
    """The reason for entity ``j``'s verdict in words, where it is not a plain controller."""
    code = table.final_reason[j]
    if table.final[j] in (SINGLE, JOINT):
        return ""
    if code == CIRCULAR:
        members = members or loop_members(table, j)
        return ("control runs in a circle (" + " <- ".join(name(i) for i in (*members, members[0])) +
                "); nobody outside the circle controls it")
    if code in (CONTROLLER_UNCERTAIN, CONTROLLER_UNRECORDED):
        above = int(table.ultimate[j])
        if table.ultimate_joint[j] >= 0 and table.final[above] != UNCERTAIN and table.verdict[above] != NONE:
            above = int(table.ultimate_joint[j])  # of joint controllers, the one whose control is in doubt
        who = f"{name(table.ids[above])} ({table.ids[above]})"
        if code == CONTROLLER_UNRECORDED:
            return f"{who} controls it, but no holder of {name(table.ids[above])} is on record"
        return f"{who} controls it, but who controls {name(table.ids[above])} is uncertain: " + _direct_reason(
            table, above, name, ())
    if table.final[j] == NONE:
        return "no holder is on record"
    if table.final[j] == UNCERTAIN:
        return _direct_reason(table, j, name, candidates)
    return ""


def _direct_reason(table: ControlTable, k: int, name, candidates) -> str:
    reg = table.registers
    hidden = reg.largest_hidden(k)
    code = table.reason[k]
    if table.verdict[k] == NONE:
        return "no holder is on record"
    low, high = reg.not_on_record(k)
    missing = f"{high * 100:.2f} %" if high - low < 1e-9 else (
        f"up to {high * 100:.2f} %" if low <= 1e-9 else f"{low * 100:.2f}-{high * 100:.2f} %")
    if code == UNRECORDED_MAJORITY:
        return (f"{missing} of the shares are not on record; a single holder of "
                f"{'it' if hidden >= high - 1e-9 else f'up to {hidden * 100:.2f} % of it'} would have the majority")
    if code == UNRECORDED_LARGER:
        largest = f", more than {name(candidates[0])}" if candidates else ""
        return f"{missing} of the shares are not on record; one holder of it could hold up to {hidden * 100:.2f} %{largest}"
    if code == HOLDERS_UNCERTAIN:
        return ("holders whose own control is uncertain could stand under one controller, together or with another "
                "holder, and outvote the rest")
    return "ranges or unknown shares on record could change who controls it"


def _pct(fraction: float | None) -> str:
    return "" if fraction is None else f"{fraction * 100:g} %"


def _span(low: float | None, high: float | None) -> str:
    if low is None:
        return ""
    if high is None or abs(high - low) < 1e-9:
        return f"{low * 100:.2f} %"
    if low <= 1e-12:
        return f"unknown (at most {high * 100:.2f} %)"
    return f"{low * 100:.2f}-{high * 100:.2f} %"
