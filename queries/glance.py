"""The answer first: a few lines on top of an entity's page saying who controls it, how sure that is,
its risk and where it belongs, or, for a holder, what it holds and controls (issue 29). Read from the
company report's data and from what ``analyze`` wrote; nothing is computed again."""

from __future__ import annotations

from ..graph.model import Entity, EntityKind
from ..graph.stores.base import Store
from . import i18n
from .contacts import AT_RISK, SharedContact
from .i18n import _

SHOWN = 5  # names listed before "and N more"
#: A natural person holding stakes in this many companies or more may hold them for others (risk.toml's
#: nominee_stakes).
NOMINEE_STAKES = 10


def at_a_glance(store: Store, entity: Entity, data: dict) -> dict:
    """The section of lines on top of ``entity``'s page, ``data`` being its company report's JSON."""
    results = data.get("results") or {}
    rows = []
    control = data.get("control")
    if control is not None:
        controllers = control["actual_controllers"]
        known = ", ".join(f"{p['name']} ({p['id']})" for p in controllers)
        why = control["ultimate_controller"]["why_unknown"]
        rows.append((_("actual controller"), known or (_(control["verdict"]) + (f": {why}" if why else ""))))
        parent = [p for p in control["controlling_parent"] if p not in controllers]
        if parent:
            rows.append((_("controlling parent"), ", ".join(f"{p['name']} ({p['id']})" for p in parent)))
        rows.append((_("verdict"), _(control["verdict"])))
        if control.get("declared"):  # beside what is computed, what the registers say (BODS, GLEIF, vendors)
            rows.append((_("declared by the registers"), _listed([
                f"{d['party']['name']} ({d['party']['id']}) {_(d['type'].replace('_', ' '))}"
                + (f" {d['share']}" if d.get("share") else "") for d in control["declared"]])))
    if entity.kind is EntityKind.COMPANY:
        rows.append((_("risk"), _risk(results)))
        rows.append((_("risk events"), str(len(data.get("events") or []))))
    if data.get("listed"):  # the party itself or those around it on a sanctions, PEP or wanted list
        rows.append((_("on lists"), _listed([f"{o['name']} ({o['party']}) {_(o['category'])}, {_(o['status'])}"
                                             for o in data["listed"]])))
    if results.get("group_size"):
        rows.append((_("enterprise group"), _("{count} companies").format(count=results["group_size"])))
    if results.get("cluster_size"):
        rows.append((_("cluster"), _("{count} parties ({id})").format(count=results["cluster_size"], id=results["cluster"])))
    if entity.kind is not EntityKind.COMPANY:
        rows += _holder_lines(store, entity, data)
    return _section(rows)


def contact_at_a_glance(shared: SharedContact) -> dict:
    """The lines on top of an address's or a phone's page: how many are registered there, who of them
    is at risk, and whether it is most likely a registration agent's."""
    rows = [(_("parties registered here"), str(len(shared.tenants)))]
    at_risk = [t for t in shared.tenants if t.risk_tier in AT_RISK]
    if at_risk:
        rows.append((_("at risk"), ", ".join(f"{t.name} ({t.id}) {_(t.risk_tier)}" for t in at_risk[:SHOWN])))
    if shared.busy:
        rows.append((_("note"), shared.sections()[0].note))
    return _section(rows)


def _section(rows: list[tuple[str, str]]) -> dict:
    return {"title": _("At a glance"), "columns": ["", ""], "rows": [list(r) for r in rows], "note": "",
            "empty": "", "glance": True}


def _risk(results: dict) -> str:
    tier, score = results.get("risk_tier"), results.get("risk_score")
    if score is None:
        return _("not scored yet (equitygraph analyze scores every company)")
    head = f"{score:.2f} " + _(tier or "below yellow")
    reason = i18n.said(results, "risk_reason")
    return f"{head}: {reason}" if reason else head


def _holder_lines(store: Store, entity: Entity, data: dict) -> list[tuple[str, str]]:
    held = sorted({row["company_id"]: row["company_name"] for row in data.get("holdings") or []}.items())
    controlled = sorted(set(store.entities_with_result("controller", entity.id))
                        | set(store.entities_with_result("controller_partner", entity.id)))
    names = {i: e.name for i, e in store.get_many(controlled[:SHOWN]).items()}
    lines = [(_("holds stakes in"), _listed([f"{n} ({i})" for i, n in held]))]
    if controlled:
        lines.append((_("actual controller of"), _listed([f"{names.get(i, i)} ({i})" for i in controlled])))
    if entity.kind is EntityKind.PERSON and len(held) >= NOMINEE_STAKES:
        lines.append((_("note"), _("stakes in {count} companies: a professional nominee may hold them for others")
                      .format(count=len(held))))
    return lines


def _listed(items: list[str]) -> str:
    if not items:
        return _("none")
    more = len(items) - SHOWN
    return ", ".join(items[:SHOWN]) + (_(" and {count} more").format(count=more) if more > 0 else "")
