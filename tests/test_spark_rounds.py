"""The Spark engine's iterations (issue 32): components as scipy finds them, in a logarithmic number
of rounds; every checkpoint a round wrote released when the step returns; what a round joins on kept
partitioned; the ownership series finished on the driver once small, with the in-process answers."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from equitygraph.graph.analysis.engine import IN_PROCESS


@pytest.fixture(scope="module")
def spark():
    from equitygraph.graph.spark import SparkEngine

    engine = SparkEngine("local[2]", {"spark.sql.shuffle.partitions": "2"})
    yield engine
    engine.stop()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_components_are_scipy_s_on_random_graphs(spark, seed):
    rng = np.random.default_rng(seed)
    n = 400
    src, dst = rng.integers(0, n, 300), rng.integers(0, n, 300)
    src[:5] = dst[:5]  # self loops, and nodes with no edge at all
    assert np.array_equal(spark.components(src, dst, n), IN_PROCESS.components(src, dst, n))


def test_components_take_logarithmically_many_rounds_on_a_ring(spark):
    """One round per hop would be 128 on this ring; large-star/small-star halves the distances. (A ring:
    a chain hangs off itself, and would be peeled on the driver before any round.)"""
    for n in (16, 256):
        order = np.random.default_rng(n).permutation(n)  # a ring through the nodes in a random order
        labels = spark.components(order, np.roll(order, 1), n + 1)  # and one node alone
        assert labels.tolist() == [0] * n + [1]
        assert 1 <= spark.rounds["components"] <= 3 * math.log2(n)
    chain = np.random.default_rng(7).permutation(64)
    assert spark.components(chain[:-1], chain[1:], 64).tolist() == [0] * 64 and spark.rounds["components"] == 0


def _kept(session) -> list[tuple[int, int]]:
    return [(info.id(), info.numCachedPartitions()) for info in session.sparkContext._jsc.sc().getRDDStorageInfo()]


def test_a_checkpoint_is_freed_when_released_though_its_frame_lives_on(spark):
    """Spark frees a local checkpoint only once the JVM collects its frame; ``release`` frees it at once."""
    from equitygraph.graph.spark.frames import checkpointed, release

    frame = checkpointed(spark.spark.range(1000))
    assert len(_kept(spark.spark)) == 1 and frame.count() == 1000
    release(frame)
    assert _kept(spark.spark) == []


def test_no_step_leaves_a_checkpoint_kept(spark):
    """Nothing a step wrote is left kept when it returns: a ten-million run would otherwise fill the
    heap and the disk with rounds no step reads. (The rounds released as they go cannot be told
    apart here from what the JVM collects on its own once a frame is dropped; the test above shows
    that ``release`` frees what is still referenced.)"""
    rng = np.random.default_rng(5)
    src, dst = rng.integers(0, 300, 600), rng.integers(0, 300, 600)
    spark.components(src, dst, 300)
    spread = sp.random(300, 300, density=0.01, random_state=5, format="csr") * 0.5
    spark.pagerank(spread, np.eye(300)[0], 5)
    spark.debtrank(spread, np.eye(300)[0], 5)
    following = np.r_[np.arange(1, 40), -1]
    spark.chase(following, 64)
    owned = sp.random(60, 60, density=0.05, random_state=6, format="csr") * 0.4
    spark.integrated(owned)
    spark.largest_owners(owned, np.arange(0, 60, 2))
    from equitygraph.graph.spark import SparkEngine

    cutting = SparkEngine(conf={"spark.equitygraph.communities.maxNodes": "40"}, session=spark.spark)
    ring = rng.permutation(150)
    cutting.communities(np.zeros(150, dtype=np.int64), ring, np.roll(ring, 1), 1, 0.05)
    assert cutting.rounds["pieces"] >= 3  # label propagation ran
    assert _kept(spark.spark) == []


def test_a_step_of_the_walk_moves_only_its_products(spark, monkeypatch):
    """The links, partitioned and sorted by the column the walk joins on, and each step's sums, which
    come out partitioned by the column the next step joins them on, keep that through their
    checkpoints: a step's plan has one exchange, its products summed by entity (DebtRank's round one
    more, its new state), and sorts only the vector. The walks are the in-process ones, and the
    session's settings are as they were."""
    from equitygraph.graph.analysis import risk
    from equitygraph.graph.spark import frames, series

    session = spark.spark
    before = {key: session.conf.get(key) for key in ("spark.sql.adaptive.enabled", "spark.sql.shuffle.partitions")}
    session.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")  # as for links of millions: no broadcast
    try:
        spread = sp.random(200, 200, density=0.05, random_state=3, format="csr") * 0.1  # rows sum to about 0.5
        seeds = np.zeros(200)
        seeds[np.random.default_rng(3).choice(200, 20, replace=False)] = 1.0
        plans = _plans_checkpointed(monkeypatch, series)
        got = spark.pagerank(spread, seeds, 30)
        steps = [plan for plan in plans if "Join" in plan]
        assert len(steps) == spark.rounds["risk walk"] >= 5
        for plan in steps:
            assert plan.count("Exchange") == 1 and "Exchange hashpartitioning(i" in plan, plan
            assert plan.count("Sort [") == 1, plan  # the vector's; the links were sorted once
        assert np.abs(got - risk.pagerank(spread, seeds, 30)).max() <= 1e-12
        kept = _plans_checkpointed(monkeypatch, frames)  # DebtRank's new state is kept partitioned
        got = spark.debtrank(spread, seeds, 30)
        rounds = [plan for plan in kept if "Join" in plan]
        assert len(rounds) >= 2 and all(plan.count("Exchange") == 2 and "hashpartitioning(j" not in plan for plan in rounds)
        assert np.abs(got - risk.debtrank(spread, seeds, 30)).max() <= 1e-12
    finally:
        session.conf.unset("spark.sql.autoBroadcastJoinThreshold")
    assert {key: session.conf.get(key) for key in before} == before


def _plans_checkpointed(monkeypatch, module) -> list[str]:
    """The plans of the frames ``module`` checkpoints from now on (its rounds), as Spark would run them."""
    from equitygraph.graph.spark import frames

    plans, checkpointed = [], frames.checkpointed

    def noting(frame):
        plans.append(frame._jdf.queryExecution().executedPlan().toString())
        return checkpointed(frame)

    monkeypatch.setattr(module, "checkpointed", noting)
    return plans


def test_the_series_block_and_the_votes_are_not_moved_again_at_each_round(spark, monkeypatch):
    """As the walk's links: integrated ownership's block and label propagation's votes are partitioned
    once by the column a round joins on and kept so; a round moves only the last term or the labels.
    The answers are the in-process ones."""
    from equitygraph.graph.spark import SparkEngine, pieces, series

    session = spark.spark
    session.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")  # as at millions of rows: no broadcast
    try:
        terms = _plans_checkpointed(monkeypatch, series)
        owned = sp.triu(sp.random(80, 80, density=0.06, random_state=8) * 0.45, k=1, format="csr")  # chains end
        on_spark = SparkEngine(conf={"spark.equitygraph.series.gatherBelow": "0"}, session=session)
        got, expected = on_spark.integrated(owned), IN_PROCESS.integrated(owned)
        products = [plan for plan in terms if "Join" in plan]
        assert len(products) >= 2 and on_spark.rounds["integrated ownership"] == len(products)
        assert all("hashpartitioning(i" in plan and "hashpartitioning(k" not in plan for plan in products)
        assert abs(got - expected).max() <= 1e-12
        tallies = _plans_checkpointed(monkeypatch, pieces)
        cutting = SparkEngine(conf={"spark.equitygraph.communities.maxNodes": "40"}, session=session)
        ring = np.random.default_rng(9).permutation(150)
        cutting.communities(np.zeros(150, dtype=np.int64), ring, np.roll(ring, 1), 1, 0.05)
        rounds = [plan for plan in tallies if "Join" in plan]
        assert len(rounds) >= 3 and all(plan.count("hashpartitioning(v") == 1 for plan in rounds)
    finally:
        session.conf.unset("spark.sql.autoBroadcastJoinThreshold")


def _holding_chains(seed: int, cycle: bool) -> sp.csr_matrix:
    """14 companies holding each other down a random DAG (and around one cycle where ``cycle``), each
    holding some of 80 companies that hold nothing: a series that grows, then shrinks."""
    inner = sp.triu(sp.random(14, 14, density=0.35, random_state=seed), k=1, format="lil") * 0.6
    if cycle:
        inner[13, 0] = 0.3
    outer = sp.random(14, 80, density=0.2, random_state=seed + 100) * 0.5
    return sp.bmat([[inner, outer], [None, sp.csr_matrix((80, 80))]], format="csr")


@pytest.mark.parametrize("seed, cycle", [(1, False), (2, True)])
def test_the_series_ends_on_the_driver_once_a_term_is_small_with_the_same_answer(spark, monkeypatch, seed, cycle):
    """Integrated ownership with every term on Spark, with the series gathered to the driver from the
    first term on, and once a term has fewer entries than the first (part of the way): the same terms,
    the same matrix as in process, and the products on Spark only up to the gathered term; also where
    the series is cut at its longest just after it is gathered (the rest then solved exactly)."""
    from equitygraph.graph.analysis.ownership import holding_companies, integrated, series_after
    from equitygraph.graph.spark import SparkEngine, series

    owned = _holding_chains(seed, cycle)
    held, middle = holding_companies(owned)
    block, first = held[middle][:, middle].tocsr(), held[middle].tocsr()
    sizes = [first.nnz] + [t.nnz for t in series_after(block, first, 1e-12, 500)]
    gathered = next(at for at, size in enumerate(sizes) if size < sizes[0])
    assert len(sizes) >= 5 and 3 <= gathered < len(sizes) - 1  # terms on Spark, then on the driver
    plans = _plans_checkpointed(monkeypatch, series)
    expected, cut = IN_PROCESS.integrated(owned), integrated(owned, max_length=gathered + 1)
    for gather, products in ((0, len(sizes)), (sizes[0], gathered), (10**9, 0)):  # never; part of the way; at once
        plans.clear()
        engine = SparkEngine(conf={"spark.equitygraph.series.gatherBelow": str(gather)}, session=spark.spark)
        assert abs(engine.integrated(owned) - expected).max() <= 1e-12
        assert engine.rounds["integrated ownership"] == len(sizes)
        assert sum("Join" in plan for plan in plans) == products
        T, terms = series.integrated(spark.spark, owned, max_length=gathered + 1, gather_below=gather)
        assert abs(T - cut).max() <= 1e-12 and terms == gathered + 3  # the first, the products, the rest


def test_a_near_unit_cycle_is_solved_exactly_on_both(spark):
    """Two companies holding 99.99999 % of each other: the series would need millions of terms; after
    the longest path allowed the rest is solved exactly on the driver, as in process (a holder of 10 %
    of one of them owns 10 % / (1 - 0.9999999^2) of it, through every round of the cycle)."""
    from equitygraph.graph.analysis.ownership import integrated
    from equitygraph.graph.spark.series import integrated as integrated_on_spark

    share = 0.9999999
    A = sp.csr_matrix(([share, share, 0.1], ([0, 1, 2], [1, 0, 0])), shape=(3, 3))
    here = integrated(A, max_length=20)
    for gather_below in (0, 10):  # every term on Spark; gathered to the driver at once
        there, terms = integrated_on_spark(spark.spark, A, max_length=20, gather_below=gather_below)
        assert terms == 22  # the first term, 20 more, the exact rest
        assert np.allclose(here.toarray(), there.toarray(), rtol=1e-12, atol=0)
    assert there[2, 0] == pytest.approx(0.1 / (1 - share ** 2), rel=1e-9)


def test_the_drivers_jvm_is_started_to_hand_back_heap_it_does_not_use(spark):
    """The JVM the session started carries the periodic collection and the free ratios (beside the
    logging setup), and a session's own Java options come after them, so that its own win."""
    from equitygraph.graph.spark.engine import GIVE_BACK_HEAP, session_settings

    arguments = list(spark.spark.sparkContext._jvm.java.lang.management.ManagementFactory
                     .getRuntimeMXBean().getInputArguments())
    assert set(GIVE_BACK_HEAP.split()) <= set(arguments)
    assert any(a.startswith("-Dlog4j2.configurationFile=") for a in arguments)
    mine = session_settings("local[2]", {"spark.driver.extraJavaOptions": "-XX:MaxHeapFreeRatio=70"})
    options = mine["spark.driver.extraJavaOptions"].split()
    assert options[-1] == "-XX:MaxHeapFreeRatio=70" and "-XX:G1PeriodicGCInterval=5000" in options
    assert session_settings("local[2]")["spark.sql.shuffle.partitions"] == "4"
