"""The search box's suggestions on Neo4j: every needle in one round trip (``Neo4jStore.search`` with a
budget) beside the same needles asked one query each, as suggestions were asked before (the
baseline: ``Neo4jStore.search_a_query_each`` with the index's first matches), same server, same run,
alternating.

    python bench/neo4j_search.py CASE_FOLDER [--count 200]

A server of its own is started (Bolt on 127.0.0.1), the case bulk-imported; for ``--count``
companies (every k-th id) the texts are a name's first four characters, the whole name, the name
with one character wrong (found by the fuzzy probes) and the registration number. After one
warm-up pass. Results go to stdout and ``bench/results/neo4j_search.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from explorer import quantiles  # noqa: E402
from runner import local_neo4j, machine_note  # noqa: E402


def suggested_a_query_each(store, text: str, limit: int = 10):
    """Suggestions as they were asked before: the store's search a query each, the index's first matches."""
    from equitygraph.graph.model import normalize_name
    from equitygraph.graph.stores import cypher

    return store.search_a_query_each(text, normalize_name(text), "".join(text.split()).upper(), limit,
                                     cypher.SEARCH_CONTAINS_FIRST)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case")
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()

    from equitygraph.loaders.csv_folder import import_folder

    with local_neo4j("equitygraph-bench-search-", "2g") as server:
        _, store = import_folder(server, args.case)
        with store:
            rows = store._run("MATCH (c:Company) RETURN c.id AS id, c.name AS name, c.reg_no AS reg_no ORDER BY id")
            picked = rows[:: max(1, len(rows) // args.count)][: args.count]
            texts = []
            for row in picked:
                name = row["name"]
                texts += [name[:4], name, name[:-3] + "殳" + name[-2:]] + ([row["reg_no"]] if row["reg_no"] else [])
            timings: dict[str, list[float]] = {"one_round_trip": [], "a_query_each": []}
            trips = {"one_round_trip": 0, "a_query_each": 0}
            same_first = 0
            real_run = store._run
            for warm in (True, False):
                for text in texts:
                    found = {}
                    for way, ask in (("one_round_trip", lambda t: store.search(t, limit=10, budget=1.0)),
                                     ("a_query_each", lambda t: suggested_a_query_each(store, t))):
                        def counted(query, _way=way, **params):
                            trips[_way] += 1
                            return real_run(query, **params)
                        store._run = counted if not warm else real_run
                        started = time.perf_counter()
                        found[way] = ask(text)
                        if not warm:
                            timings[way].append(time.perf_counter() - started)
                        store._run = real_run
                    if not warm:
                        first = [hits[0].entity.id if hits else None for hits in found.values()]
                        same_first += first[0] == first[1]
    results = {"machine": machine_note(), "case": args.case, "texts": len(texts),
               **{way: {**quantiles(times), "round_trips_per_search": round(trips[way] / len(texts), 2)}
                  for way, times in timings.items()},
               "same_first_suggestion": same_first, }
    results["p95_ratio"] = round(results["a_query_each"]["p95_ms"] / results["one_round_trip"]["p95_ms"], 2)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "neo4j_search.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
