"""The bulk path into Neo4j: the offline importer builds the same database the Bolt writer does."""

import datetime as dt
import json
import re
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from conftest import ENTITIES, HOLDINGS, running_server, write_case
from equitygraph.graph.errors import InvalidInput, StoreError
from equitygraph.graph.stores import arrays_cache, cypher, neo4j_arrays
from equitygraph.graph.stores.neo4j_server import Neo4jServer
from equitygraph.graph.stores.neo4j import Neo4jStore
from equitygraph.loaders.csv_folder import import_folder, load_folder
from equitygraph.queries.cli import cli
from equitygraph.queries.risk import facts as risk_facts

PASSWORD = "import-pass-1"


@pytest.fixture(scope="module")
def import_server(tmp_path_factory, neo4j_lib):
    """A server of its own (a bulk import stops and restarts it), with authentication on."""
    with running_server(tmp_path_factory.mktemp("neo4j-import"), neo4j_lib, PASSWORD) as server:
        yield server


def graph_dump(store: Neo4jStore) -> tuple[list, list]:
    """Every node (labels, properties) and relationship (type, ends, properties) but the load's own note."""
    nodes = store._run("MATCH (n) WHERE NOT n:EquityGraphMeta RETURN labels(n) AS labels, properties(n) AS props")
    rels = store._run("MATCH (a)-[r]->(b) RETURN type(r) AS type, a.id AS src, b.id AS dst, properties(r) AS props")
    return (sorted(repr((sorted(r["labels"]), sorted(r["props"].items()))) for r in nodes),
            sorted(repr((r["type"], r["src"], r["dst"], sorted(r["props"].items()))) for r in rels))


def test_an_imported_case_answers_exactly_as_the_embedded_store(import_server, generated_case, generated_store):
    from equitygraph.queries.company import company_report

    report, imported = import_folder(import_server, generated_case, password=PASSWORD, replace=True)
    with imported:
        assert imported.counts() == generated_store.counts()
        assert report.counts["holdings"] == generated_store.counts()["holdings"]
        assert sorted(map(repr, imported.iter_records())) == sorted(map(repr, generated_store.iter_records()))
        # The arrays the import made (kept for the first analysis, and on disk for the next process) are
        # those the server gives back, and the embedded store's.
        a, b = generated_store.export_arrays(), imported.export_arrays()
        disk = arrays_cache.server_cache_path(imported.path)
        for other in (neo4j_arrays.read(imported), arrays_cache.load(disk, imported.get_meta("generation"))):
            assert_same_arrays(b, other)
        assert_same_arrays(a, b)
        # The company facts the import kept, read as columns a few rows at a time, are the embedded store's rows.
        with patch.object(risk_facts, "CHUNK", 7):
            assert_same_facts(risk_facts.facts_of(imported, b), risk_facts.facts_of(generated_store, a))
        assert disk.stat().st_mode & 0o777 == 0o600 and disk.parent.stat().st_mode & 0o777 == 0o700
        some = a.ids[:: len(a.ids) // 7]
        for entity_id in some:
            entity = generated_store.get(entity_id)
            for query in (entity.name, entity.name[:3]):
                assert [(h.entity.id, h.how) for h in imported.search(query)] == \
                       [(h.entity.id, h.how) for h in generated_store.search(query)], query
            assert company_report(imported, entity_id).to_dict() == company_report(generated_store, entity_id).to_dict()
        constraints = {r["name"] for r in imported._run("SHOW CONSTRAINTS YIELD name RETURN name")}
        assert {"entity_id", "holds_key", "officer_key", "located_key", "contact_key"} <= constraints
        # every index the queries use is there and filled (one transaction made them), and no other
        states = {r["name"]: r["state"] for r in imported._run(
            "SHOW INDEXES YIELD name, state, type WHERE type <> 'LOOKUP' RETURN name, state")}
        named = {re.search(r"(?:INDEX|CONSTRAINT) (\w+)", s).group(1) for s in cypher.INDEXES + cypher.CONSTRAINTS}
        assert states == dict.fromkeys(named, "ONLINE")
        assert json.loads(imported.get_meta("last_load"))["how"] == "neo4j-admin import"


def assert_same_facts(a, b) -> None:
    for name in ("registered", "paid_in", "founded"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    for name in ("names", "scopes"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.joined == y.joined and x.starts.tolist() == y.starts.tolist() and x.rows.tolist() == y.rows.tolist()
    assert np.isfinite(a.registered).any() and (a.founded > np.iinfo(np.int32).min).any()


def assert_same_arrays(a, b) -> None:
    assert list(a.ids) == list(b.ids)
    for name, column in vars(a).items():
        if isinstance(column, np.ndarray):
            assert column.dtype == getattr(b, name).dtype, name
            assert np.array_equal(column, getattr(b, name), equal_nan=True), name
    assert list(a.officer_roles) == list(b.officer_roles)
    assert a.identity == b.identity


def test_the_arrays_an_import_makes_of_real_registers_are_the_servers_and_the_embedded_stores(tmp_path, import_server,
                                                                                             monkeypatch):
    """Shapes the generator does not make: a listed company and its free float, ranges, unknown shares,
    nominees and officers of a public body, read from public extracts (tests/data), put into one
    canonical folder, and imported."""
    from pathlib import Path

    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.loaders.formats import load_path
    from equitygraph.queries.io.export import CanonicalCsvExporter

    data = Path(__file__).parent / "data"
    with SQLiteStore(tmp_path / "real.db") as real:
        for sample in (data / "real" / "tw-gcis-22099131", data / "open" / "bods" / "v0.4" / "fermcat.json",
                       data / "open" / "bods" / "v0.4" / "listed-company-exempt-from-disclosure.json",
                       data / "open" / "bods" / "v0.4" / "nomination.json", data / "open" / "gleif" / "rr-data.json",
                       data / "open" / "uk_psc" / "psc-data-1.json"):
            load_path(real, sample)
        CanonicalCsvExporter(tmp_path / "folder").write(real)
    with SQLiteStore(tmp_path / "again.db") as embedded:
        load_folder(embedded, tmp_path / "folder")
        expected = embedded.export_arrays()
        expected_facts = list(embedded.company_facts())
    _report, imported = import_folder(import_server, tmp_path / "folder", password=PASSWORD, replace=True)
    with imported:
        read, page_table = neo4j_arrays.read, neo4j_arrays.page_table
        monkeypatch.setattr(neo4j_arrays, "read", lambda store: pytest.fail("read from the server"))
        monkeypatch.setattr(neo4j_arrays, "page_table", lambda *a: pytest.fail("read from the server"))
        made = imported.export_arrays()  # those the import made
        made_facts = list(imported.company_facts())  # and the company facts it kept
        monkeypatch.setattr(neo4j_arrays, "read", read)
        monkeypatch.setattr(neo4j_arrays, "page_table", page_table)
        assert made_facts == expected_facts
        assert any(registered is not None for _i, _n, _s, registered, _p, _f in made_facts)
        assert any(founded is not None for *_rest, founded in made_facts)
        arrays_cache.server_cache_path(imported.path, neo4j_arrays.FACTS).unlink()
        assert list(imported.company_facts()) == expected_facts  # from the server
        assert len(made.ids) > 30 and made.listed.any() and np.isnan(made.share_low).any() \
            and (made.share_low < made.share_high).any()
        assert_same_arrays(made, neo4j_arrays.read(imported))
        assert_same_arrays(made, expected)


def test_the_next_process_reads_the_arrays_from_disk_until_the_records_change(import_server, generated_case,
                                                                               monkeypatch):
    from equitygraph.graph.model import Entity, EntityKind

    _report, imported = import_folder(import_server, generated_case, password=PASSWORD, replace=True)
    with imported:
        read = neo4j_arrays.read
        monkeypatch.setattr(neo4j_arrays, "read", lambda store: pytest.fail("read from the server"))
        imported_arrays = imported.export_arrays()  # those the import made
        neo4j_arrays.forget(imported)  # as a new process finds it, not naming the database as the import did
        with Neo4jStore(import_server.uri, password=PASSWORD) as later:
            assert_same_arrays(later.export_arrays(), imported_arrays)
        monkeypatch.setattr(neo4j_arrays, "read", read)
        facts = list(imported.company_facts())  # the import's, on disk
        with imported.writer() as w:
            w.add(Entity("ZZ-NEW", EntityKind.COMPANY, "新公司", registered_capital=5e6, founded=dt.date(2024, 2, 29)))
        neo4j_arrays.forget(imported)
        again = imported.export_arrays()  # another generation: the file on disk is not used
        assert list(again.ids) == sorted([*imported_arrays.ids, "ZZ-NEW"])
        assert list(imported.company_facts()) == sorted(
            [*facts, ("ZZ-NEW", "新公司", None, 5e6, None, dt.date(2024, 2, 29))], key=lambda row: row[0])
        neo4j_arrays.forget(imported)
        assert list(arrays_cache.load(arrays_cache.server_cache_path(imported.path),
                                      imported.get_meta("generation")).ids) == list(again.ids)
        # Told to keep nothing on disk (EQUITYGRAPH_CACHE set empty), nothing is written.
        monkeypatch.setenv("EQUITYGRAPH_CACHE", "")
        monkeypatch.setattr(arrays_cache, "save", lambda *a: pytest.fail("saved"))
        imported.new_generation()
        assert list(imported.export_arrays().ids) == list(again.ids)


def test_tricky_values_are_stored_exactly_as_the_bolt_writer_stores_them(tmp_path, import_server, neo4j_store):
    header = "id,kind,name,aliases,reg_no,address,phone,founded,registered_capital,currency,industry,business_scope\n"
    entities = header + "".join(line + ",,,,,\n" for line in ENTITIES.splitlines()[1:]) + (
        'X1,company,"He said ""hi"", then left \\ {x}","Alias; one|Alias ""two"" \\ back",,,,2001-02-03,1000万元,'
        'CNY,金融,"line one\nline two"\n'
        "X2,company,x'}) MATCH (n) DETACH DELETE n //,,,,,,,,,\n"
        "X3,organization,RETURN 1; CREATE (:Evil),,,,,,,,,\n"
    )
    holdings = HOLDINGS + "X3,X1,30,,,,first\nX3,X1,35,,,,second\nX1,X2,100,,2020-01-01,2022-12-31,\n"
    events = ('entity_id,type,date,severity,text,source\n'
              'X1,court_case,2023-04-05,4,"判决书:\n第一行 ""引号""",court\n'
              "X1,negative_news,,,,\n")
    officers = "person_id,company_id,role,since,until\nP1,X1,director,2019-01-01,\nP2,X1,监事,,\n"
    folder = write_case(tmp_path / "tricky", entities=entities, holdings=holdings, events=events, officers=officers)
    load_folder(neo4j_store, folder)
    report, imported = import_folder(import_server, folder, password=PASSWORD, replace=True)
    with imported:
        assert graph_dump(imported) == graph_dump(neo4j_store)
        assert imported.get("X1").business_scope == "line one\nline two"
        assert [h.share.low for h in imported.edges_touching(["X1"]).holdings if h.holder_id == "X3"] == [0.35]
        assert imported._run("MATCH (n:Evil) RETURN count(n) AS n")[0]["n"] == 0
    assert any("the later line wins" in w for w in report.warnings)


def test_a_database_is_replaced_only_when_asked_and_left_as_it_was_on_any_failure(
        tmp_path, import_server, case, monkeypatch):
    _, store = import_folder(import_server, case, password=PASSWORD, replace=True)
    with store:
        before = graph_dump(store)
        held = sum(store.counts().values())
    assert held == len(before[0]) + len(before[1])
    pid = import_server.status().pid
    runner = CliRunner()
    home = str(import_server.home)

    result = runner.invoke(cli, ["neo4j", "import", str(case), "--home", home, "--password", PASSWORD])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: the Neo4j database 'neo4j' already holds {held} entities and relationships; a bulk "
                             "import replaces a whole database: add --replace, or use equitygraph load to add to it\n")

    bad = write_case(tmp_path / "bad", entities=ENTITIES + "".join(f"B{i},company,新{i}\n" for i in range(2000)),
                     holdings=HOLDINGS + "P1,C9,10,,,,\n")
    with pytest.raises(InvalidInput, match="holdings.csv:6: company_id: unknown id 'C9'"):
        import_folder(import_server, bad, password=PASSWORD, replace=True)
    assert import_server.status().pid == pid  # validation failed before the server was touched

    real_import = Neo4jServer.import_database

    def import_a_dangling_relationship(self, nodes, relationships, **options):
        holds = dict(relationships)["HOLDS"]
        holds.write_text(holds.read_text() + '"P1","NOWHERE","k"\n')
        return real_import(self, nodes, relationships, **options)

    monkeypatch.setattr(Neo4jServer, "import_database", import_a_dangling_relationship)
    bigger = write_case(tmp_path / "bigger", entities=ENTITIES + "C3,company,新公司\n")
    failure = (r"^the Neo4j importer failed \(exit code 70\): P1 \(Entity\)-\[HOLDS\]->NOWHERE \(Entity\) "
               r"referring to missing node NOWHERE \(its output: .*/logs/import\.log\)$")
    with pytest.raises(StoreError, match=failure):
        import_folder(import_server, bigger, password=PASSWORD, replace=True)
    monkeypatch.undo()
    assert "referring to missing node NOWHERE" in (import_server.home / "logs" / "import.log").read_text()
    with Neo4jStore(import_server.uri, password=PASSWORD) as store:
        assert graph_dump(store) == before

    result = runner.invoke(cli, ["neo4j", "import", str(bigger), "--home", home, "--password", PASSWORD, "--replace",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["store_totals"]["company"] == 3 and printed["counts"]["company"] == 3
    assert printed["store"] == f"{import_server.uri} (database neo4j, by neo4j-admin import)"


def test_a_bulk_import_needs_the_running_server_and_its_password(tmp_path, import_server, case):
    with pytest.raises(StoreError, match=r"^the Neo4j server in .* is not running; start it first"):
        import_folder(Neo4jServer(tmp_path / "nowhere"), case)
    with pytest.raises(StoreError, match="^the Neo4j server has authentication on; give its password"):
        import_folder(import_server, case, replace=True)
    with pytest.raises(StoreError, match="refused the credentials"):
        import_folder(import_server, case, password="not-the-password", replace=True)


@pytest.mark.parametrize("hashing", ["real", "every key collides"])
def test_import_files_keep_the_later_record_of_a_repeated_key_even_across_lines(tmp_path, monkeypatch, hashing):
    import csv

    from equitygraph.graph.stores import neo4j_import
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    from equitygraph.graph.stores.neo4j_import import ImportFiles

    if hashing != "real":
        monkeypatch.setattr(neo4j_import, "_key_hash", lambda key: 42)
    files = ImportFiles(tmp_path)
    files.add(Entity("C1", EntityKind.COMPANY, 'A "quoted"\nname'))
    files.add(Entity("C2", EntityKind.COMPANY, "B"))
    files.add(Holding("C1", "C2", Share(0.1, 0.1), source='first "one"\nspanning lines'))
    files.add(Holding("C2", "C1", Share(0.2, 0.2)))
    files.add(Holding("C1", "C2", Share(0.3, 0.3), source="second"))
    files.close()
    with open(dict(files.relationships)["HOLDS"], encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == [":START_ID(Entity)", ":END_ID(Entity)", "key", "share_low:double"]
    assert [(r[0], r[1], r[3], r[-1]) for r in rows[1:]] == [("C2", "C1", "0.2", ""), ("C1", "C2", "0.3", "second")]
    with open(dict(files.nodes)["Entity:Company"], encoding="utf-8", newline="") as handle:
        assert [r[2] for r in csv.reader(handle)][1:] == ['A "quoted"\nname', "B"]
    assert files.multiline and files.count == 5


def test_an_alias_holding_the_list_separator_is_refused_by_name(tmp_path):
    from equitygraph.graph.model import Entity, EntityKind
    from equitygraph.graph.stores.neo4j_import import ImportFiles

    files = ImportFiles(tmp_path)
    with pytest.raises(StoreError, match=r"^entity 'C1': an alias holds the control character U\+001E"):
        files.add(Entity("C1", EntityKind.COMPANY, "A", aliases=("x\x1ey",)))
    files.close()


def _importer_rows(folder):
    """Each importer file's rows, parsed, numbers as numbers (the writers may spell a float differently)."""
    import csv

    def cell(text):
        try:
            return float(text)
        except ValueError:
            return text

    rows = {}
    for path in sorted(folder.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            rows[path.name] = sorted(map(repr, ([cell(c) for c in row] for row in csv.reader(handle))))
    return rows


def test_importer_files_from_columns_equal_those_from_records(tmp_path, generated_case):
    from equitygraph.graph.stores.neo4j_import import ImportFiles
    from equitygraph.loaders.csv_columns import read_columns
    from equitygraph.loaders.csv_rows import read_folder
    from equitygraph.loaders.report import LoadReport

    by_records = ImportFiles(tmp_path / "records")
    by_records.add_many(read_folder(generated_case, id_salt="s"))
    by_records.close()
    by_tables = ImportFiles(tmp_path / "tables")
    for name, piece in read_columns(generated_case, report=LoadReport("x"), id_salt="s"):
        if name == "records":
            by_tables.add_many(piece)
        else:
            by_tables.add_table(name, piece)
    by_tables.close()
    assert _importer_rows(tmp_path / "tables") == _importer_rows(tmp_path / "records")
    assert by_tables.nodes == [(label, tmp_path / "tables" / path.name) for label, path in by_records.nodes]


def test_an_alias_holding_the_list_separator_is_refused_in_a_table_too(tmp_path):
    from equitygraph.graph.stores.neo4j_import import ImportFiles
    from equitygraph.loaders.csv_columns import read_columns
    from equitygraph.loaders.report import LoadReport

    folder = write_case(tmp_path / "case", entities=ENTITIES.replace("Huaxin Investment", "x\x1ey"))
    files = ImportFiles(tmp_path / "files")
    with pytest.raises(StoreError, match=r"^entity 'C1': an alias holds the control character U\+001E"):
        for name, piece in read_columns(folder, report=LoadReport("x"), id_salt="s"):
            if name != "records":
                files.add_table(name, piece)
    files.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["张伟", "王芳", "长沙银行", "Acme Ltd", "华信"]),
                          st.one_of(st.none(), st.lists(st.sampled_from(["行长", "ACME", "华信投资"]), max_size=2))),
                max_size=12))
def test_search_texts_of_a_table_equal_each_partys_own(rows):
    """A name's forms are made once for every party bearing it; a party with aliases gets its own."""
    import pyarrow as pa

    from equitygraph.graph.stores.neo4j_import import _search_texts
    from equitygraph.graph.stores.neo4j_rows import search_text

    names = pa.chunked_array([pa.array([name for name, _ in rows[:3]], pa.string()),
                              pa.array([name for name, _ in rows[3:]], pa.string())])
    aliases = [names_of for _, names_of in rows]
    assert _search_texts(names, aliases).to_pylist() == [search_text(name, names_of or ()) for name, names_of in rows]
