"""The answer first on an entity's page (issue 29): who controls a company, how sure, its risk and
where it belongs; what a holder holds and controls, and a flag on a holder of many stakes."""

import shutil

from conftest import add_tall_case
from equitygraph.graph.model import Entity, EntityKind, Holding, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries import explore
from equitygraph.queries.analyze import analyze


def glance(store, entity_id) -> dict:
    page = explore.entity_page(store, entity_id)
    first = page["sections"][0]
    assert first["title"] == "At a glance" and page["sections"][1]["fold"]  # the profile folds under it
    return dict(first["rows"])


def test_a_company_and_its_controller_at_a_glance(tmp_path):
    """The tall case: 梁建辉 controls 目标公司 (C0) four levels up with 40.96 % of the cash flow."""
    db = tmp_path / "tall.db"
    with SQLiteStore(db) as store:
        with store.writer() as w:
            add_tall_case(w)
        before = glance(store, "C0")
        assert (before["actual controller"], before["verdict"], before["risk events"]) == ("梁建辉 (P1)", "single", "0")
        assert before["risk"].startswith("not scored yet") and "enterprise group" not in before
    analysed = tmp_path / "analysed.db"
    shutil.copy(db, analysed)
    with SQLiteStore(analysed) as store:
        analyze(store)
        after = glance(store, "C0")
        results = store.results_for("C0")
        assert after["risk"].startswith(f"{results['risk_score']:.2f} ")
        assert after["enterprise group"] == f"{results['group_size']} companies"
        person = glance(store, "P1")
        assert person["holds stakes in"] == "Offshore Ltd (C3)"
        controlled = sorted(i for i, r in store.read_results("controller").items() if r == "P1")
        assert person["actual controller of"].count("(") == min(len(controlled), 5) and "目标公司 (C0)" in \
            person["actual controller of"]


def test_a_holder_of_many_stakes_is_flagged(tmp_path):
    with SQLiteStore(tmp_path / "n.db") as store:
        with store.writer() as w:
            w.add(Entity("N", EntityKind.PERSON, "代持人"))
            for k in range(10):
                w.add_many([Entity(f"C{k}", EntityKind.COMPANY, f"公司{k}"), Holding("N", f"C{k}", Share.exact(0.05))])
        lines = glance(store, "N")
        assert lines["holds stakes in"].endswith(" and 5 more")
        assert lines["note"] == "stakes in 10 companies: a professional nominee may hold them for others"
        with store.writer() as w:
            w.add(Entity("M", EntityKind.PERSON, "普通人"))
            w.add_many([Holding("M", f"C{k}", Share.exact(0.05)) for k in range(9)])
        assert "note" not in glance(store, "M")
