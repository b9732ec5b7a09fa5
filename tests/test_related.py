"""Related parties, declared ties, person identity, groups, clusters, paths and stakes (issue 10).
Every relation type and rule on one hand-built case, with the legal basis each test names."""

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import dump, write_case
from equitygraph.graph.model import Entity, EntityKind, Holding, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.csv_folder import load_folder
from equitygraph.queries.cli import cli
from equitygraph.queries.relations.related import related_parties

# P controls H (60 %), H controls X (55 %): X is the company asked about. X controls S1 (100 %), S1
# controls S2 (70 %); H also controls F (80 %). X holds 25 % of A. I holds 22 % of X, M 8 %, N 5 %.
# K is X's legal representative, D a director of H; K is director of Z and holds all of W. Q is K's
# spouse and holds all of V. N and M act in concert. U is X's supervisor and Y2's. X shares a phone
# with Y; M holds 10 % of Y3. N is called 王伟, and so are W2 (no other tie: holds Y4) and W3, who
# shares N's phone (holds Y5). Every other stake is held by a passer-by R1, R2, ... of its own.
ENTITIES = """id,kind,name,phone
P,person,潘总,
H,company,恒远控股有限公司,
X,company,星河投资有限公司,010-1111
S1,company,子一有限公司,
S2,company,子二有限公司,
F,company,兄弟公司,
A,company,联营公司,
I,company,投资人公司,
M,person,马大户,
N,person,王伟,13900000001
K,person,柯法人,
D,person,丁董事,
Z,company,柯任董事公司,
W,company,柯全资公司,
Q,person,邱配偶,
V,company,邱全资公司,
U,person,乌监事,
Y,company,同电话公司,010-1111
Y2,company,同监事公司,
Y3,company,马参股公司,
W2,person,王伟,
Y4,company,另一个王伟的公司,
W3,person,王伟,13900000001
Y5,company,同电话王伟的公司,
""" + "".join(f"R{k},person,路人{k},\n" for k in range(1, 13))
HOLDINGS = """holder_id,company_id,share
P,H,60
R1,H,40
H,X,55
I,X,22
M,X,8
N,X,5
R2,X,10
X,S1,100
S1,S2,70
R3,S2,30
H,F,80
R4,F,20
X,A,25
R5,A,75
R6,I,100
K,W,100
Q,V,100
M,Y3,10
R7,Y3,90
W2,Y4,50
R8,Y4,50
W3,Y5,60
R9,Y5,40
R10,Y,100
R11,Y2,100
R12,Z,100
"""
OFFICERS = """person_id,company_id,role
K,X,legal_representative
U,X,supervisor
D,H,director
K,Z,director
U,Y2,supervisor
"""
RELATIONS = """a_id,b_id,type,since
K,Q,配偶,2010-01-01
N,M,一致行动人,2020-01-01
"""


@pytest.fixture
def case_store(tmp_path):
    folder = write_case(tmp_path / "related", entities=ENTITIES, holdings=HOLDINGS, officers=OFFICERS,
                        relations=RELATIONS)
    with SQLiteStore(tmp_path / "related.db") as store:
        load_folder(store, folder)
        yield store


def relations_of(report):
    return {p.entity_id: (p.category, p.relation) for p in report.parties}


def test_every_legal_rule_with_its_basis(case_store):
    r = related_parties(case_store, "X")
    found = relations_of(r)
    expected_legal = {
        "H": "controller",  # IAS 24.9(a)(i); CAS 36 art. 4(1): the parent
        "P": "actual_controller",  # at the top of the chain
        "S1": "subsidiary", "S2": "subsidiary",  # IAS 24.9(b)(i): controlled directly and through S1
        "F": "fellow_subsidiary",  # IAS 24.9(b)(i): same actual controller
        "A": "associate",  # 25 % >= 20 %: IAS 24.9(b)(ii)
        "I": "significant_investor",  # holds 22 % of X: IAS 24.9(a)(ii)
        "M": "major_holder", "N": "major_holder",  # 8 % and 5 %: listing rules 6.3.3
        "K": "key_management", "U": "key_management", "D": "key_management",  # IAS 24.9(a)(iii), also of the parent
        "Z": "managed_by_key_management", "W": "managed_by_key_management",  # IAS 24.9(b)(vi),(vii)
        "Q": "family",  # IAS 24.9(a): close family of key management
        "V": "managed_by_key_management",  # controlled by that close family member
    }
    for party, relation in expected_legal.items():
        assert found.get(party) == ("legal", relation), party
    assert "IAS 24.9(b)(ii)" in next(p.rule for p in r.parties if p.entity_id == "A")
    s2 = next(p for p in r.parties if p.entity_id == "S2")
    assert [(h.src, h.dst, h.what) for h in s2.evidence] == [("X", "S1", "controls"), ("S1", "S2", "controls")]


def test_suspected_links_are_kept_apart_with_strength_and_reason(case_store):
    r = related_parties(case_store, "X")
    found = relations_of(r)
    assert found["Y"] == ("suspected", "shared_contact")
    assert found["Y2"] == ("suspected", "shared_officer")
    assert found["Y3"] == ("suspected", "common_holder")
    assert found["W3"] == ("suspected", "possible_same_person") and found["Y5"] == ("suspected", "possible_same_person")
    y = next(p for p in r.parties if p.entity_id == "Y")
    assert 0 < y.strength < 1 and "010-1111" in y.reason
    w3 = next(p for p in r.parties if p.entity_id == "W3")
    assert "the same phone or e-mail (13900000001)" in w3.reason
    assert [p.category for p in r.parties] == sorted(p.category for p in r.parties)  # legal first, then suspected
    legal_only = related_parties(case_store, "X", legal=False)
    assert {p.category for p in legal_only.parties} == {"suspected"}


def test_a_namesake_alone_is_never_related(case_store):
    """Two different 王伟: W2 shares N's name and nothing else, so neither W2 nor W2's company appears."""
    found = relations_of(related_parties(case_store, "X"))
    assert "W2" not in found and "Y4" not in found


def test_concert_parties_change_the_actual_controller(tmp_path):
    # R holds 45 %, A 30 %, B 25 %: R is the largest and above 30 %, so R controls. Acting in concert,
    # A and B have 55 %, a majority: they control C jointly.
    entities = "id,kind,name\nR,person,任\nA,person,安\nB,person,白\nC,company,长城公司\n"
    holdings = "holder_id,company_id,share\nR,C,45\nA,C,30\nB,C,25\n"
    runner = CliRunner()
    alone = write_case(tmp_path / "alone", entities=entities, holdings=holdings)
    runner.invoke(cli, ["load", str(alone), "--db", str(tmp_path / "c.db")])
    before = runner.invoke(cli, ["control", "C", "--db", str(tmp_path / "c.db"), "--format", "json"]).output
    assert '"verdict": "single"' in before and '"id": "R"' in before
    together = write_case(tmp_path / "together", entities=entities, holdings=holdings,
                          relations="a_id,b_id,type\nA,B,concert_party\n")
    runner.invoke(cli, ["load", str(together), "--db", str(tmp_path / "c.db")])
    from equitygraph.queries.control.report import control_report

    with SQLiteStore(tmp_path / "c.db") as store:
        report = control_report(store, "C")
        assert (report.verdict, report.actual_controllers) == ("joint", ("A", "B"))
        assert report.hops[0].low == pytest.approx(0.55)


def test_nominee_and_control_agreement(tmp_path):
    entities = ("id,kind,name\nN,person,代持人\nB,person,真老板\nO,person,其他\nC,company,甲\nV,company,乙\n"
                "H,company,离岸\nE,person,实控\n")
    holdings = "holder_id,company_id,share\nN,C,60\nO,C,40\nH,V,100\nO,H,100\n"
    folder = write_case(tmp_path / "decl", entities=entities, holdings=holdings,
                        relations="a_id,b_id,type\nN,B,代持\nE,V,协议控制\n")
    from equitygraph.queries.control.report import control_report

    with SQLiteStore(tmp_path / "d.db") as store:
        load_folder(store, folder)
        assert control_report(store, "C").actual_controllers == ("B",)  # the principal behind the nominee
        agreement = control_report(store, "V")
        assert (agreement.actual_controllers, agreement.hops[0].rule) == (("E",), "agreement")


def test_confirmed_and_rejected_matches_survive_a_reload(tmp_path):
    # 王伟 P1 and 王伟 P2 share an address and each hold 30 % of C (the rest dispersed): a possible
    # match only. Confirmed as one person, they hold 60 %: a majority. 王伟 P3 shares the address too,
    # but was rejected: never suggested again.
    entities = ("id,kind,name,address\nP1,person,王伟,北京市建国路1号\nP2,person,王伟,北京市建国路1号\n"
                "P3,person,王伟,北京市建国路1号\nC,company,甲,\nD,company,乙,\n")
    holdings = "holder_id,company_id,share\nP1,C,30\nP2,C,30\n" + "".join(f"Q{i},C,10\n" for i in range(4)) + "P3,D,100\n"
    entities += "".join(f"Q{i},person,路人{i},\n" for i in range(4))
    folder = write_case(tmp_path / "same", entities=entities, holdings=holdings)
    db = tmp_path / "same.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["load", str(folder), "--db", str(db)]).exit_code == 0
    assert '"verdict": "none"' in runner.invoke(cli, ["control", "C", "--db", str(db), "--format", "json"]).output
    assert runner.invoke(cli, ["same", "P1", "P2", "--db", str(db), "--note", "same ID card seen"]).exit_code == 0
    assert runner.invoke(cli, ["not-same", "P1", "P3", "--db", str(db)]).exit_code == 0
    assert runner.invoke(cli, ["load", str(folder), "--db", str(db)]).exit_code == 0  # a reload keeps decisions
    with SQLiteStore(db) as store:
        assert store.identity_decisions() == [("P1", "P2", True), ("P1", "P3", False)]
        from equitygraph.queries.control.report import control_report
        from equitygraph.queries.relations.identity import possible_matches

        report = control_report(store, "C")
        assert report.actual_controllers == ("P1",) and report.hops[0].low == pytest.approx(0.6)
        assert [(m.person, m.other) for m in possible_matches(store, ["P1"])] == []
        assert [(m.person, m.other) for m in possible_matches(store, ["P2"])] == [("P2", "P3")]


@pytest.mark.parametrize("relations, message", [
    ("a_id,b_id,type\nK,NOBODY,配偶\n", "relations.csv:2: b_id: unknown id 'NOBODY' (not in entities.csv nor in the store)"),
    ("a_id,b_id,type\nK,Q,friends\n", "relations.csv:2: type: 'friends' is not one of concert_party, spouse, parent, "
                                      "child, sibling, relative, nominee, control_agreement, accounting_parent, "
                                      "ultimate_parent, indirect_holder, beneficial_owner, fund_manager, umbrella_fund, "
                                      "master_fund, declared_controller"),
    ("a_id,b_id,type\nK,K,配偶\n", "relations.csv:2: b_id: 'K' cannot be related to itself"),
    ("a_id,b_id,type\nK,X,spouse\n", "relations.csv:2: type: spouse is a tie between natural persons"),
])
def test_bad_relations_are_one_line_and_change_nothing(tmp_path, relations, message):
    folder = write_case(tmp_path / "bad", entities=ENTITIES, holdings=HOLDINGS, relations=relations)
    db = tmp_path / "bad.db"
    SQLiteStore(db).close()
    before = dump(db)
    result = CliRunner().invoke(cli, ["load", str(folder), "--db", str(db)])
    assert (result.exit_code, result.output.strip()) == (1, f"Error: {message}")
    assert dump(db) == before


def test_id_numbers_are_kept_as_salted_hashes_and_join_records(tmp_path):
    entities = ("id,kind,name,id_number,birth_date\nP1,person,王伟,11010119800501123X,\n"
                "P2,person,王伟,110101 19800501123x,\nP3,person,王伟,,1980-05-01\nP4,person,王伟,,1980-05-01\n"
                "C,company,甲,,\n")
    holdings = "holder_id,company_id,share\nP1,C,30\nP2,C,25\nP3,C,20\nP4,C,25\n"
    folder = write_case(tmp_path / "ids", entities=entities, holdings=holdings)
    with SQLiteStore(tmp_path / "ids.db") as store:
        load_folder(store, folder)
        p1 = store.get("P1")
        assert p1.id_number is None and len(p1.id_hash) == 32 and p1.id_hash == store.get("P2").id_hash
        assert "11010119800501123X" not in open(tmp_path / "ids.db", "rb").read().decode("latin-1")
        from equitygraph.queries.control.report import control_report

        # P1 and P2 (one ID number) hold 55 %, P3 and P4 (one name, one birth date) 45 %.
        report = control_report(store, "C")
        assert (report.actual_controllers, report.hops[0].rule) == (("P1",), "majority")
        assert report.hops[0].low == pytest.approx(0.55)


def test_groups_and_clusters_recover_the_planted_truth(generated_store, generated_case):
    from equitygraph.graph.analysis.clusters import clusters
    from equitygraph.graph.analysis.control_rules import control_table
    from equitygraph.graph.analysis.groups import enterprise_groups
    from equitygraph.loaders.synthetic import read_ground_truth

    arrays = generated_store.export_arrays()
    groups = enterprise_groups(control_table(arrays), arrays)
    truth = [t for t in read_ground_truth(generated_case) if t["role"] == "company"]
    planted = {}
    for t in truth:
        if t["group_id"]:
            planted.setdefault(t["group_id"], set()).add(t["entity_id"])
    hits = members = found = 0
    for group_id, companies in planted.items():
        controller = next(t["controller_id"] for t in truth if t["group_id"] == group_id)
        ours = groups.controlled_by(tuple(arrays.index_of(c) for c in controller.split("|")))
        mine = {arrays.ids[m] for m in ours.members} if ours else set()
        hits += len(mine & companies)
        members += len(companies)
        found += len(mine)
    # Group membership follows from control: every planted member is found, and nothing else.
    assert hits == members == found
    table = clusters(arrays)
    rings = {}
    for t in truth:
        if t["ring_id"]:
            rings.setdefault(t["ring_id"], set()).add(t["entity_id"])
    recalled = 0
    for ring, companies in rings.items():
        # -1 is "in no cluster": a ring left out of every cluster is not recalled
        labels = [label for c in companies if (label := table.of[arrays.index_of(c)]) >= 0]
        if labels:
            recalled += labels.count(max(set(labels), key=labels.count))
    assert recalled / sum(len(c) for c in rings.values()) >= 0.9


# -- property tests -------------------------------------------------------------------------------
@st.composite
def small_graphs(draw):
    n = draw(st.integers(3, 7))
    edges = []
    for j in range(1, n):
        room = 1.0
        for i in draw(st.lists(st.sampled_from([x for x in range(n) if x != j]), unique=True, max_size=3)):
            share = min(draw(st.sampled_from([0.1, 0.2, 0.3, 0.5, 0.6])), round(room, 6))
            if share > 0:
                edges.append((f"N{i}", f"N{j}", share))
                room -= share
    return n, edges


def build(edges, n):
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share

    store = SQLiteStore(":memory:")
    with store.writer() as w:
        w.add_many([Entity(f"N{i}", EntityKind.PERSON if i == 0 else EntityKind.COMPANY, f"名{i}") for i in range(n)])
        w.add_many([Holding(h, c, Share.exact(s)) for h, c, s in edges])
    return store


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_graphs(), st.integers(1, 4), st.sampled_from([0.0, 0.25]))
def test_every_path_exists_and_keeps_its_constraints(graph, max_hops, min_share):
    from equitygraph.queries.relations.paths import paths_between

    import networkx as nx

    n, edges = graph
    store = build(edges, n)
    shares = {(h, c): s for h, c, s in edges}
    # The oracle: holdings of at least min_share, either way round, within max_hops.
    oracle = nx.Graph([(h, c) for h, c, s in edges if s >= min_share])
    oracle.add_nodes_from(f"N{i}" for i in range(n))
    reach = nx.single_source_shortest_path_length(oracle, "N0", cutoff=max_hops)
    for target in range(1, n):
        report = paths_between(store, "N0", f"N{target}", k=3, max_hops=max_hops, min_share=min_share)
        if f"N{target}" in reach:  # a path exists: the shortest one is found first
            assert report.paths and len(report.paths[0]) == reach[f"N{target}"]
        else:
            assert report.paths == []
        for path in report.paths:
            assert len(path) <= max_hops and path[0].src == "N0" and path[-1].dst == f"N{target}"
            for a, b in zip(path, path[1:]):
                assert a.dst == b.src
            for hop in path:
                holder, company = (hop.dst, hop.src) if hop.reverse else (hop.src, hop.dst)
                assert shares[holder, company] >= min_share
            assert len({h.src for h in path}) == len(path)  # simple


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_graphs())
def test_stake_is_the_exact_integrated_ownership(graph):
    import numpy as np

    from equitygraph.queries.relations.paths import stake

    n, edges = graph
    store = build(edges, n)
    A = np.zeros((n, n))
    for h, c, s in edges:
        A[int(h[1:]), int(c[1:])] += s
    total = A @ np.linalg.inv(np.eye(n) - A)  # every path, cycles included (the series' closed form)
    for target in range(1, n):
        assert stake(store, "N0", f"N{target}").low == pytest.approx(total[0, target], abs=1e-9)


@pytest.mark.parametrize("namesakes, county_counts", [(19, True), (20, False)])
def test_the_county_is_evidence_only_for_a_name_borne_by_at_most_twenty(tmp_path, namesakes, county_counts):
    """张伟 holds a company registered in county 510104; each namesake holds another company of that
    county and nothing else in common. With 20 persons of the name (19 namesakes) the county is
    evidence (0.3: a possible match each); with 21 the name is common and the county alone says nothing."""
    from equitygraph.queries.relations.identity import COMMON_NAME, SAME_COUNTY, possible_matches

    assert COMMON_NAME == 20
    with SQLiteStore(tmp_path / "n.db") as store:
        with store.writer() as w:
            for k in range(namesakes + 1):
                w.add(Entity(f"P{k}", EntityKind.PERSON, "张伟"))
                w.add(Entity(f"C{k}", EntityKind.COMPANY, f"锦江第{k}商贸有限公司", reg_no=f"91510104MA61X0{k:03d}X"))
                w.add(Holding(f"P{k}", f"C{k}", Share.exact(1.0)))
        found = possible_matches(store, ["P0"])
    if county_counts:
        assert sorted(m.other for m in found) == sorted(f"P{k}" for k in range(1, namesakes + 1))
        assert {(m.score, m.reasons) for m in found} == {
            (SAME_COUNTY, ("their companies are registered in the same county (code 510104)",))}
    else:
        assert found == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=120), st.integers(1, 3))
def test_a_component_handed_to_igraph_by_file_gets_the_communities_of_one_handed_over_in_memory(pairs, parts):
    """Above EDGES_BY_FILE edges a component's core reaches igraph through a file of its edges (a
    component of tens of millions of edges would cost gigabytes as Python pairs): the same graph, so
    the same communities, with several components at once and nodes after the last edge's."""
    from unittest import mock

    import numpy as np

    from equitygraph.graph.analysis import communities

    kept = [(a, b) for a, b in pairs if a != b and a % parts == b % parts]  # nodes split among components
    src = np.array([a for a, _ in kept], dtype=np.int64)
    dst = np.array([b for _, b in kept], dtype=np.int64)
    component = src % parts
    in_memory = communities.components_communities(component, src, dst, 1, 0.3)
    with mock.patch.object(communities, "EDGES_BY_FILE", 0):
        by_file = communities.components_communities(component, src, dst, 1, 0.3)
    assert [x.tolist() for x in by_file] == [x.tolist() for x in in_memory]


@settings(max_examples=150, deadline=None)
@given(hashes=st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1, max_size=12),
       decisions=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.booleans()), max_size=6))
def test_one_person_stands_for_the_lowest_record_joined_to_it(hashes, decisions):
    """Records sharing an ID hash (unless a decision keeps two apart) and records decided the same are
    one person, stood for by its lowest-indexed record: each entity's component's least member
    (networkx, the oracle), however long the chains of joins."""
    import networkx as nx

    from equitygraph.graph.analysis.declared import one_person
    from equitygraph.graph.arrays import arrays_from_records

    people = [Entity(f"p{k:02}", EntityKind.PERSON, "王伟", id_hash=h) for k, h in enumerate(hashes)]
    arrays = arrays_from_records(people)
    decisions = [(i, j, same) for i, j, same in decisions if i < arrays.n and j < arrays.n and i != j]
    apart = {(min(i, j), max(i, j)) for i, j, same in decisions if not same}
    joined = nx.Graph()
    joined.add_nodes_from(range(arrays.n))
    by_key: dict[str, list[int]] = {}
    for i, key in arrays.identity.items():
        by_key.setdefault(key, []).append(i)
    for records in by_key.values():
        first = min(records)
        joined.add_edges_from((first, i) for i in records if i != first and (first, i) not in apart)
    joined.add_edges_from((i, j) for i, j, same in decisions if same)
    expected = [min(nx.node_connected_component(joined, i)) for i in range(arrays.n)]
    assert one_person(arrays, decisions).tolist() == expected


def test_one_person_follows_a_long_chain_of_decisions_to_its_lowest_record():
    from equitygraph.graph.analysis.declared import one_person
    from equitygraph.graph.arrays import arrays_from_records

    arrays = arrays_from_records([Entity(f"p{k}", EntityKind.PERSON, "王伟") for k in range(7)])
    chain = [(k, k + 1, True) for k in range(5, -1, -1)]  # each decision joins the one before it to a lower record
    assert one_person(arrays, chain).tolist() == [0] * 7
    assert one_person(arrays, chain[:3]).tolist() == [0, 1, 2, 3, 3, 3, 3]
