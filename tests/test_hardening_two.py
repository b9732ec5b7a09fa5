"""Hostile inputs, round two (issue 28): nothing a data supplier writes can hang a load, forge a
finding or crash with a traceback; each case here failed before its fix."""

import json
import time

import pytest

from equitygraph.graph.errors import InvalidInput
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.formats import load_path

PSC_LINE = {"company_number": "08209948", "data": {
    "kind": "individual-person-with-significant-control", "name": "Mr Marc Anthony Feldman",
    "links": {"self": "/company/08209948/persons-with-significant-control/individual/X1"},
    "natures_of_control": [], "notified_on": "2021-12-13"}}


def psc_file(tmp_path, natures: list[str]):
    line = json.loads(json.dumps(PSC_LINE))
    line["data"]["natures_of_control"] = natures
    path = tmp_path / "psc.jsonl"
    path.write_text(json.dumps(line) + "\n")
    return path


@pytest.mark.parametrize("nature, message", [
    ("1" * 100_000, "'1111111111111111111111111111111111111111'... (100,000 characters) is too long to be a nature "
                    "of control"),
    ("ownership-of-shares-" + "9" * 5_000 + "-to-50-percent", "... (5,034 characters) is too long to be a nature"),
    ("ownership-of-shares-75-to-25-percent", "the band 75-to-25 percent is not from a lower to a higher share of at "
                                             "most 100"),
    ("ownership-of-shares-50-to-500-percent", "the band 50-to-500 percent"),
])
def test_a_hostile_nature_of_control_is_refused_at_once_at_its_line(tmp_path, nature, message):
    """A 100 KB digit string took over 90 s in the old band pattern (quadratic); a reversed band or a
    5,000-digit number crashed."""
    path = psc_file(tmp_path, ["ownership-of-shares-25-to-50-percent", nature])
    started = time.perf_counter()
    with SQLiteStore(tmp_path / "p.db") as store, pytest.raises(InvalidInput) as error:
        load_path(store, path)
    assert time.perf_counter() - started < 2.0
    assert str(error.value).startswith("psc.jsonl:1: data.natures_of_control: ")
    assert message in str(error.value)
    with SQLiteStore(tmp_path / "p.db") as store:
        assert set(store.counts().values()) == {0}  # nothing of the file was kept


def ring_store(k: int, person_share: float | None = 0.30):
    """A ring of ``k`` companies each holding 6 % of every other and of T; a person with
    ``person_share`` of T; B 60 % held by T."""
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share

    store = SQLiteStore(":memory:")
    with store.writer() as w:
        w.add_many([Entity("T", EntityKind.COMPANY, "T"), Entity("B", EntityKind.COMPANY, "B"),
                    Entity("P", EntityKind.PERSON, "P"), Holding("T", "B", Share.exact(0.6))])
        w.add_many([Entity(f"R{i}", EntityKind.COMPANY, f"R{i}") for i in range(k)])
        w.add_many([Holding(f"R{i}", f"R{j}", Share.exact(0.06)) for i in range(k) for j in range(k) if i != j])
        w.add_many([Holding(f"R{i}", "T", Share.exact(0.06)) for i in range(k)])
        if person_share is not None:
            w.add(Holding("P", "T", Share.exact(person_share)))
    return store


@pytest.mark.parametrize("person_share", [0.30, None])
def test_a_dense_ring_above_a_company_cannot_stall_its_report(person_share):
    """k = 11 took over 150 s: every simple path through the ring was tried. The search now follows
    only holders a top stands above and stops at a bound of work; the integrated figures stay exact."""
    from equitygraph.queries.control.report import control_report

    store = ring_store(11, person_share)
    for company in ("T", "B"):
        started = time.perf_counter()
        report = control_report(store, company)
        assert time.perf_counter() - started < 5.0, company
        owned = {i: lo for i, lo, _ in report.owners}
        chains = [[h.holder for h in c.hops] for c in report.chains]
        # B's chain 1 is its control path: T, its controlling parent (60 %)
        along = [["T"]] if company == "B" else []
        if person_share is not None:
            # P holds T alone, outside the ring: 30 % of T, 18 % of B; the ring holds nothing of P
            assert owned == {"P": pytest.approx(0.30 * (1.0 if company == "T" else 0.6))}
            assert chains == along + [["P"] + (["T"] if company == "B" else [])]
        else:
            # nobody above the ring: the search gave up at its bound, and says so
            assert (owned, chains, report.chains_cut) == ({}, along, True)
    store.close()


def test_the_chain_search_stops_at_its_bound_and_says_so():
    from equitygraph.graph.analysis.chains import Edge, control_chains

    edges = [Edge("P", "X", 0.6, 0.6), Edge("X", "Y", 0.5, 0.5), Edge("P", "Y", 0.1, 0.1)]
    assert control_chains(edges, "Y", max_steps=4) == control_chains(edges, "Y")  # Y, X, and P twice
    chains, cut = control_chains(edges, "Y", max_steps=1)
    assert cut and [[h.holder for h in c.hops] for c in chains] == [["P"]]
    with pytest.raises(ValueError, match="max_steps must be at least 1"):
        control_chains(edges, "Y", max_steps=0)
