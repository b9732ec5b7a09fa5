"""Enterprise groups (系族) and clusters: of a named company or controller, and the largest of the graph."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...graph.analysis.clusters import LINKS, ClusterTable, clusters
from ...graph.analysis.groups import enterprise_groups
from ...graph.errors import EquityGraphError, NotFound
from ...graph.model import EntityKind, natural_key, split_key
from ...graph.stores.base import Store
from ..i18n import _
from ..render import Result, Section
from ..resolve import resolve_entity
from .standing import whole_graph

SHOWN_MEMBERS = 50
WRITTEN_MIN_SIZE = 2  # analyze writes the groups of two companies or more


@dataclass
class GroupSummary:
    controllers: tuple[str, ...]
    members: list[str]
    depth: int | None
    with_events: list[str]
    capital: float


@dataclass
class GroupReport(Result):
    """One enterprise group, or the largest ones (``top``)."""

    groups: list[GroupSummary]
    names: dict[str, str]
    title: str
    as_of: dt.date | None = None

    def to_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat() if self.as_of else None, "groups": [
            {"controllers": [{"id": c, "name": self.names.get(c, c)} for c in g.controllers], "size": len(g.members),
             "depth": g.depth, "members": [{"id": m, "name": self.names.get(m, m)} for m in g.members],
             "members_with_events": g.with_events, "registered_capital": g.capital} for g in self.groups]}

    def records(self) -> list[dict]:
        return [{"group": " | ".join(g.controllers), "controller_names": " | ".join(self.names.get(c, c) for c in g.controllers),
                 "size": len(g.members), "depth": g.depth, "with_events": len(g.with_events),
                 "registered_capital": g.capital} for g in self.groups]

    def sections(self) -> list[Section]:
        summary = Section(self.title, ["controller", "companies", "depth", "with risk events", "registered capital"],
                          [(_(" and ").join(f"{self.names.get(c, c)} ({c})" for c in g.controllers), len(g.members), g.depth,
                            len(g.with_events), f"{g.capital:,.0f}") for g in self.groups])
        if len(self.groups) != 1:
            return [summary]
        g = self.groups[0]
        members = Section(_("Members"), ["company", "id", "risk events"],
                          [(self.names.get(m, m), m, _("yes") if m in g.with_events else "") for m in g.members[:SHOWN_MEMBERS]],
                          note=_("{count} more").format(count=len(g.members) - SHOWN_MEMBERS)
                          if len(g.members) > SHOWN_MEMBERS else "")
        return [summary, members]


def group_of(store: Store, name: str, as_of: dt.date | None = None) -> GroupReport:
    """The enterprise group ``name`` belongs to (a company) or heads (a controller); read from what
    ``analyze`` wrote while its analysis is of the records the store holds (and no ``as_of``)."""
    from ..risk import stored

    entity = resolve_entity(store, name)
    title = _("Enterprise group of {name}").format(name=entity.name)
    if as_of is None and stored.is_current(store):
        summary = _written_group(store, entity)
        if summary is not None:
            return GroupReport([summary], _names(store, summary), title, as_of)
    world = whole_graph(store, as_of)
    j = world.index_of(entity.id)
    table = _groups(store, world, as_of)
    group = table.group_of(j) if entity.kind is EntityKind.COMPANY else None
    if group is None:
        group = table.controlled_by((j,))
    if group is None:
        raise NotFound(f"{entity.name} ({entity.id}) is in no enterprise group: "
                       + ("its actual controller is not certain" if entity.kind is EntityKind.COMPANY
                          else "it controls no company"))
    summary = _summary(store, world.arrays, group)
    return GroupReport([summary], _names(store, summary), title, as_of)


def _written_group(store: Store, entity) -> GroupSummary | None:
    """The group as analyze wrote it: its members by their ``group`` result (the controllers' key),
    its depth the most control hops among them; None where the entity is in no written group."""
    key = store.results_for(entity.id).get("group") if entity.kind is EntityKind.COMPANY else None
    members = store.entities_with_result("group", key) if key is not None else []
    if not members:  # a company may head a group as well as belong to none
        key = natural_key(entity.id)
        members = store.entities_with_result("group", key)
    return _group_written(store, key, members) if members else None


def _group_written(store: Store, key: str, members: list[str]) -> GroupSummary:
    """A written group's summary from its key and its members."""
    hops = store.results_of("control_hops", members)
    touched = {e.entity_id for e in store.edges_touching(members).events}
    capital = sum(e.registered_capital or 0.0 for e in store.get_many(members).values())
    return GroupSummary(tuple(split_key(key)), members, max(hops.values()) if hops else None,
                        [m for m in members if m in touched], capital)


def largest_groups(store: Store, top: int = 20, as_of: dt.date | None = None,
                   min_size: int = WRITTEN_MIN_SIZE) -> GroupReport:
    """The ``top`` largest enterprise groups (ties by their controllers); read from what ``analyze``
    wrote while its analysis is of the records the store holds (groups of two or more, no ``as_of``)."""
    from ..risk import stored

    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    if as_of is None and min_size == WRITTEN_MIN_SIZE and stored.is_current(store):
        sizes, total = store.commonest_results("group", top)
        ranked = sorted(sizes, key=lambda key: (-sizes[key], split_key(key)))[:top]
        summaries = [_group_written(store, key, store.entities_with_result("group", key)) for key in ranked]
    else:
        world = whole_graph(store, as_of)
        table = _groups(store, world, as_of, min_size)
        summaries, total = [_summary(store, world.arrays, g) for g in table.groups[:top]], len(table.groups)
    names = {}
    for s in summaries:
        names.update(_names(store, s, members=False))
    title = _("The {count} largest enterprise groups (of {total} with {size} companies or more)").format(
        count=len(summaries), total=f"{total:,}", size=min_size)
    return GroupReport(summaries, names, title, as_of)


def _groups(store: Store, world, as_of, min_size: int = WRITTEN_MIN_SIZE):
    """Every enterprise group of the whole graph (kept for the process, as the control it rests on)."""
    from ..memo import remembered

    return remembered(store, "enterprise groups", {"as_of": as_of, "min_size": min_size},
                      lambda: enterprise_groups(world.table, world.arrays, min_size=min_size))


def _summary(store: Store, arrays, group) -> GroupSummary:
    members = [arrays.ids[m] for m in group.members]
    capital = sum(e.registered_capital or 0.0 for e in store.get_many(members).values())
    return GroupSummary(tuple(arrays.ids[c] for c in group.controllers), members, group.depth,
                        [arrays.ids[m] for m in group.with_events], capital)


def _names(store: Store, summary: GroupSummary, members: bool = True) -> dict[str, str]:
    wanted = list(summary.controllers) + (summary.members if members else [])
    return {i: e.name for i, e in store.get_many(wanted).items()}


@dataclass
class ClusterReport(Result):
    rows: list[dict]
    members: list[tuple[str, str, str, bool]] | None  # for one cluster: (id, name, kind, has events)
    title: str
    links: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"links": list(self.links), "clusters": self.rows,
                "members": [{"id": i, "name": n, "kind": k, "risk_events": e} for i, n, k, e in self.members or []]}

    def records(self) -> list[dict]:
        return self.rows

    def sections(self) -> list[Section]:
        out = [Section(self.title, ["cluster", "parties", "held together by", "central", "with risk events"],
                       [(r["cluster"], r["size"], ", ".join(f"{_(k.replace('_', ' '))} {v}" for k, v in r["links"].items()),
                         ", ".join(r["central_names"]), r["with_events"]) for r in self.rows],
                       note=_("links: ") + ", ".join(_(link.replace("_", " ")) for link in self.links))]
        if self.members is not None:
            out.append(Section(_("Members"), ["party", "id", "kind", "risk events"],
                               [(n, i, _(k), _("yes") if e else "") for i, n, k, e in self.members[:SHOWN_MEMBERS * 2]]))
        return out


def _clusters(store: Store, links, as_of) -> tuple[ClusterTable, object]:
    from ..control.answer import identity_decisions
    from ..memo import remembered

    def found():
        arrays = store.export_arrays()
        return clusters(arrays, links=links, as_of=as_of, decisions=identity_decisions(store, arrays)), arrays

    return remembered(store, "clusters", {"links": list(links), "as_of": as_of}, found)


def _row(store: Store, arrays, cluster) -> dict:
    central = [arrays.ids[c] for c in cluster.central]
    names = store.get_many(central)
    return {"cluster": cluster.id, "size": cluster.size, "links": cluster.links, "central": central,
            "central_names": [names[c].name if c in names else c for c in central],
            "with_events": len(cluster.with_events)}


def largest_clusters(store: Store, top: int = 20, links=LINKS, as_of: dt.date | None = None) -> ClusterReport:
    """The ``top`` largest clusters (ties by their first member); read from what ``analyze`` wrote
    while its analysis is of the records the store holds (the default links, no ``as_of``)."""
    from ..risk import stored

    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    if tuple(links) == tuple(LINKS) and as_of is None and stored.is_current(store):
        total = stored.cluster_count(store)
        if total is not None:  # their ranks were written at their first members: as many rows read
            ranked = ["K:" + first for first in store.ids_in_order_of("cluster_rank", 0, top)]
        else:
            sizes, total = store.commonest_results("cluster", top)
            ranked = sorted(sizes, key=lambda number: (-sizes[number], number[2:]))[:top]
        written = [_written_row(store, number) for number in ranked]
        if written and all(w is not None for w in written):
            rows = [row for row, _members in written]
            return ClusterReport(rows, None, _("The {count} largest clusters (of {total})").format(
                count=len(rows), total=f"{total:,}"), tuple(links))
    table, arrays = _clusters(store, links, as_of)
    rows = [_row(store, arrays, c) for c in table.top(top)]
    return ClusterReport(rows, None, _("The {count} largest clusters (of {total})").format(count=len(rows), total=f"{len(table):,}"), tuple(links))


def find_cluster(store: Store, name: str, links=LINKS, as_of: dt.date | None = None):
    """The entity ``name`` resolves to, its cluster, and the arrays the cluster indexes."""
    entity = resolve_entity(store, name)
    table, arrays = _clusters(store, links, as_of)
    cluster = table.cluster_of(arrays.index_of(entity.id))
    if cluster is None:
        raise EquityGraphError(f"{entity.name} ({entity.id}) is linked to no other party over {', '.join(links)}")
    return entity, cluster, arrays


def cluster_of(store: Store, name: str, links=LINKS, as_of: dt.date | None = None) -> ClusterReport:
    """The cluster of ``name`` with its members; read from what ``analyze`` wrote while its analysis is
    of the records the store holds (the default links, no ``as_of``)."""
    from ..risk import stored

    if tuple(links) == tuple(LINKS) and as_of is None and stored.is_current(store):
        entity = resolve_entity(store, name)
        written = _written_cluster(store, entity)
        if written is not None:
            row, members = written
            return ClusterReport([row], members, _("Cluster of {name}").format(name=entity.name), tuple(links))
    entity, cluster, arrays = find_cluster(store, name, links, as_of)
    ids = [arrays.ids[m] for m in cluster.members]
    found = store.get_many(ids)
    events = {arrays.ids[m] for m in cluster.with_events}
    members = [(i, found[i].name, found[i].kind.value, i in events) for i in ids if i in found]
    return ClusterReport([_row(store, arrays, cluster)], members, _("Cluster of {name}").format(name=entity.name), tuple(links))


def _written_cluster(store: Store, entity):
    """The cluster row and members as analyze wrote them; None where it wrote none for ``entity``."""
    number = store.results_for(entity.id).get("cluster")
    return _written_row(store, number) if number is not None else None


def _written_row(store: Store, number: str):
    members = store.entities_with_result("cluster", number)
    held = store.results_of("cluster_links", [number[2:]]).get(number[2:]) if members else None
    if held is None:
        return None
    degree = store.results_of("cluster_degree", members)
    central = sorted(members, key=lambda m: (-degree.get(m, 0), m))[:5]
    found = store.get_many(members)
    touched = {e.entity_id for e in store.edges_touching(members).events}
    row = {"cluster": number, "size": len(members), "links": {k: held[k] for k in LINKS if k in held},  # LINKS' order
           "central": central,
           "central_names": [found[c].name if c in found else c for c in central],
           "with_events": len(touched & set(members))}
    return row, [(i, found[i].name, found[i].kind.value, i in touched) for i in members if i in found]
