"""The penetration tree's layout (issue 29): a company reached by several paths is drawn once at its
deepest level, so that every tie points one way; levels beyond the third fold into one node a side,
all but the control path, and unfold on a double-click."""

import time

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import serving
from equitygraph.graph.model import Entity, EntityKind, Holding, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries import explore
from test_explorer import open_page, wait_ready


def walk_levels(center, ties):
    """The sides and first levels a breadth-first walk gives (as the tree's walk does): holders above,
    investments below."""
    levels = {center: 0}
    for sign in (-1, 1):
        frontier, depth = [center], 0
        while frontier:
            depth += 1
            found = []
            for holder, company in ties:
                here, there = (company, holder) if sign < 0 else (holder, company)
                if here in frontier and there not in levels:
                    levels[there] = sign * depth
                    found.append(there)
            frontier = found
    return levels


def up_graph(levels, ties):
    """Company -> holder over the parties above (and the centre)."""
    g = nx.DiGraph()
    g.add_edges_from((c, h) for h, c in ties if levels.get(h, 1) < 0 and levels.get(c, 1) <= 0)
    return g


def laid_out(ties):
    """The walk's levels, the levels drawn, and the graph of the ties above the centre N0."""
    levels = walk_levels("N0", ties)
    return levels, explore.deepest_levels("N0", levels, [Holding(h, c) for h, c in ties]), up_graph(levels, ties)


dags = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=18).map(
    lambda pairs: sorted({(f"N{max(a, b)}", f"N{min(a, b)}") for a, b in pairs if a != b}))  # holders have higher numbers


@settings(max_examples=200)
@given(dags)
def test_without_cycles_each_holder_sits_at_its_longest_path_above_the_company(ties):
    levels, placed, g = laid_out(ties)
    for party, level in placed.items():
        if level < 0:  # the oracle: the longest of every simple path from the centre, counted
            longest = max(len(p) - 1 for p in nx.all_simple_paths(g, "N0", party))
            assert level == -longest, party
    for holder, company in ties:
        if holder in placed and company in placed and placed[holder] < 0:
            assert placed[holder] < placed[company]  # every tie points down to what is held
    assert set(placed) == set(levels) and all((placed[p] < 0) == (levels[p] < 0) for p in placed)


cyclic = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=16).map(
    lambda pairs: sorted({(f"N{a}", f"N{b}") for a, b in pairs if a != b}))


@settings(max_examples=200)
@given(cyclic)
def test_with_cycles_only_a_tie_inside_a_cycle_may_point_back(ties):
    levels, placed, g = laid_out(ties)
    component = {n: i for i, c in enumerate(nx.strongly_connected_components(g)) for n in c}
    for company, holder in g.edges:
        if component[company] != component[holder] and holder != "N0":
            assert placed[holder] < placed[company], (holder, company)
    assert all(-len(levels) <= placed[p] <= len(levels) for p in placed)
    assert all((placed[p] < 0) == (levels[p] < 0) and (placed[p] > 0) == (levels[p] > 0) for p in placed)


def several_paths_case(path):
    """X held 10 % by A directly and 60 % by B, which A holds 70 % of; X invests in Y and Z, and Y in Z."""
    with SQLiteStore(path) as store:
        with store.writer() as w:
            w.add_many([Entity(i, EntityKind.COMPANY, name) for i, name in
                        (("X", "目标公司"), ("B", "中间公司"), ("Y", "子公司"), ("Z", "孙公司"))])
            w.add(Entity("A", EntityKind.PERSON, "顶层人"))
            w.add_many([Holding("A", "X", Share.exact(0.1)), Holding("B", "X", Share.exact(0.6)),
                        Holding("A", "B", Share.exact(0.7)), Holding("X", "Y", Share.exact(0.9)),
                        Holding("X", "Z", Share.exact(0.3)), Holding("Y", "Z", Share.exact(0.7))])
    return path


def test_the_tree_draws_a_party_of_several_paths_once_below_all_of_them(tmp_path):
    with SQLiteStore(several_paths_case(tmp_path / "t.db")) as store:
        tree = explore.tree(store, "X", up=2, down=2)
    levels = {n["id"]: n["level"] for n in tree["nodes"]}
    assert levels == {"X": 0, "B": -1, "A": -2, "Y": 1, "Z": 2}  # the walk met A and Z first at ±1
    for e in tree["edges"]:
        assert levels[e["from"]] < levels[e["to"]], e  # every holding drawn downwards
    assert len(tree["edges"]) == 6 and tree["controllers"] == ["A"]


def deep_case(path):
    """C0 controlled from six levels up: C1..C5 each 80 % by the next, 梁建辉 80 % of C5; each Ck also held
    20 % by a small holder Sk. The small holders of C3, C4 and C5 sit on levels 4 to 6."""
    with SQLiteStore(path) as store:
        with store.writer() as w:
            w.add_many([Entity(f"C{k}", EntityKind.COMPANY, f"第{k}层公司") for k in range(6)])
            w.add_many([Entity(f"S{k}", EntityKind.PERSON, f"小股东{k}") for k in range(6)])
            w.add(Entity("P", EntityKind.PERSON, "梁建辉"))
            for k in range(6):
                w.add(Holding(f"C{k + 1}" if k < 5 else "P", f"C{k}", Share.exact(0.8)))
                w.add(Holding(f"S{k}", f"C{k}", Share.exact(0.2)))
    return path


def drawn_ids(page):
    return set(page.evaluate("window.equitygraph.nodes.getIds()"))


def test_deep_levels_fold_into_one_node_and_unfold_on_a_double_click(tmp_path, page, shots):
    with serving(deep_case(tmp_path / "d.db")) as served:
        open_page(page, served, "C0")
        before = page.get_attribute("body", "data-ready")
        page.click("#mode-tree")
        wait_ready(page, before)
        shown = drawn_ids(page)
        chain = {f"n:C{k}" for k in range(6)} | {"n:P"}
        assert chain | {"n:S0", "n:S1", "n:S2", "fold:up"} == shown  # the answer stays, S3-S5 folded
        fold = page.evaluate("window.equitygraph.nodes.get('fold:up')")
        assert fold["label"] == "+3 on levels 4–6: double-click to unfold" and fold["level"] == -4
        assert page.evaluate("window.equitygraph.nodes.get('n:P').label").startswith("★ actual controller")
        page.screenshot(path=str(shots / "tree-folded.png"))
        box = page.locator("#graph canvas").bounding_box()
        spot = page.evaluate("""() => { const n = window.equitygraph.network;
            return n.canvasToDOM(n.getPositions(['fold:up'])['fold:up']); }""")
        page.mouse.dblclick(box["x"] + spot["x"], box["y"] + spot["y"])
        deadline = time.monotonic() + 10
        while page.get_attribute("body", "data-expanded") != "fold:up" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert drawn_ids(page) == chain | {f"n:S{k}" for k in range(6)}
        levels = page.evaluate("Object.fromEntries(window.equitygraph.nodes.get().map(n => [n.id, n.level]))")
        assert [levels[f"n:S{k}"] for k in range(6)] == [-1, -2, -3, -4, -5, -6]
        edges = page.evaluate("window.equitygraph.edges.get().map(e => [e.from, e.to])")
        assert len(edges) == 12 and all(levels[a] < levels[b] for a, b in edges)
        page.screenshot(path=str(shots / "tree-unfolded.png"))
    assert page.problems == []


def test_a_shallow_tree_has_nothing_to_fold(tmp_path, page):
    with serving(several_paths_case(tmp_path / "t.db")) as served:
        open_page(page, served, "X")
        before = page.get_attribute("body", "data-ready")
        page.click("#mode-tree")
        wait_ready(page, before)
        assert not any(i.startswith("fold:") for i in drawn_ids(page))
    assert page.problems == []
