"""One named company on Neo4j: the company report's latency with its upstream region fetched in one
round trip (``Neo4jStore.around``) beside the walk of a round trip per hop, same server, same run.

    python bench/neo4j_report.py CASE_FOLDER [--count 200]

A server of its own is started (Bolt on 127.0.0.1), the case bulk-imported, then the reports of
``--count`` companies (every k-th id) are timed both ways, alternating, after one warm-up pass.
Results go to stdout and ``bench/results/neo4j_report.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from runner import local_neo4j, machine_note  # noqa: E402


def _quantiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50_ms": 1000 * statistics.median(ordered), "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))],
            "max_ms": 1000 * ordered[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case")
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()

    from equitygraph.loaders.csv_folder import import_folder
    from equitygraph.queries.company import company_report

    with local_neo4j("equitygraph-bench-report-", "2g") as server:
        _, store = import_folder(server, args.case)
        with store:
            ids = [r["id"] for r in store._run("MATCH (c:Company) RETURN c.id AS id ORDER BY id")]
            picked = ids[:: max(1, len(ids) // args.count)][: args.count]
            one_by_one = lambda entity_id: store  # noqa: E731  the walk without the region
            timings: dict[str, list[float]] = {"region": [], "per_hop": []}
            trips: dict[str, int] = {"region": 0, "per_hop": 0}
            real_run = store._run

            def counted(way):
                def run(query, **params):
                    trips[way] += 1
                    return real_run(query, **params)
                return run

            for warm in (True, False):
                for company in picked:
                    for way in ("region", "per_hop"):
                        if way == "per_hop":
                            store.around = one_by_one
                        store._run = counted(way) if not warm else real_run
                        started = time.perf_counter()
                        company_report(store, company)
                        if not warm:
                            timings[way].append(time.perf_counter() - started)
                        store._run = real_run
                        if way == "per_hop":
                            del store.around
    results = {"machine": machine_note(), "case": args.case, "companies": len(picked),
               "region": {**_quantiles(timings["region"]), "round_trips_per_report": trips["region"] / len(picked)},
               "per_hop": {**_quantiles(timings["per_hop"]), "round_trips_per_report": trips["per_hop"] / len(picked)}}
    results["p95_ratio"] = results["per_hop"]["p95_ms"] / results["region"]["p95_ms"]
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "neo4j_report.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
