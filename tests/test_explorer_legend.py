"""The explorer's legend (issue 29) says what every mark drawn means, and only what is drawn: the
fill of each kind, the rings (risk events, concealment evidence, the controller, pinned), the shapes
(beyond the hop limit, not drawn yet) and each kind of line."""

import datetime as dt

from conftest import add_tall_case, serving
from equitygraph.graph.model import EventType, Officer, Relation, RelationType, RiskEvent, contact_id
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
