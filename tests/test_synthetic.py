"""The case generator: deterministic, loadable, and its planted truth agrees with its own data."""

import csv
import filecmp
from collections import Counter, defaultdict

import networkx as nx
import pytest
from stdnum.cn import uscc

from equitygraph.graph.errors import EquityGraphError
from equitygraph.loaders.csv_folder import load_folder
from equitygraph.loaders.fields import parse_share
from equitygraph.loaders.synthetic import generate_case, read_ground_truth

FILES = ("entities.csv", "holdings.csv", "officers.csv", "events.csv", "ground_truth.csv", "case.json")


def rows(folder, name):
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_same_seed_same_bytes_other_seed_other_case(tmp_path):
    generate_case(tmp_path / "a", companies=500, seed=3)
    generate_case(tmp_path / "b", companies=500, seed=3)
    generate_case(tmp_path / "c", companies=500, seed=4)
    for name in FILES:
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False), name
    assert not filecmp.cmp(tmp_path / "a" / "holdings.csv", tmp_path / "c" / "holdings.csv", shallow=False)


def test_exact_company_count_and_a_clear_error_below_the_minimum(tmp_path):
    summary = generate_case(tmp_path / "n", companies=777, seed=1)
    assert summary.companies == 777
    assert sum(1 for r in rows(tmp_path / "n", "entities") if r["kind"] == "company") == 777
    with pytest.raises(EquityGraphError, match="a case needs at least 20 companies, got 5"):
        generate_case(tmp_path / "tiny", companies=5)


def test_generated_case_loads_cleanly(generated_case, tmp_path):
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(tmp_path / "g.db") as store:
        report = load_folder(store, generated_case)
    assert report.warnings == []
    assert report.counts["company"] == 3000


def _current_holders(folder):
    holders = defaultdict(list)
    for h in rows(folder, "holdings"):
        if not h["until"]:
            holders[h["company_id"]].append((h["holder_id"], parse_share(h["share"])))
    return holders


def _registry_controller(company, holders, kinds, depth=0):
    """The controller by the default rules, written out independently of the library: >= 50 %
    (two such holders: joint), else the largest holder above 30 % with a 10-point margin; followed up
    through controlled companies."""
    stakes = sorted(holders.get(company, []), key=lambda hs: -(hs[1].low or 0))
    majority = [h for h, s in stakes if s.is_known and s.low >= 0.5]
    if len(majority) == 2:
        return "|".join(sorted(majority))
    if majority:
        top = majority[0]
    elif stakes and stakes[0][1].is_known and stakes[0][1].low > 0.3 and all(
        s.is_known and stakes[0][1].low - s.high >= 0.1 - 1e-9 for _, s in stakes[1:]
    ):
        top = stakes[0][0]
    else:
        return "" if depth == 0 else company
    if kinds[top] == "person" or depth > 20:
        return top
    return _registry_controller(top, holders, kinds, depth + 1) or top


def test_planted_controllers_follow_from_the_registry_data(generated_case):
    kinds = {r["id"]: r["kind"] for r in rows(generated_case, "entities")}
    holders = _current_holders(generated_case)
    truth = [t for t in read_ground_truth(generated_case) if t["role"] == "company"]
    assert len(truth) == 3000
    wrong = [(t["entity_id"], t["controller_id"], _registry_controller(t["entity_id"], holders, kinds))
             for t in truth if _registry_controller(t["entity_id"], holders, kinds) != t["controller_id"]]
    assert wrong == []
    controls = Counter(t["control"] for t in truth)
    assert controls["single"] > 2000 and controls["joint"] > 50 and controls["dispersed"] > 100


def test_groups_have_deep_pyramids_cycles_and_offshore_layers(generated_case):
    truth = read_ground_truth(generated_case)
    entities = {r["id"]: r for r in rows(generated_case, "entities")}
    graph = nx.DiGraph((h["holder_id"], h["company_id"]) for h in rows(generated_case, "holdings"))
    members = defaultdict(list)
    for t in truth:
        if t["group_id"]:
            members[t["group_id"]].append(t["entity_id"])
    assert len(members) > 50
    cycles = [c for c in nx.simple_cycles(graph) if len(c) > 1]
    assert cycles and all(len({t["group_id"] for t in truth if t["entity_id"] in c}) == 1 for c in cycles)
    deepest = max(
        nx.shortest_path_length(graph, t["controller_id"], t["entity_id"])
        for t in truth if t["group_id"] and t["controller_id"] in graph and not t["hidden_controller_id"]
    )
    assert deepest >= 4
    offshore = [e for e in entities.values() if e["jurisdiction"] in ("VG", "KY", "HK", "SG")]
    assert offshore and all(e["name"].isascii() for e in offshore)


def test_registration_numbers_are_valid_and_unique(generated_case):
    companies = [r for r in rows(generated_case, "entities") if r["kind"] == "company" and r["jurisdiction"] == "CN"]
    numbers = [c["reg_no"] for c in companies]
    assert all(uscc.is_valid(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert len({c["name"] for c in companies}) == len(companies)


def test_nominees_share_a_phone_or_an_address_with_whom_they_front_for(generated_case):
    entities = {r["id"]: r for r in rows(generated_case, "entities")}
    nominees = [t for t in read_ground_truth(generated_case) if t["role"] == "nominee"]
    assert len(nominees) >= 4
    for t in nominees:
        nominee, boss = entities[t["entity_id"]], entities[t["nominee_for"]]
        shared = {nominee["address"], nominee["phone"]} & {boss["address"], boss["phone"]} - {""}
        assert shared, t


def test_rings_have_members_that_look_clean_alone_but_are_linked(generated_case):
    truth = [t for t in read_ground_truth(generated_case) if t["ring_id"] and t["role"] == "company"]
    events = defaultdict(set)
    for e in rows(generated_case, "events"):
        events[e["entity_id"]].add(e["type"])
    officers = defaultdict(set)
    for o in rows(generated_case, "officers"):
        officers[o["company_id"]].add(o["person_id"])
    entities = {r["id"]: r for r in rows(generated_case, "entities")}
    by_ring = defaultdict(list)
    for t in truth:
        by_ring[t["ring_id"]].append(t)
    assert len(by_ring) >= 2
    for ring, members in by_ring.items():
        roles = Counter(t["ring_role"] for t in members)
        assert roles["confirmed"] >= 1 and roles["hidden"] >= 1, ring
        for t in members:
            company = t["entity_id"]
            if t["ring_role"] == "confirmed":
                assert "confirmed_case" in events[company]
            if t["ring_role"] == "hidden":
                assert not events[company]
            others = [m["entity_id"] for m in members if m["entity_id"] != company]
            tied = any(
                officers[company] & officers[o]
                or {entities[company]["address"], entities[company]["phone"]} & {entities[o]["address"], entities[o]["phone"]} - {""}
                for o in others
            )
            assert tied, company


def test_some_ring_members_changed_hands_shortly_before_the_case(generated_case):
    truth = {t["entity_id"]: t for t in read_ground_truth(generated_case)}
    handovers = [h for h in rows(generated_case, "holdings")
                 if h["until"] and truth.get(h["company_id"], {}).get("ring_id")
                 and h["holder_id"] == truth[h["company_id"]]["hidden_controller_id"]]
    assert handovers


def test_professional_nominees_hold_stakes_in_many_unrelated_companies(generated_case):
    pros = {t["entity_id"] for t in read_ground_truth(generated_case) if t["role"] == "professional_nominee"}
    held = Counter(h["holder_id"] for h in rows(generated_case, "holdings") if h["holder_id"] in pros)
    assert pros and min(held[p] for p in pros) >= 10


def test_shares_come_in_registry_spellings_with_some_unknown_and_ranges(generated_case):
    shares = [h["share"] for h in rows(generated_case, "holdings")]
    assert any(s.endswith("%") for s in shares) and any(s.isdigit() for s in shares)
    assert any(s == "" for s in shares) and any("-" in s for s in shares)


def test_people_share_names_as_in_real_registries(generated_case):
    names = Counter(r["name"] for r in rows(generated_case, "entities") if r["kind"] == "person")
    assert names.most_common(1)[0][1] >= 2
