"""What only the embedded store does: its file, its environment variable, its refusals."""

import datetime as dt
import sqlite3
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from equitygraph.graph.errors import StoreError
from equitygraph.graph.model import Entity, EntityKind
from equitygraph.graph.stores.sqlite import SCHEMA_VERSION, SQLiteStore, default_path


def test_default_path_follows_the_environment(monkeypatch):
    monkeypatch.delenv("EQUITYGRAPH_DB", raising=False)
    assert str(default_path()) == "equitygraph.db"
    monkeypatch.setenv("EQUITYGRAPH_DB", "/data/case.db")
    assert str(default_path()) == "/data/case.db"



def test_a_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="is a SQLite file, but not an equitygraph store"):
        SQLiteStore(path)



def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("hello " * 200)
    with pytest.raises(StoreError, match="cannot open as an equitygraph store"):
        SQLiteStore(path)



def test_reopening_keeps_everything(tmp_path):
    path = tmp_path / "k.db"
    with SQLiteStore(path) as s:
        with s.writer() as w:
            w.add(Entity("A", EntityKind.COMPANY, "甲公司", aliases=("Jia Co",), founded=dt.date(2001, 2, 3), registered_capital=5e6))
        s.write_results("x", {"A": [1, 2]})
    with SQLiteStore(path) as s:
        a = s.get("A")
        assert (a.name, a.aliases, a.founded, a.registered_capital) == ("甲公司", ("Jia Co",), dt.date(2001, 2, 3), 5e6)
        assert s.read_results("x") == {"A": [1, 2]}



def test_another_applications_file_with_a_meta_table_is_left_byte_for_byte(tmp_path):
    """Issue 17: a read command pointed at a foreign SQLite file used to add seven tables and switch it to WAL."""
    from click.testing import CliRunner

    from equitygraph.queries.cli import cli

    path = tmp_path / "other-app.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    con.execute("INSERT INTO meta VALUES ('owner', 'someone else')")
    con.commit()
    con.close()
    before = path.read_bytes()
    for command in (["search", "x"], ["company", "x"], ["analyze"], ["load", str(tmp_path)]):
        result = CliRunner().invoke(cli, [*command, "--db", str(path)])
        assert result.exit_code == 1, command
        assert "is a SQLite file, but not an equitygraph store (nothing was changed)" in result.output, command
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other-app.db"]  # no -wal or -shm either


def test_a_read_command_neither_creates_nor_migrates(tmp_path):
    from click.testing import CliRunner

    from equitygraph.queries.cli import cli

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a zero-byte file
    result = CliRunner().invoke(cli, ["search", "x", "--db", str(empty)])
    assert (result.exit_code, result.output.strip()) == (1, f"Error: {empty}: is empty, not an equitygraph store")
    assert empty.stat().st_size == 0
    old = tmp_path / "old.db"
    with SQLiteStore(old) as store:
        with store.writer() as w:
            w.add(Entity("A", EntityKind.COMPANY, "甲"))
        store._db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    before = old.read_bytes()
    result = CliRunner().invoke(cli, ["company", "A", "--db", str(old)])
    assert result.exit_code == 1 and "was written by an earlier equitygraph (schema 2)" in result.output
    assert old.read_bytes() == before
    assert CliRunner().invoke(cli, ["analyze", "--db", str(old)]).exit_code == 0  # a write command upgrades it
    assert CliRunner().invoke(cli, ["company", "A", "--db", str(old)]).exit_code == 0


def test_stores_are_readable_by_their_owner_only(tmp_path):
    with SQLiteStore(tmp_path / "private.db") as s:
        with s.writer() as w:
            w.add(Entity("A", EntityKind.COMPANY, "甲"))
    for name in ("private.db", "private.db-wal"):
        if (tmp_path / name).exists():
            assert (tmp_path / name).stat().st_mode & 0o077 == 0, name


def test_a_write_while_another_command_writes_says_so(tmp_path):
    path = tmp_path / "busy.db"
    with SQLiteStore(path) as loading, SQLiteStore(path) as analyzing:
        analyzing._db.execute("PRAGMA busy_timeout = 100")
        with loading.writer() as w:
            w.add(Entity("A", EntityKind.COMPANY, "甲"))
            with pytest.raises(StoreError, match="another equitygraph command is writing to this store"):
                analyzing.write_results("x", {"A": 1})


def test_keys_that_joined_ids_with_a_bar_no_longer_collide(tmp_path):
    """``A|B`` holding ``C`` and ``A`` holding ``B|C`` used to share a key: one replaced the other."""
    from equitygraph.graph.model import Holding, Share

    with SQLiteStore(tmp_path / "keys.db") as s:
        with s.writer() as w:
            w.add_many([Entity(i, EntityKind.COMPANY, i) for i in ("A|B", "C", "A", "B|C")])
            w.add(Holding("A|B", "C", Share.exact(0.3)))
            w.add(Holding("A", "B|C", Share.exact(0.7)))
        assert s.counts()["holdings"] == 2
        assert {(h.holder_id, h.company_id) for h in s.iter_records() if isinstance(h, Holding)} == {
            ("A|B", "C"), ("A", "B|C")}


def test_a_store_of_schema_2_is_brought_up_to_date_with_escaped_keys(tmp_path):
    from equitygraph.graph.model import Holding, Share

    path = tmp_path / "v2.db"
    with SQLiteStore(path) as s:
        with s.writer() as w:
            w.add_many([Entity(i, EntityKind.COMPANY, i) for i in ("X|Y", "Z")])
            w.add(Holding("X|Y", "Z", Share.exact(0.5)))
        # What schema 2 wrote: the key joined without escaping, no application id.
        s._db.execute("UPDATE holdings SET key = 'X|Y|Z|shareholding|'")
        s._db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        s._db.execute("PRAGMA application_id = 0")
    with SQLiteStore(path) as s:
        assert s.get_meta("schema_version") == SCHEMA_VERSION
        assert [r[0] for r in s._db.execute("SELECT key FROM holdings")] == [Holding("X|Y", "Z").key]
        with s.writer() as w:  # loading the same fact again changes nothing
            w.add(Holding("X|Y", "Z", Share.exact(0.5)))
        assert s.counts()["holdings"] == 1


def _same_arrays(a, b) -> bool:
    import dataclasses

    import numpy as np

    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            if x.dtype != y.dtype or not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
                return False
        elif f.name != "_index" and x != y:
            return False
    return True


def test_the_arrays_cache_is_used_only_while_the_store_is_unchanged(generated_case, tmp_path):
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    from equitygraph.graph.stores import arrays_cache
    from equitygraph.loaders.csv_folder import load_folder

    db = tmp_path / "cached.db"
    with SQLiteStore(db) as store:
        load_folder(store, generated_case)
        first = store.export_arrays()  # read from the tables, and cached
        cache = arrays_cache.cache_path(db)
        assert cache.is_file() and (cache.stat().st_mode & 0o777) == 0o600
        assert _same_arrays(store.export_arrays(), first)
        assert _same_arrays(arrays_cache.load(cache, store.get_meta("generation")), store._read_arrays())
        with store.writer() as w:  # any write of records makes the cache stale
            w.add_many([Entity("ZZ-NEW", EntityKind.PERSON, "新股东"), Holding("ZZ-NEW", first.ids[0], Share.exact(0.1))])
        assert arrays_cache.load(cache, store.get_meta("generation")) is None
        after = store.export_arrays()
        assert after.n == first.n + 1 and "ZZ-NEW" in after.ids
        assert _same_arrays(after, store._read_arrays())
    cache.write_bytes(b"not a zip file")  # a broken cache is ignored, never an error
    with SQLiteStore(db, readonly=True) as store:
        assert _same_arrays(store.export_arrays(), after)
    assert cache.read_bytes() == b"not a zip file"  # and a store opened for reading writes nothing


def test_analyze_rounds_shares_as_python_does(tmp_path):
    """The results are written as columns; their rounding is Python's, which numpy's differs from
    on ties (0.2149875 is 0.214987 to Python, 0.214988 to numpy.round)."""
    from equitygraph.graph.model import Holding, Share
    from equitygraph.queries.analyze import analyze

    with SQLiteStore(tmp_path / "round.db") as store:
        with store.writer() as w:
            w.add_many([Entity("C", EntityKind.COMPANY, "甲公司"), Entity("P", EntityKind.PERSON, "王伟"),
                        Holding("P", "C", Share.exact(0.2149875))])
        analyze(store)
        assert store.results_for("C")["on_record"] == 0.214987 == round(0.2149875, 6)
        assert store.results_for("C")["not_on_record"] == round(1 - 0.2149875, 6)
        assert store.results_for("C")["top_owner_share"] == 0.214987


def test_results_looked_up_by_value_are_found_through_their_partial_index(tmp_path):
    from equitygraph.graph.model import Entity, EntityKind

    with SQLiteStore(tmp_path / "t.db") as store:
        with store.writer() as w:
            for i in range(5):
                w.add(Entity(f"C{i}", EntityKind.COMPANY, f"公司{i}"))
        store.write_analysis({"controller": {"C0": "C1", "C2": "C1", "C3": None}, "risk_tier": {"C1": "red"}})
        assert store.entities_with_result("controller", "C1") == ["C0", "C2"]
        assert store.entities_with_result("risk_tier", "red") == ["C1"]
        table = store._layout()["table_of"]["controller"]
        plan = store._db.execute(f'EXPLAIN QUERY PLAN SELECT entity_id FROM {table} WHERE "controller" = ?',
                                 ("C1",)).fetchall()
        assert "USING COVERING INDEX" in plan[0][3]
        schema, bare = table.split(".")
        sql = store._db.execute(f"SELECT sql FROM {schema}.sqlite_master WHERE name = ?",
                                (f"{bare}_controller",)).fetchone()[0]
        assert sql.endswith('WHERE "controller" IS NOT NULL')


def test_a_ranking_is_read_along_its_index_a_page_at_a_time(tmp_path, monkeypatch):
    with SQLiteStore(tmp_path / "t.db") as store:
        with store.writer() as w:
            for i in range(6):
                w.add(Entity(f"C{i}", EntityKind.COMPANY, f"公司{i}"))
        store.write_analysis({"risk_rank": {"C0": 2, "C3": 1, "C4": 3, "C5": 4}, "risk_score": {"C0": 0.5}})
        monkeypatch.setattr(SQLiteStore, "read_results", lambda *a: pytest.fail("every rank read to sort them"))
        assert store.ids_in_order_of("risk_rank", 1, 2) == ["C0", "C4"]
        assert store.commonest_results("risk_rank", 1) == ({1: 1, 2: 1, 3: 1, 4: 1}, 4)  # counted in SQLite too
        table = store._layout()["table_of"]["risk_rank"]
        plan = " ".join(r[3] for r in store._db.execute(
            f'EXPLAIN QUERY PLAN SELECT entity_id FROM {table} WHERE "risk_rank" IS NOT NULL '
            'ORDER BY "risk_rank", entity_id LIMIT 2 OFFSET 1'))
        assert "USING COVERING INDEX" in plan and "TEMP B-TREE" not in plan  # a walk along the index, no sort


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.sampled_from(["g1", "g2", "g3", "g4", None]), min_size=1, max_size=30),
       top=st.integers(0, 6))
def test_the_commonest_values_counted_in_sqlite_are_the_values_counted_in_python(tmp_path_factory, values, top):
    from equitygraph.graph.stores.base import Store
    from equitygraph.graph.stores.result_columns import ResultColumn

    ids = [f"C{k:02d}" for k in range(len(values))]
    with SQLiteStore(tmp_path_factory.mktemp("commonest") / "t.db") as store:
        with store.writer() as w:
            w.add_many([Entity(i, EntityKind.COMPANY, i) for i in ids])
        store.write_analysis({"group": ResultColumn(ids, values)})
        counted_in_sqlite = store.commonest_results("group", top)
        assert counted_in_sqlite == Store.commonest_results(store, "group", top)  # the reading and counting in Python
        counts = Counter(v for v in values if v is not None)
        kept = sorted(counts.values(), reverse=True)[:top]
        assert counted_in_sqlite == ({v: n for v, n in counts.items() if kept and n >= kept[-1]}, len(counts))



@settings(max_examples=60, deadline=None)
@given(fills=st.lists(st.lists(st.booleans(), min_size=8, max_size=8), min_size=1, max_size=5),
       lazy=st.booleans())
@example(fills=[[True] * 8, [True] + [False] * 7, [False, True] + [False] * 6, [True] + [False] * 7], lazy=False)
@example(fills=[[True] * 8, [True] * 4 + [False] * 4], lazy=True)  # exactly half: still dense
def test_a_sparse_column_is_a_table_of_its_filled_rows_and_reads_as_written(tmp_path_factory, fills, lazy):
    """Columns over one ids list: those filling at least half the rows any of them fills share a table;
    a column filling fewer is written over its own rows, beside any filled at exactly the same rows.
    Every column fills at least half of its table's rows, and each reads back as written."""
    import numpy as np

    from equitygraph.graph.stores.result_columns import LazyColumn, ResultColumn

    ids = [f"C{k}" for k in range(8)]
    columns = {f"r{c}": [k * 10 + c if filled else None for k, filled in enumerate(fill)]
               for c, fill in enumerate(fills)}
    with SQLiteStore(tmp_path_factory.mktemp("sparse") / "t.db") as store:
        with store.writer() as w:
            w.add_many([Entity(i, EntityKind.COMPANY, i) for i in ids])
        store.write_analysis({name: ResultColumn(ids, LazyColumn(np.array(values, dtype=object)) if lazy else values)
                              for name, values in columns.items()})
        table_of = store._layout()["table_of"]
        for name, values in columns.items():
            assert store.read_results(name) == {i: v for i, v in zip(ids, values) if v is not None}
            if all(v is None for v in values):  # nothing to write: no table
                assert name not in table_of
                continue
            table = table_of[name]
            rows, filled = store._db.execute(f'SELECT COUNT(*), COUNT("{name}") FROM {table}').fetchone()
            assert 2 * filled >= rows and filled == sum(v is not None for v in values)
        for entity_id in ids:
            assert store.results_for(entity_id) == {n: v[ids.index(entity_id)] for n, v in columns.items()
                                                    if v[ids.index(entity_id)] is not None}
        union = sum(map(any, zip(*fills)))
        sparse = [name for name, fill in zip(columns, fills) if 2 * sum(fill) < union and any(fill)]
        dense = [name for name, fill in zip(columns, fills) if 2 * sum(fill) >= union and any(fill)]
        assert len({table_of[name] for name in dense}) <= 1  # those filling at least half share one table
        for a in sparse:  # the sparse columns share a table exactly where they are filled at the same rows
            for b in sparse:
                same_rows = fills[int(a[1:])] == fills[int(b[1:])]
                assert (table_of[a] == table_of[b]) == same_rows


# -- the name index (sqlite_search) ---------------------------------------------------------

def scanned(store, needle: str, limit: int = 100) -> list[str]:
    """What reading the whole names table gives: the answer the index must reproduce."""
    return [r[0] for r in store._db.execute(
        "SELECT entity_id FROM names WHERE instr(name_norm, ?) > 0 ORDER BY length(name_norm), entity_id LIMIT ?",
        (needle, limit))]


@pytest.fixture(scope="module")
def columnar_store(generated_case, tmp_path_factory):
    from equitygraph.loaders.csv_folder import load_folder

    path = tmp_path_factory.mktemp("names") / "c.db"
    with SQLiteStore(path) as store:
        load_folder(store, generated_case)  # the bulk path: the index is filled when the store reopens
    return path


def test_the_name_index_answers_as_the_scan_does(columnar_store):
    from hypothesis import given, settings, strategies as st

    from equitygraph.graph.stores import sqlite_search

    with SQLiteStore(columnar_store, readonly=True) as store:
        assert store._name_search
        names = [r[0] for r in store._db.execute("SELECT name_norm FROM names ORDER BY entity_id, name_norm LIMIT 3000")]
        assert len(names) > 1000

        @settings(max_examples=300, deadline=None)
        @given(st.sampled_from(names), st.integers(0, 30), st.integers(3, 8), st.sampled_from(["", "%", "_", "\\", "*", "?", "[", "]"]))
        def same(name, start, size, odd):
            needle = name[start:start + size] + odd if odd and start % 2 else name[start:start + size]
            if len(needle) < sqlite_search.MIN_NEEDLE:
                return
            found = sqlite_search.containing(store._db, needle, 100)
            if found is not None:
                assert found == scanned(store, needle)
            assert store._containing(needle, 100) == scanned(store, needle)  # index or scan, one answer

        same()
        # a needle in more names than the index hands out: the scan answers, the same way
        assert sqlite_search.containing(store._db, "youxian", 100) is None
        assert store._containing("youxian", 100) == scanned(store, "youxian")
        assert store._containing("有限公司", 50) == scanned(store, "有限公司", 50)


def test_the_row_writer_keeps_the_name_index_up_to_date(tmp_path):
    with SQLiteStore(tmp_path / "w.db") as store:
        with store.writer() as w:  # into an empty store: the index is built at the end
            w.add(Entity("C1", EntityKind.COMPANY, "华信投资有限公司", aliases=("Huaxin Investment",)))
            w.add(Entity("C2", EntityKind.COMPANY, "腾启财富管理有限公司"))
        assert store._containing("信投资", 10) == ["C1"] and store._containing("investment", 10) == ["C1"]
        with store.writer() as w:  # renamed: the old name leaves the index, the new one enters
            w.add(Entity("C1", EntityKind.COMPANY, "华瑞商贸有限公司"))
            w.add(Entity("C3", EntityKind.COMPANY, "信投资本有限公司"))
        assert store._containing("信投资", 10) == ["C3"]
        assert store._containing("investment", 10) == []
        assert store._containing("瑞商贸", 10) == ["C1"]
        assert [h.entity.id for h in store.search("瑞商贸")] == ["C1"]
        count = store._db.execute("SELECT count(*) FROM name_search").fetchone()[0]
        assert count == store._db.execute("SELECT count(*) FROM names").fetchone()[0]


def test_a_store_without_the_index_gets_it_when_opened_for_writing(tmp_path):
    path = tmp_path / "old.db"
    with SQLiteStore(path) as store:
        with store.writer() as w:
            w.add(Entity("C1", EntityKind.COMPANY, "华信投资有限公司"))
        # as a store written before the index existed
        store._db.execute("DROP TABLE name_search")
        store._db.execute("DELETE FROM meta WHERE key = 'name_search'")
    with SQLiteStore(path, readonly=True) as store:  # read-only: searched by scanning, same answer
        assert not store._name_search
        assert [h.entity.id for h in store.search("信投资")] == ["C1"]
    with SQLiteStore(path) as store:
        assert store._name_search and store._containing("信投资", 10) == ["C1"]


def test_a_search_within_a_budget_ranks_what_it_read_in_time(columnar_store):
    with SQLiteStore(columnar_store, readonly=True) as store:
        name = store._db.execute("SELECT name_norm FROM names WHERE is_alias = 0 LIMIT 1").fetchone()[0]
        for text in (name[1:3], name[2:6], name, "有限"):
            full = [h.entity.id for h in store.search(text, limit=10)]
            assert [h.entity.id for h in store.search(text, limit=10, budget=30.0)] == full
            hurried = [h.entity.id for h in store.search(text, limit=10, budget=0.0)]
            assert set(hurried) <= set(store_ids(store)) and len(hurried) <= 10
        # no time limit stays behind on the connection: a whole scan of the names runs to its end
        every = [r[0] for r in store._db.execute("SELECT name_norm FROM names")]
        assert store._db.execute("SELECT count(*) FROM names WHERE instr(name_norm, '有') > 0").fetchone()[0] == sum(
            "有" in name for name in every) > 0


def store_ids(store) -> list[str]:
    return [r[0] for r in store._db.execute("SELECT id FROM entities")]


def test_a_store_of_schema_6_gets_officer_titles(tmp_path):
    from equitygraph.graph.model import Officer

    path = tmp_path / "v6.db"
    with SQLiteStore(path) as s:
        with s.writer() as w:
            w.add_many([Entity("P", EntityKind.PERSON, "王伟"), Entity("C", EntityKind.COMPANY, "甲")])
            w.add(Officer("P", "C", "director"))
        # What schema 6 had: officers without a title column.
        s._db.execute("ALTER TABLE officers DROP COLUMN title")
        s._db.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    with SQLiteStore(path) as s:
        assert s.get_meta("schema_version") == SCHEMA_VERSION == "7"
        assert [(o.role, o.title) for o in s.edges_touching(["C"]).officers] == [("director", None)]
        with s.writer() as w:
            w.add(Officer("P", "C", "director", title="董事"))
        assert [o.title for o in s.edges_touching(["C"]).officers] == ["董事"]


def test_edges_among_is_what_the_plain_definition_gives(generated_store):
    """The SQLite form reads links by their party's end only (both ends in IN lists took 9.8 s for
    8,000 ids): on subsets of a generated case it gives what filtering edges_touching gives."""
    import random

    from equitygraph.graph.stores.base import Store

    ids = generated_store.export_arrays().ids
    draw = random.Random(5)
    for size in (2, 50, 800):
        chosen = draw.sample(list(ids), size)
        fast, plain = generated_store.edges_among(chosen), Store.edges_among(generated_store, chosen).sorted()
        for kind in ("holdings", "officers", "links", "relations", "events"):
            assert sorted(map(repr, getattr(fast, kind))) == sorted(map(repr, getattr(plain, kind))), (size, kind)
    assert fast.links  # the draw reached links with both ends chosen


def test_edges_between_is_what_the_plain_definition_gives(generated_store):
    """The SQLite form looks each pair up along an index: on pairs of a generated case that are
    joined (either way round) and pairs drawn at random, it gives what filtering edges_among gives."""
    import random

    from equitygraph.graph.stores.base import Store

    arrays = generated_store.export_arrays()
    draw = random.Random(7)
    touching = generated_store.edges_touching(draw.sample(list(arrays.ids), 300))
    joined = ([(h.company_id, h.holder_id) for h in touching.holdings[:200]] +  # the other way round too
              [(o.person_id, o.company_id) for o in touching.officers[:200]] +
              [(link.dst, link.src) for link in touching.links[:200]] + [(r.a, r.b) for r in touching.relations[:50]])
    pairs = joined + [tuple(draw.sample(list(arrays.ids), 2)) for _ in range(300)]
    fast, plain = generated_store.edges_between(pairs), Store.edges_between(generated_store, pairs).sorted()
    for kind in ("holdings", "officers", "links", "relations", "events"):
        assert sorted(map(repr, getattr(fast, kind))) == sorted(map(repr, getattr(plain, kind))), kind
        assert getattr(fast, kind) or kind == "events", kind  # every kind of edge reached
    assert generated_store.edges_between([]) == Store.edges_between(generated_store, []) == type(fast)()
