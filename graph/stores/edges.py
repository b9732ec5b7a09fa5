"""What a store hands out about a part of the graph: the facts touching or joining some entities, and
a bounded neighbourhood."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from ..model import Entity, Holding, Link, Officer, Relation, RiskEvent


@dataclass
class Edges:
    """The facts touching a set of entities."""

    holdings: list[Holding] = field(default_factory=list)
    officers: list[Officer] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    events: list[RiskEvent] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    def sorted(self) -> "Edges":
        """In the one order every backend returns: by key, events by entity, date and id."""
        self.holdings.sort(key=lambda h: h.key)
        self.officers.sort(key=lambda o: o.key)
        self.links.sort(key=lambda link: link.key)
        self.relations.sort(key=lambda r: r.key)
        self.events.sort(key=lambda e: (e.entity_id, e.date or dt.date.min, e.id))
        return self


def both_ways(pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    return {pair for a, b in pairs for pair in ((a, b), (b, a))}


@dataclass
class Subgraph:
    """A bounded neighbourhood of ``center``: ``collapsed`` maps a hub kept in the picture to the number
    of its neighbours left out; ``truncated`` says the node cap stopped the walk early."""

    center: str
    entities: dict[str, Entity]
    depth: dict[str, int]
    holdings: list[Holding] = field(default_factory=list)
    officers: list[Officer] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    events: list[RiskEvent] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    collapsed: dict[str, int] = field(default_factory=dict)
    truncated: bool = False

    def to_networkx(self):
        """A ``networkx.MultiDiGraph``: nodes carry ``entity``, edges carry ``kind`` and ``record``."""
        import networkx as nx

        graph = nx.MultiDiGraph()
        for entity_id, entity in self.entities.items():
            graph.add_node(entity_id, entity=entity, kind=entity.kind.value, depth=self.depth.get(entity_id))
        for h in self.holdings:
            graph.add_edge(h.holder_id, h.company_id, kind="holding", record=h)
        for o in self.officers:
            graph.add_edge(o.person_id, o.company_id, kind="officer", record=o)
        for link in self.links:
            graph.add_edge(link.src, link.dst, kind=link.kind.value, record=link)
        for r in self.relations:
            graph.add_edge(r.a, r.b, kind=r.type.value, record=r)
        return graph


def edge_ends(edges: Edges) -> Iterator[tuple[Any, str, str, float]]:
    """Each fact with its two ends and its weight (a holding's largest share, else 0), in one order."""
    for h in edges.holdings:
        yield h, h.holder_id, h.company_id, h.share.high if h.share.is_known else 0.0
    for o in edges.officers:
        yield o, o.person_id, o.company_id, 0.0
    for link in edges.links:
        yield link, link.src, link.dst, 0.0
    for r in edges.relations:
        yield r, r.a, r.b, 0.0
