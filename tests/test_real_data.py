"""Real extracts nobody here wrote (tests/data/real/, each with its source and licence): loaded as
they come, and what the data itself says asserted."""

import datetime as dt
from pathlib import Path

import pytest

from equitygraph.graph.model import EntityKind, Holding, Officer
from equitygraph.graph.roles import family_of
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.formats import load_path

REAL = Path(__file__).parent / "data" / "real"


@pytest.fixture()
def tsmc(tmp_path):
    store = SQLiteStore(tmp_path / "tw.db")
    report = load_path(store, REAL / "tw-gcis-22099131")
    yield store, report
    store.close()


def test_the_taiwan_registry_extract_loads_as_it_comes(tsmc):
    store, report = tsmc
    company = store.get("co:22099131")
    assert company.name == "台灣積體電路製造股份有限公司" and company.founded == dt.date(1987, 2, 21)
    # 資本總額 and 實收資本額; the paid-in capital is the issued shares (Equity_Amt) at their par value (Share_Val 10)
    assert company.registered_capital == 280_500_000_000 and company.paid_in_capital == 25_932_370_067 * 10
    officers = [r for r in store.iter_records() if isinstance(r, Officer)]
    roles = {(store.get(o.person_id).name, o.role) for o in officers}
    assert roles == {("魏哲家", "legal_representative"), ("魏哲家", "chairman"), ("葉俊顯", "director"),
                     ("行政院國家發展基金管理會", "director"), ("彼得‧邦菲爵士", "independent_director")}
    # every title of the list is a standard role (the target: 99 % or more)
    assert report.counts["roles recognised"] == 3 and report.counts["roles kept as written"] == 0
    assert all(family_of(o.role) for o in officers)
    titles = {(store.get(o.person_id).name, o.title) for o in officers if o.role != "legal_representative"}
    assert titles == {("魏哲家", "董事長"), ("葉俊顯", "董事"), ("行政院國家發展基金管理會", "董事"), ("彼得‧邦菲爵士", "獨立董事")}


def test_the_national_development_fund_is_a_public_body_holding_6_38_percent(tsmc):
    store, report = tsmc
    fund = store.search("行政院國家發展基金管理會", exact_only=True)[0].entity
    assert fund.kind is EntityKind.ORGANIZATION
    # each name cell is typed: 魏哲家 twice (legal representative, chairman), 葉俊顯, 彼得‧邦菲爵士
    assert report.counts["typed by organization name"] == 1 and report.counts["typed by person name"] == 4
    holdings = {store.get(h.holder_id).name: h.share.low for h in store.iter_records() if isinstance(h, Holding)}
    assert holdings == pytest.approx({"行政院國家發展基金管理會": 1653709980 / 25932370067, "魏哲家": 7452349 / 25932370067})
    assert holdings["行政院國家發展基金管理會"] == pytest.approx(0.0638, abs=5e-5)
    independent = store.search("彼得‧邦菲爵士", exact_only=True)[0].entity
    assert independent.kind is EntityKind.PERSON and "彼得‧邦菲爵士" not in holdings
