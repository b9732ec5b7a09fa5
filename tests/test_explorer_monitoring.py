"""Monitoring in the explorer (issue 29): what changed at an entity, the watchlists' alerts, and the
early-warning list a page at a time; the same answers as ``changes``, ``alerts`` and ``risk --top``."""

import time

from starlette.testclient import TestClient

from conftest import answered, serving
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.app.server import make_app
from equitygraph.queries.changes import changes
from equitygraph.queries.risk.config import load_config
from equitygraph.queries.risk.scores import warnings
from equitygraph.queries.watch import alerts, watch_add
from risk_case import AS_OF
from test_changes import D, write_history
from test_explorer import open_page


def history_db(path):
    with SQLiteStore(path) as store:
        write_history(store)
        watch_add(store, "C", hops=1)
    return path


def rows_of(answer: dict) -> list[list]:
    return [row for section in answer["sections"] for row in section["rows"]]


def test_changes_and_alerts_answer_as_the_commands_do(tmp_path):
    db = history_db(tmp_path / "h.db")
    with SQLiteStore(db, readonly=True) as store:
        expected = changes(store, D(2024, 1, 1), D(2024, 12, 31), ("C",))
        watched = alerts(store, D(2024, 1, 1), D(2024, 12, 31))
    with TestClient(make_app(lambda: SQLiteStore(db, readonly=True)), base_url="http://127.0.0.1:8765") as client:
        found = client.get("/api/changes/C", params={"since": "2024-01-01", "until": "2024-12-31"}).json()
        assert found["data"] == expected.to_dict() and len(found["data"]["changes"]) == 9
        assert found["names"]["P2"] == "李二"
        said = client.get("/api/alerts", params={"since": "2024-01-01", "until": "2024-12-31"}).json()
        assert said["data"] == watched.to_dict() and rows_of(said)
        # a year back from today holds none of 2024's changes: the default window is the last 12 months
        assert client.get("/api/changes/C", params={"until": "2026-12-31"}).json()["data"]["changes"] == []
        bad = client.get("/api/changes/C", params={"since": "2024-12-31", "until": "2024-01-01"})
        assert bad.status_code == 400 and bad.json() == {"error": "since (2024-12-31) is after until (2024-01-01)"}
        bad = client.get("/api/alerts", params={"since": "yesterday"})
        assert bad.status_code == 400 and bad.json()["error"] == "since and until are dates (YYYY-MM-DD), got since 'yesterday'"
        assert client.get("/api/changes/NOPE").status_code == 404


def test_the_warning_list_pages_on_with_its_ranks(risk_case):
    db = risk_case[1]
    with SQLiteStore(db, readonly=True) as store:
        whole = warnings(store, load_config(), 15, as_of=AS_OF).rows
    with TestClient(make_app(lambda: SQLiteStore(db, readonly=True)), base_url="http://127.0.0.1:8765") as client:
        pages = [client.get("/api/warnings", params={"top": 5, "offset": offset, "as_of": str(AS_OF)}).json()["data"]
                 for offset in (0, 5, 10)]
    paged = [row for page in pages for row in page["warnings"]]
    assert [(r["rank"], r["id"]) for r in paged] == [(r["rank"], r["id"]) for r in whole]
    assert [r["rank"] for r in paged] == list(range(1, 16))


def test_the_alerts_and_the_changes_of_a_company_in_the_browser(tmp_path, page, shots):
    with serving(history_db(tmp_path / "h.db")) as served:
        open_page(page, served, "C")
        page.click("button[data-question='changes']")
        answered(page, "changes")  # the last 12 months: 2024's changes are older than that
        assert page.inner_text("#answer") == "Changes from {} to {}\n\nno changes".format(*last_year())
        page.click("#alerts")
        page.fill("#alerts-since", "2024-01-01")
        page.click("#details .questions button")
        deadline = time.monotonic() + 20
        while "李二 (P2)" not in page.inner_text("#answer") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "controller changed" in page.inner_text("#answer") and "张一 (P1)" in page.inner_text("#answer")
        page.screenshot(path=str(shots / "explorer-alerts.png"))
    assert page.problems == []


def last_year():
    import datetime as dt

    today = dt.date.today()
    return (today - dt.timedelta(days=365)).isoformat(), today.isoformat()


def test_the_warning_list_pages_in_the_browser(risk_case, page):
    with serving(risk_case[1]) as served:
        open_page(page, served, "T1")
        page.click("#warnings")
        answered(page, "warnings")
        assert page.is_disabled("#warn-previous")
        first = page.inner_text("#answer table tr:nth-child(2)")
        assert first.startswith("1\t")
        page.click("#warn-next")  # the case has 131 companies with a score: three pages
        deadline = time.monotonic() + 20
        while page.inner_text("#answer table tr:nth-child(2)") == first and time.monotonic() < deadline:
            time.sleep(0.1)
        assert page.inner_text("#answer table tr:nth-child(2)").startswith("51\t")
        assert not page.is_disabled("#warn-previous")
    assert page.problems == []
