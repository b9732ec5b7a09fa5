"""After analyze, the warning list is a read (issue 31): the same rows, ranks, scores and reasons as
the list computed from every score, without computing them; computed again wherever the analysis
cannot answer (another date, another configuration, records loaded since, rows beyond the reasons
it wrote)."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import analysed_case, copy_store
from equitygraph.graph.model import Entity, EntityKind
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries import i18n
from equitygraph.queries.risk import scores as risk_scores
from equitygraph.queries.risk import stored
from equitygraph.queries.risk.config import load_config


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    return analysed_case(tmp_path_factory.mktemp("stored") / "case.db", companies=400, seed=11)


def computed(store, config, **kw):
    return risk_scores.warnings(store, config, scores=risk_scores.score_all(store, config), **kw)


@pytest.mark.parametrize("kw", [{"top": 60}, {"top": 7, "offset": 13}, {"top": 20, "tier": "yellow"},
                                {"top": 20, "tier": "red"}, {"top": 10, "industry": "投资"}, {"top": 10, "region": "深圳"}])
def test_the_list_read_is_the_list_computed(analysed, monkeypatch, kw):
    config = load_config()
    with SQLiteStore(analysed, readonly=True) as store:
        assert stored.is_current(store, config)
        expected = computed(store, config, **kw).to_dict()
        monkeypatch.setattr(risk_scores, "score_all", lambda *a, **k: pytest.fail("scores computed again"))
        monkeypatch.setattr(risk_scores, "remembered_scores", lambda *a, **k: pytest.fail("scores computed again"))
        read = risk_scores.warnings(store, config, **kw).to_dict()
    assert read == expected and (read["warnings"] or kw.get("tier") == "red")  # no red warning in this case


def test_in_chinese_too(analysed, monkeypatch):
    config = load_config()
    with SQLiteStore(analysed, readonly=True) as store, i18n.language("zh"):
        expected = computed(store, config, top=15).render("table")
        monkeypatch.setattr(risk_scores, "score_all", lambda *a, **k: pytest.fail("scores computed again"))
        assert risk_scores.warnings(store, config, top=15).render("table") == expected


def test_computed_where_the_analysis_cannot_answer(analysed, tmp_path):
    config = load_config()
    copy = tmp_path / "copy.db"
    copy_store(analysed, copy)
    other = load_config()
    other.sections["tiers"]["yellow"] = 0.2
    with SQLiteStore(copy) as store:
        assert stored.is_current(store, config) and not stored.is_current(store, other)
        with store.writer() as w:
            w.add(Entity("C-new", EntityKind.COMPANY, "新公司"))
        assert not stored.is_current(store, config)  # records loaded since: the ranks may have moved
        assert risk_scores.warnings(store, config, top=5).to_dict() == computed(store, config, top=5).to_dict()


def test_rows_beyond_the_written_reasons_are_computed(analysed, monkeypatch):
    config = load_config()
    monkeypatch.setattr(stored, "explanations", lambda store, ids: None)  # as if no reasons were written for them
    with SQLiteStore(analysed, readonly=True) as store:
        assert risk_scores.warnings(store, config, top=5).to_dict() == computed(store, config, top=5).to_dict()


def read_as_computed(monkeypatch, module, computing: str, ask):
    """The answers of ``ask()`` read (``module.computing`` forbidden), after checking them equal, as
    tables and as data, to the answers computed (the analysis made to look stale)."""
    with monkeypatch.context() as patched:
        patched.setattr(module, computing, lambda *a, **k: pytest.fail(f"{computing} called: computed again"))
        read = ask()
    with monkeypatch.context() as patched:
        patched.setattr(stored, "is_current", lambda *a, **k: False)
        computed = ask()
    assert {n: r.render("table") for n, r in read.items()} == {n: r.render("table") for n, r in computed.items()}
    assert {n: r.to_dict() for n, r in read.items()} == {n: r.to_dict() for n, r in computed.items()}
    return read


def test_a_group_after_analyze_is_read_and_is_the_group_computed(analysed, monkeypatch):
    from equitygraph.queries.relations import groups

    with SQLiteStore(analysed, readonly=True) as store:
        written = store.read_results("group")
        keys = sorted(set(written.values()), key=lambda k: (-list(written.values()).count(k), k))[:6]
        names = [next(c for c, k in sorted(written.items()) if k == key) for key in keys]  # a member of each
        names += [groups.split_key(key)[0] for key in keys]  # and each group's controller
        read = read_as_computed(monkeypatch, groups, "whole_graph", lambda: {n: groups.group_of(store, n) for n in names})
    assert all(r.groups[0].members for r in read.values())


@settings(max_examples=200)
@given(st.lists(st.text(alphabet="ab|\\", max_size=4), min_size=1, max_size=3))
def test_a_natural_key_splits_back_into_its_parts(parts):
    from equitygraph.graph.model import natural_key, split_key

    assert split_key(natural_key(*parts)) == parts


def test_a_cluster_after_analyze_is_read_and_is_the_cluster_computed(analysed, monkeypatch):
    from equitygraph.queries.relations import groups

    with SQLiteStore(analysed, readonly=True) as store:
        written = store.read_results("cluster")
        sizes = store.read_results("cluster_size")
        picked = sorted(written, key=lambda m: (-sizes[m], m))[:1] + sorted(written)[::max(1, len(written) // 5)]
        read = read_as_computed(monkeypatch, groups, "find_cluster",
                                lambda: {n: groups.cluster_of(store, n) for n in picked})
    assert max(len(r.members) for r in read.values()) > 10


@pytest.mark.parametrize("top", [1, 5, 40])
def test_the_largest_clusters_after_analyze_are_read(analysed, monkeypatch, top):
    from equitygraph.queries.relations import groups

    with SQLiteStore(analysed, readonly=True) as store:
        read = read_as_computed(monkeypatch, groups, "_clusters", lambda: {top: groups.largest_clusters(store, top)})
    assert len(read[top].rows) == top


def test_the_largest_clusters_are_read_from_their_ranks(analysed, monkeypatch):
    """``cluster_rank`` at each cluster's first member is its place among the clusters the analysis
    found (1 the largest, ties by that id): the largest clusters are a read of as many rows, not a
    count of every member's cluster."""
    from equitygraph.graph.analysis.clusters import clusters
    from equitygraph.queries.relations import groups

    with SQLiteStore(analysed, readonly=True) as store:
        arrays = store.export_arrays()
        table = clusters(arrays)
        firsts = [arrays.ids[m] for m in table.first_members()]
        assert store.ids_in_order_of("cluster_rank") == firsts  # every cluster, in the computed order
        assert stored.cluster_count(store) == len(table) == len(store.read_results("cluster_rank"))
        # at first members only (written beside every member's own results), each cluster's place and links
        assert store.read_results("cluster_rank") == {first: k + 1 for k, first in enumerate(firsts)}
        assert store.read_results("cluster_links") == {first: table.links_of(k) for k, first in enumerate(firsts)}
        assert len(store.read_results("cluster_size")) > len(firsts)
        monkeypatch.setattr(SQLiteStore, "commonest_results", lambda *a: pytest.fail("members counted"))
        rows = groups.largest_clusters(store, 12).rows
    assert [r["cluster"] for r in rows] == ["K:" + f for f in firsts[:12]]
    assert [r["size"] for r in rows] == table.size[:12].tolist()


def test_the_largest_clusters_of_an_analysis_before_the_ranks_are_counted(analysed, tmp_path, monkeypatch):
    import json

    from equitygraph.queries.relations import groups
    from equitygraph.queries.relations.standing import ANALYSIS_META

    copy = tmp_path / "older.db"
    copy_store(analysed, copy)
    with SQLiteStore(copy) as store:
        ranked = groups.largest_clusters(store, 9).to_dict()
        meta = json.loads(store.get_meta(ANALYSIS_META))
        del meta["cluster_count"]  # as an analysis before cluster_rank wrote it
        store.set_meta(ANALYSIS_META, json.dumps(meta))
        assert stored.cluster_count(store) is None and stored.is_current(store)
        monkeypatch.setattr(SQLiteStore, "ids_in_order_of", lambda *a: pytest.fail("ranks read"))
        assert groups.largest_clusters(store, 9).to_dict() == ranked


@pytest.mark.parametrize("top", [1, 6, 50])
def test_the_largest_groups_after_analyze_are_read(analysed, monkeypatch, top):
    from equitygraph.queries.relations import groups

    with SQLiteStore(analysed, readonly=True) as store:
        read = read_as_computed(monkeypatch, groups, "whole_graph", lambda: {top: groups.largest_groups(store, top)})
        sizes = sorted(Counter(store.read_results("group").values()).values(), reverse=True)
    assert [len(g.members) for g in read[top].groups] == sizes[:top]
    assert len(read[top].groups) == min(top, len(sizes)) and len(read[top].groups) >= min(top, 6)
