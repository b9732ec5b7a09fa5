"""`analyze` on a Neo4j store, step by step, and its write-back against the way it was written
before (a pass per result set, the base store's ``write_analysis``), same server, same run.

    python bench/neo4j_analyze.py CASE_FOLDER [--memory 4g] [--rounds 2]

A server of its own is started (Bolt on 127.0.0.1), the case bulk-imported and analysed once (the
first analysis: the graph read from the server, nothing to clear); then re-analysed ``--rounds``
times each way, alternating, so that both write-backs replace an analysis and keep the last one's
values for ``changes``. Results go to stdout and ``bench/results/neo4j_analyze.json``.
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
    args = parser.parse_args()

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
            first = analyze(store)
            results["first"] = {"seconds": time.perf_counter() - started, "steps": first.seconds}
            ways = {"per_set": lambda results, ids_known=False, previous=(): Store.write_analysis(
                        store, results, ids_known, previous),
                    "together": store.write_analysis}
            for way in ways:
                results[way] = []
            for _round in range(args.rounds):
                for way, write in ways.items():
                    store.write_analysis = write
                    started = time.perf_counter()
                    again = analyze(store)
                    results[way].append({"seconds": time.perf_counter() - started, "steps": again.seconds})
                    print(f"{way}: {results[way][-1]['seconds']:.1f} s, writing back "
                          f"{again.seconds.get('write back', float('nan')):.1f} s", file=sys.stderr)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "neo4j_analyze.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
