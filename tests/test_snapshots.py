"""load --snapshot: registers as of successive days kept as history (worked examples, and the
generator's three snapshots with their planted changes recovered exactly)."""

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from equitygraph.loaders.reconcile import compared, reconcile
from equitygraph.graph.model import Holding, Officer, Relation, RelationType, Share, contact_id
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.snapshot import SnapshotRefused, load_snapshot, loaded_snapshots
from equitygraph.loaders.synthetic_history import generate_history, read_history_truth
from equitygraph.queries.changes import changes
from equitygraph.queries.cli import cli
from equitygraph.queries.control.report import control_report

from conftest import dump, write_case

D = dt.date
OPEN_DATA = Path(__file__).parent / "data" / "open"
DAY = D(2026, 6, 30)


# -- reconciling one snapshot with the facts open in the store (pure) ----------------------------

def test_a_changed_share_ends_the_old_and_starts_the_new_the_day_after():
    old = Holding("A", "C", Share.exact(0.6), since=D(2015, 1, 1), source="registry")
    done = reconcile([old], [Holding("A", "C", Share.exact(0.8), since=D(2015, 1, 1))], DAY)
    [(ended, new)] = done.changed
    assert ended == Holding("A", "C", Share.exact(0.6), since=D(2015, 1, 1), until=D(2026, 6, 29), source="registry")
    assert (new.since, new.share) == (DAY, Share.exact(0.8))  # the register's date is the old start: the snapshot day
    assert ended.key != new.key and done.ended == [] and done.started == []


def test_a_register_date_after_the_old_start_is_kept_for_the_new_share():
    old = Holding("A", "C", Share.exact(0.6), since=D(2015, 1, 1))
    [(ended, new)] = reconcile([old], [Holding("A", "C", Share.exact(0.8), since=D(2026, 5, 2))], DAY).changed
    assert (ended.until, new.since) == (D(2026, 5, 1), D(2026, 5, 2))


def test_absent_facts_end_the_day_before_and_new_ones_start_on_the_day():
    stored = [Holding("A", "C", Share.exact(1.0)), Officer("A", "C", "legal_representative", since=D(2020, 1, 1))]
    snapshot = [Holding("B", "C", Share.exact(1.0)), Officer("B", "C", "legal_representative"),
                Officer("E", "C", "director", since=D(2026, 4, 1))]
    done = reconcile(stored, snapshot, DAY)
    assert sorted((type(f).__name__, f.until) for f in done.ended) == [("Holding", D(2026, 6, 29)),
                                                                      ("Officer", D(2026, 6, 29))]
    assert sorted((type(f).__name__, f.since) for f in done.started) == [
        ("Holding", DAY), ("Officer", D(2026, 4, 1)), ("Officer", DAY)]
    first = reconcile([], snapshot, DAY, dated=False)  # a store's first snapshot: no start made up
    assert sorted(str(f.since) for f in first.started) == ["2026-04-01", "None", "None"]


def test_the_same_facts_change_nothing_whatever_the_dates_the_store_gave_them():
    stored = [Holding("A", "C", Share(0.05, 0.1), since=D(2026, 3, 31)), Officer("A", "C", "director")]
    done = reconcile(stored, [Holding("A", "C", Share(0.05, 0.1)), Officer("A", "C", "director", since=D(2019, 1, 1))],
                     DAY)
    assert (done.unchanged, done.writes()) == (2, [])


def test_an_end_date_given_by_the_register_and_history_it_gives():
    stored = [Holding("A", "C", Share.exact(0.5), since=D(2015, 1, 1))]
    snapshot = [Holding("A", "C", Share.exact(0.5), since=D(2015, 1, 1), until=D(2026, 12, 31)),
                Holding("X", "C", Share.exact(0.5), since=D(2010, 1, 1), until=D(2014, 12, 31))]
    done = reconcile(stored, snapshot, DAY)
    assert [h.until for h in done.updated] == [D(2026, 12, 31)]
    assert [h.holder_id for h in done.recorded] == ["X"] and done.ended == []


def test_only_the_kinds_of_fact_a_snapshot_carries_are_compared():
    stored = [Holding("A", "C", Share.exact(1.0)), Officer("A", "C", "director"),
              Relation("A", "B", RelationType.SPOUSE), Relation("A", "C", RelationType.NOMINEE)]
    carried = compared(stored, [Holding("A", "C", Share.exact(1.0)), Relation("A", "C", RelationType.NOMINEE)])
    assert carried == [stored[0], stored[3]]  # no officers and no spouses in the snapshot: kept as they are


# -- the generator's three snapshots -------------------------------------------------------------

@pytest.fixture(scope="module")
def history_case(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("history") / "registers"
    generate_history(folder, companies=600, seed=5, snapshots=3)
    return folder


def load_all(store, folder: Path) -> list:
    days = json.loads((folder / "snapshots.json").read_text())["snapshots"]
    return [load_snapshot(store, folder / day, D.fromisoformat(day)) for day in days]


@pytest.fixture(scope="module")
def history_store(history_case, tmp_path_factory):
    with SQLiteStore(tmp_path_factory.mktemp("history-db") / "h.db") as store:
        load_all(store, history_case)
        yield store


def _comparable(row: dict) -> tuple:
    before, after = row["before"], row["after"]
    if row["change"] == "legal_representative_changed":
        before = before.rsplit("(", 1)[1].rstrip(")")
        after = after.rsplit("(", 1)[1].rstrip(")")
    if row["change"] in ("officer_in", "officer_out"):
        before, after = (v.replace(" ", "_") if v else v for v in (before, after))
    if row["change"] == "risk_event":
        after = row["event_type"]
    if row["change"] == "controller_changed":
        before, after = _ids(before), _ids(after)
    return row["change"], row["company_id"], row["party_id"] or "", before or "", after or ""


def test_every_planted_change_is_found_and_none_invented(history_case, history_store):
    truth = read_history_truth(history_case)
    days = json.loads((history_case / "snapshots.json").read_text())["snapshots"]
    assert {r["change"] for r in truth} >= {"holder_in", "holder_out", "share_changed", "officer_in", "officer_out",
                                            "legal_representative_changed", "risk_event", "controller_changed",
                                            "not_seen"}
    for previous, day in zip(days, days[1:]):
        # every change of the register, the controllers it moved among them, each dated by its cause
        planted = sorted((r["change"], r["company_id"], r["party_id"], r["before"], r["after"]) for r in truth
                         if r["snapshot"] == day and r["change"] != "not_seen")
        since, until = D.fromisoformat(previous) + dt.timedelta(days=1), D.fromisoformat(day)
        report = changes(history_store, since, until)
        assert sorted(_comparable(r) for r in report.rows if r["change"] != "beneficial_owner_changed") == planted
        assert all(previous < r["date"] <= day for r in report.rows)
        # The generator plants no beneficial owners: those of the whole register are each company's own
        # report's (asked by name), and companies with planted changes but none found have none by name.
        owners = [r for r in report.rows if r["change"] == "beneficial_owner_changed"]
        found = sorted({r["company_id"] for r in owners})
        assert found
        for company in found:
            assert [r for r in changes(history_store, since, until, (company,)).rows
                    if r["change"] == "beneficial_owner_changed"] == [r for r in owners if r["company_id"] == company]
        for company in sorted({r[1] for r in planted} - set(found))[:8]:
            assert not [r for r in changes(history_store, since, until, (company,)).rows
                        if r["change"] == "beneficial_owner_changed"]


def test_controller_changes_planted_are_found_and_others_are_not(history_case, history_store):
    truth = read_history_truth(history_case)
    sold = {r["company_id"]: r for r in truth if r["change"] == "controller_changed"}
    quiet = sorted({r["company_id"] for r in truth} - set(sold))[:6]
    for company in [*sold, *quiet]:
        day = sold[company]["snapshot"] if company in sold else "2026-09-30"
        since = (D.fromisoformat(day) - dt.timedelta(days=91))
        found = [r for r in changes(history_store, since, D.fromisoformat(day), (company,)).rows
                 if r["change"] == "controller_changed"]
        if company in sold:
            [row] = found
            assert (_ids(row["before"]), _ids(row["after"])) == (sold[company]["before"], sold[company]["after"])
        else:
            assert found == [], company


def _ids(who: str) -> str:
    """The ids in "name (id), name (id)"; none in a verdict ("no controller")."""
    return "|".join(sorted(part.rsplit("(", 1)[1].rstrip(")") for part in who.split(", ") if "(" in part))


def test_an_as_of_question_between_snapshots_is_answered_from_the_earlier(history_case, history_store):
    truth = read_history_truth(history_case)
    row = next(r for r in truth if r["change"] == "controller_changed" and "|" not in r["before"] and r["after"])
    day = D.fromisoformat(row["snapshot"])
    assert control_report(history_store, row["company_id"], as_of=day - dt.timedelta(days=1)).actual_controllers == \
        (row["before"],)
    assert control_report(history_store, row["company_id"], as_of=day).actual_controllers == (row["after"],)
    assert control_report(history_store, row["company_id"]).actual_controllers == (row["after"],)  # today


def test_parties_missing_from_a_snapshot_are_marked_not_seen(history_case, history_store):
    truth = read_history_truth(history_case)
    struck = {r["company_id"]: r["snapshot"] for r in truth if r["change"] == "not_seen"}
    assert len(set(struck.values())) == 2
    assert history_store.read_results("not_seen_since") == struck


def test_loading_the_latest_snapshot_again_changes_nothing(history_case, tmp_path):
    with SQLiteStore(tmp_path / "again.db") as store:
        load_all(store, history_case)
        before = dump(tmp_path / "again.db", skip_meta=True)
        report = load_snapshot(store, history_case / "2026-09-30", D(2026, 9, 30))
        assert report.snapshot["loaded again"] is True
        assert (report.snapshot["facts ended"], report.snapshot["facts started"], report.snapshot["entries changed"]) \
            == (0, 0, 0)
        assert dump(tmp_path / "again.db", skip_meta=True) == before
        assert len(loaded_snapshots(store)) == 3


def test_an_older_snapshot_or_another_of_the_same_day_is_refused_and_the_store_kept(history_case, tmp_path):
    db = tmp_path / "refused.db"
    with SQLiteStore(db) as store:
        load_all(store, history_case)
    before = dump(db)
    run = CliRunner().invoke(cli, ["load", str(history_case / "2026-06-30"), "--snapshot", "2026-06-30", "--db", str(db)])
    assert run.exit_code == 1
    assert run.output.strip().endswith("a snapshot of 2026-09-30 is loaded already; one of 2026-06-30 would rewrite "
                                       "the history after it (load snapshots oldest first)")
    same_day = CliRunner().invoke(cli, ["load", str(history_case / "2026-06-30"), "--snapshot", "2026-09-30",
                                        "--db", str(db)])
    assert same_day.exit_code == 1 and "a snapshot of 2026-09-30 is loaded already and this one differs" in same_day.output
    assert dump(db) == before
    bad = CliRunner().invoke(cli, ["load", str(history_case / "2026-06-30"), "--snapshot", "June", "--db", str(db)])
    assert bad.exit_code == 2 and "'June' does not match the format '%Y-%m-%d'" in bad.output


def test_a_bad_snapshot_is_refused_at_its_line_and_the_store_kept(tmp_path):
    db = tmp_path / "bad.db"
    first = write_case(tmp_path / "first")
    assert CliRunner().invoke(cli, ["load", str(first), "--snapshot", "2026-03-31", "--db", str(db)]).exit_code == 0
    before = dump(db)
    broken = write_case(tmp_path / "broken", holdings="holder_id,company_id,share\nP1,C1,150\n")
    run = CliRunner().invoke(cli, ["load", str(broken), "--snapshot", "2026-06-30", "--db", str(db)])
    assert run.exit_code == 1 and "holdings.csv:2: share:" in run.output and "Traceback" not in run.output
    assert dump(db) == before


def test_a_renamed_company_keeps_its_former_name_as_an_alias(tmp_path):
    entities = "id,kind,name\nC1,company,华信投资有限公司\nP1,person,张三\n"
    holdings = "holder_id,company_id,share\nP1,C1,100\n"
    with SQLiteStore(tmp_path / "r.db") as store:
        load_snapshot(store, write_case(tmp_path / "a", entities=entities, holdings=holdings), D(2026, 3, 31))
        load_snapshot(store, write_case(tmp_path / "b", entities=entities.replace("华信投资", "华信控股"),
                                        holdings=holdings), D(2026, 6, 30))
        renamed = store.get("C1")
        assert (renamed.name, renamed.aliases) == ("华信控股有限公司", ("华信投资有限公司",))
        assert [h.entity.id for h in store.search("华信投资有限公司", exact_only=True)] == ["C1"]


def test_a_snapshot_load_says_how_many_alerts_it_raised(tmp_path):
    """W is watched two hops out; between the snapshots its holder M passes from X to Y."""
    db = str(tmp_path / "w.db")
    entities = "id,kind,name\nW,company,被监控公司\nM,company,中间控股\nX,person,旧老板\nY,person,新老板\n"
    first = write_case(tmp_path / "s1", entities=entities, holdings="holder_id,company_id,share\nM,W,70\nX,M,80\n")
    second = write_case(tmp_path / "s2", entities=entities, holdings="holder_id,company_id,share\nM,W,70\nY,M,80\n")
    runner = CliRunner()
    assert runner.invoke(cli, ["load", str(first), "--snapshot", "2026-03-31", "--db", db]).exit_code == 0
    assert runner.invoke(cli, ["watch", "add", "W", "--hops", "2", "--db", db]).exit_code == 0
    run = runner.invoke(cli, ["load", str(second), "--snapshot", "2026-06-30", "--db", db])
    assert run.exit_code == 0, run.output
    # X out and Y in at M (severity 3 and 2), M's own new controller (5) and beneficial owner (4), and at W
    # itself a new controller (5) and beneficial owner (4)
    assert ("6 alert(s) on watched entities from 2026-04-01 to 2026-06-30, 4 of severity 4 or 5: "
            "equitygraph alerts --since 2026-04-01 --until 2026-06-30") in run.output
    alerts = runner.invoke(cli, ["alerts", "--since", "2026-04-01", "--until", "2026-06-30", "--db", db,
                                 "--format", "jsonl"])
    top = json.loads(alerts.output.splitlines()[0])
    assert (top["change"], top["company_id"], top["before"], top["after"]) == \
        ("controller_changed", "W", "旧老板 (X)", "新老板 (Y)")


def test_both_stores_hold_the_same_history(history_case, history_store, neo4j_store):
    load_all(neo4j_store, history_case)
    window = (D(2026, 4, 1), D(2026, 9, 30))
    assert changes(neo4j_store, *window).rows == changes(history_store, *window).rows
    assert neo4j_store.read_results("not_seen_since") == history_store.read_results("not_seen_since")
    again = load_snapshot(neo4j_store, history_case / "2026-09-30", D(2026, 9, 30))
    assert (again.snapshot["loaded again"], again.snapshot["facts ended"], again.snapshot["facts started"]) == \
        (True, 0, 0)
    with pytest.raises(SnapshotRefused):
        load_snapshot(neo4j_store, history_case / "2026-06-30", D(2026, 6, 30))


def test_registry_extracts_in_excel_as_snapshots(tmp_path):
    from test_tabular import workbook

    first = workbook(tmp_path / "2026-03-31.xlsx")
    second = workbook(tmp_path / "2026-06-30.xlsx", shareholder_rows=[
        ["华信投资有限公司", "王伟", "自然人股东", "80%", 800, "2019-03-05"],
        ["华信投资有限公司", "李四", "自然人股东", "20%", 200, ""],
        ["鑫源财富管理有限公司", "张三", "自然人", "", 2000, ""],
    ])
    with SQLiteStore(tmp_path / "x.db") as store:
        load_snapshot(store, first, D(2026, 3, 31))
        report = load_snapshot(store, second, D(2026, 6, 30))
        assert (report.snapshot["facts ended"], report.snapshot["shares changed"], report.snapshot["facts started"]) \
            == (1, 1, 1)
        got = sorted((r["change"], r["party_name"], r["before"], r["after"])
                     for r in changes(store, D(2026, 4, 1), D(2026, 6, 30)).rows)
        # 张三 owned 40 % of 华信投资 through 鑫源财富 (all of it): gone with 鑫源财富's stake, and with them a
        # beneficial owner; 王伟 stays one (60 % then 80 %)
        owner = next(r for r in changes(store, D(2026, 4, 1), D(2026, 6, 30)).rows
                     if r["change"] == "beneficial_owner_changed")
        assert (owner["date"], owner["company_name"]) == ("2026-06-30", "华信投资有限公司")
        assert [n.split(" (")[0] for n in owner["before"].split(", ")] == ["王伟", "张三"]
        assert owner["after"].split(" (")[0] == "王伟"
        assert got == [("beneficial_owner_changed", None, owner["before"], owner["after"]),
                       ("holder_in", "李四", None, "20 %"), ("holder_out", "鑫源财富管理有限公司", "40 %", None),
                       ("share_changed", "王伟", "60 %", "80 %")]


def test_a_uk_psc_snapshot_without_a_person_ends_their_control(tmp_path):
    lines = [line.rstrip(",") for line in (OPEN_DATA / "uk_psc" / "psc-data-1.json").read_text().splitlines()
             if line.startswith("{")]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "psc.jsonl").write_text("\n".join(lines) + "\n")
    kept = [line for line in lines if "FReSTxwXcJbAHBrerDpmTylkW48" not in line]
    (tmp_path / "b" / "psc.jsonl").write_text("\n".join(kept) + "\n")
    with SQLiteStore(tmp_path / "p.db") as store:
        load_snapshot(store, tmp_path / "a", D(2026, 3, 31))
        load_snapshot(store, tmp_path / "b", D(2026, 6, 30))
        gone = [(r["change"], r["company_id"], r["party_id"]) for r in changes(store, D(2026, 4, 1), D(2026, 6, 30)).rows]
        # the person with significant control gone, and with them the company's controller and beneficial owner
        assert set(gone) == {("holder_out", "gb:08209948", "psc:FReSTxwXcJbAHBrerDpmTylkW48"),
                             ("controller_changed", "gb:08209948", None),
                             ("beneficial_owner_changed", "gb:08209948", None)}


def test_id_numbers_hash_with_the_store_salt_kept_by_the_first_snapshot(tmp_path):
    entities = "id,kind,name,id_number\nC1,company,华信投资有限公司,\nP1,person,张三,11010119800501123X\n"
    folder = write_case(tmp_path / "a", entities=entities, holdings="holder_id,company_id,share\nP1,C1,100\n")
    with SQLiteStore(tmp_path / "i.db") as store:
        load_snapshot(store, folder, D(2026, 3, 31))
        salt, hashed = store.get_meta("id_salt"), store.get("P1").id_hash
        again = load_snapshot(store, folder, D(2026, 3, 31))
        assert (again.snapshot["loaded again"], again.snapshot["entries changed"]) == (True, 0)
        assert salt and (store.get_meta("id_salt"), store.get("P1").id_hash) == (salt, hashed)


def test_each_store_says_which_entities_differ_from_what_it_holds(any_store):
    from equitygraph.graph.model import Entity, EntityKind

    kept = [Entity("C1", EntityKind.COMPANY, "华信", aliases=("HX",), registered_capital=1e7, founded=D(2019, 3, 5)),
            Entity("P1", EntityKind.PERSON, "张三", birth_date=D(1980, 5, 1)), Entity("Z9", EntityKind.COMPANY, "末")]
    with any_store.writer() as w:
        w.add_many(kept)
    renamed = Entity("C1", EntityKind.COMPANY, "华信控股", aliases=("HX",), registered_capital=1e7, founded=D(2019, 3, 5))
    new = Entity("A0", EntityKind.PERSON, "新人")
    assert any_store.entities_differing([kept[2], renamed, kept[1], new]) == [new, renamed]
    assert any_store.entities_differing(kept) == []
    assert (any_store.ids_of([EntityKind.COMPANY]), any_store.ids_of([EntityKind.PERSON, EntityKind.COMPANY])) == \
        (["C1", "Z9"], ["C1", "P1", "Z9"])


def test_a_phone_changed_or_added_in_a_later_snapshot_ends_the_old_one(any_store, tmp_path):
    entities = "id,kind,name,phone\nC1,company,华信投资有限公司,010-88886666\nP1,person,张三,\n"
    holdings = "holder_id,company_id,share\nP1,C1,100\n"
    load_snapshot(any_store, write_case(tmp_path / "a", entities=entities, holdings=holdings), D(2026, 3, 31))
    later = write_case(tmp_path / "b", holdings=holdings,
                       entities=entities.replace("88886666", "99990000").replace("张三,", "张三,13900000000"))
    report = load_snapshot(any_store, later, D(2026, 6, 30))
    assert (report.snapshot["facts ended"], report.snapshot["facts started"]) == (1, 2)
    assert {link.dst for link in any_store.edges_touching(["C1", "P1"]).links} == {
        contact_id("010-99990000"), contact_id("139 0000 0000")}  # the old phone is history, not in force
    got = [(r["date"], r["change"], r["company_id"], r["before"], r["after"])
           for r in changes(any_store, D(2026, 4, 1), D(2026, 6, 30)).rows]
    assert got == [("2026-06-30", "contact_changed", "C1", "010-88886666", "010-99990000"),
                   ("2026-06-30", "contact_changed", "P1", None, "13900000000")]
    again = load_snapshot(any_store, later, D(2026, 6, 30))
    assert (again.snapshot["loaded again"], again.snapshot["facts started"], again.snapshot["facts ended"]) == \
        (True, 0, 0)
    assert changes(any_store, D(2026, 4, 1), D(2026, 6, 30)).rows[0]["before"] == "010-88886666"
