"""The self-contained case report: one HTML file an investigator can attach to a case file."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

from ... import __version__
from ...graph.model import EntityKind
from ...graph.stores.base import Store
from ..company import company_report
from ..i18n import _
from ..control.parts import answer_parts, with_answer
from .graph_page import GraphPage, render_graph, risk_marks


def case_report(store: Store, name: str, as_of: dt.date | None = None, depth: int = 2) -> GraphPage:
    """Profile, controllers and chains, beneficial owners, concealment signals, the embedded graph,
    the holders and holdings, officers, contacts and risk events, and where the data came from."""
    report = company_report(store, name, as_of=as_of)
    entity = report.entity
    sub = store.neighbourhood(entity.id, depth=depth, max_nodes=150, max_degree=25)
    answer = answer_parts(store, report.control) if report.control is not None else {}
    beyond = with_answer(store, sub, answer)
    sections = report.sections()
    graph_after = 1 + (len(report.control.sections()) if report.control is not None else 0)
    if entity.kind is not EntityKind.PERSON:
        # Which companies belong with it, and why: in law, then the suspected links, kept apart.
        from ..relations.related import related_parties

        related = related_parties(store, entity.id, as_of)
        sections[graph_after:graph_after] = related.sections()
        graph_after += len(related.sections())
        marks = {p.entity_id: (p.category, p.relation) for p in related.parties}
    else:
        marks = None
    membership = [(label, report.results[key]) for label, key in ((_("enterprise group of"), "group"), (_("cluster"), "cluster"))
                  if key in report.results]
    sources = Counter(h.source for h in store.edges_touching([entity.id]).holdings if h.source)
    last_load = json.loads(store.get_meta("last_load") or "{}")
    provenance = [
        # The folder's name, not where it sits on this machine (a report travels with the case file).
        (_("data loaded from"), Path(last_load["source"]).name if last_load.get("source") else _("unknown")),
        (_("data loaded at"), last_load.get("loaded_at", _("unknown"))),
        (_("sources of the holdings shown"), ", ".join(f"{s} ({n})" for s, n in sources.most_common()) or _("not given")),
        (_("as of"), as_of.isoformat() if as_of else _("current records (no end date)")),
    ]
    kind = _(entity.kind.value)
    risk = risk_marks(store, sub.entities)
    score, tier, _reason = risk.get(entity.id, (None, "", ""))
    subtitle = (f"{kind} {entity.id}" + (f" · {entity.reg_no}" if entity.reg_no else "")
                + "".join(f" · {label} {value}" for label, value in membership)
                + (" · " + _("risk {score}").format(score=f"{score:.2f}{' ' + _(tier) if tier else ''}")
                   if score is not None else ""))
    html = render_graph(sub, report.control, entity.name, subtitle, height="560px", template="report.html", related=marks,
                        risk=risk, answer=answer, beyond=beyond,
                        sections=sections, graph_after=graph_after, provenance=provenance, version=__version__,
                        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    return GraphPage(html, len(sub.entities), len(sub.holdings) + len(sub.officers) + len(sub.links),
                     sub.collapsed, sub.truncated)
