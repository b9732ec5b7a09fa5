"""The report on one named company (or person, or organization): profile, holders, holdings,
officers, contacts shared with others, risk events, and who stands above it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..graph.model import Entity, EntityKind, Holding, LinkKind, effective_day
from ..graph.stores.base import Store
from . import i18n
from .i18n import N_, _, known, role_name
from .render import Result, Section, iso
from .resolve import resolve_entity

UPSTREAM_DEPTH = 4
UPSTREAM_ROWS = 40


@dataclass(frozen=True)
class HoldingRow:
    holder_id: str
    holder_name: str
    company_id: str
    company_name: str
    share: str
    share_low: float | None
    share_high: float | None
    interest: str
    since: str | None
    until: str | None
    current: bool
    source: str | None = None  # where the fact comes from: file and line, or record id


@dataclass(frozen=True)
class RoleRow:
    person_id: str
    person_name: str
    company_id: str
    company_name: str
    role: str
    since: str | None
    until: str | None
    title: str | None = None  # as the register wrote it


@dataclass(frozen=True)
class ContactRow:
    kind: str  # "address" or "contact"
    text: str
    shared_with: int  # how many other parties registered the same address / phone
    id: str = ""  # the address's or phone's node (equitygraph shared ID lists who shares it)


@dataclass(frozen=True)
class EventRow:
    type: str
    date: str | None
    severity: int | None
    text: str | None
    source: str | None


@dataclass(frozen=True)
class UpstreamRow:
    level: int  # 1 = direct holder of the company, 2 = holder of a holder, ...
    holder_id: str
    holder_name: str
    holder_kind: str
    company_id: str
    share: str
    integrated: str = ""  # the holder's integrated stake in the company reported on, over every path


@dataclass
class CompanyReport(Result):
    entity: Entity
    as_of: dt.date
    holders: list[HoldingRow] = field(default_factory=list)
    holdings: list[HoldingRow] = field(default_factory=list)
    officers: list[RoleRow] = field(default_factory=list)
    roles: list[RoleRow] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    upstream: list[UpstreamRow] = field(default_factory=list)
    upstream_truncated: bool = False
    results: dict[str, Any] = field(default_factory=dict)
    control: Any = None  # a ControlReport for companies and organizations
    listed: list = field(default_factory=list)  # OnList rows: the entity and the parties around it on lists
    listed_how: dict[str, str] = field(default_factory=dict)  # party -> what it is to the entity

    def to_dict(self) -> dict:
        e = self.entity
        return {
            "entity": {
                "id": e.id, "kind": e.kind.value, "name": e.name, "aliases": list(e.aliases), "reg_no": e.reg_no,
                "jurisdiction": e.jurisdiction, "status": e.status, "founded": iso(e.founded),
                "registered_capital": e.registered_capital, "paid_in_capital": e.paid_in_capital,
                "currency": e.currency, "industry": e.industry, "business_scope": e.business_scope,
            },
            "as_of": self.as_of.isoformat(),
            "holders": [r.__dict__ for r in self.holders],
            "holdings": [r.__dict__ for r in self.holdings],
            "officers": [r.__dict__ for r in self.officers],
            "roles": [r.__dict__ for r in self.roles],
            "contacts": [r.__dict__ for r in self.contacts],
            "events": [r.__dict__ for r in self.events],
            "upstream": [r.__dict__ for r in self.upstream],
            "upstream_truncated": self.upstream_truncated,
            "results": self.results,
            "control": self.control.to_dict() if self.control is not None else None,
            "listed": [{**o.__dict__, "relation": self.listed_how.get(o.party)} for o in self.listed],
        }

    def risk_section(self) -> Section:
        """The illegal-fundraising risk analyze wrote back: score, tier and the largest reasons."""
        r = self.results
        if "risk_score" not in r:
            return Section(_("Risk of illegal fundraising"), ["", ""], [],
                           empty="not scored yet: run equitygraph analyze (or equitygraph risk NAME)")
        tier = r.get("risk_tier")
        rows = [(_("score"), f"{r['risk_score']:.2f}"),
                (_("tier"), _("a confirmed case") if tier == "confirmed" else (_(tier) if tier else _("no warning")))]
        why = i18n.said(r, "risk_reason")
        if why:
            rows.append((_("why"), why))
        return Section(_("Risk of illegal fundraising"), ["", ""], rows,
                       note=_("as of the last analyze; equitygraph risk NAME explains it in full"))

    def records(self) -> list[dict]:
        """Direct holders and holdings, one record each, told apart by ``relation``."""
        return ([{"relation": "holder", **r.__dict__} for r in self.holders]
                + [{"relation": "holding", **r.__dict__} for r in self.holdings])

    def sections(self) -> list[Section]:
        e = self.entity
        profile = [
            ("name", e.name), ("id", e.id), ("kind", _(e.kind.value)), ("aliases", " | ".join(e.aliases)),
            ("registration no.", e.reg_no), ("jurisdiction", e.jurisdiction), ("status", e.status),
            ("founded", iso(e.founded)), ("registered capital", _money(e.registered_capital, e.currency)),
            ("paid-in capital", _money(e.paid_in_capital, e.currency)), ("industry", e.industry),
            ("business scope", e.business_scope),
        ]
        sections = [Section(f"{e.name} ({_(e.kind.value)})", ["field", "value"],
                            [(_(label), value) for label, value in profile if value])]
        if self.control is not None:
            sections.extend(self.control.sections())
        if e.kind is EntityKind.COMPANY:
            sections.append(self.risk_section())
        if self.listed:
            from .listed import listed_section

            sections.append(listed_section(self.listed, self.listed_how))
        if e.kind is not EntityKind.PERSON:
            sections.append(Section(
                _("Direct holders"), ["holder", "id", "share", "interest", "since", "until", "source"],
                [(r.holder_name, r.holder_id, known(r.share), _(r.interest), r.since, r.until, r.source or "")
                 for r in self.holders],
            ))
        sections.append(Section(
            _("Direct holdings"), ["company", "id", "share", "interest", "since", "until", "source"],
            [(r.company_name, r.company_id, known(r.share), _(r.interest), r.since, r.until, r.source or "")
             for r in self.holdings],
        ))
        if self.upstream:
            sections.append(Section(
                _("Ownership above (current holdings)"), ["level", "holder", "id", "kind", "holds", "of", "owns in all"],
                [(r.level, r.holder_name, r.holder_id, _(r.holder_kind), r.share, r.company_id, r.integrated)
                 for r in self.upstream],
                note=_("stopped at the row limit") if self.upstream_truncated else "",
            ))
        if self.officers:
            sections.append(Section(_("Officers"), ["person", "id", "role", "since", "until"],
                                    [(r.person_name, r.person_id, _role(r), r.since, r.until) for r in self.officers]))
        if self.roles:
            sections.append(Section(_("Roles held"), ["company", "id", "role", "since", "until"],
                                    [(r.company_name, r.company_id, _role(r), r.since, r.until) for r in self.roles]))
        sections.append(Section(_("Registered addresses and contacts"), ["kind", "value", "shared with"],
                                [(_(r.kind), r.text, r.shared_with) for r in self.contacts]))
        sections.append(Section(_("Risk events"), ["date", "type", "severity", "text", "source"],
                                [(r.date, _(r.type), r.severity, r.text, r.source) for r in self.events]))
        return sections


def company_report(store: Store, name: str, as_of: dt.date | None = None) -> CompanyReport:
    """The report on the entity ``name`` resolves to (see :func:`resolve_entity`)."""
    entity = resolve_entity(store, name)
    store = store.around(entity.id)
    day = effective_day(as_of)
    edges = store.edges_touching([entity.id])
    others = {h.holder_id for h in edges.holdings} | {h.company_id for h in edges.holdings}
    others |= {o.person_id for o in edges.officers} | {o.company_id for o in edges.officers}
    others |= {link.dst for link in edges.links}
    names = {i: e.name for i, e in store.get_many(others).items()}
    names[entity.id] = entity.name

    def holding_row(h: Holding) -> HoldingRow:
        return HoldingRow(h.holder_id, names.get(h.holder_id, h.holder_id), h.company_id,
                          names.get(h.company_id, h.company_id), h.share.describe(), h.share.low, h.share.high,
                          h.interest.value, iso(h.since), iso(h.until), h.valid_on(day), h.source)

    def by_share(row: HoldingRow):
        return (not row.current, -(row.share_high if row.share_high is not None else -1), row.holder_id, row.company_id)

    report = CompanyReport(entity=entity, as_of=day)
    report.holders = sorted((holding_row(h) for h in edges.holdings if h.company_id == entity.id), key=by_share)
    report.holdings = sorted((holding_row(h) for h in edges.holdings if h.holder_id == entity.id), key=by_share)
    for o in edges.officers:
        row = RoleRow(o.person_id, names.get(o.person_id, o.person_id), o.company_id,
                      names.get(o.company_id, o.company_id), o.role, iso(o.since), iso(o.until), o.title)
        (report.officers if o.company_id == entity.id else report.roles).append(row)
    contact_links = [link for link in edges.links if link.src == entity.id]
    if contact_links:
        sharing = store.edges_touching([link.dst for link in contact_links]).links
        for link in contact_links:
            shared = len({s.src for s in sharing if s.dst == link.dst and s.src != entity.id})
            kind = "address" if link.kind is LinkKind.LOCATED_AT else "contact"
            report.contacts.append(ContactRow(kind, names.get(link.dst, link.dst), shared, link.dst))
    report.events = [EventRow(e.type.value, iso(e.date), e.severity, e.text, e.source)
                     for e in sorted(edges.events, key=lambda e: (e.date or dt.date.min), reverse=True)]
    report.upstream, report.upstream_truncated = _upstream(store, entity.id, day)
    report.results = store.results_for(entity.id)
    if entity.kind in (EntityKind.COMPANY, EntityKind.ORGANIZATION):
        from dataclasses import replace

        from .control.answer import span
        from .control.report import control_report

        report.control = control_report(store, entity.id, as_of=as_of)
        stakes = report.control.stakes
        report.upstream = [replace(r, integrated=span(*stakes[r.holder_id]) if r.holder_id in stakes else "")
                           for r in report.upstream]
    _listed(store, report)
    return report


def _listed(store: Store, report: CompanyReport) -> None:
    """The entity, its holders above it, its officers and controllers that are on lists."""
    from .listed import on_lists

    how = {r.holder_id: N_("holds shares above") for r in report.upstream}
    how.update({r.holder_id: N_("holder") for r in report.holders if r.current})
    how.update({r.person_id: N_("officer") for r in report.officers if r.until is None})
    if report.control is not None:
        how.update(dict.fromkeys(report.control.actual_controllers, N_("actual controller")))
    how[report.entity.id] = N_("itself")
    report.listed = on_lists(store, how)
    report.listed_how = how


def _upstream(store: Store, company_id: str, day: dt.date) -> tuple[list[UpstreamRow], bool]:
    """Holders of the company, their holders, and so on, breadth first, current holdings only."""
    rows: list[UpstreamRow] = []
    seen = {company_id}
    frontier = [company_id]
    for level in range(1, UPSTREAM_DEPTH + 1):
        if not frontier:
            break
        position = {company: i for i, company in enumerate(frontier)}
        holdings = [h for h in store.edges_touching(frontier).holdings
                    if h.company_id in position and h.valid_on(day)]
        holdings.sort(key=lambda h: (position[h.company_id], -(h.share.high or 0), h.holder_id))
        entities = store.get_many({h.holder_id for h in holdings})
        next_frontier = []
        for h in holdings:
            if len(rows) >= UPSTREAM_ROWS:
                return rows, True
            holder = entities[h.holder_id]
            rows.append(UpstreamRow(level, h.holder_id, holder.name, holder.kind.value, h.company_id, h.share.describe()))
            if h.holder_id not in seen and holder.kind is not EntityKind.PERSON:
                seen.add(h.holder_id)
                next_frontier.append(h.holder_id)
        frontier = next_frontier
    return rows, False



def _money(amount: float | None, currency: str | None) -> str | None:
    if amount is None:
        return None
    return f"{amount:,.0f} {currency or ''}".strip()


def _role(row: RoleRow) -> str:
    """The standard role in words, with the title as the register wrote it where that says more."""
    name = role_name(row.role)
    return f"{name} ({row.title})" if row.title and row.title != name else name
