"""The control answer for one company: its upstream facts, the control rules' table over them, the
path of direct control, and why the verdict is what it is. Reports, signals and pages all start here."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field

from ...graph.analysis.chains import Edge
from ...graph.analysis.control_rules import (
    CIRCULAR,
    CONTROLLER_UNCERTAIN,
    CONTROLLER_UNRECORDED,
    HOLDERS_UNCERTAIN,
    JOINT,
    UNKNOWN,
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
from ...graph.arrays import KIND_CODES, arrays_from_records
from ...graph.model import DECLARED_FACTS, Entity, EntityKind, Holding, Interest, Officer, Relation, RelationType
from ...graph.stores.base import Store
from ..i18n import _

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
        edges = store.edges_upward(frontier)
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
    #: the votes are more than the controller's own holding: pooled through companies it controls
    pooled: bool = False


def decided(store: Store, entity: Entity, as_of: dt.date | None, rules: ControlRules):
    """The company's upstream facts, their arrays, and the control rules' table over them."""
    up = upstream(store, entity.id, as_of)
    up.entities.setdefault(entity.id, entity)
    arrays = arrays_from_records(up.entities.values(), up.holdings, up.officers, relations=up.relations)
    return up, arrays, control_table(arrays, as_of, rules, decisions=identity_decisions(store, arrays))


def actual_controllers(store: Store, entity: Entity, as_of: dt.date | None = None,
                       rules: ControlRules = ControlRules()) -> tuple[tuple[str, ...], str, dict[str, str]]:
    """The company's actual controllers, the verdict and the names of those met: what
    :func:`control_report` says of them, without the rest of the report (for many companies at once)."""
    up, arrays, table = decided(store.around(entity.id), entity, as_of, rules)
    j = arrays.index_of(entity.id)
    return table.actual_controller(j), VERDICTS[table.final[j]], {i: e.name for i, e in up.entities.items()}


def identity_decisions(store: Store, arrays) -> list[tuple[int, int, bool]]:
    """The investigators' same-person decisions among the entities of ``arrays``, by index (looked up
    one by one: a dict of every id takes seconds at a million companies, for a handful of decisions)."""
    found = []
    for a, b, same in store.identity_decisions():
        with contextlib.suppress(KeyError):
            found.append((arrays.index_of(a), arrays.index_of(b), same))
    return found


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
        return _("control runs in a circle ({circle}); nobody outside the circle controls it").format(
            circle=" <- ".join(name(i) for i in (*members, members[0])))
    if code in (CONTROLLER_UNCERTAIN, CONTROLLER_UNRECORDED):
        above = int(table.ultimate[j])
        # of joint controllers, the one whose control is in doubt: a person is the top of a chain, never in doubt
        settled = arrays.kinds[above] == KIND_CODES[EntityKind.PERSON] or (
            table.final[above] != UNCERTAIN and table.verdict[above] != UNKNOWN)
        if table.ultimate_joint[j] >= 0 and settled:
            above = int(table.ultimate_joint[j])
        who = f"{name(table.ids[above])} ({table.ids[above]})"
        if code == CONTROLLER_UNRECORDED:
            return _("{who} controls it, but no holder of {parent} is on record").format(who=who, parent=name(table.ids[above]))
        return _("{who} controls it, but who controls {parent} is uncertain: {reason}").format(
            who=who, parent=name(table.ids[above]), reason=_direct_reason(table, above, name, ()))
    if table.final[j] == UNKNOWN:
        return _("no holder is on record")
    if table.final[j] == UNCERTAIN:
        return _direct_reason(table, j, name, candidates)
    return ""


def why_unknown(table: ControlTable, j: int, parent: tuple[str, ...], entities: dict, name, reason: str) -> str:
    """Why entity ``j``'s ultimate controller is not known, in words: where the climb stops at a
    controlling ``parent`` (:meth:`ControlTable.controlling_parent`) nobody on record holds, what that parent is (registered abroad, listed, a
    public body); else the verdict's own reason."""
    if table.final_reason[j] != CONTROLLER_UNRECORDED or not parent:
        return reason or _("nothing on record decides it")
    said = []
    for top in parent:
        entity = entities.get(top)
        what = [_("no holder on record")]
        if entity is not None:
            if entity.jurisdiction and entity.jurisdiction.strip().upper()[:2] not in ("CN", ""):
                what.append(_("a company registered abroad ({jurisdiction})").format(jurisdiction=entity.jurisdiction))
            if entity.listed or entity.free_float is not None:
                what.append(_("a listed company: its holders below the disclosure line are not on record"))
            if entity.disclosure_threshold is not None:
                what.append(_("holders below {threshold} are not on record").format(threshold=pct(entity.disclosure_threshold)))
        said.append(f"{name(top)}: " + "; ".join(what))
    return " / ".join(said)


def _direct_reason(table: ControlTable, k: int, name, candidates) -> str:
    reg = table.registers
    hidden = reg.largest_hidden(k)
    code = table.reason[k]
    if table.verdict[k] == UNKNOWN:
        return _("no holder is on record")
    low, high = reg.not_on_record(k)
    missing = gap_of(low, high)
    if code == UNRECORDED_MAJORITY:
        if hidden >= high - 1e-9:
            return _("{missing} of the shares are not on record; a single holder of it would have the majority").format(
                missing=missing)
        return _("{missing} of the shares are not on record; a single holder of up to {hidden} of it would have the "
                 "majority").format(missing=missing, hidden=f"{hidden * 100:.2f} %")
    if code == UNRECORDED_LARGER:
        if candidates:
            return _("{missing} of the shares are not on record; one holder of it could hold up to {hidden}, more than "
                     "{largest}").format(missing=missing, hidden=f"{hidden * 100:.2f} %", largest=name(candidates[0]))
        return _("{missing} of the shares are not on record; one holder of it could hold up to {hidden}").format(
            missing=missing, hidden=f"{hidden * 100:.2f} %")
    if code == HOLDERS_UNCERTAIN:
        return _("holders whose own control is uncertain could stand under one controller, together or with another "
                 "holder, and outvote the rest")
    return _("ranges or unknown shares on record could change who controls it")


def pct(fraction: float | None) -> str:
    return "" if fraction is None else f"{fraction * 100:g} %"


def span(low: float | None, high: float | None) -> str:
    if low is None:
        return ""
    if high is None or abs(high - low) < 1e-9:
        return f"{low * 100:.2f} %"
    if low <= 1e-12:
        return _("unknown (at most {high})").format(high=f"{high * 100:.2f} %")
    return f"{low * 100:.2f}-{high * 100:.2f} %"


def gap_of(low: float, high: float) -> str:
    """The part of the shares not on record: exact, up to a bound, or between two."""
    if high - low < 1e-9:
        return f"{high * 100:.2f} %"
    if low <= 1e-9:
        return _("up to {high}").format(high=f"{high * 100:.2f} %")
    return f"{low * 100:.2f}-{high * 100:.2f} %"
