"""Interactive graph pages: a company's neighbourhood drawn with pyvis (vis-network), one HTML
file that works offline, with the control chains highlighted.

pyvis builds the nodes, edges and options; the page itself comes from our own template, which
inlines vis-network (shipped inside pyvis) instead of linking a CDN, and embeds every untrusted
text through Jinja's ``tojson`` (HTML-safe) or autoescaping, never as markup.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ...graph.model import EntityKind
from ...graph.stores.base import Store, Subgraph
from ..control.report import ControlReport, control_report
from ...graph.stores.private_files import open_private
from .. import i18n
from ..i18n import _, lang_tag, role_name
from ..resolve import resolve_entity
from ..control.parts import answer_parts, with_answer

KIND_COLORS = {
    EntityKind.COMPANY: "#1f77b4",
    EntityKind.PERSON: "#e377c2",
    EntityKind.ORGANIZATION: "#2ca02c",
    EntityKind.ADDRESS: "#bcbd22",
    EntityKind.CONTACT: "#17becf",
}
KIND_LABELS = {EntityKind.COMPANY: "company", EntityKind.PERSON: "natural person",
               EntityKind.ORGANIZATION: "other organization", EntityKind.ADDRESS: "address",
               EntityKind.CONTACT: "phone / e-mail"}
RISK_COLOR = "#d62728"
DECLARED_COLOR = "#8c564b"
EVIDENCE_COLOR = "#6a3d9a"  # the parties and the shared phone or address a concealment signal rests on
RELATED_COLORS = {"legal": "#2ca02c", "suspected": "#ff7f0e"}
# A company's fill: its risk tier, or a confirmed case.
TIER_COLORS = {"confirmed": "#67000d", "red": "#d62728", "orange": "#fd8d3c", "yellow": "#fdd835"}
DIRECTED = ("nominee", "control_agreement", "parent", "child")
TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class GraphPage:
    html: str
    nodes: int
    edges: int
    collapsed: dict[str, int]
    truncated: bool

    def _repr_html_(self) -> str:
        """The page inline in a notebook: in a frame of its own, so its script runs as in a browser."""
        import html

        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width: 100%; height: 640px; '
                f'border: 1px solid #ddd" sandbox="allow-scripts"></iframe>')

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        with open_private(path, "w", encoding="utf-8") as f:
            f.write(self.html)
        return path


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    environment.globals["_"] = _
    return environment


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    import pyvis

    lib = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    return (lib / "vis-network.min.js").read_text(encoding="utf-8"), (lib / "vis-network.css").read_text(encoding="utf-8")


def graph_data(sub: Subgraph, control: ControlReport | None, related: dict[str, tuple[str, str]] | None = None,
               risk: dict[str, tuple[float, str, str]] | None = None, answer: dict[str, str] | None = None,
               beyond: Iterable[str] = ()) -> tuple[list[dict], list[dict], dict]:
    """Nodes, edges and options for vis-network, built with pyvis. ``related`` marks the related
    parties: id -> (category, relation); legal ones ringed green, suspected ones dashed orange.
    ``risk``: id -> (score, tier, reason) fills warned companies with their tier's colour.
    ``answer``: id -> why the control answer rests on it (:func:`..control.parts.answer_parts`); those in
    ``beyond`` were drawn although outside the hop limit, and say so."""
    from pyvis.network import Network

    net = Network(directed=True)
    chain_edges, chain_nodes = _chain_of(control)
    answer, beyond = answer or {}, set(beyond)
    evidence = {i for i, why in answer.items() if why.startswith("evidence")}
    events: dict[str, list] = {}
    for e in sub.events:
        events.setdefault(e.entity_id, []).append(e)
    for entity_id, entity in sorted(sub.entities.items()):
        mine = events.get(entity_id, [])
        tie = (related or {}).get(entity_id)
        score, tier, reason = (risk or {}).get(entity_id, (None, "", ""))
        facts = _node_facts(entity, control, mine, tie, (score, tier, reason), answer.get(entity_id), entity_id in beyond)
        fill = TIER_COLORS.get(tier, KIND_COLORS.get(entity.kind, "#999"))
        ring = EVIDENCE_COLOR if entity_id in evidence else (RELATED_COLORS[tie[0]] if tie else fill)
        color = {"background": fill, "border": RISK_COLOR if mine else ring}
        is_party = entity.kind in (EntityKind.COMPANY, EntityKind.PERSON, EntityKind.ORGANIZATION)
        room = 18 if is_party else 12
        label = entity.name if len(entity.name) <= room else entity.name[: room - 1] + "…"
        net.add_node(entity_id, label=label, title="\n".join(facts), color=color,
                     shape="diamond" if entity_id in beyond else "dot", size=28 if entity_id == sub.center else (16 if is_party else 7),
                     borderWidth=4 if mine else (3 if entity_id in chain_nodes or entity_id in evidence or tie else 1),
                     shapeProperties={"borderDashes": [3, 3] if tie and tie[0] == "suspected" else False},
                     beyond=entity_id in beyond, answer=answer.get(entity_id, ""),
                     font={"size": 14 if entity_id == sub.center else (11 if is_party else 8),
                           "color": "#222" if is_party else "#777"})
    _add_edges(net, sub, chain_edges, evidence)
    return net.nodes, net.edges, copy.deepcopy(GRAPH_OPTIONS)


def _chain_of(control: ControlReport | None) -> tuple[set, set]:
    """The edges and nodes of the control answer: every chain up to an actual controller and every hop
    of direct control (where nobody controls, the largest holders' chains are plain holdings)."""
    chain_edges, chain_nodes = set(), set()
    if control is not None:
        for chain in control.chains:
            if chain.top not in control.actual_controllers:
                continue
            for hop in chain.hops:
                chain_edges.add((hop.holder, hop.company))
                chain_nodes.update((hop.holder, hop.company))
        for hop in control.hops:
            chain_nodes.update((hop.controller, hop.controlled))
            chain_edges.add((hop.controller, hop.controlled))
    return chain_edges, chain_nodes


def _node_facts(entity, control: ControlReport | None, mine: list, tie, warned: tuple, why: str | None,
                beyond: bool) -> list[str]:
    """The lines of a node's tooltip: who it is, its events, its tie, its risk, why it is drawn."""
    score, tier, reason = warned
    facts = [entity.name, _(KIND_LABELS.get(entity.kind, entity.kind.value))]
    if entity.reg_no:
        facts.append(f"{_('registration no.')} {entity.reg_no}")
    if entity.status:
        facts.append(f"{_('status')} {entity.status}")
    if entity.founded:
        facts.append(f"{_('founded')} {entity.founded.isoformat()}")
    if control is not None and entity.id in control.actual_controllers:
        facts.append(_("actual controller of {name}").format(name=control.entity.name))
    for e in sorted(mine, key=lambda e: e.date or dt.date.min, reverse=True)[:3]:
        facts.append(f"{e.date.isoformat() if e.date else ''} {_(e.type.value)}: {(e.text or '')[:80]}")
    if tie:
        kind = _("related party") if tie[0] == "legal" else _("suspected link")
        facts.append(f"{kind}: {_(tie[1].replace('_', ' '))}")
    if score is not None:
        # A warning's reason begins with its score and tier already.
        facts.append(f"{_('risk')} {reason[:200]}" if reason and tier
                     else f"{_('risk')} {score:.2f} {_(tier) if tier else ''}".rstrip())
    if why:
        facts.append(_(why) + (" " + _("(drawn beyond the hop limit)") if beyond else ""))
    return facts


def _add_edges(net, sub: Subgraph, chain_edges: set, evidence: set) -> None:
    """Holdings, officer roles, links to contacts and declared ties; the control chain in red."""
    for hub, hidden in sorted(sub.collapsed.items()):
        more = f"more:{hub}"
        net.add_node(more, label=_("+{count} more").format(count=hidden),
                     title=_("{count} more neighbours not drawn").format(count=hidden),
                     color={"background": "#eeeeee", "border": "#aaaaaa"}, shape="box", size=10)
        net.add_edge(hub, more, color="#bbbbbb", dashes=True, arrows="")
    for h in sub.holdings:
        in_chain = (h.holder_id, h.company_id) in chain_edges
        net.add_edge(h.holder_id, h.company_id, label=h.share.describe(), arrows="to",
                     title=_("holds {share} ({interest})").format(share=h.share.describe(), interest=_(h.interest.value)),
                     color=RISK_COLOR if in_chain else "#7f7f7f", width=4 if in_chain else 1.5,
                     font={"size": 10, "align": "middle"})
    for o in sub.officers:
        net.add_edge(o.person_id, o.company_id, label=role_name(o.role), arrows="to", title=role_name(o.role), color="#9467bd",
                     dashes=True, width=1, font={"size": 9, "color": "#9467bd"})
    for link in sub.links:
        shown_as_evidence = link.src in evidence and link.dst in evidence
        net.add_edge(link.src, link.dst, color=EVIDENCE_COLOR if shown_as_evidence else "#999999",
                     dashes=[2, 4], width=2.5 if shown_as_evidence else 1, arrows="")
    for r in sub.relations:
        in_chain = (r.a, r.b) in chain_edges
        tie_name = _(r.type.value.replace("_", " "))
        net.add_edge(r.a, r.b, label=tie_name, title=_("declared: {tie}").format(tie=tie_name),
                     color=RISK_COLOR if in_chain else DECLARED_COLOR, dashes=[8, 4], width=4 if in_chain else 2,
                     arrows="to" if r.type.value in DIRECTED else "",
                     font={"size": 9, "color": DECLARED_COLOR})


GRAPH_OPTIONS = {
    "physics": {"solver": "barnesHut", "barnesHut": {"gravitationalConstant": -6000, "springLength": 140},
                "stabilization": {"enabled": True, "iterations": 200, "updateInterval": 25, "fit": True}},
    "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False},
    "edges": {"smooth": {"type": "dynamic"}},
    "nodes": {"font": {"face": "Noto Sans CJK SC, Microsoft YaHei, Arial"}},
}


def render_graph(sub: Subgraph, control: ControlReport | None, title: str, subtitle: str, height: str = "78vh",
                 template: str = "graph.html", related: dict | None = None, risk: dict | None = None,
                 answer: dict | None = None, beyond: Iterable[str] = (), **extra) -> str:
    nodes, edges, options = graph_data(sub, control, related, risk, answer, beyond)
    legend = _kind_legend() + [(_("confirmed case") if tier == "confirmed" else _("risk tier {tier}").format(tier=_(tier)), c)
                               for tier, c in TIER_COLORS.items()]
    return _render(template, title, subtitle, nodes, edges, options, legend, height, **extra)


def _kind_legend() -> list[tuple[str, str]]:
    return [(_(KIND_LABELS[k]), c) for k, c in KIND_COLORS.items()]


def _render(template: str, title: str, subtitle: str, nodes, edges, options, legend, height: str, **extra) -> str:
    """A page of ``template`` with vis-network inlined, in the language in force."""
    vis_js, vis_css = _vis_assets()
    return _environment().get_template(template).render(
        title=title, subtitle=subtitle, nodes=nodes, edges=edges, options=options, legend=legend, lang=lang_tag(),
        vis_js=_safe(vis_js), vis_css=_safe(vis_css), height=height, **extra)


def risk_marks(store: Store, ids) -> dict[str, tuple[float, str, str]]:
    """The risk analyze wrote back for ``ids``: id -> (score, tier, reason)."""
    ids = list(ids)
    scores = store.results_of("risk_score", ids)
    reasons: dict = {}
    for name in reversed(i18n.said_as("risk_reason")):  # the one to read first read last, over the others
        reasons.update(store.results_of(name, scores))
    tiers = store.results_of("risk_tier", scores)
    return {i: (float(s), tiers.get(i, ""), reasons.get(i, "")) for i, s in scores.items()}


def _safe(text: str):
    from markupsafe import Markup

    # The vis-network bundle is our own shipped asset, not data: it goes in as it is.
    return Markup(text)


def cluster_page(store: Store, name: str, max_nodes: int = 150, as_of: dt.date | None = None) -> GraphPage:
    """The page of the whole cluster the entity ``name`` resolves to (its best connected parties
    first where it is larger than ``max_nodes``)."""
    from ..relations.groups import find_cluster

    entity, cluster, arrays = find_cluster(store, name, as_of=as_of)
    central = [arrays.ids[m] for m in cluster.central]
    members = list(dict.fromkeys([entity.id, *central, *(arrays.ids[m] for m in cluster.members)]))[:max_nodes]
    # The addresses and phones that tie them are drawn too, where there is room.
    edges = store.edges_touching(members)
    places = [link.dst for link in edges.links if link.src in set(members)]
    shown = list(dict.fromkeys(members + places))[: max_nodes + max_nodes // 2]
    inside = store.edges_among(shown)
    sub = Subgraph(center=entity.id, entities=store.get_many(shown), depth={i: 0 for i in shown},
                   holdings=[h for h in inside.holdings if h.in_force(as_of)],
                   officers=[o for o in inside.officers if o.in_force(as_of)], links=inside.links,
                   events=[e for e in inside.events if e.entity_id in set(shown)], relations=inside.relations,
                   truncated=len(cluster.members) > len(members))
    cut = f" (the {len(members)} best connected of {cluster.size})" if sub.truncated else ""
    links = ", ".join(f"{k} {v}" for k, v in cluster.links.items())
    html = render_graph(sub, None, f"Cluster {cluster.id}", f"{cluster.size} parties{cut} · held together by {links}",
                        risk=risk_marks(store, sub.entities))
    return GraphPage(html, len(sub.entities), len(sub.holdings) + len(sub.officers) + len(sub.links) + len(sub.relations),
                     {}, sub.truncated)


def _related_marks(store: Store, entity, as_of) -> dict | None:
    """The related parties to mark on a page, where analyze has written what they rest on."""
    from ..relations.related import related_parties
    from ..relations.standing import analyzed

    if entity.kind is EntityKind.PERSON or not analyzed(store, as_of):
        return None
    return {p.entity_id: (p.category, p.relation) for p in related_parties(store, entity.id, as_of).parties}


def graph_page(store: Store, name: str, depth: int = 2, max_nodes: int = 150, max_degree: int = 25,
               as_of: dt.date | None = None) -> GraphPage:
    """The interactive page of the neighbourhood of the company ``name`` resolves to."""
    if depth < 1 or depth > 4:
        raise ValueError(f"depth must be from 1 to 4, got {depth}")
    entity = resolve_entity(store, name)
    sub = store.neighbourhood(entity.id, depth=depth, max_nodes=max_nodes, max_degree=max_degree)
    control = control_report(store, entity.id, as_of=as_of) if entity.kind is not EntityKind.PERSON else None
    answer = answer_parts(store, control) if control is not None else {}
    within = len(sub.entities)
    beyond = with_answer(store, sub, answer)
    cut = _(" (node cap reached)") if sub.truncated else ""
    subtitle = (f"{entity.id} · " + _("{count} entities within {depth} hops").format(count=within, depth=depth) + cut
                + (" · " + _("{count} more drawn beyond them: the control chain and the evidence of the signals")
                   .format(count=len(beyond)) if beyond else "")
                + (" · " + _("actual controller: {names}").format(
                    names=", ".join(control.name(i) for i in control.actual_controllers))
                   if control is not None and control.actual_controllers else "")
                + (" · " + _("control {verdict}").format(verdict=_(control.verdict))
                   if control is not None and not control.actual_controllers else "")
                + (f" · {control.register.describe()}" if control is not None and control.register is not None else ""))
    related = _related_marks(store, entity, as_of)
    if related is None:
        subtitle += " · " + _("run equitygraph analyze to mark related parties")
    risk = risk_marks(store, sub.entities)
    if entity.id in risk:
        score, tier, _reason = risk[entity.id]
        subtitle += " · " + _("risk {score}").format(score=f"{score:.2f}{' ' + _(tier) if tier else ''}")
    html = render_graph(sub, control, f"{entity.name}", subtitle, related=related, risk=risk, answer=answer,
                        beyond=beyond)
    return GraphPage(html, len(sub.entities) + len(sub.collapsed),
                     len(sub.holdings) + len(sub.officers) + len(sub.links) + len(sub.collapsed),
                     sub.collapsed, sub.truncated)


def tree_page(store: Store, name: str, up: int = 3, down: int = 1, as_of: dt.date | None = None) -> GraphPage:
    """The penetration tree (股权穿透图) of the entity ``name`` resolves to: holders ``up`` levels
    above, investments ``down`` levels below, the share on each edge and under each holder its
    integrated stake in the entity (every path)."""
    from ..explore import tree

    entity = resolve_entity(store, name)
    data = tree(store, entity.id, as_of=as_of, up=up, down=down)
    nodes = []
    for n in data["nodes"]:
        stake = ""
        if "stake_high" in n:
            low, high = n["stake_low"] * 100, n["stake_high"] * 100
            stake = f"\n{low:.2f} %" if abs(high - low) < 0.005 else f"\n{low:.2f}-{high:.2f} %"
        label = n["name"] if len(n["name"]) <= 18 else n["name"][:17] + "…"
        if n.get("controller"):  # tagged as in the explorer: the answer is the first thing read
            label = "★ " + _("actual controller") + "\n" + label
        colour = RISK_COLOR if n.get("controller") else KIND_COLORS.get(EntityKind(n["kind"]), "#999")
        nodes.append({"id": n["id"], "label": label + stake, "level": n["level"], "shape": "box",
                      "title": f"{n['name']} ({n['id']})" + (f"\nintegrated stake{stake}" if stake else ""),
                      "color": {"background": "#ffffff", "border": colour},
                      "borderWidth": 3 if n["id"] == entity.id or n.get("controller") else 1.5,
                      "font": {"size": 13 if n["id"] == entity.id else 11}})
    path = {tuple(pair) for pair in data["chain"]}
    edges = [{"from": e["from"], "to": e["to"], "label": e["label"], "arrows": "to",
              "color": RISK_COLOR if (e["from"], e["to"]) in path else "#7f7f7f",
              "width": 3 if (e["from"], e["to"]) in path else 1,
              "title": _("holds {share} ({interest})").format(share=e["label"], interest=_(e["interest"])),
              "font": {"size": 10, "align": "middle"}} for e in data["edges"]]
    options = {"layout": {"hierarchical": {"enabled": True, "direction": "UD", "sortMethod": "directed",
                                           "levelSeparation": 120, "nodeSpacing": 170}},
               "physics": {"enabled": False}, "interaction": {"hover": True},
               "edges": {"smooth": {"type": "cubicBezier", "forceDirection": "vertical"}},
               "nodes": {"font": {"face": "Noto Sans CJK SC, Microsoft YaHei, Arial"}}}
    more = sum(data["more"].values())
    subtitle = (f"{entity.id} · " + _("holders {up} levels above, investments {down} below; the share on each edge, "
                                      "each holder's integrated stake under its name").format(up=up, down=down)
                + (" · " + _("{count} more not drawn").format(count=more) if more else ""))
    html = _render("graph.html", entity.name, subtitle, nodes, edges, options, _kind_legend(), "78vh")
    return GraphPage(html, len(nodes), len(edges), {}, False)
