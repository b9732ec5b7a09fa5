"""Where a company's risk comes from, every source listed (issue 29): a tenant of a registration
agent's address takes its risk from five confirmed cases; ``risk NAME --sources N`` names N of them
with their paths (the rest one part), and the explorer's panel names them all, each a link."""

import json

from click.testing import CliRunner
from starlette.testclient import TestClient

from conftest import answered, serving
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.app.server import make_app
from equitygraph.queries.cli import cli
from risk_case import AS_OF, CASES
from test_explorer import open_page

AGENT_CASES = {c for c in CASES if c.startswith("H")}  # the five confirmed tenants of 代理路88号


def sources(db, *more):
    result = CliRunner().invoke(cli, ["risk", "H001", "--as-of", str(AS_OF), "--db", str(db), "--format", "json", *more])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["parts"]


def test_the_sources_named_are_as_many_as_asked_and_the_rest_is_one_part(risk_case):
    three = sources(risk_case[1])
    named = [p["source"] for p in three if p["source"]]
    assert len(named) == 3 and set(named) <= AGENT_CASES
    assert [p["words"] for p in three if not p["source"]][0] == "from 2 other sources in the network, each a smaller part"
    every = sources(risk_case[1], "--sources", "10")
    assert {p["source"] for p in every if p["source"]} == AGENT_CASES
    assert all(p["path"][0] == "H001" and p["path"][-1] == p["source"] for p in every if p["source"])
    assert not any("other source" in p["words"] for p in every)
    # the five shares are equal; the network's part of the score is the same however it is cut
    shares = [p["share"] for p in every if p["source"]]
    assert max(shares) - min(shares) < 1e-9 and len(shares) == 5
    network = [sum(p["share"] for p in parts if p["kind"] == "network") for parts in (three, every)]
    assert abs(network[0] - network[1]) < 1e-9


def test_the_panel_names_every_source_as_a_link(risk_case, page, shots):
    db = risk_case[1]
    with TestClient(make_app(lambda: SQLiteStore(db, readonly=True)), base_url="http://127.0.0.1:8765") as client:
        answer = client.get("/api/risk/H001").json()
        assert AGENT_CASES <= set(answer["names"]) and answer["names"]["H020"] == "代理户020商行"
        rows = next(s for s in answer["sections"] if s["title"] == "Where the score comes from")["rows"]
        assert {row[2] for row in rows if row[2]} == {f"代理户{c[1:]}商行 ({c})" for c in AGENT_CASES}
        assert client.get("/api/risk/HP001").json() == {"error": "代理户主001 (HP001) is a person; risk is scored for companies"}
    with serving(db) as served:
        open_page(page, served, "H001")
        page.click("button[data-question='risk']")
        answered(page, "risk")
        linked = page.eval_on_selector_all("#answer a[data-entity]", "xs => xs.map(x => x.getAttribute('data-entity'))")
        assert AGENT_CASES <= set(linked)
        # and drawn beside what the graph shows, each tied through the address they share
        drawn = set(page.evaluate("window.equitygraph.nodes.getIds()"))
        assert {f"n:{c}" for c in AGENT_CASES} <= drawn
        shapes = page.evaluate("ids => ids.map(i => window.equitygraph.nodes.get('n:' + i).shape)", sorted(AGENT_CASES))
        assert shapes == ["diamond"] * 5
        ties = page.evaluate("window.equitygraph.edges.get().map(e => e.to)")
        assert {f"n:{c}" for c in AGENT_CASES} <= set(ties) | set(page.evaluate("window.equitygraph.edges.get().map(e => e.from)"))
        page.screenshot(path=str(shots / "risk-sources.png"))
        second = sorted(AGENT_CASES)[1]
        page.click(f"#answer a[data-entity='{second}']")
        page.wait_for_selector(f"body[data-page='{second}']")
    assert page.problems == []
