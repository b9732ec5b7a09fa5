"""Control of every company (integrated ownership, the control rules) against networkx path
enumeration and the same rules company by company; one named company end to end."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from runner import measure, peak_mib


def task_whole_graph(db: str) -> dict:
    """Integrated ownership and actual control of every company, from the loaded store."""
    import numpy as np

    from equitygraph.graph.analysis.control_rules import VERDICTS, control_table
    from equitygraph.graph.analysis.ownership import integrated_ownership
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        started = time.perf_counter()
        arrays = store.export_arrays()
        export = time.perf_counter() - started
    started = time.perf_counter()
    owned = integrated_ownership(arrays)
    ownership = time.perf_counter() - started
    started = time.perf_counter()
    table = control_table(arrays)
    control = time.perf_counter() - started
    finals = np.bincount(table.by_row["final"], minlength=len(VERDICTS))
    return {"export_seconds": export, "ownership_seconds": ownership, "control_seconds": control,
            "entities": arrays.n, "holdings": int(len(arrays.holding_holder)), "ownership_pairs": int(owned.low.nnz),
            "verdicts": {VERDICTS[k]: int(v) for k, v in enumerate(finals) if v}, "peak_mib": peak_mib()}


def task_control_one_by_one(db: str, count: str) -> dict:
    """The baseline for whole-graph control: the same rules run company by company, each on its
    upstream subgraph (the per-company form), on a sample; projected to every company."""
    import random

    from equitygraph.graph.analysis.control_rules import control_table
    from equitygraph.graph.arrays import arrays_from_records
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.control.answer import upstream

    with SQLiteStore(db) as store:
        companies = [r[0] for r in store._db.execute("SELECT id FROM entities WHERE kind = 'company'")]
        sample = random.Random(1).sample(companies, int(count))
        started = time.perf_counter()
        for company_id in sample:
            up = upstream(store, company_id)
            control_table(arrays_from_records(up.entities.values(), up.holdings, up.officers))
        seconds = time.perf_counter() - started
    return {"sample": len(sample), "seconds": seconds, "companies": len(companies),
            "projected_seconds": seconds / len(sample) * len(companies)}


def task_networkx_baseline(db: str) -> dict:
    """Integrated ownership by plain path enumeration over a networkx graph, against ours."""
    import networkx as nx
    import numpy as np

    from equitygraph.graph.analysis.ownership import direct_shares, integrated, ownership_matrix
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        arrays = store.export_arrays()
    started = time.perf_counter()
    ours = integrated(ownership_matrix(direct_shares(arrays), "low")).tocsc()
    ours_seconds = time.perf_counter() - started

    direct = direct_shares(arrays)
    started = time.perf_counter()
    # The plain networkx way: for every company, every simple path from every ancestor, product of shares.
    graph = nx.DiGraph()
    for h, c, s in zip(direct.holder.tolist(), direct.company.tolist(), direct.low.tolist()):
        graph.add_edge(h, c, share=graph.get_edge_data(h, c, {"share": 0.0})["share"] + s)
    baseline: dict[tuple[int, int], float] = {}
    for target in graph.nodes:
        for ancestor in nx.ancestors(graph, target):
            total = 0.0
            for path in nx.all_simple_paths(graph, ancestor, target):
                total += float(np.prod([graph[a][b]["share"] for a, b in zip(path, path[1:])]))
            baseline[ancestor, target] = total
    baseline_seconds = time.perf_counter() - started
    # Simple paths cannot go round a cycle and the series does: compare where no cycle lies upstream.
    cyclic = {n for c in nx.strongly_connected_components(graph) if len(c) > 1 for n in c}
    worst, compared = 0.0, 0
    upstream_cycle = {c: c in cyclic or bool(nx.ancestors(graph, c) & cyclic) for c in graph.nodes}
    for (h, c), value in baseline.items():
        if upstream_cycle[c]:
            continue
        compared += 1
        worst = max(worst, abs(ours[h, c] - value))
    acyclic_pairs = compared
    return {"ours_seconds": ours_seconds, "baseline_seconds": baseline_seconds, "pairs": len(baseline),
            "compared_pairs": acyclic_pairs, "max_abs_difference": worst, "ours_pairs": int(ours.nnz),
            "ratio": baseline_seconds / ours_seconds}


def task_named_company(db: str, count: str) -> dict:
    """One named company end to end: resolve the name, control, chains, beneficial owners, signals."""
    import random

    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.control.report import control_report

    with SQLiteStore(db) as store:
        names = [r[0] for r in store._db.execute("SELECT name FROM entities WHERE kind = 'company' ORDER BY id")]
        picks = random.Random(1).sample(names, int(count))
        latencies = []
        for name in picks:
            started = time.perf_counter()
            control_report(store, name)
            latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return {"p50_ms": latencies[len(latencies) // 2], "p95_ms": latencies[int(len(latencies) * 0.95)],
            "max_ms": latencies[-1], "companies": len(latencies)}




def control_part(work: Path, args, results: dict) -> list[str]:
    rows = []
    print("control: 10,000 companies against networkx path enumeration ...", file=sys.stderr)
    measure("generate", str(work / "c10k"), "10000")
    measure("load_only", str(work / "c10k"), str(work / "c10k.db"))
    nx_ = measure("networkx_baseline", str(work / "c10k.db"))
    rows.append(f"| integrated ownership, 10,000 companies ({nx_['pairs']:,} owner-company pairs) | "
                f"{nx_['ours_seconds'] * 1000:.0f} ms | networkx path enumeration {nx_['baseline_seconds']:.2f} s; "
                f"max difference on {nx_['compared_pairs']:,} acyclic pairs {nx_['max_abs_difference']:.1e} "
                f"| {nx_['ratio']:.0f}x |")
    if not (work / "case").exists():
        measure("generate", str(work / "case"), str(args.load_companies))
    if not (work / "ours.db").exists():
        measure("load_only", str(work / "case"), str(work / "ours.db"))
    named = measure("named_company", str(work / "ours.db"), "300")
    rows.append(f"| one named company end to end (resolve, control, chains, owners, signals), {args.load_companies:,}-company "
                f"store, 300 names | p50 {named['p50_ms']:.1f} ms, p95 {named['p95_ms']:.1f} ms | | |")
    print(f"control: {args.control_companies:,} companies ...", file=sys.stderr)
    measure("generate", str(work / "big"), str(args.control_companies))
    load = measure("load_only", str(work / "big"), str(work / "big.db"))
    shutil.rmtree(work / "big")
    whole = measure("whole_graph", str(work / "big.db"))
    one_by_one = measure("control_one_by_one", str(work / "big.db"), "1000")
    rows.append(f"| load {args.control_companies:,} companies into SQLite | {load['seconds']:.0f} s = "
                f"{load['rows'] / load['seconds']:,.0f} rows/s | | |")
    rows.append(f"| whole graph, {args.control_companies:,} companies ({whole['holdings']:,} holdings): export arrays "
                f"| {whole['export_seconds']:.1f} s | | |")
    rows.append(f"| integrated ownership of every holder in every company (low and high bounds) | "
                f"{whole['ownership_seconds']:.2f} s, {whole['ownership_pairs']:,} pairs | | |")
    rows.append(f"| actual controller of every company ({', '.join(f'{k} {v:,}' for k, v in whole['verdicts'].items())}) "
                f"| {whole['control_seconds']:.2f} s | the same rules company by company on each upstream subgraph, "
                f"{one_by_one['sample']:,} sampled: {one_by_one['seconds']:.1f} s, projected to all "
                f"{one_by_one['projected_seconds']:,.0f} s | {one_by_one['projected_seconds'] / whole['control_seconds']:,.0f}x |")
    rows.append(f"| peak memory of the whole-graph process (export + both) | {whole['peak_mib']:,.0f} MiB | | |")
    results["control"] = {"networkx": nx_, "named_company": named, "load_big": load, "whole_graph": whole,
                          "one_by_one": one_by_one}
    return rows


TASKS = {"whole_graph": task_whole_graph, "control_one_by_one": task_control_one_by_one,
         "networkx_baseline": task_networkx_baseline, "named_company": task_named_company}
