"""Whole-graph analysis: every company's actual controller and largest ultimate owner, written
back to the store so that other tools (Neo4j Browser, Bloom, SQL) can use them."""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..graph.arrays import KIND_CODES
from ..graph.analysis.control_rules import JOINT, REASONS, RULES, SINGLE, VERDICTS, control_table
from ..graph.model import REGISTER_COMPLETE, EntityKind, natural_key
from ..graph.analysis.engine import IN_PROCESS
from ..graph.analysis.ownership import direct_shares, ownership_matrix, ultimate_owner_mask
from ..graph.analysis.clusters import clusters
from ..graph.analysis.groups import enterprise_groups
from ..graph.stores.base import Store
from ..graph.stores.result_columns import LazyColumn, ResultColumn
from .control.answer import identity_decisions
from . import clusters_beside
from .analysis_columns import IdStrings, cluster_results
from ..graph.stores.sqlite_results import write_apart
from .relations.groups import WRITTEN_MIN_SIZE
from .relations.standing import ANALYSIS_META
from .heap import release_free_memory
from .risk.config import load_config
from .risk.kept import keep
from .risk.stored import config_key
from . import i18n
from .i18n import N_, _
from .render import Result, Section


WRITTEN = ("controller", "controller_partner", "controlling_parent", "controlling_partner", "control_verdict", "control_rule", "control_reason",
           "control_hops", "top_owner",
           "top_owner_share", "on_record", "not_on_record", "direct_controller", "direct_partner", "group",
           "group_size", "cluster", "cluster_size", "risk_score", "risk_tier", "risk_reason", "risk_reason_zh",
           "risk_rank", "risk_intrinsic", "risk_network", "risk_parts", "risk_parts_zh", "cluster_degree", "cluster_links",
           "cluster_rank")
#: Results compared between one analysis and the next (``changes``): kept as ``previous_<name>``.
COMPARED = ("risk_tier", "group", "cluster")
#: The steps a distributed engine counts rounds of (named in graph.spark.SparkEngine.rounds).
ROUNDED_STEPS = (N_("control climbing"), N_("components"), N_("communities"), N_("pieces"), N_("integrated ownership"),
                 N_("risk walk"))
EXPLAINED = 5000  # risk reasons are written for this many companies of the warning list, the highest scores first


@dataclass
class AnalysisResult(Result):
    companies: int
    verdicts: dict[str, int]
    seconds: dict[str, float]
    as_of: dt.date | None
    incomplete_registers: int = 0  # companies with less than 95 % of their shares on record
    reasons: dict[str, int] | None = None  # why verdicts are uncertain or loops, by reason
    tiers: dict[str, int] | None = None  # companies warned, by risk tier (confirmed cases apart)
    engine: str = "in-process"  # where the whole-graph steps ran
    rounds: dict[str, int] | None = None  # rounds of each step on a distributed engine (joins and group-bys)
    written_to: str | None = None  # where the results went, when not back into a store (spark-analyze)
    clusters_beside: float | None = None  # seconds the clusters took in a second process, beside the other steps

    def to_dict(self) -> dict:
        return {"companies": self.companies, "verdicts": self.verdicts, "reasons": self.reasons or {},
                "incomplete_registers": self.incomplete_registers, "risk_tiers": self.tiers or {},
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "engine": self.engine, "rounds": self.rounds or {}, "written": list(WRITTEN),
                "clusters_beside": None if self.clusters_beside is None else round(self.clusters_beside, 3),
                **({"written_to": self.written_to} if self.written_to else {})}

    def _beside_note(self) -> str:
        if self.clusters_beside is None:
            return ""
        return _("the clusters ran in a second process beside control, ownership, groups and risk, in "
                 "{seconds} s (their row: the wait for them); ").format(seconds=f"{self.clusters_beside:.2f}")

    def sections(self) -> list[Section]:
        when = _(" as of {day}").format(day=self.as_of.isoformat()) if self.as_of else ""
        return [
            Section(_("Control of {count} companies").format(count=f"{self.companies:,}") + when, ["verdict", "companies"],
                    [(_(v), n) for v, n in sorted(self.verdicts.items(), key=lambda kv: -kv[1])],
                    note=_("{count} companies have less than 95 % of their shares on record").format(
                        count=f"{self.incomplete_registers:,}")),
            Section(_("Why not certain"), ["reason", "companies"],
                    [(_(r.replace("_", " ")), n) for r, n in sorted((self.reasons or {}).items(), key=lambda kv: -kv[1])]),
            Section(_("Early warnings"), ["tier", "companies"], [(_(t), n) for t, n in (self.tiers or {}).items()],
                    note=_("equitygraph risk --top N lists them with their reasons") if not self.written_to else
                    _("their scores and reasons are among the results in {output}").format(output=self.written_to)),
            Section(_("Time"), ["step", "seconds"], [(_(k.replace("_", " ")), f"{v:.2f}") for k, v in self.seconds.items()],
                    note=self._beside_note() + (_("written back per company: ") if not self.written_to else
                          _("written to {output} per entity: ").format(output=self.written_to)) + ", ".join(WRITTEN)),
        ] + ([Section(_("On Spark: rounds of joins and group-bys"), ["step", "rounds"],
                      [(_(k), n) for k, n in self.rounds.items()])] if self.rounds else [])


def analyze(store: Store, as_of: dt.date | None = None, progress=lambda step: None,
            with_clusters: bool = True, risk_config=None, engine=None, beside_from: int | None = None) -> AnalysisResult:
    """Control, ownership, groups, clusters and risk of every company, written back to the store
    (``risk_config``: the risk weights, the shipped default when None). The whole-graph steps
    (components, integrated ownership, the risk walk) run on ``engine`` (:mod:`graph.analysis.engine`:
    here when None, or a :class:`graph.spark.SparkEngine`); the answers are the same. The clusters are
    found in a second process beside the other steps where that pays and fits (:mod:`.clusters_beside`;
    ``beside_from``: the least number of entities it is tried for, its own default when None)."""
    risk_config = risk_config if risk_config is not None else load_config()
    engine = engine or IN_PROCESS
    seconds: dict[str, float] = {}

    def step(doing: str, done: str):
        progress(doing)
        return _Timer(seconds, done)

    with step(N_("reading the graph"), N_("read the graph")):
        arrays = store.export_arrays()
    decisions = identity_decisions(store, arrays)
    clustered = beside = None
    beside_seconds = None  # the clusters' own time in the second process, where they were found there
    if with_clusters:
        beside = clusters_beside.start(store, arrays, as_of, decisions, engine, beside_from)
        if beside is None:  # first: its peak (Leiden over the largest component) comes while little else is held
            with step(N_("clusters"), N_("clusters")):
                clustered = clusters(arrays, as_of=as_of, decisions=decisions, engine=engine)
        else:
            progress(N_("clusters, in a second process"))

    def waited_clusters():
        """The clusters the second process found, or found here where it could not."""
        nonlocal beside_seconds
        with step(N_("waiting for the clusters"), N_("clusters")):
            found = beside.result(arrays)
            if found is None:  # the second process could not: its arrays file went, or it was stopped
                return clusters(arrays, as_of=as_of, decisions=decisions, engine=engine)
            beside_seconds = sum(found.seconds.values())
            return found

    try:
        with step(N_("deciding control"), N_("control")):
            table = control_table(arrays, as_of, decisions=decisions, engine=engine)
        with step(N_("integrating ownership"), N_("integrated ownership")):
            top_owner, top_share = _top_owners(arrays, as_of, engine)
        with step(N_("enterprise groups"), N_("groups")):
            groups = enterprise_groups(table, arrays, min_size=WRITTEN_MIN_SIZE)
        with step(N_("risk"), N_("risk")):
            risk, tiers, scores = _risk(store, arrays, table, risk_config, as_of, engine)
            keep(store, scores)  # one company's risk and reasons are then a read (risk NAME, the explorer)
            del scores  # gigabytes at ten million companies that writing back does not need
        if beside is not None and not beside.writes_apart:  # a store the second process cannot write for
            clustered = waited_clusters()
        with step(N_("writing results back"), N_("write back")):
            strings = IdStrings(arrays.ids)  # made here: a gigabyte of ids at ten million, not held through risk
            company_ids, results, covered_low = _control_results(arrays, strings, table, top_owner, top_share)
            written = {name: ResultColumn(company_ids, values) for name, values in results.items()}
            written |= _group_results(groups, strings)
            if clustered is not None:
                written |= cluster_results(clustered, strings)
            for name, values in risk.items():
                written[name] = ResultColumn(company_ids, values) if isinstance(values, LazyColumn) else values

            def clusters_written_apart() -> list:
                """Called by the store once the rest is written: the clusters' results, in a file of their own."""
                nonlocal clustered
                clustered = waited_clusters()
                if beside.apart is None:  # found here: written apart here
                    beside.apart = write_apart(store.path, cluster_results(clustered, strings))
                return [beside.apart]

            if beside is None or not beside.writes_apart:
                _write_back(store, written, as_of, len(clustered) if clustered is not None else None,
                            config_key(risk_config))
            else:
                _write_back(store, written, as_of, lambda: len(clustered), config_key(risk_config),
                            clusters_written_apart)
                beside.landed = True
        if beside is not None and beside.writes_apart:  # the clusters waited for inside the write-back: counted once
            seconds["write back"] -= seconds["clusters"]
    finally:
        if beside is not None:
            beside.close()
    counts = Counter(written["control_verdict"].values)
    why = Counter(v for v in written["control_reason"].values if v is not None)
    incomplete = int((covered_low < REGISTER_COMPLETE - 1e-9).sum())
    return AnalysisResult(len(company_ids), dict(counts), seconds, as_of, incomplete, dict(why), tiers,
                          engine.name, dict(getattr(engine, "rounds", {})) or None, clusters_beside=beside_seconds)


def differing_results(first: Store, second: Store, tolerance: float = 1e-9) -> dict[str, int]:
    """Per result ``analyze`` writes back, how many entities differ between two stores' analyses
    (numbers to ``tolerance``, inside lists too): how two engines, or two runs, are compared."""
    import math

    def same(a, b) -> bool:
        if isinstance(a, float) and isinstance(b, float):
            return math.isclose(a, b, rel_tol=0, abs_tol=tolerance)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        return a == b

    differing = {}
    for name in WRITTEN:
        a, b = first.read_results(name), second.read_results(name)
        differing[name] = len(a.keys() ^ b.keys()) + sum(not same(a[k], b[k]) for k in a.keys() & b.keys())
    return {name: n for name, n in differing.items() if n}


class _Timer:
    """Adds the seconds a step took to ``seconds[name]``."""

    def __init__(self, seconds: dict[str, float], name: str):
        self.seconds, self.name = seconds, name

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        self.seconds[self.name] = time.perf_counter() - self.started
        release_free_memory()


def _top_owners(arrays, as_of, engine):
    """Each company's largest ultimate owner (an owner nobody owns) by integrated ownership, and its
    share: over the companies only (the entities' arrays are seven times as long, and held to the end)."""
    direct = direct_shares(arrays, as_of)
    owner, share = engine.largest_owners(ownership_matrix(direct, "low"),
                                         np.flatnonzero(ultimate_owner_mask(arrays, direct)))
    companies = arrays.kinds == KIND_CODES[EntityKind.COMPANY]
    return owner[companies], share[companies]


def _control_results(arrays, strings: IdStrings, table, top_owner, top_share):
    """The companies' ids (sorted, as ``arrays.ids`` are: the rows of one result table), their control
    results as lists over them, and the part of each register on record."""
    companies = np.flatnonzero(arrays.kinds == KIND_CODES[EntityKind.COMPANY])
    rows = table.rows.of[companies]
    by_row, registers = table.by_row, table.registers
    final, rules, reasons, steps = by_row["final"][rows], by_row["rule"][rows], by_row["final_reason"][rows], \
        by_row["hops"][rows]
    covered_low = registers.on_record_low[rows]
    uncovered = np.maximum(0.0, 1.0 - covered_low)
    top, top_partner = _controllers(strings, final, by_row["ultimate"][rows], by_row["ultimate_joint"][rows])
    found = np.not_equal(top, None)
    owned = top_owner >= 0  # top_owner and top_share are over the companies
    direct, partner = _controllers(strings, by_row["verdict"][rows], by_row["controller"][rows],
                                   by_row["joint_partner"][rows])
    # The controlling parent: the actual controller, or where the climb stopped at a controller whose
    # own control is not proven, that controller (docs/control.md).
    ultimate, ultimate_joint = by_row["ultimate"][rows], by_row["ultimate_joint"][rows]
    parented = table.stopped_at_parent(rows)
    parent_verdict = np.where(parented, np.where(ultimate_joint >= 0, JOINT, SINGLE), final)
    parent, parent_partner = _controllers(strings, parent_verdict, ultimate, ultimate_joint)
    results = {
        "controller": LazyColumn(top), "controller_partner": LazyColumn(top_partner),
        "control_verdict": LazyColumn(np.array(VERDICTS, dtype=object)[final]),
        "control_rule": _where(rules >= 0, np.array(RULES, dtype=object)[np.maximum(rules, 0)]),
        "control_reason": _where(reasons != 0, np.array(REASONS, dtype=object)[reasons]),
        "control_hops": _where(found, steps.astype(np.int64)),
        "top_owner": _where(owned, strings.at(top_owner[owned])),
        "top_owner_share": _where(owned, top_share, _rounded_to(6)),
        "on_record": LazyColumn(covered_low, convert=_rounded_to(6)),
        "not_on_record": LazyColumn(uncovered, convert=_rounded_to(6)),
        "direct_controller": LazyColumn(direct), "direct_partner": LazyColumn(partner),
        "controlling_parent": LazyColumn(parent), "controlling_partner": LazyColumn(parent_partner),
    }
    return strings.at(companies).tolist(), results, covered_low


def _group_results(groups, strings: IdStrings) -> dict[str, ResultColumn]:
    """Each member's group (its controllers' key) and the group's size, as columns over the members."""
    keys = np.array([natural_key(*strings.at(g.controllers).tolist())  # escaped: an id holding "|" is not a pair
                     for g in groups.groups], dtype=object)
    sizes = np.array([g.size for g in groups.groups], dtype=np.int64)
    members = np.flatnonzero(groups.of >= 0)  # in entity order, which is id order
    number = groups.of[members]
    member_ids = strings.at(members).tolist()
    return {"group": ResultColumn(member_ids, LazyColumn(keys[number])),
            "group_size": ResultColumn(member_ids, LazyColumn(sizes[number]))}


def _write_back(store: Store, written: dict, as_of: dt.date | None, clusters, config_key: str,
                apart=None) -> None:
    """The analysis into the store, with what the last one said of tiers, groups and clusters kept
    beside it (``changes`` compares them), when it was made and how many ``clusters`` it found (None
    when it looked for none; a function where they are counted once ``apart`` has given the files
    the clusters' results were written in, an embedded store's, called once the rest is written)."""
    before = json.loads(store.get_meta(ANALYSIS_META) or "null")
    previous = {k: before[k] for k in ("as_of", "at")} if before else None
    made = {"as_of": as_of.isoformat() if as_of else None,
            "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "clusters": clusters is not None, "cluster_count": clusters, "previous": previous,
            "generation": store.get_meta("generation"), "risk_config": config_key}
    if apart is None:
        meta = {ANALYSIS_META: json.dumps(made)}
    else:
        def meta():
            return {ANALYSIS_META: json.dumps(made | {"cluster_count": clusters()})}
    # with the results, in one transaction where the store has one: never a new analysis with the last one's meta
    store.write_analysis(written, ids_known=True, previous=COMPARED if before else (), meta=meta,
                         **({"apart": apart} if apart is not None else {}))


def _risk(store: Store, arrays, table, config, as_of, engine) -> tuple[dict[str, dict], dict[str, int], object]:
    """Every company's risk score and tier, the reasons of the highest warned ones, and the scores.
    Only the ids of the companies with a tier or a reason are made (str objects for every company are
    a gigabyte at ten million, held at the step's peak)."""
    from .risk.scores import explain_in, score_all
    from .risk.stored import ranked_columns, stored_parts

    scores = score_all(store, config, as_of, arrays=arrays, table=table, engine=engine)
    companies = np.flatnonzero(arrays.kinds == KIND_CODES[EntityKind.COMPANY])
    combined, confirmed = scores.combined, scores.found.confirmed
    score = LazyColumn(combined[companies], convert=_rounded_to(4))  # a column over the companies
    named = scores.tiers(companies)
    tiers = {t: int((named == t).sum()) for t in ("red", "orange", "yellow", "confirmed")}
    shown = np.flatnonzero(named != "")
    tier = dict(zip(arrays.ids.take(companies[shown]).tolist(), named[shown].tolist()))
    del named, shown
    # The reasons of the first EXPLAINED of the warning list (the warnings, then those below yellow).
    warned = companies[(combined[companies] > 0) & ~confirmed[companies]]
    warned = warned[np.argsort(-combined[warned], kind="stable")][:EXPLAINED]
    written = {"risk_score": score, "risk_tier": tier, **ranked_columns(scores, companies)}
    # The reasons are sentences: written in each language, so that a page or a command in either reads
    # them in its own (:func:`..i18n.said`); and their parts, so that the warning list is a read.
    said = explain_in(store, scores, arrays.ids.take(warned).tolist(), ["en", "zh"])
    cases = arrays.ids.take(companies[confirmed[companies]]).tolist()
    for lang, name in (("en", "risk_reason"), ("zh", "risk_reason_zh")):
        with i18n.language(lang):
            reason = {e.entity: e.sentence(3) for e in said[lang]}
            reason.update(dict.fromkeys(cases, _("a confirmed case on record")))
        written[name] = reason
        written[name.replace("reason", "parts")] = {e.entity: stored_parts(e) for e in said[lang]}
    return written, tiers, scores


def _controllers(strings: IdStrings, verdict: np.ndarray, one: np.ndarray, other: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the controller's id (single control) or the first of the two ids sorted (joint), and
    the second of them; None where control is neither."""
    first = np.full(len(verdict), None, dtype=object)
    second = np.full(len(verdict), None, dtype=object)
    single = verdict == SINGLE
    first[single] = strings.at(one[single])
    joint = np.flatnonzero(verdict == JOINT)
    if len(joint):
        pairs = [sorted(pair) for pair in zip(strings.at(one[joint]).tolist(), strings.at(other[joint]).tolist())]
        first[joint] = [a for a, _ in pairs]
        second[joint] = [b for _, b in pairs]
    return first, second


def _rounded(values: np.ndarray, digits: int) -> list[float]:
    """Python's correctly rounded ``round`` of each value (numpy's differs on the last digit of ties),
    from its first 12 places: the sums behind a share are exact to about 1e-16, and summed in another
    order (on Spark, say) they can land either side of a tie (0.1930365 written 0.193036 or 0.193037)."""
    values = values.astype(float)
    scale = 10.0 ** digits
    scaled = values * scale
    rounded = (np.rint(scaled) / scale).tolist()  # k / 10**digits divided once: the double nearest, as round gives
    # Python's round only where the two may differ: near a tie (closer than the 12-place rounding can
    # move a value, 10**(digits - 12) units of the last place, plus 1e-4 for the product's error),
    # where the product loses that precision, and NaN or infinity.
    near = 1e-4 + 10.0 ** (digits - 12)
    with np.errstate(invalid="ignore"):
        exact = (np.abs(values) < 1e11 / scale) & (np.abs(scaled - np.floor(scaled) - 0.5) >= near)
    for k in np.flatnonzero(~exact).tolist():
        rounded[k] = round(round(float(values[k]), 12), digits)
    return rounded


def _rounded_to(digits: int):
    """:func:`_rounded` to ``digits`` places, as a :class:`LazyColumn` converts its chunks."""
    return functools.partial(_rounded, digits=digits)


def _where(mask: np.ndarray, values: np.ndarray, convert=None) -> LazyColumn:
    """``values`` (over every row, or over the rows of ``mask`` only) where ``mask``, None elsewhere."""
    if len(values) != len(mask):
        spread = np.full(len(mask), None, dtype=object)
        spread[mask] = values
        values = spread
    return LazyColumn(values, mask, convert)
