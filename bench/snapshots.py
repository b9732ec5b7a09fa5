"""Monitoring over time: a snapshot load against the previous snapshot, and alerts on a watchlist.

    python bench/snapshots.py --history FOLDER [--companies 1000000] [--watch 1000]
    python bench/snapshots.py --history FOLDER --neo4j [--companies 100000]   # the same two loads on Neo4j

FOLDER holds register snapshots as ``generate --snapshots 2`` (or more) writes them (made there
when missing). In one run, on the embedded store, each step in a fresh process-free timing:

1. baseline: a first load of the *second* snapshot's folder into an empty store (``load``, the
   columnar path a first load takes);
2. the first snapshot loaded the same way into another store, then the second loaded into it with
   ``--snapshot`` (read and checked whole, reconciled with the open facts, changes written): the
   figure is this step, end to end, against (1);
3. ``--watch`` companies (every k-th company with a planted change nearby, the rest every k-th
   company) put on a watchlist with 2 hops, then ``alerts`` over the window between the snapshots,
   with the arrays read before (cached beside the store) and counted apart;
4. ``changes`` over the same window for the whole register (no name), against its baseline in the
   same run: the facts' own changes alone (holders, officers, events, links: what ``changes`` read
   before controllers and beneficial owners were added); the figure is the whole answer, with the
   controller and owner part (two whole-graph control tables, beneficial owners of every company
   something above changed, each change dated by asking its company day by day) timed apart.

With ``--neo4j``, on a Neo4j server of its own: the baseline is the second snapshot's first load by
the offline importer (``neo4j import``), against the first snapshot imported the same way and the
second loaded over Bolt with ``--snapshot``. Peak memory is the process's (``ru_maxrss``) after each step. Results go to stdout and
``bench/results/snapshots.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from runner import local_neo4j, machine_note  # noqa: E402


def peak_gb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)


def timed(what: str, work, figures: dict):
    started = time.perf_counter()
    result = work()
    figures[what] = {"seconds": round(time.perf_counter() - started, 2), "peak_rss_gb": peak_gb()}
    print(f"{what}: {figures[what]['seconds']} s (peak {figures[what]['peak_rss_gb']} GB)", file=sys.stderr)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, required=True)
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--watch", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=None, help="Where the stores go (default: a temporary folder).")
    parser.add_argument("--neo4j", action="store_true", help="Time the loads on a Neo4j server instead.")
    parser.add_argument("--alerts-only", action="store_true",
                        help="Time the alerts only, on the history store a previous run left in --work.")
    args = parser.parse_args()

    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.loaders.csv_folder import load_folder
    from equitygraph.loaders.snapshot import load_snapshot
    from equitygraph.loaders.synthetic_history import generate_history, read_history_truth
    from equitygraph.queries.watch import alerts

    figures: dict = {"machine": machine_note()}
    if not (args.history / "snapshots.json").is_file():
        timed("generate", lambda: generate_history(args.history, args.companies, seed=1, snapshots=2), figures)
    days = json.loads((args.history / "snapshots.json").read_text())["snapshots"]
    first, second = days[0], days[1]
    work = args.work or Path(tempfile.mkdtemp(prefix="eg-snapshots-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.neo4j:
        return on_neo4j(args.history, first, second, figures)
    if not args.alerts_only:
        for name in ("baseline.db", "history.db"):
            for path in work.glob(name + "*"):
                path.unlink()
        with SQLiteStore(work / "baseline.db") as store:
            timed("baseline: first load of the second snapshot", lambda: load_folder(store, args.history / second),
                  figures)
    with SQLiteStore(work / "history.db") as store:
        if not args.alerts_only:
            timed("first snapshot, first load", lambda: load_folder(store, args.history / first), figures)
            store.export_arrays()  # what any analysis of the first snapshot leaves cached
            report = timed("second snapshot: load --snapshot", lambda: load_snapshot(
                store, args.history / second, dt.date.fromisoformat(second)), figures)
            figures["snapshot counts"] = report.snapshot
            figures["ratio snapshot / first load"] = round(
                figures["second snapshot: load --snapshot"]["seconds"]
                / figures["baseline: first load of the second snapshot"]["seconds"], 2)
        store.set_meta("watchlists", "{}")

        truth = read_history_truth(args.history)
        planted = sorted({r["company_id"] for r in truth if r["snapshot"] == second and r["change"] != "not_seen"})
        step = max(1, len(planted) // (args.watch // 2))
        arrays = timed("arrays read (after the load's writes)", store.export_arrays, figures)
        known = set(arrays.ids)
        chosen = [c for c in planted[::step] if c in known][: args.watch // 2]
        taken = set(chosen)
        companies = [i for i, kind in zip(arrays.ids, arrays.kinds.tolist()) if kind == 0 and i not in taken]
        stride = max(1, len(companies) // (args.watch - len(chosen)))
        chosen += companies[::stride][: args.watch - len(chosen)]
        lists = {"default": {c: {"name": c, "hops": 2, "added": dt.date.today().isoformat()} for c in chosen}}
        store.set_meta("watchlists", json.dumps(lists))  # what 1,000 watch add commands leave
        since = dt.date.fromisoformat(first) + dt.timedelta(days=1)
        timed("arrays read again (cached)", store.export_arrays, figures)
        found = timed(f"alerts for {len(chosen)} watched companies, 2 hops", lambda: alerts(
            store, since, dt.date.fromisoformat(second)), figures)
        figures["alerts"] = len(found.rows)
        figures["controller changes alerted"] = sum(1 for r in found.rows if r["change"] == "controller_changed")
        figures["beneficial-owner changes alerted"] = sum(1 for r in found.rows
                                                         if r["change"] == "beneficial_owner_changed")
        whole_register(store, since, dt.date.fromisoformat(second), figures)
    out = HERE / "results" / ("snapshots-alerts.json" if args.alerts_only else "snapshots.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, indent=2, ensure_ascii=False))


def whole_register(store, since: dt.date, until: dt.date, figures: dict) -> None:
    from equitygraph.graph.analysis.changes import control_may_change, fact_changes, link_changes
    from equitygraph.graph.arrays import OPEN_END, OPEN_START, day_number
    from equitygraph.queries.changes import changes, register_controller_changes

    arrays = store.export_arrays()
    first, last = day_number(since, OPEN_START), day_number(until, OPEN_END)
    baseline = "baseline: the facts' own changes, whole register"
    timed(baseline, lambda: (fact_changes(arrays, first, last), link_changes(store.link_changes(since, until),
                                                                             first, last)), figures)
    may = control_may_change(arrays, first, last)
    figures["companies something above changed"] = int((may & (arrays.kinds == 0)).sum())
    part = timed("controller and owner changes, whole register", lambda: register_controller_changes(
        store, arrays, since, until, None, may), figures)
    figures["controller changes found"] = sum(1 for r in part if r["change"] == "controller_changed")
    figures["beneficial-owner changes found"] = sum(1 for r in part if r["change"] == "beneficial_owner_changed")
    report = timed("changes, whole register (no name)", lambda: changes(store, since, until), figures)
    figures["changes rows"] = len(report.rows)
    figures["ratio whole-register changes / facts' own changes"] = round(
        figures["changes, whole register (no name)"]["seconds"] / max(figures[baseline]["seconds"], 0.01), 1)


def on_neo4j(history: Path, first: str, second: str, figures: dict) -> None:
    from equitygraph.loaders.csv_folder import import_folder
    from equitygraph.loaders.snapshot import load_snapshot

    with local_neo4j("equitygraph-bench-snapshots-", "3g") as server:
        _, store = timed("neo4j baseline: import of the second snapshot",
                         lambda: import_folder(server, history / second, replace=True), figures)
        store.close()
        _, store = timed("neo4j first snapshot, import", lambda: import_folder(server, history / first, replace=True),
                         figures)
        store.export_arrays()
        report = timed("neo4j second snapshot: load --snapshot over Bolt", lambda: load_snapshot(
            store, history / second, dt.date.fromisoformat(second)), figures)
        store.close()
        figures["snapshot counts"] = report.snapshot
        figures["ratio snapshot / first load"] = round(
            figures["neo4j second snapshot: load --snapshot over Bolt"]["seconds"]
            / figures["neo4j baseline: import of the second snapshot"]["seconds"], 2)
    out = HERE / "results" / "snapshots-neo4j.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
