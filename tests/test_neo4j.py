"""What only the Neo4j backend does: its server, credentials, staged loads and crash recovery."""

import threading

import pytest
from click.testing import CliRunner

from conftest import ENTITIES, HOLDINGS, running_server, write_case
from equitygraph.graph.errors import InvalidInput, StoreError
from equitygraph.graph.stores import arrays_cache
from equitygraph.graph.stores.neo4j_server import Neo4jServer, free_port
from equitygraph.graph.stores.neo4j import Neo4jStore
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.csv_folder import load_folder
from equitygraph.queries.cli import cli

PASSWORD = "s3cret-pass"


@pytest.fixture(scope="module")
def secured_server(tmp_path_factory, neo4j_lib):
    """A second server, with authentication on and the password set at its first start."""
    with running_server(tmp_path_factory.mktemp("neo4j-auth"), neo4j_lib, PASSWORD) as server:
        yield server


def test_cypher_looking_names_load_and_are_found_without_side_effects(tmp_path, neo4j_store):
    nasty = ["x'}) MATCH (n) DETACH DELETE n //", 'a "quoted" \\ back\\slash {braces}', "RETURN 1; CREATE (:Evil)",
             "`backtick` $param", "<img src=x onerror=alert(1)>"]
    entities = "id,kind,name\n" + "".join(f'N{i},company,"{n.replace(chr(34), chr(34) * 2)}"\n' for i, n in enumerate(nasty))
    folder = write_case(tmp_path / "nasty", entities=ENTITIES + entities.split("\n", 1)[1])
    load_folder(neo4j_store, folder)
    for i, name in enumerate(nasty):
        assert neo4j_store.get(f"N{i}").name == name
        assert [h.entity.id for h in neo4j_store.search(name)][0] == f"N{i}"
    assert neo4j_store.counts()["company"] == 2 + len(nasty)
    assert neo4j_store._run("MATCH (n:Evil) RETURN count(n) AS n")[0]["n"] == 0


def test_bad_input_writes_nothing_to_neo4j(tmp_path, neo4j_store, case):
    load_folder(neo4j_store, case)
    before = neo4j_store.counts()
    bad = write_case(tmp_path / "bad", entities=ENTITIES + "".join(f"X{i},company,新{i}\n" for i in range(3000)),
                     holdings=HOLDINGS + "P1,C9,10,,,,\n")
    with pytest.raises(InvalidInput, match="holdings.csv:6: company_id: unknown id 'C9'"):
        load_folder(neo4j_store, bad)
    assert neo4j_store.counts() == before


def test_wrong_password_and_unreachable_server_are_one_line_errors(secured_server, case, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["load", str(case), "--neo4j-uri", secured_server.uri, "--neo4j-password", "wrong-one"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: Neo4j at {secured_server.uri} refused the credentials of user 'neo4j'\n"
    assert "wrong-one" not in result.output
    port = free_port()
    result = runner.invoke(cli, ["search", "x", "--neo4j-uri", f"bolt://127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: cannot reach Neo4j at bolt://127.0.0.1:{port} ([Errno 111] Connection refused); "
                             "is the server running? (equitygraph neo4j start)\n")


def test_cli_works_the_same_on_neo4j_with_a_password(secured_server, case, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", secured_server.uri)
    monkeypatch.setenv("NEO4J_PASSWORD", PASSWORD)
    runner = CliRunner()
    loaded = runner.invoke(cli, ["load", str(case)])
    assert loaded.exit_code == 0, loaded.output
    assert PASSWORD not in loaded.output
    result = runner.invoke(cli, ["company", "华信投资有限公司", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"holder_id": "P1"' in result.stdout


def test_a_load_cut_by_a_server_crash_completes_when_run_again(secured_server, generated_case, tmp_path, monkeypatch):
    with SQLiteStore(tmp_path / "expected.db") as reference:
        load_folder(reference, generated_case)
        expected = reference.counts()

    store = Neo4jStore(secured_server.uri, password=PASSWORD, batch_size=500, retry_seconds=1)
    store.delete_everything()
    real_write = store._write
    calls = {"n": 0}

    def crash_during_the_sixth_batch(query, rows):
        calls["n"] += 1
        if calls["n"] == 6:
            threading.Timer(0.01, secured_server.kill).start()
        return real_write(query, rows)

    monkeypatch.setattr(store, "_write", crash_during_the_sixth_batch)
    with pytest.raises(StoreError):
        load_folder(store, generated_case)
    store.close()
    assert calls["n"] >= 6

    secured_server.start(password=PASSWORD, heap="1g", pagecache="256m")
    with Neo4jStore(secured_server.uri, password=PASSWORD, batch_size=5000) as store:
        partial = store.counts()
        assert 0 < sum(partial.values()) < sum(expected.values())
        load_folder(store, generated_case)
        assert store.counts() == expected
        load_folder(store, generated_case)
        assert store.counts() == expected


def test_server_commands(tmp_path, neo4j_lib, monkeypatch):
    server = Neo4jServer(tmp_path / "cmd", port=free_port(), lib=neo4j_lib)
    assert not server.status().running
    assert server.stop() is False
    with pytest.raises(StoreError, match="a Neo4j password needs at least 8 characters"):
        server.start(password="short")
    with pytest.raises(StoreError, match=r"--heap: '1g\\nserver.default_listen_address=0.0.0.0' is not a memory size"):
        server.start(heap="1g\nserver.default_listen_address=0.0.0.0")
    with pytest.raises(StoreError, match="cannot write server.directories.data to neo4j.conf"):
        Neo4jServer(tmp_path / "line\nbreak", port=free_port(), lib=neo4j_lib).start(pagecache="128m", heap="512m")
    assert not (tmp_path / "cmd" / "conf" / "neo4j.conf").exists()
    busy = Neo4jServer(tmp_path / "busy", port=server.port, lib=neo4j_lib)
    server.start(heap="512m", pagecache="128m")  # authentication on, by default
    try:
        with pytest.raises(StoreError, match=f"port {server.port} on 127.0.0.1 is already in use"):
            busy.start(heap="512m", pagecache="128m")
        with pytest.raises(StoreError, match="Neo4j is already running from"):
            server.start()
        status = server.status()
        assert status.running and status.uri == server.uri
        result = CliRunner().invoke(cli, ["neo4j", "status", "--home", str(tmp_path / "cmd")])
        assert result.exit_code == 0 and f"at {server.uri}" in result.stdout
        # A client without the password is refused; the generated one is its owner's alone, and the
        # CLI finds it for this server's address by itself.
        assert server.password_file.stat().st_mode & 0o777 == 0o600
        with pytest.raises(StoreError, match="refused the credentials|cannot reach"):
            Neo4jStore(server.uri, retry_seconds=1)
        Neo4jStore(server.uri, password=server.stored_password()).close()
        monkeypatch.setenv("EQUITYGRAPH_NEO4J_HOME", str(tmp_path / "cmd"))
        monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
        found = CliRunner().invoke(cli, ["search", "x", "--neo4j-uri", server.uri])
        assert found.exit_code == 0, found.output
    finally:
        assert server.stop() is True
    assert CliRunner().invoke(cli, ["neo4j", "status", "--home", str(tmp_path / "cmd")]).exit_code == 3


def test_a_stale_pid_file_never_gets_a_stranger_killed(tmp_path, neo4j_lib):
    """The pid in a pid file left behind may since belong to another process: it is left alone."""
    import json
    import subprocess

    stranger = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        server = Neo4jServer(tmp_path / "stale", port=free_port(), lib=neo4j_lib)
        (tmp_path / "stale" / "run").mkdir(parents=True)
        (tmp_path / "stale" / "run" / "equitygraph-neo4j.json").write_text(json.dumps(
            {"pid": stranger.pid, "started": 1, "port": server.port, "auth": False}))
        assert not server.status().running
        assert server.stop() is False
        server.kill()
        assert stranger.poll() is None  # still alive
    finally:
        stranger.kill()
        stranger.wait()


def test_analysis_is_written_back_as_node_properties(neo4j_store, generated_case, generated_store, monkeypatch):
    from equitygraph.graph.analysis.control_rules import VERDICTS, control_table
    from equitygraph.queries.analyze import analyze

    load_folder(neo4j_store, generated_case)
    result = analyze(neo4j_store)
    assert result.companies == 3000
    # What the node properties must hold: computed here from the embedded store of the same case.
    arrays = generated_store.export_arrays()
    table = control_table(arrays)
    companies = [i for i in arrays.ids if i.startswith("C")]
    rows = neo4j_store._run("MATCH (c:Company) WHERE c.id IN $ids RETURN c.id AS id, c.result_controller AS controller, "
                            "c.result_controller_partner AS partner, c.result_control_verdict AS verdict", ids=companies)
    written = {r["id"]: (tuple(x for x in (r["controller"], r["partner"]) if x), r["verdict"]) for r in rows}
    expected = {i: (table.actual_controller(arrays.index_of(i)), VERDICTS[table.final[arrays.index_of(i)]])
                for i in companies}
    assert written == expected
    assert {v for _, v in written.values()} >= {"single", "joint", "none", "uncertain", "loop"}
    # Risk scores and tiers too, equal to the embedded store's for the same case.
    from equitygraph.queries.risk.scores import score_all
    from equitygraph.queries.risk.config import load_config

    scores = score_all(generated_store, load_config())
    expected_scores = {i: round(float(scores.combined[arrays.index_of(i)]), 4) for i in companies}
    assert neo4j_store.results_of("risk_score", companies) == pytest.approx(expected_scores, abs=1e-4)
    tiers = neo4j_store.results_of("risk_tier", companies)
    assert tiers == {i: scores.tier(arrays.index_of(i)) for i in companies if scores.tier(arrays.index_of(i))}
    assert {"confirmed", "yellow"} <= set(tiers.values())
    analyze(neo4j_store)  # re-computed and overwritten, not duplicated
    assert neo4j_store._run("MATCH (c:Company) WHERE c.result_controller IS NOT NULL RETURN count(c) AS n")[0]["n"] \
        == sum(1 for controller, _ in expected.values() if controller)
    # After the analysis one company's risk is a read on Neo4j too: the scores kept in the cache folder,
    # the same answer as the embedded store's, nothing scored again.
    from equitygraph.queries.risk import kept as risk_kept
    from equitygraph.queries.risk import scores as risk_scores

    assert risk_kept.kept_path(neo4j_store).is_file()
    assert risk_kept.kept_path(neo4j_store).parent == arrays_cache.server_cache_path("x").parent
    top = max(companies, key=lambda i: expected_scores[i])
    expected_risk = risk_scores.risk_of(generated_store, top, load_config(), scores=scores).to_dict()
    with monkeypatch.context() as patched:
        patched.setattr(risk_scores, "score_all", lambda *a, **k: pytest.fail("scores computed again"))
        assert risk_scores.risk_of(neo4j_store, top, load_config()).to_dict() == expected_risk


def test_looking_entities_up_by_a_result_uses_an_index(neo4j_store):
    # related and group ask "which companies does X control directly?" many times per question: a
    # label scan of every node for each was 2 s per `related` on a 100,000-company case.
    from equitygraph.graph.stores import cypher

    for name in ("controller", "controller_partner", "direct_controller", "direct_partner", "cluster"):
        _, summary, _ = neo4j_store._driver.execute_query("EXPLAIN " + cypher.with_result(f"result_{name}"),
                                                          {"value": "x"}, database_=neo4j_store.database)
        assert "NodeIndexSeek" in str(summary.plan), name
    with pytest.raises(ValueError):
        cypher.with_result("result_x` OR true //")


def test_a_company_seen_from_its_region_answers_as_the_server_does_in_fewer_round_trips(
        neo4j_store, generated_case, generated_store):
    """Neo4jStore.around prefetches a company's upstream region in one query; every question a company
    or control report asks is answered as before, with a fraction of the round trips."""
    from equitygraph.queries.company import company_report
    from equitygraph.queries.control.report import control_report
    from equitygraph.queries.control.answer import upstream

    load_folder(neo4j_store, generated_case)
    calls = []
    real_run = neo4j_store._run
    neo4j_store._run = lambda query, **params: calls.append(query) or real_run(query, **params)
    try:
        companies = [i for i in generated_store.export_arrays().ids if i.startswith("C")][::150]
        before = after = 0
        for company in companies:
            view = neo4j_store.around(company)
            walked = upstream(neo4j_store, company)
            ids = sorted(walked.entities)
            assert view.edges_touching(ids) == neo4j_store.edges_touching(ids)
            assert view.get_many(ids) == neo4j_store.get_many(ids)
            assert upstream(view, company) == walked
            calls.clear()
            with_view = company_report(neo4j_store, company).to_dict()
            after += len(calls)
            assert with_view == company_report(generated_store, company).to_dict()
            assert control_report(neo4j_store, company).to_dict() == control_report(generated_store, company).to_dict()
            neo4j_store.around = lambda entity_id: neo4j_store  # the walk without the region, for the count
            calls.clear()
            company_report(neo4j_store, company)
            before += len(calls)
            del neo4j_store.around
    finally:
        neo4j_store._run = real_run
    assert after < before / 2, (after, before)


def test_a_query_past_the_time_its_work_has_is_stopped_by_the_server(neo4j_store):
    """The explorer gives up work past its budget; a Neo4j query cannot be stopped from another thread,
    so it runs with the time its work has left as the server's limit, and stops there."""
    import threading
    import time

    from equitygraph.graph import cancel

    started = time.monotonic()
    with cancel.cancellable(threading.Event(), seconds=1.0):
        with pytest.raises(cancel.Cancelled, match="out of time"):
            neo4j_store.cypher("UNWIND range(1, 2000000000) AS x WITH x WHERE x % 7 = 0 RETURN count(x) AS n")
    assert time.monotonic() - started < 10
    assert neo4j_store.cypher("RETURN 1 AS one") == [{"one": 1}]  # the next caller is answered
    given_up = threading.Event()
    given_up.set()
    with cancel.cancellable(given_up), pytest.raises(cancel.Cancelled):
        neo4j_store.cypher("RETURN 1 AS one")  # work given up asks nothing more


def test_the_whole_graph_is_read_once_a_generation_and_kept_for_every_store_of_the_process(neo4j_store, neo4j_server):
    """The explorer opens a store per thread, and each whole-graph question read the whole graph from the
    server again (more than its 30 s budget at 100,000 companies): now once per generation of the records."""
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    from equitygraph.queries.memo import forget, remembered

    with neo4j_store.writer() as w:
        w.add_many([Entity("A", EntityKind.COMPANY, "甲"), Entity("B", EntityKind.COMPANY, "乙"),
                    Holding("A", "B", Share.exact(0.6))])
    first = neo4j_store.export_arrays()
    with Neo4jStore(neo4j_server.uri) as other:
        assert other.export_arrays() is first  # kept: not read again
        calls = []
        forget()
        assert [remembered(other, "q", 1, lambda: calls.append(1) or len(calls)) for _ in range(2)] == [1, 1]
        with neo4j_store.writer() as w:
            w.add(Entity("C", EntityKind.COMPANY, "丙"))
        again = other.export_arrays()  # a write of records renewed the generation
        assert again is not first and again.ids == ["A", "B", "C"]
        assert remembered(other, "q", 1, lambda: calls.append(1) or len(calls)) == 2
    neo4j_store.delete_everything()
    assert neo4j_store.export_arrays().ids == []


def test_suggestions_are_one_round_trip_and_find_what_the_embedded_store_finds(neo4j_store, generated_case,
                                                                                generated_store):
    """The search box's suggestions on Neo4j: the number, every needle and every fuzzy probe asked in one
    query (nine round trips before); the best suggestion the one the embedded store gives, for a whole
    name, a part of one, a name with a typo (found by the probes) and a registration number."""
    load_folder(neo4j_store, generated_case)
    companies = [generated_store.get(i) for i in generated_store.export_arrays().ids if i.startswith("C")][::400]
    calls = []
    real_run = neo4j_store._run
    neo4j_store._run = lambda query, **params: calls.append(query) or real_run(query, **params)
    try:
        asked = 0
        for company in companies:
            typo = company.name[:-3] + "殳" + company.name[-2:]  # one character wrong
            for text in (company.name, company.name[2:6], typo, company.reg_no):
                if not text:
                    continue
                calls.clear()
                there = neo4j_store.search(text, limit=10, budget=1.0)
                assert len(calls) == 1, text
                here = generated_store.search(text, limit=10, budget=1.0)
                assert there and here and there[0].entity.id == here[0].entity.id, text
                if text in (company.name, typo, company.reg_no):
                    assert there[0].entity.id == company.id, text
                asked += 1
    finally:
        neo4j_store._run = real_run
    assert asked >= 20


def test_a_later_kind_of_match_is_asked_for_only_while_too_few_were_found():
    """The rule both ways of searching share: at ``limit`` distinct entities found, nothing more is taken
    (nor fetched: the batches are asked for lazily); one fewer, the next batch is taken, then the check
    again; repeats of an entity count once."""
    from types import SimpleNamespace as E

    from equitygraph.graph.stores.neo4j import _while_too_few

    asked = []

    def later(batches):
        for batch in batches:
            asked.append(batch)
            yield [E(id=i) for i in batch]

    found = [E(id=i) for i in "aab"]
    assert [c.id for c in _while_too_few(found, later(["c", "d"]), 2)] == ["a", "a", "b"] and asked == []
    assert [c.id for c in _while_too_few(found, later(["c", "d"]), 3)] == ["a", "a", "b", "c"] and asked == ["c"]
    assert [c.id for c in _while_too_few(found, later(["b", "d"]), 3)] == ["a", "a", "b", "b", "d"]
    assert [c.id for c in _while_too_few(found, [], 5)] == ["a", "a", "b"]


def _paged_queries():
    from equitygraph.graph.stores import cypher

    for name, value in sorted(vars(cypher).items()):
        for query in (value if isinstance(value, tuple) else (value,)):
            if isinstance(query, str) and "$after" in query:
                yield name, query


@pytest.mark.parametrize("name, query", list(_paged_queries()))
def test_every_paged_query_reads_its_index_in_order(neo4j_store, name, query):
    # A page asked by key must not sort (or scan) what lies beyond it: over two relationship types at
    # once, or by a label without an index, the server sorted every remaining row on every page, and
    # reading a million companies' links took 228 s instead of 11.
    def operators(plan):
        yield plan["operatorType"].split("@")[0]
        for child in plan.get("children", []):
            yield from operators(child)

    plan = neo4j_store._in_session(lambda session: session.run("EXPLAIN " + query, after="", limit=10).consume().plan)
    used = set(operators(plan))
    assert not used & {"Sort", "Top", "PartialSort", "PartialTop", "NodeByLabelScan", "AllNodesScan",
                       "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan"}, (name, used)
    assert any("IndexSeekByRange" in operator for operator in used), (name, used)


def test_a_server_that_cannot_write_its_store_files_is_said_to_be_short_of_disk():
    """The server's words when a committed transaction cannot reach its store files (a full disk, as
    met in a benchmark) name the likely cause; any other error is its first line as it is."""
    from equitygraph.graph.stores.neo4j import _first_line

    full = Exception("Could not apply the transaction 5567 to the store after written to log.\n\tat org.neo4j...")
    assert _first_line(full) == ("Could not apply the transaction 5567 to the store after written to log. (the server's "
                                 "disk may be full: free space where its database is kept, then try again)")
    assert _first_line(Exception("java.io.IOException: No space left on device")).endswith("then try again)")
    assert _first_line(Exception("Node(12) already exists with label `Entity`\nmore")) == \
        "Node(12) already exists with label `Entity`"
