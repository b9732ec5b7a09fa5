"""Every threshold of the control rules, the beneficial-owner line and the associate line, on both
sides of its boundary (issue 27: a mutation moving a threshold by a hair must fail a test).
Registers complete (100 % on record), so only the threshold decides; each expectation worked by hand
from docs/control.md."""

import pytest

from equitygraph.graph.analysis.control_rules import RULES, VERDICTS, control_table
from equitygraph.graph.arrays import arrays_from_records
from equitygraph.graph.model import Entity, EntityKind, Holding, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.control.report import control_report
from equitygraph.queries.relations.related import related_parties

HAIR = 1e-4  # well above the rules' tolerance (1e-9), well below any real stake


def decide(*stakes):
    """The verdict, rule and controller of company C held by P0, P1, ... with ``stakes``."""
    entities = [Entity("C", EntityKind.COMPANY, "C")] + [Entity(f"P{i}", EntityKind.PERSON, f"P{i}")
                                                           for i in range(len(stakes))]
    holdings = [Holding(f"P{i}", "C", Share.exact(s)) for i, s in enumerate(stakes)]
    arrays = arrays_from_records(entities, holdings)
    table = control_table(arrays)
    j = arrays.index_of("C")
    rule = RULES[table.rule[j]] if table.rule[j] >= 0 else None
    return VERDICTS[table.final[j]], rule, table.actual_controller(j)


@pytest.mark.parametrize("stakes, expected", [
    # majority (50 %): at the line it controls; a hair below, the next rules decide
    ((0.5, 0.3, 0.2), ("single", "majority", ("P0",))),
    ((0.5 - HAIR, 0.3, 0.2 + HAIR), ("single", "relative", ("P0",))),
    ((0.5, 0.5), ("joint", "majority", ("P0", "P1"))),
    ((0.5 - HAIR, 0.5 + HAIR), ("single", "majority", ("P1",))),
    # relative (more than 30 %, certainly the largest): 30 % exactly is not more than 30 %
    ((0.3 + HAIR, 0.25, 0.25, 0.2 - HAIR), ("single", "relative", ("P0",))),
    ((0.3, 0.25, 0.25, 0.2), ("none", None, ())),
    # largest (at least 20 %, ahead of everyone by at least 10 points)
    ((0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1), ("single", "largest", ("P0",))),
    ((0.2 - HAIR,) + (0.1,) * 8 + (HAIR,), ("none", None, ())),
    ((0.25, 0.15, 0.15, 0.15, 0.15, 0.15), ("single", "largest", ("P0",))),
    ((0.25, 0.15 + HAIR, 0.15, 0.15, 0.15, 0.15 - HAIR), ("none", None, ())),
])
def test_each_control_threshold_on_both_sides_of_its_line(stakes, expected):
    assert sum(stakes) == pytest.approx(1.0)
    assert decide(*stakes) == expected


def test_a_disclosure_threshold_of_5_percent_is_the_most_a_missing_holder_has(tmp_path):
    """45 % on record, the rest below the 5 % disclosure line: nobody missing can rival 45 %; with
    the line at 50 % somebody could hold the missing 55 % (the relative rule needs the holder ahead
    of anyone missing)."""
    def verdict(threshold):
        entities = [Entity("C", EntityKind.COMPANY, "C", disclosure_threshold=threshold), Entity("P", EntityKind.PERSON, "P")]
        arrays = arrays_from_records(entities, [Holding("P", "C", Share.exact(0.45))])
        return VERDICTS[control_table(arrays).final[arrays.index_of("C")]]
    assert verdict(0.05) == "single"
    assert verdict(0.5) == "uncertain"


@pytest.mark.parametrize("stake, owner", [(0.25, True), (0.25 - HAIR, False)])
def test_the_beneficial_owner_line_is_25_percent_inclusive(tmp_path, stake, owner):
    with SQLiteStore(tmp_path / "b.db") as store:
        with store.writer() as w:
            w.add_many([Entity("C", EntityKind.COMPANY, "C"), Entity("P", EntityKind.PERSON, "P"),
                        Entity("Q", EntityKind.PERSON, "Q"), Holding("P", "C", Share.exact(stake)),
                        Holding("Q", "C", Share.exact(1 - stake))])
        owners = {o.person for o in control_report(store, "C").beneficial.owners}
    assert ("P" in owners) is owner


@pytest.mark.parametrize("stake, relation", [(0.2, "associate"), (0.2 - HAIR, "none")])
def test_the_associate_line_is_20_percent_inclusive(tmp_path, stake, relation):
    with SQLiteStore(tmp_path / "a.db") as store:
        with store.writer() as w:
            w.add_many([Entity("C", EntityKind.COMPANY, "C"), Entity("D", EntityKind.COMPANY, "D"),
                        Entity("X", EntityKind.PERSON, "X"), Entity("Y", EntityKind.PERSON, "Y"),
                        Holding("X", "C", Share.exact(1.0)), Holding("C", "D", Share.exact(stake)),
                        Holding("Y", "D", Share.exact(1 - stake))])
        found = {(p.entity_id, p.relation) for p in related_parties(store, "C").legal}
    assert (("D", "associate") in found) is (relation == "associate")


def test_a_cycle_whose_shares_multiply_to_nearly_one_is_summed_exactly():
    """X and Y hold 99.9 % of each other, P 0.1 % of X: the series round the cycle needs thousands of
    terms (0.998^500 = 37 % left after the 500 summed): the rest is solved exactly, and P's integrated
    ownership is the closed form A (I - A)^-1."""
    import numpy as np
    import scipy.sparse as sp

    from equitygraph.graph.analysis.ownership import integrated

    dense = np.zeros((3, 3))
    dense[0, 1], dense[1, 2], dense[2, 1] = 0.001, 0.999, 0.999  # P -> X, X -> Y, Y -> X
    exact = dense @ np.linalg.inv(np.eye(3) - dense)
    found = integrated(sp.csr_matrix(dense)).toarray()
    assert found == pytest.approx(exact, abs=1e-9)
    assert found[0, 1] == pytest.approx(0.001 / (1 - 0.999 ** 2), rel=1e-9)  # 0.001 / (1 - 0.999 ** 2) = 0.50025


@pytest.mark.parametrize("gap, event_after, found", [(30, 180, True), (31, 180, False), (30, 181, False), (0, 0, True)])
def test_a_handover_is_30_days_at_most_and_180_days_at_most_before_the_event(gap, event_after, found):
    """A stake given up and another taken ``gap`` days apart, a complaint ``event_after`` days after
    the taking: a handover before an event only inside both windows (both inclusive)."""
    import datetime as dt

    from equitygraph.graph.analysis.timeline import handoffs
    from equitygraph.graph.model import EventType, RiskEvent

    ended = dt.date(2024, 3, 1)
    taken = ended + dt.timedelta(days=gap)
    result = handoffs([Holding("boss", "C", Share.exact(1.0), until=ended),
                       Holding("nominee", "C", Share.exact(1.0), since=taken)],
                      [RiskEvent("C", EventType.COMPLAINT, taken + dt.timedelta(days=event_after))])
    assert bool(result) is found


def test_chains_are_simple_paths_even_round_a_cross_holding():
    """P holds 60 % of A; A and B hold 50 % and 30 % of each other: the only chain into B is P -> A -> B
    (round the cycle again would be P -> A -> B -> A -> B, counting the same stakes twice)."""
    from equitygraph.graph.analysis.chains import Edge, control_chains

    edges = [Edge("P", "A", 0.6, 0.6), Edge("A", "B", 0.5, 0.5), Edge("B", "A", 0.3, 0.3)]
    chains, cut = control_chains(edges, "B")
    assert [[h.holder for h in c.hops] for c in chains] == [["P", "A"]] and not cut
    assert chains[0].cash_flow == pytest.approx((0.3, 0.3)) and chains[0].control == pytest.approx((0.5, 0.5))


@pytest.mark.parametrize("share, expected", [(0.01, 0.05), (0.05, 0.05), (0.3, 0.3)])
def test_a_small_stake_carries_risk_as_a_5_percent_one(share, expected):
    """A holding link's weight is the holding weight times its share, a small stake counted as 5 %:
    a 1 % holder is still tied to the company."""
    from equitygraph.graph.analysis.risk import link_list
    from equitygraph.queries.risk.config import load_config

    entities = [Entity("C", EntityKind.COMPANY, "C"), Entity("P", EntityKind.PERSON, "P"),
                Entity("Q", EntityKind.PERSON, "Q")]
    arrays = arrays_from_records(entities, [Holding("P", "C", Share.exact(share)), Holding("Q", "C", Share.exact(1 - share))])
    config = load_config()
    src, dst, weight = link_list(arrays, control_table(arrays), config)
    p, c = arrays.index_of("P"), arrays.index_of("C")
    holding = [w for s, d, w in zip(src, dst, weight) if (s, d) == (p, c)]
    assert holding == [pytest.approx(config["links"]["holding"] * expected)]


@pytest.mark.parametrize("holders, left_out", [(3, None), (4, 1)])
def test_a_hub_is_collapsed_only_past_its_limit(tmp_path, holders, left_out):
    """max_degree 3: a company with three holders is drawn whole; with four, three are drawn and the
    one with the smallest stake is left out (counted)."""
    with SQLiteStore(tmp_path / "h.db") as store:
        with store.writer() as w:
            w.add(Entity("C", EntityKind.COMPANY, "C"))
            for i in range(holders):
                w.add(Entity(f"P{i}", EntityKind.PERSON, f"P{i}"))
                w.add(Holding(f"P{i}", "C", Share.exact(0.1 * (i + 1))))
        sub = store.neighbourhood("C", depth=1, max_degree=3)
    assert sub.collapsed.get("C") == left_out
    assert {f"P{i}" for i in range(holders)} - set(sub.entities) == ({"P0"} if left_out else set())
