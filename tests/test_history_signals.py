"""Signs read from the history: a stake handed to a likely nominee shortly before a risk event,
repeated changes of actual controller within a year, one officer change across a group at once
(hand-built cases with their dates worked out by hand, and the generator's planted handovers)."""

import csv
import datetime as dt

import pytest

from equitygraph.graph.model import (Entity, EntityKind, EventType, Holding, Link, LinkKind, Officer, RiskEvent,
                                     Share, contact_id)
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.control.report import control_report

D = dt.date
PHONE = contact_id("13900000000")


@pytest.fixture(scope="module")
def history():
    """C: 老板 held 100 % until 2024-03-01, 代持人 (sharing 老板's phone) from 2024-03-02; a complaint on
    2024-06-01 (91 days later). K: sold three times, A -> B on 2024-02-01, B -> E on 2024-09-01 (213 days
    later), and A's first purchase in 2019. Group G1..G4 (one group): legal representatives of G1, G2, G3
    passed to 新法人 on 2024-05-02, 05-10, 05-20 (inside 31 days); G4's in 2022."""
    store = SQLiteStore(":memory:")
    with store.writer() as w:
        for i, name in (("C", "华融理财有限公司"), ("K", "频换控股有限公司"), *((f"G{k}", f"集团成员{k}") for k in range(1, 5))):
            w.add(Entity(i, EntityKind.COMPANY, name))
        for i, name in (("boss", "老板"), ("nominee", "代持人"), ("A", "甲"), ("B", "乙"), ("E", "丙"), ("rep", "新法人"),
                        *((f"old{k}", f"旧法人{k}") for k in range(1, 5))):
            w.add(Entity(i, EntityKind.PERSON, name))
        w.add(Entity(PHONE, EntityKind.CONTACT, "13900000000"))
        w.add_many([Link("boss", PHONE, LinkKind.HAS_CONTACT), Link("nominee", PHONE, LinkKind.HAS_CONTACT)])
        w.add(Holding("boss", "C", Share.exact(1.0), since=D(2020, 1, 1), until=D(2024, 3, 1)))
        w.add(Holding("nominee", "C", Share.exact(1.0), since=D(2024, 3, 2)))
        w.add(RiskEvent("C", EventType.COMPLAINT, D(2024, 6, 1), 3, "投诉"))
        w.add(Holding("A", "K", Share.exact(0.8), since=D(2019, 1, 1), until=D(2024, 1, 31)))
        w.add(Holding("B", "K", Share.exact(0.8), since=D(2024, 2, 1), until=D(2024, 8, 31)))
        w.add(Holding("E", "K", Share.exact(0.8), since=D(2024, 9, 1)))
        for k, day in ((1, D(2024, 5, 2)), (2, D(2024, 5, 10)), (3, D(2024, 5, 20)), (4, D(2022, 1, 1))):
            w.add(Officer(f"old{k}", f"G{k}", "legal_representative", since=D(2015, 1, 1), until=day - dt.timedelta(1)))
            w.add(Officer("rep", f"G{k}", "legal_representative", since=day))
            w.add(Holding("A", f"G{k}", Share.exact(1.0), since=D(2015, 1, 1)))
    store.write_results("group", {f"G{k}": "A" for k in range(1, 5)})
    yield store
    store.close()


def signals_of(store, company, kind, as_of=D(2024, 12, 31)):
    return [s for s in control_report(store, company, as_of=as_of).signals if s.kind == kind]


def test_a_stake_handed_to_a_nominee_sharing_the_phone_before_a_complaint(history):
    [signal] = signals_of(history, "C", "nominee_handoff")
    assert signal.evidence == ("老板 (boss) handed a 100 % stake in 华融理财有限公司 to 代持人 (nominee) on 2024-03-02, "
                               "91 days before a complaint (2024-06-01); 代持人 shares a phone or e-mail with 老板 (boss)")
    assert signal.entities == ("boss", "nominee", "C")
    assert signals_of(history, "C", "nominee_handoff", as_of=D(2024, 3, 1)) == []  # not yet handed over then


def test_two_controller_changes_within_a_year(history):
    [signal] = signals_of(history, "K", "controller_churn")
    assert signal.evidence == ("the actual controller of 频换控股有限公司 changed 2 times within a year: "
                               "甲 (A) -> 乙 (B) on 2024-02-01; 乙 (B) -> 丙 (E) on 2024-09-01")
    assert signals_of(history, "K", "controller_churn", as_of=D(2024, 6, 30)) == []  # one change so far
    assert signals_of(history, "C", "controller_churn") == []  # one change only


def test_legal_representatives_changed_across_the_group_in_one_month(history):
    [signal] = signals_of(history, "G4", "group_officer_wave")  # shown at every member, G4's own change aside
    assert signal.evidence == ("the legal representative of 3 companies of the group changed between 2024-05-02 "
                               "and 2024-05-20; taking over: 新法人 (rep)")
    assert signal.entities == ("G1", "G2", "G3")


@pytest.fixture(scope="module")
def rings(tmp_path_factory):
    """A case large enough to hold a dozen rings (the generator plants about one ring company in 200)."""
    from equitygraph.loaders.csv_folder import load_folder
    from equitygraph.loaders.synthetic import generate_case

    folder = tmp_path_factory.mktemp("rings") / "case"
    generate_case(folder, companies=20000, seed=11)
    with SQLiteStore(folder.parent / "rings.db") as store:
        load_folder(store, folder)
        yield folder, store


def test_the_planted_ring_handovers_are_found_with_their_nominee(rings):
    """The generator hands some ring members from the boss to a nominee who lives with the boss or
    shares the boss's phone, 30 to 180 days before the case: each one followed by an event within 180
    days is found, and every handover signal names a planted nominee."""
    generated_case, generated_store = rings
    truth = {r["entity_id"]: r for r in csv.DictReader(open(generated_case / "ground_truth.csv", encoding="utf-8"))}
    bosses = {i for i, r in truth.items() if r["role"] == "ring_boss"}
    events = {}
    for row in csv.DictReader(open(generated_case / "events.csv", encoding="utf-8")):
        events.setdefault(row["entity_id"], []).append(D.fromisoformat(row["date"]))
    planted = {}
    for row in csv.DictReader(open(generated_case / "holdings.csv", encoding="utf-8")):
        if row["holder_id"] in bosses and row["until"]:
            handed = D.fromisoformat(row["until"]) + dt.timedelta(days=1)
            if any(0 <= (day - handed).days <= 180 for day in events.get(row["company_id"], [])):
                planted[row["company_id"]] = row["holder_id"]
    assert len(planted) >= 5
    for company, boss in planted.items():
        found = signals_of(generated_store, company, "nominee_handoff", as_of=None)
        assert [s.entities[0] for s in found] == [boss], company
        assert truth[found[0].entities[1]]["nominee_for"] == boss
    ring = [i for i, r in truth.items() if r["ring_id"] and r["role"] == "company"]
    others = [i for i, r in truth.items() if r["role"] == "company" and not r["ring_id"]][::100]
    for company in ring + others:
        for signal in signals_of(generated_store, company, "nominee_handoff", as_of=None):
            assert truth.get(signal.entities[1], {}).get("role") in ("nominee", "professional_nominee"), signal
