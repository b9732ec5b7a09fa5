"""Questions asked in the browser (issue 29): the paths and stake from a party picked by search, and
the early-warning list filtered by industry and cluster as ``risk`` filters it."""

import time

from conftest import add_tall_case, answered, serving
from equitygraph.graph.stores.sqlite import SQLiteStore
from test_explorer import open_page


def test_the_paths_and_stake_from_a_party_picked_by_search(tmp_path, page, shots):
    with SQLiteStore(tmp_path / "t.db") as store:
        with store.writer() as w:
            add_tall_case(w)
    with serving(tmp_path / "t.db") as served:
        open_page(page, served, "C0")
        page.fill("#between-other", "liangjianhui")  # pinyin: the best match is 梁建辉
        page.click("button[data-question='between-search']")
        said = answered(page, "between")
        assert "梁建辉" in said and "40.96 %" in said  # his integrated stake, 0.8 ** 4
        page.screenshot(path=str(shots / "explorer-between-search.png"))
        page.fill("#between-other", "不存在的名字")
        page.click("button[data-question='between-search']")
        deadline = time.monotonic() + 10
        while page.inner_text("#answer") != "no matches" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert page.inner_text("#answer") == "no matches"
    assert page.problems == []


def test_the_warning_list_filtered_by_industry_and_cluster(risk_case, page):
    with serving(risk_case[1]) as served:
        open_page(page, served, "T1")
        page.click("#warnings")
        answered(page, "warnings")
        page.fill("#warn-industry", "理财")
        page.click("#details .questions button:text('List')")
        deadline = time.monotonic() + 20
        while "鑫盛财富管理有限公司" not in page.inner_text("#answer") and time.monotonic() < deadline:
            time.sleep(0.1)
        rows = page.eval_on_selector_all("#answer table tr", "rs => rs.length")
        assert rows == 2 and "(industry 理财)" in page.inner_text("#answer")
        page.fill("#warn-industry", "")
        page.fill("#warn-cluster", "no-such-cluster")
        page.click("#details .questions button:text('List')")
        deadline = time.monotonic() + 20
        while "(cluster no-such-cluster)" not in page.inner_text("#answer") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert page.query_selector("#answer table") is None  # nobody is in it
    assert page.problems == []
