"""Risk of illegal fundraising (issue 11): every indicator and every link type on a hand-built case
with hand-checked numbers, hubs, a clean ring member found through the network, and the ranking
figures against counting by hand."""

import datetime as dt
import math
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equitygraph.graph.analysis.risk_eval import ranking_figures
from equitygraph.queries.risk.scores import explain, score_all, warnings
from equitygraph.queries.risk.config import load_config

from risk_case import AS_OF, E1


def intrinsic_of(dimensions: dict) -> float:
    """The intrinsic score from dimension scores, with the default dimension weights."""
    weights = {"equity": 0.20, "compliance": 0.15, "business": 0.25, "public_opinion": 0.20, "complaints": 0.20}
    return sum(weights[d] * v for d, v in dimensions.items())


def recency(days: int) -> float:
    return 0.5 ** (days / 365)


PYRAMID = 2 / 3  # PC is controlled through three layers: (3 - 1) / 3
FAR = 1 - 0.51 ** 3 / 0.2  # PY's cash flow in PC, against a fifth
WORKED = {  # company -> its dimension scores, by hand from risk.toml's defaults
    "NEWS": {"public_opinion": 1 - math.exp(-(1 + recency(365)))},  # the news of 2025-06-01 comes later
    "PEN": {"compliance": 1 - (1 - 0.6 * E1) * (1 - 0.4 * E1)},
    "AB": {"compliance": 0.7 * (1 - math.exp(-recency(61)))},
    "BIZ": {"business": 1 - (1 - 0.8 * 1.0) * (1 - 0.5)},  # 财富管理 and 理财: two words; 财富 in the name
    "GAP": {"compliance": 0.5},  # 1000万 registered, nothing paid in
    "YNG": {"compliance": 0.5},  # seven months old, 1亿 registered
    "CMP": {"complaints": 1 - math.exp(-(2 + recency(365)))},  # one complaint is after the date
    "PC": {"equity": 1 - (1 - 0.5 * PYRAMID) * (1 - 0.4 * FAR)},
    "PB": {"equity": 0.5 * 1 / 3},  # two layers; 0.51² of the cash flow is above a fifth
    "NM3": {"equity": 0.6},  # 倪代持 holds ten companies
    "FC": {"equity": 0.5 * 2 / 5},  # holders changed on two days within two years (X1 to X2, X2 to X3)
    "HO": {"equity": 1 - (1 - 0.9) * (1 - 0.5 * 1 / 5), "complaints": 1 - math.exp(-recency(31))},
}


@pytest.mark.parametrize("company", sorted(WORKED))
def test_each_indicator_scores_its_hand_checked_value(scored, company):
    j = scored.arrays.index_of(company)
    expected = {d: 0.0 for d in ("equity", "compliance", "business", "public_opinion", "complaints")}
    expected.update(WORKED[company])
    row = scored.found.row(j)
    assert {d: float(scored.found.dimension[d][row]) for d in expected} == pytest.approx(expected, abs=1e-9)
    assert float(scored.found.intrinsic[j]) == pytest.approx(intrinsic_of(expected), abs=1e-9)
    if company not in ("NM3", "PB", "PC"):  # tied to nothing risky but their own holders
        assert float(scored.network.score[j]) == pytest.approx(0.0, abs=1e-12)
    network = float(scored.network.score[j])
    assert float(scored.combined[j]) == pytest.approx(0.35 * intrinsic_of(expected) + 0.65 * network, abs=1e-9)


def test_indicators_say_what_they_found_in_words(risk_store, scored):
    [biz, cmp, fc, pc] = explain(risk_store, scored, ["BIZ", "CMP", "FC", "PC"])
    assert biz.sentence() == "0.08: 100 % business: name or business scope (理财, 财富管理), a finance-flavoured name"
    assert [p.words for p in cmp.parts] == ["complaints: 3 complaints, the latest weighing most"]
    assert fc.parts[0].words == "equity: holders or legal representative changed on 2 days in 2 years"
    assert [p.words for p in pc.parts if p.kind == "equity"] == [
        "equity: control through 3 layers of companies, a controller far from the cash flow"]


def test_only_facts_dated_on_or_before_as_of_count(risk_store, scored):
    later = score_all(risk_store, load_config(), dt.date(2025, 6, 1))
    j = later.arrays.index_of("NEWS")
    assert float(later.found.dimension["public_opinion"][later.found.row(j)]) == pytest.approx(
        1 - math.exp(-(1 + recency(151) + recency(516))), abs=1e-9)
    before = score_all(risk_store, load_config(), dt.date(2024, 1, 1))
    for company in ("NEWS", "CMP", "PEN", "AB", "HO"):
        assert float(before.found.intrinsic[before.arrays.index_of(company)]) == 0.0
    # Before the case, K1 is no confirmed case, only a risky name (投资管理; 投资): it passes on 0.6 of
    # its intrinsic risk instead of 1.
    k1, t1 = before.arrays.index_of("K1"), before.arrays.index_of("T1")
    assert not before.found.confirmed[k1] and before.tier(k1) == ""
    assert float(before.found.intrinsic[k1]) == pytest.approx(0.25 * (1 - (1 - 0.8 * 0.5) * (1 - 0.5)))
    assert float(before.network.score[t1]) == pytest.approx(1 - math.exp(-0.6 * 0.175 / 6 / 0.25))
    assert before.tier(t1) == ""


def network_by_hand(edges: list[tuple[str, str, float]], seeds: dict[str, float], target: str,
                    companies=("K", "T", "Q"), carry: float = 0.5) -> float:
    """The network score of ``target`` on a small graph, by a dense linear solve: received risk x =
    S(s + x) with S = carry x the row-normalised weights, where a party tied to one company only
    (a leaf) keeps its weight in the row sums but passes nothing, less the target's own echo
    d / (1 - d) of its seed, d its two-step return."""
    nodes = sorted({n for a, b, _ in edges for n in (a, b)})
    at = {n: i for i, n in enumerate(nodes)}
    weights = np.zeros((len(nodes), len(nodes)))
    for a, b, w in edges:
        weights[at[a], at[b]] += w
        weights[at[b], at[a]] += w
    spread = carry * weights / weights.sum(axis=1, keepdims=True)
    leaf = np.array([n not in companies and (weights[at[n]] > 0).sum() == 1 for n in nodes])
    spread[leaf, :] = 0
    spread[:, leaf] = 0
    s = np.array([seeds.get(n, 0.0) for n in nodes])
    received = np.linalg.solve(np.eye(len(nodes)) - spread, spread @ s)
    t = at[target]
    back = spread[t] @ spread[:, t]
    return 1 - math.exp(-(received[t] - back / (1 - back) * s[t]) / carry ** 2)


ADDRESS = 0.3
LINK_CASES = {  # the kind of link -> how T_X is tied to K_X, by hand from risk.toml's link weights
    "control": [("K", "T", 0.8 * 1.0 + 1.0)],  # K holds all of T, and controls it
    "declared": [("K", "T", 0.8)],  # concert parties
    "legal_representative": [("K", "M", 0.7), ("M", "T", 0.7)],
    "officer": [("K", "M", 0.5), ("M", "T", 0.5)],
    "contact": [("K", "C", 0.4), ("C", "T", 0.4)],
    "address": [("K", "D", 0.3), ("D", "T", 0.3)],
    "holding": [("K", "T", 0.8 * 0.3), ("R", "T", 0.8 * 0.7 + 1.0)],  # 30 % against R's controlling 70 %
}
PREFIX = {"control": "CL", "declared": "DC", "legal_representative": "LR", "officer": "OF", "contact": "CT",
          "address": "AD", "holding": "HD"}


@pytest.mark.parametrize("kind", sorted(LINK_CASES))
def test_each_link_type_carries_risk_by_its_weight(scored, kind):
    edges = LINK_CASES[kind] + [("T", "A", ADDRESS), ("A", "Q", ADDRESS)]
    expected = network_by_hand(edges, {"K": 1.0}, "T")
    t = scored.arrays.index_of(f"T_{PREFIX[kind]}")
    assert float(scored.network.score[t]) == pytest.approx(expected, rel=1e-6)
    assert float(scored.combined[t]) == pytest.approx(0.65 * expected, rel=1e-6)


def test_stronger_links_pass_on_more_risk(scored):
    by_kind = {kind: float(scored.network.score[scored.arrays.index_of(f"T_{p}")]) for kind, p in PREFIX.items()}
    ranked = sorted(by_kind, key=by_kind.get, reverse=True)
    assert ranked == ["control", "declared", "legal_representative", "officer", "contact", "address", "holding"]


def test_a_clean_looking_ring_member_surfaces_with_the_path_that_explains_it(risk_store, scored):
    # T1's only tie: 李法人 is legal representative of T1 and of the confirmed case K1. By hand:
    # x_T = x_L / 2, x_L = (1 + x_K) / 4 + x_T / 4, x_K = x_L / 2, so x_T = 1/6.
    t1 = scored.arrays.index_of("T1")
    assert float(scored.found.intrinsic[t1]) == 0.0
    assert float(scored.network.score[t1]) == pytest.approx(1 - math.exp(-(1 / 6) / 0.25))
    assert scored.tier(t1) == "yellow"
    listed = warnings(risk_store, load_config(), top=5, as_of=AS_OF, scores=scored)
    ids = [r["id"] for r in listed.rows]  # the orange, then the yellow ones (T1 and S1 alike), then below yellow
    assert ids[:2] == ["T_CL", "T_DC"] and sorted(ids[2:4]) == ["S1", "T1"]
    assert [r["tier"] for r in listed.rows] == ["orange", "orange", "yellow", "yellow", ""]
    [t1_row] = [r for r in listed.rows if r["id"] == "T1"]
    assert t1_row["why"] == "0.32 yellow: 100 % from confirmed case 鑫源投资管理有限公司 (K1) via 李法人 (L1), " \
                            "legal representative of both"
    assert t1_row["parts"][0]["path"] == ("T1", "L1", "K1")


def test_a_registration_agent_hub_does_not_contaminate_its_tenants(risk_store, scored):
    # 代理路88号 holds 100 tenants, five of them confirmed cases; 小巷9号 holds a case and one neighbour.
    tenants = [scored.arrays.index_of(f"H{k:03d}") for k in range(100) if k % 20]
    neighbour = scored.arrays.index_of("S1")
    assert max(float(scored.combined[j]) for j in tenants) < 0.01
    assert float(scored.combined[neighbour]) == pytest.approx(0.65 * (1 - math.exp(-(1 / 6) / 0.25)))
    # Damping by degree is what keeps it so low: without it, the same tenant receives more.
    config = load_config()
    undamped = type(config)({**config.sections, "contagion": {**config["contagion"], "hub_degree": 10 ** 6}})
    loose = score_all(risk_store, undamped, AS_OF)
    assert float(loose.network.score[tenants[0]]) > 3 * float(scored.network.score[tenants[0]]) > 0
    [why] = explain(risk_store, scored, ["H001"])
    cases = [p for p in why.parts if p.source]
    assert len(cases) == 3 and all(p.words.endswith("the address of both (a hub of 100 links: each carries 20/100 "
                                                    "of a link's weight)") for p in cases)


def test_debtrank_passes_risk_on_once(risk_store):
    # K1 -> 李法人 (1/4), 李法人 -> T1 (1/2 of that); T1's return to 李法人 is not passed on again.
    config = load_config()
    debtrank = type(config)({**config.sections, "contagion": {**config["contagion"], "method": "debtrank"}})
    scores = score_all(risk_store, debtrank, AS_OF)
    t1 = scores.arrays.index_of("T1")
    assert float(scores.network.received_of([t1])[0]) == pytest.approx(0.125)
    assert float(scores.network.score[t1]) == pytest.approx(1 - math.exp(-0.125 / 0.25))


def test_the_walk_keeps_received_risk_and_seeds_of_the_walked_entities_only(risk_store):
    """Every entity's received risk is the walk's for a walked entity and 0 for a leaf (a party tied to
    one company only), whose network score is 0 too; the seeds are the walked entities' own."""
    from equitygraph.graph.analysis.risk import listing_seeds

    config = load_config()
    scores = score_all(risk_store, config, AS_OF)
    network, n, c = scores.network, scores.arrays.n, config["contagion"]
    walked = network.walked
    leaves = np.setdiff1d(np.arange(n), walked)
    assert len(leaves) and len(network.received) == len(network.seeds) == len(walked) < n
    every = network.received_of(np.arange(n))
    assert np.array_equal(every[walked], network.received) and not every[leaves].any()
    assert every[walked].any() and not network.score[leaves].any() and network.score[walked].any()
    seeds = scores.found.intrinsic * c["seed_intrinsic"]  # the seeds of every entity, as docs/risk.md defines them
    seeds[scores.found.confirmed] = c["seed_confirmed"]
    seeds = np.maximum(seeds, listing_seeds(scores.arrays, c, AS_OF))
    assert np.array_equal(network.seeds, seeds[walked]) and (network.seeds == c["seed_confirmed"]).any()


def test_received_of_an_empty_walk_is_zero():
    from equitygraph.graph.analysis.risk import Network

    empty = np.zeros(0, dtype=np.int64)
    network = Network(np.zeros(3), np.zeros(0), np.zeros(0), None, empty, "pagerank")
    assert network.received_of([0, 2]).tolist() == [0.0, 0.0]


@settings(max_examples=25, deadline=None)
@given(carry=st.floats(0.05, 0.95), weights=st.lists(st.floats(0.0, 1.0), min_size=7, max_size=7),
       method=st.sampled_from(["pagerank", "debtrank"]), seed=st.floats(0.0, 1.0))
def test_scores_stay_between_0_and_1_whatever_the_weights(risk_store, carry, weights, method, seed):
    config = load_config()
    links = dict(zip(config["links"], weights))
    sections = {**config.sections, "links": links,
                "contagion": {**config["contagion"], "carry": carry, "method": method, "seed_intrinsic": seed}}
    scores = score_all(risk_store, type(config)(sections), AS_OF)
    for values in (scores.found.intrinsic, scores.network.score, scores.combined):
        assert np.all(values >= 0) and np.all(values <= 1)
    assert np.all(scores.combined[scores.found.confirmed] == 1.0)


def brute_force_roc(score, positive) -> float:
    pairs = [(a, b) for a, pa in zip(score, positive) if pa for b, pb in zip(score, positive) if not pb]
    return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in pairs) / len(pairs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=2, max_size=40), st.integers(1, 45))
def test_ranking_figures_agree_with_counting_by_hand(rows, k):
    score = np.array([s / 6 for s, _ in rows])
    positive = np.array([p for _, p in rows])
    figures = ranking_figures(score, positive, np.ones(len(rows), dtype=bool), k)
    top = np.argsort(-score, kind="stable")[:k]
    assert figures.precision_at_k == positive[top].sum() / min(k, len(rows))
    if 0 < positive.sum() < len(rows):
        assert figures.roc_auc == pytest.approx(brute_force_roc(score, positive))
        assert figures.recall_at_k == positive[top].sum() / positive.sum()
        assert 0 < figures.pr_auc <= 1
    else:
        assert math.isnan(figures.roc_auc)


def test_company_facts_land_on_their_rows_in_whatever_order_a_store_lists_them(risk_store):
    """facts_of walks the store's companies beside the arrays' (both in id order); a store listing them
    otherwise still puts each company's facts on its own row."""
    from equitygraph.queries.risk.facts import facts_of

    arrays = risk_store.export_arrays()

    class Reversed:
        def company_facts(self):
            return reversed(list(risk_store.company_facts()))

    def by_row(texts):
        ends = [*texts.starts[1:].tolist(), len(texts.joined)]
        return {r: texts.joined[a:b] for r, a, b in zip(texts.rows.tolist(), texts.starts.tolist(), ends)}

    walked, looked_up = facts_of(risk_store, arrays), facts_of(Reversed(), arrays)
    for name in ("registered", "paid_in", "founded"):
        assert np.array_equal(getattr(walked, name), getattr(looked_up, name), equal_nan=True)
    assert by_row(walked.names) == by_row(looked_up.names) and by_row(walked.scopes) == by_row(looked_up.scopes)
    biz = int(np.flatnonzero(arrays.kinds == 0).tolist().index(arrays.index_of("BIZ")))
    assert "财富" in by_row(walked.names)[biz] and np.isfinite(walked.registered).sum() >= 2


def facts_row_by_row(rows, arrays):
    """The oracle: each listed company's facts put on its row one at a time, by looking its id up."""
    from equitygraph.graph.analysis.risk import Facts, Texts
    from equitygraph.graph.arrays import OPEN_START, day_number

    def texts(rows_and_texts) -> Texts:  # each lower-cased alone, a newline after each
        low = [(r, (text or "").lower()) for r, text in rows_and_texts]
        starts = np.cumsum([0] + [len(text) + 1 for _r, text in low])[:-1]
        return Texts("".join(f"{text}\n" for _r, text in low), starts.astype(np.int64),
                     np.array([r for r, _text in low], dtype=np.int64))

    companies = np.flatnonzero(arrays.kinds == 0)
    m = len(companies)
    registered, paid, founded = np.full(m, np.nan), np.full(m, np.nan), np.full(m, OPEN_START, dtype=np.int64)
    names, scopes = [], []
    for entity_id, name, scope, reg, paid_in, day in rows:
        if entity_id not in set(arrays.ids) or arrays.kinds[arrays.index_of(entity_id)] != 0:
            continue
        r = int(np.searchsorted(companies, arrays.index_of(entity_id)))
        names.append((r, name))
        scopes.append((r, scope))
        registered[r] = np.nan if reg is None else reg
        paid[r] = np.nan if paid_in is None else paid_in
        founded[r] = day_number(day, OPEN_START)
    return Facts(texts(names), texts(scopes), registered, paid, founded)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_company_facts_read_a_chunk_at_a_time_are_those_put_row_by_row(risk_store, data):
    """In chunks of any size, in id order or shuffled, with gaps, missing values, names that lengthen
    when lower-cased (İ), and a company the arrays do not hold (left out, not put on another's row)."""
    from equitygraph.queries.risk import facts

    arrays = risk_store.export_arrays()
    listed = list(risk_store.company_facts())
    assert len(listed) == int((arrays.kinds == 0).sum()) > 5
    rows = data.draw(st.lists(st.sampled_from(listed), unique_by=lambda row: row[0]))
    blank = data.draw(st.sets(st.integers(0, max(0, len(rows) - 1))))
    rows = [(row[0], "İSTANBUL 财富" if k in blank else row[1], None if k in blank else row[2],
             None if k in blank else row[3], row[4], None if k in blank else row[5]) for k, row in enumerate(rows)]
    if data.draw(st.booleans()):
        rows.insert(data.draw(st.integers(0, len(rows))), ("ZZ-NOT-IN-ARRAYS", "幽灵", "", 1e9, 1e9, dt.date(2020, 1, 1)))
    if data.draw(st.booleans()):
        rows = data.draw(st.permutations(rows))

    class Listing:
        def company_facts(self):
            return iter(rows)

    with patch.object(facts, "CHUNK", data.draw(st.integers(1, 7))):
        got = facts.facts_of(Listing(), arrays)
    expected = facts_row_by_row(rows, arrays)
    for name in ("registered", "paid_in", "founded"):
        assert np.array_equal(getattr(got, name), getattr(expected, name), equal_nan=True), name
    for name in ("names", "scopes"):
        a, b = getattr(got, name), getattr(expected, name)
        assert a.joined == b.joined and a.starts.tolist() == b.starts.tolist() and a.rows.tolist() == b.rows.tolist()


def test_company_facts_listed_in_id_order_are_placed_without_looking_ids_up(risk_store):
    from equitygraph.queries.risk import facts

    arrays = risk_store.export_arrays()
    with patch.object(facts, "CHUNK", 3), patch.object(arrays, "index_of", lambda i: pytest.fail(f"{i} looked up")):
        got = facts.facts_of(risk_store, arrays)
    assert int(np.isfinite(got.registered).sum()) >= 2 and len(got.names.rows) == int((arrays.kinds == 0).sum())


def test_a_company_listed_after_every_company_of_the_arrays_is_left_out(risk_store):
    """The store lists one company more than the arrays hold, after all of them (a write between the
    two reads): its row has no company of the arrays to compare with, and it lands on no row."""
    from equitygraph.queries.risk import facts

    arrays = risk_store.export_arrays()
    rows = [*risk_store.company_facts(), ("ZZZ-LATER", "后来的公司", None, 1e9, None, dt.date(2026, 1, 1))]

    class Listing:
        def company_facts(self):
            return iter(rows)

    got, expected = facts.facts_of(Listing(), arrays), facts_row_by_row(rows, arrays)
    assert np.array_equal(got.registered, expected.registered, equal_nan=True)
    assert got.names.joined == expected.names.joined and 1e9 not in got.registered
