"""Work the explorer gives up (past its budget, its browser gone) stops at its next checkpoint instead of
running to its end on a thread nobody reads (issue 28): the place it holds is free again at once."""

import sqlite3
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp

from equitygraph.graph import cancel
from equitygraph.graph.analysis.chains import Edge, control_chains
from equitygraph.graph.analysis.ownership import integrated
from equitygraph.graph.analysis.risk import debtrank, pagerank
from equitygraph.graph.stores.sqlite import SQLiteStore
from test_hardening_two import ring_store


def ring_edges(k: int) -> list[Edge]:
    edges = [Edge(f"R{i}", f"R{j}", 0.06, 0.06) for i in range(k) for j in range(k) if i != j]
    return edges + [Edge(f"R{i}", "T", 0.06, 0.06) for i in range(k)]


def a_cycle(n: int) -> sp.csr_matrix:
    """n companies each holding half of the next, round a cycle: every one is the middle of a path."""
    return sp.csr_matrix((np.full(n, 0.5), (np.arange(n), (np.arange(n) + 1) % n)), shape=(n, n))


def spread(n: int) -> sp.csr_matrix:
    return a_cycle(n) * 0.9


LONG_WORK = {
    "chain search": lambda: control_chains(ring_edges(11), "T"),
    "integrated ownership": lambda: integrated(a_cycle(50)),
    "pagerank": lambda: pagerank(spread(50), np.eye(50)[0], steps=30),
    "debtrank": lambda: debtrank(spread(50), np.eye(50)[0], steps=30),
}


@pytest.mark.parametrize("name", LONG_WORK)
def test_long_work_stops_when_given_up_and_runs_as_before_when_not(name):
    work = LONG_WORK[name]
    given_up = threading.Event()
    with cancel.cancellable(given_up):
        unhurried = work()
    plain = work()
    if isinstance(plain, tuple):
        assert [[h.holder for h in c.hops] for c in unhurried[0]] == [[h.holder for h in c.hops] for c in plain[0]]
    else:
        assert np.allclose(unhurried.toarray() if sp.issparse(plain) else unhurried,
                           plain.toarray() if sp.issparse(plain) else plain)
    given_up.set()
    with cancel.cancellable(given_up), pytest.raises(cancel.Cancelled, match="given up by its caller"):
        work()


def test_the_chain_search_stops_inside_its_loop():
    """Asked from another thread while it searches, not only before it begins."""
    given_up, asked = threading.Event(), []
    real = cancel.checkpoint

    def checkpoint():
        asked.append(1)
        if len(asked) == 3:
            given_up.set()
        real()

    import equitygraph.graph.analysis.chains as chains

    chains.cancel.checkpoint, saved = checkpoint, chains.cancel.checkpoint
    try:
        with cancel.cancellable(given_up), pytest.raises(cancel.Cancelled):
            control_chains(ring_edges(11), "T")
    finally:
        chains.cancel.checkpoint = saved
    assert len(asked) == 3  # 3 × 1,024 of its 20,000 steps


def test_a_store_read_given_up_ends_inside_sqlite():
    store = ring_store(120)  # 14,400 holdings: a read of some 10^6 SQLite steps
    given_up = threading.Event()
    given_up.set()
    with cancel.cancellable(given_up), pytest.raises(sqlite3.OperationalError, match="interrupted"):
        store.export_arrays()
    assert store.export_arrays().n == 123  # the store reads on for the next caller


def test_a_search_within_a_budget_leaves_reads_stoppable():
    """The name search's budget has a progress handler of its own; it used to leave none behind, so
    that nothing read afterwards on that connection could be given up."""
    store = ring_store(120)
    hits = store.search("r1", limit=50, budget=5.0)  # two characters: read name by name, within the budget
    assert len(hits) == 31  # R1, R10-R19, R100-R119
    given_up = threading.Event()
    given_up.set()
    with cancel.cancellable(given_up), pytest.raises(sqlite3.OperationalError, match="interrupted"):
        store.export_arrays()


def test_a_report_given_up_stops():
    from equitygraph.queries.control.report import control_report

    given_up = threading.Event()
    given_up.set()
    with cancel.cancellable(given_up), pytest.raises((cancel.Cancelled, sqlite3.OperationalError)):
        control_report(ring_store(11), "T")


def test_a_view_given_up_frees_its_place_at_once(tmp_path, monkeypatch):
    """Before, a view past its budget held its place until its work ended on its own (here: never
    within the test); now the work sees it was given up and the next view is answered."""
    from starlette.testclient import TestClient

    from equitygraph.graph.model import Entity, EntityKind
    from equitygraph.queries import explore
    from equitygraph.queries.app import server

    db = tmp_path / "app.db"
    with SQLiteStore(db) as store, store.writer() as w:
        w.add(Entity("C", EntityKind.COMPANY, "华信投资"))
    real_view, stopped, calls = explore.first_view, [], []

    def first_view(*args, **kwargs):
        calls.append(1)
        if len(calls) <= server.HEAVY_AT_ONCE:
            try:
                ends = time.monotonic() + 5
                while time.monotonic() < ends:  # long work that asks now and then whether anyone waits for it
                    cancel.checkpoint()
                    time.sleep(0.01)
            except cancel.Cancelled:
                stopped.append(1)
                raise
        return real_view(*args, **kwargs)

    monkeypatch.setattr(explore, "first_view", first_view)
    monkeypatch.setattr(server, "HEAVY_SECONDS", 0.5)
    app = server.make_app(lambda: SQLiteStore(db, readonly=True))
    import concurrent.futures

    with TestClient(app, base_url="http://127.0.0.1:8765") as c, concurrent.futures.ThreadPoolExecutor(4) as pool:
        late = [pool.submit(c.get, "/api/view/C") for _ in range(server.HEAVY_AT_ONCE)]
        assert {f.result(timeout=10).status_code for f in late} == {503}
        deadline = time.monotonic() + 2
        while len(stopped) < server.HEAVY_AT_ONCE and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(stopped) == server.HEAVY_AT_ONCE
        answer = c.get("/api/view/C")
        assert answer.status_code == 200 and answer.json()["center"] == "C"
