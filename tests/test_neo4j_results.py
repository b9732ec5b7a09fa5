"""The Neo4j store's write-back of an analysis (graph/stores/neo4j_results.py): batches from two
sessions, every property of a family set over the last analysis, what nothing was written over cleared,
and the passes over the nodes asked only where a node may hold a result."""

import pytest

from equitygraph.graph.errors import StoreError


def test_an_analysis_of_many_batches_is_written_whole_from_two_sessions_and_a_failed_batch_fails_it(
        neo4j_store, monkeypatch):
    """The write-back sends batches from two sessions at once, a family of result sets at a time: every
    batch of every family lands (batches of 3 rows here: seven a family, more than are ever in flight),
    and a batch the server refuses fails the write-back with the store's one-line error."""
    from equitygraph.graph.model import Entity, EntityKind
    from equitygraph.graph.stores import neo4j_results
    from equitygraph.graph.stores.result_columns import ResultColumn

    ids = [f"C{k:02d}" for k in range(20)]
    with neo4j_store.writer() as w:
        w.add_many([Entity(i, EntityKind.COMPANY, f"公司{i}") for i in ids])
    monkeypatch.setattr(neo4j_results, "ROWS", 3)
    groups = [f"g{k % 4}" if k % 5 else None for k in range(20)]
    paths = [[k, "甲"] for k in range(20)]
    tiers = {i: "red" for i in ids[::3]}
    mixed = [None if k % 7 == 0 else ({"k": k} if k % 2 else [k, k + 1]) for k in range(20)]  # JSON, native, none
    neo4j_store.write_analysis({"group": ResultColumn(ids, groups), "path": ResultColumn(ids, paths), "tier": tiers,
                                "mixed": ResultColumn(ids, mixed)})
    assert neo4j_store.read_results("group") == {i: g for i, g in zip(ids, groups) if g}
    assert neo4j_store.read_results("path") == dict(zip(ids, paths))
    assert neo4j_store.read_results("mixed") == {i: m for i, m in zip(ids, mixed) if m is not None}
    assert neo4j_store.results_for("C01") == {"group": "g1", "path": [1, "甲"], "mixed": {"k": 1}}
    assert neo4j_store.read_results("tier") == tiers

    sent = []
    run = neo4j_store._run

    def refusing(query, **params):
        if "ids" in params:
            sent.append(params["ids"])
            if params["ids"][0] in refused:
                raise StoreError("Neo4j at test: refused")
        return run(query, **params)

    monkeypatch.setattr(neo4j_store, "_run", refusing)
    for refused in ({"C03"}, {"C18"}):  # a batch that is waited for while others are sent, and the last
        sent.clear()
        with pytest.raises(StoreError, match="refused"):
            neo4j_store.write_analysis({"group": ResultColumn(ids, ["h"] * 20)})
        assert len(sent) >= 2


def test_a_reanalysis_leaves_nothing_of_the_last_where_a_batch_sends_no_value(neo4j_store, monkeypatch):
    """Every batch sets every property of its names, null where its entities have no value: a result
    held by few entities moves with the next analysis, one held by none then is gone, and the values
    `changes` compares are kept."""
    from equitygraph.graph.model import Entity, EntityKind
    from equitygraph.graph.stores import neo4j_results
    from equitygraph.graph.stores.result_columns import ResultColumn

    ids = [f"S{k:02d}" for k in range(40)]
    with neo4j_store.writer() as w:
        w.add_many([Entity(i, EntityKind.COMPANY, f"公司{i}") for i in ids])
    monkeypatch.setattr(neo4j_results, "ROWS", 8)  # five batches: most hold no partner
    for rare in ({1, 17, 30}, {2, 17}, set()):
        partner = [f"P{k}" if k in rare else None for k in range(40)]
        links = [{"holds": k} if k in rare else None for k in range(40)]  # JSON
        neo4j_store.write_analysis({"controller": ResultColumn(ids, [f"X{k}" for k in range(40)]),
                                    "partner": ResultColumn(ids, partner), "links": ResultColumn(ids, links),
                                    "group": ResultColumn(ids, [f"g{k % 3}" for k in range(40)])},
                                   previous=("group",))
        assert neo4j_store.read_results("partner") == {ids[k]: f"P{k}" for k in rare}
        assert neo4j_store.read_results("links") == {ids[k]: {"holds": k} for k in rare}
        assert neo4j_store.read_results("controller") == {i: f"X{k}" for k, i in enumerate(ids)}
    assert neo4j_store.results_for(ids[17]) == {"controller": "X17", "group": "g2", "previous_group": "g2"}



def test_a_reanalysis_clears_what_it_does_not_write_over(neo4j_store):
    """The last analysis's values go where nothing is written over them: an entity that leaves a family
    (a cluster's member no more), one whose results are all empty now, a name this analysis does not
    write; a value that turns from JSON to native or back leaves nothing of its other form. What the
    store then holds is what writing the analysis into an empty database holds."""
    from equitygraph.graph.model import Entity, EntityKind
    from equitygraph.graph.stores.result_columns import ResultColumn

    ids = [f"R{k}" for k in range(6)]
    with neo4j_store.writer() as w:
        w.add_many([Entity(i, EntityKind.COMPANY, f"公司{i}") for i in ids])
    first = {"cluster": ResultColumn(ids[:4], ["K1", "K1", "K2", "K2"]),
             "links": ResultColumn(ids[:4], [{"a": 1}, [1, 2], None, {"b": 2}]),
             "verdict": ResultColumn(ids, ["single"] * 6), "tier": {"R5": "red"},
             "shape": ResultColumn(ids[:2], [{"x": 1}, {"x": 2}])}
    neo4j_store.write_analysis(first, previous=("cluster",))
    second = {"cluster": ResultColumn(ids[1:3], ["K9", None]), "links": ResultColumn(ids[1:3], [{"c": 3}, None]),
              "verdict": ResultColumn(ids, ["none"] * 6), "shape": ResultColumn(ids[:2], [[5], [6]])}
    neo4j_store.write_analysis(second, previous=("cluster",))
    held = {r["id"]: r["props"] for r in neo4j_store._run(
        "MATCH (n:Entity) WHERE n.id STARTS WITH 'R' RETURN n.id AS id, "
        "[k IN keys(n) WHERE k STARTS WITH 'result_' | [k, n[k]]] AS props")}
    assert {i: dict(map(tuple, props)) for i, props in held.items()} == {
        "R0": {"result_verdict": "none", "result_previous_cluster": "K1", "result_shape": [5]},
        "R1": {"result_verdict": "none", "result_cluster": "K9", "result_links_json": '{"c": 3}',
               "result_previous_cluster": "K1", "result_shape": [6]},
        "R2": {"result_verdict": "none", "result_previous_cluster": "K2"},
        "R3": {"result_verdict": "none", "result_previous_cluster": "K2"},
        "R4": {"result_verdict": "none"}, "R5": {"result_verdict": "none"}}
    assert neo4j_store.read_results("tier") == {} and neo4j_store.read_results("links") == {"R1": {"c": 3}}


def test_the_write_back_passes_over_the_nodes_only_for_names_some_node_may_hold(neo4j_store, monkeypatch):
    """Clearing the last analysis and copying it for `changes` each pass over every node (some 16 s at
    a million companies even when no node holds a result): a database says which result names it may
    hold, and a new one (emptied here, or just bulk-imported) none."""
    from equitygraph.graph.model import Entity, EntityKind

    with neo4j_store.writer() as w:
        w.add_many([Entity(i, EntityKind.COMPANY, i) for i in "ABC"])
    passes = []
    committing = neo4j_store._run_committing
    monkeypatch.setattr(neo4j_store, "_run_committing", lambda query, **p: passes.append(query) or committing(query, **p))
    neo4j_store.write_analysis({"group": {"A": "g1", "B": "g1"}, "tier": {"C": "red"}}, previous=("group", "tier"))
    assert passes == []  # nothing to clear or copy on a new database
    neo4j_store.write_results("score", {"A": 0.5})  # a set of its own is known too
    neo4j_store.write_analysis({"group": {"C": "g2"}, "score": {"B": 0.25}}, previous=("group",))
    assert len(passes) == 2  # the copy of group, the clear of group, tier and score
    assert neo4j_store.read_results("previous_group") == {"A": "g1", "B": "g1"}
    assert neo4j_store.read_results("tier") == {} and neo4j_store.read_results("score") == {"B": 0.25}
    assert neo4j_store.read_results("group") == {"C": "g2"}
    # A result another program wrote, in a database that does not say what it holds: every name is cleared.
    neo4j_store._run("MATCH (m:EquityGraphMeta {key: 'result_names'}) DELETE m")
    neo4j_store._run("MATCH (n:Entity {id: 'A'}) SET n.result_tier = 'orange'")
    neo4j_store.write_analysis({"tier": {"B": "red"}})
    assert neo4j_store.read_results("tier") == {"B": "red"}
