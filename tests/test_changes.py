"""equitygraph changes: typed changes between two dates, read from the facts' validity periods (worked example)."""

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from equitygraph.graph.model import Entity, EntityKind, EventType, Holding, Officer, RiskEvent, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.changes import changes
from equitygraph.queries.cli import cli

D = dt.date


@pytest.fixture
def history(tmp_path):
    """Company C: P1 held 60 % until 2024-03-01, when P2 took 60 %; P3's 40 % became 30 % on
    2024-05-01 (ended that day, restarted the same day) and P4 came in with 10 %; the legal
    representative passed from P1 to P2 on 2024-03-01; a complaint on 2024-06-10. Outside the window:
    P5 held D until 2023-01-01."""
    store = SQLiteStore(tmp_path / "h.db")
    write_history(store)
    yield store
    store.close()


def write_history(store) -> None:
    with store.writer() as w:
        w.add(Entity("C", EntityKind.COMPANY, "华信投资有限公司"))
        w.add(Entity("D", EntityKind.COMPANY, "下游公司"))
        for i, name in enumerate(["张一", "李二", "王三", "赵四", "钱五"], 1):
            w.add(Entity(f"P{i}", EntityKind.PERSON, name))
        w.add(Holding("P1", "C", Share.exact(0.6), since=D(2015, 1, 1), until=D(2024, 3, 1)))
        w.add(Holding("P2", "C", Share.exact(0.6), since=D(2024, 3, 1)))
        w.add(Holding("P3", "C", Share.exact(0.4), since=D(2015, 1, 1), until=D(2024, 5, 1)))
        w.add(Holding("P3", "C", Share.exact(0.3), since=D(2024, 5, 1)))
        w.add(Holding("P4", "C", Share.exact(0.1), since=D(2024, 5, 1)))
        w.add(Holding("P5", "D", Share.exact(1.0), since=D(2015, 1, 1), until=D(2023, 1, 1)))
        w.add(Officer("P1", "C", "legal_representative", since=D(2015, 1, 1), until=D(2024, 3, 1)))
        w.add(Officer("P2", "C", "legal_representative", since=D(2024, 3, 1)))
        w.add(Officer("P3", "C", "supervisor", since=D(2024, 4, 2)))
        w.add(RiskEvent("C", EventType.COMPLAINT, D(2024, 6, 10), 2, "投诉"))


def test_every_change_in_the_window_typed_with_before_and_after(history):
    report = changes(history, D(2024, 1, 1), D(2024, 12, 31), ("C",))
    got = [(r["date"], r["change"], r["party_id"], r["before"], r["after"]) for r in report.rows]
    # The controller and the beneficial owners changed with P2's stake: dated by it, not by the window's end.
    assert got == [
        ("2024-03-01", "beneficial_owner_changed", None, "张一 (P1), 王三 (P3)", "李二 (P2), 王三 (P3)"),
        ("2024-03-01", "controller_changed", None, "张一 (P1)", "李二 (P2)"),
        ("2024-03-01", "holder_in", "P2", None, "60 %"),
        ("2024-03-01", "holder_out", "P1", "60 %", None),
        ("2024-03-01", "legal_representative_changed", "P2", "张一 (P1)", "李二 (P2)"),
        ("2024-04-02", "officer_in", "P3", None, "supervisor"),
        ("2024-05-01", "holder_in", "P4", None, "10 %"),
        ("2024-05-01", "share_changed", "P3", "40 %", "30 %"),
        ("2024-06-10", "risk_event", None, None, "complaint (2)"),
    ]  # P3 keeps 30 % (>= 25 %) on 2024-05-01: no owner changed then; P4's 10 % is below the threshold


def test_the_window_bounds_are_inclusive_and_outside_is_quiet(history):
    assert [r["change"] for r in changes(history, D(2024, 6, 10), D(2024, 6, 10), ("C",)).rows] == ["risk_event"]
    assert changes(history, D(2024, 7, 1), D(2024, 12, 31), ("C",)).rows == []
    everywhere = changes(history, D(2022, 1, 1), D(2023, 6, 30))
    # P5's stake ended on 2023-01-01: from the day after, nobody on record holds D (its controller: not known,
    # and no beneficial owner: no holder, no manager), across the whole register as for D by name
    assert [(r["date"], r["change"], r["company_id"], r["party_id"], r["before"], r["after"])
            for r in everywhere.rows] == [
        ("2023-01-01", "holder_out", "D", "P5", "100 %", None),
        ("2023-01-02", "beneficial_owner_changed", "D", None, "钱五 (P5)", "none"),
        ("2023-01-02", "controller_changed", "D", None, "钱五 (P5)", "unknown")]
    assert changes(history, D(2022, 1, 1), D(2023, 6, 30), ("D",)).rows == everywhere.rows


def test_hops_reach_the_neighbourhood(history):
    assert changes(history, D(2022, 1, 1), D(2023, 6, 30), ("P5",)).rows == []
    near = changes(history, D(2022, 1, 1), D(2023, 6, 30), ("P5",), hops=1)
    assert [(r["change"], r["company_id"]) for r in near.rows] == [
        ("holder_out", "D"), ("beneficial_owner_changed", "D"), ("controller_changed", "D")]


def test_changes_on_the_command_line(history):
    run = CliRunner().invoke(cli, ["changes", "C", "--since", "2024-01-01", "--until", "2024-12-31",
                                   "--db", history.path, "--format", "json"])
    assert run.exit_code == 0, run.output
    assert len(json.loads(run.output)["changes"]) == 9
    bad = CliRunner().invoke(cli, ["changes", "--since", "2024-06-01", "--until", "2024-01-01", "--db", history.path])
    assert bad.exit_code == 1 and "--until 2024-01-01 is before --since 2024-06-01" in bad.output
    table = CliRunner().invoke(cli, ["--lang", "zh", "changes", "C", "--since", "2024-01-01", "--until", "2024-12-31",
                                     "--db", history.path])
    assert "法定代表人变更" in table.output and "实际控制人变更" in table.output


def test_both_stores_give_the_same_changes(history, any_store):
    write_history(any_store)
    for names, hops in (((), 0), (("C",), 0), (("P5",), 1)):
        assert changes(any_store, D(2022, 1, 1), D(2024, 12, 31), names, hops).rows == \
            changes(history, D(2022, 1, 1), D(2024, 12, 31), names, hops).rows


def test_watchlists_and_alerts_on_a_new_controller_two_hops_up(tmp_path):
    """W is watched with 2 hops; its holder M changes controller (X leaves, Y takes M's 80 %): the
    alert names the change two hops up, most severe first; the complaint at W itself comes next."""
    from equitygraph.queries.watch import alerts, watch_add, watch_remove, watchlists

    store = SQLiteStore(tmp_path / "w.db")
    with store.writer() as w:
        for i, name in (("W", "被监控公司"), ("M", "中间控股"), ("Q", "无关公司")):
            w.add(Entity(i, EntityKind.COMPANY, name))
        for i, name in (("X", "旧老板"), ("Y", "新老板")):
            w.add(Entity(i, EntityKind.PERSON, name))
        w.add(Holding("M", "W", Share.exact(0.7), since=D(2015, 1, 1)))
        w.add(Holding("X", "M", Share.exact(0.8), since=D(2015, 1, 1), until=D(2024, 4, 1)))
        w.add(Holding("Y", "M", Share.exact(0.8), since=D(2024, 4, 1)))
        w.add(Holding("Y", "Q", Share.exact(0.9), since=D(2024, 4, 5)))
        w.add(RiskEvent("W", EventType.COMPLAINT, D(2024, 5, 1), 2, "投诉"))
    watch_add(store, "W", hops=2)
    watch_add(store, "Q", list_name="other", hops=0)
    assert set(watchlists(store)) == {"default", "other"}
    found = alerts(store, D(2024, 1, 1), D(2024, 12, 31), "default").rows
    top = found[0]
    assert (top["change"], top["company_id"], top["before"], top["after"], top["severity"]) == \
        ("controller_changed", "W", "旧老板 (X)", "新老板 (Y)", 5)
    assert top["reason"] == "controller changed at 被监控公司 itself"
    by_kind = {(r["change"], r["company_id"], r["party_id"]): r for r in found}
    assert by_kind[("holder_in", "M", "Y")]["severity"] == 2 and by_kind[("holder_out", "M", "X")]["severity"] == 3
    assert by_kind[("risk_event", "W", None)]["reason"] == "risk event at 被监控公司 itself"
    # Y's new stake in Q is three hops from W (W <- M <- Y -> Q): not an alert of this list
    assert ("holder_in", "Q", "Y") not in by_kind
    assert [r["severity"] for r in found] == sorted((r["severity"] for r in found), reverse=True)
    other = alerts(store, D(2024, 1, 1), D(2024, 12, 31), "other").rows
    assert [(r["change"], r["company_id"]) for r in other] == [("controller_changed", "Q"),
                                                               ("beneficial_owner_changed", "Q"), ("holder_in", "Q")]
    run = CliRunner().invoke(cli, ["alerts", "--since", "2024-01-01", "--until", "2024-12-31", "--db", store.path,
                                   "--format", "jsonl"])
    assert run.exit_code == 0, run.output
    lines = [json.loads(line) for line in run.output.splitlines()]
    assert len(lines) == len(found) + len(other) and all("reason" in a and "severity" in a for a in lines)
    watch_remove(store, "Q", "other")
    assert set(watchlists(store)) == {"default"}
    with pytest.raises(Exception, match="no watchlist 'other'"):
        alerts(store, D(2024, 1, 1), D(2024, 12, 31), "other")
    store.close()


def test_tiers_groups_and_clusters_changed_between_two_analyses(tmp_path):
    """A holds C1 and C2 (a group); C3 passes from B to A on 2026-06-01 and has a confirmed case: the
    second analysis puts C3 in A's group and in another risk tier, and changes says so, dated by it."""
    from equitygraph.queries.analyze import analyze
    from equitygraph.graph.model import EventType, RiskEvent

    store = SQLiteStore(tmp_path / "a.db")
    with store.writer() as w:
        for i in ("C1", "C2", "C3"):
            w.add(Entity(i, EntityKind.COMPANY, f"公司{i}"))
        for i in ("A", "B"):
            w.add(Entity(i, EntityKind.PERSON, f"股东{i}"))
        w.add(Holding("A", "C1", Share.exact(1.0), since=D(2015, 1, 1)))
        w.add(Holding("A", "C2", Share.exact(1.0), since=D(2015, 1, 1)))
        w.add(Holding("B", "C3", Share.exact(1.0), since=D(2015, 1, 1)))
    analyze(store, as_of=D(2026, 3, 31))
    assert changes(store, D(2026, 1, 1), D(2026, 12, 31)).rows == []  # a first analysis has nothing to compare
    before = store.read_results("risk_tier").get("C3")
    with store.writer() as w:
        w.add(Holding("B", "C3", Share.exact(1.0), since=D(2015, 1, 1), until=D(2026, 5, 31)))
        w.add(Holding("A", "C3", Share.exact(1.0), since=D(2026, 6, 1)))
        w.add(RiskEvent("C3", EventType.CONFIRMED_CASE, D(2026, 6, 20), 5, "非法集资案"))
    analyze(store, as_of=D(2026, 6, 30))
    after = store.read_results("risk_tier").get("C3")
    assert before != after
    rows = {(r["change"], r["company_id"]): r for r in changes(store, D(2026, 6, 1), D(2026, 6, 30)).rows
            if r["change"].endswith(("tier_changed", "group_changed", "cluster_changed"))}
    assert (rows["group_changed", "C3"]["before"], rows["group_changed", "C3"]["after"]) == (None, "A")
    assert (rows["risk_tier_changed", "C3"]["before"], rows["risk_tier_changed", "C3"]["after"]) == (before, after)
    assert rows["group_changed", "C3"]["date"] == "2026-06-30"
    assert ("group_changed", "C1") not in rows  # in A's group both times
    assert changes(store, D(2026, 7, 1), D(2026, 7, 31)).rows == []  # the analysis is dated 2026-06-30
    store.close()


DAYS = [D(2023, 6, 1), D(2024, 2, 1), D(2024, 3, 1), D(2024, 9, 1)]


@st.composite
def dated_registers(draw):
    """Companies C0..C3 held by persons P0..P2 and by one another (no company holding itself), each stake and
    legal representative starting and ending on a few days around the window 2024-01-01 .. 2024-12-31."""
    companies = [f"C{i}" for i in range(draw(st.integers(1, 4)))]
    persons = [f"P{i}" for i in range(3)]
    facts = []
    for company in companies:
        holders = draw(st.lists(st.sampled_from([p for p in persons + companies if p != company]), max_size=4,
                                unique=True))
        for holder in holders:
            since = draw(st.sampled_from([None, *DAYS]))
            until = draw(st.sampled_from([None, *(d for d in DAYS if since is None or d > since)]))
            facts.append(Holding(holder, company, Share.exact(draw(st.sampled_from([0.1, 0.2, 0.25, 0.4, 0.6]))),
                                 since=since, until=until))
        if draw(st.booleans()):
            facts.append(Officer(draw(st.sampled_from(persons)), company, "legal_representative",
                                 since=draw(st.sampled_from([None, *DAYS]))))
    entities = [Entity(c, EntityKind.COMPANY, f"公司{c}") for c in companies]
    return entities + [Entity(p, EntityKind.PERSON, f"自然人{p}") for p in persons], facts


def _control_rows(report) -> list[dict]:
    return [r for r in report.rows if r["change"] in ("controller_changed", "beneficial_owner_changed")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dated_registers())
def test_the_whole_register_finds_each_companys_own_controller_and_owner_changes(tmp_path, register):
    entities, facts = register
    with SQLiteStore(tmp_path / f"r{abs(hash(str(register)))}.db") as store:
        with store.writer() as w:
            w.add_many([*entities, *facts])
        window = (D(2024, 1, 1), D(2024, 12, 31))
        whole = _control_rows(changes(store, *window))
        by_name = [r for e in entities if e.kind is EntityKind.COMPANY
                   for r in _control_rows(changes(store, *window, (e.id,)))]
        key = lambda r: (r["date"], r["change"], r["company_id"])  # noqa: E731
        assert sorted(whole, key=key) == sorted(by_name, key=key)
        assert all(window[0].isoformat() <= r["date"] <= window[1].isoformat() for r in whole)


def test_random_dated_registers_reach_owner_changes_with_and_without_a_controller_change(tmp_path):
    """The strategy above reaches what it claims to test: owner changes alone and with a controller change."""
    seen = set()

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)  # the same examples every run
    @given(dated_registers())
    def probe(register):
        entities, facts = register
        with SQLiteStore(":memory:") as store:
            with store.writer() as w:
                w.add_many([*entities, *facts])
            rows = _control_rows(changes(store, D(2024, 1, 1), D(2024, 12, 31)))
        kinds = {}
        for r in rows:
            kinds.setdefault((r["company_id"], r["date"]), set()).add(r["change"])
        seen.update(frozenset(k) for k in kinds.values())

    probe()
    assert {frozenset({"beneficial_owner_changed"}), frozenset({"beneficial_owner_changed", "controller_changed"}),
            frozenset({"controller_changed"})} <= seen


def test_past_the_companies_asked_day_by_day_the_two_ends_are_compared(history):
    """With no company asked day by day, D's controller and owner changes are still found, by comparing
    the window's two ends, and dated on its last day."""
    from equitygraph.graph.analysis.changes import control_may_change
    from equitygraph.graph.arrays import OPEN_END, OPEN_START, day_number
    from equitygraph.queries.changes import register_controller_changes

    arrays = history.export_arrays()
    since, until = D(2022, 1, 1), D(2023, 6, 30)
    may = control_may_change(arrays, day_number(since, OPEN_START), day_number(until, OPEN_END))
    rows = register_controller_changes(history, arrays, since, until, None, may, most=0)
    assert [(r["date"], r["change"], r["company_id"], r["before"], r["after"]) for r in rows] == [
        ("2023-06-30", "controller_changed", "D", "钱五 (P5)", "unknown"),
        ("2023-06-30", "beneficial_owner_changed", "D", "钱五 (P5)", "none")]
    dated = register_controller_changes(history, arrays, since, until, None, may, most=1)
    assert [(r["date"], r["change"]) for r in dated] == [("2023-01-02", "controller_changed"),
                                                         ("2023-01-02", "beneficial_owner_changed")]
