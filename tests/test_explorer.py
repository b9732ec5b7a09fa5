"""equitygraph serve: the API (worked examples), its security, and the app driven in a real headless Chromium."""

import datetime as dt
import time
from pathlib import Path

import pytest
from conftest import add_tall_case, serving
from starlette.testclient import TestClient

from equitygraph.graph.model import (Entity, EntityKind, EventType, Holding, Officer, RiskEvent, Share,
                                     contact_id)
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries import explore
from equitygraph.queries.app.server import make_app

PWN_IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
PWN_SCRIPT = "</script><script>document.body.setAttribute('data-pwned','script')</script>华信"
CYPHER = "x' }) MATCH (n) DETACH DELETE n //"
PHONE = contact_id("13800000000")
RLO_NAME = "\u202e托管人 person 0008"
HUB_HOLDERS = 60


def build_case(path: Path) -> Path:
    store = SQLiteStore(path)
    write_case(store)
    store.close()
    return path


def write_case(store) -> None:
    """The tall case (conftest.add_tall_case: C0 controlled from four levels up by 梁建辉, who shares a
    phone with P2), P9 also C0's legal representative; C0 invests in a hub H held by 60 small
    holders; hostile names on two companies."""
    with store.writer() as w:
        assert add_tall_case(w) == PHONE
        w.add(Officer("P9", "C0", "法定代表人"))
        w.add(Entity("H", EntityKind.COMPANY, "枢纽公司"))
        w.add(Holding("C0", "H", Share.exact(0.4)))
        for i in range(HUB_HOLDERS):
            w.add(Entity(f"S{i:02d}", EntityKind.PERSON, f"散户{i:02d}"))
            w.add(Holding(f"S{i:02d}", "H", Share.exact(0.01)))
        w.add(Entity("X1", EntityKind.COMPANY, PWN_SCRIPT))
        w.add(Entity("X2", EntityKind.PERSON, PWN_IMG))
        w.add(Entity("X3", EntityKind.COMPANY, CYPHER))
        w.add(Holding("X2", "X1", Share.exact(0.6)))
        w.add(Holding("X3", "X1", Share.exact(0.4)))
        w.add(RiskEvent("X1", EventType.NEGATIVE_NEWS, dt.date(2024, 1, 1), 3, "<b onmouseover=alert(1)>news</b>"))
        # ids that are JavaScript property names, and a name that reverses what follows it
        w.add_many([Entity("constructor", EntityKind.PERSON, "构造者"), Entity("toString", EntityKind.PERSON, RLO_NAME),
                    Entity("__proto__", EntityKind.COMPANY, "原型公司"), Holding("constructor", "X3", Share.exact(0.5)),
                    Holding("toString", "X3", Share.exact(0.5)), Holding("X3", "__proto__", Share.exact(1.0))])


@pytest.fixture(scope="module")
def case_db(tmp_path_factory) -> Path:
    return build_case(tmp_path_factory.mktemp("explorer") / "case.db")


@pytest.fixture
def store(case_db):
    opened = SQLiteStore(case_db, readonly=True)
    yield opened
    opened.close()


@pytest.fixture
def client(case_db):
    app = make_app(lambda: SQLiteStore(case_db, readonly=True))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        yield c


# -- the library under the API --------------------------------------------------------------

def test_first_view_holds_the_whole_control_answer_beyond_one_hop(store):
    view = explore.first_view(store, "C0", limit=25)
    nodes = {n["id"]: n for n in view["nodes"]}
    assert {"C1", "P9", "H"} <= set(nodes)  # the neighbours
    assert {i for i, n in nodes.items() if n.get("beyond")} == {"C2", "C3", "P1", "P2", PHONE}
    assert nodes["P1"]["answer"] == "actual controller" and nodes["P2"]["answer"] == "evidence: shared_contact"
    assert view["controllers"] == ["P1"]
    assert sorted(map(tuple, view["chain"])) == [("C1", "C0"), ("C2", "C1"), ("C3", "C2"), ("P1", "C3")]
    drawn = {(e["from"], e["to"]) for e in view["edges"]}
    assert {("C1", "C0"), ("C2", "C1"), ("C3", "C2"), ("P1", "C3"), ("P1", PHONE), ("P2", PHONE)} <= drawn


def test_a_hub_is_opened_a_page_at_a_time(store):
    first = explore.neighbours(store, "H", limit=25)
    assert (first["total"], first["more"], len(first["nodes"])) == (HUB_HOLDERS + 1, HUB_HOLDERS + 1 - 25, 25)
    assert first["nodes"][0]["id"] == "C0"  # the largest stake first
    second = explore.neighbours(store, "H", offset=25, limit=25)
    assert {n["id"] for n in first["nodes"]}.isdisjoint(n["id"] for n in second["nodes"])
    last = explore.neighbours(store, "H", offset=50, limit=25)
    assert (len(last["nodes"]), last["more"]) == (HUB_HOLDERS + 1 - 50, 0)
    with pytest.raises(ValueError, match="limit must be from 1 to 100"):
        explore.neighbours(store, "H", limit=1000)


def test_the_first_view_of_a_hub_goes_on_where_its_neighbours_stop(store):
    # H's first view draws 25 of its 61 neighbours and, beside them, the chain of its controller
    view = explore.first_view(store, "H", limit=25)
    beside = [n["id"] for n in view["nodes"] if n.get("beyond")]
    assert beside and len(view["nodes"]) == 1 + 25 + len(beside)
    assert view["more"] == {"H": 36} and view["next"] == {"H": 25}
    rest = explore.neighbours(store, "H", offset=view["next"]["H"], limit=36)
    assert len(rest["nodes"]) == 36 and rest["more"] == 0


def test_filters_drop_small_stakes_and_kinds(store):
    big = explore.neighbours(store, "C0", explore.parse_filters("50", None, None))
    # P9's 20 % and C0's 40 % of H are dropped; P9 stays by the officer role
    assert {n["id"] for n in big["nodes"]} == {"C1", "P9"}
    assert {e["kind"] for e in big["edges"] if "P9" in (e["from"], e["to"])} == {"officer"}
    roles = explore.neighbours(store, "C0", explore.parse_filters(None, "officer", None))
    assert [n["id"] for n in roles["nodes"]] == ["P9"] and roles["edges"][0]["label"] == "法定代表人"
    with pytest.raises(ValueError, match="unknown edge kind 'shares'"):
        explore.parse_filters(None, "shares", None)
    with pytest.raises(ValueError, match="as_of: '2024-13-01' is not a date"):
        explore.parse_filters(None, None, "2024-13-01")


def test_tree_gives_each_holder_its_integrated_stake(store):
    tree = explore.tree(store, "C0", up=1, down=1)
    nodes = {n["id"]: n for n in tree["nodes"]}
    # raised to reach the actual controller, four levels up
    assert {i: n["level"] for i, n in nodes.items() if n["level"] < 0} == {"C1": -1, "P9": -1, "C2": -2, "C3": -3, "P1": -4}
    assert nodes["H"]["level"] == 1
    assert nodes["P1"]["stake_low"] == pytest.approx(0.8 ** 4)  # 40.96 %, hand-checked
    assert nodes["C2"]["stake_high"] == pytest.approx(0.64)
    assert nodes["P9"]["stake_low"] == pytest.approx(0.2)
    assert [i for i, n in nodes.items() if n.get("controller")] == tree["controllers"] == ["P1"]  # tagged
    assert tree["chain"] == [["C1", "C0"], ["C2", "C1"], ["C3", "C2"], ["P1", "C3"]]


def test_entity_page_sections_and_names_to_link(store):
    page = explore.entity_page(store, "C0")
    titles = [s["title"] for s in page["sections"]]
    assert "Control of 目标公司" in titles and "Direct holders" in titles
    assert page["names"]["P1"] == "梁建辉" and page["names"]["P9"] == "小股东"


def test_both_stores_give_the_explorer_the_same_answers(any_store):
    write_case(any_store)
    view = explore.first_view(any_store, "C0")
    assert {n["id"] for n in view["nodes"] if n.get("beyond")} == {"C2", "C3", "P1", "P2", PHONE}
    assert view["controllers"] == ["P1"]
    hub = explore.neighbours(any_store, "H", offset=25, limit=25)
    assert (hub["total"], hub["more"]) == (HUB_HOLDERS + 1, HUB_HOLDERS + 1 - 50)
    assert [n["id"] for n in hub["nodes"]] == [f"S{i:02d}" for i in range(24, 49)]  # equal stakes: by id
    tree = {n["id"]: n for n in explore.tree(any_store, "C0", up=1)["nodes"]}
    assert tree["P1"]["stake_low"] == pytest.approx(0.4096) and tree["P1"]["level"] == -4
    assert explore.suggestions(any_store, "liangjianhui")[0]["id"] == "P1"
    app = make_app(lambda: any_store if any_store.__class__.__name__ == "Neo4jStore" else SQLiteStore(any_store.path))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        assert c.get("/api/view/C0").json()["controllers"] == ["P1"]


# -- the API and its security ---------------------------------------------------------------

def test_api_answers_json(client):
    hits = client.get("/api/search", params={"q": "liangjianhui"}).json()["hits"]
    assert hits[0]["id"] == "P1" and hits[0]["how"] == "pinyin"
    assert client.get("/api/entity/C0").json()["entity"]["name"] == "目标公司"
    page = client.get("/api/neighbours/H", params={"offset": 50}).json()
    assert page["more"] == 0 and len(page["nodes"]) == HUB_HOLDERS + 1 - 50
    assert client.get("/api/tree/C0").json()["center"] == "C0"
    assert client.get("/api/view/C0").json()["controllers"] == ["P1"]


def test_api_errors_are_one_line_with_the_right_status(client):
    missing = client.get("/api/entity/NOPE")
    assert missing.status_code == 404 and missing.json() == {"error": "no entity with id 'NOPE'"}
    bad = client.get("/api/neighbours/H", params={"limit": "1000"})
    assert bad.status_code == 400 and bad.json() == {"error": "limit must be a whole number from 1 to 100, got '1000'"}
    assert client.get("/api/view/C0", params={"min_share": "abc"}).json() == {"error": "min_share: 'abc' is not a number"}
    assert client.get("/api/search", params={"q": "x", "lang": "fr"}).status_code == 400
    assert client.get("/api/search", params={"q": "华" * 201}).status_code == 400


def test_hostile_names_travel_as_json_only(client):
    body = client.get("/api/entity/X1")
    assert body.headers["content-type"] == "application/json"
    assert body.json()["entity"]["name"] == PWN_SCRIPT
    # no endpoint writes, whatever the text: the Cypher-looking name is only data
    assert client.get("/api/search", params={"q": CYPHER}).json()["hits"][0]["id"] == "X3"


def test_every_response_carries_the_security_headers(client):
    for path in ("/", "/static/explorer.js", "/api/search?q=x"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_read_only_and_capped(client):
    assert client.post("/api/search", content=b"x").status_code == 405
    assert client.delete("/api/entity/C0").status_code == 405
    assert client.get("/api/search", params={"q": "x" * 3000}).status_code == 414


@pytest.mark.parametrize("path", ["/static/../server.py", "/static/%2e%2e/server.py", "/static/..%2fserver.py",
                                  "/static/..%5cserver.py", "/static/.hidden", "/static/vis/../../server.py",
                                  "/static/x%00", "/static/explorer.js%00.png", "/static/%0a"])
def test_static_files_cannot_be_read_outside_their_folder(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "make_app" not in response.text


def test_the_loopback_app_refuses_other_host_names(client):
    # a page on another site that rebinds its domain to 127.0.0.1 sends its own name as Host
    refused = client.get("/api/search", params={"q": "x"}, headers={"host": "attacker.example:8765"})
    assert refused.status_code == 403
    assert client.get("/api/search", params={"q": "x"}, headers={"host": "localhost:8765"}).status_code == 200


def test_a_token_is_required_on_every_request_when_set(case_db):
    app = make_app(lambda: SQLiteStore(case_db, readonly=True), token="s3cret-token-of-32-characters-ok", host="0.0.0.0")
    with TestClient(app, base_url="http://10.0.0.5:8765") as c:
        refused = c.get("/api/search", params={"q": "x"})
        assert refused.status_code == 401 and "access token" in refused.json()["error"]
        assert c.get("/", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/search", params={"q": "x"}, headers={"authorization": "Bearer s3cret-token-of-32-characters-ok"}).status_code == 200
        first = c.get("/?token=s3cret-token-of-32-characters-ok&lang=zh", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/?lang=zh"
        assert "HttpOnly" in first.headers["set-cookie"] and "SameSite=Strict" in first.headers["set-cookie"]
        assert c.get("/api/search", params={"q": "x"}).status_code == 200  # the cookie now
    with pytest.raises(ValueError, match="needs an access token"):
        make_app(lambda: None, host="0.0.0.0")


def test_serve_refuses_a_missing_store(tmp_path):
    from click.testing import CliRunner

    from equitygraph.queries.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "no database at" in result.output


# -- in the browser -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(case_db):
    with serving(case_db) as address:
        yield address


def wait_ready(page, after: str | None = "0"):
    """Until the view says it has settled (polled from here: the app's CSP forbids the evaluated
    predicates Playwright's wait_for_function would inject)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready = page.evaluate("document.body.getAttribute('data-ready')")
        if ready is not None and int(ready) > int(after or 0):
            return
        time.sleep(0.1)
    raise AssertionError("the view did not settle in 30 s")


def vis_id(node_id: str) -> str:
    """The id the graph draws an entity under ("n:ID"), or a hub's "more" node ("more:HUB" here, "m:HUB" there)."""
    return "m:" + node_id[len("more:"):] if node_id.startswith("more:") else "n:" + node_id


def our_id(drawn: str) -> str:
    return "more:" + drawn[2:] if drawn.startswith("m:") else drawn[2:]


def open_page(page, served: str, entity_id: str) -> None:
    """The explorer at ``entity_id``'s page, its view settled: settled after the page was asked for
    (going from one entity to another changes only the hash; the panel says the new entity before the
    graph of the last one is replaced and settles)."""
    before = page.evaluate("document.body.getAttribute('data-ready')") if page.url.startswith(served) else None
    page.goto(served + f"#/entity/{entity_id}")
    page.wait_for_selector(f"body[data-page='{entity_id}']")
    wait_ready(page, after=before)


def double_click_node(page, node_id: str):
    """A real double-click on the node where vis-network drew it."""
    box = page.locator("#graph canvas").bounding_box()
    spot = page.evaluate("""id => { const n = window.equitygraph.network;
        return n.canvasToDOM(n.getPositions([id])[id]); }""", vis_id(node_id))
    page.mouse.dblclick(box["x"] + spot["x"], box["y"] + spot["y"])


def node_ids(page) -> set[str]:
    return {our_id(i) for i in page.evaluate("window.equitygraph.nodes.getIds()")}


def drawn(page, what: str) -> dict:
    """``what`` (a JavaScript expression of the node ``n``) of every node drawn, by our ids."""
    return {our_id(k): v for k, v in page.evaluate(f"Object.fromEntries(window.equitygraph.nodes.get().map(n => [n.id, {what}]))").items()}


def test_search_open_expand_twice_tree_and_chinese(page, served, shots):
    page.goto(served)
    page.wait_for_selector("body[data-started]")
    page.fill("#search", "梁建")
    page.wait_for_selector("#suggestions li")
    assert "梁建辉" in page.inner_text("#suggestions")
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-page='P1']")
    wait_ready(page)
    assert "C3" in node_ids(page)
    # open the company he controls through the offshore layer, then the chain holder above it, twice
    open_page(page, served, "C0")
    first = node_ids(page)
    assert {"P1", "P2", PHONE, "H"} <= first  # the whole answer, from the first view
    assert "more:H" not in first
    double_click_node(page, "H")
    page.wait_for_selector("body[data-expanded^='H:']")
    grown = node_ids(page)
    assert "more:H" in grown and len(grown - first) == 24 + 1  # C0 was drawn already; "+36 more"
    assert page.inner_text("#status").startswith("25 of 61 neighbours of H shown")
    double_click_node(page, "more:H")
    page.wait_for_selector("body[data-expanded='H:50']")
    assert len(node_ids(page) - first) == 49 + 1
    assert page.evaluate("window.equitygraph.nodes.get('m:H').label") == "+11 more"
    page.select_option("#colour", "chain")
    colours = drawn(page, "n.color && n.color.background")
    assert colours["P1"] == colours["C3"] == "#d62728" and colours["P2"] == "#6a3d9a" and colours["P9"] == "#cccccc"
    assert "control chain" in page.inner_text("#legend")
    page.screenshot(path=str(shots / "explorer-graph.png"))
    assert "Control of 枢纽公司" in page.inner_text("#details")  # a click shows the node's page beside the graph
    before = page.get_attribute("body", "data-ready")
    page.click("#mode-tree")
    wait_ready(page, before)
    levels = drawn(page, "n.level")
    assert levels["P1"] == -4 and levels["H"] == 1
    label = page.evaluate("window.equitygraph.nodes.get('n:P1').label")
    assert label == "★ actual controller\n梁建辉\n40.96 %"  # tagged, its integrated stake beneath
    page.screenshot(path=str(shots / "explorer-tree.png"))
    page.click("#lang-zh")
    page.wait_for_selector("body[data-page='C0']")
    wait_ready(page)
    assert page.inner_text("#mode-tree") == "股权穿透图"
    assert "目标公司的控制情况" in page.inner_text("#details") and "实际控制人" in page.inner_text("#details")
    assert page.get_attribute("#search", "placeholder") == "搜索名称、统一社会信用代码或拼音"
    page.screenshot(path=str(shots / "explorer-zh.png"))
    assert page.problems == []


def test_hostile_names_run_nothing_in_the_live_app(page, served, shots):
    open_page(page, served, "X1")
    page.fill("#search", "华信")
    page.wait_for_selector("#suggestions li")
    double_click_node(page, "X2")
    page.wait_for_selector("body[data-expanded^='X2:']")
    assert page.get_attribute("body", "data-pwned") is None
    assert PWN_SCRIPT in page.inner_text("#details")
    page.screenshot(path=str(shots / "explorer-hostile.png"))
    assert page.problems == []


def test_ids_that_are_javascript_property_names_and_reversing_names_break_nothing(page, served, shots):
    """Ids "constructor", "toString" and "__proto__" broke the pages ("Maximum call stack size
    exceeded"); a right-to-left override in a name reordered the rest of its suggestion."""
    open_page(page, served, "X3")
    double_click_node(page, "X3")
    page.wait_for_selector("body[data-expanded^='X3:']")
    assert {"constructor", "toString", "__proto__"} <= node_ids(page)
    [open_page(page, served, entity_id) for entity_id in ("constructor", "__proto__")]
    page.fill("#search", "托管人")
    page.wait_for_selector("#suggestions li bdi")
    # the override is shown, not obeyed, and the name sits in an isolate of its own
    assert page.eval_on_selector("#suggestions li", "li => li.firstChild.tagName") == "BDI"
    assert page.inner_text("#suggestions li bdi") == "\\u202e托管人 person 0008"
    assert "toString" in page.inner_text("#suggestions li small") and "\u202e" not in page.inner_text("body")
    page.screenshot(path=str(shots / "explorer-hostile-ids.png"))
    assert page.problems == []


def test_more_at_the_first_view_opens_the_next_neighbours_not_past_them(page, served):
    open_page(page, served, "H")
    double_click_node(page, "more:H")
    page.wait_for_selector("body[data-expanded^='H:']")
    assert page.get_attribute("body", "data-expanded") == "H:50"
    assert page.problems == []


def test_the_entity_page_says_the_controlling_parent_and_why_the_top_is_not_known(page, tmp_path, shots):
    """An offshore parent nobody on record holds: the page's control section names it as the
    controlling parent, proven, and says why the ultimate controller is not known (issue 27)."""
    from equitygraph.graph.model import Entity, EntityKind, Holding, Share

    db = tmp_path / "offshore.db"
    with SQLiteStore(db) as store:
        with store.writer() as w:
            w.add_many([Entity("OP", EntityKind.COMPANY, "Offshore Parent Ltd", jurisdiction="VG"),
                        Entity("A", EntityKind.COMPANY, "阿尔法控股"), Entity("B", EntityKind.COMPANY, "贝塔科技"),
                        Entity("x", EntityKind.PERSON, "小股东"), Holding("OP", "A", Share.exact(1.0)),
                        Holding("A", "B", Share.exact(0.6)), Holding("x", "B", Share.exact(0.4))])
    with serving(db) as address:
        page.goto(address + "#/entity/B")
        page.wait_for_selector("body[data-page='B']")
        text = page.inner_text("body")
        assert "controlling parent" in text and "Offshore Parent Ltd (OP) (proven by the records)" in text
        assert "not known: Offshore Parent Ltd: no holder on record; a company registered abroad (VG)" in text
        page.screenshot(path=str(shots / "explorer-controlling-parent.png"))
        assert page.problems == []


def test_the_questions_are_asked_and_answered_in_the_browser(page, served, shots):
    """Related parties, the group, the cluster, paths and stake between the last two pages opened, and
    the early-warning list: each answered beside the graph, as the command line answers it (issue 29)."""
    open_page(page, served, "P1")
    open_page(page, served, "C0")
    for question, heading in (("related", "Related parties of 目标公司: in law"), ("group", "Enterprise group of 目标公司"),
                              ("cluster", "Cluster of 目标公司")):
        page.click(f"button[data-question='{question}']")
        page.wait_for_selector(f"body[data-answer='{question}']")
        assert heading in page.inner_text("#answer")
    page.click("button[data-question='between']")
    page.wait_for_selector("body[data-answer='between']")
    answer = page.inner_text("#answer")
    assert all(text in answer for text in ("Paths from 梁建辉 to 目标公司", "Stake of 梁建辉 in 目标公司", "40.96 %"))
    page.screenshot(path=str(shots / "explorer-questions.png"))
    page.click("#warnings")
    page.wait_for_selector("body[data-answer='warnings']")
    assert "Early warnings: companies with no confirmed case yet" in page.inner_text("#details")
    tiers = lambda: [row.query_selector_all("td")[4].inner_text() for row in page.query_selector_all("#answer tr")[1:]]  # noqa: E731
    assert (every := tiers()) and set(every) <= {"red", "orange", "yellow", "below yellow"}
    page.select_option("#warn-tier", "yellow")
    page.evaluate("document.body.removeAttribute('data-answer')")
    page.click("#details button:has-text('List')")
    page.wait_for_selector("body[data-answer='warnings']")
    assert "(tier yellow)" in page.inner_text("#answer h2")
    assert tiers() == [t for t in every if t == "yellow"]
    page.screenshot(path=str(shots / "explorer-warnings.png"))
    assert page.problems == []
