"""Enterprise groups and clusters against Louvain, and the latency of related parties (docs/related.md)."""

from __future__ import annotations

import json
import time

from runner import peak_mib


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
            "peak_mib": peak_mib()}


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


TASKS = {"groups_clusters": task_groups_clusters, "louvain_baseline": task_louvain_baseline,
         "related_latency": task_related_latency}
