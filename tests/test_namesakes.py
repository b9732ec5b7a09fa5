"""Persons of one name told apart in search (issue 29): each found person's line says the birth year
and where the person serves or holds, in the CLI, the API and the search box; fuzzy hits are marked
and a registration number is shown once."""

import datetime as dt
import json
import time

from conftest import run_cli, serving
from equitygraph.graph.model import Entity, EntityKind, Holding, Officer, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries import explore
from equitygraph.queries.search import PLACES_SHOWN, search_entities


def case(path):
    """Three persons named 廖博: P1 born 1971, legal representative of C1 and holder of 30 % of C2
    and 5 % of C3 and C4 (an ended one); P2 holds 60 % of C2 and 10 % of C1; P3 only serves under a
    title no role knows, written with braces."""
    with SQLiteStore(path) as store:
        with store.writer() as w:
            w.add_many([Entity("P1", EntityKind.PERSON, "廖博", birth_date=dt.date(1971, 3, 9)),
                        Entity("P2", EntityKind.PERSON, "廖博"), Entity("P3", EntityKind.PERSON, "廖博"),
                        Entity("C1", EntityKind.COMPANY, "华信投资有限公司", reg_no="91110000MA01ABCD1X"),
                        Entity("C2", EntityKind.COMPANY, "恒泰贸易有限公司"),
                        Entity("C3", EntityKind.COMPANY, "峰鑫科技有限公司"),
                        Entity("C4", EntityKind.COMPANY, "晟达物流有限公司")])
            w.add_many([Officer("P1", "C1", "legal_representative"),
                        Holding("P1", "C2", Share.exact(0.3)), Holding("P1", "C3", Share.exact(0.05)),
                        Holding("P1", "C4", Share.exact(0.5), until=dt.date(2020, 1, 1)),
                        Holding("P2", "C2", Share.exact(0.6)), Holding("P2", "C1", Share.exact(0.1)),
                        Officer("P3", "C3", "{company} 顾问")])
    return path


def test_each_namesake_is_told_apart_by_birth_year_and_where_it_serves_or_holds(tmp_path):
    with SQLiteStore(case(tmp_path / "g.db")) as store:
        found = search_entities(store, "廖博")
    assert [h.entity.id for h in found.hits] == ["P1", "P2", "P3"]
    # an officer role before holdings, then the largest holding; the ended holding last, uncounted beyond two
    assert found.about == {
        "P1": "born 1971; legal representative of 华信投资有限公司; holds 30 % of 恒泰贸易有限公司; 2 more companies",
        "P2": "holds 60 % of 恒泰贸易有限公司; holds 10 % of 华信投资有限公司",
        "P3": "{company} 顾问 of 峰鑫科技有限公司",  # a title as written, braces and all
    }
    assert PLACES_SHOWN == 2


def test_a_company_a_person_without_namesake_and_namesakes_with_nothing_on_record_have_no_line(tmp_path):
    with SQLiteStore(case(tmp_path / "g.db")) as store:
        with store.writer() as w:
            w.add_many([Entity("P9", EntityKind.PERSON, "孤人"), Entity("Q1", EntityKind.PERSON, "独行侠"),
                        Entity("Q2", EntityKind.PERSON, "独行侠"), Holding("P9", "C1", Share.exact(0.2))])
        assert search_entities(store, "华信投资有限公司").about == {}
        assert search_entities(store, "孤人").about == {}  # holds 20 % of C1, but nobody else is 孤人
        assert search_entities(store, "独行侠").about == {}  # two of them, neither with anything on record


def test_the_cli_and_the_api_carry_the_line_in_chinese(tmp_path):
    db = case(tmp_path / "g.db")
    out = run_cli("--lang", "zh", "search", "廖博", "--db", db, "--format", "json")
    assert out.exit_code == 0, out.output
    about = {h["id"]: h["about"] for h in json.loads(out.output)["hits"]}
    assert about["P1"] == "1971年生；华信投资有限公司法定代表人；持有恒泰贸易有限公司 30 %；另有2家公司"
    with SQLiteStore(db, readonly=True) as store:
        hits = explore.suggestions(store, "廖博")
    assert [h["about"] for h in hits][1] == "持有恒泰贸易有限公司 60 %；持有华信投资有限公司 10 %"


def suggested(page, text: str) -> str:
    """The search box's first offer once it is ``text``'s (polled: the app's CSP forbids evaluated
    predicates)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        shown = page.inner_text("#suggestions li") if page.is_visible("#suggestions li") else ""
        if shown.startswith(text):
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not offered")


def test_the_search_box_tells_namesakes_apart_marks_fuzzy_hits_and_shows_a_number_once(tmp_path, page, shots):
    db = case(tmp_path / "g.db")
    with serving(db) as served:
        page.goto(served)
        page.wait_for_selector("body[data-started]")
        page.fill("#search", "廖博")
        page.wait_for_selector("#suggestions li small.about")
        lines = page.eval_on_selector_all("#suggestions li small.about", "xs => xs.map(x => x.textContent)")
        assert lines[0].startswith("born 1971; legal representative of 华信投资有限公司")
        assert len(lines) == 3 and len(set(lines)) == 3
        page.screenshot(path=str(shots / "search-namesakes.png"))
        page.fill("#search", "91110000MA01ABCD1X")
        assert suggested(page, "华信投资有限公司").count("91110000MA01ABCD1X") == 1
        page.fill("#search", "恒泰贸意有限公司")
        assert "fuzzy 恒泰贸易有限公司" in suggested(page, "恒泰贸易有限公司")
    assert page.problems == []
