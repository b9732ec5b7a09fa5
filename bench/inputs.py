"""Input formats: each loader's throughput on a generated file, beside the parse floor of the same
file measured in the same run, and the memory of the readers that must stay flat (PSC, BODS as lines
and as one document, GLEIF, FollowTheMoney) on an input and one ten times larger.

    python bench/inputs.py [--rows 1000000] [--only psc --only bods ...] [--memory-scale 10]

Each measurement runs in its own process (its peak RSS is its own). Results go to stdout and to
``bench/results/inputs.json``.

Files (generated here; the shapes are those of the public samples in tests/data/open):
- psc: snapshot JSON lines, two to three PSCs per company (individual, corporate, statement);
- bods: BODS 0.4 statements as JSON lines (an entity, a person and a relationship per company);
- gleif: a golden-copy folder: LEI-CDF entity rows, relationship rows (direct and ultimate parents);
- ftm: FollowTheMoney JSON lines (companies, persons, ownerships, directorships);
- mapping: a GBK shareholder-list CSV with Chinese headers, and an .xlsx of a tenth of the rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from runner import machine_note  # noqa: E402

FORMATS = ("psc", "bods", "gleif", "ftm", "mapping", "xlsx")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(task: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--task", task, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- files --------------------------------------------------------------------------------------
def write_psc(path: Path, rows: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    written = company = 0
    with open(path, "w", encoding="utf-8") as f:
        while written < rows:
            company += 1
            number = f"{company:08d}"
            for k in range(rng.choice((1, 2, 2, 3))):
                kind = rng.random()
                if kind < 0.7:
                    data = {"kind": "individual-person-with-significant-control", "name": f"Mr Person {company}-{k}",
                            "natures_of_control": [rng.choice(("ownership-of-shares-25-to-50-percent",
                                                               "ownership-of-shares-75-to-100-percent")),
                                                   "voting-rights-25-to-50-percent"],
                            "address": {"premises": str(k), "address_line_1": f"{company % 5000} High Street",
                                        "locality": "London", "postal_code": "N1 1AA"},
                            "date_of_birth": {"month": 1 + k, "year": 1960 + k}}
                elif kind < 0.9:
                    data = {"kind": "corporate-entity-person-with-significant-control",
                            "name": f"Holding {company - 1} Limited",
                            "identification": {"place_registered": "Companies House",
                                               "registration_number": f"{max(1, company - 1):08d}"},
                            "natures_of_control": ["ownership-of-shares-75-to-100-percent",
                                                   "right-to-appoint-and-remove-directors"]}
                else:
                    data = {"kind": "persons-with-significant-control-statement",
                            "statement": "psc-details-not-confirmed"}
                data |= {"notified_on": "2016-04-06", "links": {"self": f"/company/{number}/psc/x/{company}-{k}"}}
                f.write(json.dumps({"company_number": number, "data": data}) + "\n")
                written += 1
    return written


def write_bods(path: Path, rows: int) -> int:
    written = 0
    with open(path, "w", encoding="utf-8") as f:
        i = 0
        while written < rows:
            i += 1
            common = {"statementDate": "2024-01-01", "recordStatus": "new",
                      "publicationDetails": {"publicationDate": "2024-01-01", "bodsVersion": "0.4",
                                             "publisher": {"name": "bench"}}}
            for record in (
                {"recordId": f"e{i}", "recordType": "entity", "recordDetails": {
                    "isComponent": False, "entityType": {"type": "registeredEntity"}, "name": f"Company {i}",
                    "identifiers": [{"scheme": "GB-COH", "id": f"{i:08d}"}]}},
                {"recordId": f"p{i}", "recordType": "person", "recordDetails": {
                    "isComponent": False, "personType": "knownPerson", "names": [{"type": "legal", "fullName": f"P {i}"}]}},
                {"recordId": f"r{i}", "recordType": "relationship", "recordDetails": {
                    "isComponent": False, "subject": f"e{i}", "interestedParty": f"p{i}",
                    "interests": [{"type": "shareholding", "directOrIndirect": "direct", "share": {"exact": 60},
                                   "beneficialOwnershipOrControl": True, "startDate": "2020-01-01"}]}},
            ):
                f.write(json.dumps({"statementId": f"{record['recordId']}-{'0' * 32}", "declarationSubject": f"e{i}",
                                    **common, **record}) + "\n")
                written += 1
    return written


def write_gleif(folder: Path, rows: int) -> int:
    """A golden-copy folder: LEI-CDF entity rows for two thirds of the LEIs, then the relationships."""
    folder.mkdir()
    with open(folder / "lei.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["LEI", "Entity.LegalName", "Entity.LegalJurisdiction", "Entity.EntityCategory", "Entity.EntityStatus",
                    "Entity.LegalAddress.FirstAddressLine", "Entity.LegalAddress.City", "Entity.LegalAddress.Country"])
        for i in range(rows * 2 // 3):
            w.writerow([f"{i:018d}AA", f"Entity {i} S.A.", "LU", "GENERAL", "ACTIVE", f"{i % 977} Rue Haute", "Luxembourg", "LU"])
    with open(folder / "rr.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Relationship.StartNode.NodeID", "Relationship.StartNode.NodeIDType", "Relationship.EndNode.NodeID",
                    "Relationship.EndNode.NodeIDType", "Relationship.RelationshipType", "Relationship.RelationshipStatus",
                    "Relationship.Period1.startDate", "Relationship.Period1.endDate", "Relationship.Period1.periodType"])
        for i in range(rows):
            child, parent = f"{i + 1:018d}AA", f"{(i + 1) // 2:018d}AA"
            kind = "IS_DIRECTLY_CONSOLIDATED_BY" if i % 3 else "IS_ULTIMATELY_CONSOLIDATED_BY"
            w.writerow([child, "LEI", parent, "LEI", kind, "ACTIVE", "2015-01-01T00:00:00Z", "", "RELATIONSHIP_PERIOD"])
    return rows + rows * 2 // 3


def write_ftm(path: Path, rows: int) -> int:
    written = 0
    with open(path, "w", encoding="utf-8") as f:
        i = 0
        while written < rows:
            i += 1
            for line in (
                {"id": f"c{i}", "schema": "Company", "properties": {"name": [f"Company {i}"], "registrationNumber": [str(i)]}},
                {"id": f"p{i}", "schema": "Person", "properties": {"name": [f"Person {i}"]}},
                {"id": f"o{i}", "schema": "Ownership", "properties": {"owner": [f"p{i}"], "asset": [f"c{i}"],
                                                                      "percentage": ["60"]}},
                {"id": f"d{i}", "schema": "Directorship", "properties": {"director": [f"p{i}"],
                                                                         "organization": [f"c{i}"], "role": ["director"]}},
            ):
                f.write(json.dumps(line) + "\n")
                written += 1
    return written


def write_mapping_csv(path: Path, rows: int) -> int:
    with open(path, "w", encoding="gbk", newline="") as f:
        w = csv.writer(f)
        w.writerow(["企业名称", "统一社会信用代码", "股东名称", "股东类型", "持股比例", "认缴出资额(万元)"])
        for i in range(rows):
            company = i // 3
            w.writerow([f"华信{company}投资有限公司", "", f"股东{i}", "自然人股东", "33.3%", "100"])
    return rows


def write_xlsx(path: Path, rows: int) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("股东信息")
    sheet.append(["企业名称", "股东名称", "股东类型", "持股比例", "认缴出资额(万元)"])
    for i in range(rows):
        sheet.append([f"华信{i // 3}投资有限公司", f"股东{i}", "自然人股东", "33.3%", 100])
    book.save(path)
    return rows


def write_bods_document(path: Path, rows: int) -> int:
    """The same statements as one indented JSON array (as the standard's example packages are): no
    object on a line of its own, so read as a document."""
    lines = path.with_suffix(".jsonl")
    written = write_bods(lines, rows)
    with open(lines, encoding="utf-8") as f, open(path, "w", encoding="utf-8") as out:
        out.write("[\n")
        for n, line in enumerate(f):
            out.write((",\n" if n else "") + json.dumps(json.loads(line), indent=2))
        out.write("\n]\n")
    lines.unlink()
    return written


def _mib(path: Path) -> float:
    files = path.iterdir() if path.is_dir() else [path]
    return sum(f.stat().st_size for f in files) / 2**20


WRITERS = {"psc": (write_psc, "psc.jsonl"), "bods": (write_bods, "bods.jsonl"), "gleif": (write_gleif, "gleif"),
           "ftm": (write_ftm, "ftm.json"), "mapping": (write_mapping_csv, "shareholders.csv"),
           "xlsx": (write_xlsx, "shareholders.xlsx")}


# -- tasks --------------------------------------------------------------------------------------
def task_load(path: str, db: str) -> dict:
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.loaders.formats import load_path

    started = time.perf_counter()
    with SQLiteStore(db) as store:
        report = load_path(store, path)
    return {"seconds": time.perf_counter() - started, "format": report.fmt, "peak_mib": _peak_mib()}


def task_parse(path: str) -> dict:
    """The floor: parsing every record of the file and nothing else."""
    started = time.perf_counter()
    n = 0
    if Path(path).is_dir():
        for file in sorted(Path(path).iterdir()):
            n += 1
            task_parse(str(file))
    elif path.endswith(".csv"):
        encoding = "gbk" if "shareholders" in path else "utf-8"
        with open(path, encoding=encoding, newline="") as f:
            for _ in csv.reader(f):
                n += 1
    elif path.endswith(".xlsx"):
        from openpyxl import load_workbook

        for sheet in load_workbook(path, read_only=True).worksheets:
            for _ in sheet.iter_rows(values_only=True):
                n += 1
    else:
        with open(path, encoding="utf-8") as f:
            for line in f:
                json.loads(line)
                n += 1
    return {"seconds": time.perf_counter() - started, "peak_mib": _peak_mib()}


#: The readers whose memory must stay flat at any input size: loaded at two sizes.
MEMORY = {"psc": (write_psc, "psc.jsonl"), "bods": (write_bods, "bods.jsonl"),
          "bods-document": (write_bods_document, "bods.json"), "gleif": (write_gleif, "gleif"),
          "ftm": (write_ftm, "ftm.json")}

TASKS = {"load": task_load, "parse": task_parse}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", choices=FORMATS, action="append")
    parser.add_argument("--memory-scale", type=int, default=10,
                        help="the memory runs load an input of rows / scale rows and one of rows")
    parser.add_argument("--memory-only", action="store_true", help="only the memory runs")
    parser.add_argument("--task", choices=sorted(TASKS), help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.task:
        print(json.dumps(TASKS[args.task](*rest)))
        return
    results = {"machine": machine_note(), "rows": args.rows, "formats": {}}
    lines = [f"machine: {results['machine']}"]
    with tempfile.TemporaryDirectory(prefix="eg-inputs-") as tmp:
        work = Path(tmp)
        for fmt in [] if args.memory_only else args.only or FORMATS:
            write, name = WRITERS[fmt]
            rows = args.rows // 10 if fmt == "xlsx" else args.rows
            path = work / name
            written = write(path, rows)
            size = _mib(path)
            parse = _measure("parse", str(path))
            load = _measure("load", str(path), str(work / f"{fmt}.db"))
            entry = {"rows": written, "file_mib": round(size, 1), "load_seconds": round(load["seconds"], 2),
                     "rows_per_second": round(written / load["seconds"]), "load_peak_mib": round(load["peak_mib"]),
                     "parse_seconds": round(parse["seconds"], 2), "ratio_to_parse": round(load["seconds"] / parse["seconds"], 1)}
            results["formats"][fmt] = entry
            lines.append(f"{fmt:8s} {written:>10,} rows {size:8.1f} MiB  load {load['seconds']:7.1f} s "
                         f"({entry['rows_per_second']:>8,} rows/s, peak {load['peak_mib']:6.0f} MiB)  "
                         f"parse floor {parse['seconds']:6.1f} s  ratio {entry['ratio_to_parse']}x")
            print(lines[-1], flush=True)
            (work / f"{fmt}.db").unlink(missing_ok=True)
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        results["memory"] = {}
        for fmt in [f for f in MEMORY if args.only is None or f.split("-")[0] in args.only]:
            write, name = MEMORY[fmt]
            small_rows = max(1000, args.rows // args.memory_scale)
            sizes = {}
            for size, rows in (("small", small_rows), ("large", small_rows * args.memory_scale)):
                path = work / f"{size}-{name}"
                written = write(path, rows)
                load = _measure("load", str(path), str(work / f"{size}.db"))
                sizes[size] = {"rows": written, "file_mib": round(_mib(path), 1), "peak_mib": round(load["peak_mib"]),
                               "load_seconds": round(load["seconds"], 1)}
                (work / f"{size}.db").unlink(missing_ok=True)
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            results["memory"][fmt] = sizes
            a, b = sizes["small"], sizes["large"]
            lines.append(f"{fmt} memory: {a['file_mib']} MiB input ({a['rows']:,} rows) peak {a['peak_mib']} MiB; "
                         f"{b['file_mib']} MiB input ({b['rows']:,} rows) peak {b['peak_mib']} MiB "
                         f"({b['load_seconds']} s)")
            print(lines[-1], flush=True)
    out = HERE / "results" / "inputs.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
