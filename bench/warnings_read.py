"""The warning list after analyze, read against computed (issue 31), as whole processes on a copy of an
analysed store:

    python bench/warnings_read.py --db STORE [--top 100]

1. ``risk --top N`` computed (the scores of every company again: what it did before, and still does
   with --as-of or another --config), on the copy with its analysis marked stale;
   ``group NAME`` decided (control of the whole graph again) and ``cluster NAME`` found (the clusters
   of the whole graph again), each of the largest; ``clusters --top 20`` and ``groups --top 20``;
2. ``analyze`` (writes the ranks and the reasons' parts beside the scores);
3. the same read from what analyze wrote; each compared with the computed;
4. ``risk NAME`` of the first company of the warning list and of one far below the reasons written
   (rank 20,000, or the last): computed before the analysis, then explained from the scores it kept
   beside the store.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    command = Path(sys.executable).parent / "equitygraph"  # the console script beside this interpreter
    out = subprocess.run([str(command), *args], check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - started, out


def main() -> None:
    sys.path.insert(0, str(HERE))
    from runner import machine_note

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--top", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eg-warnings-", dir=Path(args.db).parent) as work:
        db = Path(work) / "copy.db"
        shutil.copy(args.db, db)
        for cache in Path(args.db).parent.glob(Path(args.db).name + ".arrays.npz"):
            shutil.copy(cache, Path(work) / (db.name + ".arrays.npz"))
        from equitygraph.graph.stores.sqlite import SQLiteStore

        with SQLiteStore(db) as store:  # an analysis that does not say which records it scored: stale
            meta = json.loads(store.get_meta("analysis") or "{}")
            meta.pop("generation", None)
            store.set_meta("analysis", json.dumps(meta))
            member = max(store.read_results("group_size").items(), key=lambda kv: (kv[1], kv[0]))[0]  # of the largest
            party = max(store.read_results("cluster_size").items(), key=lambda kv: (kv[1], kv[0]))[0]
            ranks = store.read_results("risk_rank")  # an analysis older than the ranks: by the scores
            scores = store.read_results("risk_score") if not ranks else {}
            ranked = sorted(ranks, key=ranks.__getitem__) if ranks else sorted(scores, key=lambda i: (-scores[i], i))
            asked = [ranked[0], ranked[min(19_999, len(ranked) - 1)]]
        risk_one = {}
        for company in asked:
            risk_one[company] = {"computed": timed("risk", company, "--db", str(db), "--format", "json")}
        computed_s, computed = timed("risk", "--top", str(args.top), "--db", str(db), "--format", "json")
        group_computed_s, group_computed = timed("group", member, "--db", str(db), "--format", "json")
        cluster_computed_s, cluster_computed = timed("cluster", party, "--db", str(db), "--format", "json")
        clusters_computed_s, clusters_computed = timed("clusters", "--top", "20", "--db", str(db), "--format", "json")
        groups_computed_s, groups_computed = timed("groups", "--top", "20", "--db", str(db), "--format", "json")
        analyze_s, _ = timed("analyze", "--db", str(db))
        read_s, read = timed("risk", "--top", str(args.top), "--db", str(db), "--format", "json")
        group_read_s, group_read = timed("group", member, "--db", str(db), "--format", "json")
        cluster_read_s, cluster_read = timed("cluster", party, "--db", str(db), "--format", "json")
        clusters_read_s, clusters_read = timed("clusters", "--top", "20", "--db", str(db), "--format", "json")
        groups_read_s, groups_read = timed("groups", "--top", "20", "--db", str(db), "--format", "json")
        for company in asked:
            risk_one[company]["read"] = timed("risk", company, "--db", str(db), "--format", "json")
    same = json.loads(computed)["warnings"] == json.loads(read)["warnings"]
    print(json.dumps({"machine": machine_note(), "db": args.db, "top": args.top,
                      "risk_top_computed_seconds": round(computed_s, 2), "analyze_seconds": round(analyze_s, 1),
                      "risk_top_read_seconds": round(read_s, 2), "ratio": round(computed_s / read_s, 1),
                      "same_rows": same, "group_of": member, "group_computed_seconds": round(group_computed_s, 2),
                      "group_read_seconds": round(group_read_s, 2), "group_ratio": round(group_computed_s / group_read_s, 1),
                      "same_group": json.loads(group_computed) == json.loads(group_read),
                      "cluster_of": party, "cluster_computed_seconds": round(cluster_computed_s, 2),
                      "cluster_read_seconds": round(cluster_read_s, 2),
                      "cluster_ratio": round(cluster_computed_s / cluster_read_s, 1),
                      "same_cluster": json.loads(cluster_computed) == json.loads(cluster_read),
                      "clusters_top_20_computed_seconds": round(clusters_computed_s, 2),
                      "clusters_top_20_read_seconds": round(clusters_read_s, 2),
                      "same_clusters": json.loads(clusters_computed) == json.loads(clusters_read),
                      "groups_top_20_computed_seconds": round(groups_computed_s, 2),
                      "groups_top_20_read_seconds": round(groups_read_s, 2),
                      "same_groups": json.loads(groups_computed) == json.loads(groups_read),
                      "risk_name": {company: {"computed_seconds": round(t["computed"][0], 2),
                                              "read_seconds": round(t["read"][0], 2),
                                              "ratio": round(t["computed"][0] / t["read"][0], 1),
                                              "same": json.loads(t["computed"][1]) == json.loads(t["read"][1])}
                                    for company, t in risk_one.items()}}, indent=1))


if __name__ == "__main__":
    main()
