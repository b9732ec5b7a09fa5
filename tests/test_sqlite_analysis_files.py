"""Each analysis of the embedded store in a file of its own beside the store (sqlite_analysis_files)."""

from __future__ import annotations

import json
import sqlite3
import stat

import pytest

from equitygraph.graph.errors import StoreError
from equitygraph.graph.model import Entity, EntityKind
from equitygraph.graph.stores.sqlite import SQLiteStore

IDS = ["A", "B", "C"]


def analysis_files(tmp_path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if ".analysis-" in p.name)


def named_files(store) -> list[str]:
    return sorted(f"t.db.analysis-{token}" for token in json.loads(store.get_meta("analysis_layout"))["files"].values())


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "t.db") as store:
        with store.writer() as w:
            w.add_many([Entity(i, EntityKind.COMPANY, f"公司{i}") for i in IDS])
        yield store


def test_the_last_analysis_stays_beside_the_new_one_and_the_one_before_is_deleted(store, tmp_path):
    assert analysis_files(tmp_path) == []
    store.write_analysis({"group": {"A": "g1", "B": "g1"}})
    first = analysis_files(tmp_path)
    assert len(first) == 1 == len(named_files(store)) and first == named_files(store)
    assert stat.S_IMODE((tmp_path / first[0]).stat().st_mode) == 0o600  # case data: its owner's only
    store.write_analysis({"group": {"C": "g2"}}, previous=("group",))
    second = analysis_files(tmp_path)
    assert len(second) == 2 and first[0] in second and second == named_files(store)  # read for previous_group
    assert store.read_results("previous_group") == {"A": "g1", "B": "g1"}
    store.write_analysis({"group": {"A": "g3"}}, previous=("group",))
    third = analysis_files(tmp_path)
    assert first[0] not in third and len(third) == 2 and third == named_files(store)
    assert store.read_results("previous_group") == {"C": "g2"} and store.read_results("group") == {"A": "g3"}
    store.write_analysis({"group": {"B": "g4"}})  # nothing asked of the last: its file goes too
    assert len(analysis_files(tmp_path)) == 1 == len(named_files(store))
    assert store.read_results("previous_group") == {}


def test_a_file_an_analysis_stopped_half_way_left_is_deleted_by_the_next_and_no_other(store, tmp_path):
    store.write_analysis({"group": {"A": "g1"}})
    left = tmp_path / "t.db.analysis-0123456789ab"
    left.write_bytes(b"half written")
    mine = tmp_path / "t.db.analysis-notes.txt"  # not a name an analysis gives
    mine.write_text("the user's")
    other_store = tmp_path / "u.db.analysis-0123456789ab"
    other_store.write_bytes(b"another store's")
    store.write_analysis({"group": {"A": "g2"}}, previous=("group",))
    assert not left.exists() and mine.exists() and other_store.exists()
    assert store.read_results("previous_group") == {"A": "g1"}


def test_an_analysis_that_fails_leaves_the_last_one_and_no_file(store, tmp_path):
    store.write_analysis({"group": {"A": "g1"}, "tier": {"B": "red"}})
    before = analysis_files(tmp_path)
    with pytest.raises(OverflowError):  # raised while the rows go in: the new file is there by then
        store.write_analysis({"group": {"A": 2 ** 70}}, previous=("group",))
    assert analysis_files(tmp_path) == before
    assert store.read_results("group") == {"A": "g1"} and store.results_for("B") == {"tier": "red"}
    store.write_analysis({"group": {"C": "g2"}}, previous=("group",))
    assert store.read_results("previous_group") == {"A": "g1"}


def test_the_settings_of_an_analysis_land_with_it_or_not_at_all(store, tmp_path):
    store.write_analysis({"group": {"A": "g1"}}, meta={"analysis": "first"})
    before = analysis_files(tmp_path)
    with pytest.raises(sqlite3.ProgrammingError):  # the second setting cannot be written, after the first was
        store.write_analysis({"group": {"A": "g2"}}, previous=("group",), meta={"analysis": "second", "x": object()})
    assert store.get_meta("analysis") == "first" and store.get_meta("x") is None
    assert store.read_results("group") == {"A": "g1"} and analysis_files(tmp_path) == before
    store.write_analysis({"group": {"A": "g3"}}, previous=("group",), meta={"analysis": "third"})
    assert store.get_meta("analysis") == "third" and store.read_results("previous_group") == {"A": "g1"}


def test_a_reader_open_across_many_analyses_reads_each_new_one(store, tmp_path):
    with SQLiteStore(tmp_path / "t.db", readonly=True) as reader:
        for k in range(14):  # more than the ten databases SQLite attaches at once
            store.write_analysis({"rank": {"A": k, "B": k + 1}}, previous=("rank",))
            assert reader.read_results("rank") == {"A": k, "B": k + 1}
            assert reader.results_for("A") == ({"rank": k, "previous_rank": k - 1} if k else {"rank": 0})
            attached = [row[1] for row in reader._db.execute("PRAGMA database_list")]
            assert len(attached) <= 4, attached
        assert reader.ids_in_order_of("rank") == ["A", "B"]


def test_a_store_without_its_analysis_file_says_so(store, tmp_path):
    store.write_analysis({"group": {"A": "g1"}})
    (tmp_path / named_files(store)[0]).unlink()
    with SQLiteStore(tmp_path / "t.db", readonly=True) as reader:
        with pytest.raises(StoreError, match=r"t\.db\.analysis-[0-9a-f]{12}: the store's last analysis cannot be "
                                             r"read \(no such file\); run equitygraph analyze again"):
            reader.read_results("group")


def test_an_analysis_kept_in_the_store_itself_is_read_then_replaced(store, tmp_path):
    """A store analysed before analyses had files of their own kept its tables inside it."""
    db = store._db
    db.execute('CREATE TABLE analysis_1 (entity_id TEXT PRIMARY KEY, "group", "path") WITHOUT ROWID')
    db.executemany("INSERT INTO analysis_1 VALUES (?, ?, ?)", [("A", "g1", "[1]"), ("B", "g1", None)])
    db.execute('CREATE TABLE analysis_previous_1 (entity_id TEXT PRIMARY KEY, "previous_group") WITHOUT ROWID')
    db.execute("INSERT INTO analysis_previous_1 VALUES ('C', 'g0')")
    store.set_meta("analysis_layout", json.dumps({"table_of": {"group": "analysis_1", "path": "analysis_1",
                                                               "previous_group": "analysis_previous_1"},
                                                  "json": ["path"]}))
    assert store.read_results("group") == {"A": "g1", "B": "g1"} and store.read_results("path") == {"A": [1]}
    assert store.results_for("C") == {"previous_group": "g0"}
    store.write_analysis({"group": {"C": "g2"}}, previous=("group", "path"))
    assert store.read_results("previous_group") == {"A": "g1", "B": "g1"}
    assert store.read_results("previous_path") == {"A": [1]}  # still JSON, read from the store's own table
    assert store.results_for("A") == {"previous_group": "g1", "previous_path": [1]}
    store.write_analysis({"group": {"A": "g3"}}, previous=("group",))
    assert store.read_results("previous_group") == {"C": "g2"}
    tables = [r[0] for r in db.execute("SELECT name FROM main.sqlite_master WHERE name LIKE 'analysis%'")]
    assert tables == []  # gone once nothing reads them


def test_a_result_set_written_on_its_own_leaves_the_analysis_file_as_it_was(store, tmp_path):
    store.write_analysis({"group": {"A": "g1", "B": "g2"}})
    file = tmp_path / named_files(store)[0]
    written = file.read_bytes()
    store.write_results("group", {"C": "g9"}, whole=False)
    assert store.read_results("group") == {"A": "g1", "B": "g2", "C": "g9"}
    assert store.entities_with_result("group", "g1") == ["A"] and store.results_for("B") == {"group": "g2"}
    assert file.read_bytes() == written
    store.write_analysis({"group": {"A": "g3"}}, previous=("group",))
    assert store.read_results("previous_group") == {"A": "g1", "B": "g2", "C": "g9"}


def test_a_result_set_written_on_its_own_leaves_the_previous_values_where_they_are_read(store):
    store.write_analysis({"group": {"A": "g1", "B": "g2"}})
    store.write_analysis({"group": {"A": "g3"}, "tier": {"B": "red"}}, previous=("group",))
    store.write_results("tier", {"C": "orange"})  # previous_group is still read from the last file's "group"
    assert store.read_results("previous_group") == {"A": "g1", "B": "g2"}
    assert store.results_for("B") == {"previous_group": "g2"}


def test_a_store_in_memory_keeps_its_analyses_in_memory(tmp_path):
    with SQLiteStore(":memory:") as store:
        with store.writer() as w:
            w.add_many([Entity(i, EntityKind.COMPANY, i) for i in IDS])
        for k in range(12):
            store.write_analysis({"rank": {"A": k}}, previous=("rank",))
        assert store.read_results("rank") == {"A": 11} and store.read_results("previous_rank") == {"A": 10}
        files = [row[2] for row in store._db.execute("PRAGMA database_list")]
        assert len(files) <= 4 and set(files) == {""}


@pytest.mark.parametrize("chunk", [1, 2, 3, 64])
def test_an_analysis_written_in_chunks_of_rows_reads_as_written(tmp_path, monkeypatch, chunk):
    import numpy as np

    from equitygraph.graph.stores.result_columns import LazyColumn, ResultColumn

    monkeypatch.setattr(LazyColumn, "CHUNK", chunk)
    ids = [f"C{k}" for k in range(7)]
    share = np.array([0.5, np.nan, 0.25, 0.125, np.nan, 1.0, 0.75])
    columns = {"share": ResultColumn(ids, LazyColumn(share, ~np.isnan(share))),
               "path": ResultColumn(ids, [[k] if k % 3 else None for k in range(7)]),  # JSON, a list a row
               "tier": ResultColumn(ids, ["red", None, None, "orange", None, None, "red"]),
               "note": {"C2": {"why": "环"}, "C5": "x"}}
    with SQLiteStore(tmp_path / "t.db") as store:
        with store.writer() as w:
            w.add_many([Entity(i, EntityKind.COMPANY, i) for i in ids])
        store.write_analysis(columns)
        for name, values in columns.items():
            assert store.read_results(name) == dict(values), name
        assert store.results_for("C5") == {"note": "x", "path": [5], "share": 1.0}


def test_the_command_line_says_which_analysis_file_is_missing(tmp_path):
    from click.testing import CliRunner

    from conftest import write_case
    from equitygraph.queries.cli import cli

    db = tmp_path / "case.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["load", str(write_case(tmp_path / "case")), "--db", str(db)]).exit_code == 0
    assert runner.invoke(cli, ["analyze", "--db", str(db)]).exit_code == 0
    [file] = [p for p in tmp_path.iterdir() if ".analysis-" in p.name]
    file.unlink()
    result = runner.invoke(cli, ["risk", "--top", "5", "--db", str(db)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().endswith(f"{file}: the store's last analysis cannot be read (no such file); "
                                          "run equitygraph analyze again"), result.output


def test_a_reader_that_read_the_layout_as_an_analysis_landed_reads_the_new_one(store, tmp_path, monkeypatch):
    from equitygraph.graph.stores import sqlite_analysis_files

    store.write_analysis({"rank": {"A": 1}})
    store.write_analysis({"rank": {"A": 2}}, previous=("rank",))
    real_attach, landed = sqlite_analysis_files.attach, []

    def attach_after_an_analysis_lands(db, path, files):
        if not landed:  # the reader has read the layout naming the files of ranks 1 and 2
            landed.append(True)
            store.write_analysis({"rank": {"A": 3}}, previous=("rank",))  # the file of rank 1 goes
        return real_attach(db, path, files)

    with SQLiteStore(tmp_path / "t.db", readonly=True) as reader:
        monkeypatch.setattr(sqlite_analysis_files, "attach", attach_after_an_analysis_lands)
        assert reader.results_for("A") == {"rank": 3, "previous_rank": 2} and landed
