"""The graph page and the case report, opened in a real headless Chromium."""

import datetime as dt
import json
from pathlib import Path
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from conftest import add_tall_case

from equitygraph.graph.model import Entity, EntityKind, EventType, Holding, RiskEvent, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.control.report import control_report
from equitygraph.queries.pages.case_report import case_report
from equitygraph.queries.cli import cli
from equitygraph.queries.pages.graph_page import graph_page

PWN_IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
PWN_SCRIPT = "</script><script>document.body.setAttribute('data-pwned','script')</script>华信"


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed (make test installs it with apt-get)")
    return path


def open_page(chromium, html_path, tmp_path):
    """The DOM after the page's scripts ran, and Chromium's console output."""
    for _ in range(4):  # the first frame waits for the layout to settle, which a busy machine can delay past the dump
        dom, console = _dump(chromium, html_path, tmp_path)
        if drawn_nodes(dom) is not None:
            break
    return dom, console


def drawn_nodes(dom: str) -> int | None:
    """How many nodes the page says it drew (the attribute its script sets on <body> after the first frame)."""
    found = re.search(r'<body[^>]*\sdata-graph-drawn="(\d+)"', dom)
    return int(found.group(1)) if found else None


def _dump(chromium, html_path, tmp_path):
    done = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=20000", "--dump-dom", html_path.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    return done.stdout, console


def offline(html: str) -> bool:
    return not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)


@pytest.fixture
def nasty_store(tmp_path):
    store = SQLiteStore(tmp_path / "nasty.db")
    with store.writer() as w:
        w.add(Entity("P", EntityKind.PERSON, PWN_IMG))
        w.add(Entity("C", EntityKind.COMPANY, PWN_SCRIPT))
        w.add(Entity("D", EntityKind.COMPANY, "下游公司"))
        w.add(Holding("P", "C", Share.exact(0.6)))
        w.add(Holding("C", "D", Share.exact(1.0)))
        w.add(RiskEvent("C", EventType.NEGATIVE_NEWS, dt.date(2024, 1, 1), 3, "<b onmouseover=alert(1)>news</b>"))
    yield store
    store.close()


def test_graph_page_is_offline_and_draws(chromium, generated_store, tmp_path):
    company = next(t for t in generated_store.search("控股集团", limit=5))
    page = graph_page(generated_store, company.entity.id, depth=2)
    path = page.save(tmp_path / "graph.html")
    assert offline(page.html)
    dom, console = open_page(chromium, path, tmp_path)
    assert "<canvas" in dom
    assert drawn_nodes(dom) == page.nodes
    assert not [line for line in console if "Uncaught" in line or "rror" in line], console


def test_untrusted_names_show_as_text_and_never_run(chromium, nasty_store, tmp_path):
    page = graph_page(nasty_store, "C")
    path = page.save(tmp_path / "nasty.html")
    dom, console = open_page(chromium, path, tmp_path)
    assert "data-pwned" not in re.search(r"<body[^>]*>", dom).group(0)
    assert drawn_nodes(dom) == 3
    assert "&lt;/script&gt;&lt;script&gt;" in dom  # the heading shows the name as text
    assert not [line for line in console if "Uncaught" in line], console


def hover(page, node, attempts=4):
    """The tooltip shown by hovering `node`, found again at each try.

    A loaded machine may drop a hover (the graph redrawn or resized under the pointer as it arrives),
    so the node is looked up and approached again; a tooltip that never shows still fails.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        x, y = page.evaluate("""(id) => {
            const network = window.equitygraphNetwork;
            const at = network.canvasToDOM(network.getPositions(["n:" + id])["n:" + id]);
            const box = document.getElementById("graph").getBoundingClientRect();
            return [box.left + at.x, box.top + at.y];
        }""", node)
        page.mouse.move(x - 6, y - 6)
        page.mouse.move(x, y, steps=3)
        try:
            return page.wait_for_selector("div.vis-tooltip", state="visible", timeout=4_000)
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


def test_tooltips_show_untrusted_text_as_text(chromium, nasty_store, tmp_path):
    """Hover each node in a real browser: the tooltip holds the hostile name as text, and nothing runs."""
    from playwright.sync_api import sync_playwright

    path = graph_page(nasty_store, "C").save(tmp_path / "hover.html")
    expected = {"P": PWN_IMG, "C": PWN_SCRIPT, "D": "下游公司"}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-graph-settled]", state="attached", timeout=30_000)
            for node, name in expected.items():
                tip = hover(page, node)
                assert tip.inner_text().splitlines()[0] == name
                assert tip.evaluate("t => t.querySelector('img, script, b') === null")
                page.screenshot(path=str(tmp_path / f"hover-{node}.png"))
                corner = page.evaluate("() => { const b = document.getElementById('graph').getBoundingClientRect();"
                                       " return [b.left + 3, b.bottom - 3]; }")
                page.mouse.move(*corner)  # an empty spot of the canvas: the tooltip goes
                page.wait_for_selector("div.vis-tooltip", state="hidden", timeout=10_000)
            assert page.evaluate("document.body.getAttribute('data-pwned')") is None
            # the legend is open beside a wide graph; in a notebook's narrow frame it is folded, a click opens it
            assert page.is_visible("text=control chain")
            narrow = browser.new_page(viewport={"width": 900, "height": 640})
            narrow.goto(path.as_uri())
            assert not narrow.is_visible("text=control chain")
            narrow.click(".legend summary")
            assert narrow.is_visible("text=control chain")
        finally:
            browser.close()


def test_case_report_has_every_section_and_runs_no_untrusted_script(chromium, nasty_store, tmp_path):
    page = case_report(nasty_store, "C")
    path = page.save(tmp_path / "report.html")
    assert offline(page.html)
    for heading in ("Control of", "Control path", "Beneficial owners", "Ultimate owners", "Control chains",
                    "Graph of the neighbourhood", "Direct holders", "Risk events", "Data sources and date"):
        assert f"<h2>{heading}" in page.html, heading
    dom, console = open_page(chromium, path, tmp_path)
    assert "data-pwned" not in re.search(r"<body[^>]*>", dom).group(0)
    assert drawn_nodes(dom) == page.nodes
    assert "&lt;b onmouseover=alert(1)&gt;news&lt;/b&gt;" in dom  # the event text, escaped in its table


def test_viz_and_report_commands(nasty_store, tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "nasty.db")
    result = runner.invoke(cli, ["viz", "C", "--db", db, "-o", str(tmp_path / "v.html")])
    assert result.exit_code == 0 and result.stderr == f"wrote {tmp_path / 'v.html'}: 3 nodes, 2 edges\n"
    result = runner.invoke(cli, ["report", "C", "--db", db, "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0 and (tmp_path / "r.html").stat().st_size > 100_000
    assert runner.invoke(cli, ["viz", "C", "--db", db, "-o", str(tmp_path / "x.html"), "--depth", "9"]).exit_code == 2


def test_hubs_are_collapsed_with_a_count(tmp_path):
    store = SQLiteStore(tmp_path / "hub.db")
    with store.writer() as w:
        w.add(Entity("HUB", EntityKind.PERSON, "代持人"))
        for i in range(60):
            w.add(Entity(f"C{i}", EntityKind.COMPANY, f"公司{i}"))
            w.add(Holding("HUB", f"C{i}", Share.exact(0.1)))
    page = graph_page(store, "C0", depth=2, max_nodes=150)
    assert page.collapsed == {"HUB": 35}
    assert "+35 more" in page.html


def test_a_cluster_page_draws_and_an_analyzed_page_marks_related_parties(chromium, tmp_path, generated_case):
    from equitygraph.loaders.csv_folder import load_folder
    from equitygraph.queries.analyze import analyze
    from equitygraph.queries.pages.graph_page import cluster_page

    with SQLiteStore(tmp_path / "marks.db") as store:
        load_folder(store, generated_case)
        company = store.search("控股集团", limit=1)[0].entity.id
        before = graph_page(store, company)
        assert "run equitygraph analyze to mark related parties" in before.html
        analyze(store)
        page = graph_page(store, company)
        assert "related party: controller" in page.html or "related party: actual controller" in page.html
        assert "suspected link:" in page.html
        whole = cluster_page(store, company, max_nodes=60)
    path = whole.save(tmp_path / "cluster.html")
    dom, console = open_page(chromium, path, tmp_path)
    assert drawn_nodes(dom) == whole.nodes
    assert not [line for line in console if "Uncaught" in line], console


@pytest.fixture
def tall_store(tmp_path):
    """A company controlled from four levels up, whose controller shares a phone with a person
    who is on record nowhere here (conftest.add_tall_case): the picture must reach both, whatever
    its hop limit."""
    store = SQLiteStore(tmp_path / "tall.db")
    with store.writer() as w:
        add_tall_case(w)
    yield store
    store.close()


def page_nodes(html: str) -> dict[str, dict]:
    found = re.search(r"new vis\.DataSet\((\[.*?\])\.map\(", html, re.S)
    return {n["id"]: n for n in json.loads(found.group(1))}


@pytest.mark.parametrize("depth", [1, 2])
def test_the_control_chain_and_signal_evidence_are_drawn_whatever_the_hop_limit(tall_store, depth):
    from equitygraph.graph.model import contact_id

    page = graph_page(tall_store, "C0", depth=depth)
    nodes = page_nodes(page.html)
    phone = contact_id("13800000000")
    for party in ("C1", "C2", "C3", "P1", "P2", phone):
        assert party in nodes, party
    beyond = {i for i, n in nodes.items() if n.get("beyond")}
    # depth 1 reaches C1 and P9; depth 2 reaches C2 as well
    assert beyond == ({"C2", "C3", "P1", "P2", phone} if depth == 1 else {"C3", "P1", "P2", phone})
    assert nodes["P1"]["answer"] == "actual controller"
    assert nodes["C3"]["answer"] == "control chain"
    assert nodes["P2"]["answer"] == nodes[phone]["answer"] == "evidence: shared_contact"
    assert "P9" in nodes and not nodes["P9"]["answer"]
    edges = re.findall(r"new vis\.DataSet\((\[.*?\])\.map\(", page.html, re.S)[1]
    red = {(e["from"], e["to"]) for e in json.loads(edges) if e.get("color") == "#d62728"}
    assert red == {("C1", "C0"), ("C2", "C1"), ("C3", "C2"), ("P1", "C3")}
    assert "actual controller: 梁建辉" in page.html


def test_where_nobody_controls_no_holding_is_drawn_as_a_control_chain(tmp_path):
    """Holders of 30, 30, 20 and 20 %: the two largest holders' chains are listed, but neither is
    control, so none is red."""
    with SQLiteStore(tmp_path / "n.db") as store:
        with store.writer() as w:
            w.add(Entity("C", EntityKind.COMPANY, "无实控公司"))
            for holder, share in (("A", 0.3), ("B", 0.3), ("D", 0.2), ("E", 0.2)):
                w.add_many([Entity(holder, EntityKind.PERSON, f"股东{holder}"), Holding(holder, "C", Share.exact(share))])
        page = graph_page(store, "C")
        assert [c.top for c in control_report(store, "C").chains] == ["A", "B"]
    edges = json.loads(re.findall(r"new vis\.DataSet\((\[.*?\])\.map\(", page.html, re.S)[1])
    assert len(edges) == 4 and not any(e.get("color") == "#d62728" for e in edges)


def test_the_report_graph_draws_the_whole_chain_too(tall_store):
    page = case_report(tall_store, "C0", depth=1)
    nodes = page_nodes(page.html)
    assert {"P1", "P2", "C3"} <= set(nodes)
    assert nodes["P1"]["beyond"] and nodes["P1"]["shape"] == "diamond"


def test_report_prints_to_pdf_with_the_graph_as_a_picture(chromium, tall_store, tmp_path):
    result = CliRunner().invoke(cli, ["report", "C0", "--db", tall_store.path, "--pdf", str(tmp_path / "r.pdf"),
                                      "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2  # the graph starts a page of its own
    assert re.search(rb"/Subtype\s*/Image", pdf)  # the canvas printed as the picture the page made of it
    assert (tmp_path / "r.pdf").stat().st_mode & 0o077 == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "@media print" in html and "break-before: page" in html


def test_report_needs_somewhere_to_go(tall_store):
    result = CliRunner().invoke(cli, ["report", "C0", "--db", tall_store.path])
    assert result.exit_code == 2
    assert "say where the report goes: -o FILE.html, --pdf FILE.pdf, or both" in result.output


def test_the_tree_page_draws_holders_above_with_their_integrated_stakes(chromium, tall_store, tmp_path):
    from equitygraph.queries.pages.graph_page import tree_page

    page = tree_page(tall_store, "C0", up=1)
    nodes = page_nodes(page.html)
    assert {i: n["level"] for i, n in nodes.items()} == {"C0": 0, "C1": -1, "P9": -1, "C2": -2, "C3": -3, "P1": -4}
    # tagged as the actual controller, its integrated stake 0.8 ** 4 (every path; one here)
    assert nodes["P1"]["label"] == "★ actual controller\n梁建辉\n40.96 %"
    assert nodes["P9"]["label"] == "小股东\n20.00 %"
    edges = json.loads(re.findall(r"new vis\.DataSet\((\[.*?\])\.map\(", page.html, re.S)[1])
    assert sorted((e["from"], e["to"]) for e in edges if e["color"] == "#d62728") == [
        ("C1", "C0"), ("C2", "C1"), ("C3", "C2"), ("P1", "C3")]  # the control path, red; P9's 20 % grey
    path = page.save(tmp_path / "tree.html")
    dom, console = open_page(chromium, path, tmp_path)
    assert drawn_nodes(dom) == 6 and 'data-graph-settled="1"' in dom
    result = CliRunner().invoke(cli, ["viz", "C0", "--db", tall_store.path, "--layout", "tree", "-o", str(tmp_path / "t.html")])
    assert result.exit_code == 0, result.output
    assert page_nodes((tmp_path / "t.html").read_text(encoding="utf-8"))["P1"]["level"] == -4


def test_ids_that_are_javascript_property_names_draw_like_any_other(chromium, tmp_path):
    """Ids "constructor", "toString" and "__proto__" broke the graph pages (vis-network keys its nodes
    by plain objects): each is drawn under an id of its own."""

    with SQLiteStore(tmp_path / "ids.db") as store:
        with store.writer() as w:
            w.add_many([Entity("constructor", EntityKind.PERSON, "构造者"), Entity("toString", EntityKind.PERSON, "托管人"),
                        Entity("X3", EntityKind.COMPANY, "中间公司"), Entity("__proto__", EntityKind.COMPANY, "原型公司"),
                        Holding("constructor", "X3", Share.exact(0.5)), Holding("toString", "X3", Share.exact(0.5)),
                        Holding("X3", "__proto__", Share.exact(1.0))])
        path = graph_page(store, "__proto__").save(tmp_path / "ids.html")
    dom, console = open_page(chromium, path, tmp_path)
    assert drawn_nodes(dom) == 4
    assert not [line for line in console if "Uncaught" in line or "stack size" in line], console


def test_the_printed_report_keeps_its_graph_for_a_last_page_with_larger_text(tall_store, tmp_path, page):
    """Printed, the graph in place would leave most of a page empty before it: it is hidden there and
    its picture, on a frame of the paper's shape with text 1.6 times larger, closes the report with
    the legend; on screen the graph is as it was drawn."""
    path = case_report(tall_store, "C0").save(tmp_path / "report.html")
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-graph-settled]", state="attached", timeout=30_000)
    fonts = page.evaluate("Object.fromEntries(window.equitygraphNetwork.body.data.nodes.get().map(n => [n.id.slice(2), n.font.size]))")
    written = {i: n["font"]["size"] for i, n in page_nodes(path.read_text(encoding="utf-8")).items()}
    assert fonts == written and set(written.values()) == {8, 11, 14}  # the live graph's text back to its own sizes
    shot = page.evaluate("(() => { const i = document.querySelector('#graph-appendix canvas.graph-print'); "
                         "return [i.width, i.height, document.querySelectorAll('#graph-appendix .legend').length]; })()")
    assert shot[0] > 0 and abs(shot[1] / shot[0] - 1.2) < 0.01 and shot[2] == 1
    assert page.is_visible(".graph-section #graph") and not page.is_visible("#graph-appendix")
    page.emulate_media(media="print")
    assert not page.is_visible(".graph-section") and page.is_visible("#graph-appendix canvas.graph-print")
    order = page.evaluate("Array.from(document.querySelectorAll('h2')).filter(h => h.offsetParent).map(h => h.textContent)")
    assert order[-2:] == ["Graph of the neighbourhood", "Data sources and date"]
    assert page.problems == []


def test_a_print_without_the_graph_s_picture_is_printed_again(tmp_path, monkeypatch):
    """Chromium on a loaded machine may print before the page's script has drawn the graph: such a PDF
    (no image in it) is printed again, at most three times in all; a page with no graph is printed once."""
    import subprocess

    from equitygraph.queries.pages import pdf

    def chromium(pictured_at: int | None, calls: list):
        def run(command, **kwargs):
            calls.append(command)
            out = Path(next(a for a in command if a.startswith("--print-to-pdf=")).split("=", 1)[1])
            out.write_bytes(b"%PDF-1.4 /Subtype /Image" if len(calls) == pictured_at else b"%PDF-1.4 text only")
            return subprocess.CompletedProcess(command, 0, "", "")
        return run

    monkeypatch.setattr(pdf, "find_browser", lambda: "chromium")
    for page, pictured_at, prints in (('<div id="graph"></div>', 2, 2), ("<p>no graph</p>", None, 1),
                                      ('<div id="graph"></div>', None, pdf.PRINTS)):
        calls = []
        monkeypatch.setattr(pdf.subprocess, "run", chromium(pictured_at, calls))
        out = pdf.print_pdf(page, tmp_path / f"{len(page)}-{pictured_at}.pdf")
        assert len(calls) == prints and out.read_bytes().startswith(b"%PDF")


def test_the_graph_s_picture_goes_to_the_appendix_even_when_drawn_before_the_page_is_read(tall_store, tmp_path, page):
    """A script that is slow to come holds the reading of the page below the graph while the graph is
    drawn (as a loaded machine or a slow share can): the picture still waits for the appendix."""
    import time

    html = case_report(tall_store, "C0").html
    assert html.count('<div id="graph-appendix">') == 1
    held = html.replace('<div id="graph-appendix">', '<script src="http://report.test/slow.js"></script>'
                                                     '<div id="graph-appendix">')

    def slow(route):
        time.sleep(3)  # the graph is drawn meanwhile: the page above the script is already read
        route.fulfill(body="", content_type="text/javascript")

    page.route("http://report.test/slow.js", slow)
    page.route("http://report.test/report.html", lambda route: route.fulfill(body=held, content_type="text/html"))
    page.goto("http://report.test/report.html")
    page.wait_for_selector("body[data-graph-settled]", state="attached", timeout=30_000)
    placed = page.evaluate("[document.querySelectorAll('#graph-appendix canvas.graph-print').length, "
                           "document.querySelectorAll('canvas.graph-print').length]")
    assert placed == [1, 1]
