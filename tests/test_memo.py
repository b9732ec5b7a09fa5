"""Whole-graph answers kept within a process (the explorer asks many questions of one store): the same
store, generation, decisions and parameters give the kept answer; a write or a decision computes anew."""

from equitygraph.graph.model import Entity, EntityKind, Holding, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries import memo
from equitygraph.queries.relations.groups import group_of
from equitygraph.queries.relations.standing import whole_graph


def test_kept_answers_follow_the_store(tmp_path, monkeypatch):
    from equitygraph.queries.relations import standing

    memo.forget()
    decided = []
    real = standing.control_table
    monkeypatch.setattr(standing, "control_table", lambda *a, **k: decided.append(1) or real(*a, **k))
    with SQLiteStore(tmp_path / "m.db") as store:
        with store.writer() as w:
            w.add_many([Entity("P", EntityKind.PERSON, "王伟"), Entity("A", EntityKind.COMPANY, "甲公司"),
                        Entity("B", EntityKind.COMPANY, "乙公司"), Entity("C", EntityKind.COMPANY, "丙公司"),
                        Holding("P", "A", Share.exact(0.6)), Holding("P", "B", Share.exact(0.6))])
        assert whole_graph(store) is whole_graph(store) and len(decided) == 1
        assert sorted(m["id"] for m in group_of(store, "A").to_dict()["groups"][0]["members"]) == ["A", "B"]
        assert len(decided) == 1  # the group asked the kept answer
        whole_graph(store, as_of=__import__("datetime").date(2020, 1, 1))
        assert len(decided) == 2  # another date, another answer
        with store.writer() as w:  # a write: a new generation, the answer computed again and right
            w.add(Holding("P", "C", Share.exact(0.9)))
        assert sorted(m["id"] for m in group_of(store, "A").to_dict()["groups"][0]["members"]) == ["A", "B", "C"]
        assert len(decided) == 3
        whole_graph(store)
        assert len(decided) == 3
        with store.writer() as w:  # Q, holding D, is then found to be P: a decision, not a write of records
            w.add_many([Entity("Q", EntityKind.PERSON, "王伟"), Entity("D", EntityKind.COMPANY, "丁公司"),
                        Holding("Q", "D", Share.exact(0.7))])
        whole_graph(store)
        assert len(decided) == 4
        store.decide_identity("P", "Q", True)
        assert "D" in [m["id"] for m in group_of(store, "A").to_dict()["groups"][0]["members"]]
        assert len(decided) == 5
    memo.forget()


def test_identity_decisions_are_those_among_the_entities_of_the_arrays(tmp_path):
    """The arrays of one company's region hold some of the parties decided on: a decision is kept, by
    index, only where both its parties are in them (a region's control reads them without an error)."""
    from equitygraph.graph.arrays import arrays_from_records
    from equitygraph.queries.control.answer import identity_decisions

    with SQLiteStore(tmp_path / "decided.db") as store:
        with store.writer() as w:
            for i in "abcd":
                w.add(Entity(i, EntityKind.PERSON, f"王{i}"))
        store.decide_identity("a", "b", True)
        store.decide_identity("a", "d", False)
        assert identity_decisions(store, store.export_arrays()) == [(0, 1, True), (0, 3, False)]
        region = arrays_from_records([Entity(i, EntityKind.PERSON, f"王{i}") for i in "bcd"], [], [])
        assert identity_decisions(store, region) == []
        region = arrays_from_records([Entity(i, EntityKind.PERSON, f"王{i}") for i in "ad"], [], [])
        assert identity_decisions(store, region) == [(0, 1, False)]
