"""Watchlists kept in the store, and the alerts an investigator acts on: the changes (see
:mod:`.changes`) at a watched entity or within its hops, ranked by severity, each with its reason."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from ..graph.errors import EquityGraphError
from ..graph.stores.base import Store
from .changes import MAX_HOPS, ChangeReport, change_row, changes_at, within
from .i18n import N_, _
from .render import Result, Section
from .resolve import resolve_entity

META_KEY = "watchlists"
DEFAULT_LIST = "default"
SEVERITY = {"controller_changed": 5, "beneficial_owner_changed": 4, "legal_representative_changed": 4,
            "share_changed": 3, "holder_out": 3, "risk_event": 3, "holder_in": 2, "address_changed": 2,
            "contact_changed": 2, "risk_tier_changed": 3, "group_changed": 2, "cluster_changed": 2, "officer_in": 1,
            "officer_out": 1, "possible_listing": 4}
N_("possible listing")  # the change's name in an alert's reason
EVENT_SEVERITY = {"confirmed_case": 5, "court_case": 4, "penalty": 4, "sanctioned": 5, "wanted": 5, "pep": 3}


def watchlists(store: Store) -> dict[str, dict[str, dict]]:
    """list name -> entity id -> {"name", "hops", "added"}."""
    return json.loads(store.get_meta(META_KEY) or "{}")


@dataclass
class WatchReport(Result):
    lists: dict[str, dict[str, dict]]
    said: str = ""

    def to_dict(self) -> dict:
        return {"lists": self.lists}

    def records(self) -> list[dict]:
        return [{"list": name, "id": i, **entry} for name, entries in sorted(self.lists.items())
                for i, entry in sorted(entries.items())]

    def sections(self) -> list[Section]:
        return [Section(self.said or _("Watchlists"), ["list", "id", "name", "hops", "added"],
                        [(r["list"], r["id"], r["name"], r["hops"], r["added"]) for r in self.records()],
                        empty="nothing watched")]


def watch_add(store: Store, name: str, list_name: str = DEFAULT_LIST, hops: int = 2) -> WatchReport:
    if not 0 <= hops <= MAX_HOPS:
        raise ValueError(f"hops must be from 0 to {MAX_HOPS}, got {hops}")
    entity = resolve_entity(store, name)
    lists = watchlists(store)
    lists.setdefault(list_name, {})[entity.id] = {"name": entity.name, "hops": hops,
                                                  "added": dt.date.today().isoformat()}
    store.set_meta(META_KEY, json.dumps(lists, ensure_ascii=False, sort_keys=True))
    return WatchReport(lists, _("{name} ({id}) is watched in {list}").format(name=entity.name, id=entity.id,
                                                                             list=list_name))


def watch_remove(store: Store, name: str, list_name: str = DEFAULT_LIST) -> WatchReport:
    entity = resolve_entity(store, name)
    lists = watchlists(store)
    if entity.id not in lists.get(list_name, {}):
        raise EquityGraphError(f"{entity.name} ({entity.id}) is not in watchlist {list_name!r}")
    del lists[list_name][entity.id]
    if not lists[list_name]:
        del lists[list_name]
    store.set_meta(META_KEY, json.dumps(lists, ensure_ascii=False, sort_keys=True))
    return WatchReport(lists, _("{name} ({id}) is no longer watched in {list}").format(name=entity.name, id=entity.id,
                                                                                      list=list_name))


@dataclass
class AlertReport(ChangeReport):
    """Changes with their severity, nearness and reason, most severe first."""

    def to_dict(self) -> dict:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(), "alerts": self.rows}

    def sections(self) -> list[Section]:
        title = _("Alerts from {since} to {until}").format(since=self.since.isoformat(), until=self.until.isoformat())
        return [Section(title, ["severity", "date", "change", "company", "id", "before", "after", "why"],
                        [(r["severity"], r["date"], _(r["change"].replace("_", " ")), r["company_name"], r["company_id"],
                          r["before"] or "", r["after"] or "", r["reason"]) for r in self.rows],
                        empty="no alerts")]


def alerts(store: Store, since: dt.date, until: dt.date | None = None, list_name: str | None = None) -> AlertReport:
    """The changes from ``since`` to ``until`` at each watched entity (of ``list_name``, or every
    list) and within its hops, each once, most severe first (then nearest, then latest).

    The changes are read once for every watched neighbourhood together (:func:`.changes.changes_at`),
    and the control rules asked only of companies whose controller can have changed (see
    :func:`~equitygraph.graph.analysis.changes.control_may_change`)."""
    lists = watchlists(store)
    if list_name is not None and list_name not in lists:
        raise EquityGraphError(f"no watchlist {list_name!r} (equitygraph watch ls shows them)")
    until = until or dt.date.today()
    watched = []
    for name, entries in sorted(lists.items()):
        if list_name is None or name == list_name:
            watched += [(name, entity_id, entry) for entity_id, entry in sorted(entries.items())]
    entities = store.get_many([entity_id for _, entity_id, _ in watched])
    arrays = store.export_arrays()  # once for every watched entity
    around = {entity_id: within(store, entity_id, entry["hops"]) for _, entity_id, entry in watched
              if entity_id in entities}
    # The watched companies themselves are named: their controller and owner changes are dated by cause
    # whatever the register's cap, and asked once however many lists watch them.
    found = changes_at(store, arrays, since, until, set().union(*around.values()),
                       [entities[i] for i in dict.fromkeys(entity_id for _, entity_id, _ in watched) if i in entities]).rows
    found += possible_listings(store, set().union(*around.values()), since, until)
    at_company: dict[str, list[dict]] = {}
    for row in found:
        at_company.setdefault(row["company_id"], []).append(row)
    best: dict[tuple, dict] = {}
    for name, entity_id, entry in watched:
        if entity_id not in entities:
            continue
        distance = around[entity_id]
        rows = [row for company in distance for row in at_company.get(company, [])]
        for row in rows:
            hops = distance.get(row["company_id"], 0)
            severity = SEVERITY[row["change"]]
            if row["change"] == "risk_event":
                severity = EVENT_SEVERITY.get(row["event_type"], severity)
            where = (_("at {name} itself").format(name=entry["name"]) if hops == 0 else
                     _("{hops} hop(s) from {name}").format(hops=hops, name=entry["name"]))
            alert = {**row, "severity": severity, "hops": hops, "watched_id": entity_id, "watched_name": entry["name"],
                     "list": name, "reason": _("{change} {where}").format(
                         change=_(row["change"].replace("_", " ")), where=where)}
            key = (row["date"], row["change"], row["company_id"], row["party_id"])
            if key not in best or (alert["hops"], alert["list"]) < (best[key]["hops"], best[key]["list"]):
                best[key] = alert
    rows = sorted(best.values(), key=lambda a: (-a["severity"], a["hops"], _negated(a["date"]), a["company_id"]))
    return AlertReport(since, until, rows)


def possible_listings(store: Store, around: set[str], since: dt.date, until: dt.date) -> list[dict]:
    """Screening matches still to review, found by a screening from ``since`` to ``until``, of the
    parties ``around``: a watched party on a list the day it is screened, before anyone decides."""
    from .screen import PREFIX, RESULT

    rows = []
    matched = store.results_of(RESULT, sorted(around))
    names = {i: e.name for i, e in store.get_many(matched).items()}
    for party, matches in sorted(matched.items()):
        for m in matches:
            if m.get("decision") is None and since.isoformat() <= m["screened"] <= until.isoformat():
                rows.append(change_row(m["screened"], "possible_listing", party, names.get(party, party), None,
                                       f"{m['caption']} ({m['dataset']}) {PREFIX}{m['listing']} {m['score']:.2f}"))
    return rows


def _negated(day: str) -> int:
    return -dt.date.fromisoformat(day).toordinal()


def alert_count_line(store: Store, previous: str, day: str) -> str:
    """One line after a snapshot load: how many alerts the change since the previous snapshot raised."""
    since = dt.date.fromisoformat(previous) + dt.timedelta(days=1)
    if not watchlists(store):
        return _("No watchlist: nothing to alert on (equitygraph watch add NAME).")
    report = alerts(store, since, dt.date.fromisoformat(day))
    grave = sum(1 for row in report.rows if row["severity"] >= 4)
    return _("{count} alert(s) on watched entities from {since} to {until}, {grave} of severity 4 or 5: "
             "equitygraph alerts --since {since} --until {until}").format(
        count=len(report.rows), grave=grave, since=since.isoformat(), until=day)
