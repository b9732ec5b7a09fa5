"""Addresses and phones as leads: the parties registered at one address or under one phone or e-mail,
and finding the address or phone an investigator types, however it is spaced or written (issue 29)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..graph.errors import EquityGraphError
from ..graph.model import Entity, EntityKind, address_id, contact_id
from ..graph.stores.base import SearchHit, Store
from .i18n import _
from .relations.related import BUSY_CONTACT as BUSY
from .render import Result, Section, iso

CONTACT_KINDS = (EntityKind.ADDRESS, EntityKind.CONTACT)
#: The tiers of a party at risk, the gravest first: the order of the list of who shares a contact.
AT_RISK = ("confirmed", "red", "orange", "yellow")


def contact_hits(store: Store, text: str) -> list[SearchHit]:
    """The address and the phone or e-mail written as ``text``, where the store has them: the same
    node the loaders make (width, spaces and case do not matter; a phone is compared by its digits).

    Examples
    --------
    >>> from equitygraph.graph.stores.sqlite import SQLiteStore
    >>> with SQLiteStore(":memory:") as s:
    ...     with s.writer() as w:
    ...         w.add_many([Entity(contact_id("010-8888 6666"), EntityKind.CONTACT, "010-8888 6666")])
    ...     [(h.entity.name, h.how) for h in contact_hits(s, "01088886666")]
    [('010-8888 6666', 'contact')]
    """
    text = text.strip()
    if not text:
        return []
    found = store.get_many([address_id(text), contact_id(text)])
    return [SearchHit(e, e.name, e.kind.value, 1.0) for e in found.values() if e.kind in CONTACT_KINDS]


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    kind: str
    since: str | None
    until: str | None
    risk_tier: str | None
    group: str | None


@dataclass
class SharedContact(Result):
    contact: Entity
    tenants: list[Tenant]

    @property
    def busy(self) -> bool:
        return len(self.tenants) > BUSY

    def to_dict(self) -> dict:
        return {"id": self.contact.id, "name": self.contact.name, "kind": self.contact.kind.value,
                "parties": len(self.tenants), "likely_registration_agent": self.busy,
                "registered": [t.__dict__ for t in self.tenants]}

    def records(self) -> list[dict]:
        return [t.__dict__ for t in self.tenants]

    def sections(self) -> list[Section]:
        what = _("address") if self.contact.kind is EntityKind.ADDRESS else _("phone / e-mail")
        note = _("more than {n} parties: most likely a registration agent's, which says little about any one of "
                 "them").format(n=BUSY) if self.busy else ""
        rows = [(f"{t.name} ({t.id})", _(t.kind), t.since, t.until, _(t.risk_tier) if t.risk_tier else "", t.group or "")
                for t in self.tenants]
        return [Section(_("Registered at {what} {name}: {n} parties").format(what=what, name=self.contact.name,
                                                                              n=len(self.tenants)),
                        ["party", "kind", "since", "until", "risk", "enterprise group"], rows, note=note)]


def who_shares(store: Store, contact: str, as_of: dt.date | None = None) -> SharedContact:
    """Every party registered at the address, phone or e-mail ``contact`` (its id, or its text as
    written), those at risk first, then by name."""
    entity = store.get(contact)
    if entity is None:
        hits = contact_hits(store, contact)
        entity = hits[0].entity if hits else None
    if entity is None or entity.kind not in CONTACT_KINDS:
        raise EquityGraphError(f"no address, phone or e-mail {contact!r} is on record")
    links = [link for link in store.edges_touching([entity.id]).links if link.dst == entity.id and link.in_force(as_of)]
    parties = store.get_many({link.src for link in links})
    tiers = store.results_of("risk_tier", list(parties))
    groups = store.results_of("group", list(parties))
    tenants = [Tenant(p.id, p.name, p.kind.value, iso(link.since), iso(link.until), tiers.get(p.id), groups.get(p.id))
               for link in links if (p := parties.get(link.src)) is not None]
    tenants.sort(key=lambda t: (AT_RISK.index(t.risk_tier) if t.risk_tier in AT_RISK else len(AT_RISK), t.name, t.id))
    return SharedContact(entity, tenants)
