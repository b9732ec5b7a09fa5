"""Load into the embedded store: the real loader (parse, validate, write with natural keys and
indexes, in one transaction) against pandas ``read_csv`` + ``DataFrame.to_sql``, which validates nothing."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from runner import CASE_FILES, measure, peak_mib


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
        "export_arrays_seconds": export_seconds, "entities": arrays.n, "peak_mib": peak_mib()}


def task_reload(case: str, db: str) -> dict:
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.loaders.csv_folder import load_folder

    with SQLiteStore(db) as store:
        started = time.perf_counter()
        report = load_folder(store, case)
        return {"seconds": time.perf_counter() - started, "rows": report.rows, "peak_mib": peak_mib()}


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
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_mib": peak_mib()}


def task_load_only(case: str, db: str) -> dict:
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.loaders.csv_folder import load_folder

    with SQLiteStore(db) as store:
        report = load_folder(store, case)
    return {"seconds": report.seconds, "rows": report.rows, "peak_mib": peak_mib()}




def load_part(work: Path, args, results: dict) -> list[str]:
    """Loading into SQLite, beside pandas to_sql."""
    rows = []
    print("loading into SQLite ...", file=sys.stderr)
    ours = measure("load", str(work / "case"), str(work / "ours.db"))
    again = measure("reload", str(work / "case"), str(work / "ours.db"))
    base = measure("pandas_to_sql", str(work / "case"), str(work / "pandas.db"))
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
    return rows


TASKS = {"load": task_load, "reload": task_reload, "pandas_to_sql": task_pandas_to_sql, "load_only": task_load_only}
