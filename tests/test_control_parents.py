"""Control on real chains (issue 27): votes pooled through the companies a parent certainly controls
whatever stands above it, the controlling parent proven where the top is not on record, the ultimate
controller or why it is not known, and "unknown" apart from "none"."""

import pytest
from click.testing import CliRunner

from equitygraph.graph.model import Entity, EntityKind, Holding, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.analyze import analyze
from equitygraph.queries.cli import cli
from equitygraph.queries.control.report import control_report


def company(i, **kw):
    return Entity(i, EntityKind.COMPANY, i, **kw)


def person(i):
    return Entity(i, EntityKind.PERSON, i)


def held(holder, company_id, share):
    return Holding(holder, company_id, Share.exact(share))


@pytest.fixture()
def store(tmp_path):
    with SQLiteStore(tmp_path / "c.db") as s:
        yield s


def write(store, *records):
    with store.writer() as w:
        w.add_many(records)


def test_votes_pool_through_the_companies_a_parent_not_on_record_certainly_controls(store):
    """The published worked example: Sigma Holding holds 80 % of One, 60 % of Two (which holds 10 %
    of One) and 10 % of Three; One holds 40 % and Two 20 % of Three; minorities the rest. Sigma
    commands 10 + 40 + 20 = 70 % of Three's votes; its integrated ownership is
    0.10 + 0.8 x 0.4 + 0.6 x 0.2 + 0.6 x 0.1 x 0.4 = 56.4 %."""
    write(store, company("Sigma"), company("One"), company("Two"), company("Three"), person("m1"), person("m2"),
          person("m3"), held("Sigma", "One", .8), held("Two", "One", .1), held("m1", "One", .1), held("Sigma", "Two", .6),
          held("m2", "Two", .4), held("Sigma", "Three", .1), held("One", "Three", .4), held("Two", "Three", .2),
          held("m3", "Three", .3))
    three = control_report(store, "Three")
    assert three.controlling_parent == ("Sigma",)
    assert (three.hops[0].controller, three.hops[0].rule) == ("Sigma", "majority")
    assert three.hops[0].low == pytest.approx(0.7)
    assert three.stakes["Sigma"][0] == pytest.approx(0.564)
    # Who stands above Sigma is not on record: the ultimate controller is not known, and says why.
    assert (three.verdict, three.actual_controllers) == ("uncertain", ())
    assert three.ultimate_unknown == "Sigma: no holder on record"
    for name in ("One", "Two"):
        assert control_report(store, name).controlling_parent == ("Sigma",)


def test_the_top_of_a_chain_not_on_record_is_the_controlling_parent(store):
    write(store, company("OP", jurisdiction="VG"), company("Alpha"), company("Beta"), person("x"),
          held("OP", "Alpha", 1.0), held("Alpha", "Beta", .6), held("x", "Beta", .4))
    beta = control_report(store, "Beta")
    assert beta.controlling_parent == ("OP",)
    assert [(h.controlled, h.controller) for h in beta.hops] == [("Beta", "Alpha"), ("Alpha", "OP")]
    assert beta.ultimate_unknown == "OP: no holder on record; a company registered abroad (VG)"
    data = beta.to_dict()
    assert [p["id"] for p in data["controlling_parent"]] == ["OP"]
    assert data["ultimate_controller"] == {"known": False, "controllers": [],
                                           "why_unknown": "OP: no holder on record; a company registered abroad (VG)"}


def test_a_known_ultimate_controller_is_the_controlling_parent_too(store):
    write(store, person("boss"), company("H"), company("C"), person("y"), held("boss", "H", 1.0), held("H", "C", .6),
          held("y", "C", .4))
    report = control_report(store, "C")
    assert report.actual_controllers == report.controlling_parent == ("boss",)
    assert report.to_dict()["ultimate_controller"]["known"] is True and report.ultimate_unknown == ""


def test_nothing_on_record_is_unknown_and_proven_dispersion_is_none(store, tmp_path):
    write(store, company("Empty"), company("Spread"), *[person(f"p{i}") for i in range(4)],
          *[held(f"p{i}", "Spread", .25) for i in range(4)])
    empty = control_report(store, "Empty")
    assert (empty.verdict, empty.reason, empty.controlling_parent) == ("unknown", "no holder is on record", ())
    spread = control_report(store, "Spread")
    assert (spread.verdict, spread.actual_controllers) == ("none", ())
    result = CliRunner().invoke(cli, ["control", "Empty", "--db", str(tmp_path / "c.db")])
    assert "actual controller  not known: no holder of its shares or votes on record" in result.output
    assert "verdict            unknown" in result.output
    result = CliRunner().invoke(cli, ["control", "Spread", "--db", str(tmp_path / "c.db")])
    assert "actual controller  no single controller" in result.output


def test_the_control_table_shows_the_parent_and_the_ultimate_controller(store, tmp_path):
    write(store, company("OP"), company("Alpha"), person("x"), held("OP", "Alpha", .7), held("x", "Alpha", .3))
    out = CliRunner().invoke(cli, ["control", "Alpha", "--db", str(tmp_path / "c.db")]).output
    assert "controlling parent   OP (OP) (proven by the records)" in out
    assert "ultimate controller  not known: OP: no holder on record" in out


def test_analyze_writes_the_controlling_parent_of_every_company(store):
    write(store, company("Sigma"), company("One"), company("Two"), person("m"), company("Lone"),
          held("Sigma", "One", .8), held("m", "One", .2), held("One", "Two", .6), held("m", "Two", .4))
    analyze(store, with_clusters=False)
    assert store.read_results("controlling_parent") == {"One": "Sigma", "Two": "Sigma"}
    assert store.read_results("control_verdict") == {"Lone": "unknown", "One": "uncertain", "Sigma": "unknown",
                                                     "Two": "uncertain"}


def test_a_concert_group_is_named_by_its_members_not_by_a_company_one_of_them_controls(store):
    """Found by the register strategy: P0 and P1 act in concert; P0 controls C0 (60 % of its votes),
    which holds 40 % of C1 beside P0's 5 % and P1's 45 %. The group controls C1: P0 and P1 jointly,
    never C0 and P1 (C0's votes are P0's)."""
    from equitygraph.graph.model import Interest, Relation, RelationType

    write(store, person("P0"), person("P1"), person("P2"), person("n"), company("C0"), company("C1"),
          Holding("P0", "C0", Share.exact(0.6), Interest.VOTING), held("n", "C0", 0.4),
          held("P0", "C1", 0.05), held("P1", "C1", 0.45), held("P2", "C1", 0.1), held("C0", "C1", 0.4),
          Relation("P0", "P1", RelationType.CONCERT_PARTY))
    report = control_report(store, "C1")
    assert (report.verdict, report.actual_controllers) == ("joint", ("P0", "P1"))


def test_the_chain_along_the_control_path_comes_first_and_pooled_hops_say_so(store):
    """boss holds 51 % of H, H 51 % of C, Q 49 % of C: Q's chain has the most cash flow (49 % against
    26 %), but the chain along the control path (boss -> H -> C) is chain 1; Sigma's hop into Three is
    votes pooled through One and Two, and says so."""
    write(store, person("boss"), person("Q"), person("r"), company("H"), company("C"), held("boss", "H", .51),
          held("r", "H", .49), held("H", "C", .51), held("Q", "C", .49))
    report = control_report(store, "C")
    assert [h.holder for h in report.chains[0].hops] == ["boss", "H"]
    assert not any(h.pooled for h in report.hops)
    write(store, company("Sigma"), company("One"), company("Two"), company("Three"), person("m1"), person("m2"),
          person("m3"), held("Sigma", "One", .8), held("m1", "One", .2), held("Sigma", "Two", .6), held("m2", "Two", .4),
          held("Sigma", "Three", .1), held("One", "Three", .4), held("Two", "Three", .2), held("m3", "Three", .3))
    three = control_report(store, "Three")
    assert [(h.controller, h.pooled) for h in three.hops] == [("Sigma", True)]
    assert three.to_dict()["control_path"][0]["pooled"] is True


def test_votes_pooled_under_a_parent_of_unproven_control_could_stand_with_anyone(store):
    """Found by the register strategy: C2 certainly controls C3 (45 % against at most 40 %), but who
    controls C2 is open (P0's share of it is not given). C3's stake in C1 (up to 31 %) is C2's, and
    whoever controls C2 - P0 perhaps, who holds 5 % of C1 too - could add to it: C1 is uncertain,
    not proven dispersed."""
    write(store, *[person(f"P{i}") for i in range(3)], company("C1"), company("C2"), company("C3"),
          held("P0", "C1", 0.05), held("P1", "C1", 0.32), held("P2", "C1", 0.32), Holding("C3", "C1", Share.unknown()),
          Holding("P0", "C2", Share.unknown()), held("C2", "C3", 0.45), held("P0", "C3", 0.05), held("P1", "C3", 0.1),
          Holding("P2", "C3", Share.unknown()))
    assert control_report(store, "C3").controlling_parent == ("C2",)
    assert control_report(store, "C1").verdict == "uncertain"


def test_of_joint_controllers_the_one_in_doubt_is_named_never_a_person_at_the_top(store):
    """Open Ownership's BODS 0.4 example 'mixed direct and indirect ownership': Person 1 holds 50 % of
    Company A and Company B the other 50 %; Person 1 is declared B's beneficial owner with no share.
    Control of A is uncertain because of Company B, not because nobody holds Person 1."""
    from pathlib import Path

    from equitygraph.loaders.formats import load_path

    load_path(store, Path(__file__).parent / "data" / "open" / "bods" / "v0.4" / "mixed-direct-and-indirect-ownership.json")
    report = control_report(store, "bods:9bfe59b6a869")
    assert (report.verdict, report.controlling_parent) == ("uncertain", ("bods:53508b65253f", "bods:ec61aeda7141"))
    assert report.reason == ("Company B (bods:ec61aeda7141) controls it, but who controls Company B is uncertain: "
                             "ranges or unknown shares on record could change who controls it")


def test_a_holder_of_another_kind_of_interest_is_said_not_denied(store):
    """BODS 0.4 example of a state-owned chain (Gasgrid Finland Oy): the Republic of Finland has
    'other influence or control' over its Ministry of Finance, with no share. The ministry's
    controller is not known, but the report does not say that nobody holds it."""
    from pathlib import Path

    from equitygraph.loaders.formats import load_path

    load_path(store, Path(__file__).parent / "data" / "open" / "bods" / "v0.4" / "bods-package-fi-soe.json")
    ministry = control_report(store, "bods:7ff95ba3682c")
    assert ministry.verdict == "unknown"
    assert ministry.reason == ("no holder of its shares or votes is on record; Suomen tasavalta (bods:05ce06ec97b1): "
                               "another interest in it (influence or control, no share)")
    assert ministry.sections()[0].rows[0][1] == "not known: no holder of its shares or votes on record"
    # a company with no holder at all keeps the plain reason
    assert control_report(store, "bods:05ce06ec97b1").reason == "no holder is on record"
