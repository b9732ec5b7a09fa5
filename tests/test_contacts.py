"""Addresses and phones as leads (issue 29): found by search however they are written, and each opens
the list of who is registered there, in the CLI, the API and the browser."""

import json

import pytest
from click.testing import CliRunner

from conftest import run_cli, serving
from equitygraph.graph.model import Entity, EntityKind, Link, LinkKind, address_id, contact_id
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries import contacts, explore
from equitygraph.queries.cli import cli

ADDRESS = "北京市朝阳区建国路1号"
PHONE = "010-8888 6666"


def case(path, tenants: int = 3):
    """``tenants`` companies registered at one address; the first two share a phone; C01 was warned red
    by an analysis, C02 yellow."""
    with SQLiteStore(path) as store:
        with store.writer() as w:
            w.add_many([Entity(address_id(ADDRESS), EntityKind.ADDRESS, ADDRESS),
                        Entity(contact_id(PHONE), EntityKind.CONTACT, PHONE)])
            for i in range(tenants):
                w.add_many([Entity(f"C{i:02d}", EntityKind.COMPANY, f"华信{i:02d}投资有限公司"),
                            Link(f"C{i:02d}", address_id(ADDRESS), LinkKind.LOCATED_AT)])
            w.add_many([Link("C00", contact_id(PHONE), LinkKind.HAS_CONTACT),
                        Link("C01", contact_id(PHONE), LinkKind.HAS_CONTACT)])
        store.write_results("risk_tier", {"C01": "red", "C02": "yellow"})
    return path


@pytest.mark.parametrize("typed, kind", [
    ("北京市朝阳区 建国路１号", "address"),   # a space, a full-width digit
    ("01088886666", "contact"),              # the phone's digits alone
    ("010 8888-6666", "contact"),
])
def test_an_address_or_phone_is_found_however_it_is_written(tmp_path, typed, kind):
    db = case(tmp_path / "c.db")
    found = run_cli("search", typed, "--db", db, "--format", "json")
    assert found.exit_code == 0, found.output
    first = json.loads(found.output)["hits"][0]
    assert (first["kind"], first["how"]) == (kind, kind)
    with SQLiteStore(db, readonly=True) as store:
        assert explore.suggestions(store, typed)[0]["id"] == first["id"]


def test_shared_lists_who_is_registered_there_those_at_risk_first(tmp_path):
    db = case(tmp_path / "c.db")
    result = run_cli("shared", ADDRESS, "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(t["id"], t["risk_tier"]) for t in data["registered"]] == [("C01", "red"), ("C02", "yellow"), ("C00", None)]
    assert (data["parties"], data["likely_registration_agent"]) == (3, False)
    phone = json.loads(run_cli("shared", "01088886666", "--db", db, "--format", "json").output)
    assert [t["id"] for t in phone["registered"]] == ["C01", "C00"]
    table = run_cli("--lang", "zh", "shared", PHONE, "--db", db)
    assert table.output.splitlines()[0] == f"登记于电话 / 邮箱{PHONE}：2个主体"


def test_an_unknown_address_is_one_line(tmp_path):
    db = case(tmp_path / "c.db")
    result = CliRunner().invoke(cli, ["shared", "上海市某路2号", "--db", str(db)])
    assert (result.exit_code, result.output) == (1, "Error: no address, phone or e-mail '上海市某路2号' is on record\n")


@pytest.mark.parametrize("tenants, busy", [(contacts.BUSY, False), (contacts.BUSY + 1, True)])
def test_an_address_of_many_parties_is_said_to_be_an_agents(tmp_path, tenants, busy):
    with SQLiteStore(case(tmp_path / "c.db", tenants), readonly=True) as store:
        shared = contacts.who_shares(store, address_id(ADDRESS))
        assert (len(shared.tenants), shared.busy) == (tenants, busy)
        assert bool(shared.sections()[0].note) is busy


def test_the_company_page_links_each_address_and_phone_to_its_list(tmp_path):
    with SQLiteStore(case(tmp_path / "c.db"), readonly=True) as store:
        page = explore.entity_page(store, "C00")
        listed = [s for s in page["sections"] if s["title"] == "Registered addresses and contacts"][0]
        assert listed["rows"] == [["address", ADDRESS, 2], ["contact", PHONE, 1]]
        assert listed["links"] == [[None, address_id(ADDRESS), address_id(ADDRESS)],
                                   [None, contact_id(PHONE), contact_id(PHONE)]]
        assert page["names"][address_id(ADDRESS)] == ADDRESS
        there = explore.entity_page(store, address_id(ADDRESS))
        assert there["sections"][0]["rows"][:2] == [["parties registered here", "3"],
                                                   ["at risk", "华信01投资有限公司 (C01) red, 华信02投资有限公司 (C02) yellow"]]
        assert [r[0] for r in there["sections"][1]["rows"]] == ["华信01投资有限公司 (C01)", "华信02投资有限公司 (C02)",
                                                                "华信00投资有限公司 (C00)"]


@pytest.fixture(scope="module")
def served_contacts(tmp_path_factory):
    with serving(case(tmp_path_factory.mktemp("contacts") / "c.db")) as address:
        yield address


def test_in_the_browser_an_address_opens_who_is_registered_there(served_contacts, page, shots):
    from test_explorer import open_page

    open_page(page, served_contacts, "C00")
    page.click(f"#details a[data-entity='{address_id(ADDRESS)}']")
    page.wait_for_selector(f"body[data-page='{address_id(ADDRESS)}']")
    page.screenshot(path=str(shots / "contacts-address.png"))
    listed = page.locator("#details table").nth(1).locator("tr td:first-child").all_inner_texts()
    assert listed == ["华信01投资有限公司 (C01)", "华信02投资有限公司 (C02)", "华信00投资有限公司 (C00)"]
    assert page.locator("#details h1").inner_text() == ADDRESS
    assert page.locator("#details button[data-question]").count() == 0  # no related parties of an address
    assert not page.problems
