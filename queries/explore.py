"""What the explorer asks of a store, as plain JSON-ready dicts: suggestions, one entity's page,
a node's neighbours (filtered, paged: a hub is opened a page at a time), the first view of a
company (its neighbours and the whole control answer) and the penetration tree.

The served app (:mod:`equitygraph.queries.app`) is a thin shell over these; a script can call them
directly or through the app's ``/api``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..graph.errors import EquityGraphError, shown
from ..graph.model import Entity, EntityKind, Holding, Link, Officer, Relation, check_day
from ..graph.stores.base import Edges, Store, edge_ends
from .contacts import CONTACT_KINDS, who_shares
from .glance import at_a_glance, contact_at_a_glance
from .i18n import role_name
from .render import iso
from .search import search_entities

EDGE_KINDS = ("holding", "officer", "link", "relation")
MAX_PAGE = 100  # the most neighbours one request returns
SUGGEST_BUDGET = 0.06  # seconds a suggestion may spend reading names no index holds (two-character parts)
MARKS = ("group", "cluster", "risk_tier", "risk_score", "controller", "controller_partner")


class NotFound(EquityGraphError):
    """No entity with the id asked for."""


@dataclass(frozen=True)
class Filters:
    """What the graph view draws: holdings of at least ``min_share`` (unknown shares kept), the
    kinds of edge in ``kinds``, and only facts in force on ``as_of`` (every fact when None)."""

    min_share: float = 0.0
    kinds: tuple[str, ...] = EDGE_KINDS
    as_of: dt.date | None = None

    def __post_init__(self):
        if not 0.0 <= self.min_share <= 1.0:
            raise ValueError(f"min_share must be from 0 to 1, got {self.min_share}")
        unknown = sorted(set(self.kinds) - set(EDGE_KINDS))
        if unknown:
            raise ValueError(f"unknown edge kind {unknown[0]!r} (one of {', '.join(EDGE_KINDS)})")

    def keeps(self, record) -> bool:
        if isinstance(record, Holding):
            high = record.share.high
            return ("holding" in self.kinds and record.in_force(self.as_of)
                    and (high is None or high >= self.min_share))
        if isinstance(record, Officer):
            return "officer" in self.kinds and record.in_force(self.as_of)
        if isinstance(record, Link):
            return "link" in self.kinds
        return "relation" in self.kinds and record.in_force(self.as_of)


def entity_json(entity: Entity, marks: dict | None = None) -> dict:
    out = {"id": entity.id, "name": entity.name, "kind": entity.kind.value, "reg_no": entity.reg_no,
           "jurisdiction": entity.jurisdiction, "status": entity.status}
    out.update({k: v for k, v in (marks or {}).items() if v is not None})
    return out


def edge_json(record) -> dict:
    if isinstance(record, Holding):
        return {"id": f"h:{record.key}", "from": record.holder_id, "to": record.company_id, "kind": "holding",
                "label": record.share.describe(), "share_low": record.share.low, "share_high": record.share.high,
                "interest": record.interest.value, "since": iso(record.since), "until": iso(record.until)}
    if isinstance(record, Officer):
        return {"id": f"o:{record.key}", "from": record.person_id, "to": record.company_id, "kind": "officer",
                "label": role_name(record.role), "role": record.role, "since": iso(record.since),
                "until": iso(record.until)}
    if isinstance(record, Link):
        return {"id": f"l:{record.key}", "from": record.src, "to": record.dst, "kind": "link",
                "label": record.kind.value}
    return {"id": f"r:{record.key}", "from": record.a, "to": record.b, "kind": "relation",
            "label": record.type.value, "since": iso(record.since), "until": iso(record.until)}


def suggestions(store: Store, text: str, limit: int = 10) -> list[dict]:
    """What the search box offers for ``text``: names, aliases, registration numbers and pinyin,
    best first (as :meth:`Store.search`, within :data:`SUGGEST_BUDGET` where names must be read
    one by one: ``equitygraph search`` reads them all)."""
    text = text.strip()
    if not text:
        return []
    found = search_entities(store, text, limit, SUGGEST_BUDGET)
    return [{"id": h.entity.id, "name": h.entity.name, "kind": h.entity.kind.value, "reg_no": h.entity.reg_no,
             "matched": h.matched, "how": h.how, "about": found.about.get(h.entity.id)} for h in found.hits]


def entity_page(store: Store, entity_id: str, as_of: dt.date | None = None) -> dict:
    """Everything ``company`` and ``control`` say about one entity, as sections to show and as
    data, with the names of every entity mentioned (so the page can link them)."""
    from .company import company_report

    entity = entity_by_id(store, entity_id)
    if entity.kind in CONTACT_KINDS:
        return _contact_page(store, entity, as_of)
    report = company_report(store, entity.id, as_of=as_of)
    data = report.to_dict()
    mentioned = {entity.id: entity.name, **names_in(data)}
    if report.control is not None:
        mentioned.update(report.control.names)
    made = report.sections()
    sections = [_section_json(s) for s in made]
    if sections:
        sections[0]["fold"] = True  # the registered profile: folded under the answer
    for section, source in zip(sections, made):
        if source.keys == ["kind", "value", "shared with"]:  # each address or phone opens who shares it
            section["links"] = [[None, row["id"], row["id"]] for row in data["contacts"]]
            mentioned.update({row["id"]: row["text"] for row in data["contacts"]})
    sections.insert(0, at_a_glance(store, entity, data))
    return {"entity": entity_json(entity, _marks(store, [entity.id]).get(entity.id)),
                       "sections": sections, "data": data, "names": mentioned}


def _contact_page(store: Store, entity: Entity, as_of: dt.date | None) -> dict:
    """An address's or a phone's page: who is registered there, those at risk first."""
    shared = who_shares(store, entity.id, as_of)
    sections = [contact_at_a_glance(shared)] + [_section_json(s) for s in shared.sections()]
    return {"entity": entity_json(entity), "sections": sections, "data": shared.to_dict(),
            "names": {entity.id: entity.name, **{t.id: t.name for t in shared.tenants}}}


def _section_json(section) -> dict:
    return {"title": section.title, "columns": list(section.columns), "rows": [list(r) for r in section.rows],
            "note": section.note, "empty": section.empty}


def names_in(data) -> dict[str, str]:
    """Every ``id`` beside a ``name`` (also ``x_id`` beside ``x_name``) anywhere in ``data``.

    Examples
    --------
    >>> names_in({"members": [{"id": "C1", "name": "华信"}], "holder_id": "P", "holder_name": "王伟"})
    {'P': '王伟', 'C1': '华信'}
    """
    found: dict[str, str] = {}
    todo = [data]
    while todo:
        value = todo.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "id" or key.endswith("_id"):
                    name = value.get("name" if key == "id" else key[:-3] + "_name")
                    if isinstance(item, str) and isinstance(name, str):
                        found[item] = name
                if isinstance(item, (dict, list)):
                    todo.append(item)
        elif isinstance(value, list):
            todo.extend(value)
    return found


def neighbours(store: Store, entity_id: str, filters: Filters = Filters(), offset: int = 0,
               limit: int = 25) -> dict:
    """A page of the neighbours of ``entity_id`` (largest stake first, then by id) with the edges to
    them; ``total`` says how many there are, so the view can offer "+N more"."""
    if limit < 1 or limit > MAX_PAGE:
        raise ValueError(f"limit must be from 1 to {MAX_PAGE}, got {limit}")
    if offset < 0:
        raise ValueError(f"offset must be 0 or more, got {offset}")
    entity_by_id(store, entity_id)
    edges = store.edges_touching([entity_id])
    by_neighbour: dict[str, list] = {}
    weight: dict[str, float] = {}
    for record, a, b, share in edge_ends(edges):
        if not filters.keeps(record) or entity_id not in (a, b) or a == b:
            continue
        there = b if a == entity_id else a
        by_neighbour.setdefault(there, []).append(record)
        weight[there] = max(weight.get(there, 0.0), share)
    order = sorted(by_neighbour, key=lambda there: (-weight[there], there))
    picked = order[offset: offset + limit]
    entities = store.get_many(picked)
    marks = _marks(store, picked)
    return {
        "id": entity_id, "total": len(order), "offset": offset, "more": max(0, len(order) - offset - len(picked)),
        "nodes": [entity_json(entities[i], marks.get(i)) for i in picked if i in entities],
        "edges": [edge_json(r) for there in picked for r in by_neighbour[there]],
        "events": _event_counts(edges, [entity_id]),
    }


def first_view(store: Store, entity_id: str, filters: Filters = Filters(), limit: int = 25) -> dict:
    """Where the graph view starts: the entity, its first ``limit`` neighbours, and the whole
    control answer (the chain up to the actual controller and each signal's evidence) whatever
    the hop limit, marked as such."""
    from .control.report import control_report
    from .control.parts import answer_parts

    center = entity_by_id(store, entity_id)
    page = neighbours(store, entity_id, filters, 0, limit)
    answer: dict[str, str] = {}
    chain: list[tuple[str, str]] = []
    control = None
    if center.kind in (EntityKind.COMPANY, EntityKind.ORGANIZATION):
        control = control_report(store, entity_id, as_of=filters.as_of)
        answer = answer_parts(store, control)
        # Red only where control runs: the chains up to an actual controller and the control path (the
        # chains of mere largest holders, where nobody controls, are drawn as the holdings they are).
        chain = sorted({(h.holder, h.company) for c in control.chains if c.top in control.actual_controllers
                        for h in c.hops} | {(h.controller, h.controlled) for h in control.hops})
    shown = {entity_id} | {n["id"] for n in page["nodes"]}
    extra = [i for i in answer if i not in shown]
    entities = store.get_many(extra)
    marks = _marks(store, [entity_id, *extra])
    nodes = [entity_json(center, marks.get(entity_id)) | {"center": True}]
    nodes += page["nodes"]
    nodes += [entity_json(entities[i], marks.get(i)) for i in extra if i in entities]
    for node in nodes:
        if node["id"] in answer:
            node["answer"] = answer[node["id"]]
            node["beyond"] = node["id"] in entities
    drawn = {n["id"] for n in nodes}
    inside = store.edges_among(drawn)
    on_chain = set(chain)
    edges = [edge_json(r) for r, a, b, _share in edge_ends(inside)
             if filters.keeps(r) or (isinstance(r, (Holding, Relation)) and (a, b) in on_chain)]
    return {
        "center": entity_id, "nodes": nodes, "edges": edges, "more": {entity_id: page["more"]} if page["more"] else {},
        # where "+N more" goes on from: the neighbours shown, not the parts of the answer drawn beside them
        "next": {entity_id: len(page["nodes"])},
        "chain": [list(c) for c in chain],
        "controllers": list(control.actual_controllers) if control is not None else [],
        "verdict": control.verdict if control is not None else None,
        "events": _event_counts(inside, drawn),
    }


def tree(store: Store, entity_id: str, as_of: dt.date | None = None, up: int = 2, down: int = 1,
         limit: int = 50) -> dict:
    """The penetration tree (股权穿透图): holders ``up`` levels above, investments ``down`` levels
    below, the share on each edge, and each holder's integrated stake in the entity (every path,
    from the control report). ``up`` is raised to reach the actual controller. Each node's
    ``level`` places it: negative above, positive below."""
    from .control.report import control_report

    center = entity_by_id(store, entity_id)
    stakes: dict[str, tuple[float, float]] = {}
    controllers: tuple[str, ...] = ()
    chain: list[list[str]] = []
    if center.kind in (EntityKind.COMPANY, EntityKind.ORGANIZATION):
        control = control_report(store, entity_id, as_of=as_of)
        stakes, controllers = control.stakes, control.actual_controllers
        chain = [[h.controller, h.controlled] for h in control.hops]
        if up:  # the tree reaches the actual controller, however far up
            up = max(up, len(control.hops), *(len(c.hops) for c in control.chains if c.top in control.actual_controllers))
    levels = {entity_id: 0}
    holdings: dict[str, Holding] = {}
    more: dict[str, int] = {}
    for direction, depth in ((-1, up), (1, down)):
        frontier = [entity_id]
        for level in range(1, depth + 1):
            if not frontier:
                break
            edges = store.edges_touching(frontier)
            wanted = set(frontier)
            step: dict[str, list[Holding]] = {}
            for h in edges.holdings:
                if not h.in_force(as_of):
                    continue
                here, there = (h.company_id, h.holder_id) if direction < 0 else (h.holder_id, h.company_id)
                if here in wanted:
                    step.setdefault(here, []).append(h)
            frontier = []
            for here in sorted(step):
                picked = sorted(step[here], key=lambda h: (-(h.share.high or 0.0), h.key))
                if len(picked) > limit:
                    more[f"{here}:{'up' if direction < 0 else 'down'}"] = len(picked) - limit
                for h in picked[:limit]:
                    holdings[h.key] = h
                    there = h.holder_id if direction < 0 else h.company_id
                    if there not in levels:
                        levels[there] = direction * level
                        frontier.append(there)
    levels = deepest_levels(entity_id, levels, holdings.values())
    entities = store.get_many(levels)
    marks = _marks(store, list(levels))
    nodes = []
    for i, level in levels.items():
        if i not in entities:
            continue
        node = entity_json(entities[i], marks.get(i)) | {"level": level}
        if i in stakes:
            node["stake_low"], node["stake_high"] = stakes[i]
        if i in controllers:
            node["controller"] = True
        nodes.append(node)
    return {"center": entity_id, "nodes": nodes,
            "edges": [edge_json(h) for h in holdings.values() if h.holder_id in levels and h.company_id in levels],
            "more": more, "controllers": list(controllers),
            "chain": [pair for pair in chain if pair[0] in levels and pair[1] in levels]}


def deepest_levels(center: str, levels: dict[str, int], holdings) -> dict[str, int]:
    """Each party of a penetration tree at its deepest level on its side: a holder above every
    company of the tree it holds, an investment below every holder of the tree it has. A company
    reached by several paths is drawn once, below all of them, and every edge points one way (a
    tie that closes a cycle is the one left pointing back). ``levels``: the side of each party
    (negative above, positive below) as the walk met them.

    Examples
    --------
    >>> from equitygraph.graph.model import Holding
    >>> ties = [Holding("A", "X"), Holding("B", "X"), Holding("A", "B")]  # A holds X directly and through B
    >>> deepest_levels("X", {"X": 0, "A": -1, "B": -1}, ties)
    {'X': 0, 'A': -2, 'B': -1}
    """
    up: dict[str, set[str]] = {}
    down: dict[str, set[str]] = {}
    for h in holdings:
        holder, company = levels.get(h.holder_id), levels.get(h.company_id)
        if holder is None or company is None:
            continue
        if holder < 0 and company <= 0:
            up.setdefault(h.company_id, set()).add(h.holder_id)
        elif company > 0 and holder >= 0:
            down.setdefault(h.holder_id, set()).add(h.company_id)
    placed = dict(levels)
    for sign, children in ((-1, up), (1, down)):
        for party, depth in _longest_paths(center, children).items():
            if party != center:
                placed[party] = sign * depth
    return placed


def _longest_paths(root: str, children: dict[str, set[str]]) -> dict[str, int]:
    """The longest path from ``root`` to each party reached, over ``children`` with the ties that
    close a cycle (back edges of a depth-first walk) left out."""
    finished: list[str] = []
    kept: dict[str, list[str]] = {}
    state = {root: "open"}
    stack = [(root, iter(sorted(children.get(root, ()))))]
    while stack:
        node, todo = stack[-1]
        for child in todo:
            if state.get(child) == "open":
                continue  # closes a cycle
            kept.setdefault(node, []).append(child)
            if child not in state:
                state[child] = "open"
                stack.append((child, iter(sorted(children.get(child, ())))))
                break
        else:
            stack.pop()
            state[node] = "done"
            finished.append(node)
    depth = {root: 0}
    for node in reversed(finished):  # every party after all that lead to it
        for child in kept.get(node, ()):
            depth[child] = max(depth.get(child, 0), depth[node] + 1)
    return depth


def parse_filters(min_share: str | None, kinds: str | None, as_of: str | None) -> Filters:
    """Filters from the text of a request (``min_share`` in percent, ``kinds`` comma-separated)."""
    try:
        share = float(min_share) / 100 if min_share not in (None, "") else 0.0
    except ValueError:
        raise ValueError(f"min_share: {shown(min_share)} is not a number") from None
    if not 0.0 <= share <= 1.0:  # also refuses nan and inf
        raise ValueError(f"min_share: {shown(min_share)} is not a percentage from 0 to 100")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise ValueError(f"as_of: {shown(as_of)} is not a date (YYYY-MM-DD)") from None
    if day is not None:
        check_day(day, "as_of:")
    chosen = () if kinds == "none" else (tuple(k for k in (kinds or "").split(",") if k) or EDGE_KINDS)
    return Filters(share, chosen, day)


def entity_by_id(store: Store, entity_id: str) -> Entity:
    """The entity of ``entity_id``; :class:`NotFound` naming the id when there is none."""
    entity = store.get(entity_id)
    if entity is None:
        raise NotFound(f"no entity with id {entity_id!r}")
    return entity


def _marks(store: Store, ids: list[str]) -> dict[str, dict]:
    """What analyze wrote back for ``ids`` that the view colours by."""
    out: dict[str, dict] = {}
    for name in MARKS:
        for i, value in store.results_of(name, ids).items():
            out.setdefault(i, {})[name] = value
    return out


def _event_counts(edges: Edges, ids) -> dict[str, int]:
    wanted = set(ids)
    counts: dict[str, int] = {}
    for e in edges.events:
        if e.entity_id in wanted:
            counts[e.entity_id] = counts.get(e.entity_id, 0) + 1
    return counts

