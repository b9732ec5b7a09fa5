"""The answers of group, cluster, path and stake on the command line, worked by hand (issue 27: these
commands were tested only for their exit code and headings).

boss holds all of H; H holds 60 % of A and 51 % of B; A holds 20 % of B; x holds 40 % of A, 29 % of B
and all of Z."""

import json

import pytest
from click.testing import CliRunner

from equitygraph.graph.model import Entity, EntityKind, Holding, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.cli import cli


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("rel") / "g.db"
    kinds = {"boss": EntityKind.PERSON, "x": EntityKind.PERSON}
    with SQLiteStore(path) as store:
        with store.writer() as w:
            w.add_many([Entity(i, kinds.get(i, EntityKind.COMPANY), i) for i in ("boss", "H", "A", "B", "x", "Z")])
            w.add_many([Holding(h, c, Share.exact(s)) for h, c, s in [
                ("boss", "H", 1.0), ("H", "A", .6), ("x", "A", .4), ("H", "B", .51), ("A", "B", .2), ("x", "B", .29),
                ("x", "Z", 1.0)]])
    assert CliRunner().invoke(cli, ["analyze", "--db", str(path)]).exit_code == 0
    return path


def answer(db, *args):
    result = CliRunner().invoke(cli, [*args, "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_group_is_everything_boss_controls(db):
    (group,) = answer(db, "group", "A")["groups"]
    assert [c["id"] for c in group["controllers"]] == ["boss"]
    assert {m["id"] for m in group["members"]} == {"H", "A", "B"} and group["size"] == 3 and group["depth"] == 2


def test_cluster_holds_everyone_tied_by_ownership(db):
    found = answer(db, "cluster", "A")
    assert {m["id"] for m in found["members"]} == {"boss", "H", "A", "B", "x", "Z"}
    assert found["clusters"][0]["size"] == 6 and found["clusters"][0]["links"] == {"ownership": 7}


def test_path_goes_the_shortest_way_with_each_hop_explained(db):
    first = answer(db, "path", "boss", "B")["paths"][0]
    assert [(h["src"], h["dst"], h["what"], h["detail"]) for h in first] == [("boss", "H", "holds", "100 %"),
                                                                             ("H", "B", "holds", "51 %")]


def test_stake_adds_every_path(db):
    found = answer(db, "stake", "boss", "B")
    assert found["integrated_low"] == found["integrated_high"] == pytest.approx(0.51 + 0.6 * 0.2)
    assert sorted(round(p["cash_flow_low"], 9) for p in found["paths"]) == [0.12, 0.51]
