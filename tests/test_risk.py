"""Risk of illegal fundraising (issue 11): every indicator and every link type on a hand-built case
with hand-checked numbers, hubs, a clean ring member found through the network, --as-of, the
configuration's errors, and the evaluation on the generator's planted rings."""

import datetime as dt
import json
import math
import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import dump, write_case
from equitygraph.graph.analysis.risk_eval import ranking_figures
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.csv_folder import load_folder
from equitygraph.queries.cli import cli
from equitygraph.queries.risk.scores import explain, score_all, warnings
from equitygraph.queries.risk.config import load_config

AS_OF = dt.date(2025, 1, 1)
CASE_DAY = "2024-06-01"

# Indicators, one company each (scored as of 2025-01-01). Link types: for each kind X, a confirmed
# case K_X and a clean company T_X tied by X alone; T_X shares an address with a clean Q_X, so that
# the kind's weight counts against another tie. LR1 is a ring member that looks clean: its only tie
# is a legal representative shared with the case K1. A registration agent's address holds 100 tenants,
# five of them confirmed cases; S1 shares a small address with the case S0.
CLEAN = "100万,100万,2015-03-01,日用百货销售"
ENTITIES = "id,kind,name,registered_capital,paid_in_capital,founded,business_scope,address,phone\n" + f"""\
NEWS,company,明远贸易有限公司,{CLEAN},,
PEN,company,宏达建材有限公司,{CLEAN},,
BIZ,company,鑫盛财富管理有限公司,1000万,1000万,2015-03-01,理财产品销售,,
GAP,company,恒通物流有限公司,1000万,0,2010-05-01,货物运输,,
YNG,company,星辰科技有限公司,1亿,1亿,2024-06-01,软件开发,,
CMP,company,安居家政服务有限公司,{CLEAN},,
K1,company,鑫源投资管理有限公司,,,,,,
L1,person,李法人,,,,,,
T1,company,明辉五金有限公司,{CLEAN},,
K_LR,company,案一公司,,,,,,
M_LR,person,吕代表,,,,,,
T_LR,company,乙一商行,{CLEAN},甲路1号,
Q_LR,company,丙一商行,{CLEAN},甲路1号,
K_OF,company,案二公司,,,,,,
M_OF,person,欧董事,,,,,,
T_OF,company,乙二商行,{CLEAN},甲路2号,
Q_OF,company,丙二商行,{CLEAN},甲路2号,
K_CT,company,案三公司,,,,,,0755-0000001
T_CT,company,乙三商行,{CLEAN},甲路3号,0755-0000001
Q_CT,company,丙三商行,{CLEAN},甲路3号,
K_AD,company,案四公司,,,,,丁路4号,
T_AD,company,乙四商行,{CLEAN},甲路4号|丁路4号,
Q_AD,company,丙四商行,{CLEAN},甲路4号,
K_DC,company,案五公司,,,,,,
T_DC,company,乙五商行,{CLEAN},甲路5号,
Q_DC,company,丙五商行,{CLEAN},甲路5号,
K_CL,company,案六公司,,,,,,
T_CL,company,乙六商行,{CLEAN},甲路6号,
Q_CL,company,丙六商行,{CLEAN},甲路6号,
K_HD,company,案七公司,,,,,,
R_HD,person,贺大股东,,,,,,
T_HD,company,乙七商行,{CLEAN},甲路7号,
Q_HD,company,丙七商行,{CLEAN},甲路7号,
PY,person,潘层层,,,,,,
PA,company,一层商行,{CLEAN},,
PB,company,二层商行,{CLEAN},,
PC,company,三层商行,{CLEAN},,
NM,person,倪代持,,,,,,
FC,company,频变商行,{CLEAN},,
X1,person,许一,,,,,,
X2,person,许二,,,,,,
X3,person,许三,,,,,,
HO,company,转手商行,{CLEAN},,
Y1,person,余接手,,,,,,
AB,company,异常商行,{CLEAN},,
S0,company,小案公司,,,,,小巷9号,
S1,company,小巷邻居商行,{CLEAN},小巷9号,
""" + "".join(f"H{k:03d},company,代理户{k:03d}商行,{CLEAN},代理路88号,\n" for k in range(100)) \
    + "".join(f"HP{k:03d},person,代理户主{k:03d},,,,,,\n" for k in range(100)) \
    + "".join(f"NM{k},company,代持{k}号商行,{CLEAN},,\n" for k in range(10))
HOLDINGS = """holder_id,company_id,share,since,until
K_CL,T_CL,100,,
K_HD,T_HD,30,,
R_HD,T_HD,70,,
PY,PA,51,,
PA,PB,51,,
PB,PC,51,,
X1,FC,100,2015-03-01,2024-03-01
X2,FC,100,2024-03-01,2024-09-01
X3,FC,100,2024-09-01,
Y1,HO,100,2024-10-01,
""" + "".join(f"HP{k:03d},H{k:03d},100,,\n" for k in range(100)) + "".join(f"NM,NM{k},100,,\n" for k in range(10))
OFFICERS = "person_id,company_id,role\nL1,K1,legal_representative\nL1,T1,legal_representative\n" \
    "M_LR,K_LR,legal_representative\nM_LR,T_LR,legal_representative\nM_OF,K_OF,director\nM_OF,T_OF,director\n"
RELATIONS = "a_id,b_id,type\nK_DC,T_DC,concert_party\n"
CASES = ["K1", "K_LR", "K_OF", "K_CT", "K_AD", "K_DC", "K_CL", "K_HD", "S0", "H000", "H020", "H040", "H060", "H080"]
EVENTS = "entity_id,type,date,text\n" + "".join(f"{c},confirmed_case,{CASE_DAY},非法吸收公众存款案\n" for c in CASES) + """\
NEWS,negative_news,2025-01-01,新闻一
NEWS,negative_news,2024-01-02,新闻二
NEWS,negative_news,2025-06-01,新闻三
PEN,penalty,2025-01-01,罚款
PEN,court_case,2025-01-01,合同纠纷
CMP,complaint,2025-01-01,投诉一
CMP,complaint,2025-01-01,投诉二
CMP,complaint,2024-01-02,投诉三
CMP,complaint,2025-03-01,投诉四
HO,complaint,2024-12-01,投诉五
AB,abnormal_operation,2024-11-01,经营异常
"""


@pytest.fixture(scope="module")
def risk_case(tmp_path_factory):
    folder = write_case(tmp_path_factory.mktemp("risk") / "case", entities=ENTITIES, holdings=HOLDINGS,
                        officers=OFFICERS, relations=RELATIONS, events=EVENTS)
    db = folder.parent / "risk.db"
    with SQLiteStore(db) as s:
        load_folder(s, folder)
    return folder, db


@pytest.fixture(scope="module")
def risk_store(risk_case):
    with SQLiteStore(risk_case[1]) as s:
        yield s


@pytest.fixture(scope="module")
def scored(risk_store):
    return score_all(risk_store, load_config(), AS_OF)


def intrinsic_of(dimensions: dict) -> float:
    """The intrinsic score from dimension scores, with the default dimension weights."""
    weights = {"equity": 0.20, "compliance": 0.15, "business": 0.25, "public_opinion": 0.20, "complaints": 0.20}
    return sum(weights[d] * v for d, v in dimensions.items())


def recency(days: int) -> float:
    return 0.5 ** (days / 365)


E1 = 1 - math.exp(-1)  # one event on the as-of date
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
    ids = [r["id"] for r in listed.rows]  # the orange, then the yellow ones (T1 and S1 alike), then none
    assert ids[:2] == ["T_CL", "T_DC"] and sorted(ids[2:]) == ["S1", "T1"]
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
    assert float(scores.network.received[t1]) == pytest.approx(0.125)
    assert float(scores.network.score[t1]) == pytest.approx(1 - math.exp(-0.125 / 0.25))


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


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_risk_of_one_company_on_the_command_line(risk_case):
    result = run("risk", "明辉五金有限公司", "--as-of", AS_OF, "--db", risk_case[1], "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["id"], report["tier"], report["confirmed_case"]) == ("T1", "yellow", False)
    assert report["score"] == pytest.approx(0.65 * (1 - math.exp(-(1 / 6) / 0.25)))
    assert report["parts"][0]["path"] == ["T1", "L1", "K1"]
    # Before the case was confirmed, the same company is no warning.
    earlier = json.loads(run("risk", "T1", "--as-of", "2024-05-31", "--db", risk_case[1], "--format", "json").output)
    assert earlier["tier"] == "" and earlier["score"] < 0.25
    table = run("risk", "T1", "--as-of", AS_OF, "--db", risk_case[1]).output
    assert "0.32 yellow: 100 % from confirmed case 鑫源投资管理有限公司 (K1) via 李法人 (L1), legal representative of both" in table


def test_the_warning_list_filters_by_tier_and_leaves_out_confirmed_cases(risk_case):
    listed = json.loads(run("risk", "--top", 10, "--as-of", AS_OF, "--db", risk_case[1], "--format", "json").output)
    assert [w["id"] for w in listed["warnings"]][:2] == ["T_CL", "T_DC"]
    assert not set(CASES) & {w["id"] for w in listed["warnings"]}
    orange = json.loads(run("risk", "--tier", "orange", "--as-of", AS_OF, "--db", risk_case[1], "--format", "json").output)
    assert [w["id"] for w in orange["warnings"]] == ["T_CL", "T_DC"]
    red = json.loads(run("risk", "--tier", "red", "--as-of", AS_OF, "--db", risk_case[1], "--format", "json").output)
    assert red["warnings"] == []
    csv_rows = run("risk", "--as-of", AS_OF, "--db", risk_case[1], "--format", "csv").output.splitlines()
    assert csv_rows[0] == "rank,id,name,score,tier,intrinsic,network,why" and len(csv_rows) == 5


def test_usage_errors_say_what_goes_with_what(risk_case):
    result = run("risk", "T1", "--tier", "red", "--db", risk_case[1])
    assert result.exit_code == 2
    assert "NAME scores one company; --tier, --region, --industry and --cluster filter the list" in result.output
    result = run("evaluate", "--out", "x.toml", "--db", risk_case[1])
    assert result.exit_code == 2 and "--out goes with --fit" in result.output
    result = run("evaluate", "--past", "--fit", "--db", risk_case[1])
    assert result.exit_code == 2 and "--past and --fit exclude each other" in result.output


BAD_CONFIGS = {
    "[links]\nfax = 0.3\n": "mine.toml: [links] fax: unknown key (known: control, holding, legal_representative, "
                            "officer, declared, contact, address)",
    "[links]\ncontrol = -1\n": "mine.toml: [links] control: -1 is negative; weights and thresholds are 0 or more",
    "[tiers]\nred = 1.5\n": "mine.toml: [tiers] red: 1.5 is above 1",
    "[tiers]\nred = 0.3\n": "mine.toml: [tiers] must fall from red to orange to yellow, got 0.3, 0.4, 0.25",
    "[contagion]\nmethod = \"heat\"\n": "mine.toml: [contagion] method: 'heat' is not pagerank or debtrank",
    "[weights]\nx = 1\n": "mine.toml: unknown section [weights] (known: tiers, combine, dimensions, equity, "
                          "compliance, business, public_opinion, complaints, recency, words, links, contagion)",
    "[links\n": "mine.toml: not TOML: Expected ']' at the end of a table declaration (at line 1, column 7)",
}


@pytest.mark.parametrize("text", sorted(BAD_CONFIGS))
def test_a_bad_configuration_is_one_line_exit_1_and_nothing_written(tmp_path, risk_case, text):
    db = tmp_path / "copy.db"
    db.write_bytes(risk_case[1].read_bytes())
    (tmp_path / "mine.toml").write_text(text, encoding="utf-8")
    before = dump(db)
    for command in (["analyze", "--risk-config"], ["risk", "--config"], ["evaluate", "--config"]):
        result = run(*command, tmp_path / "mine.toml", "--db", db)
        assert result.exit_code == 1
        assert result.output == f"Error: {BAD_CONFIGS[text]}\n"
    assert dump(db) == before


def test_a_configuration_of_your_own_changes_only_what_it_says(tmp_path, risk_case):
    (tmp_path / "mine.toml").write_text("[tiers]\nyellow = 0.35\n", encoding="utf-8")
    listed = json.loads(run("risk", "--config", tmp_path / "mine.toml", "--as-of", AS_OF, "--db", risk_case[1],
                            "--format", "json").output)
    assert [w["id"] for w in listed["warnings"]] == ["T_CL", "T_DC"]  # T1 and S1 (0.32) fall under yellow
    (tmp_path / "mine.toml").write_text("[links]\nlegal_representative = 0\n", encoding="utf-8")
    report = json.loads(run("risk", "T1", "--config", tmp_path / "mine.toml", "--as-of", AS_OF, "--db", risk_case[1],
                            "--format", "json").output)
    assert report["score"] == 0.0 and report["parts"] == []


@pytest.fixture(scope="module")
def analyzed(risk_case, tmp_path_factory):
    db = tmp_path_factory.mktemp("analyzed") / "risk.db"
    db.write_bytes(risk_case[1].read_bytes())
    result = run("analyze", "--as-of", AS_OF, "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    return db, result.output


def test_analyze_writes_scores_tiers_and_reasons_back(analyzed):
    db, output = analyzed
    assert json.loads(output)["risk_tiers"] == {"red": 0, "orange": 2, "yellow": 2, "confirmed": len(CASES)}
    with SQLiteStore(db, readonly=True) as s:
        assert s.results_of("risk_tier", ["T1", "K1", "NEWS", "T_CL"]) == {"T1": "yellow", "K1": "confirmed",
                                                                          "T_CL": "orange"}
        assert s.results_of("risk_score", ["T1"])["T1"] == pytest.approx(0.3163, abs=1e-4)
        assert s.results_of("risk_score", ["NEWS"])["NEWS"] == pytest.approx(0.35 * 0.2 * (1 - math.exp(-1.5)), abs=1e-4)
        assert s.results_of("risk_reason", ["T1", "K1"]) == {
            "T1": "0.32 yellow: 100 % from confirmed case 鑫源投资管理有限公司 (K1) via 李法人 (L1), legal representative of both",
            "K1": "a confirmed case on record"}
    report = run("company", "T1", "--db", db).output
    assert "Risk of illegal fundraising" in report and "yellow" in report and "via 李法人 (L1)" in report


def test_the_warning_list_filters_by_region_industry_and_cluster(analyzed):
    db = analyzed[0]

    def ids(*options):
        result = run("risk", "--as-of", AS_OF, "--db", db, "--format", "json", *options)
        assert result.exit_code == 0, result.output
        return [w["id"] for w in json.loads(result.output)["warnings"]]

    assert ids("--region", "小巷") == ["S1"]  # by its address
    assert ids("--industry", "百货") == ["T_CL", "T_DC", "S1", "T1"]
    assert ids("--industry", "软件") == []
    with SQLiteStore(db, readonly=True) as s:
        cluster = s.results_of("cluster", ["T1"])["T1"]
    assert ids("--cluster", cluster) == ["T1"]


def test_graph_pages_colour_companies_by_tier(analyzed, tmp_path):
    from equitygraph.queries.pages.graph_page import TIER_COLORS

    page = tmp_path / "t1.html"
    result = run("viz", "T1", "--db", analyzed[0], "--output", page)
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    nodes = {n["id"]: n for n in json.loads(re.search(r"new vis\.DataSet\((\[.*?\])\);", html).group(1))}
    assert nodes["T1"]["color"]["background"] == TIER_COLORS["yellow"]
    assert nodes["K1"]["color"]["background"] == TIER_COLORS["confirmed"]
    assert "\nrisk 0.32 yellow: 100 % from confirmed case 鑫源投资管理有限公司 (K1) via 李法人" in nodes["T1"]["title"]


SEEDS = (1, 3, 4)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Three generated cases of 8,000 companies: their rings have confirmed cases, clean-looking
    members confirmed later, and decoys that look risky alone (loaders/synthetic.py)."""
    from equitygraph.loaders.synthetic import generate_case

    stores = []
    for seed in SEEDS:
        folder = tmp_path_factory.mktemp(f"planted{seed}") / "case"
        generate_case(folder, companies=8000, seed=seed)
        store = SQLiteStore(folder.parent / "case.db")
        load_folder(store, folder)
        stores.append(store)
    yield stores
    for store in stores:
        store.close()


def test_hidden_ring_members_rank_above_ordinary_companies_and_the_network_adds_lift(planted):
    from equitygraph.queries.risk.evaluate import evaluate_hidden

    runs = [evaluate_hidden(s, load_config(), fraction=0.5, seeds=3, k=20) for s in planted]
    mean = {scoring: {figure: np.mean([r.mean(scoring, figure) for r in runs])
                      for figure in ("roc_auc", "pr_auc", "precision_at_k")} for scoring in ("intrinsic", "network", "combined")}
    base_rate = np.mean([r.mean("combined", "base_rate") for r in runs])
    # Measured 0.37 precision@20 against a base rate of 0.0015; the floor leaves room for other seeds.
    assert mean["combined"]["precision_at_k"] >= 0.25 > 100 * base_rate
    assert mean["combined"]["roc_auc"] >= 0.95
    assert mean["combined"]["pr_auc"] >= mean["intrinsic"]["pr_auc"] + 0.2
    assert mean["combined"]["precision_at_k"] >= 2 * mean["intrinsic"]["precision_at_k"]
    for run_ in runs:  # the lift holds on every seed, not only on average
        assert run_.lift()["pr_auc"] > 0 and run_.lift()["roc_auc"] > 0


def test_scored_as_of_a_past_date_the_later_cases_rank_high(planted):
    from equitygraph.queries.risk.evaluate import evaluate_past

    runs = [evaluate_past(s, load_config(), k=20) for s in planted]
    for run_ in runs:
        assert run_.mean("combined", "roc_auc") > run_.mean("intrinsic", "roc_auc") + 0.1
    assert np.mean([r.mean("combined", "pr_auc") for r in runs]) >= 3 * np.mean([r.mean("intrinsic", "pr_auc") for r in runs])
    assert np.mean([r.mean("combined", "precision_at_k") for r in runs]) >= 0.2


def test_evaluate_fit_writes_a_risk_toml_that_loads_and_scores(planted, tmp_path):
    out = tmp_path / "fitted.toml"
    result = run("evaluate", "--fit", "--out", out, "--db", planted[0].path, "--format", "json")
    assert result.exit_code == 0, result.output
    fitted = json.loads(result.output)
    assert [f["scoring"] for f in fitted["figures"]] == ["hand-set weights", "fitted weights (TOML)", "fitted model"]
    assert fitted["coefficients"]["network"] > 0
    config = load_config(out)
    assert config["combine"]["network"] > 0 and sum(config["dimensions"].values()) == pytest.approx(1, abs=1e-3)
    listed = run("risk", "--config", out, "--db", planted[0].path, "--format", "json")
    assert listed.exit_code == 0 and json.loads(listed.output)["warnings"]


def test_the_case_report_carries_the_tier_and_the_reason(analyzed, tmp_path):
    import html as html_lib

    page = tmp_path / "t1-report.html"
    result = run("report", "T1", "--db", analyzed[0], "--output", page)
    assert result.exit_code == 0, result.output
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
    assert "Risk of illegal fundraising" in text and "· risk 0.32 yellow" in text  # the subtitle too
    assert "0.32 yellow: 100 % from confirmed case 鑫源投资管理有限公司 (K1) via 李法人 (L1), legal representative of both" \
        in text


def test_words_are_found_whatever_the_case_and_never_across_two_texts():
    from equitygraph.graph.analysis.risk import Texts

    builder = Texts.collect()
    for row, text in enumerate(["İstanbul Wealth Management Ltd", "深圳理", "财富有限公司", "P2P 网贷平台", "peer to PEER"]):
        builder.add(row, text)
    texts = builder.build()
    assert texts.holding("wealth management").tolist() == [0]  # İ lengthens when lower-cased: no shift
    assert texts.holding("理财").tolist() == []  # 理 ends one text, 财 begins the next
    assert texts.holding("p2p").tolist() == [3] and texts.holding("peer to peer").tolist() == [4]


def test_a_store_without_links_scores_on_intrinsic_risk_alone(tmp_path):
    folder = write_case(tmp_path / "alone", entities="id,kind,name\nA,company,理财有限公司\nB,company,五金商行\n",
                        holdings="holder_id,company_id,share\n", events="entity_id,type,date\nA,complaint,2025-01-01\n")
    with SQLiteStore(tmp_path / "alone.db") as s:
        load_folder(s, folder)
        scores = score_all(s, load_config(), AS_OF)
        a = scores.arrays.index_of("A")
        assert float(scores.network.score.max()) == 0.0
        assert float(scores.found.intrinsic[a]) == pytest.approx(0.25 * (1 - (1 - 0.8 * 0.5) * (1 - 0.5)) + 0.2 * E1)
        assert [w["id"] for w in warnings(s, load_config(), as_of=AS_OF, scores=scores).rows] == []
