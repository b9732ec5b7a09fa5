"""Round trips (issue 30): equitygraph's own BODS export loaded back into the store it came from adds
nothing (it doubled the store, 212 -> 424 companies, ids coming back as ``bods:...``), and into an
empty store gives the same ids, holdings with their sources, and control answers (but where a
declared tie BODS has no place for decides them)."""

from conftest import dump
from equitygraph.graph.model import EntityKind, Holding, RelationType
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.csv_folder import load_folder
from equitygraph.loaders.formats import load_path
from equitygraph.loaders.synthetic import generate_case
from equitygraph.queries.control.report import control_report
from equitygraph.queries.io.export import export_graph

PARTIES = (EntityKind.COMPANY, EntityKind.ORGANIZATION, EntityKind.PERSON)


def holdings(store) -> set[tuple]:
    return {(h.holder_id, h.company_id, h.share.low, h.share.high, h.interest, h.since, h.until, h.source)
            for h in store.iter_records() if isinstance(h, Holding)}


def test_the_bods_export_loads_back_adding_nothing_and_elsewhere_to_the_same_answers(tmp_path):
    generate_case(tmp_path / "case", companies=150, seed=4)
    with SQLiteStore(tmp_path / "g.db") as store:
        load_folder(store, tmp_path / "case")
        export_graph(store, "bods", tmp_path / "g.bods.json")
    before = dump(tmp_path / "g.db", skip_meta=True)
    with SQLiteStore(tmp_path / "g.db") as store:
        again = load_path(store, tmp_path / "g.bods.json")
    assert dump(tmp_path / "g.db", skip_meta=True) == before
    assert again.counts["matched on record"] > 0 and again.warnings == []
    with SQLiteStore(tmp_path / "fresh.db") as fresh:
        load_path(fresh, tmp_path / "g.bods.json")
    with SQLiteStore(tmp_path / "g.db", readonly=True) as store, SQLiteStore(tmp_path / "fresh.db", readonly=True) as fresh:
        assert set(fresh.ids_of(PARTIES)) == set(store.ids_of(PARTIES))  # the same ids, not bods:...
        assert holdings(fresh) == holdings(store)  # shares, interests, periods and sources
        tied = {p for r in store.relations_of(list(RelationType)) for p in (r.a, r.b)}
        differ = []
        for company in store.ids_of([EntityKind.COMPANY]):
            was, now = control_report(store, company), control_report(fresh, company)
            if (was.verdict, was.actual_controllers) != (now.verdict, now.actual_controllers):
                differ.append((company, was.actual_controllers, now.actual_controllers))
        # only where a declared tie (nominee, acting in concert, a control agreement) decides the answer
        assert all(tied & {company, *was_c, *now_c, *(h.holder_id for h in store.holders_of(company))}
                   for company, was_c, now_c in differ), differ
        assert len(differ) <= len(store.ids_of([EntityKind.COMPANY])) // 10
