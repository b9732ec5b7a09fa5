"""Hostile inputs, round two (issue 28), at the app and the files it writes: requests from other
sites, redirects, tokens and secrets, outputs that are links, foreign stores, the ends of the calendar,
slow views; each case here failed before its fix."""

import json
import time
from pathlib import Path

import pytest

from conftest import run_cli
from equitygraph.graph.stores.sqlite import SQLiteStore


@pytest.fixture
def small_app_db(tmp_path):
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share

    db = tmp_path / "app.db"
    with SQLiteStore(db) as store:
        with store.writer() as w:
            w.add_many([Entity("C", EntityKind.COMPANY, "华信投资"), Entity("P", EntityKind.PERSON, "王伟"),
                        Holding("P", "C", Share.exact(0.6))])
    return db


@pytest.mark.parametrize("headers, status", [
    ({"sec-fetch-site": "cross-site"}, 403),  # <img src=http://127.0.0.1:PORT/api/view/T> on another site
    ({"sec-fetch-site": "same-site"}, 403),   # a page on another port of this machine
    ({"origin": "http://evil.example"}, 403),
    ({"origin": "null"}, 403),                # a sandboxed frame, a file:// page
    ({"sec-fetch-site": "same-origin", "origin": "http://127.0.0.1:8765"}, 200),  # the explorer's own page
    ({"sec-fetch-site": "none"}, 200),        # an address typed or pasted
    ({}, 200),                                # a script (curl) sends neither
])
def test_the_api_answers_only_its_own_pages(small_app_db, headers, status):
    from starlette.testclient import TestClient

    from equitygraph.queries.app.server import make_app

    app = make_app(lambda: SQLiteStore(small_app_db, readonly=True))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        answer = c.get("/api/view/C", headers=headers)
        assert answer.status_code == status
        if status == 403:
            assert answer.json() == {"error": "cross-site requests are refused: open the explorer from its own address"}
        # the page itself may be opened from a link anywhere: it sends nothing until it runs here
        assert c.get("/", headers=headers).status_code == 200


@pytest.mark.parametrize("path, location", [
    ("//evil.example/", "/evil.example/"), ("/\\evil.example/", "/evil.example/"),
    ("/%2F%2Fevil.example", "/evil.example"), ("/api/view/C", "/api/view/C"), ("/公司", "/%E5%85%AC%E5%8F%B8"),
])
def test_the_token_redirect_stays_on_this_server(path, location):
    """``GET //evil.example/?token=T`` answered 303 to ``//evil.example/``: another site."""
    from urllib.parse import unquote

    from equitygraph.queries.app.server import Guard

    token = "t" * 32
    guard = Guard(None, token, "0.0.0.0")
    scope = {"type": "http", "method": "GET", "path": unquote(path), "raw_path": path.encode(),
             "query_string": f"token={token}".encode(), "headers": [(b"host", b"10.0.0.5:8765")]}
    status, _, headers = guard.refusal(scope)
    assert (status, dict(headers)[b"location"].decode()) == (303, location)


def test_secrets_stay_off_the_command_line_and_tokens_are_long(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from equitygraph.queries.cli import cli

    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    (tmp_path / "empty").write_text("")
    run = CliRunner().invoke(cli, ["search", "x", "--neo4j-uri", "bolt://127.0.0.1:1",
                                   "--neo4j-password-file", str(tmp_path / "empty")])
    assert run.exit_code == 2 and "Invalid value for --neo4j-password-file: empty is empty" in run.output
    (tmp_path / "pw").write_text("secret\n")
    both = CliRunner().invoke(cli, ["search", "x", "--neo4j-uri", "bolt://127.0.0.1:1", "--neo4j-password", "a",
                                    "--neo4j-password-file", str(tmp_path / "pw")])
    assert both.exit_code == 2 and "give --neo4j-password or --neo4j-password-file, not both" in both.output
    help_text = CliRunner().invoke(cli, ["search", "--help"], terminal_width=200).output
    assert "prefer the environment or --neo4j-password-file" in " ".join(help_text.split())
    short = CliRunner().invoke(cli, ["serve", "--token", "x" * 31, "--db", str(tmp_path / "none.db")])
    assert short.exit_code == 2 and "an access token needs at least 32 characters, got 31" in short.output


def test_localhost_is_asked_as_127_0_0_1_and_never_handed_the_stored_password(monkeypatch, tmp_path):
    """``localhost`` may resolve to ::1, where another server than ours could listen."""
    from equitygraph.graph.stores import neo4j_server

    monkeypatch.setenv("EQUITYGRAPH_NEO4J_HOME", str(tmp_path / "home"))
    asked = []
    monkeypatch.setattr(neo4j_server.Neo4jServer, "settings", lambda self: asked.append(1) or
                        {"port": 7687, "auth": True})
    monkeypatch.setattr(neo4j_server.Neo4jServer, "stored_password", lambda self: "stored")
    assert neo4j_server.local_password("bolt://localhost:7687") is None
    assert neo4j_server.local_password("bolt://127.0.0.1:7687") == "stored"
    assert neo4j_server.on_loopback("bolt://neo4j@LOCALHOST:7687") == "bolt://neo4j@127.0.0.1:7687"


@pytest.mark.parametrize("command", [
    ["viz", "C", "-o", "{out}"], ["report", "C", "-o", "{out}"], ["export", "--format", "jsonl", "-o", "{out}"],
    ["export", "--format", "graphml", "-o", "{out}"], ["mapping", "init", "{data}", "-o", "{out}"],
])
def test_an_output_that_is_a_symbolic_link_is_never_written_through(small_app_db, tmp_path, command):
    """``-o`` followed a symbolic link and overwrote its target (a file of the user's, ~/.bashrc)."""
    from click.testing import CliRunner

    from equitygraph.queries.cli import cli

    (tmp_path / "股东.csv").write_text("企业名称,股东名称,持股比例\n华信,王伟,60%\n", encoding="utf-8")
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file\n")
    out = tmp_path / "out.file"
    out.symlink_to(victim)
    args = [a.format(out=out, data=tmp_path / "股东.csv") for a in command]
    db = [] if command[0] == "mapping" else ["--db", str(small_app_db)]
    refused = CliRunner().invoke(cli, [*args, *db])
    assert refused.exit_code == 2, refused.output
    assert f"{out} is a symbolic link: not written through it (--force replaces the link itself)" in \
        " ".join(refused.output.split())
    forced = CliRunner().invoke(cli, [*args, "--force", *db])
    assert forced.exit_code == 0, forced.output
    assert victim.read_text() == "the user's own file\n"
    assert not out.is_symlink() and out.stat().st_size > 0 and out.stat().st_mode & 0o777 == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_write_that_fails_leaves_the_file_as_it_was(tmp_path):
    from equitygraph.graph.stores.private_files import open_private

    kept = tmp_path / "kept.txt"
    kept.write_text("before")
    with pytest.raises(RuntimeError), open_private(kept) as f:
        f.write("half of it")
        raise RuntimeError("the disk is full")
    assert kept.read_text() == "before" and [p.name for p in tmp_path.iterdir()] == ["kept.txt"]


def test_a_write_command_on_another_programs_wal_database_changes_nothing(tmp_path):
    """It said "nothing was changed", but its writing connection had checkpointed the file on closing
    (bytes and mtime changed, the -wal file gone)."""
    import shutil
    import sqlite3

    from click.testing import CliRunner

    from conftest import write_case
    from equitygraph.queries.cli import cli

    source = tmp_path / "theirs-live.db"
    live = sqlite3.connect(source)
    live.execute("PRAGMA journal_mode = WAL")
    live.execute("PRAGMA wal_autocheckpoint = 0")
    live.execute("CREATE TABLE notes (x TEXT)")
    live.executemany("INSERT INTO notes VALUES (?)", [(f"note {i}",) for i in range(100)])
    live.commit()
    foreign = tmp_path / "theirs.db"
    for suffix in ("", "-wal"):  # as the other program left them, its last writes still in the log
        shutil.copy(f"{source}{suffix}", f"{foreign}{suffix}")
    live.close()
    before = {suffix: (Path(f"{foreign}{suffix}").read_bytes(), Path(f"{foreign}{suffix}").stat().st_mtime_ns)
              for suffix in ("", "-wal")}
    folder = write_case(tmp_path / "case", entities="id,kind,name\nC,company,华信\n",
                        holdings="holder_id,company_id,share\n")
    run = CliRunner().invoke(cli, ["load", str(folder), "--db", str(foreign)])
    assert run.exit_code == 1
    assert run.output.strip() == f"Error: {foreign}: is a SQLite file, but not an equitygraph store (nothing was changed)"
    import gc

    del run
    gc.collect()  # as when the command's process ends: any connection it left open closes
    assert {suffix: (Path(f"{foreign}{suffix}").read_bytes(), Path(f"{foreign}{suffix}").stat().st_mtime_ns)
            for suffix in ("", "-wal")} == before


def test_dates_at_the_ends_of_the_calendar_are_errors_or_open_ends(small_app_db, tmp_path):
    """--as-of 0001-01-01 and as_of=0001-01-01 crashed (OverflowError), so did a register's
    "9999-12-31" for a holding with no end, in control and changes."""
    from starlette.testclient import TestClient

    from conftest import write_case
    from equitygraph.queries.app.server import make_app

    for args in (["control", "C", "--as-of", "0001-01-01"], ["changes", "--since", "0001-01-01"],
                 ["changes", "--since", "2020-01-01", "--until", "9999-12-31"]):
        run = run_cli(*args, "--db", small_app_db)
        assert run.exit_code == 2 and "is outside 1800-01-01 to 2999-12-31" in run.output, run.output
    app = make_app(lambda: SQLiteStore(small_app_db, readonly=True))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        for query, message in ((("as_of", "0001-01-01"), "as_of: 0001-01-01 is outside 1800-01-01 to 2999-12-31"),
                               (("min_share", "nan"), "min_share: 'nan' is not a percentage from 0 to 100")):
            answer = c.get("/api/view/C", params=dict([query]))
            assert (answer.status_code, answer.json()) == (400, {"error": message})
    folder = write_case(tmp_path / "open", entities="id,kind,name\nC,company,华信\nP,person,王伟\n",
                        holdings="holder_id,company_id,share,since,until\nP,C,60,2020-01-01,9999-12-31\n")
    db = tmp_path / "open.db"
    assert run_cli("load", folder, "--db", db).exit_code == 0
    control = run_cli("control", "C", "--db", db, "--format", "json")
    assert control.exit_code == 0 and json.loads(control.output)["actual_controllers"][0]["id"] == "P"
    changes = run_cli("changes", "--since", "2020-01-01", "--db", db, "--format", "jsonl")
    assert changes.exit_code == 0
    assert {json.loads(line)["change"] for line in changes.output.splitlines()} == {
        "holder_in", "controller_changed", "beneficial_owner_changed"}


def test_slow_views_cannot_stall_the_explorer(small_app_db, monkeypatch):
    """Four concurrent slow views blocked every other request (/api/messages waited 12.9 s): a view
    now takes one of a few places or is told "busy" at once, and past its time budget says "narrow it";
    the places come back when the work ends."""
    import concurrent.futures
    import threading

    from starlette.testclient import TestClient

    from equitygraph.queries import explore
    from equitygraph.queries.app import server

    release = threading.Event()
    slow_view = explore.first_view

    def first_view(*args, **kwargs):
        release.wait(10)
        return slow_view(*args, **kwargs)

    monkeypatch.setattr(explore, "first_view", first_view)
    monkeypatch.setattr(server, "HEAVY_SECONDS", 1.0)
    app = server.make_app(lambda: SQLiteStore(small_app_db, readonly=True))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c, concurrent.futures.ThreadPoolExecutor(8) as pool:
        slow = [pool.submit(c.get, "/api/view/C") for _ in range(server.HEAVY_AT_ONCE)]
        time.sleep(0.3)
        busy = c.get("/api/view/C")
        assert (busy.status_code, busy.json()) == (503, {"error": server.BUSY})
        started = time.perf_counter()
        assert c.get("/api/messages").status_code == 200 and c.get("/api/search", params={"q": "华信"}).status_code == 200
        assert time.perf_counter() - started < 1.0  # not behind the slow views
        late = [f.result(timeout=10) for f in slow]
        assert {(r.status_code, r.json()["error"]) for r in late} == {
            (503, server.TOO_LARGE.format(seconds=1.0))}
        release.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the abandoned views finish on their own, then free their places
            answer = c.get("/api/view/C")
            if answer.status_code == 200:
                break
            time.sleep(0.1)
        assert answer.status_code == 200 and answer.json()["center"] == "C"


def test_stopping_the_app_waits_for_work_given_up_before_closing_its_stores(small_app_db, monkeypatch):
    """A view given up past its budget ran on while the app stopped and closed the store under it:
    the suite crashed (a segmentation fault in SQLite) one run in three."""
    import threading

    from starlette.testclient import TestClient

    from equitygraph.graph import cancel
    from equitygraph.queries import explore
    from equitygraph.queries.app import server

    release, finished = threading.Event(), []
    slow_view = explore.first_view

    def first_view(store, *args, **kwargs):
        release.wait(10)
        # Work between two checkpoints (one Leiden call, one long solve) goes on after it was given up.
        with cancel.cancellable(threading.Event()):
            finished.append(slow_view(store, *args, **kwargs)["center"])  # on a store still open
        return finished[-1]

    monkeypatch.setattr(explore, "first_view", first_view)
    monkeypatch.setattr(server, "HEAVY_SECONDS", 0.5)
    app = server.make_app(lambda: SQLiteStore(small_app_db, readonly=True))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        assert c.get("/api/view/C").status_code == 503  # given up; its thread waits on
        threading.Timer(0.5, release.set).start()
    assert finished == ["C"]
