"""The embedded load of a canonical folder: the columnar path beside the row reader, same folder, same run.

    python bench/load.py FOLDER [--skip-rows]   # a folder from `equitygraph generate`, e.g. 1M companies

Each load runs in its own process into a new store (its peak RSS is its own), then the two stores
are compared table by table (row counts and an order-free digest of every row). Also measured: the
parse floor, pyarrow reading the folder's CSV files as strings and nothing else. Results go to
stdout and to ``bench/results/load.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from runner import machine_note  # noqa: E402

TABLES = ("entities", "names", "holdings", "officers", "links", "events", "relations")


def _load(folder: str, db: str, columnar: bool) -> dict:
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.loaders.csv_folder import load_folder

    started = time.perf_counter()
    with SQLiteStore(db) as store:
        store.set_meta("id_salt", "bench-salt")  # one salt: the two stores' ID hashes compare
        report = load_folder(store, folder, columnar=columnar)
    return {"seconds": time.perf_counter() - started, "rows": report.rows,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _parse_floor(folder: str) -> dict:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    started = time.perf_counter()
    rows = 0
    for path in sorted(Path(folder).glob("*.csv")):
        if path.name == "ground_truth.csv":
            continue
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={}, strings_can_be_null=False), read_options=pacsv.ReadOptions(block_size=16 << 20))
        table = table.cast(pa.schema([(f.name, pa.string()) for f in table.schema]))
        rows += table.num_rows
    return {"seconds": time.perf_counter() - started, "rows": rows,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _digest(db: str) -> dict:
    con = sqlite3.connect(db)
    out = {}
    for table in TABLES:
        total, count = 0, 0
        for row in con.execute(f"SELECT * FROM {table}"):
            total ^= int.from_bytes(hashlib.blake2b(repr(row).encode(), digest_size=8).digest(), "little")
            count += 1
        out[table] = [count, f"{total:016x}"]
    con.close()
    return out


def _run(task: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--task", task, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?")
    parser.add_argument("--skip-rows", action="store_true", help="leave out the row reader (minutes at 1M)")
    parser.add_argument("--task", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.task:
        result = {"columns": lambda: _load(args.folder, args.db, True), "rows": lambda: _load(args.folder, args.db, False),
                  "floor": lambda: _parse_floor(args.folder), "digest": lambda: _digest(args.db)}[args.task]()
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="equitygraph-bench-load-") as scratch:
        results = {"machine": machine_note(), "folder": args.folder, "floor": _run("floor", args.folder)}
        paths = {"columns": str(Path(scratch) / "columns.db"), "rows": str(Path(scratch) / "rows.db")}
        for path in ("columns",) + (() if args.skip_rows else ("rows",)):
            results[path] = _run(path, args.folder, "--db", paths[path])
            print(f"{path}: {results[path]['seconds']:.1f} s, {results[path]['rows']:,} rows, "
                  f"peak {results[path]['peak_mib']:,.0f} MiB", file=sys.stderr, flush=True)
        if not args.skip_rows:
            results["speedup"] = round(results["rows"]["seconds"] / results["columns"]["seconds"], 2)
            digests = {path: _run("digest", "--db", paths[path]) for path in paths}
            results["stores_identical"] = digests["columns"] == digests["rows"]
            results["table_rows"] = {t: digests["columns"][t][0] for t in TABLES}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "load.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
