"""Neo4j loads (UNWIND batches and the bulk importer) against one MERGE per row."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from runner import HERE, measure, peak_mib


def task_neo4j(case: str, home: str, lib: str, baseline_rows: str) -> dict:
    """Load into a fresh Neo4j with the real loader, then the per-row baseline on a slice of the
    same records, then per-company query latency."""
    import random

    from equitygraph.graph.stores.neo4j_server import Neo4jServer, free_port
    from equitygraph.graph.stores.neo4j import Neo4jStore
    from equitygraph.graph.stores.neo4j_rows import record_row as _row
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
        "peak_mib": peak_mib(),
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
            "phases": phases, "peak_mib": peak_mib()}




def neo4j_part(work: Path, args, results: dict) -> list[str]:
    """Loading into Neo4j by Bolt and by the offline importer, beside one MERGE per row."""
    rows = []
    print("loading into Neo4j ...", file=sys.stderr)
    from equitygraph.graph.stores.neo4j_server import Neo4jServer

    lib = Neo4jServer(HERE.parent / ".neo4j")
    lib.install()
    n = measure("neo4j", str(work / "case"), str(work / "neo4j-home"), str(lib.lib), str(args.baseline_rows))
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
    b = measure("neo4j_import", str(work / "case"), str(work / "neo4j-import-home"), str(lib.lib))
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
        measure("generate", str(work / "bulk"), str(args.bulk_companies))
        m = measure("neo4j_import", str(work / "bulk"), str(work / "neo4j-bulk-home"), str(lib.lib))
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
    return rows


TASKS = {"neo4j": task_neo4j, "neo4j_import": task_neo4j_import}
