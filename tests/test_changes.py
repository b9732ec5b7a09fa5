"""equitygraph changes: typed changes between two dates, read from the facts' validity periods (worked example)."""

import datetime as dt
import json

import pytest
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
    assert got == [
        ("2024-03-01", "holder_in", "P2", None, "60 %"),
        ("2024-03-01", "holder_out", "P1", "60 %", None),
        ("2024-03-01", "legal_representative_changed", "P2", "张一 (P1)", "李二 (P2)"),
        ("2024-04-02", "officer_in", "P3", None, "supervisor"),
        ("2024-05-01", "holder_in", "P4", None, "10 %"),
        ("2024-05-01", "share_changed", "P3", "40 %", "30 %"),
        ("2024-06-10", "risk_event", None, None, "complaint (2)"),
        ("2024-12-31", "controller_changed", None, "张一 (P1)", "李二 (P2)"),
    ]


def test_the_window_bounds_are_inclusive_and_outside_is_quiet(history):
    assert [r["change"] for r in changes(history, D(2024, 6, 10), D(2024, 6, 10), ("C",)).rows] == ["risk_event"]
    assert changes(history, D(2024, 7, 1), D(2024, 12, 31), ("C",)).rows == []
    everywhere = changes(history, D(2022, 1, 1), D(2023, 6, 30))
    assert [(r["change"], r["company_id"], r["party_id"]) for r in everywhere.rows] == [("holder_out", "D", "P5")]


def test_hops_reach_the_neighbourhood(history):
    assert changes(history, D(2022, 1, 1), D(2023, 6, 30), ("P5",)).rows == []
    near = changes(history, D(2022, 1, 1), D(2023, 6, 30), ("P5",), hops=1)
    assert [r["company_id"] for r in near.rows] == ["D"]


def test_changes_on_the_command_line(history):
    run = CliRunner().invoke(cli, ["changes", "C", "--since", "2024-01-01", "--until", "2024-12-31",
                                   "--db", history.path, "--format", "json"])
    assert run.exit_code == 0, run.output
    assert len(json.loads(run.output)["changes"]) == 8
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
