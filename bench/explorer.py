"""The explorer's latency: search, expand and the first company page, through the served app.

    python bench/explorer.py --db STORE.db [--db LARGER.db] [--count 200]   # embedded stores, one run each
    python bench/explorer.py --neo4j CASE_FOLDER [--count 200]    # a Neo4j server of its own, bulk-imported

The app runs in uvicorn on 127.0.0.1 and is asked over HTTP with one kept-alive connection, as the
page asks it. For ``--count`` companies (every k-th id) and search texts made from their names,
registration numbers and pinyin, after one warm-up pass:

- search: ``/api/search`` for a name's first characters, a full registration number, a pinyin;
- expand: ``/api/neighbours/{id}`` for a holder of the company (what a double-click asks);
- first page: ``/api/view/{id}`` and ``/api/entity/{id}`` (the page asks both at once; timed one
  after the other here, so the figure is an upper bound);
- questions (each the first answer of its panel): ``/api/related/{id}``, ``/api/group/{id}``,
  ``/api/cluster/{id}``, ``/api/risk/{id}`` (where the risk comes from, every 10th company),
  ``/api/between?from=HOLDER&to=ID``, and ``/api/warnings`` (the list's first 50). A question the
  store cannot answer for a company (no cluster: 400) counts as answered;
- the page of the company's registered address (who is registered there) and, every 10th company,
  the case report to download (``/api/report/{id}``, HTML).

Baseline in the same run: the static page of the same companies (``graph_page``, what ``viz``
writes), the library calls without HTTP, and the same searches without the suggestions' time
budget (``equitygraph search``). Results go to stdout and ``bench/results/explorer.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from runner import local_neo4j, machine_note  # noqa: E402


def quantiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"n": len(ordered), "p50_ms": round(1000 * statistics.median(ordered), 1),
            "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 1), "max_ms": round(1000 * ordered[-1], 1)}


def serve(app):
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def sample(store, count: int) -> list[str]:
    """Every k-th company id, in id order (asked of each store directly: walking every record of a
    million-company Neo4j page by page takes longer than the benchmark)."""
    if hasattr(store, "_run"):
        ids = [r["id"] for r in store._run("MATCH (c:Company) RETURN c.id AS id ORDER BY id")]
    else:
        ids = [r[0] for r in store._db.execute("SELECT id FROM entities WHERE kind = 'company' ORDER BY id")]
    return ids[:: max(1, len(ids) // count)][:count]


def measure(open_store, label: str, count: int) -> dict:
    import httpx

    from equitygraph.graph.names import pinyin_forms
    from equitygraph.queries import explore
    from equitygraph.queries.app.server import make_app
    from equitygraph.queries.pages.graph_page import graph_page

    store = open_store()
    picked = sample(store, count)
    entities = store.get_many(picked)
    holders = {c: (store.holders_of(c) or [None])[0] for c in picked}
    edges = store.edges_touching(picked)
    addresses = {link.src: link.dst for link in edges.links if link.dst.startswith("addr:")}
    searches = []
    for c in picked:
        e = entities[c]
        pinyin = pinyin_forms(e.name)
        searches += [e.name[: max(2, len(e.name) // 3)], e.reg_no or e.name, pinyin[0][:12] if pinyin else e.name]
    server, thread, base = serve(make_app(open_store))
    gave_up: dict[str, int] = {}
    timings: dict[str, list[float]] = {"search": [], "expand": [], "first_page": [], "library_first_page": [],
                                       "static_page": [], "search_exhaustive": [], "related": [], "group": [],
                                       "cluster": [], "between": [], "warnings": [], "risk": [], "address_page": [],
                                       "report": []}
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            def get(path, **params):
                response = client.get(path, params=params)
                response.raise_for_status()
                return response

            def ask(what: str, path: str, **params) -> None:
                start = time.perf_counter()
                response = client.get(path, params=params)
                if response.status_code == 503:  # past the app's budget (or busy): counted, and timed as such
                    gave_up[what] = gave_up.get(what, 0) + 1
                elif response.status_code not in (200, 400):
                    response.raise_for_status()
                timings[what].append(time.perf_counter() - start)

            for warm in (True, False):
                for i, c in enumerate(picked):
                    for text in searches[3 * i: 3 * i + 3]:
                        start = time.perf_counter()
                        get("/api/search", q=text)
                        if not warm:
                            timings["search"].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    get(f"/api/view/{c}")
                    get(f"/api/entity/{c}")
                    if not warm:
                        timings["first_page"].append(time.perf_counter() - start)
                    holder = holders[c]
                    target = holder.holder_id if holder is not None else c
                    start = time.perf_counter()
                    get(f"/api/neighbours/{target}")
                    if not warm:
                        timings["expand"].append(time.perf_counter() - start)
                    if warm:
                        continue
                    for question in ("related", "group", "cluster"):
                        ask(question, f"/api/{question}/{c}")
                    ask("between", "/api/between", **{"from": target, "to": c})
                    if c in addresses:
                        ask("address_page", f"/api/entity/{addresses[c]}")
                    if i % 10 == 0:
                        ask("warnings", "/api/warnings")
                        ask("risk", f"/api/risk/{c}")
                        ask("report", f"/api/report/{c}")
                    start = time.perf_counter()
                    explore.first_view(store, c)
                    explore.entity_page(store, c)
                    timings["library_first_page"].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    graph_page(store, c)
                    timings["static_page"].append(time.perf_counter() - start)
                    for text in searches[3 * i: 3 * i + 3]:
                        start = time.perf_counter()
                        store.search(text, limit=10)  # what equitygraph search does: every name read
                        timings["search_exhaustive"].append(time.perf_counter() - start)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()
    return {"store": label, "companies": len(picked), **{k: quantiles(v) for k, v in timings.items() if v},
            "gave_up_503": gave_up}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", action="append", default=[])
    parser.add_argument("--neo4j", metavar="CASE_FOLDER")
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    results = {"machine": machine_note(), "runs": []}
    for db in args.db:
        from equitygraph.graph.stores.sqlite import SQLiteStore

        results["runs"].append(measure(lambda db=db: SQLiteStore(db, readonly=True), f"embedded {db}", args.count))
    if args.neo4j:
        from equitygraph.graph.stores.neo4j import Neo4jStore
        from equitygraph.loaders.csv_folder import import_folder

        with local_neo4j("equitygraph-bench-explorer-", "3g") as server:
            start = time.perf_counter()
            _, imported = import_folder(server, args.neo4j)
            imported.close()
            results["neo4j_import_s"] = round(time.perf_counter() - start, 1)
            shared = Neo4jStore(server.uri, readonly=True)
            shared.close = lambda: None  # one driver for every worker thread (it is thread-safe)
            results["runs"].append(measure(lambda: shared, f"neo4j {args.neo4j}", args.count))
    print(json.dumps(results, indent=2, ensure_ascii=False))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "explorer.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
