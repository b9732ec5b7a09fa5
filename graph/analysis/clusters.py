"""Clusters across the whole graph: connected components over the links an investigator picks, then
communities (Leiden, by igraph) inside the components too large to read, so that a cluster is tens
of parties, not a million.

Links: ``ownership`` (holdings in force), ``officers`` (roles in force), ``contacts`` (a shared
address, phone or e-mail, as the address or contact node both parties link to) and ``declared``
(relations.csv). An address or phone shared by more than ``hub_limit`` parties (a registration
agent's) links nobody: it would tie unrelated companies together. Communities are found with
igraph's Leiden (modularity), seeded, so the same graph gives the same clusters; a cluster's
id is ``K`` and the smallest id among its parties, so it stays the same while its members do.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np

from ..arrays import KIND_CODES, GraphArrays
from ..model import PARTY_KINDS
from .declared import one_person

LINKS = ("ownership", "officers", "contacts", "declared")
HUB_LIMIT = 20
LARGE = 60  # a component above this many parties is split into communities
RESOLUTION = 0.05  # Leiden (constant Potts model): the least density of links a community keeps


@dataclass
class Cluster:
    id: str
    members: np.ndarray  # entity indices of its parties (companies, persons, organizations), by id
    links: dict[str, int]  # links inside it, by type
    central: np.ndarray  # its best connected parties, most links first (at most 5)
    with_events: np.ndarray  # its parties with a risk event

    @property
    def size(self) -> int:
        return len(self.members)


class ClusterTable:
    """Every cluster of two parties or more, numbered largest first (ties by id).

    ``of[j]`` is entity ``j``'s cluster number (-1 for entities in none, or alone); ``size`` and
    ``ids`` hold each cluster's size and id; :attr:`clusters` (or :meth:`cluster`) describe them,
    built only when asked for (a million-company graph has hundreds of thousands).
    """

    def __init__(self, arrays, members: np.ndarray, offsets: np.ndarray, of: np.ndarray, links, link_counts,
                 degree, has_event):
        self._arrays = arrays
        self._members, self._offsets = members, offsets  # members grouped by cluster number, in id order
        self.of = of
        self.links = tuple(links)
        self.size = np.diff(offsets)
        self._link_counts, self._degree, self._has_event = link_counts, degree, has_event
        self._built: dict[int, Cluster] = {}
        self.seconds: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self.size)

    def parts(self) -> tuple:
        """What the table is made of besides the arrays: ``ClusterTable(arrays, *table.parts())`` is the
        same table (one found in another process, handed back)."""
        return (self._members, self._offsets, self.of, self.links, self._link_counts, self._degree, self._has_event)

    @functools.cached_property
    def ids(self) -> list[str]:
        """Each cluster's id: "K:" and its first member's (made when first asked for: millions of
        strings at ten million companies, not held while the rest of an analysis runs)."""
        return ["K:" + first for first in self._arrays.ids.take(self.first_members()).tolist()]

    def cluster(self, number: int) -> Cluster:
        if number not in self._built:
            members = self._members[self._offsets[number]:self._offsets[number + 1]]
            held = self.links_of(number)
            central = members[np.lexsort((members, -self._degree[members]))][:5]
            self._built[number] = Cluster(self.ids[number], members, held, central, members[self._has_event[members]])
        return self._built[number]

    @property
    def clusters(self) -> list[Cluster]:
        return [self.cluster(k) for k in range(len(self))]

    def top(self, count: int) -> list[Cluster]:
        return [self.cluster(k) for k in range(min(count, len(self)))]

    def cluster_of(self, j: int) -> Cluster | None:
        return self.cluster(int(self.of[j])) if self.of[j] >= 0 else None

    def first_members(self) -> np.ndarray:
        """Each cluster's first member (the lowest entity index, whose id follows "K:" in the cluster's)."""
        return self._members[self._offsets[:-1]]

    def degree(self, entities: np.ndarray) -> np.ndarray:
        """How many links each of ``entities`` has: the order :attr:`Cluster.central` is chosen in."""
        return self._degree[entities]

    def links_of(self, number: int) -> dict[str, int]:
        """The links inside cluster ``number``, by type (:attr:`Cluster.links`)."""
        counts = self._link_counts[number]
        return {LINKS[k]: int(counts[k]) for k in range(len(LINKS)) if counts[k]}


def link_edges(arrays: GraphArrays, links=LINKS, as_of: dt.date | None = None,
               hub_limit: int = HUB_LIMIT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edges of the chosen link types as (source, target, type code) entity-index arrays."""
    unknown = set(links) - set(LINKS)
    if unknown:
        raise ValueError(f"unknown link types {sorted(unknown)}; choose from {', '.join(LINKS)}")
    parts = []
    if "ownership" in links:
        keep = arrays.holdings_in_force(as_of)
        parts.append((arrays.holding_holder[keep], arrays.holding_company[keep], LINKS.index("ownership")))
    if "officers" in links:
        keep = arrays.officers_in_force(as_of)
        parts.append((arrays.officer_person[keep], arrays.officer_company[keep], LINKS.index("officers")))
    if "contacts" in links and len(arrays.link_dst):
        tenants = np.bincount(arrays.link_dst, minlength=arrays.n)
        keep = tenants[arrays.link_dst] <= hub_limit
        parts.append((arrays.link_src[keep], arrays.link_dst[keep], LINKS.index("contacts")))
    if "declared" in links:
        keep = arrays.relations_in_force(as_of)
        parts.append((arrays.relation_a[keep], arrays.relation_b[keep], LINKS.index("declared")))
    if not parts:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, np.zeros(0, dtype=np.int8)
    # 32 bits: at ten million companies there are some 70 million nodes and 90 million edges
    src = np.concatenate([p[0] for p in parts]).astype(np.int32)
    dst = np.concatenate([p[1] for p in parts]).astype(np.int32)
    kind = np.concatenate([np.full(len(p[0]), p[2], dtype=np.int8) for p in parts])
    return src, dst, kind


def clusters(arrays: GraphArrays, links=LINKS, as_of: dt.date | None = None, hub_limit: int = HUB_LIMIT,
             large: int = LARGE, seed: int = 1, resolution: float = RESOLUTION,
             decisions: list[tuple[int, int, bool]] = (), engine=None) -> ClusterTable:
    """Clusters of the parties of ``arrays`` over the ``links`` chosen (components found on ``engine``,
    :mod:`.engine`; here when None).

    Components with more than ``large`` parties are split into communities: Leiden (igraph's
    implementation) with the constant Potts model, whose ``resolution`` is the least density of
    links a community keeps (0.05: groups of tens), on the component's core; a party hanging off
    the core by one link (most natural persons, most addresses) joins its neighbour's community.

    Examples
    --------
    Two companies sharing a phone are one cluster; a third, alone, is in none:

    >>> from equitygraph.graph.arrays import arrays_from_records
    >>> from equitygraph.graph.model import Entity, EntityKind, Link, LinkKind
    >>> ents = [Entity(i, EntityKind.COMPANY, i) for i in "ABC"] + [Entity("t", EntityKind.CONTACT, "110")]
    >>> a = arrays_from_records(ents, links=[Link("A", "t", LinkKind.HAS_CONTACT), Link("B", "t", LinkKind.HAS_CONTACT)])
    >>> t = clusters(a)
    >>> [(c.id, [a.ids[m] for m in c.members], c.links) for c in t.clusters]
    [('K:A', ['A', 'B'], {'contacts': 2})]
    """
    import time

    from .engine import IN_PROCESS

    seconds = {}
    started = time.perf_counter()
    src, dst, kind = link_edges(arrays, links, as_of, hub_limit)
    stands_for = one_person(arrays, decisions).astype(np.int32)  # records of one person are one node
    src, dst = stands_for[src], stands_for[dst]
    seconds["links"] = time.perf_counter() - started
    started = time.perf_counter()
    component = np.asarray((engine or IN_PROCESS).components(src, dst, arrays.n), dtype=np.int32)
    seconds["components"] = time.perf_counter() - started
    started = time.perf_counter()
    is_party = np.isin(arrays.kinds, [KIND_CODES[k] for k in PARTY_KINDS])
    big = (np.bincount(component, weights=is_party) > large)[component]
    label = component  # the components are not asked again: a community's label is written over them
    if big.any():
        community = _communities(src, dst, big, component, seed, resolution, engine or IN_PROCESS)
        label[big] = component.max() + 1 + community[big]
        del community
    seconds["communities"] = time.perf_counter() - started
    started = time.perf_counter()
    degree = np.bincount(src, minlength=arrays.n)
    degree += np.bincount(dst, minlength=arrays.n)
    degree = degree.astype(np.int32)
    table = _describe(arrays, label, is_party, src, dst, kind, degree, links)
    table.of = table.of[stands_for]  # a record of a person found twice is where that person is
    seconds["describe"] = time.perf_counter() - started
    table.seconds = seconds
    return table


def _communities(src, dst, wanted, component, seed, resolution, engine) -> np.ndarray:
    """Community numbers for the ``wanted`` nodes, each of their components split on its own (on
    ``engine``: each component is one task, the same answer wherever it runs), numbered component
    after component."""
    inside = wanted[src] & wanted[dst]
    src, dst = src[inside], dst[inside]
    found = engine.communities(component[src], src, dst, seed, resolution)  # (node, community in its component)
    community = np.full(len(wanted), -1, dtype=np.int32)
    if len(found[0]):
        nodes, local = found
        by_component = component[nodes]
        # Number the communities of each component after those of the components before it.
        sizes = np.zeros(component.max() + 1, dtype=np.int64)
        np.maximum.at(sizes, by_component, local + 1)
        offset = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        community[nodes] = offset[by_component] + local
    # A node left alone (its pair stripped both ways) gets a community of its own.
    alone = wanted & (community < 0)
    community[alone] = community.max() + 1 + np.arange(alone.sum())
    return community


def _describe(arrays, label, is_party, src, dst, kind, degree, links) -> ClusterTable:
    """Number the clusters of two parties or more, largest first, and count what holds each together."""
    parties = np.flatnonzero(is_party)
    party_label = label[parties]
    sizes = np.bincount(party_label, minlength=label.max() + 1 if len(label) else 0)
    has_event = np.zeros(arrays.n, dtype=bool)
    has_event[arrays.event_entity] = True
    kept = np.flatnonzero(sizes >= 2)
    # Largest first; among equals, by the smallest id of a member (its first, ids being sorted).
    first_member = np.full(len(sizes), arrays.n, dtype=np.int64)
    np.minimum.at(first_member, party_label, parties)
    ranked = kept[np.lexsort((first_member[kept], -sizes[kept]))]
    numbers = np.full(len(sizes), -1, dtype=np.int32)
    numbers[ranked] = np.arange(len(ranked))
    of = np.full(arrays.n, -1, dtype=np.int32)  # 32 bits: held to the end of an analysis, 70 M long at 10 M companies
    of[parties] = numbers[party_label]
    inside = np.flatnonzero(of >= 0).astype(np.int32)
    members = inside[np.lexsort((inside, of[inside]))]
    offsets = np.r_[0, np.cumsum(sizes[ranked])].astype(np.int64)
    link_counts = np.zeros((len(ranked), len(LINKS)), dtype=np.int64)
    same = label[src] == label[dst]
    counted = numbers[label[src[same]]]
    keep = counted >= 0
    np.add.at(link_counts, (counted[keep], kind[same][keep]), 1)
    return ClusterTable(arrays, members, offsets, of, links, link_counts, np.asarray(degree), has_event)
