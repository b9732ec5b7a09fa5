"""Open registers larger than memory: what a reader remembers moves to disk (loaders/spill.py), BODS is
indexed and read again instead of held, GLEIF is read twice, and a large JSON document is streamed.
Each is checked to give exactly the store the in-memory way gives, on the public samples of
tests/data/open (licences in its README)."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import dump
from equitygraph.graph.errors import InvalidInput
from equitygraph.graph.model import Holding, Relation, RelationType
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders import jsonfile, spill
from equitygraph.loaders.formats import load_path
from equitygraph.loaders.spill import SpillMap

DATA = Path(__file__).parent / "data"
OPEN = DATA / "open"
# The registry extract's directors name their company by number: the matcher finds it among the parties
# it remembered (on disk, below).
REAL_INPUTS = sorted([*(OPEN / "bods" / "v0.4").glob("*.json"), *(OPEN / "bods" / "v0.2").glob("*.json"),
                      OPEN / "gleif", OPEN / "ftm" / "donations-excerpt.ijson", DATA / "real" / "tw-gcis-22099131"])

keys = st.sampled_from([f"k{n}" for n in range(12)])
values = st.one_of(st.integers(), st.text(max_size=5), st.none(), st.tuples(st.text(max_size=3), st.integers()))


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(st.tuples(keys, values), max_size=60), limit=st.integers(1, 8))
def test_a_spill_map_is_a_dict_across_the_disk_boundary(ops, limit):
    oracle, seen = {}, SpillMap(limit)
    held, spilled = set(), False  # the keys in memory since the last move to disk
    for key, value in ops:
        oracle[key] = seen[key] = value
        held.add(key)
        if len(held) >= limit:
            held, spilled = set(), True
    assert {k: seen.get(k, "absent") for k in map("k{}".format, range(12))} == \
        {k: oracle.get(k, "absent") for k in map("k{}".format, range(12))}
    assert all((k in seen) == (k in oracle) for k in map("k{}".format, range(12)))
    assert dict(seen.items()) == oracle and sorted(seen.items(), key=repr) == sorted(oracle.items(), key=repr)
    assert seen.on_disk == spilled
    seen.close()
    assert seen.get("k0") is None and not seen.on_disk


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(st.tuples(keys, values), max_size=60), limit=st.integers(1, 8))
def test_a_multi_spill_map_keeps_every_value_in_the_order_added(ops, limit):
    oracle, seen = {}, SpillMap(limit, multi=True)
    for key, value in ops:
        oracle.setdefault(key, []).append(value)
        seen.add(key, value)
    assert {k: seen.values(k) for k in map("k{}".format, range(12))} == \
        {k: oracle.get(k, []) for k in map("k{}".format, range(12))}
    assert sorted(seen.items(), key=repr) == sorted(((k, v) for k, vs in oracle.items() for v in vs), key=repr)
    assert list(seen.groups()) == sorted(oracle.items())


def test_a_spill_map_says_how_it_is_used():
    with pytest.raises(ValueError, match="limit must be at least 1, not 0"):
        SpillMap(0)
    with pytest.raises(TypeError, match="use add"):
        SpillMap(multi=True)["k"] = 1
    with pytest.raises(TypeError, match="use map"):
        SpillMap().add("k", 1)
    with pytest.raises(KeyError):
        SpillMap()["absent"]


def _loaded(tmp_path: Path, name: str, source: Path):
    path = tmp_path / f"{name}.db"
    with SQLiteStore(path) as store:
        report = load_path(store, source)
    # Every load of a register draws its own salt for ID-number hashes: the rest must be the same.
    rows = [(table, [r for r in kept if not r.startswith("('id_salt'")]) for table, kept in dump(path, skip_meta=True)]
    return rows, report.counts, report.warnings


@pytest.mark.parametrize("source", REAL_INPUTS, ids=lambda p: p.name)
def test_real_inputs_load_the_same_with_everything_on_disk_and_streamed(tmp_path, monkeypatch, source):
    in_memory = _loaded(tmp_path, "memory", source)
    monkeypatch.setattr(spill, "IN_MEMORY", 1)
    monkeypatch.setattr(jsonfile, "STREAMED_ABOVE_BYTES", 0)
    assert _loaded(tmp_path, "disk", source) == in_memory


def test_a_streamed_document_says_which_item_is_wrong(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonfile, "STREAMED_ABOVE_BYTES", 0)
    good = {"statementId": "s1", "recordId": "e1", "recordType": "entity", "recordDetails": {"name": "A"}}
    broken = tmp_path / "broken.json"
    broken.write_text("[\n" + json.dumps(good, indent=1) + ",\n" + json.dumps(good, indent=1)[:-3] + "\n")
    with pytest.raises(InvalidInput) as e:
        list(jsonfile.read_objects(broken))
    assert str(e.value) == "broken.json: item 2: is not valid JSON: parse error: premature EOF"
    listed = tmp_path / "listed.json"
    listed.write_text('{"statements": [' + json.dumps(good, indent=1) + ', [1]]}')
    with pytest.raises(InvalidInput) as e:
        list(jsonfile.read_objects(listed))
    assert str(e.value) == "listed.json: item 2: is not a JSON object"
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'[{"name": "caf\xe9"}]')
    with pytest.raises(InvalidInput) as e:
        list(jsonfile.read_objects(latin))
    assert str(e.value) == "latin.json: item 1: is not UTF-8 (JSON is always UTF-8)"
    # An object with no statements array cannot be streamed: read whole, as one object.
    single = tmp_path / "single.json"
    single.write_text("\ufeff" + json.dumps(good, indent=1), encoding="utf-8")
    assert [f.value for f in jsonfile.read_objects(single)] == [good]
    bom_array = tmp_path / "bom.json"
    bom_array.write_text("\ufeff[" + json.dumps(good, indent=1) + "]", encoding="utf-8")
    assert [(f.value, f.position, f.line) for f in jsonfile.read_objects(bom_array)] == [(good, 1, None)]


def _bods_02(statement_id: str, kind: str, date: str, replaces=(), **fields) -> dict:
    return {"statementID": statement_id, "statementType": kind, "statementDate": date,
            "replacesStatements": list(replaces), **fields}


@pytest.mark.parametrize("in_memory", [None, 1])
def test_bods_02_replaced_statements_hand_their_record_on(tmp_path, monkeypatch, in_memory):
    """A statement that replaces another takes over its record, also when it comes first in the file:
    a relationship naming the old statement id reaches the renamed company, the replaced relationship
    gives way to the later one, and a replacement of a replacement keeps the first record."""
    if in_memory:
        monkeypatch.setattr(spill, "IN_MEMORY", in_memory)
    entity = {"entityType": "registeredEntity", "identifiers": [{"scheme": "GB-COH", "id": "0001"}]}
    statements = [
        _bods_02("ent-3", "entityStatement", "2021-01-01", ["ent-2"], name="Third Name Ltd", **entity),
        _bods_02("ent-1", "entityStatement", "2019-01-01", name="First Name Ltd", **entity),
        _bods_02("ent-2", "entityStatement", "2020-01-01", ["ent-1"], name="Second Name Ltd", **entity),
        _bods_02("per-1", "personStatement", "2019-01-01", personType="knownPerson",
                 names=[{"fullName": "Ada Holder"}]),
        _bods_02("rel-1", "ownershipOrControlStatement", "2019-01-01", subject={"describedByEntityStatement": "ent-1"},
                 interestedParty={"describedByPersonStatement": "per-1"},
                 interests=[{"type": "shareholding", "share": {"exact": 30}}]),
        _bods_02("rel-2", "ownershipOrControlStatement", "2020-06-01", ["rel-1"],
                 subject={"describedByEntityStatement": "ent-1"},
                 interestedParty={"describedByPersonStatement": "per-1"},
                 interests=[{"type": "shareholding", "share": {"exact": 60}}]),
    ]
    source = tmp_path / "replaced.json"
    source.write_text(json.dumps(statements))
    with SQLiteStore(tmp_path / "replaced.db") as store:
        report = load_path(store, source)
        names = {e.name for e in store.iter_records() if hasattr(e, "name")}
        holdings = [(store.get(h.holder_id).name, store.get(h.company_id).name, h.share.describe())
                    for h in store.iter_records() if isinstance(h, Holding)]
        assert not [r for r in store.iter_records() if isinstance(r, Relation) and r.type is RelationType.NOMINEE]
    assert names == {"Third Name Ltd", "Ada Holder"}
    assert holdings == [("Ada Holder", "Third Name Ltd", "60 %")]
    assert (report.counts["statements"], report.counts["replaced statements"],
            report.counts["superseded statements"]) == (6, 3, 3)
    assert not report.warnings


def test_bods_progress_counts_each_statement_indexed_and_each_latest_one_written(tmp_path):
    from equitygraph.loaders.bods import read_bods
    from equitygraph.loaders.common import Matcher
    from equitygraph.loaders.report import LoadReport

    report, counted = LoadReport("fermcat.json", fmt="bods"), []
    records = list(read_bods(OPEN / "bods" / "v0.4" / "fermcat.json", matcher=Matcher(None, report), report=report,
                             progress=counted.append))
    assert records and (report.counts["statements"], report.counts["superseded statements"]) == (23, 16)
    assert sum(counted) == 23 + (23 - 16)


def test_what_the_open_standards_readers_count_is_said_in_chinese(tmp_path):
    import re

    from click.testing import CliRunner

    from equitygraph.queries.cli import cli

    db = str(tmp_path / "zh.db")
    said = CliRunner().invoke(cli, ["--lang", "zh", "load", str(OPEN / "bods" / "v0.4" / "fermcat.json"), "--db", db])
    assert said.exit_code == 0 and "声明条数            23" in said.output and "被后续声明取代      16" in said.output
    said = CliRunner().invoke(cli, ["--lang", "zh", "load", str(OPEN / "gleif"), "--db", str(tmp_path / "g.db")])
    assert said.exit_code == 0
    counted = [line.split()[0] for line in said.output.splitlines()[1:] if re.match(r"^  \S.*\s\d+$", line)]
    assert counted and not [word for word in counted if re.search("[A-Za-z]", word)]


@pytest.mark.parametrize("in_memory", [None, 1])
def test_a_folder_of_statements_is_one_sequence_across_its_files(tmp_path, monkeypatch, in_memory):
    """Fermcat's statements split over two files (updates in the second, of records in the first) give
    the holdings, officers and counts the one file gives."""
    if in_memory:
        monkeypatch.setattr(spill, "IN_MEMORY", in_memory)
    statements = json.loads((OPEN / "bods" / "v0.4" / "fermcat.json").read_text())
    folder = tmp_path / "split"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(statements[:12]))
    (folder / "b.jsonl").write_text("".join(json.dumps(s) + "\n" for s in statements[12:]))

    def facts(source, name):
        with SQLiteStore(tmp_path / f"{name}.db") as store:
            report = load_path(store, source)
            names = {e.id: e.name for e in store.iter_records() if hasattr(e, "name")}
            held = sorted((names[h.holder_id], names[h.company_id], h.share.describe(), h.since, h.until)
                          for h in store.iter_records() if isinstance(h, Holding))
        return held, {k: v for k, v in report.counts.items()}

    whole, split = facts(OPEN / "bods" / "v0.4" / "fermcat.json", "whole"), facts(folder, "split")
    assert split == whole and len(whole[0]) == 3
