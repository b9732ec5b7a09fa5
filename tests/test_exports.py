"""Exports to the open standards: BODS 0.4 valid against the standard's own JSON Schema, FollowTheMoney
valid to the followthemoney library, and each loading back to the same graph."""

import json
from pathlib import Path

import pytest

from equitygraph.graph.model import Holding, Link, Officer, Relation, RelationType
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.csv_folder import load_folder
from equitygraph.loaders.formats import load_path
from equitygraph.loaders.synthetic import generate_case
from equitygraph.queries.io.export import export_graph

OPEN = Path(__file__).parent / "data" / "open"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A generated case (holdings with ranges and unknown shares, officers, contacts, declared ties)
    plus a BODS example with declared indirect stakes and beneficial owners."""
    folder = tmp_path_factory.mktemp("exports")
    generate_case(folder / "case", companies=120, seed=5)
    with SQLiteStore(folder / "source.db") as store:
        load_folder(store, folder / "case")
        load_path(store, OPEN / "bods" / "v0.4" / "indirect-ownership.json")
        yield store


def shape(store, ids: dict[str, str] | None = None):
    """The graph by names, so that two stores whose ids differ can be compared."""
    names = {e.id: (e.kind.value, e.name) for e in store.iter_records() if hasattr(e, "kind") and hasattr(e, "name")}
    holdings = sorted((names[h.holder_id], names[h.company_id], h.share.describe(), h.interest.value, h.since, h.until)
                      for h in store.iter_records() if isinstance(h, Holding))
    officers = sorted((names[o.person_id], names[o.company_id], o.role, o.since, o.until)
                      for o in store.iter_records() if isinstance(o, Officer))
    declared = sorted((names[r.a], names[r.b], r.type.value, r.share.describe())
                      for r in store.iter_records() if isinstance(r, Relation)
                      and r.type in (RelationType.INDIRECT_HOLDER, RelationType.BENEFICIAL_OWNER))
    parties = sorted(v for v in names.values() if v[0] in ("company", "person", "organization"))
    return parties, holdings, officers, declared


def bods_validator():
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schemas = [json.loads(p.read_text()) for p in (OPEN / "bods" / "schema-0.4").glob("*.json")]
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    statement = next(s for s in schemas if s["$id"] == "urn:statement")
    return Draft202012Validator(statement, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_the_schema_accepts_the_standards_own_examples_and_refuses_a_broken_one():
    validator = bods_validator()
    example = json.loads((OPEN / "bods" / "v0.4" / "fermcat.json").read_text())
    assert not list(validator.iter_errors(example))
    example[0]["recordDetails"].pop("isComponent")
    assert list(validator.iter_errors(example))  # the validator is not vacuous


def test_bods_export_is_valid_and_loads_back_to_the_same_graph(source, tmp_path):
    result = export_graph(source, "bods", tmp_path / "graph.bods.json")
    statements = json.loads((tmp_path / "graph.bods.json").read_text())
    errors = [f"{e.json_path}: {e.message}" for e in bods_validator().iter_errors(statements)]
    assert errors == []
    assert result.counts["relationship"] == sum(1 for s in statements if s["recordType"] == "relationship") > 100
    with SQLiteStore(tmp_path / "back.db") as back:
        load_path(back, tmp_path / "graph.bods.json")
        parties, holdings, officers, declared = shape(back)
        want = shape(source)
        assert (parties, holdings, officers) == want[:3]
        assert declared == want[3]


def test_ftm_export_is_valid_to_followthemoney_and_loads_back(source, tmp_path):
    from followthemoney import model

    result = export_graph(source, "ftm", tmp_path / "graph.ftm.json")
    lines = [json.loads(line) for line in (tmp_path / "graph.ftm.json").read_text().splitlines()]
    for line in lines:
        proxy = model.get_proxy(line, cleaned=False)  # the library cleans every value by its type
        assert proxy.to_dict()["properties"] == line["properties"], line
    assert result.counts["Ownership"] == sum(1 for r in source.iter_records() if isinstance(r, Holding))
    with SQLiteStore(tmp_path / "back.db") as back:
        load_path(back, tmp_path / "graph.ftm.json")
        assert shape(back)[:3] == shape(source)[:3]

        def ties(store):
            names = {e.id: e.name for e in store.iter_records() if hasattr(e, "kind") and hasattr(e, "name")}
            return sorted((names[r.a], names[r.b], r.type, r.share) for r in store.iter_records() if isinstance(r, Relation))

        def contacts(store):
            """Addresses and e-mails (FollowTheMoney writes phones in international form, so a phone
            comes back as +86...: see docs/inputs.md)."""
            names = {e.id: e.name for e in store.iter_records() if hasattr(e, "kind") and hasattr(e, "name")}
            return sorted((names[link.src], names[link.dst]) for link in store.iter_records()
                          if isinstance(link, Link) and not names[link.dst].lstrip("+").isdigit())

        assert ties(back) == ties(source) and len(ties(source)) >= 2
        assert contacts(back) == contacts(source) and len(contacts(source)) > 100
        phones = [line["properties"]["phone"] for line in lines if "phone" in line["properties"]]
        assert phones and all(p.startswith("+86") for found in phones for p in found)


def test_parquet_export_holds_every_record_typed_and_the_results_after_analyze(source, tmp_path):
    """A folder of typed tables: every record once, shares as fractions (a range as its two bounds, an
    unknown share as nulls), dates as dates; the results of analyze only after an analysis, and a
    stale results table never left behind."""
    import datetime as dt

    import pyarrow.parquet as pq

    from equitygraph.queries.analyze import analyze

    out = tmp_path / "pq"
    result = export_graph(source, "parquet", out)
    tables = {p.stem: pq.read_table(p) for p in out.glob("*.parquet")}
    assert set(tables) == {"entities", "holdings", "officers", "links", "events", "relations"}  # no analysis yet
    records = list(source.iter_records())
    kinds = {"entities": "Entity", "holdings": "Holding", "officers": "Officer", "links": "Link", "events": "RiskEvent",
             "relations": "Relation"}
    for table, kind in kinds.items():
        assert tables[table].num_rows == sum(type(r).__name__ == kind for r in records) == result.counts[table], table
    holdings = {(h.holder_id, h.company_id, h.interest.value): h for h in records if isinstance(h, Holding)}
    for row in tables["holdings"].to_pylist():
        held = holdings[(row["holder_id"], row["company_id"], row["interest"])]
        if held.share.is_known:
            assert (row["share_low"], row["share_high"]) == (held.share.low, held.share.high)
        else:
            assert row["share_low"] is None and row["share_high"] is None
        assert row["since"] == held.since and (row["since"] is None or isinstance(row["since"], dt.date))
    assert any(r["share_low"] != r["share_high"] for r in tables["holdings"].to_pylist() if r["share_low"] is not None)
    aliased = next(e for e in records if getattr(e, "aliases", ()))
    assert next(r for r in tables["entities"].to_pylist() if r["id"] == aliased.id)["aliases"] == list(aliased.aliases)
    assert "id_number" not in tables["entities"].schema.names  # only the salted hashes leave the store

    generate_case(tmp_path / "case", companies=60, seed=2)
    with SQLiteStore(tmp_path / "analysed.db") as analysed:
        load_folder(analysed, tmp_path / "case")
        analyze(analysed)
        export_graph(analysed, "parquet", out)  # into the same folder again
        results = pq.read_table(out / "results.parquet").to_pylist()
        verdicts = analysed.read_results("control_verdict")
        assert {r["id"]: r["control_verdict"] for r in results if r["control_verdict"]} == verdicts
        assert pq.read_table(out / "entities.parquet").num_rows == sum(analysed.counts()[k] for k in
                                                                       ("company", "person", "organization", "address", "contact"))
    export_graph(source, "parquet", out)  # a store with no analysis: the results above are not left behind
    assert not (out / "results.parquet").exists()


def test_a_parquet_export_loads_back_to_the_same_graph(source, tmp_path):
    export_graph(source, "parquet", tmp_path / "pq")
    with SQLiteStore(tmp_path / "back.db") as back:
        report = load_path(back, tmp_path / "pq")
        assert report.fmt == "parquet" and report.counts["entity rows"] == source.counts()["company"] + sum(
            source.counts()[k] for k in ("person", "organization", "address", "contact"))
        assert shape(back) == shape(source)
        assert back.counts() == source.counts()
        again = load_path(back, tmp_path / "pq")  # loading it again changes nothing
        assert back.counts() == source.counts() and again.rows == report.rows


@pytest.mark.parametrize("table, column, value, problem", [
    ("holdings", "share_low", 1.5, "holdings.parquet:3: share_low: share bounds must satisfy 0 <= low <= high <= 1, got 1.5, "),
    ("entities", "kind", "ship", "entities.parquet:3: kind: 'ship' is not one of company, person, organization"),
    ("events", "type", None, "events.parquet:3: type: is empty"),
    ("holdings", "company_id", "nobody", "holdings.parquet:3: company_id: 'nobody' is no entity of entities.parquet or "
                                         "of the store"),
    ("entities", "free_float", 1.5, "entities.parquet:3: free_float: 1.5 is not a fraction between 0 and 1"),
    ("events", "severity", 7, "events.parquet:3: severity: 7 is not a whole number from 1 to 5"),
    ("entities", "name", "", "entities.parquet:3: name: is empty"),
])
def test_a_bad_parquet_row_is_named_and_nothing_is_written(source, tmp_path, table, column, value, problem):
    import pyarrow as pa
    import pyarrow.parquet as pq

    export_graph(source, "parquet", tmp_path / "pq")
    rows = pq.read_table(tmp_path / "pq" / f"{table}.parquet").to_pylist()
    rows[2][column] = value
    schema = pq.read_schema(tmp_path / "pq" / f"{table}.parquet")
    pq.write_table(pa.Table.from_pylist(rows, schema), tmp_path / "pq" / f"{table}.parquet")
    with SQLiteStore(tmp_path / "bad.db") as bad:
        with pytest.raises(Exception) as raised:
            load_path(bad, tmp_path / "pq")
        assert str(raised.value).startswith(problem)
        assert bad.is_empty()


def test_a_parquet_row_may_name_an_entity_the_store_already_holds(source, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    export_graph(source, "parquet", tmp_path / "pq")
    held = pq.read_table(tmp_path / "pq" / "holdings.parquet").to_pylist()[0]["company_id"]
    entities = pq.read_table(tmp_path / "pq" / "entities.parquet")
    with SQLiteStore(tmp_path / "known.db") as store:
        load_path(store, tmp_path / "pq")
        pq.write_table(pa.Table.from_pylist([r for r in entities.to_pylist() if r["id"] != held], entities.schema),
                       tmp_path / "pq" / "entities.parquet")
        load_path(store, tmp_path / "pq")  # the company is in the store: the holding is not dangling
        assert store.get(held) is not None and store.counts() == source.counts()


def test_a_parquet_folder_without_its_columns_or_not_parquet_is_named(source, tmp_path):
    import pyarrow.parquet as pq

    export_graph(source, "parquet", tmp_path / "pq")
    entities = pq.read_table(tmp_path / "pq" / "entities.parquet")
    pq.write_table(entities.drop_columns(["kind"]), tmp_path / "pq" / "entities.parquet")
    with SQLiteStore(tmp_path / "bad.db") as bad:
        with pytest.raises(Exception) as raised:
            load_path(bad, tmp_path / "pq")
        assert str(raised.value) == "entities.parquet: kind: no such column"
        (tmp_path / "pq" / "entities.parquet").write_text("id,kind,name\n", encoding="utf-8")
        with pytest.raises(Exception) as raised:
            load_path(bad, tmp_path / "pq")
        assert str(raised.value).startswith("entities.parquet: not a Parquet file (")
        (tmp_path / "pq" / "entities.parquet").unlink()
        with pytest.raises(Exception) as raised:
            load_path(bad, tmp_path / "pq", fmt="parquet")
        assert str(raised.value) == "entities.parquet: no such file: a Parquet folder needs entities.parquet"
        assert bad.is_empty()
