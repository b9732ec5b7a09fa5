"""Who controls a named company, through which chains, who its beneficial owners are, and the
tell-tale signs of concealed control; optionally as of a past date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..graph.analysis.beneficial import SENIOR_MANAGER_ROLES, BeneficialOwnership, beneficial_owners
from ..graph.analysis.chains import Chain, Edge, control_chains, integrated_in
from ..graph.analysis.control_rules import BOARD_ROLES, ControlRules, Stake, Verdict, direct_control, pool_stakes
from ..graph.errors import EquityGraphError
from ..graph.model import Entity, EntityKind, Holding, Interest, Officer
from ..graph.stores.base import Store
from .render import Result, Section
from .resolve import resolve_entity

UPSTREAM_DEPTH = 12
UPSTREAM_NODES = 2000
SHOWN_CHAINS = 20


@dataclass
class Upstream:
    """Everything above one company that control and ownership depend on, as of one day."""

    holdings: list[Holding]
    officers: list[Officer]
    entities: dict[str, Entity]
    truncated: bool


def upstream(store: Store, company_id: str, as_of: dt.date | None = None, max_depth: int = UPSTREAM_DEPTH,
             max_nodes: int = UPSTREAM_NODES) -> Upstream:
    """Holdings into the company, into its holders, and so on up to ``max_depth`` levels, with the
    officer roles of everyone met (for board control); only facts in force on ``as_of`` (current
    facts, those without an end date, when None)."""
    def in_force(record) -> bool:
        return record.until is None if as_of is None else record.valid_on(as_of)

    seen = {company_id}
    frontier = [company_id]
    holdings: dict[str, Holding] = {}
    officers: dict[str, Officer] = {}
    truncated = False
    for _ in range(max_depth + 1):
        if not frontier:
            break
        edges = store.edges_touching(frontier)
        wanted = set(frontier)
        for o in edges.officers:
            if in_force(o):
                officers[o.key] = o
        next_frontier = []
        for h in edges.holdings:
            if h.company_id in wanted and in_force(h):
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
                    entities, truncated)


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


def stakes_of(up: Upstream, company: str) -> tuple[list[Stake], int]:
    """The holders' votes in one company (a voting interest replaces the holder's shareholding)
    and the size of its board, with the seats each holder appoints."""
    votes = {e.holder: e for e in edges_into(up, company, Interest.SHAREHOLDING)}
    votes.update({e.holder: e for e in edges_into(up, company, Interest.VOTING)})
    board = sorted({o.person_id for o in up.officers if o.company_id == company and o.role in BOARD_ROLES})
    offices = {(o.person_id, o.company_id) for o in up.officers}
    stakes = [Stake(e.holder, e.low, e.high, sum(1 for m in board if m == e.holder or (m, e.holder) in offices))
              for _, e in sorted(votes.items())]
    return stakes, len(board)


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
    signals: list = field(default_factory=list)

    @property
    def wedge(self) -> float | None:
        if self.cash_flow is None or self.control_rights is None:
            return None
        return self.control_rights[0] - self.cash_flow[0]

    def name(self, entity_id: str) -> str:
        return self.names.get(entity_id, entity_id)

    def to_dict(self) -> dict:
        def party(i):
            return {"id": i, "name": self.name(i), "kind": self.kinds.get(i)}

        return {
            "entity": party(self.entity.id),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "verdict": self.verdict,
            "actual_controllers": [party(i) for i in self.actual_controllers],
            "control_path": [{"controller": party(h.controller), "controlled": party(h.controlled), "rule": h.rule,
                              "votes_low": h.low, "votes_high": h.high} for h in self.hops],
            "candidates": [party(i) for i in self.candidates],
            "ultimate_owners": [{**party(i), "integrated_low": lo, "integrated_high": hi} for i, lo, hi in self.owners],
            "beneficial_owners": {
                "threshold": self.beneficial.threshold, "inclusive": self.beneficial.inclusive,
                "small_company_exemption": self.beneficial.exempt_small_company,
                "owners": [{**party(o.person), "basis": o.basis, "integrated_low": o.low, "integrated_high": o.high}
                           for o in self.beneficial.owners],
            },
            "chains": [{"top": party(c.top), "cash_flow_low": c.cash_flow[0], "cash_flow_high": c.cash_flow[1],
                        "control_low": c.control[0], "control_high": c.control[1],
                        "hops": [{"holder": party(h.holder), "company": party(h.company), "low": h.low, "high": h.high,
                                  "unknown": h.unknown} for h in c.hops]} for c in self.chains],
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
        when = f" as of {self.as_of.isoformat()}" if self.as_of else ""
        if self.actual_controllers:
            who = " and ".join(f"{self.name(i)} ({i})" for i in self.actual_controllers)
            summary = [("actual controller", who), ("verdict", self.verdict)]
        else:
            summary = [("actual controller", "no single controller"), ("verdict", self.verdict)]
            if self.candidates:
                summary.append(("largest holders", ", ".join(f"{self.name(i)} ({i})" for i in self.candidates)))
        if self.cash_flow is not None:
            summary.append(("cash-flow rights", _span(*self.cash_flow)))
            summary.append(("control rights (weakest link)", _span(*self.control_rights)))
            summary.append(("wedge", f"{self.wedge * 100:.1f} points"))
        out = [Section(f"Control of {self.entity.name}{when}", ["", ""], summary)]
        out.append(Section("Control path (from the company upward)", ["controlled", "controller", "rule", "votes"],
                           [(self.name(h.controlled), f"{self.name(h.controller)} ({h.controller})", h.rule,
                             _span(h.low, h.high)) for h in self.hops]))
        bo = self.beneficial
        rule = f"{'>=' if bo.inclusive else '>'} {bo.threshold * 100:g} %"
        out.append(Section(f"Beneficial owners ({rule})", ["person", "id", "basis", "integrated"],
                           [(self.name(o.person), o.person, o.basis,
                             _span(o.low, o.high) if o.low is not None else "") for o in bo.owners],
                           note=("small-company exemption may apply: registered capital <= CNY 10 million and only "
                                 "natural-person holders") if bo.exempt_small_company else ""))
        out.append(Section("Ultimate owners (integrated ownership)", ["owner", "id", "kind", "owns"],
                           [(self.name(i), i, self.kinds.get(i), _span(lo, hi)) for i, lo, hi in self.owners[:15]],
                           note=f"{len(self.owners) - 15} more" if len(self.owners) > 15 else ""))
        rows = []
        for n, c in enumerate(self.chains, 1):
            path = " -> ".join(f"{self.name(h.holder)} [{_span(h.low, h.high)}]" for h in c.hops)
            rows.append((n, f"{path} -> {self.name(c.hops[-1].company)}", _span(*c.cash_flow), _span(*c.control)))
        out.append(Section("Control chains", ["#", "chain (share at each hop)", "cash flow", "control"], rows,
                           note="more chains exist than shown" if self.chains_cut else ""))
        if self.signals:
            out.append(Section("Concealment signals", ["signal", "evidence"],
                               [(s.kind, s.evidence) for s in self.signals]))
        return out


def control_report(store: Store, name: str, as_of: dt.date | None = None, rules: ControlRules = ControlRules(),
                   threshold: float = 0.25, inclusive: bool = True) -> ControlReport:
    """The control report on the company ``name`` resolves to."""
    from .signals import concealment_signals

    entity = resolve_entity(store, name)
    if entity.kind not in (EntityKind.COMPANY, EntityKind.ORGANIZATION):
        raise EquityGraphError(f"{entity.name} ({entity.id}) is a {entity.kind.value}; control is asked of companies "
                               "and organizations (use equitygraph company for what a person holds)")
    up = upstream(store, entity.id, as_of)
    kinds = {i: e.kind.value for i, e in up.entities.items()}
    names = {i: e.name for i, e in up.entities.items()}

    verdicts: dict[str, Verdict] = {}
    pooled: dict[str, dict[str, Stake]] = {}
    in_progress: set[str] = set()

    def verdict_of(company: str) -> Verdict:
        if company not in verdicts:
            in_progress.add(company)
            stakes, board = stakes_of(up, company)
            heads = {}
            for s in stakes:
                if kinds.get(s.holder) != EntityKind.PERSON.value and s.holder not in in_progress:
                    above = actual_of(s.holder, frozenset([company]))
                    if len(above) == 1:
                        heads[s.holder] = above[0]
            merged = pool_stakes(stakes, heads)
            pooled[company] = {s.holder: s for s in merged}
            verdicts[company] = direct_control(merged, board, rules)
            in_progress.discard(company)
        return verdicts[company]

    def actual_of(company: str, seen: frozenset) -> tuple[str, ...]:
        v = verdict_of(company)
        if v.kind == "joint":
            return v.controllers
        if v.kind != "single":
            return ()
        top = v.controllers[0]
        if kinds.get(top) == EntityKind.PERSON.value or top in seen or top == company or top in in_progress:
            return (top,)
        above = actual_of(top, seen | {company})
        return above if verdict_of(top).kind in ("single", "joint") else (top,)

    hops: list[ControlHop] = []
    current, visited = entity.id, {entity.id}
    final = verdict_of(current)
    actual: tuple[str, ...] = ()
    verdict_kind = final.kind
    while True:
        v = verdict_of(current)
        if v.kind not in ("single", "joint"):
            # Followed at least one step, control stops at a company nobody controls alone: that company.
            verdict_kind = "single" if hops else v.kind
            break
        for controller in v.controllers:
            s = pooled[current][controller]
            hops.append(ControlHop(controller, current, v.rule, s.low, s.high))
        if v.kind == "joint":
            actual, verdict_kind = v.controllers, "joint"
            break
        nxt = v.controllers[0]
        actual = (nxt,)
        if kinds.get(nxt) == EntityKind.PERSON.value:
            verdict_kind = "single"
            break
        if nxt in visited:
            verdict_kind = "loop"
            break
        visited.add(nxt)
        current = nxt
    candidates = final.candidates if not hops else ()

    edges = ownership_edges(up)
    integrated = integrated_in(edges, entity.id) if edges else {}
    held = {e.company for e in edges}
    owners = sorted(((i, lo, hi) for i, (lo, hi) in integrated.items() if i not in held),
                    key=lambda t: (-t[2], -t[1], t[0]))
    persons = {i for i, k in kinds.items() if k == EntityKind.PERSON.value}
    managers = tuple(o.person_id for role in SENIOR_MANAGER_ROLES for o in up.officers
                     if o.company_id == entity.id and o.role == role)
    direct = [e for e in edges if e.company == entity.id]
    capital = entity.registered_capital if (entity.currency or "CNY") == "CNY" else None
    bo = beneficial_owners(
        {i: (lo, hi) for i, lo, hi in owners} | {i: v for i, v in integrated.items() if i in persons},
        persons, controllers=actual, senior_managers=managers, threshold=threshold, inclusive=inclusive,
        registered_capital_cny=capital, direct_holders_all_persons=bool(direct) and all(e.holder in persons for e in direct),
    )
    tops = set(actual) | {o.person for o in bo.owners}
    chains, cut = control_chains(edges, entity.id, tops or None, max_chains=SHOWN_CHAINS)
    cash_flow = control_rights = None
    if len(actual) == 1 and actual[0] in integrated:
        cash_flow = integrated[actual[0]]
        own = [c for c in chains if c.top == actual[0]]
        control_rights = (min(1.0, sum(c.control[0] for c in own)), min(1.0, sum(c.control[1] for c in own)))
    report = ControlReport(entity, as_of, verdict_kind, actual, hops, candidates, owners, bo, chains, cut, cash_flow,
                           control_rights, names, kinds, up.truncated)
    report.signals = concealment_signals(store, report, up)
    return report


def _span(low: float | None, high: float | None) -> str:
    if low is None:
        return ""
    if high is None or abs(high - low) < 1e-9:
        return f"{low * 100:.2f} %"
    if low <= 1e-12:
        return f"unknown (at most {high * 100:.2f} %)"
    return f"{low * 100:.2f}-{high * 100:.2f} %"
