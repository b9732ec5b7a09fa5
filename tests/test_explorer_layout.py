"""The explorer's layout at the common screen widths (issue 29), in English and Chinese: nothing
runs off the side, no toolbar button wraps, no table's label column collapses to a character a
line (the Chinese risk table did), the header keeps to two lines."""

import pytest

from conftest import analysed_case, serving
from equitygraph.graph.stores.sqlite import SQLiteStore
from test_explorer import open_page

LAYOUT = """() => {
  const cells = Array.from(document.querySelectorAll('#details table tr > :first-child'))
    .filter(c => c.offsetParent && c.textContent.trim().length > 1);
  return {
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    buttons: Array.from(document.querySelectorAll('.toolbar button, .questions button'))
      .filter(b => b.offsetParent).map(b => [b.textContent, b.getBoundingClientRect().height]),
    narrowest: Math.min(...cells.map(c => c.getBoundingClientRect().width)),
    cells: cells.length,
    header: document.querySelector('header').getBoundingClientRect().height,
  };
}"""


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    db = analysed_case(tmp_path_factory.mktemp("layout") / "l.db", companies=150, seed=5)
    with SQLiteStore(db, readonly=True) as store:
        scored, tiers = store.read_results("risk_score"), store.read_results("risk_tier")
    # the riskiest warning (not a confirmed case): its page has the risk table with its reasons
    return db, max((c for c in scored if tiers.get(c) in ("red", "orange", "yellow")), key=scored.get)


@pytest.mark.parametrize("width", [1280, 1920])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_company_page_fits_the_screen(analysed, browser, shots, width, lang):
    db, company = analysed
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        with serving(db) as served:
            open_page(page, served + f"?lang={lang}", company)
            measured = page.evaluate(LAYOUT)
            page.screenshot(path=str(shots / f"layout-{lang}-{width}.png"))
    finally:
        context.close()
    assert measured["overflow"] <= 0
    assert measured["buttons"] and all(height < 34 for _text, height in measured["buttons"]), measured["buttons"]
    assert measured["cells"] >= 10 and measured["narrowest"] >= 40  # two Chinese characters at least
    assert measured["header"] <= 80
    assert problems == []
