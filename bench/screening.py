"""Screening: precision and recall on the labelled pairs beside nomenklatura's matchers, and a whole
store against a large list with blocking beside a brute-force matcher on a sample.

    python bench/screening.py pairs
    python bench/screening.py scale --db STORE --entries 100000 --sample 100

The large list is shaped as an international list is (see :func:`make_list`): mostly persons with
Western and Russian names, a tenth Chinese persons and companies written by sound from the store's
own names (王伟 -> WANG Wei: the common Chinese names, the hard case for blocking), and a planted
few real persons of the store.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def machine() -> str:
    from runner import machine_note

    return machine_note()


def pairs_figures(algorithms: list[str]) -> dict:
    from screening_pairs import as_ftm, labelled_pairs

    from equitygraph.graph.analysis.screening import THRESHOLD, score_pair
    from equitygraph.graph.analysis.screening_names import name_form
    from equitygraph.graph.listings import ORGANISATION, PERSON

    pairs = labelled_pairs()
    # Each side's name forms made before the clock starts, as a screening makes them once (and as
    # nomenklatura's entities are made before its clock starts).
    forms = [([(n, name_form(n, p.kind == ORGANISATION, p.kind == PERSON)) for n in p.names],
              [(n, name_form(n, p.kind == ORGANISATION, p.kind == PERSON)) for n in e.names]) for p, e, _, _ in pairs]
    started = time.perf_counter()
    ours = [score_pair(p, e, *f).score for (p, e, _, _), f in zip(pairs, forms)]
    results = {"equitygraph": _figures(pairs, ours, THRESHOLD, time.perf_counter() - started)}
    try:
        from followthemoney import model
        from nomenklatura.matching import get_algorithm
        from nomenklatura.matching.types import ScoringConfig
    except ImportError:
        results["nomenklatura"] = "not installed (pip install -e .[bench])"
        return results
    config = ScoringConfig.defaults()
    for name in algorithms:
        algorithm = get_algorithm(name)
        proxies = [(model.get_proxy(as_ftm(p)), model.get_proxy(as_ftm(e))) for p, e, _, _ in pairs]
        algorithm.compare(*proxies[0], config)  # its models load on the first call
        started = time.perf_counter()
        scores = [algorithm.compare(a, b, config).score for a, b in proxies]
        results[f"nomenklatura {name}"] = _figures(pairs, scores, THRESHOLD, time.perf_counter() - started)
    return results


def _figures(pairs, scores, threshold, seconds) -> dict:
    by: dict[str, list[int]] = {}
    for (_, _, same, source), score in zip(pairs, scores):
        for key in (source, "all"):
            row = by.setdefault(key, [0, 0, 0, 0])
            hit = score >= threshold
            row[0] += hit and same
            row[1] += hit and not same
            row[2] += same and not hit
            row[3] += 1
    out = {key: {"pairs": n, "true": tp + fn, "tp": tp, "fp": fp, "fn": fn,
                 "precision": round(tp / (tp + fp), 3) if tp + fp else None,
                 "recall": round(tp / (tp + fn), 3) if tp + fn else None} for key, (tp, fp, fn, n) in by.items()}
    out["microseconds_per_pair"] = round(seconds / len(pairs) * 1e6, 1)
    return out


def make_list(parties, entries: int, planted: int, seed: int = 7):
    """``entries`` list entries shaped as a large international list is: most of them persons with
    Western, Russian or other names (first and last names recombined from the real list excerpts),
    7 % Chinese persons and 3 % Chinese companies written by sound from the store's own names (other
    people of the same names: each with a birth date drawn at random, which the store does not
    hold), and ``planted`` real persons of the store (their name in pinyin, as a list writes it)."""
    from screening_pairs import cn_rows, eu_listings, putin_names

    from equitygraph.graph.analysis.screening_names import name_form
    from equitygraph.graph.listings import ORGANISATION, PERSON, Listing

    rnd = random.Random(seed)
    latin = [n for n in [r["Name"] for r in cn_rows() if r["Type"] == "Person"] + putin_names()
             + [n for e in eu_listings() for n in e.names] if n.isascii() and len(n.split()) >= 2]
    firsts = sorted({n.split()[0].strip(",").title() for n in latin})
    lasts = sorted({n.split()[-1].strip(",").title() for n in latin})
    persons = [p for p in parties if p.kind == PERSON]
    companies = [p for p in parties if p.kind == ORGANISATION]
    listings, truth = [], {}

    def by_sound(source) -> str:
        words = list(name_form(source.names[0], source.kind == ORGANISATION).words)
        if source.kind == PERSON and len(words) >= 2:
            return f"{words[0].upper()} {''.join(words[1:]).title()}"
        return " ".join(w.title() for w in words)

    for i in range(entries):
        draw = rnd.random()
        born = f"{rnd.randint(1940, 2000)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        if i < planted:
            source = rnd.choice(persons)
            truth[f"e{i}"] = source.id
            entry = (PERSON, by_sound(source), None)
        elif draw < 0.07:
            entry = (PERSON, by_sound(rnd.choice(persons)), born)
        elif draw < 0.10:
            entry = (ORGANISATION, by_sound(rnd.choice(companies)), None)
        else:
            middle = f" {rnd.choice(firsts)}ovich" if rnd.random() < 0.3 else ""
            entry = (PERSON, f"{rnd.choice(firsts)}{middle} {rnd.choice(lasts).upper()}", born)
        kind, written, birth = entry
        listings.append(Listing(f"e{i}", kind, (written,), written, "bench", ("sanctioned",),
                                birth_dates=(birth,) if birth else ()))
    return listings, truth


def scale(db: str, entries: int, sample: int, planted: int) -> dict:
    from equitygraph.graph.analysis.screening import THRESHOLD, ListIndex, score_pair
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.screen import parties_of

    with SQLiteStore(db, readonly=True) as store:
        started = time.perf_counter()
        parties = list(parties_of(store))
        read = time.perf_counter() - started
    listings, truth = make_list(parties, entries, planted)
    started = time.perf_counter()
    index = ListIndex(listings)
    indexed = time.perf_counter() - started
    started = time.perf_counter()
    found = {}
    for party in parties:
        matches = index.screen(party)
        if matches:
            found[party.id] = {m.listing for m in matches}
    screened = time.perf_counter() - started
    planted_found = sum(1 for e, p in truth.items() if e in found.get(p, ()))
    rnd = random.Random(11)
    # The sample: parties with a match and parties drawn at random, each against every entry.
    chosen = rnd.sample([p for p in parties if p.id in found], min(sample // 2, len(found)))
    chosen += rnd.sample(parties, sample - len(chosen))
    started = time.perf_counter()
    brute = {}
    for party in chosen:
        hits = {e.id for e in listings if (m := score_pair(party, e)) is not None and m.score >= THRESHOLD}
        if hits:
            brute[party.id] = hits
    brute_seconds = time.perf_counter() - started
    blocked = {p.id: found.get(p.id, set()) for p in chosen}
    missed = sum(len(hits - blocked[pid]) for pid, hits in brute.items())
    total = sum(len(hits) for hits in brute.values())
    busy = sum(1 for ids in index.by_key.values() if len(ids) > 200)
    return {"db": db, "parties": len(parties), "entries": entries, "read_parties_seconds": round(read, 1),
            "index_seconds": round(indexed, 1), "screen_seconds": round(screened, 1),
            "parties_with_matches": len(found), "matches": sum(map(len, found.values())),
            "planted": planted, "planted_found": planted_found, "keys": len(index.by_key), "busy_keys": busy,
            "sample": len(chosen), "brute_seconds": round(brute_seconds, 1),
            "brute_matches": total, "blocking_missed": missed,
            "brute_seconds_for_all_parties_estimate": round(brute_seconds / len(chosen) * len(parties)),
            "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="part", required=True)
    pairs = sub.add_parser("pairs")
    pairs.add_argument("--algorithm", action="append", default=None,
                       help="nomenklatura matchers (default: logic-v2, logic-v1, regression-v1, name-based)")
    big = sub.add_parser("scale")
    big.add_argument("--db", required=True)
    big.add_argument("--entries", type=int, default=100_000)
    big.add_argument("--sample", type=int, default=100)
    big.add_argument("--planted", type=int, default=500)
    args = parser.parse_args()
    if args.part == "pairs":
        out = pairs_figures(args.algorithm or ["logic-v2", "logic-v1", "regression-v1", "name-based"])
    else:
        out = scale(args.db, args.entries, args.sample, args.planted)
    print(json.dumps({"machine": machine(), "part": args.part, **({"figures": out} if args.part == "pairs" else out)},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
