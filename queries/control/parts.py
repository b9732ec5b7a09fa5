"""The answer drawn whatever the hop limit: a picture of a company's neighbourhood always holds the
whole control chain up to the actual controller and the evidence of each concealment signal.

A two-hop neighbourhood is a fine picture of what sits next to a company, but control often runs
four or five levels up; a page that says "actual controller: X" must show X and the way to X.
"""

from __future__ import annotations

from ...graph.stores.base import Store, Subgraph
from .report import ControlReport


def answer_parts(store: Store, control: ControlReport) -> dict[str, str]:
    """Every entity the control answer rests on, with why: id -> "control chain", "actual
    controller" or "evidence: <signal kind>". The phone or address two parties share is evidence
    too, though the signal names only the parties."""
    why: dict[str, str] = {}
    for controller in control.actual_controllers:
        why[controller] = "actual controller"
    for hop in control.hops:
        for party in (hop.controller, hop.controlled):
            why.setdefault(party, "control chain")
    for chain in control.chains:
        for hop in chain.hops:
            for party in (hop.holder, hop.company):
                why.setdefault(party, "control chain")
    for signal in control.signals:
        for party in signal.entities:
            why.setdefault(party, f"evidence: {signal.kind}")
        if signal.kind == "shared_contact" and len(signal.entities) == 2:
            for contact in shared_contacts(store, *signal.entities):
                why.setdefault(contact, f"evidence: {signal.kind}")
    why.pop(control.entity.id, None)
    return why


def shared_contacts(store: Store, a: str, b: str) -> list[str]:
    """The addresses, phones and e-mails both ``a`` and ``b`` are linked to."""
    links = store.edges_touching([a, b]).links
    of_a = {link.dst for link in links if link.src == a}
    return sorted({link.dst for link in links if link.src == b} & of_a)


def with_answer(store: Store, sub: Subgraph, why: dict[str, str]) -> list[str]:
    """Add to ``sub`` the parts of the answer (:func:`answer_parts`) not drawn yet, with the facts
    among everything drawn; return the ids added (the page marks them as beyond the hop limit)."""
    missing = [i for i in why if i not in sub.entities]
    found = store.get_many(missing)
    if not found:
        return []
    sub.entities.update(found)
    drawn = set(sub.entities)
    inside = store.edges_among(drawn)
    sub.holdings, sub.officers, sub.links, sub.relations = (inside.holdings, inside.officers, inside.links,
                                                            inside.relations)
    sub.events = [e for e in inside.events if e.entity_id in drawn]
    return sorted(found)
