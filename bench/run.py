"""Benchmarks, each side by side with a baseline measured in the same run.

    python bench/run.py [--load-companies 100000] [--generate-companies 1000000]

1. Load into the embedded store: the real loader (parse, validate, write with natural keys and
   indexes, in one transaction) against a baseline that validates nothing (pandas ``read_csv`` of
   every file as text, then ``DataFrame.to_sql`` into a fresh SQLite file).
2. The case generator for a million companies against the I/O floor: reading and re-writing the
   same CSV files with the csv module alone.
3. Neo4j loads (UNWIND batches and the bulk importer) against one MERGE per row; control of every
   company against the same rules company by company (``--only control``).
4. Risk of every company of a million-company case, and the explanations of the top 1,000, against
   networkx personalised PageRank on the same links (``--only risk [--risk-db STORE]``).

Each measurement runs in its own process, so its peak RSS is its own. Each measured task lives in a file of its
own (``generate_case``, ``embedded_load``, ``neo4j_load``, ``control``, ``groups``, ``risk_scores``; what they
share in ``runner``); this file runs them. Results go to stdout as a
table and to ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import control
import embedded_load
import generate_case
import groups
import neo4j_load
import risk_scores
from runner import HERE, machine_note, measure

TASKS = {**generate_case.TASKS, **embedded_load.TASKS, **neo4j_load.TASKS, **control.TASKS, **groups.TASKS,
         **risk_scores.TASKS}
PARTS = {"generate": generate_case.generate_part, "load": embedded_load.load_part, "neo4j": neo4j_load.neo4j_part,
         "control": control.control_part, "risk": risk_scores.risk_part}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--load-companies", type=int, default=100_000)
    parser.add_argument("--generate-companies", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000, help="rows for the Neo4j per-row baseline")
    parser.add_argument("--bulk-companies", type=int, default=1_000_000,
                        help="companies for the sustained bulk import into Neo4j (0 skips it)")
    parser.add_argument("--control-companies", type=int, default=1_000_000)
    parser.add_argument("--risk-db", default=None,
                        help="a loaded store for the risk part (default: generate and load --control-companies)")
    parser.add_argument("--only", choices=("generate", "load", "neo4j", "control", "risk"), action="append",
                        help="run only these parts (repeatable); all by default")
    parser.add_argument("--task", choices=sorted(TASKS), help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.task:
        print(json.dumps(TASKS[args.task](*rest)))
        return
    parts = set(args.only or ("generate", "load", "neo4j", "control", "risk"))
    work = Path(tempfile.mkdtemp(prefix="equitygraph-bench-"))
    results: dict = {"machine": machine_note(), "date": time.strftime("%Y-%m-%d")}
    rows = ["| measurement | equitygraph | baseline (same run) | ratio |", "|---|---|---|---|"]
    print(f"machine: {results['machine']}", file=sys.stderr)
    try:
        if parts & {"load", "neo4j"}:
            print(f"generating {args.load_companies:,} companies to load ...", file=sys.stderr)
            measure("generate", str(work / "case"), str(args.load_companies))
        for name, run_part in PARTS.items():
            if name in parts:
                rows.extend(run_part(work, args, results))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(rows))
    print(f"\nmachine: {results['machine']}")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
