"""The explorer's page to keep (issue 29): the case report downloaded as HTML or PDF from an entity's
page, in the page's language and as of its date, and the page printed with the details in full and
no controls."""

import datetime as dt

from starlette.testclient import TestClient

from conftest import add_tall_case, serving
from equitygraph.graph.model import Holding, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.app.server import make_app
from test_explorer import open_page


def case(path):
    """The tall case (C0 controlled from four levels up by 梁建辉), and a holder of C0 whose holding
    ended in 2020 (shown only as of a day before that)."""
    with SQLiteStore(path) as store:
        with store.writer() as w:
            add_tall_case(w)
            w.add(Holding("P2", "C0", Share.exact(0.05), until=dt.date(2020, 1, 1)))
    return path


def test_the_report_route_gives_the_case_report_as_a_file_in_the_language_asked(tmp_path):
    db = case(tmp_path / "g.db")
    with TestClient(make_app(lambda: SQLiteStore(db, readonly=True)), base_url="http://127.0.0.1:8765") as c:
        html = c.get("/api/report/C0", params={"lang": "zh"})
        assert html.status_code == 200 and html.headers["content-type"] == "text/html; charset=utf-8"
        assert html.headers["content-disposition"] == 'attachment; filename="equitygraph-report-C0.html"'
        assert html.text.startswith("<!DOCTYPE html>") and "目标公司" in html.text and "梁建辉" in html.text
        assert "目标公司的控制情况" in html.text and "Control of" not in html.text
        assert "Control of 目标公司" in c.get("/api/report/C0").text
        # as of a day the ended holding was in force, its holder is in the report; today it is not
        assert "2019-06-01" in c.get("/api/report/C0", params={"as_of": "2019-06-01"}).text
        bad = c.get("/api/report/C0", params={"format": "docx"})
        assert bad.status_code == 400 and bad.json() == {"error": "format must be one of html, pdf, got 'docx'"}
        assert c.get("/api/report/NOPE").json() == {"error": "no entity with id 'NOPE'"}


def test_the_report_route_prints_a_pdf(tmp_path):
    db = case(tmp_path / "g.db")
    with TestClient(make_app(lambda: SQLiteStore(db, readonly=True)), base_url="http://127.0.0.1:8765") as c:
        pdf = c.get("/api/report/C0", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 10_000
    assert pdf.headers["content-disposition"] == 'attachment; filename="equitygraph-report-C0.pdf"'


def test_the_page_offers_the_report_and_prints_the_details_in_full_without_controls(tmp_path, page, shots):
    db = case(tmp_path / "g.db")
    with serving(db) as served:
        page.goto(served + "?lang=zh")
        open_page(page, served + "?lang=zh", "C0")
        links = page.eval_on_selector_all(".exports a", "xs => xs.map(x => [x.textContent, x.getAttribute('href')])")
        assert links == [["案情报告（HTML）", "/api/report/C0?format=html&lang=zh"],
                         ["案情报告（PDF）", "/api/report/C0?format=pdf&lang=zh"]]
        with page.expect_download() as waiting:
            page.click(".exports a[data-export='html']")
        saved = waiting.value.path().read_text(encoding="utf-8")
        assert waiting.value.suggested_filename == "equitygraph-report-C0.html"
        assert "目标公司的控制情况" in saved
        assert page.evaluate("document.querySelectorAll('#details details:not([open])').length") >= 1
        drawn = page.evaluate("document.querySelector('#graph canvas').width")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # as Chromium does: before the print layout
        page.emulate_media(media="print")
        assert page.evaluate("document.querySelectorAll('#details details:not([open])').length") == 0
        hidden = page.evaluate("['header', '.toolbar', '.exports', '.questions'].map("
                               "s => getComputedStyle(document.querySelector(s)).display)")
        assert hidden == ["none"] * 4
        assert page.evaluate("getComputedStyle(document.querySelector('#details')).overflow") == "visible"
        assert page.is_visible("#legend") and page.is_visible("#graph-print") and not page.is_visible("#graph")
        assert page.evaluate("document.querySelector('#graph-print').width") == drawn > 0  # the whole canvas
        # something drawn in it: pixels that are not blank
        inked = page.evaluate("(() => { const c = document.querySelector('#graph-print'); "
                              "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; "
                              "let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()")
        assert inked > 1000
        page.screenshot(path=str(shots / "explorer-print.png"), full_page=True)
        page.pdf(path=str(shots / "explorer-print.pdf"), format="A4")
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        page.emulate_media(media="screen")
        assert page.evaluate("document.querySelectorAll('#details details:not([open])').length") >= 1
        assert page.query_selector("#graph-print") is None
    assert page.problems == []
