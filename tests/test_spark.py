"""The Spark engine (issue 32) against the in-process one: the same components, the same risk walk,
the same integrated ownership to rounding, the same analysis written back; through a local master and
a standalone master with a worker, as a cluster runs it."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from equitygraph.graph.analysis.engine import IN_PROCESS
from equitygraph.graph.analysis.ownership import direct_shares, ownership_matrix
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.csv_folder import load_folder
from equitygraph.loaders.synthetic import generate_case
from equitygraph.queries.analyze import analyze, differing_results
from equitygraph.queries.cli import cli


@pytest.fixture(scope="module")
def spark():
    from equitygraph.graph.spark import SparkEngine

    engine = SparkEngine("local[2]", {"spark.sql.shuffle.partitions": "2"})
    yield engine
    engine.stop()


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """A generated case of 1,000 companies: cross holdings, joint control, ranges, registers not
    complete, planted rings and their confirmed cases."""
    folder = tmp_path_factory.mktemp("spark-case")
    generate_case(folder / "case", companies=1000, seed=11)
    with SQLiteStore(folder / "case.db") as store:
        load_folder(store, folder / "case")
    return folder / "case.db"


@pytest.fixture(scope="module")
def case10k(tmp_path_factory):
    """The issue's size: 10,000 companies generated with the same shapes."""
    folder = tmp_path_factory.mktemp("spark-case-10k")
    generate_case(folder / "case", companies=10_000, seed=12)
    with SQLiteStore(folder / "case.db") as store:
        load_folder(store, folder / "case")
    return folder / "case.db"


def _planted_groups(rng, links_inside: int):
    """Three components (node ids 1000 apart) of ten groups of 15 nodes, each group dense inside
    (``links_inside`` random links) with one link to the next group, self loops dropped: the links,
    their components, and each node's (component, group)."""
    src, dst, component, group_of = [], [], [], {}
    for c in range(3):
        base = 1000 * c
        for group in range(10):
            members = base + 15 * group + np.arange(15)
            group_of.update({int(m): (c, group) for m in members})
            pairs = rng.choice(members, size=(links_inside, 2))
            src += pairs[:, 0].tolist() + [members[0]]
            dst += pairs[:, 1].tolist() + [base + 15 * ((group + 1) % 10)]
        component += [c] * (len(src) - len(component))
    src, dst, component = np.array(src), np.array(dst), np.array(component)
    keep = src != dst
    return src[keep], dst[keep], component[keep], group_of


def test_each_large_component_is_split_on_a_worker_as_in_process(spark):
    """Three components of 150 nodes, each a ring of dense groups: split one task per component, the
    same communities as in process, whatever order the edges come in, and in 32 bits (as clusters()
    hands them over) as in 64."""
    rng = np.random.default_rng(7)
    src, dst, component, _ = _planted_groups(rng, 40)
    here = IN_PROCESS.communities(component, src, dst, 1, 0.05)
    shuffled = rng.permutation(len(src))
    narrow = (a[shuffled].astype(np.int32) for a in (component, src, dst))
    there = spark.communities(*narrow, 1, 0.05)
    order_here, order_there = np.argsort(here[0]), np.argsort(there[0])
    assert np.array_equal(here[0][order_here], there[0][order_there])
    assert np.array_equal(here[1][order_here], there[1][order_there])
    assert len(set(zip((here[0] // 1000).tolist(), here[1].tolist()))) >= 3 * 5  # each component split in groups


def test_a_component_too_large_for_a_worker_is_cut_into_pieces_that_keep_its_groups(spark):
    """Three components of 150 nodes, ten planted groups of 15 each, with at most 40 nodes a task:
    each component cut by label propagation into pieces, each piece split by Leiden. The
    approximation's difference, measured against Leiden on the whole components: nearly the same
    partition (adjusted Rand index 0.97 on this case), 28 of the 30 groups whole in one community."""
    from sklearn.metrics import adjusted_rand_score

    from equitygraph.graph.spark import SparkEngine

    src, dst, component, group_of = _planted_groups(np.random.default_rng(7), 60)
    engine = SparkEngine(conf={"spark.equitygraph.communities.maxNodes": "40"}, session=spark.spark)
    nodes, community = engine.communities(component, src, dst, 1, 0.05)
    assert engine.rounds["pieces"] >= 3 * 4 and engine.rounds["communities"] == engine.rounds["pieces"]
    whole_nodes, whole_community = IN_PROCESS.communities(component, src, dst, 1, 0.05)
    cut = {int(n): (int(n) // 1000, int(k)) for n, k in zip(nodes, community)}
    whole = {int(n): (int(n) // 1000, int(k)) for n, k in zip(whole_nodes, whole_community)}
    assert len(set(whole.values())) == 30  # Leiden on the whole components finds the planted groups
    everyone = sorted(whole)  # a node no piece kept is a community of its own, as in clusters()
    assert adjusted_rand_score([str(whole[n]) for n in everyone], [str(cut.get(n, ("alone", n))) for n in everyone]) >= 0.95
    groups_whole = sum(len({cut.get(n, ("alone", n)) for n in group_of if group_of[n] == g}) == 1
                       for g in set(group_of.values()))
    assert 27 <= groups_whole < 30  # the cuts run through a few groups: an approximation


def test_pieces_are_numbered_past_the_top_of_a_narrow_component_column(spark):
    """Components numbered 124-126 in 8 bits, cut into pieces: the pieces' task numbers (from 127 on)
    do not fit 8 bits, and the communities are those of the same components numbered 0-2 in 64."""
    from equitygraph.graph.spark import SparkEngine

    src, dst, component, _ = _planted_groups(np.random.default_rng(7), 60)
    engine = SparkEngine(conf={"spark.equitygraph.communities.maxNodes": "40"}, session=spark.spark)
    wide = engine.communities(component, src, dst, 1, 0.05)
    narrow = engine.communities((component + 124).astype(np.int8), src, dst, 1, 0.05)
    assert engine.rounds["pieces"] >= 3 * 4
    found = [dict(zip(nodes.tolist(), community.tolist())) for nodes, community in (wide, narrow)]
    assert len(found[0]) == 450 and found[1] == found[0]


def test_the_risk_walk_and_integrated_ownership_agree_to_rounding(spark, case):
    from equitygraph.graph.spark import SparkEngine

    with SQLiteStore(case) as store:
        arrays = store.export_arrays()
    A = ownership_matrix(direct_shares(arrays), "low")
    every_term = SparkEngine(conf={"spark.equitygraph.series.gatherBelow": "0"}, session=spark.spark)
    here = IN_PROCESS.integrated(A)
    for engine in (spark, every_term):  # the series' tail on the driver (the default here), and on Spark
        there = engine.integrated(A)
        assert here.nnz == there.nnz and abs(here - there).max() <= 1e-12
    for owners in (np.arange(arrays.n), np.flatnonzero(np.arange(arrays.n) % 3 == 0)):
        (owner_here, share_here), (owner_there, share_there) = (
            engine.largest_owners(A, owners) for engine in (IN_PROCESS, every_term))
        assert np.array_equal(owner_here, owner_there) and np.abs(share_here - share_there).max() <= 1e-12
        assert (owner_here >= 0).sum() > arrays.n // 10  # most companies have an owner among them
    rng = np.random.default_rng(5)
    spread = sp.csr_matrix(A.T * 0.5)
    seeds = np.where(rng.random(arrays.n) < 0.01, rng.random(arrays.n), 0.0)
    assert np.abs(IN_PROCESS.pagerank(spread, seeds, 30) - spark.pagerank(spread, seeds, 30)).max() <= 1e-12
    assert np.abs(IN_PROCESS.debtrank(spread, seeds, 30) - spark.debtrank(spread, seeds, 30)).max() <= 1e-12


def test_the_control_rules_decide_on_spark_as_in_process(spark, case):
    """The rules company by company on the workers: every decision array equal to the last bit, with
    coalitions of holders whose control is uncertain and boards in play."""
    from equitygraph.graph.analysis.control_rules import ControlRules, board_appointments, votes

    with SQLiteStore(case) as store:
        arrays = store.export_arrays()
    holder, company, low, high = votes(arrays)
    rng = np.random.default_rng(3)
    appoints, board_size = board_appointments(arrays, holder, company, None, 3)
    hidden, missing = rng.random(arrays.n) * 0.3, rng.random(arrays.n) * 0.2
    floating = rng.random(len(holder)) < 0.05
    for floats in (None, floating):
        here = IN_PROCESS.direct_control(holder, company, low, high, appoints, board_size, hidden, missing,
                                         ControlRules(), floats)
        there = spark.direct_control(holder, company, low, high, appoints, board_size, hidden, missing,
                                     ControlRules(), floats)
        assert np.array_equal(here[0], there[0])
        for mine, theirs in zip(here[1], there[1]):
            assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
        assert len(set(here[1][0].tolist())) >= 3  # several verdicts among them


@pytest.mark.parametrize("seed", [1, 2])
def test_control_is_climbed_on_spark_as_in_process(spark, seed):
    """Chains, loops (through the start or above it), self loops and chains longer than the climb
    may go: where each ends and how far, as in process, in as many rounds."""
    from equitygraph.graph.analysis.climb import chase

    rng = np.random.default_rng(seed)
    following = np.where(rng.random(3000) < 0.15, -1, rng.integers(0, 3000, 3000))
    following[:200] = np.r_[np.arange(1, 200), -1]  # a chain of 199 steps: longer than 64
    for max_hops in (8, 64, 1024):
        here, there = chase(following, max_hops), spark.chase(following, max_hops)
        assert np.array_equal(here[0], there[0]) and np.array_equal(here[1], there[1]) and here[2] == there[2]
    assert here[0][0] == 199 and here[1][0] == 199 and (here[0] == -1).any()


def test_the_control_table_on_spark_is_the_one_in_process(spark, case10k):
    """Every field of every company's control, direct and actual, after the pooling rounds."""
    from equitygraph.graph.analysis.control_rules import (DISPERSED, JOINT, LOOP, SINGLE, UNCERTAIN, UNKNOWN,
                                                          control_table)

    with SQLiteStore(case10k) as store:
        arrays = store.export_arrays()
    here, there = control_table(arrays), control_table(arrays, engine=spark)
    for name, values in here.by_row.items():
        assert np.array_equal(values, there.by_row[name]), name
    # every verdict there is, and chains of up to 14 companies (4 rounds), loops found in 6 (64 companies)
    assert set(here.by_row["final"].tolist()) == {SINGLE, JOINT, DISPERSED, UNCERTAIN, UNKNOWN, LOOP}
    assert here.by_row["hops"].max() >= 10 and spark.rounds["control climbing"] == 6


def test_analyze_on_spark_writes_what_analyze_in_process_writes(spark, case10k, tmp_path):
    copies = {}
    for name in ("here", "there"):
        copies[name] = tmp_path / f"{name}.db"
        copies[name].write_bytes(case10k.read_bytes())
    with SQLiteStore(copies["here"]) as here, SQLiteStore(copies["there"]) as there:
        first = analyze(here)
        second = analyze(there, engine=spark)
        assert (first.verdicts, first.reasons, first.tiers) == (second.verdicts, second.reasons, second.tiers)
        assert set(spark.rounds) == {"components", "communities", "integrated ownership", "risk walk", "control climbing"}
        assert spark.rounds["communities"] >= 1  # a component too large for one cluster was split on a worker
        assert differing_results(here, there) == {}
        assert here.read_results("control_verdict") and here.read_results("risk_parts")  # there was something to compare


def test_spark_options_go_with_the_spark_engine(tmp_path):
    from equitygraph.graph.errors import EquityGraphError
    from equitygraph.graph.spark import SparkEngine

    with pytest.raises(EquityGraphError) as refused:
        SparkEngine("local[2]", {"spark.equitygraph.communities.maxNodes": "lots"})
    assert str(refused.value) == "spark.equitygraph.communities.maxNodes is a number of nodes (1 or more), not 'lots'"
    with pytest.raises(EquityGraphError) as refused:
        SparkEngine("local[2]", {"spark.equitygraph.checkpointLevel": "disk"})
    assert str(refused.value) == ("spark.equitygraph.checkpointLevel is one of DISK_ONLY, DISK_ONLY_2, DISK_ONLY_3, "
                                  "MEMORY_AND_DISK, MEMORY_AND_DISK_2, MEMORY_AND_DISK_DESER, MEMORY_ONLY, "
                                  "MEMORY_ONLY_2, OFF_HEAP, not 'disk'")
    with pytest.raises(EquityGraphError) as refused:
        SparkEngine("local[2]", {"spark.equitygraph.series.gatherBelow": "-1"})
    assert str(refused.value) == "spark.equitygraph.series.gatherBelow is a number of entries (0: never), not '-1'"
    runner = CliRunner()
    result = runner.invoke(cli, ["analyze", "--db", str(tmp_path / "x.db"), "--master", "local[2]"])
    assert result.exit_code == 2 and "--master and --spark-conf go with --engine spark" in result.output
    result = runner.invoke(cli, ["analyze", "--db", str(tmp_path / "x.db"), "--engine", "spark", "--spark-conf", "memory"])
    assert result.exit_code == 2 and "'memory' is not KEY=VALUE (e.g. spark.driver.memory=8g)" in result.output
    # a setting of ours with a value it cannot take is a usage error of --spark-conf, said before any store is touched
    for command in (["analyze", "--db", str(tmp_path / "x.db"), "--engine", "spark"],
                    ["spark-analyze", str(tmp_path), str(tmp_path / "out")]):
        result = runner.invoke(cli, [*command, "--spark-conf", "spark.equitygraph.series.gatherBelow=some"])
        assert result.exit_code == 2, result.output
        assert result.output.splitlines()[-1] == ("Error: Invalid value for '--spark-conf': spark.equitygraph.series."
                                                  "gatherBelow is a number of entries (0: never), not 'some'")
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "out").exists()


def _rows_by_id(rows: list[dict]) -> dict:
    """Result rows keyed by id, numbers rounded to 9 places (the 1e-9 the engines agree to), in the
    lists written as JSON too (the risk parts)."""
    def rounded(value):
        if isinstance(value, float):
            return round(value, 9)
        if isinstance(value, list):
            return [rounded(v) for v in value]
        if isinstance(value, str) and value.startswith("[["):
            return rounded(json.loads(value))
        return value

    return {row["id"]: {k: rounded(v) for k, v in row.items()} for row in rows}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_standalone_master_and_worker_run_the_analysis(case, tmp_path):
    """A master and a worker started as a cluster starts them (spark-class), the analysis submitted to
    it by --master spark://..., in a process of its own as a user runs it."""
    import pyspark

    spark_class = Path(pyspark.__file__).parent / "bin" / "spark-class"
    port = _free_port()
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable,
           "SPARK_LOG_DIR": str(tmp_path), "SPARK_WORKER_DIR": str(tmp_path / "work")}
    logs = [open(tmp_path / name, "w") for name in ("master.log", "worker.log")]
    master = subprocess.Popen([str(spark_class), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                               "--port", str(port), "--webui-port", str(_free_port())], env=env, stdout=logs[0],
                              stderr=subprocess.STDOUT)
    worker = subprocess.Popen([str(spark_class), "org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}",
                               "--cores", "1", "--memory", "1g", "--webui-port", str(_free_port()), "--host", "127.0.0.1"],
                              env=env, stdout=logs[1], stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while "Registering worker" not in (tmp_path / "master.log").read_text() and time.time() < deadline:
            time.sleep(0.5)
        assert "Registering worker" in (tmp_path / "master.log").read_text()
        db = tmp_path / "cluster.db"
        db.write_bytes(case.read_bytes())
        done = subprocess.run([str(Path(sys.executable).parent / "equitygraph"), "analyze", "--db", str(db), "--engine",
                               "spark", "--master", f"spark://127.0.0.1:{port}", "--spark-conf",
                               "spark.executor.memory=512m", "--format", "json"],
                              env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        on_cluster = json.loads(done.stdout)
        local_path = tmp_path / "local.db"
        local_path.write_bytes(case.read_bytes())
        with SQLiteStore(local_path) as local:
            here = analyze(local)
        assert (on_cluster["verdicts"], on_cluster["risk_tiers"]) == (here.verdicts, here.tiers)
        assert "app-" in (tmp_path / "master.log").read_text()  # the master ran an application
        # With no store: the export's Parquet tables read by URL, the results written as Parquet by the cluster.
        from equitygraph.queries.io.export import export_graph
        from equitygraph.queries.io.export_parquet import results_table

        with SQLiteStore(case) as store:
            export_graph(store, "parquet", tmp_path / "pq")
        out = tmp_path / "results"
        command = [str(Path(sys.executable).parent / "equitygraph"), "spark-analyze", (tmp_path / "pq").as_uri(),
                   out.as_uri(), "--master", f"spark://127.0.0.1:{port}", "--spark-conf", "spark.executor.memory=512m",
                   "--format", "json"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout)["verdicts"] == here.verdicts
        with SQLiteStore(local_path) as local:
            expected = results_table(local).to_pylist()
        assert _rows_by_id(pq.read_table(out).to_pylist()) == _rows_by_id(expected)
        again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert again.returncode == 1 and again.stdout == ""
        assert again.stderr.strip().splitlines()[-1] == (f"Error: {out.as_uri()} already exists: name another OUTPUT, "
                                                         "or give --overwrite")
    finally:
        for process in (worker, master):
            process.terminate()
            process.wait(timeout=30)
        for log in logs:
            log.close()


def test_spark_reads_the_parquet_export(spark, case, tmp_path):
    """A store and a cluster exchange data without CSV: the export is read by Spark as it is, typed."""
    from equitygraph.queries.io.export import export_graph

    with SQLiteStore(case) as store:
        written = export_graph(store, "parquet", tmp_path / "pq").counts
        holdings = store.counts()["holdings"]
    frame = spark.spark.read.parquet(str(tmp_path / "pq" / "holdings.parquet"))
    assert frame.count() == written["holdings"] == holdings
    assert dict(frame.dtypes)["share_low"] == "double" and dict(frame.dtypes)["since"] == "date"
    assert frame.where("share_low > share_high").count() == 0


def test_spark_analyze_takes_what_load_takes_and_writes_parquet(spark, case, tmp_path):
    """A canonical folder on this machine, analysed with no store of the user's: the results as the
    in-process analysis of the same data writes them; an input URL with no entities table, and an
    OUTPUT that exists, refused in one line."""
    from equitygraph.graph.errors import EquityGraphError
    from equitygraph.queries.io.export_parquet import results_table
    from equitygraph.queries.scale_out import spark_analyze

    out = tmp_path / "out"
    result = spark_analyze(str(case.parent / "case"), out.as_uri(), spark)
    copy = tmp_path / "here.db"
    copy.write_bytes(case.read_bytes())
    with SQLiteStore(copy) as here:
        assert analyze(here).verdicts == result.verdicts and result.engine == "spark"
        expected = results_table(here).to_pylist()
    # what it says names where the results went, not a store they were written back to; in Chinese too
    assert result.to_dict()["written_to"] == out.as_uri()
    notes = [section.note for section in result.sections()]
    assert f"written to {out.as_uri()} per entity: controller, " in notes[3]
    assert notes[2] == f"their scores and reasons are among the results in {out.as_uri()}"
    from equitygraph.queries import i18n

    with i18n.language("zh"):
        spoken = result.sections()
    assert spoken[3].note.startswith(f"按实体写入 {out.as_uri()}：")
    assert {row[0] for row in spoken[4].rows} >= {"控制链上溯"}  # the rounds' steps in Chinese
    written = pq.read_table(out).to_pylist()
    assert len(written) == len(expected) >= 1000 and _rows_by_id(written) == _rows_by_id(expected)
    (tmp_path / "empty").mkdir()
    with pytest.raises(EquityGraphError) as refused:
        spark_analyze((tmp_path / "empty").as_uri(), (tmp_path / "out2").as_uri(), spark)
    assert str(refused.value) == (f"{(tmp_path / 'empty').as_uri()}: no entities.parquet (a URL is read as a folder "
                                  "of Parquet tables, as export --format parquet writes them)")
    with pytest.raises(EquityGraphError, match="already exists: name another OUTPUT, or give --overwrite"):
        spark_analyze(str(case.parent / "case"), str(out), spark)
    assert not (tmp_path / "out2").exists()


def test_two_analyses_are_compared_result_by_result(case, tmp_path):
    """The comparison the Spark tests rest on finds a difference where there is one, to the entity."""
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share

    copies = [tmp_path / "a.db", tmp_path / "b.db"]
    for copy in copies:
        copy.write_bytes(case.read_bytes())
    with SQLiteStore(copies[0]) as first, SQLiteStore(copies[1]) as second:
        analyze(first)
        analyze(second)
        assert differing_results(first, second) == {}
        company = next(k for k, v in second.read_results("control_verdict").items() if v == "single")
        with second.writer() as w:  # a newcomer takes 90 % of one company: its control changes
            w.add_many([Entity("newcomer", EntityKind.PERSON, "newcomer"),
                        Holding("newcomer", company, Share.exact(0.9))])
        analyze(second)
        differing = differing_results(first, second)
        assert differing["control_verdict"] >= 1 and differing["top_owner"] >= 1 and differing["top_owner_share"] >= 1
        loose = differing_results(first, second, tolerance=1.0)  # numbers a whole unit apart are "the same"
        assert "top_owner_share" not in loose and loose["control_verdict"] == differing["control_verdict"]


def test_a_spark_failure_is_one_line_with_what_to_try(spark, monkeypatch):
    """A job Spark loses (here a collect larger than the driver's memory, as at a million companies
    with the default 1 GB driver) is said in one line with the setting to raise, never a JVM trace."""
    from equitygraph.graph.errors import EquityGraphError
    from equitygraph.graph.spark import components as module

    class Py4JJavaError(Exception):
        pass

    Py4JJavaError.__module__ = "py4j.protocol"
    trace = ("An error occurred while calling o3255.getResult.\\n: org.apache.spark.SparkException: Job aborted due to "
             "stage failure: Task 0 in stage 427.0 failed 1 times, most recent failure: TaskResultLost (result lost "
             "from block manager)\\n\\tat org.apache.spark.scheduler.DAGScheduler.abortStage(DAGScheduler.scala:4568)")

    def lost(*args, **kwargs):
        raise Py4JJavaError(trace)

    monkeypatch.setattr(module, "components", lost)
    with pytest.raises(EquityGraphError) as failed:
        spark.components(np.array([0]), np.array([1]), 2)
    said = str(failed.value)
    assert said.startswith("Spark failed: org.apache.spark.SparkException: Job aborted due to stage failure")
    assert said.endswith("give the driver more memory (--spark-conf spark.driver.memory=8g, spark.driver.maxResultSize=4g)")
    assert "DAGScheduler" not in said and "\n" not in said


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_all_components_at_once_are_each_component_alone(seed):
    """The in-process path splits every large component in one pass (leaves stripped together, Leiden on
    each core); a worker splits one component: the same communities, on random graphs with leaves, pairs
    and chains (what stripping takes off) and dense cores."""
    from equitygraph.graph.analysis.communities import component_communities, components_communities

    rng = np.random.default_rng(seed)
    src, dst, component = [], [], []
    for c in range(6):
        base, size = 1000 * c, int(rng.integers(5, 80))
        core = base + np.arange(size)
        pairs = rng.choice(core, size=(size * 2, 2))
        chain = base + 500 + np.arange(int(rng.integers(0, 6)))  # a tail of leaves hanging off the core
        hang = np.r_[core[0], chain]
        src += pairs[:, 0].tolist() + hang[:-1].tolist()
        dst += pairs[:, 1].tolist() + hang[1:].tolist()
        component += [c] * (len(src) - len(component))
    src, dst, component = np.array(src), np.array(dst), np.array(component)
    keep = src != dst
    src, dst, component = src[keep], dst[keep], component[keep]
    nodes, community = components_communities(component, src, dst, 1, 0.05)
    for c in range(6):
        alone = component_communities(src[component == c], dst[component == c], 1, 0.05)
        mine = (nodes // 1000) == c
        assert np.array_equal(nodes[mine], alone[0]) and np.array_equal(community[mine], alone[1])


def test_owners_a_rounding_apart_are_tied_and_the_first_id_is_the_largest_owner(spark, tmp_path):
    """B owns 10 % + 20 % of C through two companies it holds whole: 0.30000000000000004 in floating point;
    A holds 30 % directly. They are one share: the largest owner is A (the first id), on either engine,
    whichever order a sum was made in."""
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share

    with SQLiteStore(tmp_path / "tie.db") as store:
        with store.writer() as w:
            w.add_many([Entity(i, EntityKind.PERSON, i) for i in ("A", "B")]
                       + [Entity(i, EntityKind.COMPANY, i) for i in ("C", "X", "Y")]
                       + [Holding("A", "C", Share.exact(0.3)), Holding("B", "X", Share.exact(1.0)),
                          Holding("B", "Y", Share.exact(1.0)), Holding("X", "C", Share.exact(0.1)),
                          Holding("Y", "C", Share.exact(0.2))])
        assert 0.1 * 1.0 + 0.2 * 1.0 > 0.3  # the sum B's stake is made of is a rounding above A's
        analyze(store)
        assert store.read_results("top_owner")["C"] == "A"
        assert store.read_results("top_owner_share")["C"] == 0.3
        arrays = store.export_arrays()
    A = ownership_matrix(direct_shares(arrays), "low")
    persons = np.array([arrays.index_of("A"), arrays.index_of("B")])
    owner, share = spark.largest_owners(A, persons)
    c = arrays.index_of("C")
    assert owner[c] == arrays.index_of("A") and abs(share[c] - 0.3) <= 1e-12  # the largest of the two, tied


def test_a_share_summed_in_another_order_is_written_alike():
    """0.1930365 summed in process and 0.19303650000000003 summed on Spark (a million-company case):
    written to six places from their first twelve, both 0.193036; a value plainly on one side stays there."""
    from equitygraph.queries.analyze import _rounded

    assert [round(v, 6) for v in (0.1930365, 0.19303650000000003)] == [0.193036, 0.193037]  # as before
    assert _rounded(np.array([0.1930365, 0.19303650000000003, 0.19303649999999997]), 6) == [0.193036] * 3
    assert _rounded(np.array([0.1930366, 0.12345649, 0.5]), 6) == [0.193037, 0.123456, 0.5]
