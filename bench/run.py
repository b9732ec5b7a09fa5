"""Benchmarks, each side by side with a baseline measured in the same run.

    python bench/run.py [--load-companies 100000] [--generate-companies 1000000]

1. Load into the embedded store: the real loader (parse, validate, write with natural keys and
   indexes, in one transaction) against a baseline that validates nothing (pandas ``read_csv`` of
   every file as text, then ``DataFrame.to_sql`` into a fresh SQLite file).
2. The case generator for a million companies against the I/O floor: reading and re-writing the
   same CSV files with the csv module alone.
3. Neo4j loads (UNWIND batches and the bulk importer) against one MERGE per row; control of every
   company against the same rules company by company (``--only control``).
4. Risk of every company of a million-company case, and the explanations of the top 1,000, against
   networkx personalised PageRank on the same links (``--only risk [--risk-db STORE]``).

Each measurement runs in its own process, so its peak RSS is its own. Results go to stdout as a
table and to ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASE_FILES = ("entities", "holdings", "officers", "events")


def machine_note() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, {platform.system()}"


@contextlib.contextmanager
def local_neo4j(prefix: str, memory: str):
    """A Neo4j server of the benchmark's own (the jars from Maven Central, a temporary home, Bolt on
    127.0.0.1, authentication off, ``memory`` of heap and as much page cache), stopped afterwards."""
    from equitygraph.graph.stores.neo4j_server import Neo4jServer, free_port

    lib = Neo4jServer(HERE.parent / ".neo4j")
    lib.install()
    with tempfile.TemporaryDirectory(prefix=prefix) as home:
        server = Neo4jServer(home, port=free_port(), lib=lib.lib)
        server.start(heap=memory, pagecache=memory, auth=False)
        try:
            yield server
        finally:
            server.stop()


def _measure(task: str, *args: str) -> dict:
    """Run one task in a fresh interpreter; it prints a JSON line with its figures."""
    out = subprocess.run([sys.executable, __file__, "--task", task, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _csv_rows(case: Path) -> int:
    rows = 0
    for name in CASE_FILES:
        with open(case / f"{name}.csv", "rb") as f:
            rows += sum(1 for _ in f) - 1
    return rows


# -- tasks (each runs in its own process) --------------------------------------------------------
def task_generate(out: str, companies: str) -> dict:
    from equitygraph.loaders.synthetic import generate_case

    started = time.perf_counter()
    summary = generate_case(out, companies=int(companies), seed=1)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "companies": summary.companies, "rows": _csv_rows(Path(out)), "peak_mib": _peak_mib()}


def task_copy_csv(src: str, dst: str) -> dict:
    started = time.perf_counter()
    Path(dst).mkdir(parents=True, exist_ok=True)
    for name in (*CASE_FILES, "ground_truth"):
        with open(Path(src) / f"{name}.csv", encoding="utf-8", newline="") as fin, \
             open(Path(dst) / f"{name}.csv", "w", encoding="utf-8", newline="") as fout:
            csv.writer(fout, lineterminator="\n").writerows(csv.reader(fin))
    return {"seconds": time.perf_counter() - started, "peak_mib": _peak_mib()}


def task_load(case: str, db: str) -> dict:
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.loaders.csv_folder import load_folder

    with SQLiteStore(db) as store:
        started = time.perf_counter()
        report = load_folder(store, case)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        arrays = store.export_arrays()
        export_seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": report.rows, "records": sum(report.counts[k] for k in (
        "company", "person", "organization", "address", "contact", "holdings", "officers", "events", "links")),
        "export_arrays_seconds": export_seconds, "entities": arrays.n, "peak_mib": _peak_mib()}


def task_reload(case: str, db: str) -> dict:
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.loaders.csv_folder import load_folder

    with SQLiteStore(db) as store:
        started = time.perf_counter()
        report = load_folder(store, case)
        return {"seconds": time.perf_counter() - started, "rows": report.rows, "peak_mib": _peak_mib()}


def task_pandas_to_sql(case: str, db: str) -> dict:
    import sqlite3

    import pandas as pd

    started = time.perf_counter()
    con = sqlite3.connect(db)
    rows = 0
    for name in CASE_FILES:
        frame = pd.read_csv(Path(case) / f"{name}.csv", dtype=str, keep_default_na=False)
        frame.to_sql(name, con, index=False, chunksize=50_000)
        rows += len(frame)
    con.commit()
    con.close()
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_mib": _peak_mib()}


def task_neo4j(case: str, home: str, lib: str, baseline_rows: str) -> dict:
    """Load into a fresh Neo4j with the real loader, then the per-row baseline on a slice of the
    same records, then per-company query latency."""
    import random

    from equitygraph.graph.stores.neo4j_server import Neo4jServer, free_port
    from equitygraph.graph.stores.neo4j import Neo4jStore, _row
    from equitygraph.loaders.csv_folder import load_folder
    from equitygraph.loaders.csv_rows import read_folder
    from equitygraph.queries.company import company_report

    server = Neo4jServer(home, port=free_port(), lib=lib)
    server.start(heap="4g", pagecache="3g", auth=False)  # measured without authentication, as before
    try:
        with Neo4jStore(server.uri, batch_size=10000) as store:
            replay_seconds = {}
            real_replay = store._replay

            def timed_replay(writer):
                started = time.perf_counter()
                real_replay(writer)
                replay_seconds["s"] = time.perf_counter() - started

            store._replay = timed_replay
            started = time.perf_counter()
            report = load_folder(store, case)
            seconds = time.perf_counter() - started
            records = sum(report.counts[k] for k in (
                "company", "person", "organization", "address", "contact", "holdings", "officers", "events", "links"))
            started = time.perf_counter()
            load_folder(store, case)
            reload_seconds = time.perf_counter() - started

            # The baseline: the same MERGE statements, one row per statement and transaction.
            sample = []
            for record in read_folder(case):
                sample.append(_row(record))
                if len(sample) >= int(baseline_rows):
                    break
            store.delete_everything()
            started = time.perf_counter()
            for statement, row in sample:
                if "Entity {id: row.id}) SET" in statement:
                    store._write(statement, [row])
            for statement, row in sample:
                if "Entity {id: row.id}) SET" not in statement:
                    store._write(statement, [row])
            baseline_seconds = time.perf_counter() - started

            store.delete_everything()
            load_folder(store, case)
            companies = [r["id"] for r in store._pages(
                "MATCH (n:Company) WHERE n.id > $after RETURN n.id AS id ORDER BY n.id LIMIT $limit", "id")]
            picks = random.Random(1).sample(companies, 200)
            latencies = []
            for company_id in picks:
                started = time.perf_counter()
                company_report(store, company_id)
                store.neighbourhood(company_id, depth=2)
                latencies.append((time.perf_counter() - started) * 1000)
            latencies.sort()
    finally:
        server.stop()
    return {
        "rows": report.rows, "records": records, "seconds": seconds, "write_seconds": replay_seconds["s"],
        "reload_seconds": reload_seconds, "baseline_records": len(sample), "baseline_seconds": baseline_seconds,
        "latency_ms_p50": latencies[len(latencies) // 2], "latency_ms_p95": latencies[int(len(latencies) * 0.95)],
        "peak_mib": _peak_mib(),
    }


def task_neo4j_import(case: str, home: str, lib: str) -> dict:
    """The bulk path (equitygraph neo4j import) into a fresh server, timed phase by phase."""
    from equitygraph.graph.stores import neo4j_import
    from equitygraph.graph.stores.neo4j_server import Neo4jServer, free_port
    from equitygraph.loaders.csv_folder import import_folder

    phases: dict[str, float] = {}

    def timed(owner, name, phase):
        real = getattr(owner, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                phases[phase] = phases.get(phase, 0.0) + time.perf_counter() - started
        setattr(owner, name, wrapper)

    timed(neo4j_import.ImportFiles, "add", "import_files")
    timed(neo4j_import.ImportFiles, "add_table", "import_files")
    timed(neo4j_import.ImportFiles, "close", "import_files")
    timed(Neo4jServer, "stop", "server_stop")
    timed(Neo4jServer, "import_database", "neo4j_admin_import")
    timed(Neo4jServer, "start", "server_start")
    server = Neo4jServer(home, port=free_port(), lib=lib)
    server.start(heap="4g", pagecache="3g", auth=False)  # measured without authentication, as before
    phases.clear()
    try:
        real_open = neo4j_import.Neo4jStore

        def timed_open(*args, **kwargs):  # the last open creates the schema on the imported data
            started = time.perf_counter()
            opened = real_open(*args, **kwargs)
            phases["schema_and_indexes"] = time.perf_counter() - started
            return opened

        neo4j_import.Neo4jStore = timed_open
        started = time.perf_counter()
        report, store = import_folder(server, case)
        seconds = time.perf_counter() - started
        with store:
            counts = store.counts()
    finally:
        server.stop()
    records = sum(report.counts[k] for k in (
        "company", "person", "organization", "address", "contact", "holdings", "officers", "events", "links",
        "relations"))
    assert records == sum(counts.values()), (records, counts)
    write = sum(phases[k] for k in ("import_files", "server_stop", "neo4j_admin_import", "server_start",
                                    "schema_and_indexes"))
    return {"rows": report.rows, "records": records, "seconds": seconds, "write_seconds": write,
            "phases": phases, "peak_mib": _peak_mib()}


def task_load_only(case: str, db: str) -> dict:
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.loaders.csv_folder import load_folder

    with SQLiteStore(db) as store:
        report = load_folder(store, case)
    return {"seconds": report.seconds, "rows": report.rows, "peak_mib": _peak_mib()}


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
            "verdicts": {VERDICTS[k]: int(v) for k, v in enumerate(finals) if v}, "peak_mib": _peak_mib()}


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


def task_groups_clusters(db: str) -> dict:
    """Enterprise groups and clusters of the whole graph, from the loaded store."""
    from equitygraph.graph.analysis.clusters import clusters
    from equitygraph.graph.analysis.control_rules import control_table
    from equitygraph.graph.analysis.groups import enterprise_groups
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        arrays = store.export_arrays()
    started = time.perf_counter()
    table = control_table(arrays)
    control = time.perf_counter() - started
    started = time.perf_counter()
    groups = enterprise_groups(table, arrays, min_size=2)
    grouping = time.perf_counter() - started
    started = time.perf_counter()
    found = clusters(arrays)
    clustering = time.perf_counter() - started
    sizes = sorted(found.size.tolist())
    return {"control_seconds": control, "groups_seconds": grouping, "groups": len(groups.groups),
            "clusters_seconds": clustering, "cluster_phases": found.seconds, "clusters": len(found),
            "cluster_median": sizes[len(sizes) // 2] if sizes else 0, "cluster_max": sizes[-1] if sizes else 0,
            "peak_mib": _peak_mib()}


def task_louvain_baseline(db: str) -> dict:
    """networkx Louvain on the very graph our clusters use (the same links), against ours."""
    import networkx as nx

    from equitygraph.graph.analysis.clusters import clusters, link_edges
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        arrays = store.export_arrays()
    started = time.perf_counter()
    clusters(arrays)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    src, dst, _ = link_edges(arrays)
    graph = nx.Graph()
    graph.add_nodes_from(range(arrays.n))
    graph.add_edges_from(zip(src.tolist(), dst.tolist()))
    communities = nx.community.louvain_communities(graph, seed=1)
    baseline = time.perf_counter() - started
    return {"ours_seconds": ours, "baseline_seconds": baseline, "baseline_communities": len(communities),
            "ratio": baseline / ours, "nodes": arrays.n, "edges": int(len(src))}


def task_related_latency(db: str, count: str, neo4j_uri: str = "") -> dict:
    """One company's related parties, and paths of up to 6 hops, on an analyzed store."""
    import random

    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.relations.paths import paths_between
    from equitygraph.queries.relations.related import related_parties

    if neo4j_uri:
        from equitygraph.graph.stores.neo4j import Neo4jStore

        store = Neo4jStore(neo4j_uri, readonly=True)
        ids = [r["id"] for r in store.cypher("MATCH (c:Company) RETURN c.id AS id ORDER BY c.id")]
        pairs = [(r["c"], r["p"]) for r in store.cypher(
            "MATCH (c:Company) WHERE c.result_controller IS NOT NULL RETURN c.id AS c, c.result_controller AS p "
            "ORDER BY c.id")]
    else:
        store = SQLiteStore(db, readonly=True)
        ids = [r[0] for r in store._db.execute("SELECT id FROM entities WHERE kind = 'company' ORDER BY id")]
        pairs = [(c, json.loads(v)) for c, v in store._db.execute(
            "SELECT entity_id, value FROM results WHERE name = 'controller' ORDER BY entity_id")]
    rnd = random.Random(1)
    related, paths = [], []
    for company in rnd.sample(ids, int(count)):
        started = time.perf_counter()
        related_parties(store, company)
        related.append((time.perf_counter() - started) * 1000)
    # Paths from a company to its actual controller's other companies' holders: a few hops apart.
    for company, controller in rnd.sample(pairs, int(count)):
        target = controller.split("|")[0]
        started = time.perf_counter()
        paths_between(store, company, target, k=3, max_hops=6)
        paths.append((time.perf_counter() - started) * 1000)
    store.close()
    related.sort(), paths.sort()
    pick = lambda xs, q: xs[min(len(xs) - 1, int(len(xs) * q))]  # noqa: E731
    return {"related_p50_ms": pick(related, 0.5), "related_p95_ms": pick(related, 0.95),
            "path_p50_ms": pick(paths, 0.5), "path_p95_ms": pick(paths, 0.95), "count": int(count)}


def task_risk(db: str, explained: str = "1000") -> dict:
    """Risk of every company (indicators + network) and the explanations of the top warnings, timed
    apart from reading the store."""
    import numpy as np

    from equitygraph.graph.analysis.control_rules import control_table
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.risk.scores import explain, facts_of, score_arrays
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
        peak_before = _peak_mib()
        started = time.perf_counter()
        scores = score_arrays(arrays, facts, table, config)
        scoring = time.perf_counter() - started
        peak_scores = _peak_mib()
        company = np.flatnonzero((arrays.kinds == 0) & ~scores.found.confirmed)
        top = company[np.argsort(-scores.combined[company], kind="stable")[:int(explained)]]
        started = time.perf_counter()
        reasons = explain(store, scores, [arrays.ids[j] for j in top.tolist()])
        explaining = time.perf_counter() - started
    named = config.tiers_of(scores.combined[company])
    tiers = {name: int((named == name).sum()) for name in ("red", "orange", "yellow")}
    return {"export_seconds": export, "facts_seconds": read_facts, "control_seconds": control,
            "score_seconds": scoring, "phases": scores.seconds, "explain_seconds": explaining,
            "explained": len(reasons), "entities": arrays.n, "companies": int((arrays.kinds == 0).sum()),
            "links": int(scores.network.spread.nnz // 2), "walked": int(len(scores.network.walked)), "tiers": tiers,
            "confirmed": int(scores.found.confirmed.sum()), "example": reasons[0].sentence(3) if reasons else "",
            "peak_before_scores_mib": peak_before, "peak_after_scores_mib": peak_scores, "peak_mib": _peak_mib()}


def task_risk_networkx(db: str) -> dict:
    """networkx personalised PageRank on the same weighted links, the same seeds and damping."""
    import networkx as nx
    import numpy as np

    from equitygraph.graph.analysis.control_rules import control_table
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.graph.analysis.risk import link_matrix
    from equitygraph.queries.risk.scores import facts_of, score_arrays
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
    seeds = {int(j): float(scores.network.seeds[j]) for j in np.flatnonzero(scores.network.seeds > 0)}
    ranked = nx.pagerank(graph, alpha=config["contagion"]["carry"], personalization=seeds, weight="weight", tol=1e-8)
    baseline = time.perf_counter() - started
    company = np.flatnonzero(arrays.kinds == 0)
    theirs = np.array([ranked[int(j)] for j in company])
    mine = scores.network.received[company]
    top = min(1000, len(company))
    overlap = len(set(np.argsort(-theirs)[:top].tolist()) & set(np.argsort(-mine)[:top].tolist())) / top
    return {"ours_seconds": ours, "baseline_seconds": baseline, "ratio": baseline / ours,
            "top_1000_overlap": overlap, "nodes": arrays.n, "edges": int(upper.sum())}


TASKS = {"generate": task_generate, "copy_csv": task_copy_csv, "load": task_load, "reload": task_reload,
         "pandas_to_sql": task_pandas_to_sql, "neo4j": task_neo4j, "neo4j_import": task_neo4j_import, "load_only": task_load_only,
         "whole_graph": task_whole_graph, "networkx_baseline": task_networkx_baseline,
         "named_company": task_named_company, "control_one_by_one": task_control_one_by_one,
         "groups_clusters": task_groups_clusters, "louvain_baseline": task_louvain_baseline,
         "related_latency": task_related_latency, "risk": task_risk, "risk_networkx": task_risk_networkx}


def _control_part(work: Path, args, results: dict) -> list[str]:
    rows = []
    print("control: 10,000 companies against networkx path enumeration ...", file=sys.stderr)
    _measure("generate", str(work / "c10k"), "10000")
    _measure("load_only", str(work / "c10k"), str(work / "c10k.db"))
    nx_ = _measure("networkx_baseline", str(work / "c10k.db"))
    rows.append(f"| integrated ownership, 10,000 companies ({nx_['pairs']:,} owner-company pairs) | "
                f"{nx_['ours_seconds'] * 1000:.0f} ms | networkx path enumeration {nx_['baseline_seconds']:.2f} s; "
                f"max difference on {nx_['compared_pairs']:,} acyclic pairs {nx_['max_abs_difference']:.1e} "
                f"| {nx_['ratio']:.0f}x |")
    if not (work / "case").exists():
        _measure("generate", str(work / "case"), str(args.load_companies))
    if not (work / "ours.db").exists():
        _measure("load_only", str(work / "case"), str(work / "ours.db"))
    named = _measure("named_company", str(work / "ours.db"), "300")
    rows.append(f"| one named company end to end (resolve, control, chains, owners, signals), {args.load_companies:,}-company "
                f"store, 300 names | p50 {named['p50_ms']:.1f} ms, p95 {named['p95_ms']:.1f} ms | | |")
    print(f"control: {args.control_companies:,} companies ...", file=sys.stderr)
    _measure("generate", str(work / "big"), str(args.control_companies))
    load = _measure("load_only", str(work / "big"), str(work / "big.db"))
    shutil.rmtree(work / "big")
    whole = _measure("whole_graph", str(work / "big.db"))
    one_by_one = _measure("control_one_by_one", str(work / "big.db"), "1000")
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


def _risk_part(work: Path, args, results: dict) -> list[str]:
    db = Path(args.risk_db) if args.risk_db else work / "big.db"
    if not db.exists():
        print(f"risk: generating and loading {args.control_companies:,} companies ...", file=sys.stderr)
        _measure("generate", str(work / "big"), str(args.control_companies))
        _measure("load_only", str(work / "big"), str(db))
        shutil.rmtree(work / "big")
    print("risk: scores, explanations, networkx pagerank ...", file=sys.stderr)
    ours = _measure("risk", str(db), "1000")
    nx_ = _measure("risk_networkx", str(db))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--load-companies", type=int, default=100_000)
    parser.add_argument("--generate-companies", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000, help="rows for the Neo4j per-row baseline")
    parser.add_argument("--bulk-companies", type=int, default=1_000_000,
                        help="companies for the sustained bulk import into Neo4j (0 skips it)")
    parser.add_argument("--control-companies", type=int, default=1_000_000)
    parser.add_argument("--risk-db", default=None,
                        help="a loaded store for the risk part (default: generate and load --control-companies)")
    parser.add_argument("--only", choices=("generate", "load", "neo4j", "control", "risk"), action="append",
                        help="run only these parts (repeatable); all by default")
    parser.add_argument("--task", choices=sorted(TASKS), help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.task:
        print(json.dumps(TASKS[args.task](*rest)))
        return
    parts = set(args.only or ("generate", "load", "neo4j", "control", "risk"))
    work = Path(tempfile.mkdtemp(prefix="equitygraph-bench-"))
    results: dict = {"machine": machine_note(), "date": time.strftime("%Y-%m-%d")}
    rows = ["| measurement | equitygraph | baseline (same run) | ratio |", "|---|---|---|---|"]
    print(f"machine: {results['machine']}", file=sys.stderr)
    try:
        if "generate" in parts:
            print(f"generating {args.generate_companies:,} companies ...", file=sys.stderr)
            g = _measure("generate", str(work / "big"), str(args.generate_companies))
            floor = _measure("copy_csv", str(work / "big"), str(work / "big-copy"))
            g.update(baseline_csv_copy_seconds=floor["seconds"], ratio_to_csv_copy=g["seconds"] / floor["seconds"])
            results["generate"] = g
            rows.append(f"| generate {g['companies']:,} companies ({g['rows']:,} rows) | {g['seconds']:.1f} s, "
                        f"peak {g['peak_mib']:.0f} MiB | csv copy of the same files {floor['seconds']:.1f} s "
                        f"| {g['ratio_to_csv_copy']:.2f}x the I/O floor |")
            shutil.rmtree(work / "big")
            shutil.rmtree(work / "big-copy")
        if parts & {"load", "neo4j"}:
            print(f"generating {args.load_companies:,} companies to load ...", file=sys.stderr)
            _measure("generate", str(work / "case"), str(args.load_companies))
        if "load" in parts:
            print("loading into SQLite ...", file=sys.stderr)
            ours = _measure("load", str(work / "case"), str(work / "ours.db"))
            again = _measure("reload", str(work / "case"), str(work / "ours.db"))
            base = _measure("pandas_to_sql", str(work / "case"), str(work / "pandas.db"))
            ld = results["load"] = {
                "companies": args.load_companies, **ours, "rows_per_s": ours["rows"] / ours["seconds"],
                "reload_seconds": again["seconds"], "baseline_pandas_to_sql_seconds": base["seconds"],
                "baseline_rows_per_s": base["rows"] / base["seconds"], "baseline_peak_mib": base["peak_mib"],
                "ratio_to_baseline": base["seconds"] / ours["seconds"],
            }
            rows.append(f"| load {ld['companies']:,} companies ({ld['rows']:,} CSV rows, {ld['records']:,} records) "
                        f"into SQLite | {ld['seconds']:.1f} s = {ld['rows_per_s']:,.0f} rows/s, peak {ld['peak_mib']:.0f} MiB "
                        f"| pandas read_csv + to_sql, no validation: {base['seconds']:.1f} s = "
                        f"{ld['baseline_rows_per_s']:,.0f} rows/s | {ld['ratio_to_baseline']:.2f}x baseline speed |")
            rows.append(f"| SQLite reload of the same folder (idempotent) | {again['seconds']:.1f} s | | |")
            rows.append(f"| SQLite export_arrays | {ours['export_arrays_seconds']:.2f} s | | |")
        if "neo4j" in parts:
            print("loading into Neo4j ...", file=sys.stderr)
            from equitygraph.graph.stores.neo4j_server import Neo4jServer

            lib = Neo4jServer(HERE.parent / ".neo4j")
            lib.install()
            n = _measure("neo4j", str(work / "case"), str(work / "neo4j-home"), str(lib.lib), str(args.baseline_rows))
            n.update(rows_per_s=n["rows"] / n["seconds"], write_records_per_s=n["records"] / n["write_seconds"],
                     baseline_records_per_s=n["baseline_records"] / n["baseline_seconds"])
            n["ratio_to_baseline"] = n["write_records_per_s"] / n["baseline_records_per_s"]
            results["neo4j"] = n
            rows.append(f"| load {args.load_companies:,} companies into Neo4j, end to end (parse, validate, spool, write) "
                        f"| {n['seconds']:.1f} s = {n['rows_per_s']:,.0f} CSV rows/s | | |")
            rows.append(f"| Neo4j write phase, UNWIND batches of 10,000 | {n['records']:,} records in "
                        f"{n['write_seconds']:.1f} s = {n['write_records_per_s']:,.0f} records/s | one MERGE per "
                        f"statement and transaction, {n['baseline_records']:,} records: "
                        f"{n['baseline_records_per_s']:,.0f} records/s | {n['ratio_to_baseline']:.0f}x |")
            rows.append(f"| Neo4j reload of the same folder (idempotent) | {n['reload_seconds']:.1f} s | | |")
            print("bulk import into Neo4j ...", file=sys.stderr)
            b = _measure("neo4j_import", str(work / "case"), str(work / "neo4j-import-home"), str(lib.lib))
            b.update(rows_per_s=b["rows"] / b["seconds"], records_per_s=b["records"] / b["seconds"],
                     write_records_per_s=b["records"] / b["write_seconds"])
            b["ratio_to_baseline"] = b["write_records_per_s"] / n["baseline_records_per_s"]
            b["ratio_to_unwind_end_to_end"] = n["seconds"] / b["seconds"]
            results["neo4j_import"] = b
            phase_text = ", ".join(f"{k.replace('_', ' ')} {v:.1f} s" for k, v in b["phases"].items())
            rows.append(f"| bulk load {args.load_companies:,} companies into Neo4j (neo4j import), end to end | "
                        f"{b['seconds']:.1f} s = {b['rows_per_s']:,.0f} CSV rows/s = {b['records_per_s']:,.0f} records/s "
                        f"| the UNWIND load end to end: {n['seconds']:.1f} s | {b['ratio_to_unwind_end_to_end']:.1f}x |")
            rows.append(f"| bulk load write phase (import files, stop, neo4j-admin, start, schema) | {b['records']:,} "
                        f"records in {b['write_seconds']:.1f} s = {b['write_records_per_s']:,.0f} records/s ({phase_text}) "
                        f"| one MERGE per statement and transaction: {n['baseline_records_per_s']:,.0f} records/s "
                        f"| {b['ratio_to_baseline']:.0f}x |")
            if args.bulk_companies:
                print(f"generating {args.bulk_companies:,} companies for a sustained bulk import ...", file=sys.stderr)
                _measure("generate", str(work / "bulk"), str(args.bulk_companies))
                m = _measure("neo4j_import", str(work / "bulk"), str(work / "neo4j-bulk-home"), str(lib.lib))
                m.update(rows_per_s=m["rows"] / m["seconds"], records_per_s=m["records"] / m["seconds"],
                         write_records_per_s=m["records"] / m["write_seconds"], companies=args.bulk_companies)
                results["neo4j_import_sustained"] = m
                shutil.rmtree(work / "bulk")
                shutil.rmtree(work / "neo4j-bulk-home")
                phase_text = ", ".join(f"{k.replace('_', ' ')} {v:.0f} s" for k, v in m["phases"].items())
                rows.append(f"| bulk load {args.bulk_companies:,} companies ({m['rows']:,} CSV rows, {m['records']:,} "
                            f"records) into Neo4j, end to end | {m['seconds']:.0f} s = {m['records_per_s']:,.0f} records/s "
                            f"= {m['rows_per_s']:,.0f} CSV rows/s; write phase {m['write_seconds']:.0f} s = "
                            f"{m['write_records_per_s']:,.0f} records/s ({phase_text}) | one MERGE per row: "
                            f"{n['baseline_records_per_s']:,.0f} records/s | "
                            f"{m['write_records_per_s'] / n['baseline_records_per_s']:.0f}x |")
            rows.append(f"| Neo4j per-company report + 2-hop neighbourhood, 200 companies | p50 {n['latency_ms_p50']:.1f} ms, "
                        f"p95 {n['latency_ms_p95']:.1f} ms | | |")
        if "control" in parts:
            rows.extend(_control_part(work, args, results))
        if "risk" in parts:
            rows.extend(_risk_part(work, args, results))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(rows))
    print(f"\nmachine: {results['machine']}")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
