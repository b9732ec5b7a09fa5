"""The store interface both backends implement (the embedded SQLite store and Neo4j).

A store does I/O and nothing else: it writes records atomically, answers look-ups, hands out a
bounded neighbourhood or the whole graph as arrays, and keeps computed per-entity results.
"""

from __future__ import annotations

import abc
import datetime as dt
import re
import contextlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from ..arrays import KIND_CODES, GraphArrays
from ..model import Entity, EntityKind, Holding, Link, Officer, Relation, RelationType, RiskEvent, normalize_name
from .edges import Edges, Subgraph, both_ways, edge_ends
from .result_columns import check_page, check_top, commonest

Record = Entity | Holding | Officer | Link | Relation | RiskEvent


@dataclass(frozen=True)
class SearchHit:
    """One search result; ``matched`` is the name, alias or registration number that matched."""

    entity: Entity
    matched: str
    how: str  # "reg_no", "exact", "alias", "prefix", "contains"
    score: float


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

    # -- look-ups ---------------------------------------------------------------------------
    def around(self, entity_id: str) -> "Store":
        """This store as the questions about one company read it: a store whose round trips cost
        (Neo4j) prefetches the company's upstream region; an embedded one is its own view."""
        return self

    @abc.abstractmethod
    def get(self, entity_id: str) -> Entity | None: ...

    @abc.abstractmethod
    def get_many(self, ids: Iterable[str]) -> dict[str, Entity]: ...

    @abc.abstractmethod
    def search(self, text: str, limit: int = 20, exact_only: bool = False,
               budget: float | None = None) -> list[SearchHit]:
        """Parties whose registration number, name or alias matches ``text``, best first; with
        ``exact_only``, only equal registration numbers, names and aliases (index look-ups only).
        ``budget`` (seconds): a store that must read through its names for some part of the search
        stops reading there after this long and ranks what it found (suggestions as one types)."""

    @abc.abstractmethod
    def edges_touching(self, ids: Iterable[str]) -> Edges:
        """Every holding, officer role, link and event with an end in ``ids``."""

    @abc.abstractmethod
    def holding_counts(self, ids: Iterable[str]) -> dict[str, int]:
        """How many holdings each of ``ids`` has as holder (index look-ups: to skip the busiest)."""

    def edges_upward(self, ids: Iterable[str]) -> Edges:
        """What a walk up the holdings reads of ``ids``: the holdings into them, and the officer roles
        and declared ties with an end in them. A store may give more (these are
        :meth:`edges_touching`'s); one that pays a round trip per kind of fact leaves out the rest."""
        return self.edges_touching(ids)

    def events_of(self, ids: Iterable[str]) -> list[RiskEvent]:
        """The risk events of ``ids``, as :meth:`edges_touching` gives them."""
        return self.edges_touching(ids).events

    def holders_of(self, company_id: str) -> list[Holding]:
        return [h for h in self.edges_touching([company_id]).holdings if h.company_id == company_id]

    def edges_among(self, ids: Iterable[str]) -> Edges:
        """The holdings, officer roles and links with both ends in ``ids``, and the events of ``ids``."""
        wanted = set(ids)
        edges = self.edges_touching(wanted)
        return Edges(
            holdings=[h for h in edges.holdings if h.holder_id in wanted and h.company_id in wanted],
            officers=[o for o in edges.officers if o.person_id in wanted and o.company_id in wanted],
            links=[link for link in edges.links if link.src in wanted and link.dst in wanted],
            events=edges.events,
            relations=[r for r in edges.relations if r.a in wanted and r.b in wanted],
        )

    def edges_between(self, pairs: Iterable[tuple[str, str]]) -> Edges:
        """The holdings, officer roles, links and relations that join the two ends of one of ``pairs``
        (either way round); no events. What an explanation's path says of each step along it."""
        joined = both_ways(pairs)
        edges = self.edges_among({end for pair in joined for end in pair})
        return Edges(
            holdings=[h for h in edges.holdings if (h.holder_id, h.company_id) in joined],
            officers=[o for o in edges.officers if (o.person_id, o.company_id) in joined],
            links=[link for link in edges.links if (link.src, link.dst) in joined],
            relations=[r for r in edges.relations if (r.a, r.b) in joined],
        )

    def expand(self, ids: list[str], max_degree: int) -> dict[str, tuple[int, list[tuple[str, list]]]]:
        """One bounded hop: for each id, its number of distinct neighbours and the first
        ``max_degree`` of them (largest stake first, then by id) with the records linking them."""
        by_node: dict[str, dict[str, list]] = {i: {} for i in ids}
        weight: dict[tuple[str, str], float] = {}
        for record, a, b, w in edge_ends(self.edges_touching(ids)):
            for here, there in ((a, b), (b, a)):
                if here in by_node:
                    by_node[here].setdefault(there, []).append(record)
                    weight[here, there] = max(weight.get((here, there), 0.0), w)
        expanded = {}
        for here, neighbours in by_node.items():
            order = sorted(neighbours, key=lambda there: (-weight[here, there], there))[:max_degree]
            expanded[here] = (len(neighbours), [(there, neighbours[there]) for there in order])
        return expanded

    def neighbourhood(self, entity_id: str, depth: int = 2, max_nodes: int = 300, max_degree: int = 40) -> Subgraph:
        """Entities within ``depth`` hops of ``entity_id`` over every kind of edge, with every edge
        among them and their risk events.

        A hub with more than ``max_degree`` neighbours is expanded to the first ``max_degree`` of
        them (largest stakes first) and the number left out is kept in ``collapsed``; the walk stops
        adding entities at ``max_nodes`` and says so in ``truncated``.
        """
        sub = self.reach(entity_id, depth, max_nodes, max_degree)
        levels = sub.depth
        sub.entities = self.get_many(list(levels))
        inside = self.edges_among(list(levels))
        sub.holdings, sub.officers, sub.links = inside.holdings, inside.officers, inside.links
        sub.relations = inside.relations
        sub.events = [e for e in inside.events if e.entity_id in levels]
        return sub

    def reach(self, entity_id: str, depth: int = 2, max_nodes: int = 300, max_degree: int = 40) -> Subgraph:
        """The entities :meth:`neighbourhood` would hold, with their distances (``depth``), hubs
        collapsed and whether the walk was cut short; neither the entities nor the facts are read."""
        if depth < 0:
            raise ValueError(f"depth must be 0 or more, got {depth}")
        if max_degree < 1 or max_nodes < 1:
            raise ValueError("max_degree and max_nodes must be at least 1")
        if self.get(entity_id) is None:
            raise KeyError(entity_id)
        levels = {entity_id: 0}
        sub = Subgraph(center=entity_id, entities={}, depth=levels)
        frontier = [entity_id]
        for hop in range(1, depth + 1):
            if not frontier:
                break
            expanded = self.expand(frontier, max_degree)
            next_frontier: list[str] = []
            for here in frontier:
                degree, picks = expanded.get(here, (0, []))
                if degree > max_degree:
                    sub.collapsed[here] = degree - max_degree
                for there, _records in picks:
                    if there in levels:
                        continue
                    if len(levels) >= max_nodes:
                        sub.truncated = True
                        break
                    levels[there] = hop
                    next_frontier.append(there)
            frontier = next_frontier
        return sub

    # -- whole graph ------------------------------------------------------------------------
    @abc.abstractmethod
    def iter_records(self) -> Iterator[Record]:
        """Every record in the store: entities (by id), then holdings, officer roles, links and events."""

    def ids_of(self, kinds: Iterable[EntityKind]) -> list[str]:
        """The ids of every entity of ``kinds``, in id order."""
        arrays = self.export_arrays()
        return arrays.ids.take(np.flatnonzero(np.isin(arrays.kinds, [KIND_CODES[k] for k in kinds]))).tolist()

    def entities_differing(self, entities: list[Entity]) -> list[Entity]:
        """Those of ``entities`` the store does not hold as they are (missing, or stored otherwise), by id."""
        stored = self.get_many([e.id for e in entities])
        return sorted((e for e in entities if stored.get(e.id) != e), key=lambda e: e.id)

    def entity_table_differing(self, table) -> list[Entity]:
        """:meth:`entities_differing` for entities given as a table of :data:`~..columns.ENTITY_SCHEMA`
        (a store that can compare the table's rows with its own skips building the unchanged)."""
        from ..columns import records_of

        return self.entities_differing(records_of("entities", table))

    def open_facts(self, day: dt.date) -> Edges:
        """The holdings, officer roles and declared ties not ended before ``day``, and the links in
        force (what a register snapshot of ``day`` is compared with), in no particular order."""
        edges = Edges()
        for record in self.iter_records():
            if isinstance(record, (Holding, Officer, Relation, Link)) and (record.until is None or record.until >= day):
                {Holding: edges.holdings, Officer: edges.officers, Relation: edges.relations,
                 Link: edges.links}[type(record)].append(record)
        return edges

    def link_changes(self, first: dt.date, last: dt.date) -> list[Link]:
        """The address and contact links that began (``since``) or ended (``until``: kept apart from
        the links in force) from day ``first`` to day ``last``."""
        return [r for r in self.iter_records() if isinstance(r, Link) and r.since and first <= r.since <= last]

    def is_empty(self) -> bool:
        """Whether the store holds no entity at all (a first load has nothing to match against)."""
        return not any(n for n in self.counts().values())

    def relations_of(self, types: Iterable[RelationType]) -> list[Relation]:
        """Every declared tie of the given types, by key."""
        wanted = set(types)
        return [r for r in self.iter_records() if isinstance(r, Relation) and r.type in wanted]

    def kept_file(self, suffix: str) -> Path | None:
        """Where a file of answers kept for this store goes (``suffix`` its kind: ``.risk.npz``), or None."""
        return None

    @abc.abstractmethod
    def export_arrays(self) -> GraphArrays:
        """The whole graph as integer-indexed arrays for whole-graph algorithms."""

    @abc.abstractmethod
    def company_facts(self) -> Iterator[tuple]:
        """Every company's ``(id, name, business_scope, registered_capital, paid_in_capital, founded)``
        in id order: what risk indicators read besides the graph."""

    @abc.abstractmethod
    def party_facts(self) -> Iterator[tuple]:
        """Every company's, person's and organization's ``(id, kind, name, aliases, reg_no,
        jurisdiction, birth_date, id_number, addresses)`` in id order (``addresses``: the texts of the
        addresses it is registered at, sorted): what screening compares with lists."""

    @abc.abstractmethod
    def drop_events(self, ids: Iterable[str]) -> None:
        """Remove the risk events ``ids`` (an investigator took back what made them), renewing the generation."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """How many entities of each kind and how many edges of each kind the store holds."""

    # -- computed results -------------------------------------------------------------------
    @abc.abstractmethod
    def write_results(self, name: str, values: Mapping[str, Any], whole: bool = True) -> None:
        """Replace the result set ``name`` with ``values`` (entity id -> JSON-serialisable value); with
        ``whole`` False, set the values of these ids and keep the others'.

        ``name`` is lower-case letters, digits and ``_``; values for ids not in the store are dropped.
        """

    def write_analysis(self, results: Mapping[str, Mapping[str, Any]], ids_known: bool = False,
                       previous: Iterable[str] = (), meta: Mapping[str, str] | None = None) -> None:
        """Every result set of one analysis (name -> entity id -> value), replacing the previous
        analysis whole (its sets not named now are cleared); a backend may write them all at once.
        ``ids_known``: every id is in the store (the caller read them from it). Each name of
        ``previous`` keeps the values it holds now as ``previous_<name>`` (a backend may copy them
        without reading them). ``meta``: settings describing it, set with it (in its transaction, if one)."""
        import json

        results = {**results, **{f"previous_{name}": self.read_results(name) for name in previous}}
        previous = json.loads(self.get_meta("analysis_names") or "[]")
        for name in previous:
            if name not in results:
                self.write_results(name, {})
        for name, values in results.items():
            self.write_results(name, values)
        self.set_meta("analysis_names", json.dumps(sorted(results)))
        for key, value in (meta or {}).items():
            self.set_meta(key, value)

    @abc.abstractmethod
    def read_results(self, name: str) -> dict[str, Any]: ...

    def ids_in_order_of(self, name: str, start: int = 0, count: int | None = None) -> list[str]:
        """The ids that have the result ``name`` (a number), lowest value first and ties by id:
        ``count`` of them after the first ``start`` (a page of a ranking, read in the order the
        store keeps it instead of every value read and sorted, where a backend can)."""
        check_page(start, count)
        values = self.read_results(name)
        ordered = sorted(values, key=lambda entity_id: (values[entity_id], entity_id))
        return ordered[start:None if count is None else start + count]

    def commonest_results(self, name: str, top: int) -> tuple[dict[Any, int], int]:
        """The values of the result ``name`` (scalars) that the most entities hold (the largest groups, the
        largest clusters), each with how many hold it: the ``top`` commonest and every value as common
        as the last of them (the caller breaks ties); and how many different values there are."""
        check_top(top)
        return commonest(Counter(self.read_results(name).values()), top)

    @abc.abstractmethod
    def results_of(self, name: str, ids: Iterable[str]) -> dict[str, Any]:
        """The result ``name`` of each of ``ids`` that has one (a page's nodes, a list's rows)."""

    @abc.abstractmethod
    def results_for(self, entity_id: str) -> dict[str, Any]:
        """Every stored result for one entity, by result name."""

    @abc.abstractmethod
    def entities_with_result(self, name: str, value: Any) -> list[str]:
        """The ids whose result ``name`` equals ``value`` (by index: groups, clusters), in id order."""

    # -- identity decisions -----------------------------------------------------------------
    @abc.abstractmethod
    def decide_identity(self, a: str, b: str, same: bool, note: str | None = None) -> None:
        """Keep an investigator's decision that the persons ``a`` and ``b`` are (or are not) one
        person; it survives reloads and replaces an earlier decision on the pair."""

    @abc.abstractmethod
    def identity_decisions(self) -> list[tuple[str, str, bool]]:
        """Every decision, as ``(a, b, same)`` with ``a < b``."""

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


_RESULT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def check_result_name(name: str) -> str:
    """Result names become property names in Neo4j: lower-case letters, digits and ``_``."""
    if not _RESULT_NAME.match(name):
        raise ValueError(f"a result name is lower-case letters, digits and _, starting with a letter; not {name!r}")
    return name


FUZZY_THRESHOLD = 70
EXACT_MATCHES = ("reg_no", "exact", "alias")


def rank_search(text: str, candidates: Iterable[Entity], limit: int) -> list[SearchHit]:
    """Rank candidate entities for a search the same way in every backend.

    A registration number equal to the query ranks first, then an exact name, an exact alias, a
    name or alias starting with the query, and one containing it (among these, the closer the
    lengths the better); then the same in pinyin or pinyin initials (``huaxin``, ``hx`` for
    华信); last, names within a small edit distance (``fuzzy``, rapidfuzz, similarity >= 70).
    Ties go by name, then id. Candidates matching nothing are dropped.

    Examples
    --------
    >>> from equitygraph.graph.model import EntityKind
    >>> hits = rank_search("华信", [Entity("a", EntityKind.COMPANY, "深圳华信"), Entity("b", EntityKind.COMPANY, "华信")], 5)
    >>> [(h.entity.id, h.how) for h in hits]
    [('b', 'exact'), ('a', 'contains')]
    >>> [(h.entity.id, h.how) for h in rank_search("huaxin", [Entity("b", EntityKind.COMPANY, "华信")], 5)]
    [('b', 'pinyin')]
    """
    from rapidfuzz import fuzz

    from ..names import search_forms

    query = normalize_name(text)
    if not query:
        return []
    reg_no = "".join(text.split()).upper()
    compact = query.replace(" ", "")
    ranked = []
    for entity in {e.id: e for e in candidates}.values():
        best: tuple[float, str, str] | None = None
        if entity.reg_no and entity.reg_no == reg_no:
            best = (1.0, "reg_no", reg_no)
        fuzzy: tuple[float, str, str] | None = None
        for position, name in enumerate([entity.name, *entity.aliases]):
            alias = 0.05 if position else 0.0
            for form_index, form in enumerate(search_forms(name)):
                pinyin = form_index > 0
                needle = compact if pinyin else query
                closeness = 0.049 * len(needle) / max(len(form), 1)
                base = 0.2 if pinyin else 0.0
                if form == needle:
                    option = (0.95 - alias - base, "pinyin" if pinyin else ("alias" if position else "exact"), form)
                elif form.startswith(needle):
                    option = (0.8 - alias - base + closeness, "pinyin" if pinyin else "prefix", form)
                elif needle in form:
                    option = (0.6 - alias - base + closeness, "pinyin" if pinyin else "contains", form)
                else:
                    similarity = (fuzz.partial_ratio if len(needle) < len(form) else fuzz.ratio)(needle, form)
                    if similarity >= FUZZY_THRESHOLD and (fuzzy is None or 0.3 * similarity / 100 > fuzzy[0]):
                        fuzzy = (round(0.3 * similarity / 100 - alias / 10, 4), "fuzzy", form)
                    continue
                if best is None or option[0] > best[0]:
                    best = option
        best = best or fuzzy
        if best is not None:
            ranked.append(SearchHit(entity, best[2], best[1], round(best[0], 4)))
    ranked.sort(key=lambda h: (-h.score, h.entity.name, h.entity.id))
    return ranked[:limit]


def exact_hits(text: str, candidates: Iterable[Entity], limit: int) -> list[SearchHit]:
    """What :func:`rank_search` finds of ``text`` as a registration number, an exact name or an exact
    alias, with the same scores, and nothing else: no pinyin tables to load for a name typed in full.

    Examples
    --------
    >>> from equitygraph.graph.model import EntityKind
    >>> people = [Entity("a", EntityKind.COMPANY, "深圳华信"), Entity("b", EntityKind.COMPANY, "华信", aliases=("HX",))]
    >>> [(h.entity.id, h.how, h.score) for h in exact_hits(" 华信", people, 5)]
    [('b', 'exact', 0.95)]
    >>> exact_hits("华信", people, 5) == [h for h in rank_search("华信", people, 5) if h.how in EXACT_MATCHES]
    True
    """
    query = normalize_name(text)
    if not query:
        return []
    reg_no = "".join(text.split()).upper()
    ranked = []
    for entity in {e.id: e for e in candidates}.values():
        if entity.reg_no and entity.reg_no == reg_no:
            ranked.append(SearchHit(entity, reg_no, "reg_no", 1.0))
        elif normalize_name(entity.name) == query:
            ranked.append(SearchHit(entity, query, "exact", 0.95))
        elif any(normalize_name(alias) == query for alias in entity.aliases):
            ranked.append(SearchHit(entity, query, "alias", 0.9))
    ranked.sort(key=lambda h: (-h.score, h.entity.name, h.entity.id))
    return ranked[:limit]
