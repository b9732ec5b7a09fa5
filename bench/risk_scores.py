"""Risk of every company of a million-company case, and the explanations of the top 1,000, against
networkx personalised PageRank on the same links."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from runner import measure, peak_mib


def task_risk(db: str, explained: str = "1000") -> dict:
    """Risk of every company (indicators + network) and the explanations of the top warnings, timed
    apart from reading the store."""
    import numpy as np

    from equitygraph.graph.analysis.control_rules import control_table
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.risk.facts import facts_of
    from equitygraph.queries.risk.scores import explain, explain_in, score_arrays
    from equitygraph.queries import i18n
    from equitygraph.queries.risk.config import load_config

    config = load_config()
    with SQLiteStore(db, readonly=True) as store:
        started = time.perf_counter()
        arrays = store.export_arrays()
        export = time.perf_counter() - started
        started = time.perf_counter()
        facts = facts_of(store, arrays)
        read_facts = time.perf_counter() - started
        started = time.perf_counter()
        table = control_table(arrays)
        control = time.perf_counter() - started
        peak_before = peak_mib()
        started = time.perf_counter()
        scores = score_arrays(arrays, facts, table, config)
        scoring = time.perf_counter() - started
        peak_scores = peak_mib()
        company = np.flatnonzero((arrays.kinds == 0) & ~scores.found.confirmed)
        top = company[np.argsort(-scores.combined[company], kind="stable")[:int(explained)]]
        started = time.perf_counter()
        reasons = explain(store, scores, [arrays.ids[j] for j in top.tolist()])
        explaining = time.perf_counter() - started
        # analyze writes the reasons in Chinese too: the sources are found once, then said twice
        started = time.perf_counter()
        both = explain_in(store, scores, [arrays.ids[j] for j in top.tolist()], ["en", "zh"])
        explaining_both = time.perf_counter() - started
        with i18n.language("zh"):
            example_zh = both["zh"][0].sentence(3) if both["zh"] else ""
    named = config.tiers_of(scores.combined[company])
    tiers = {name: int((named == name).sum()) for name in ("red", "orange", "yellow")}
    return {"export_seconds": export, "facts_seconds": read_facts, "control_seconds": control,
            "score_seconds": scoring, "phases": scores.seconds, "explain_seconds": explaining,
            "explain_both_languages_seconds": explaining_both, "example_zh": example_zh,
            "explained": len(reasons), "entities": arrays.n, "companies": int((arrays.kinds == 0).sum()),
            "links": int(scores.network.spread.nnz // 2), "walked": int(len(scores.network.walked)), "tiers": tiers,
            "confirmed": int(scores.found.confirmed.sum()), "example": reasons[0].sentence(3) if reasons else "",
            "peak_before_scores_mib": peak_before, "peak_after_scores_mib": peak_scores, "peak_mib": peak_mib()}


def task_risk_networkx(db: str) -> dict:
    """networkx personalised PageRank on the same weighted links, the same seeds and damping."""
    import networkx as nx
    import numpy as np

    from equitygraph.graph.analysis.control_rules import control_table
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.graph.analysis.risk import link_matrix
    from equitygraph.queries.risk.facts import facts_of
    from equitygraph.queries.risk.scores import score_arrays
    from equitygraph.queries.risk.config import load_config

    config = load_config()
    with SQLiteStore(db, readonly=True) as store:
        arrays = store.export_arrays()
        facts = facts_of(store, arrays)
    table = control_table(arrays)
    started = time.perf_counter()
    scores = score_arrays(arrays, facts, table, config)
    ours = time.perf_counter() - started
    adjacency = link_matrix(arrays, table, config).tocoo()
    started = time.perf_counter()
    graph = nx.Graph()
    graph.add_nodes_from(range(arrays.n))
    upper = adjacency.row < adjacency.col
    graph.add_weighted_edges_from(zip(adjacency.row[upper].tolist(), adjacency.col[upper].tolist(),
                                      adjacency.data[upper].tolist()))
    network = scores.network
    seeds = {int(network.walked[r]): float(network.seeds[r]) for r in np.flatnonzero(network.seeds > 0)}  # as walked
    ranked = nx.pagerank(graph, alpha=config["contagion"]["carry"], personalization=seeds, weight="weight", tol=1e-8)
    baseline = time.perf_counter() - started
    company = np.flatnonzero(arrays.kinds == 0)
    theirs = np.array([ranked[int(j)] for j in company])
    mine = network.received_of(company)
    top = min(1000, len(company))
    overlap = len(set(np.argsort(-theirs)[:top].tolist()) & set(np.argsort(-mine)[:top].tolist())) / top
    return {"ours_seconds": ours, "baseline_seconds": baseline, "ratio": baseline / ours,
            "top_1000_overlap": overlap, "nodes": arrays.n, "edges": int(upper.sum())}




def risk_part(work: Path, args, results: dict) -> list[str]:
    db = Path(args.risk_db) if args.risk_db else work / "big.db"
    if not db.exists():
        print(f"risk: generating and loading {args.control_companies:,} companies ...", file=sys.stderr)
        measure("generate", str(work / "big"), str(args.control_companies))
        measure("load_only", str(work / "big"), str(db))
        shutil.rmtree(work / "big")
    print("risk: scores, explanations, networkx pagerank ...", file=sys.stderr)
    ours = measure("risk", str(db), "1000")
    nx_ = measure("risk_networkx", str(db))
    results["risk"] = {"ours": ours, "networkx": nx_}
    return [
        f"| risk of every company, {ours['companies']:,} companies ({ours['entities']:,} entities, {ours['links']:,} links "
        f"in the walk): indicators + network, from the arrays and control table | {ours['score_seconds']:.1f} s "
        f"(indicators {ours['phases']['indicators']:.1f} s, network {ours['phases']['network']:.1f} s; read apart: export "
        f"{ours['export_seconds']:.0f} s, company facts {ours['facts_seconds']:.0f} s, control table "
        f"{ours['control_seconds']:.1f} s) | networkx pagerank on the same links, seeds and damping (graph built + "
        f"solved, no indicators): {nx_['baseline_seconds']:.0f} s | {nx_['ratio']:.0f}x |",
        f"| explanations of the top {ours['explained']:,} warnings (sources, paths in words) | "
        f"{ours['explain_seconds']:.1f} s | | |",
        f"| peak memory of the risk process | {ours['peak_mib']:,.0f} MiB ({ours['peak_before_scores_mib']:,.0f} MiB "
        f"before scoring: export, facts, control table) | | |",
    ]


TASKS = {"risk": task_risk, "risk_networkx": task_risk_networkx}
