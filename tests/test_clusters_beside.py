"""The clusters found in a second process beside the rest of an analysis (queries/clusters_beside.py):
the same results as in turn, used only where it pays and fits, and every way the second process can
fail ends as the analysis in turn would (or with its error), never with a process left behind."""

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from equitygraph.graph import cancel
from equitygraph.graph.analysis.clusters import clusters
from equitygraph.graph.errors import StoreError
from equitygraph.graph.stores import arrays_cache
from equitygraph.graph.stores.sqlite_analysis_files import file_of
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.csv_folder import load_folder
from equitygraph.queries import clusters_beside
from equitygraph.queries.analyze import analyze, differing_results


@pytest.fixture
def two_stores(generated_case, tmp_path):
    paths = [tmp_path / "beside.db", tmp_path / "in-turn.db"]
    for path in paths:
        with SQLiteStore(path) as s:
            load_folder(s, generated_case)
    return paths


@pytest.fixture
def loaded(two_stores):
    with SQLiteStore(two_stores[0]) as s:
        yield s, s.export_arrays()


def _files_beside(path) -> set[str]:
    return {p.name[len(path.name + ".analysis-"):] for p in path.parent.glob(path.name + ".analysis-*")}


def test_an_analysis_with_its_clusters_beside_writes_what_one_in_turn_writes(two_stores):
    with SQLiteStore(two_stores[0]) as beside, SQLiteStore(two_stores[1]) as in_turn:
        for _ in range(3):  # the third drops the first's files, the clusters' written apart among them
            steps = []
            found_beside = analyze(beside, progress=steps.append, beside_from=0)
            found_in_turn = analyze(in_turn, beside_from=10**9)
        assert differing_results(beside, in_turn, tolerance=0) == {}
        assert len(beside.read_results("cluster")) > 1000  # a comparison of something
        assert beside.read_results("previous_cluster") == in_turn.read_results("previous_cluster") != {}
        layout = beside._layout()
        assert layout["table_of"]["cluster"].split(".")[0] != layout["table_of"]["control_verdict"].split(".")[0]
        assert set(layout["files"].values()) == _files_beside(two_stores[0])  # this analysis's two, the last's two
        assert len(_files_beside(two_stores[0])) == 4 and len(_files_beside(two_stores[1])) == 2
    assert found_in_turn.clusters_beside is None and found_beside.clusters_beside > 0
    assert steps[:3] == ["reading the graph", "clusters, in a second process", "deciding control"]
    assert steps[-2:] == ["writing results back", "waiting for the clusters"]  # the rest written meanwhile
    assert list(found_beside.seconds) == ["read the graph", "control", "integrated ownership", "groups", "risk",
                                          "clusters", "write back"]
    note = found_beside.sections()[3].note
    assert note.startswith("the clusters ran in a second process beside control, ownership, groups and "
                           f"risk, in {found_beside.clusters_beside:.2f} s (their row: the wait for them); ")
    assert found_beside.to_dict()["clusters_beside"] == round(found_beside.clusters_beside, 3)
    assert "the clusters were found" not in found_in_turn.sections()[3].note


def test_a_table_handed_back_is_the_table(loaded):
    store, arrays = loaded
    with clusters_beside.start(store, arrays, None, [], min_entities=0) as beside:
        handed = beside.result(arrays)
        assert beside.apart[0] in _files_beside(Path(store.path))
    here = clusters(arrays)
    assert len(handed) == len(here) > 100
    for mine, theirs in zip(handed.parts(), here.parts()):
        assert np.array_equal(mine, theirs) if isinstance(mine, np.ndarray) else mine == theirs
    assert handed.ids == here.ids and set(handed.seconds) == set(here.seconds) | {"written"}
    token, tables, as_json = beside.apart
    assert set(tables) == {"cluster", "cluster_size", "cluster_degree", "cluster_links", "cluster_rank"}
    assert as_json == {"cluster_links"} and not (store.path + ".analysis-" + token).endswith("/")
    assert token not in _files_beside(Path(store.path))  # written for an analysis that did not land: deleted


def test_results_written_apart_and_gone_are_refused_and_the_last_analysis_stays(two_stores):
    with SQLiteStore(two_stores[0]) as store:
        analyze(store)
        before = (store._layout(), _files_beside(two_stores[0]))
        arrays = store.export_arrays()
        beside = clusters_beside.start(store, arrays, None, [], min_entities=0)
        beside.result(arrays)
        file_of(store.path, beside.apart[0]).unlink()
        with pytest.raises(StoreError, match=r"results written apart for this analysis are gone .*run equitygraph "
                                              "analyze again"):
            store.write_analysis({"cluster_note": {"C0001": 1}}, apart=[beside.apart])
        beside.close()
        assert (store._layout(), _files_beside(two_stores[0])) == before


def test_it_is_used_only_where_it_pays_and_fits(loaded, monkeypatch, tmp_path):
    store, arrays = loaded
    need = clusters_beside.PEAK_PER_ARRAYS_BYTE * clusters_beside.arrays_bytes(arrays)
    monkeypatch.setattr(clusters_beside, "available_memory", lambda: need - 1)
    assert clusters_beside.start(store, arrays, None, [], min_entities=0) is None
    monkeypatch.setattr(clusters_beside, "available_memory", lambda: None)  # not Linux: not known
    assert clusters_beside.start(store, arrays, None, [], min_entities=0) is None
    monkeypatch.setattr(clusters_beside, "available_memory", lambda: need)
    assert clusters_beside.start(store, arrays, None, [], min_entities=arrays.n + 1) is None
    with clusters_beside.start(store, arrays, None, [], min_entities=arrays.n) as exactly_enough:
        assert exactly_enough is not None
    assert clusters_beside.start(store, arrays, None, [], engine=object(), min_entities=0) is None
    monkeypatch.setattr(clusters_beside, "cores", lambda: 1)
    assert clusters_beside.start(store, arrays, None, [], min_entities=0) is None
    monkeypatch.undo()
    with SQLiteStore(":memory:") as in_memory:
        assert clusters_beside.start(in_memory, arrays, None, [], min_entities=0) is None
    arrays_cache.cache_path(store.path).rename(tmp_path / "elsewhere.npz")
    assert clusters_beside.start(store, arrays, None, [], min_entities=0) is None
    (tmp_path / "elsewhere.npz").rename(arrays_cache.cache_path(store.path))
    with clusters_beside.start(store, arrays, None, [], min_entities=0) as beside:
        assert beside.result(arrays) is not None


def test_the_bytes_of_the_arrays_are_their_columns_and_ids(loaded):
    _, arrays = loaded
    columns = [v for v in vars(arrays).values() if isinstance(v, np.ndarray)]
    assert clusters_beside.arrays_bytes(arrays) == sum(c.nbytes for c in columns) + sum(
        b.nbytes for b in arrays.ids.buffers())
    assert clusters_beside.available_memory() > 0 and clusters_beside.cores() >= 1  # the test machine is Linux


def test_arrays_not_found_or_of_another_generation_are_found_in_turn(loaded, tmp_path):
    store, arrays = loaded
    path = str(arrays_cache.cache_path(store.path))
    generation = store.get_meta("generation")
    for where, which in ((str(tmp_path / "gone.npz"), generation), (path, "another generation")):
        with clusters_beside.ClustersBeside(where, which, None, []) as beside:
            assert beside.result(arrays) is None


def test_an_error_in_the_second_process_is_raised_here(loaded):
    store, arrays = loaded
    wrong = [(arrays.n + 5, 0, True)]  # a decision about an entity there is not
    with clusters_beside.start(store, arrays, None, wrong, min_entities=0) as beside:
        with pytest.raises(RuntimeError, match="finding the clusters in a second process: IndexError: index") as raised:
            beside.result(arrays)
    assert "declared.py" in raised.value.__notes__[0]  # where, in the second process


def test_a_second_process_stopped_from_outside_leaves_the_clusters_to_this_one(two_stores, monkeypatch):
    started = clusters_beside.start

    def stopped(*args, **kwargs):
        beside = started(*args, **kwargs)
        beside._process.kill()  # as the kernel's out-of-memory killer would
        return beside

    monkeypatch.setattr(clusters_beside, "start", stopped)
    with SQLiteStore(two_stores[0]) as s:
        found = analyze(s, beside_from=0)
        assert found.clusters_beside is None and found.seconds["clusters"] > 0
        assert len(s.read_results("cluster")) > 1000


def test_given_up_while_waiting_the_second_process_is_ended(loaded):
    store, arrays = loaded
    stop = threading.Event()
    stop.set()
    beside = clusters_beside.start(store, arrays, None, [], min_entities=0)
    with cancel.cancellable(stop), pytest.raises(cancel.Cancelled):
        beside.result(arrays)
    beside.close()
    assert beside._process.returncode is not None  # ended, and waited for
    assert not Path(beside._answer).exists()


def test_a_script_without_a_main_guard_runs_once(generated_case, tmp_path):
    """The second process runs this module, not the caller's script again (as multiprocessing's spawn
    would, where the script has no ``if __name__ == "__main__"``)."""
    script = tmp_path / "plain.py"
    script.write_text(
        "from equitygraph.graph.stores.sqlite import SQLiteStore\n"
        "from equitygraph.loaders.csv_folder import load_folder\n"
        "from equitygraph.queries.analyze import analyze\n"
        f"with SQLiteStore({str(tmp_path / 'plain.db')!r}) as s:\n"
        f"    load_folder(s, {str(generated_case)!r})\n"
        "    print('beside', analyze(s, beside_from=0).clusters_beside is not None)\n", encoding="utf-8")
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert (ran.returncode, ran.stdout) == (0, "beside True\n"), ran.stderr


@pytest.mark.parametrize("failing", ["the clusters", "the commit"])
def test_an_analysis_that_fails_leaves_the_last_one_and_no_file(two_stores, monkeypatch, failing):
    from equitygraph.graph.stores import sqlite_results

    with SQLiteStore(two_stores[0]) as store:
        analyze(store)
        before = (store._layout(), _files_beside(two_stores[0]), store.read_results("cluster"))

        def fails(*args, **kwargs):
            raise RuntimeError("no space left")

        if failing == "the clusters":
            monkeypatch.setattr(clusters_beside.ClustersBeside, "result", fails)
        else:  # once the clusters' file is written and named
            monkeypatch.setattr(sqlite_results.StoredResults, "_set_layout", fails)
        with pytest.raises(RuntimeError, match="no space left"):
            analyze(store, beside_from=0)
        monkeypatch.undo()
        assert (store._layout(), _files_beside(two_stores[0]), store.read_results("cluster")) == before


def test_a_neo4j_database_has_its_clusters_found_beside_and_written_with_the_rest(neo4j_store, two_stores,
                                                                                   generated_case):
    load_folder(neo4j_store, generated_case)
    found = analyze(neo4j_store, beside_from=0)
    assert found.clusters_beside > 0 and found.seconds["clusters"] < found.clusters_beside + 5
    with SQLiteStore(two_stores[1]) as in_turn:
        assert analyze(in_turn, beside_from=10**9).clusters_beside is None
        assert differing_results(neo4j_store, in_turn) == {}
        assert len(neo4j_store.read_results("cluster")) == len(in_turn.read_results("cluster")) > 1000
