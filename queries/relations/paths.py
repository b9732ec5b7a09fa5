"""How two entities are connected: the shortest paths between them (each hop explained), and the
stake one holds in the other over every ownership path, cycles included."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...graph.analysis.chains import control_chains, integrated_in
from ...graph.model import Holding, Link, Officer, Relation
from ...graph.stores.base import Store
from ..i18n import _, known, role_name
from ..render import Result, Section
from ..resolve import resolve_entity

PATH_LINKS = ("ownership", "officers", "contacts", "declared")
EXPLORED = 20000  # entities a path search looks at, at most
PER_NODE = 60  # neighbours taken from one entity (a hub's largest stakes first)


@dataclass(frozen=True)
class PathHop:
    src: str  # the hop as walked: from src to dst
    dst: str
    what: str
    detail: str
    reverse: bool = False  # walked against the link: dst holds / serves / registers src

    def describe(self, name) -> str:
        shown = role_name(self.detail) if self.what == "officer" else known(self.detail)
        detail = f" {shown}" if self.detail else ""
        what = _(self.what)
        return f" <-{what}{detail}- {name(self.dst)}" if self.reverse else f" -{what}{detail}-> {name(self.dst)}"


@dataclass
class PathReport(Result):
    a: str
    b: str
    paths: list[list[PathHop]]
    names: dict[str, str]
    explored: int
    cut: bool

    def name(self, i: str) -> str:
        return self.names.get(i, i)

    def to_dict(self) -> dict:
        return {"from": {"id": self.a, "name": self.name(self.a)}, "to": {"id": self.b, "name": self.name(self.b)},
                "paths": [[h.__dict__ for h in p] for p in self.paths], "explored": self.explored,
                "search_cut": self.cut}

    def records(self) -> list[dict]:
        return [{"path": n, "hop": k, "from": h.src, "from_name": self.name(h.src), "link": h.what,
                 "detail": h.detail, "reverse": h.reverse, "to": h.dst, "to_name": self.name(h.dst)}
                for n, p in enumerate(self.paths, 1) for k, h in enumerate(p, 1)]

    def sections(self) -> list[Section]:
        rows = [(n, len(p), self.name(p[0].src) + "".join(h.describe(self.name) for h in p))
                for n, p in enumerate(self.paths, 1)]
        note = (_("{count} entities looked at").format(count=f"{self.explored:,}")
                + (_("; the search stopped at its limit") if self.cut else ""))
        return [Section(_("Paths from {a} to {b}").format(a=self.name(self.a), b=self.name(self.b)), ["#", "hops", "path"], rows,
                        note=note, empty="no path within the limits")]


def paths_between(store: Store, first: str, second: str, *, k: int = 3, max_hops: int = 6, links=PATH_LINKS,
                  min_share: float = 0.0, as_of: dt.date | None = None) -> PathReport:
    """The shortest and up to ``k`` - 1 other simple paths from ``first`` to ``second`` over the
    ``links`` chosen, holdings of at least ``min_share`` only, facts in force on ``as_of``."""
    import networkx as nx

    if not 1 <= max_hops <= 10:
        raise ValueError(f"max_hops must be from 1 to 10, got {max_hops}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    a, b = resolve_entity(store, first).id, resolve_entity(store, second).id
    graph = nx.Graph()
    graph.add_nodes_from([a, b])
    sides = {a: 0, b: 1}
    frontiers = [[a], [b]]
    cut = False
    for step in range(max_hops):
        live = [s for s in (0, 1) if frontiers[s]]
        if not live:
            break
        side = min(live, key=lambda s: len(frontiers[s]))  # grow the smaller side: meet in the middle
        expanded = store.expand(frontiers[side], PER_NODE)
        nxt = []
        for here, (_degree, picks) in expanded.items():
            for there, records in picks:
                hops = [hop for r in records if (hop := _hop(r, links, min_share, as_of))]
                if not hops:
                    continue
                if not graph.has_edge(here, there):
                    graph.add_edge(here, there, hops=hops)
                if there not in sides:
                    sides[there] = side
                    nxt.append(there)
        frontiers[side] = nxt
        if graph.number_of_nodes() > EXPLORED:
            cut = True
            break
        if nx.has_path(graph, a, b) and nx.shortest_path_length(graph, a, b) <= step + 1:
            break
    found = []
    if nx.has_path(graph, a, b):
        for nodes in nx.shortest_simple_paths(graph, a, b):
            if len(nodes) - 1 > max_hops or len(found) >= k:
                break
            found.append([_oriented(graph[u][v]["hops"][0], u, v) for u, v in zip(nodes, nodes[1:])])
    involved = {h.src for p in found for h in p} | {h.dst for p in found for h in p} | {a, b}
    names = {i: e.name for i, e in store.get_many(involved).items()}
    return PathReport(a, b, found, names, graph.number_of_nodes(), cut)


def _hop(record, links, min_share, as_of) -> PathHop | None:
    if isinstance(record, Holding):
        if "ownership" not in links or not record.in_force(as_of):
            return None
        if min_share and (not record.share.is_known or record.share.high < min_share - 1e-9):
            return None
        return PathHop(record.holder_id, record.company_id, "holds", record.share.describe())
    if isinstance(record, Officer):
        ok = "officers" in links and record.in_force(as_of)
        return PathHop(record.person_id, record.company_id, "officer", record.role) if ok else None
    if isinstance(record, Link):
        return PathHop(record.src, record.dst, "registers", "") if "contacts" in links else None
    if isinstance(record, Relation):
        ok = "declared" in links and record.in_force(as_of)
        return PathHop(record.a, record.b, record.type.value.replace("_", " "), "") if ok else None
    return None


def _oriented(hop: PathHop, u: str, v: str) -> PathHop:
    """The hop as walked from ``u`` to ``v``; a link walked against its direction says so."""
    if hop.src == u:
        return hop
    return PathHop(u, v, hop.what, hop.detail, reverse=True)


@dataclass
class StakeReport(Result):
    holder: str
    company: str
    low: float
    high: float
    chains: list
    names: dict[str, str]

    def name(self, i: str) -> str:
        return self.names.get(i, i)

    def to_dict(self) -> dict:
        return {"holder": {"id": self.holder, "name": self.name(self.holder)},
                "company": {"id": self.company, "name": self.name(self.company)},
                "integrated_low": self.low, "integrated_high": self.high,
                "paths": [{"cash_flow_low": c.cash_flow[0], "cash_flow_high": c.cash_flow[1],
                           "hops": [{"holder": h.holder, "company": h.company, "low": h.low, "high": h.high}
                                    for h in c.hops]} for c in self.chains]}

    def sections(self) -> list[Section]:
        from ..control.answer import span

        head = Section(_("Stake of {holder} in {company}").format(holder=self.name(self.holder), company=self.name(self.company)),
                       ["", ""], [(_("integrated ownership (every path, cycles included)"), span(self.low, self.high))])
        rows = [(n, " -> ".join(f"{self.name(h.holder)} [{span(h.low, h.high)}]" for h in c.hops)
                 + f" -> {self.name(self.company)}", span(*c.cash_flow)) for n, c in enumerate(self.chains, 1)]
        return [head, Section(_("The paths that contribute most"), ["#", "path", "contributes"], rows,
                              empty="no ownership path")]


def stake(store: Store, holder: str, company: str, as_of: dt.date | None = None, shown: int = 10) -> StakeReport:
    """``holder``'s integrated ownership of ``company``: the exact solve over its upstream subgraph."""
    from ..control.answer import ownership_edges, upstream

    a, b = resolve_entity(store, holder).id, resolve_entity(store, company).id
    up = upstream(store, b, as_of)
    edges = ownership_edges(up)
    low, high = integrated_in(edges, b).get(a, (0.0, 0.0)) if edges else (0.0, 0.0)
    chains, _ = control_chains(edges, b, {a}, max_chains=shown) if edges and a in {e.holder for e in edges} else ([], False)
    names = {i: e.name for i, e in store.get_many({a, b} | {h.holder for c in chains for h in c.hops}).items()}
    return StakeReport(a, b, low, high, chains, names)
