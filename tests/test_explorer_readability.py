"""The explorer's graph read at a glance (issue 29): the legend says what every mark drawn means, and
only what is drawn (the fill of each kind, the rings for risk events, concealment evidence, the
controller and pins, the shapes for beyond the hop limit and not drawn yet, each kind of line); no
two labels overlap in the first view."""

import datetime as dt

from conftest import add_tall_case, serving
from equitygraph.graph.model import (Entity, EntityKind, EventType, Holding, Officer, Relation, RelationType, RiskEvent,
                                     Share, contact_id)
from equitygraph.graph.stores.sqlite import SQLiteStore
from test_explorer import open_page, wait_ready


def case(path):
    """The tall case, with P9 also C0's supervisor, a declared spouse of P9, and a court case against C0."""
    with SQLiteStore(path) as store:
        with store.writer() as w:
            assert add_tall_case(w) == PHONE
            w.add_many([Officer("P9", "C0", "supervisor"), Relation("P2", "P9", RelationType.SPOUSE),
                        RiskEvent("C0", EventType.COURT_CASE, dt.date(2024, 3, 1), 3, "合同纠纷")])
    return path


PHONE = contact_id("13800000000")


def legend_items(page) -> list[str]:
    return page.eval_on_selector_all("#legend span", "xs => xs.map(x => x.querySelector('i').className + ' ' + x.textContent)")


def test_the_legend_lists_every_mark_drawn_and_nothing_else(tmp_path, page, shots):
    with serving(case(tmp_path / "l.db")) as served:
        open_page(page, served, "C0")
        items = legend_items(page)
        assert items[:5] == ["dot company", "dot natural person", "dot other organization", "dot address",
                             "dot phone / e-mail"]
        assert set(items[5:]) == {"ring has risk events", "ring evidence of a concealment signal",
                                  "diamond beyond the hop limit, drawn because the answer rests on it",
                                  "line control chain", "line holding (share)", "line officer role",
                                  "line address / phone", "line declared tie"}
        page.screenshot(path=str(shots / "explorer-legend.png"))
        before = page.get_attribute("body", "data-ready")
        page.click("#mode-tree")
        wait_ready(page, before)
        # the tree draws holdings only, tags the controller, and rings no events
        assert legend_items(page)[5:] == ["ring ★ actual controller", "line control chain", "line holding (share)"]
        before = page.get_attribute("body", "data-ready")
        page.click("#mode-graph")
        wait_ready(page, before)
        assert "line address / phone" in legend_items(page)
        page.evaluate("id => window.equitygraph.network.selectNodes([id])", "n:" + PHONE)
        page.click("#hide")  # the phone gone, its lines go with it, and so does their legend
        assert "line address / phone" not in legend_items(page) and "line officer role" in legend_items(page)
        page.goto(served + "?lang=zh")
        open_page(page, served + "?lang=zh", "C0")
        assert {"ring 有风险事件", "line 控制链", "line 持股（比例）", "line 任职", "line 地址 / 电话",
                "line 申报关系"} <= set(legend_items(page))
    assert page.problems == []


# Each label's box as vis-network measured it when drawing (its own bookkeeping, not the public
# bounding boxes the layout uses), and the pairs of them that overlap.
OVERLAPS = """() => { const net = window.equitygraph.network, boxes = [];
  for (const id of net.body.nodeIndices) { const size = net.body.nodes[id].labelModule.size;
    if (size && size.width) boxes.push([size.left, size.top, size.left + size.width, size.top + size.height]); }
  const pairs = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) pairs.push([i, j]); }
  return [boxes.length, pairs.length]; }"""


def crowded_case(path):
    """C0 held by 24 persons with long names, each also holding one of 6 companies C0 invests in."""
    with SQLiteStore(path) as store:
        with store.writer() as w:
            w.add(Entity("C0", EntityKind.COMPANY, "深圳市前海华信投资管理有限公司"))
            for k in range(6):
                w.add_many([Entity(f"D{k}", EntityKind.COMPANY, f"华信第{k}号投资合伙企业（有限合伙）"),
                            Holding("C0", f"D{k}", Share.exact(0.5))])
            for i in range(24):
                w.add_many([Entity(f"P{i:02d}", EntityKind.PERSON, f"股东{i:02d}号自然人"),
                            Holding(f"P{i:02d}", "C0", Share.exact(0.04)),
                            Holding(f"P{i:02d}", f"D{i % 6}", Share.exact(0.02))])
    return path


def test_no_two_labels_overlap_in_the_first_view(tmp_path, page, shots):
    with serving(crowded_case(tmp_path / "c.db")) as served:
        for entity in ("C0", "D0", "P00"):
            open_page(page, served, entity)
            labels, overlapping = page.evaluate(OVERLAPS)
            assert labels >= 3 and overlapping == 0, entity
        open_page(page, served, "C0")
        assert page.evaluate(OVERLAPS)[0] >= 25  # the crowded first view itself
        # nobody controls C0: its largest holders' holdings are drawn as holdings, not as a control chain
        assert "line control chain" not in legend_items(page) and "line holding (share)" in legend_items(page)
        page.screenshot(path=str(shots / "explorer-crowded.png"))
    assert page.problems == []


def hub_case(path):
    """C0 holds 40 % of the hub H, which 60 persons hold 1 % each and nothing else."""
    with SQLiteStore(path) as store:
        with store.writer() as w:
            w.add_many([Entity("C0", EntityKind.COMPANY, "目标公司"), Entity("H", EntityKind.COMPANY, "枢纽公司"),
                        Holding("C0", "H", Share.exact(0.4))])
            for i in range(60):
                w.add_many([Entity(f"S{i:02d}", EntityKind.PERSON, f"散户{i:02d}"), Holding(f"S{i:02d}", "H", Share.exact(0.01))])
    return path


def test_a_hub_opened_twice_folds_back_into_one_node_and_opens_again(tmp_path, page, shots):
    from test_explorer import double_click_node

    with serving(hub_case(tmp_path / "h.db")) as served:
        open_page(page, served, "C0")
        for offset in ("H:25", "H:50"):
            double_click_node(page, "more:H" if offset == "H:50" else "H")
            page.wait_for_selector(f"body[data-expanded='{offset}']")
        assert page.evaluate("window.equitygraph.nodes.length") == 2 + 49 + 1  # C0, H, 49 of its holders, "+11 more"
        page.evaluate("window.equitygraph.network.selectNodes(['n:H'])")
        page.click("#fold")
        drawn = set(page.evaluate("window.equitygraph.nodes.getIds()"))
        assert drawn == {"n:C0", "n:H", "m:H"}  # C0 is the centre: never folded
        assert page.evaluate("window.equitygraph.nodes.get('m:H').label") == "+60 more"  # every holder of H
        assert page.inner_text("#status") == "49 neighbours of H folded into “+N more”"
        assert "line holding (share)" in legend_items(page)
        double_click_node(page, "more:H")
        page.wait_for_selector("body[data-expanded='H:25']")
        assert page.evaluate("window.equitygraph.nodes.length") == 3 + 24  # the first page again (C0 drawn already)
        assert page.evaluate("window.equitygraph.nodes.get('m:H').label") == "+36 more"
        page.screenshot(path=str(shots / "explorer-folded-hub.png"))
    assert page.problems == []
