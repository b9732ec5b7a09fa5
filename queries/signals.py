"""Tell-tale signs of concealed control around one company, each with its evidence."""

from __future__ import annotations

from dataclasses import dataclass

from ..graph.model import EntityKind
from ..graph.stores.base import Store

OFFSHORE = {"VG", "KY", "BM", "WS", "SC", "MH", "BS", "PA", "BZ", "AI", "LR"}
HOLDING_WORDS = ("投资", "控股", "资产管理", "holding", "capital", "investment")
WEDGE_POINTS = 0.10
NOMINEE_STAKES = 10
BUSY_ADDRESS = 20
EVENT_WINDOW_DAYS = 180


@dataclass(frozen=True)
class Signal:
    kind: str  # pyramid, wedge, cycle, shell_layers, nominee_holder, shared_contact, change_before_event
    evidence: str
    entities: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "evidence": self.evidence, "entities": list(self.entities)}


def concealment_signals(store: Store, report, up) -> list[Signal]:
    """The signals for one control report (see :mod:`equitygraph.queries.control`)."""
    name = report.name
    signals: list[Signal] = []
    path = [h.controlled for h in report.hops]
    if len(report.hops) >= 2:
        chain = " <- ".join(f"{name(h.controlled)}" for h in report.hops) + f" <- {name(report.hops[-1].controller)}"
        signals.append(Signal("pyramid", f"control passes through {len(report.hops) - 1} intermediate "
                                         f"compan{'y' if len(report.hops) == 2 else 'ies'}: {chain}", tuple(path)))
    if report.wedge is not None and report.wedge >= WEDGE_POINTS:
        signals.append(Signal("wedge", f"the controller's control rights ({report.control_rights[0] * 100:.1f} %) exceed "
                                       f"its cash-flow rights ({report.cash_flow[0] * 100:.1f} %) by "
                                       f"{report.wedge * 100:.1f} points", report.actual_controllers))
    import networkx as nx  # here, not at the top: it takes longer to import than the question takes to answer

    graph = nx.DiGraph((h.holder_id, h.company_id) for h in up.holdings)
    touched = set(path) | {report.entity.id}
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1 and component & touched:
            members = sorted(component)
            signals.append(Signal("cycle", "cross-holding cycle among " + ", ".join(name(m) for m in members),
                                  tuple(members)))
    shells = []
    for company in path[1:]:
        entity = up.entities.get(company)
        if entity is None:
            continue
        features = _shell_features(store, entity)
        if features:
            shells.append(f"{entity.name} ({'; '.join(features)})")
    if shells:
        signals.append(Signal("shell_layers", f"{len(shells)} shell-like layer(s) on the control path: " + ", ".join(shells),
                              tuple(path[1:])))
    people = list(dict.fromkeys([*report.actual_controllers, *(h.holder_id for h in _direct_edges(report, up))]))
    people = [p for p in people if report.kinds.get(p) == EntityKind.PERSON.value]
    if people:
        edges = store.edges_touching(people)
        for person in people:
            stakes = {h.company_id for h in edges.holdings if h.holder_id == person and h.in_force(report.as_of)}
            if len(stakes) >= NOMINEE_STAKES:
                signals.append(Signal("nominee_holder", f"{name(person)} ({person}) holds stakes in {len(stakes)} "
                                                        "companies, as professional nominees do", (person,)))
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
                    what = "an address" if link.dst.startswith("addr:") else "a phone or e-mail"
                    signals.append(Signal("shared_contact", f"{name(owner)} ({owner}) shares {what} with "
                                                            f"{other.name} ({other.id}), who is not on record here",
                                          (owner, other.id)))
    signals.extend(_changes_before_events(store, [report.entity.id, *path[1:]], name))
    return signals


def _direct_edges(report, up):
    return [h for h in up.holdings if h.company_id == report.entity.id]


def _shell_features(store: Store, entity) -> list[str]:
    features = []
    if entity.jurisdiction in OFFSHORE:
        features.append(f"registered in {entity.jurisdiction}")
    if entity.paid_in_capital == 0:
        features.append("no paid-in capital")
    text = f"{entity.name} {entity.business_scope or ''}".lower()
    if any(word in text for word in HOLDING_WORDS):
        features.append("a pure holding or investment vehicle")
    addresses = [link.dst for link in store.edges_touching([entity.id]).links if link.dst.startswith("addr:")]
    if addresses:
        tenants = {link.src for link in store.edges_touching(addresses).links}
        if len(tenants) > BUSY_ADDRESS:
            features.append(f"its address hosts {len(tenants)} parties")
    return features if len(features) >= 2 else []


def _changes_before_events(store: Store, companies: list[str], known_name) -> list[Signal]:
    edges = store.edges_touching(companies)
    # Holders that have left are not among the report's names (they are not in force any more).
    former = store.get_many({h.holder_id for h in edges.holdings} | set(companies))

    def name(entity_id: str) -> str:
        return former[entity_id].name if entity_id in former else known_name(entity_id)

    signals = []
    for company in companies:
        events = [e for e in edges.events if e.entity_id == company and e.date]
        if not events:
            continue
        for h in edges.holdings:
            if h.company_id != company:
                continue
            for day, what in ((h.since, "took"), (h.until, "gave up")):
                if day is None:
                    continue
                close = [e for e in events if 0 <= (e.date - day).days <= EVENT_WINDOW_DAYS]
                if close:
                    e = min(close, key=lambda e: e.date)
                    signals.append(Signal(
                        "change_before_event",
                        f"{name(h.holder_id)} ({h.holder_id}) {what} a {h.share.describe()} stake in {name(company)} on "
                        f"{day.isoformat()}, {(e.date - day).days} days before a {e.type.value.replace('_', ' ')} "
                        f"({e.date.isoformat()})", (h.holder_id, company)))
    return signals
