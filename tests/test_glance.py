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


def test_what_the_registers_declare_is_said_beside_the_verdict(tmp_path):
    """The real BODS 0.4 package (tests/data/open, licence in its README) with its shares taken out, as
    extracts that declare beneficial owners without sizes are: the verdict is uncertain, and the
    declared beneficial owner is said at a glance, where it was said nowhere on the first screen."""
    import json
    from pathlib import Path

    from equitygraph.loaders.formats import load_path

    statements = json.loads((Path(__file__).parent / "data/open/bods/v0.4/bods-package.json").read_text())
    for statement in statements:
        for interest in statement["recordDetails"].get("interests", []) if statement["recordType"] == "relationship" else []:
            interest.pop("share", None)
    extract = tmp_path / "sizeless.json"
    extract.write_text(json.dumps(statements))
    with SQLiteStore(tmp_path / "b.db") as store:
        load_path(store, extract)
        company = next(e for e in store.iter_records() if getattr(e, "kind", None) is EntityKind.COMPANY)
        lines = glance(store, company.id)
    assert lines["verdict"] == "uncertain"
    assert lines["declared by the registers"] == "Jennifer Hewitson-Smith (bods:10478c6cf6de) beneficial owner"
