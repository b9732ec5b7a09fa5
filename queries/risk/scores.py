"""Early warnings of illegal fundraising: every company's score (intrinsic indicators and the risk its
network passes on), its tier, and the reasons in data and in words (docs/risk.md)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from ...graph.analysis.control_rules import control_table
from ...graph.analysis.risk import DIMENSIONS, INDICATORS, Facts, Indicators, Network, RiskConfig, combine, contagion, contributions, indicators
from ...graph.arrays import EVENT_CODES_BY_VALUE, KIND_CODES, GraphArrays
from ...graph.errors import EquityGraphError
from ...graph.model import EntityKind, LinkKind
from ...graph.stores.base import Store
from .. import i18n
from . import stored
from .facts import facts_of
from ..heap import release_free_memory
from ..i18n import N_, _, known, role_name
from ..render import Result, Section
from ..resolve import resolve_entity

WHAT = {  # how an indicator reads in a reason ({n}: the count behind it, {s}: its plural ending)
    "pyramid": N_("control through {hops} layers of companies"), "nominee_holder": N_("a nominee-like holder"),
    "frequent_changes": N_("holders or legal representative changed on {changes} day{s} in {years:g} years"),
    "handover_before_event": N_("a stake handed over shortly before a risk event"),
    "far_from_cash_flow": N_("a controller far from the cash flow"), "penalty": N_("{n} penalt{ies}"),
    "court_case": N_("{n} court case{s}"), "abnormal_operation": N_("listed as operating abnormally"),
    "capital_gap": N_("registered capital far above paid-in"),
    "young_and_large": N_("young, with a large registered capital"),
    "fundraising_words": N_("name or business scope ({words})"), "finance_name": N_("a finance-flavoured name"),
    "negative_news": N_("{n} negative news item{s}{latest}"), "complaint": N_("{n} complaint{s}{latest}"),
}
COUNTED = {"frequent_changes": "changes", "penalty": "penalty", "court_case": "court_case",
           "negative_news": "negative_news", "complaint": "complaint"}


@dataclass
class Scores:
    """Every company's risk: the arrays, the indicators, the network and the combined score."""

    arrays: GraphArrays
    found: Indicators
    network: Network
    combined: np.ndarray
    config: RiskConfig
    as_of: dt.date | None
    seconds: dict[str, float] = field(default_factory=dict)

    def tier(self, j: int) -> str:
        """red, orange or yellow (a warning), confirmed (a case on record), or nothing."""
        return str(self.tiers(np.array([j]))[0])

    def tiers(self, entities: np.ndarray) -> np.ndarray:
        """The tier of each of ``entities`` (indices), as :meth:`tier` says it."""
        return np.where(self.found.confirmed[entities], "confirmed", self.config.tiers_of(self.combined[entities]))


def score_all(store: Store, config: RiskConfig, as_of: dt.date | None = None, arrays: GraphArrays | None = None,
              table=None, facts: Facts | None = None, engine=None) -> Scores:
    """Score every company of the store as of ``as_of`` (facts dated later do not count); the risk walk
    runs on ``engine`` (here when None)."""
    from ..control.answer import identity_decisions

    started = time.perf_counter()
    arrays = arrays if arrays is not None else store.export_arrays()
    if facts is None:
        facts = facts_of(store, arrays)
        release_free_memory()  # the store's rows, read one by one: the facts are a tenth of them
    read = time.perf_counter() - started
    if table is None:
        table = control_table(arrays, as_of, decisions=identity_decisions(store, arrays))
    started = time.perf_counter()
    found = indicators(arrays, facts, table, config, as_of)
    del facts  # every company's name and scope (five gigabytes at ten million): not needed by the walk
    release_free_memory()
    seconds = {"read": read, "indicators": time.perf_counter() - started}
    return _scored(arrays, found, table, config, as_of, engine, seconds)


def score_arrays(arrays: GraphArrays, facts: Facts, table, config: RiskConfig, as_of: dt.date | None = None,
                 engine=None) -> Scores:
    """Score every company of ``arrays`` (with its control ``table``) as of ``as_of``."""
    started = time.perf_counter()
    found = indicators(arrays, facts, table, config, as_of)
    return _scored(arrays, found, table, config, as_of, engine, {"indicators": time.perf_counter() - started})


def _scored(arrays: GraphArrays, found: Indicators, table, config: RiskConfig, as_of, engine, seconds) -> Scores:
    """The scores, from the indicators found: the network's walk, and the two combined."""
    started = time.perf_counter()
    network = contagion(arrays, table, found, config, as_of, engine)
    seconds["network"] = time.perf_counter() - started
    return Scores(arrays, found, network, combine(found, network, config), config, as_of, seconds)


@dataclass(frozen=True)
class Part:
    """One share of a score: ``share`` of it, from ``source``, said as ``words``."""

    share: float
    kind: str  # "network", or a dimension of the intrinsic score
    source: str | None  # the entity it comes from (a case, a risky company), for network parts
    words: str
    path: tuple[str, ...] = ()


@dataclass
class Explanation:
    entity: str
    score: float
    tier: str
    intrinsic: float
    network: float
    confirmed: bool
    parts: list[Part]

    def sentence(self, most: int | None = None) -> str:
        """The score, its tier and its largest parts in words (``most`` of them, or all)."""
        head = f"{self.score:.2f}{' ' + _(self.tier) if self.tier else ''}"
        if self.confirmed:
            return head + _(": a confirmed case on record")
        said = [f"{p.share * 100:.0f} % {p.words}" for p in self.parts if p.share >= 0.005][:most]
        if not said:
            return head + (_(": no risk fact on record in it or around it") if self.score == 0 else "")
        return head + _(": ") + _("; ").join(said)


#: How a source on a list is said, the strongest listing first.
LISTED_SOURCE = {"sanctioned": N_("from sanctioned party {source}"), "wanted": N_("from wanted party {source}"),
                 "pep": N_("from politically exposed person {source}"), "listed": N_("from watchlisted party {source}")}


def _listings(arrays: GraphArrays) -> dict[int, str]:
    """Each entity with a confirmed listing, by its strongest (the order of LISTED_SOURCE)."""
    found: dict[int, str] = {}
    for kind in reversed(LISTED_SOURCE):
        mine = arrays.event_type == EVENT_CODES_BY_VALUE[kind]
        found.update(dict.fromkeys(arrays.event_entity[mine].tolist(), kind))
    return found


def explain(store: Store, scores: Scores, entities: list[str], top_sources: int = 3) -> list[Explanation]:
    """Why each of ``entities`` scores as it does: the seeds its network risk comes from (and the
    path from each), and the indicators behind its intrinsic risk, as parts of the combined score
    (for a confirmed case, of the score it would have without the case). The paths' links are read
    from the store in one batch for all ``entities``."""
    return explain_in(store, scores, entities, [i18n.current()], top_sources)[i18n.current()]


def explain_in(store: Store, scores: Scores, entities: list[str], languages: list[str],
               top_sources: int = 3) -> dict[str, list[Explanation]]:
    """:func:`explain` in each of ``languages``: the sources and paths are found once, then said in each."""
    arrays, network = scores.arrays, scores.network
    index = np.array([arrays.index_of(e) for e in entities], dtype=np.int64)
    sources, counts = contributions(network, index, top=top_sources) if len(index) else ([], [])
    paths = {(j, s): network.path(j, s) for k, j in enumerate(index.tolist()) for s, _ in sources[k]}
    # The parties along the paths and the edges joining each step, read once for all languages (2.8 s
    # on Neo4j at 1M).
    ids = [arrays.ids[p] for p in sorted({p for path in paths.values() for p in path})]
    steps = {(arrays.ids[a], arrays.ids[b]) for path in paths.values() for a, b in zip(path, path[1:])}
    read = (store.get_many(ids), store.edges_between(steps)) if ids else ({}, None)
    said = {}
    for lang in languages:
        with i18n.language(lang):
            said[lang] = _worded(scores, index, sources, counts, paths, _PathWords(scores, *read))
    return said


def _worded(scores: Scores, index: np.ndarray, sources, counts, paths, words: "_PathWords") -> list[Explanation]:
    arrays, found, network, config = scores.arrays, scores.found, scores.network, scores.config
    w = config["combine"]
    total = w["intrinsic"] + w["network"]
    dims_total = sum(config["dimensions"][d] for d in DIMENSIONS)
    listings = _listings(arrays)
    out = []
    for k, j in enumerate(index.tolist()):
        # Shares of the score the indicators and the network make (a case's would-be score when confirmed).
        score = (w["intrinsic"] * float(found.intrinsic[j]) + w["network"] * float(network.score[j])) / total
        parts = []
        net_part = w["network"] * float(network.score[j]) / total
        received = float(network.received_of([j])[0]) or 1.0
        listed = 0.0
        for source, value in sources[k]:
            share = net_part * min(value / received, 1.0) / max(score, 1e-12)
            listed += share
            path = paths[(j, source)]
            said = (_("from confirmed case {source}") if found.confirmed[source] else
                    _(LISTED_SOURCE[listings[source]]) if source in listings else
                    _("from high-risk company {source}")).format(source=words.name(source))
            parts.append(Part(share, "network", arrays.ids[source], said + words.via(path),
                              tuple(arrays.ids[p] for p in path)))
        rest = net_part / max(score, 1e-12) - listed
        if rest >= 0.005:
            others = counts[k] - len(sources[k])
            said = (_("from one other source in the network, a smaller part") if others == 1 else
                    _("from {n} other sources in the network, each a smaller part").format(n=others) if others > 1 else
                    _("from longer paths"))
            parts.append(Part(rest, "network", None, said))
        row = found.row(j) if found.intrinsic[j] > 0 else -1
        for dim in DIMENSIONS if row >= 0 else ():
            part = w["intrinsic"] * config["dimensions"][dim] * float(found.dimension[dim][row]) / dims_total / total
            if part > 0:
                parts.append(Part(part / max(score, 1e-12), dim, None, _indicator_words(found, dim, j, scores)))
        parts.sort(key=lambda p: -p.share)
        out.append(Explanation(arrays.ids[j], float(scores.combined[j]), scores.tier(j), float(found.intrinsic[j]),
                               float(network.score[j]), bool(found.confirmed[j]), parts))
    return out


class _PathWords:
    """The links along explanation paths in words (the current language's), of the ``entities`` along
    them and the ``edges`` joining each step (read from the store once for all paths)."""

    def __init__(self, scores: Scores, entities: dict, edges):
        self.arrays, self.network = scores.arrays, scores.network
        self.entities = entities
        self.hub = scores.config["contagion"]["hub_degree"]
        as_of = scores.as_of
        # What the first id is to the second, as a phrase with {x} for the second.
        self.ties: dict[tuple[str, str], str] = {}
        if edges is None:
            return
        for h in edges.holdings:
            if h.in_force(as_of):
                share = known(h.share.describe())
                self.ties.setdefault((h.holder_id, h.company_id), _("holds {share} of {{x}}").format(share=share))
                self.ties.setdefault((h.company_id, h.holder_id), _("is held {share} by {{x}}").format(share=share))
        for o in edges.officers:
            if o.in_force(as_of):
                role = role_name(o.role)
                self.ties.setdefault((o.person_id, o.company_id), _("{role} of {{x}}").format(role=role))
                self.ties.setdefault((o.company_id, o.person_id), _("has {{x}} as {role}").format(role=role))
        for link in edges.links:
            is_address = link.kind is LinkKind.LOCATED_AT
            self.ties.setdefault((link.dst, link.src), _("the address of {x}") if is_address else _("the phone or e-mail of {x}"))
            self.ties.setdefault((link.src, link.dst), _("registered at {x}") if is_address else _("uses the phone or e-mail {x}"))
        for r in edges.relations:
            kind = _(r.type.value.replace("_", " "))
            self.ties.setdefault((r.a, r.b), _("declared {kind} of {{x}}").format(kind=kind))
            self.ties.setdefault((r.b, r.a), _("declared {kind} of {{x}}").format(kind=kind))

    def name(self, j: int) -> str:
        entity_id = self.arrays.ids[j]
        entity = self.entities.get(entity_id)
        return f"{entity.name} ({entity_id})" if entity else entity_id

    def _tie(self, a: str, b: str, x: str) -> str:
        return self.ties.get((a, b), _("linked to {x}")).format(x=x)

    def via(self, path: list[int]) -> str:
        """How the path runs, in words: `` (holds 100 % of it)`` for a direct link, `` via NAME,
        legal representative of this company and of that one`` for a party between, a hub's
        damping said."""
        if len(path) < 2:
            return ""
        ids = [self.arrays.ids[p] for p in path]
        if len(path) == 2:
            return _(", which {tie}").format(tie=self._tie(ids[1], ids[0], _("this company")))
        said = []
        for i in range(1, len(path) - 1):
            middle = ids[i]
            here = _("this company") if i == 1 else ids[i - 1]
            there = _("the source") if i == len(path) - 2 else ids[i + 1]
            before, after = self.ties.get((middle, ids[i - 1]), ""), self.ties.get((middle, ids[i + 1]), "")
            if before and before == after:
                both = _("both")
                text = f"{self.name(path[i])}, {before.format(x=both)}"
            else:
                text = _("{who}, {tie} and {other_tie}").format(who=self.name(path[i]), tie=self._tie(middle, ids[i - 1], here),
                                                                other_tie=self._tie(middle, ids[i + 1], there))
            degree = self.network.neighbours(path[i])
            if degree > self.hub:
                text += _(" (a hub of {n} links: each carries {hub}/{n} of a link's weight)").format(n=degree, hub=self.hub)
            said.append(text)
        return _(" via {steps}").format(steps=_("; then ").join(said))


def _indicator_words(found: Indicators, dim: str, j: int, scores: Scores) -> str:
    config = scores.config
    row = found.row(j)
    strongest = sorted(((config[dim][name] * float(found.values[name][row]), name) for name in INDICATORS[dim]),
                       reverse=True)
    said = []
    for weight, name in strongest:
        if weight <= 0:
            continue
        n = int(found.counts[COUNTED[name]][row]) if name in COUNTED else 0
        said.append(_(WHAT[name]).format(
            n=n, s="" if n == 1 else "s", ies="y" if n == 1 else "ies", changes=n,
            latest=_(", the latest weighing most") if n > 1 else "",
            years=config["equity"]["change_window_days"] / 365, hops=int(found.counts["hops"][row]),
            words=", ".join(found.words.get(j, [])[:4])))
    return _(dim.replace("_", " ")) + _(": ") + _(", ").join(said[:3])


@dataclass
class RiskList(Result):
    rows: list[dict]
    title: str
    as_of: dt.date | None
    short: list[str] = field(default_factory=list)  # each warning's three largest parts, for tables

    def to_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat() if self.as_of else None, "warnings": self.rows}

    def records(self) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "parts"} for r in self.rows]

    def sections(self) -> list[Section]:
        return [Section(self.title, ["#", "company", "id", "score", "tier", "intrinsic", "network", "why"],
                        [(r["rank"], r["name"], r["id"], f"{r['score']:.2f}", _(r["tier"] or "below yellow"),
                          f"{r['intrinsic']:.2f}", f"{r['network']:.2f}", short) for r, short in zip(self.rows, self.short)],
                        empty="no warnings", note=_("why: the three largest parts; --format json for all of them"))]


def remembered_scores(store: Store, config: RiskConfig, as_of: dt.date | None = None) -> Scores:
    """Every score, computed once for a process that asks many questions of one store (``queries.memo``),
    or read where the last analysis kept them (:mod:`.kept`: the store as it is, ``config``, no date)."""
    from ..memo import remembered

    return remembered(store, "risk scores", {"as_of": as_of, "config": config.sections},
                      lambda: (as_of is None and kept_scores(store, config)) or score_all(store, config, as_of))


def kept_scores(store: Store, config: RiskConfig) -> Scores | None:
    """The scores the last analysis kept beside the store, when they describe it as it is with ``config``."""
    from .kept import kept

    arrays = store.export_arrays()  # read once: a million companies' arrays take a second to load
    found = kept(store, config, arrays.n)
    if found is None:
        return None
    indicators_found, network, combined = found
    return Scores(arrays, indicators_found, network, combined, config, None)


def warnings(store: Store, config: RiskConfig, top: int = 20, tier: str | None = None, as_of: dt.date | None = None,
             region: str | None = None, industry: str | None = None, cluster: str | None = None,
             scores: Scores | None = None, offset: int = 0) -> RiskList:
    """The early-warning list: the ``top`` companies with no confirmed case yet, highest combined score
    first, each with its tier (below the yellow threshold too: the ranking goes on past the warnings);
    ``tier`` keeps that tier only; ``offset``: the page starts after that many (ranks go on).
    After an ``analyze`` of the records the store holds, with the same configuration and no date,
    the list is read from what it wrote (:mod:`.stored`)."""
    if scores is None and as_of is None and stored.is_current(store, config):
        read = _stored_warnings(store, config, top, tier, region, industry, cluster, offset)
        if read is not None:
            return read
    scores = scores or remembered_scores(store, config, as_of)
    arrays = scores.arrays
    company = arrays.kinds == KIND_CODES[EntityKind.COMPANY]
    candidates = np.flatnonzero(company & ~scores.found.confirmed & (scores.combined > 0))  # a score of 0 says nothing
    order = candidates[np.argsort(-scores.combined[candidates], kind="stable")]
    if tier:
        threshold = config["tiers"][tier]
        order = order[scores.combined[order] >= threshold - 1e-12]
        higher = [config["tiers"][t] for t in ("red", "orange", "yellow") if config["tiers"][t] > threshold]
        if higher:
            order = order[scores.combined[order] < min(higher) - 1e-12]
    step = _page_size(top, offset)
    pages = ([arrays.ids[j] for j in order[start:start + step].tolist()] for start in range(0, len(order), step))
    picked = _picked(store, pages, top, region, industry, cluster, offset)
    return _warning_list(picked, explain(store, scores, [e.id for e in picked]), tier, region, industry, cluster,
                         as_of, offset)


def _stored_warnings(store: Store, config: RiskConfig, top, tier, region, industry, cluster, offset) -> RiskList | None:
    """The list read from the last analysis, a page of the ranking at a time; None where a row asked
    for has no reasons written."""
    pages = stored.ranked_pages(store, _page_size(top, offset))
    if tier:
        pages = (_of_tier(store, config, page, tier) for page in pages)
    picked = _picked(store, pages, top, region, industry, cluster, offset)
    written = stored.explanations(store, [e.id for e in picked])
    if written is None:
        return None
    reasons = [Explanation(i, score, found_tier, intrinsic, network, False, [Part(*p) for p in parts])
               for i, score, found_tier, intrinsic, network, parts in written]
    return _warning_list(picked, reasons, tier, region, industry, cluster, None, offset)


def _page_size(top: int, offset: int) -> int:
    return max((offset + top) * 5, 100)


def _of_tier(store: Store, config: RiskConfig, page: list[str], tier: str) -> list[str]:
    scores = store.results_of("risk_score", page)
    kept = config.tiers_of(np.array([scores[i] for i in page], dtype=float)) == tier
    return [i for i, keep in zip(page, kept.tolist()) if keep]


def _picked(store: Store, pages: Iterable[list[str]], top, region, industry, cluster, offset) -> list:
    """The companies of the page: the ids of ``pages`` (the ranking, in order) filtered, ``top`` of
    them after ``offset``; no page read past the one that fills it."""
    picked = []
    wanted_cluster = set(store.entities_with_result("cluster", cluster)) if cluster else None
    for chunk in pages:
        entities = store.get_many(chunk)
        for entity_id in chunk:
            entity = entities[entity_id]
            if industry and industry.lower() not in f"{entity.industry or ''} {entity.business_scope or ''}".lower():
                continue
            if region and region not in entity.name and region not in _addresses(store, entity_id):
                continue
            if wanted_cluster is not None and entity_id not in wanted_cluster:
                continue
            picked.append(entity)
            if len(picked) >= offset + top:
                return picked[offset:]
    return picked[offset:]


def _warning_list(picked, reasons, tier, region, industry, cluster, as_of, offset) -> RiskList:
    rows = [{"rank": offset + k + 1, "id": e.id, "name": e.name, "score": round(r.score, 4), "tier": r.tier,
             "intrinsic": round(r.intrinsic, 4), "network": round(r.network, 4), "why": r.sentence(),
             "parts": [p.__dict__ for p in r.parts]} for k, (e, r) in enumerate(zip(picked, reasons))]
    filters = ", ".join(f"{_(k)} {v}" for k, v in ((N_("tier"), tier), (N_("region"), region),
                                                  (N_("industry"), industry), (N_("cluster"), cluster)) if v)
    when = _(" as of {day}").format(day=as_of.isoformat()) if as_of else ""
    title = _("Early warnings{when}: companies with no confirmed case yet").format(when=when)
    return RiskList(rows, title + (f" ({filters})" if filters else ""),
                    as_of, [r.sentence(3) for r in reasons])


def _addresses(store: Store, entity_id: str) -> str:
    places = [link.dst for link in store.edges_touching([entity_id]).links if link.dst.startswith("addr:")]
    return " ".join(e.name for e in store.get_many(places).values())


@dataclass
class RiskReport(Result):
    name: str
    explanation: Explanation
    indicators: list[tuple[str, str, float]]  # (dimension, indicator, value)
    names: dict[str, str] = field(default_factory=dict)  # of the sources and the parties on their paths

    def to_dict(self) -> dict:
        e = self.explanation
        return {"id": e.entity, "name": self.name, "score": e.score, "tier": e.tier, "intrinsic": e.intrinsic,
                "network": e.network, "confirmed_case": e.confirmed, "explanation": e.sentence(),
                "parts": [p.__dict__ for p in e.parts],
                "indicators": [{"dimension": d, "indicator": i, "value": v} for d, i, v in self.indicators]}

    def records(self) -> list[dict]:
        return [{**p.__dict__, "path": " -> ".join(p.path)} for p in self.explanation.parts]

    def sections(self) -> list[Section]:
        e = self.explanation
        head = Section(_("Risk of {name}").format(name=self.name) + f" ({e.entity})", ["", ""],
                       [(_("score"), f"{e.score:.2f} {_(e.tier) if e.tier else ''}".strip()),
                        (_("intrinsic"), f"{e.intrinsic:.2f}"), (_("network"), f"{e.network:.2f}"), (_("why"), e.sentence())])
        parts = Section(_("Where the score comes from"), ["part of the score", "from", "source", "path"],
                        [(f"{p.share * 100:.0f} %", p.words, self._named(p.source), " -> ".join(p.path)) for p in e.parts])
        values = Section(_("Indicators"), ["dimension", "indicator", "value"],
                         [(_(d.replace("_", " ")), _(i.replace("_", " ")), f"{v:.2f}") for d, i, v in self.indicators if v > 0])
        return [head, parts, values]

    def _named(self, entity_id: str | None) -> str:
        return f"{self.names.get(entity_id, entity_id)} ({entity_id})" if entity_id else ""


def risk_of(store: Store, name: str, config: RiskConfig, as_of: dt.date | None = None,
            scores: Scores | None = None, top_sources: int = 3) -> RiskReport:
    """One company's score with its explanation: its ``top_sources`` largest sources in the network
    named, with their paths (the rest said as one part)."""
    entity = resolve_entity(store, name)
    if entity.kind is not EntityKind.COMPANY:
        raise EquityGraphError(f"{entity.name} ({entity.id}) is a {entity.kind.value}; risk is scored for companies")
    scores = scores or remembered_scores(store, config, as_of)
    [explanation] = explain(store, scores, [entity.id], top_sources)
    j = scores.arrays.index_of(entity.id)
    row = scores.found.row(j)
    values = [(d, i, float(scores.found.values[i][row])) for d in DIMENSIONS for i in INDICATORS[d]]
    named = store.get_many({i for p in explanation.parts for i in (p.source, *p.path) if i})
    return RiskReport(entity.name, explanation, values, {i: e.name for i, e in named.items()})
