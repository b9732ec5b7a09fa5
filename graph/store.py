"""The store interface both backends implement (the embedded SQLite store and Neo4j).

A store does I/O and nothing else: it writes records atomically, answers look-ups, hands out a
bounded neighbourhood or the whole graph as arrays, and keeps computed per-entity results.
"""

from __future__ import annotations

import abc
import contextlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping

from .arrays import GraphArrays
from .model import Entity, Holding, Link, Officer, RiskEvent

Record = Entity | Holding | Officer | Link | RiskEvent


@dataclass(frozen=True)
class SearchHit:
    """One search result; ``matched`` is the name, alias or registration number that matched."""

    entity: Entity
    matched: str
    how: str  # "reg_no", "exact", "alias", "prefix", "contains"
    score: float


@dataclass
class Edges:
    """The facts touching a set of entities."""

    holdings: list[Holding] = field(default_factory=list)
    officers: list[Officer] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    events: list[RiskEvent] = field(default_factory=list)


@dataclass
class Subgraph:
    """A bounded neighbourhood of ``center``.

    ``collapsed`` maps a hub kept in the picture to the number of its neighbours left out;
    ``truncated`` says the node cap stopped the walk early.
    """

    center: str
    entities: dict[str, Entity]
    depth: dict[str, int]
    holdings: list[Holding] = field(default_factory=list)
    officers: list[Officer] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    events: list[RiskEvent] = field(default_factory=list)
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
        return graph


class Writer(abc.ABC):
    """Adds records inside one transaction; see :meth:`Store.writer`."""

    @abc.abstractmethod
    def add(self, record: Record) -> None: ...

    def add_many(self, records: Iterable[Record]) -> None:
        for record in records:
            self.add(record)


class Store(abc.ABC):
    """What every backend offers. Use as a context manager to close it."""

    # -- writing ----------------------------------------------------------------------------
    @abc.abstractmethod
    def writer(self) -> contextlib.AbstractContextManager[Writer]:
        """A writer whose records are committed together when the block ends, or not at all."""

    @abc.abstractmethod
    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` the store already holds."""

    # -- look-ups ---------------------------------------------------------------------------
    @abc.abstractmethod
    def get(self, entity_id: str) -> Entity | None: ...

    @abc.abstractmethod
    def get_many(self, ids: Iterable[str]) -> dict[str, Entity]: ...

    @abc.abstractmethod
    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Parties whose registration number, name or alias matches ``text``, best first."""

    @abc.abstractmethod
    def edges_touching(self, ids: Iterable[str]) -> Edges:
        """Every holding, officer role, link and event with an end in ``ids``."""

    def holders_of(self, company_id: str) -> list[Holding]:
        return [h for h in self.edges_touching([company_id]).holdings if h.company_id == company_id]

    def holdings_of(self, holder_id: str) -> list[Holding]:
        return [h for h in self.edges_touching([holder_id]).holdings if h.holder_id == holder_id]

    def neighbourhood(self, entity_id: str, depth: int = 2, max_nodes: int = 300, max_degree: int = 40) -> Subgraph:
        """Entities within ``depth`` hops of ``entity_id`` over every kind of edge.

        A hub with more than ``max_degree`` neighbours is shown with the first ``max_degree`` of them
        (largest shares first) and the rest counted in ``collapsed``; the walk stops adding entities
        at ``max_nodes``.
        """
        if depth < 0:
            raise ValueError(f"depth must be 0 or more, got {depth}")
        center = self.get(entity_id)
        if center is None:
            raise KeyError(entity_id)
        levels = {entity_id: 0}
        sub = Subgraph(center=entity_id, entities={entity_id: center}, depth=levels)
        frontier = [entity_id]
        seen_edges: set[tuple[str, str]] = set()
        for hop in range(1, depth + 1):
            if not frontier:
                break
            edges = self.edges_touching(frontier)
            in_frontier = set(frontier)
            neighbours_of: dict[str, list[tuple[float, str, Any]]] = {}
            for record, a, b, weight in _edge_ends(edges):
                for here, there in ((a, b), (b, a)):
                    if here in in_frontier:
                        neighbours_of.setdefault(here, []).append((weight, there, record))
            next_frontier: list[str] = []
            for here in frontier:
                options = sorted(neighbours_of.get(here, []), key=lambda t: (-t[0], t[1]))
                distinct = list(dict.fromkeys(there for _, there, _ in options))
                if len(distinct) > max_degree:
                    keep = set(distinct[:max_degree]) | {n for n in distinct if n in levels}
                    sub.collapsed[here] = len([n for n in distinct if n not in keep])
                else:
                    keep = set(distinct)
                for _, there, record in options:
                    if there not in keep:
                        continue
                    if there not in levels:
                        if len(levels) >= max_nodes:
                            sub.truncated = True
                            continue
                        levels[there] = hop
                        next_frontier.append(there)
                    _append(sub, record, seen_edges)
            frontier = next_frontier
        sub.entities.update(self.get_many([i for i in levels if i not in sub.entities]))
        # Edges among entities already in the picture, e.g. the last ring's links back, belong in it too.
        inside = self.edges_touching(list(levels))
        for record, a, b, _ in _edge_ends(inside):
            if a in levels and b in levels:
                _append(sub, record, seen_edges)
        sub.events = [e for e in inside.events if e.entity_id in levels]
        return sub

    # -- whole graph ------------------------------------------------------------------------
    @abc.abstractmethod
    def export_arrays(self) -> GraphArrays:
        """The whole graph as integer-indexed arrays for whole-graph algorithms."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """How many entities of each kind and how many edges of each kind the store holds."""

    # -- computed results -------------------------------------------------------------------
    @abc.abstractmethod
    def write_results(self, name: str, values: Mapping[str, Any]) -> None:
        """Replace the result set ``name`` with ``values`` (entity id -> JSON-serialisable value)."""

    @abc.abstractmethod
    def read_results(self, name: str) -> dict[str, Any]: ...

    @abc.abstractmethod
    def results_for(self, entity_id: str) -> dict[str, Any]:
        """Every stored result for one entity, by result name."""

    # -- metadata ---------------------------------------------------------------------------
    @abc.abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    @abc.abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _edge_ends(edges: Edges) -> Iterator[tuple[Any, str, str, float]]:
    for h in edges.holdings:
        yield h, h.holder_id, h.company_id, h.share.high if h.share.is_known else 0.0
    for o in edges.officers:
        yield o, o.person_id, o.company_id, 0.0
    for link in edges.links:
        yield link, link.src, link.dst, 0.0


def _append(sub: Subgraph, record, seen: set[tuple[str, str]]) -> None:
    identity = (type(record).__name__, record.key)
    if identity in seen:
        return
    seen.add(identity)
    if isinstance(record, Holding):
        sub.holdings.append(record)
    elif isinstance(record, Officer):
        sub.officers.append(record)
    else:
        sub.links.append(record)
