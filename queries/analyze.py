"""Whole-graph analysis: every company's actual controller and largest ultimate owner, written
back to the store so that other tools (Neo4j Browser, Bloom, SQL) can use them."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass

import numpy as np

from ..graph.arrays import KIND_CODES
from ..graph.analysis.control_rules import REASONS, RULES, VERDICTS, control_table
from ..graph.model import REGISTER_COMPLETE, EntityKind
from ..graph.analysis.ownership import direct_shares, integrated, ownership_matrix, ultimate_owner_mask
from ..graph.analysis.clusters import clusters
from ..graph.analysis.groups import enterprise_groups
from ..graph.stores.base import Store
from .standing import ANALYSIS_META
from .render import Result, Section


WRITTEN = ("controller", "control_verdict", "control_rule", "control_reason", "control_hops", "top_owner",
           "top_owner_share", "on_record", "not_on_record", "direct_controller", "direct_partner", "group",
           "group_size", "cluster", "cluster_size", "risk_score", "risk_tier", "risk_reason")
EXPLAINED = 5000  # risk reasons are written for this many warned companies, the highest scores first


@dataclass
class AnalysisResult(Result):
    companies: int
    verdicts: dict[str, int]
    seconds: dict[str, float]
    as_of: dt.date | None
    incomplete_registers: int = 0  # companies with less than 95 % of their shares on record
    reasons: dict[str, int] | None = None  # why verdicts are uncertain or loops, by reason
    tiers: dict[str, int] | None = None  # companies warned, by risk tier (confirmed cases apart)

    def to_dict(self) -> dict:
        return {"companies": self.companies, "verdicts": self.verdicts, "reasons": self.reasons or {},
                "incomplete_registers": self.incomplete_registers, "risk_tiers": self.tiers or {},
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "written": list(WRITTEN)}

    def sections(self) -> list[Section]:
        when = f" as of {self.as_of.isoformat()}" if self.as_of else ""
        return [
            Section(f"Control of {self.companies:,} companies{when}", ["verdict", "companies"],
                    sorted(self.verdicts.items(), key=lambda kv: -kv[1]),
                    note=f"{self.incomplete_registers:,} companies have less than 95 % of their shares on record"),
            Section("Why not certain", ["reason", "companies"],
                    sorted((self.reasons or {}).items(), key=lambda kv: -kv[1])),
            Section("Early warnings", ["tier", "companies"], list((self.tiers or {}).items()),
                    note="equitygraph risk --top N lists them with their reasons"),
            Section("Time", ["step", "seconds"], [(k, f"{v:.2f}") for k, v in self.seconds.items()],
                    note="written back per company: " + ", ".join(WRITTEN)),
        ]


def analyze(store: Store, as_of: dt.date | None = None, progress=lambda step: None,
            with_clusters: bool = True, risk_config=None) -> AnalysisResult:
    """Control, ownership, groups, clusters and risk of every company, written back to the store
    (``risk_config``: the risk weights, the shipped default when None)."""
    from .risk_config import load_config

    risk_config = risk_config if risk_config is not None else load_config()
    seconds = {}
    started = time.perf_counter()
    progress("reading the graph")
    arrays = store.export_arrays()
    seconds["read the graph"] = time.perf_counter() - started

    started = time.perf_counter()
    progress("deciding control")
    from .control import identity_decisions

    table = control_table(arrays, as_of, decisions=identity_decisions(store, arrays))
    seconds["control"] = time.perf_counter() - started

    started = time.perf_counter()
    progress("integrating ownership")
    direct = direct_shares(arrays, as_of)
    T = integrated(ownership_matrix(direct, "low")).tocsc()
    roots = ultimate_owner_mask(arrays, direct)
    T = T[roots.nonzero()[0], :] if roots.any() else T[:0, :]
    root_ids = np.flatnonzero(roots)
    top_owner, top_share = _column_max(T, root_ids, arrays.n)
    seconds["integrated ownership"] = time.perf_counter() - started

    started = time.perf_counter()
    progress("enterprise groups")
    groups = enterprise_groups(table, arrays, min_size=2)
    seconds["groups"] = time.perf_counter() - started
    clustered = None
    if with_clusters:
        started = time.perf_counter()
        progress("clusters")
        clustered = clusters(arrays, as_of=as_of, decisions=identity_decisions(store, arrays))
        seconds["clusters"] = time.perf_counter() - started

    started = time.perf_counter()
    progress("risk")
    risk, tiers = _risk(store, arrays, table, risk_config, as_of)
    seconds["risk"] = time.perf_counter() - started

    started = time.perf_counter()
    progress("writing results back")
    companies = np.flatnonzero(arrays.kinds == KIND_CODES[EntityKind.COMPANY])
    ids = arrays.ids
    controller, verdict, rule, reason, hops, owner, share, on_record, missing = ({} for _ in range(9))
    rows = table.rows.of[companies]
    by_row, registers = table.by_row, table.registers
    final, rules, reasons, steps = by_row["final"][rows], by_row["rule"][rows], by_row["final_reason"][rows], \
        by_row["hops"][rows]
    covered_low = registers.on_record_low[rows]
    uncovered = np.maximum(0.0, 1.0 - covered_low)
    for k, j in enumerate(companies):
        entity = ids[j]
        verdict[entity] = VERDICTS[final[k]]
        found = table.actual_controller(j)
        if found:
            controller[entity] = "|".join(found)
            hops[entity] = int(steps[k])
        if rules[k] >= 0:
            rule[entity] = RULES[rules[k]]
        if reasons[k]:
            reason[entity] = REASONS[reasons[k]]
        if top_owner[j] >= 0:
            owner[entity] = ids[top_owner[j]]
            share[entity] = round(float(top_share[j]), 6)
        on_record[entity] = round(float(covered_low[k]), 6)
        missing[entity] = round(float(uncovered[k]), 6)
    direct, partner = _direct_controllers(table, arrays, companies)
    group, group_size = {}, {}
    for g in groups.groups:
        key = "|".join(ids[c] for c in g.controllers)
        for m in g.members.tolist():
            group[ids[m]], group_size[ids[m]] = key, g.size
    cluster, cluster_size = {}, {}
    if clustered is not None:
        for j in np.flatnonzero(clustered.of >= 0).tolist():
            number = int(clustered.of[j])
            cluster[ids[j]], cluster_size[ids[j]] = clustered.ids[number], int(clustered.size[number])
    store.write_analysis({name: values for name, values in (
        ("controller", controller), ("control_verdict", verdict), ("control_rule", rule),
        ("control_reason", reason), ("control_hops", hops), ("top_owner", owner),
        ("top_owner_share", share), ("on_record", on_record), ("not_on_record", missing),
        ("direct_controller", direct), ("direct_partner", partner), ("group", group),
        ("group_size", group_size), ("cluster", cluster), ("cluster_size", cluster_size),
        *risk.items()) if not (name.startswith("cluster") and clustered is None)}, ids_known=True)
    store.set_meta(ANALYSIS_META, json.dumps({"as_of": as_of.isoformat() if as_of else None,
                                               "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                               "clusters": clustered is not None}))
    seconds["write back"] = time.perf_counter() - started
    counts: dict[str, int] = {}
    for v in verdict.values():
        counts[v] = counts.get(v, 0) + 1
    why: dict[str, int] = {}
    for v in reason.values():
        why[v] = why.get(v, 0) + 1
    incomplete = int((covered_low < REGISTER_COMPLETE - 1e-9).sum())
    return AnalysisResult(len(companies), counts, seconds, as_of, incomplete, why, tiers)


def _risk(store: Store, arrays, table, config, as_of) -> tuple[dict[str, dict], dict[str, int]]:
    """Every company's risk score and tier, and the reasons of the highest warned ones."""
    from .risk import explain, score_all

    scores = score_all(store, config, as_of, arrays=arrays, table=table)
    companies = np.flatnonzero(arrays.kinds == KIND_CODES[EntityKind.COMPANY])
    ids, combined, confirmed = arrays.ids, scores.combined, scores.found.confirmed
    score = {ids[j]: round(float(combined[j]), 4) for j in companies.tolist()}
    named = scores.tiers(companies)
    tier = {ids[j]: t for j, t in zip(companies.tolist(), named.tolist()) if t}
    tiers = {t: int((named == t).sum()) for t in ("red", "orange", "yellow", "confirmed")}
    warned = companies[(combined[companies] >= config["tiers"]["yellow"] - 1e-12) & ~confirmed[companies]]
    warned = warned[np.argsort(-combined[warned], kind="stable")][:EXPLAINED]
    reason = {e.entity: e.sentence(3) for e in explain(store, scores, [ids[j] for j in warned.tolist()])}
    reason.update({ids[j]: "a confirmed case on record" for j in companies[confirmed[companies]].tolist()})
    return {"risk_score": score, "risk_tier": tier, "risk_reason": reason}, tiers


def _direct_controllers(table, arrays, companies) -> tuple[dict, dict]:
    """Each company's direct controller(s), for the look-ups of subsidiaries."""
    from ..graph.analysis.control_rules import JOINT, SINGLE

    rows = table.rows.of[companies]
    verdict = table.by_row["verdict"][rows]
    first, second = table.by_row["controller"][rows], table.by_row["joint_partner"][rows]
    direct, partner = {}, {}
    ids = arrays.ids
    for k in np.flatnonzero((verdict == SINGLE) | (verdict == JOINT)).tolist():
        a, b = int(first[k]), int(second[k])
        pair = sorted((ids[a], ids[b])) if verdict[k] == JOINT else [ids[a]]
        direct[ids[companies[k]]] = pair[0]
        if len(pair) == 2:
            partner[ids[companies[k]]] = pair[1]
    return direct, partner


def _column_max(T, row_ids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """For each column of a CSC matrix: the row id of its largest entry and that entry."""
    owner = np.full(n, -1, dtype=np.int64)
    share = np.zeros(n)
    T = T.tocsc()
    T.sort_indices()
    counts = np.diff(T.indptr)
    nonempty = np.flatnonzero(counts)
    if len(nonempty):
        best = np.maximum.reduceat(T.data, T.indptr[nonempty]) if T.nnz else np.zeros(0)
        column_of = np.repeat(np.arange(T.shape[1]), counts)
        is_best = T.data == best[np.searchsorted(nonempty, column_of)]
        # The first (lowest-index) row reaching the maximum, so ties are broken the same every time.
        first = np.full(T.shape[1], -1, dtype=np.int64)
        rows = T.indices[is_best][::-1]
        first[column_of[is_best][::-1]] = rows
        owner[nonempty] = row_ids[first[nonempty]]
        share[nonempty] = best
    return owner, share
