"""How each step grows with the register (issue 31's ten million companies on one machine): for each
size, a generated case loaded into the embedded store and analysed, then one company asked about,
each as a whole ``equitygraph`` process:

    python bench/scale.py --work DIR [--companies 100000 1000000 10000000] [--limit-gib 21]
                          [--steps load analyze control related "risk --top 100"]

Per size: generating the case (skipped when DIR/case-N is already there), ``load``, ``analyze`` (with
its steps), ``control C``, ``related C`` (C the case's first company), ``risk --top 100``, and the store's size on disk
(the file and what is kept beside it). Each process's peak resident memory is sampled; a process that
passes ``--limit-gib`` is stopped, and the table says how far it got (its last progress line) instead
of the machine running out of memory; a load stopped so ends that size, any other step does not (a
company is asked about on a store not analysed). ``--steps`` without ``load`` asks about the stores
a run before left in DIR. The smaller sizes are the baseline each larger one is read
against (seconds and MiB per million companies). Results go to stdout and ``bench/results/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from runner import machine_note, run_command  # noqa: E402

QUESTIONS = ("control", "related", "risk --top 100")


def _step(args: tuple[str, ...], limit_mib: float, cwd: Path) -> dict:
    done = run_command(*args, limit_mib=limit_mib, cwd=str(cwd))
    figures = {"seconds": round(done.seconds, 2), "peak_mib": round(done.peak_mib)}
    if done.returncode or done.stopped_at_limit:
        lines = [line for line in done.errors.replace("\r", "\n").splitlines() if line.strip()]
        figures["stopped"] = ("at the memory limit" if done.stopped_at_limit else f"exit code {done.returncode}")
        figures["last_line"] = lines[-1][-300:] if lines else ""
    elif "--format" in args:
        figures["json"] = json.loads(done.out)
    return figures


def _first_company(entities: Path) -> str:
    with open(entities, encoding="utf-8") as f:
        return next(line.split(",", 1)[0] for line in f if line.split(",", 2)[1:2] == ["company"])


def _size_on_disk(db: Path) -> dict:
    beside = {suffix: db.with_name(db.name + suffix) for suffix in ("", "-wal", ".arrays.npz", ".risk.npz")}
    return {("store" if suffix == "" else suffix.lstrip(".-")): round(path.stat().st_size / 2 ** 20)
            for suffix, path in beside.items() if path.exists()}


def one_size(work: Path, companies: int, limit_mib: float, wanted: list[str]) -> dict:
    case, db = work / f"case-{companies}", work / f"store-{companies}.db"
    out: dict = {"companies": companies}
    if "load" in wanted and not (case / "case.json").exists():
        print(f"generating {companies:,} companies ...", file=sys.stderr)
        out["generate"] = _step(("generate", str(case), "--companies", str(companies), "--seed", "7"),
                                limit_mib, work)
    first = _first_company(case / "entities.csv")
    out["asked_about"] = first
    if "load" in wanted:
        for path in work.glob(f"store-{companies}.db*"):
            path.unlink()
    steps = [("load", ("load", str(case), "--db", str(db))),
             ("analyze", ("analyze", "--db", str(db), "--format", "json")),
             *((name, (*name.split(), *([] if name.startswith("risk") else [first]), "--db", str(db), "--format", "json"))
               for name in QUESTIONS)]
    for name, args in steps:
        if name not in wanted:
            continue
        print(f"{companies:,}: {name} ...", file=sys.stderr)
        out[name] = _step(args, limit_mib, work)
        if "stopped" in out[name]:
            print(f"  stopped: {out[name]['stopped']}: {out[name]['last_line']}", file=sys.stderr)
            if name == "load":
                break
    if db.exists():
        out["disk_mib"] = _size_on_disk(db)
    return out


def table(runs: list[dict]) -> str:
    sizes = [r["companies"] for r in runs]
    rows = ["| step | " + " | ".join(f"{n:,} companies" for n in sizes) + " |", "|---|" + "---|" * len(sizes)]

    def cell(run: dict, name: str) -> str:
        if name not in run:
            return "not reached"
        figures = run[name]
        text = f"{figures['seconds']:.1f} s, {figures['peak_mib']:,} MiB"
        return text + (f" (stopped {figures['stopped']}: {figures['last_line']})" if "stopped" in figures else "")

    for name in ("generate", "load", "analyze", *QUESTIONS):
        if any(name in r for r in runs):
            rows.append(f"| {name} | " + " | ".join(cell(r, name) for r in runs) + " |")
    phases = [r["analyze"]["json"]["seconds"] for r in runs if "json" in r.get("analyze", {})]
    for phase in (phases[0] if phases else {}):
        rows.append(f"| analyze: {phase} | " + " | ".join(
            f"{r['analyze']['json']['seconds'][phase]:.1f} s" if "json" in r.get("analyze", {}) else "" for r in runs) + " |")
    rows.append("| store on disk | " + " | ".join(
        " + ".join(f"{k} {v:,} MiB" for k, v in r.get("disk_mib", {}).items()) for r in runs) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True, help="a folder with room for the cases and stores")
    parser.add_argument("--companies", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--limit-gib", type=float, default=21.0, help="stop a process whose memory passes this")
    parser.add_argument("--steps", nargs="+", default=["load", "analyze", *QUESTIONS],
                        choices=["load", "analyze", *QUESTIONS])
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine_note(), "limit_gib": args.limit_gib, "runs": []}
    for companies in args.companies:
        results["runs"].append(one_size(work, companies, args.limit_gib * 1024, args.steps))
        part = "" if len(args.steps) == 2 + len(QUESTIONS) else "-" + "-".join(step.split()[0] for step in args.steps)
        out = HERE / "results" / f"scale{part}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(results, indent=1) + "\n")
    print(table(results["runs"]))
    print(f"\nmachine: {results['machine']}")


if __name__ == "__main__":
    main()
