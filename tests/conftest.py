from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import settings

from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.synthetic import generate_case

# The hand-built risk case's fixtures (risk_case, risk_store, scored), shared by the risk test modules.
pytest_plugins = ["risk_case"]

# In CI the property tests draw the same examples on every run (a red CI is reproducible, not luck);
# a failure is printed with the blob that replays it, to be kept as an @example in the test.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ENTITIES = """id,kind,name,aliases,reg_no,address,phone
P1,person,张三,,,北京市朝阳区建国路1号,010-8888 6666
P2,person,李四,,,,
C1,company,华信投资有限公司,Huaxin Investment,91110000MA01ABCD1X,北京市朝阳区建国路1号,
C2,company,恒泰贸易有限公司,,,,01088886666
"""
HOLDINGS = """holder_id,company_id,share,interest,since,until,source
P1,C1,60%,shareholding,2015-01-01,,registry
P2,C1,40,,2015-01-01,,registry
C1,C2,50-75,,,,
P2,C2,,,,,
"""


def copy_store(source: Path, target: Path) -> None:
    """An embedded store copied with its analysis's files (graph/stores/sqlite_analysis_files.py), as
    a user copies a case."""
    source, target = Path(source), Path(target)
    shutil.copy(source, target)
    for path in source.parent.glob(source.name + ".analysis-*"):
        shutil.copy(path, target.with_name(target.name + path.name[len(source.name):]))


def write_case(folder: Path, encoding: str = "utf-8", **files: str) -> Path:
    """Write CSV files named by keyword (entities=..., holdings=...); None leaves a file out."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = {"entities": ENTITIES, "holdings": HOLDINGS}
    contents.update(files)
    for name, text in contents.items():
        if text is not None:
            (folder / f"{name}.csv").write_bytes(text.encode(encoding))
    return folder


def run_cli(*args):
    """``equitygraph ARGS`` run in-process, each argument as text."""
    from click.testing import CliRunner

    from equitygraph.queries.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args])


def load_both_ways(folder, tmp_path, salt: str, keep: bool = False, **options) -> list:
    """The folder loaded by columns and by rows, each into its own new store (one ID-number salt):
    the two dumps and reports (an error's text where a load fails; then the store is as it was). The
    stores are deleted unless ``keep`` (``columns.db``, ``rows.db`` in ``tmp_path``)."""
    from equitygraph.graph.errors import InvalidInput
    from equitygraph.loaders.csv_folder import load_folder

    results = []
    for columnar in (True, False):
        db = tmp_path / f"{'columns' if columnar else 'rows'}.db"
        with SQLiteStore(db) as store:
            store.set_meta("id_salt", salt)
            try:
                report = load_folder(store, folder, columnar=columnar, **options).to_dict()
                report.pop("seconds")
            except InvalidInput as e:
                report = {"error": str(e)}
        results.append((dump(db, skip_meta=True), report))
        if not keep:
            db.unlink()
    return results


def dump(db_path: Path, skip_meta: bool = False) -> list:
    """Every row of every table, to compare a store before and after (without the load notes in
    ``meta`` where ``skip_meta``: when the last load ran, and the generation token every write renews)."""
    con = sqlite3.connect(db_path)
    # The name index by what it holds, not by how FTS5 lays its segments out (a merge moves them).
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
              if not r[0].startswith("name_search_")]
    select = {"name_search": "SELECT * FROM name_search",
              "meta": "SELECT * FROM meta" + (" WHERE key NOT IN ('last_load', 'generation')" if skip_meta else "")}
    rows = [(t, sorted(map(repr, con.execute(select.get(t, f"SELECT * FROM {t}"))))) for t in tables]
    con.close()
    return rows


@pytest.fixture(scope="session", autouse=True)
def cache_of_the_session(tmp_path_factory):
    """The arrays of Neo4j databases are kept in a folder of the test session, not the user's cache."""
    before = os.environ.get("EQUITYGRAPH_CACHE")
    os.environ["EQUITYGRAPH_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("EQUITYGRAPH_CACHE", None)
    else:
        os.environ["EQUITYGRAPH_CACHE"] = before


@pytest.fixture(autouse=True)
def english_unless_asked(monkeypatch):
    """Each test starts in English, whatever the machine's locale, and leaves no language behind."""
    from equitygraph.queries import i18n

    monkeypatch.setenv("EQUITYGRAPH_LANG", "en")
    i18n.reset()
    yield
    i18n.reset()


@pytest.fixture
def case(tmp_path) -> Path:
    return write_case(tmp_path / "case")


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "test.db") as s:
        yield s


def analysed_case(db: Path, companies: int, seed: int) -> Path:
    """A generated case of ``companies`` (written beside ``db`` in ``case/``), loaded into ``db`` and
    analysed: ``db``."""
    from equitygraph.loaders.csv_folder import load_folder
    from equitygraph.queries.analyze import analyze

    generate_case(db.parent / "case", companies=companies, seed=seed)
    with SQLiteStore(db) as store:
        load_folder(store, db.parent / "case")
        analyze(store)
    return db


@pytest.fixture(scope="session")
def generated_case(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated") / "case"
    generate_case(folder, companies=3000, seed=11)
    return folder


@pytest.fixture(scope="session")
def generated_store(generated_case, tmp_path_factory):
    from equitygraph.loaders.csv_folder import load_folder

    with SQLiteStore(tmp_path_factory.mktemp("gen-db") / "gen.db") as s:
        load_folder(s, generated_case)
        yield s


REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def neo4j_lib() -> Path:
    """The server jars, assembled from Maven Central once (make test does it before pytest)."""
    from equitygraph.graph.stores.neo4j_server import Neo4jServer

    server = Neo4jServer(REPO / ".neo4j")
    server.install()
    return server.lib


@contextlib.contextmanager
def running_server(home: Path, lib: Path, password: str | None = None, pagecache: str = "256m"):
    """A real Neo4j server in ``home`` on a free port, stopped afterwards. If it cannot start, tests fail."""
    from equitygraph.graph.stores.neo4j_server import Neo4jServer, free_port

    server = Neo4jServer(home, port=free_port(), lib=lib)
    server.start(password=password, heap="1g", pagecache=pagecache, auth=password is not None)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory, neo4j_lib):
    """A real Neo4j server for the session, authentication off."""
    with running_server(tmp_path_factory.mktemp("neo4j-home"), neo4j_lib, pagecache="512m") as server:
        yield server


@pytest.fixture
def neo4j_store(neo4j_server):
    from equitygraph.graph.stores.neo4j import Neo4jStore

    with Neo4jStore(neo4j_server.uri, batch_size=1000) as s:
        s.delete_everything()
        yield s


@pytest.fixture(params=["sqlite", "neo4j"])
def any_store(request, tmp_path):
    """Each contract test runs once per backend."""
    if request.param == "neo4j":
        yield request.getfixturevalue("neo4j_store")
    else:
        with SQLiteStore(tmp_path / "contract.db") as s:
            yield s


def add_tall_case(w) -> str:
    """Into writer ``w``: company C0 controlled from four levels up (C1 <- C2 <- C3, offshore <- 梁建辉
    P1, 80 % at each level; P9 holds the other 20 % of C0), P1 sharing a phone with P2, who is on
    record nowhere else. Returns the phone's node id."""
    from equitygraph.graph.model import Entity, EntityKind, Holding, Link, LinkKind, Share, contact_id

    phone = contact_id("13800000000")
    for i, name in enumerate(["目标公司", "一层控股", "二层投资", "Offshore Ltd"]):
        w.add(Entity(f"C{i}", EntityKind.COMPANY, name, jurisdiction="VG" if i == 3 else None))
    w.add(Entity("P1", EntityKind.PERSON, "梁建辉"))
    w.add(Entity("P2", EntityKind.PERSON, "幕后人"))
    w.add(Entity(phone, EntityKind.CONTACT, "13800000000"))
    w.add(Entity("P9", EntityKind.PERSON, "小股东"))
    for holder, company in (("C1", "C0"), ("C2", "C1"), ("C3", "C2"), ("P1", "C3")):
        w.add(Holding(holder, company, Share.exact(0.8)))
    w.add(Holding("P9", "C0", Share.exact(0.2)))
    w.add(Link("P1", phone, LinkKind.HAS_CONTACT))
    w.add(Link("P2", phone, LinkKind.HAS_CONTACT))
    return phone


# -- a real headless Chromium (Debian's), for the pages and the explorer ----------------------------

@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed (make test installs it with apt-get)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-background-networking"])
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("EQUITYGRAPH_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    opened = context.new_page()
    opened.problems = []
    opened.on("pageerror", lambda e: opened.problems.append(str(e)))
    opened.on("console", lambda m: opened.problems.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()


def answered(page, question: str) -> str:
    """The explorer's answer to ``question`` once the page says it has come (polled: the app's CSP
    forbids the evaluated predicates Playwright's wait_for_function would inject)."""
    import time

    deadline = time.monotonic() + 20
    while page.get_attribute("body", "data-answer") != question and time.monotonic() < deadline:
        time.sleep(0.1)
    assert page.get_attribute("body", "data-answer") == question
    return page.inner_text("#answer")


@contextlib.contextmanager
def serving(db: Path):
    """The explorer on ``db`` (read-only), served on a free port of 127.0.0.1 in a thread: its address."""
    import threading
    import time

    import uvicorn

    from equitygraph.graph.stores.neo4j_server import free_port
    from equitygraph.queries.app.server import make_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(make_app(lambda: SQLiteStore(db, readonly=True)), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
