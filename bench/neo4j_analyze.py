"""`analyze` on a Neo4j store, step by step, and its write-back three ways, same server, same run: a
pass per result set (the base store's ``write_analysis``), an entity's sets in one row from one
session (``one_session``), and the same from :data:`neo4j_results.WRITERS` sessions at once.

    python bench/neo4j_analyze.py CASE_FOLDER [--memory 4g] [--rounds 2] [--ways per_set,one_session,concurrent]
                                  [--clusters beside|in-turn]

A server of its own is started (Bolt on 127.0.0.1), the case bulk-imported and analysed once (the
first analysis: the arrays the import kept, nothing to clear), the arrays then read again from the
disk cache and from the server (the two ways another process finds them); then re-analysed ``--rounds``
times each way, alternating, so that both write-backs replace an analysis and keep the last one's
values for ``changes``. ``--clusters``: the first analysis with its clusters in a second process
(``queries/clusters_beside.py``) or in turn; the re-analyses then take the other way and this one in
turn (``--rounds`` of each, after the ways). Results go to stdout and ``bench/results/neo4j_analyze.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from runner import local_neo4j, machine_note  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case")
    parser.add_argument("--memory", default="4g")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--ways", default="per_set,one_session,concurrent")
    parser.add_argument("--clusters", choices=("beside", "in-turn"), default="beside")
    parser.add_argument("--skip-server-read", action="store_true", help="do not time reading the arrays from the server")
    args = parser.parse_args()

    from equitygraph.graph.stores import arrays_cache, neo4j_arrays, neo4j_results
    from equitygraph.graph.stores.base import Store
    from equitygraph.loaders.csv_folder import import_folder
    from equitygraph.queries.analyze import analyze

    results: dict = {"machine": machine_note(), "case": args.case}
    with local_neo4j("equitygraph-bench-analyze-", args.memory) as server:
        started = time.perf_counter()
        report, store = import_folder(server, args.case)
        results["import_seconds"] = time.perf_counter() - started
        results["records"] = sum(report.counts.values())
        with store:
            started = time.perf_counter()
            beside_from = {"beside": 0, "in-turn": 10**12}
            first = analyze(store, beside_from=beside_from[args.clusters])
            results["first"] = {"seconds": time.perf_counter() - started, "steps": first.seconds,
                                "clusters": args.clusters, "clusters_beside": first.clusters_beside}
            print(f"first analysis, clusters {args.clusters}: " + ", ".join(
                f"{k} {v:.1f}" for k, v in first.seconds.items()), file=sys.stderr)
            # Where the arrays of the first analysis came from (the import's), against the other two ways
            # a process finds them: the file on disk, and reading the graph from the server.
            generation = store.get_meta("generation")
            started = time.perf_counter()
            arrays_cache.load(arrays_cache.server_cache_path(store.path), generation)
            results["arrays_from_disk_seconds"] = time.perf_counter() - started
            if not args.skip_server_read:
                started = time.perf_counter()
                neo4j_arrays.read(store)
                results["arrays_from_server_seconds"] = time.perf_counter() - started
            print(f"first analysis {results['first']['seconds']:.1f} s; arrays from disk "
                  f"{results['arrays_from_disk_seconds']:.1f} s, from the server "
                  f"{results.get('arrays_from_server_seconds', float('nan')):.1f} s", file=sys.stderr)
            # One company's risk after the analysis: read from the scores it kept, against scoring every company.
            from equitygraph.queries.memo import forget
            from equitygraph.queries.risk import scores as risk_scores
            from equitygraph.queries.risk.config import load_config

            company = store.ids_in_order_of("risk_rank", 0, 1)[0]
            for how, scores in (("kept", lambda: None), ("computed", lambda: risk_scores.score_all(store, load_config()))):
                forget()
                started = time.perf_counter()
                risk_scores.risk_of(store, company, load_config(), scores=scores())
                results[f"risk_of_one_{how}_seconds"] = time.perf_counter() - started
            print(f"one company's risk: {results['risk_of_one_kept_seconds']:.2f} s read, "
                  f"{results['risk_of_one_computed_seconds']:.2f} s computed", file=sys.stderr)
            together = store.write_analysis
            ways = {"per_set": lambda results, ids_known=False, previous=(): Store.write_analysis(
                        store, results, ids_known, previous),
                    "one_session": together, "concurrent": together}
            ways = {way: ways[way] for way in args.ways.split(",")}
            writers = {"one_session": (1, store.batch_size), "concurrent": (neo4j_results.WRITERS, neo4j_results.ROWS)}
            for way in ways:
                results[way] = []
            for _round in range(args.rounds):
                for way, write in ways.items():
                    store.write_analysis = write
                    neo4j_results.WRITERS, neo4j_results.ROWS = writers.get(way, writers["concurrent"])
                    started = time.perf_counter()
                    again = analyze(store)
                    results[way].append({"seconds": time.perf_counter() - started, "steps": again.seconds})
                    print(f"{way}: {results[way][-1]['seconds']:.1f} s, writing back "
                          f"{again.seconds.get('write back', float('nan')):.1f} s", file=sys.stderr)
            store.write_analysis = together
            order = ["in-turn", "beside"] if args.clusters == "beside" else ["beside", "in-turn"]
            for _round in range(args.rounds):
                for how in order:
                    started = time.perf_counter()
                    again = analyze(store, beside_from=beside_from[how])
                    results.setdefault(f"clusters {how}", []).append(
                        {"seconds": time.perf_counter() - started, "steps": again.seconds,
                         "clusters_beside": again.clusters_beside})
                    print(f"re-analysis, clusters {how}: {results[f'clusters {how}'][-1]['seconds']:.1f} s (" + ", ".join(
                        f"{k} {v:.1f}" for k, v in again.seconds.items()) + ")", file=sys.stderr)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "neo4j_analyze.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
