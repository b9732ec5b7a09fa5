"""The case generator for a million companies against the I/O floor: reading and re-writing the
same CSV files with the csv module alone."""

from __future__ import annotations

import csv
import shutil
import sys
import time
from pathlib import Path

from runner import CASE_FILES, csv_rows, measure, peak_mib


def task_generate(out: str, companies: str) -> dict:
    from equitygraph.loaders.synthetic import generate_case

    started = time.perf_counter()
    summary = generate_case(out, companies=int(companies), seed=1)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "companies": summary.companies, "rows": csv_rows(Path(out)), "peak_mib": peak_mib()}


def task_copy_csv(src: str, dst: str) -> dict:
    started = time.perf_counter()
    Path(dst).mkdir(parents=True, exist_ok=True)
    for name in (*CASE_FILES, "ground_truth"):
        with open(Path(src) / f"{name}.csv", encoding="utf-8", newline="") as fin, \
             open(Path(dst) / f"{name}.csv", "w", encoding="utf-8", newline="") as fout:
            csv.writer(fout, lineterminator="\n").writerows(csv.reader(fin))
    return {"seconds": time.perf_counter() - started, "peak_mib": peak_mib()}




def generate_part(work: Path, args, results: dict) -> list[str]:
    """Generating a case, beside copying its CSV files."""
    rows = []
    print(f"generating {args.generate_companies:,} companies ...", file=sys.stderr)
    g = measure("generate", str(work / "big"), str(args.generate_companies))
    floor = measure("copy_csv", str(work / "big"), str(work / "big-copy"))
    g.update(baseline_csv_copy_seconds=floor["seconds"], ratio_to_csv_copy=g["seconds"] / floor["seconds"])
    results["generate"] = g
    rows.append(f"| generate {g['companies']:,} companies ({g['rows']:,} rows) | {g['seconds']:.1f} s, "
                f"peak {g['peak_mib']:.0f} MiB | csv copy of the same files {floor['seconds']:.1f} s "
                f"| {g['ratio_to_csv_copy']:.2f}x the I/O floor |")
    shutil.rmtree(work / "big")
    shutil.rmtree(work / "big-copy")
    return rows


TASKS = {"generate": task_generate, "copy_csv": task_copy_csv}
