"""Tell-tale signs of concealed control around one company, each with its evidence."""

from __future__ import annotations

from dataclasses import dataclass

from ...graph.model import EntityKind, day_after, effective_day
from ...graph.stores.base import Store
from ..i18n import _
from .answer import actual_controllers

OFFSHORE = {"VG", "KY", "BM", "WS", "SC", "MH", "BS", "PA", "BZ", "AI", "LR"}
HOLDING_WORDS = ("投资", "控股", "资产管理", "holding", "capital", "investment")
WEDGE_POINTS = 0.10
NOMINEE_STAKES = 10
BUSY_ADDRESS = 20
EVENT_WINDOW_DAYS = 180
CHURN_LOOKBACK_DAYS = 3 * 365  # controller changes are looked for this far back
MAX_ANSWERS = 24  # the most days on which the controller is asked, the latest
GROUP_MEMBERS = 500  # the most members of a group whose officers are read


@dataclass(frozen=True)
class Signal:
    # pyramid, wedge, cycle, shell_layers, nominee_holder, shared_contact, change_before_event, and from the
    # history: nominee_handoff, controller_churn, group_officer_wave
    kind: str
    evidence: str
    entities: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "evidence": self.evidence, "entities": list(self.entities)}


def concealment_signals(store: Store, report, up) -> list[Signal]:
    """The signals for one control report (see :mod:`equitygraph.queries.control.report`)."""
    name = report.name
    signals: list[Signal] = []
    path = [h.controlled for h in report.hops]
    if len(report.hops) >= 2:
        chain = " <- ".join(f"{name(h.controlled)}" for h in report.hops) + f" <- {name(report.hops[-1].controller)}"
        said = (_("control passes through {n} intermediate company: {chain}") if len(report.hops) == 2 else
                _("control passes through {n} intermediate companies: {chain}"))
        signals.append(Signal("pyramid", said.format(n=len(report.hops) - 1, chain=chain), tuple(path)))
    if report.wedge is not None and report.wedge >= WEDGE_POINTS:
        signals.append(Signal("wedge", _("the controller's control rights ({control}) exceed its cash-flow rights "
                                         "({cash}) by {points} points").format(
            control=f"{report.control_rights[0] * 100:.1f} %", cash=f"{report.cash_flow[0] * 100:.1f} %",
            points=f"{report.wedge * 100:.1f}"), report.actual_controllers))
    import networkx as nx  # here, not at the top: it takes longer to import than the question takes to answer

    graph = nx.DiGraph((h.holder_id, h.company_id) for h in up.holdings)
    touched = set(path) | {report.entity.id}
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1 and component & touched:
            members = sorted(component)
            signals.append(Signal("cycle", _("cross-holding cycle among {members}").format(
                members=", ".join(name(m) for m in members)),
                                  tuple(members)))
    shells = []
    layers = [up.entities[company] for company in path[1:] if company in up.entities]
    hosted = _parties_at_addresses(store, [entity.id for entity in layers])
    for entity in layers:
        features = _shell_features(entity, hosted.get(entity.id, 0))
        if features:
            shells.append(f"{entity.name} ({'; '.join(features)})")
    if shells:
        said = (_("{n} shell-like layer on the control path: {layers}") if len(shells) == 1 else
                _("{n} shell-like layers on the control path: {layers}"))
        signals.append(Signal("shell_layers", said.format(n=len(shells), layers=", ".join(shells)),
                              tuple(path[1:])))
    people = list(dict.fromkeys([*report.actual_controllers, *(h.holder_id for h in _direct_edges(report, up))]))
    people = [p for p in people if report.kinds.get(p) == EntityKind.PERSON.value]
    if people:
        edges = store.edges_touching(people)
        for person in people:
            stakes = {h.company_id for h in edges.holdings if h.holder_id == person and h.in_force(report.as_of)}
            if len(stakes) >= NOMINEE_STAKES:
                signals.append(Signal("nominee_holder", _("{who} holds stakes in {n} companies, as professional "
                                                          "nominees do").format(who=f"{name(person)} ({person})",
                                                                                n=len(stakes)), (person,)))
        contacts = {link.dst: link for link in edges.links if link.src in people}
        if contacts:
            sharing = store.edges_touching(list(contacts)).links
            others = {link.src for link in sharing if link.src not in people}
            other_names = store.get_many(others)
            for link in sharing:
                if link.src in people or link.src not in other_names:
                    continue
                owner = contacts[link.dst].src
                other = other_names[link.src]
                if other.kind is EntityKind.PERSON:
                    said = (_("{who} shares an address with {other}, who is not on record here")
                            if link.dst.startswith("addr:") else
                            _("{who} shares a phone or e-mail with {other}, who is not on record here"))
                    signals.append(Signal("shared_contact", said.format(who=f"{name(owner)} ({owner})",
                                                                        other=f"{other.name} ({other.id})"),
                                          (owner, other.id)))
    on_path = [report.entity.id, *path[1:]]
    facts = store.edges_touching(on_path)
    # Holders that have left are not among the report's names (they are not in force any more).
    former = store.get_many({h.holder_id for h in facts.holdings} | set(on_path))

    def past_name(entity_id: str) -> str:
        return former[entity_id].name if entity_id in former else name(entity_id)

    signals.extend(_changes_before_events(facts, on_path, past_name))
    signals.extend(history_signals(store, report, facts, on_path, past_name))
    return signals


def _direct_edges(report, up):
    return [h for h in up.holdings if h.company_id == report.entity.id]


def _parties_at_addresses(store: Store, ids: list[str]) -> dict[str, int]:
    """How many parties the addresses of each of ``ids`` host in all (itself among them): two
    questions to the store however many ``ids`` there are."""
    if not ids:
        return {}
    wanted = set(ids)
    addresses: dict[str, set[str]] = {}
    for link in store.edges_touching(ids).links:
        if link.src in wanted and link.dst.startswith("addr:"):
            addresses.setdefault(link.src, set()).add(link.dst)
    if not addresses:
        return {}
    tenants: dict[str, set[str]] = {}
    for link in store.edges_touching(sorted(set().union(*addresses.values()))).links:
        tenants.setdefault(link.dst, set()).add(link.src)
    return {party: len(set().union(*(tenants.get(a, ()) for a in at))) for party, at in addresses.items()}


def _shell_features(entity, hosted: int) -> list[str]:
    features = []
    if entity.jurisdiction in OFFSHORE:
        features.append(_("registered in {jurisdiction}").format(jurisdiction=entity.jurisdiction))
    if entity.paid_in_capital == 0:
        features.append(_("no paid-in capital"))
    text = f"{entity.name} {entity.business_scope or ''}".lower()
    if any(word in text for word in HOLDING_WORDS):
        features.append(_("a pure holding or investment vehicle"))
    if hosted > BUSY_ADDRESS:
        features.append(_("its address hosts {n} parties").format(n=hosted))
    return features if len(features) >= 2 else []


def _changes_before_events(edges, companies: list[str], name) -> list[Signal]:
    signals = []
    for company in companies:
        events = [e for e in edges.events if e.entity_id == company and e.date]
        if not events:
            continue
        for h in edges.holdings:
            if h.company_id != company:
                continue
            for day, said in ((h.since, _("{who} took a {share} stake in {company} on {day}, {days} days before a "
                                          "{event} ({event_day})")),
                              (h.until, _("{who} gave up a {share} stake in {company} on {day}, {days} days before a "
                                          "{event} ({event_day})"))):
                if day is None:
                    continue
                close = [e for e in events if 0 <= (e.date - day).days <= EVENT_WINDOW_DAYS]
                if close:
                    e = min(close, key=lambda e: e.date)
                    signals.append(Signal("change_before_event", said.format(
                        who=f"{name(h.holder_id)} ({h.holder_id})", share=h.share.describe(), company=name(company),
                        day=day.isoformat(), days=(e.date - day).days, event=_(e.type.value),
                        event_day=e.date.isoformat()), (h.holder_id, company)))
    return signals


def history_signals(store: Store, report, edges, companies: list[str], name) -> list[Signal]:
    """The signs in the history of the company and its control path (``companies``, whose facts are
    ``edges``; ``name`` names their holders, past ones too; see
    :mod:`equitygraph.graph.analysis.timeline`): a stake handed to a likely nominee shortly before a
    risk event, repeated changes of the actual controller within a year, and the group's legal
    representatives changed across many of its companies at once."""
    from ...graph.analysis.timeline import churn, controller_changes, handoffs, officer_waves

    as_of = effective_day(report.as_of)
    past = [h for h in edges.holdings if h.company_id in companies]
    signals = []
    for h in handoffs(past, [e for e in edges.events if e.date is None or e.date <= as_of]):
        if h.day > as_of:
            continue
        why = _likely_nominee(store, h.giver, h.taker)
        if why:
            signals.append(Signal("nominee_handoff", _(
                "{giver} handed a {share} stake in {company} to {taker} on {day}, {days} days before a {event} "
                "({event_day}); {taker_name} {why}").format(
                giver=f"{name(h.giver)} ({h.giver})", share=h.given.share.describe(), company=name(h.company),
                taker=f"{name(h.taker)} ({h.taker})", day=h.day.isoformat(), days=(h.event.date - h.day).days,
                event=_(h.event.type.value), event_day=h.event.date.isoformat(), taker_name=name(h.taker), why=why),
                (h.giver, h.taker, h.company)))
    run = churn(controller_changes(_controller_answers(store, report.entity, edges, companies, as_of)))
    if run:
        steps = "; ".join(_("{before} -> {after} on {day}").format(
            before=_who(c.before, name), after=_who(c.after, name), day=c.day.isoformat()) for c in run)
        signals.append(Signal("controller_churn", _("the actual controller of {company} changed {n} times within a "
                                                    "year: {steps}").format(company=name(report.entity.id), n=len(run),
                                                                             steps=steps),
                              tuple(dict.fromkeys(i for c in run for i in (*c.before, *c.after)))))
    group = store.results_for(report.entity.id).get("group")
    if group:
        members = store.entities_with_result("group", group)[:GROUP_MEMBERS]
        wave = officer_waves(store.edges_touching(members).officers, members)
        if wave is not None:
            arrived = sorted({who for _, _, who in wave.changes})
            people = store.get_many(arrived)
            companies_changed = sorted({c for c, _, _ in wave.changes})
            signals.append(Signal(
                "group_officer_wave",
                _("the legal representative of {n} companies of the group changed between {first} and {last}; "
                  "taking over: {who}").format(n=len(companies_changed), first=wave.first.isoformat(),
                                               last=wave.last.isoformat(),
                                               who=", ".join(f"{people[p].name if p in people else p} ({p})" for p in arrived)),
                tuple(companies_changed)))
    return signals


def _likely_nominee(store: Store, giver: str, taker: str) -> str:
    """Why ``taker`` is a likely nominee (for ``giver``), or "" where nothing says so."""
    from ...graph.model import RelationType

    edges = store.edges_touching([giver, taker])
    if any(r.type is RelationType.NOMINEE and r.a == taker for r in edges.relations):
        return _("is declared a nominee")
    mine = {link.dst for link in edges.links if link.src == giver}
    shared = sorted({link.dst for link in edges.links if link.src == taker} & mine)
    if shared:
        named = store.get(giver)
        said = _("shares an address with {who}") if shared[0].startswith("addr:") else _("shares a phone or e-mail with {who}")
        return said.format(who=f"{named.name if named else giver} ({giver})")
    stakes = store.holding_counts([taker]).get(taker, 0)
    if stakes >= NOMINEE_STAKES:
        return _("holds stakes in {n} companies, as professional nominees do").format(n=stakes)
    return ""


def _controller_answers(store: Store, entity, edges, companies: list[str], as_of):
    """The actual controller on each day the upstream facts of ``companies`` changed in the
    ``CHURN_LOOKBACK_DAYS`` before ``as_of`` (and the day before the first), when at least two such
    days fall within a year of each other; else nothing (no churn possible, nothing computed)."""
    import datetime as dt

    from ...graph.analysis.timeline import CHURN_CHANGES, CHURN_DAYS

    start = as_of - dt.timedelta(days=CHURN_LOOKBACK_DAYS)
    days = set()
    for fact in [*edges.holdings, *edges.officers, *edges.relations]:
        for day in (fact.since, fact.until and day_after(fact.until)):
            if day is not None and start < day <= as_of:
                days.add(day)
    days = sorted(days)[-MAX_ANSWERS:]
    if not any((days[i + CHURN_CHANGES - 1] - days[i]).days < CHURN_DAYS for i in range(len(days) - CHURN_CHANGES + 1)):
        return []
    asked = [days[0] - dt.timedelta(days=1), *days]
    return [(day, actual_controllers(store, entity, as_of=day)[0]) for day in asked]


def _who(ids, name) -> str:
    return ", ".join(f"{name(i)} ({i})" for i in ids) or _("no controller")
