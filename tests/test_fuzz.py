"""Fuzzing every reader and the explorer's parameters (issue 28): whatever the input, a load ends with
a result or with one line naming where (exit 1), never a traceback nor an "internal error", within a
time that grows with the input; the API answers every parameter with a status and one line. The
budget is fixed (the "ci" profile derandomises it, conftest.py)."""

import json
import string
import time

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equitygraph.queries.cli import cli

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# What registers hold, what breaks parsers, and what steers terminals.
CELL_ALPHABET = st.sampled_from(list(string.printable) + list("华信投资有限公司张王%-–～/年月日.,;|\"'") +
                                ["\x00", "\x1b", "\u202e", "\ufeff", "\r", "\u2028", "９", "٣"])
CELLS = st.text(CELL_ALPHABET, max_size=30) | st.sampled_from(
    ["", "60", "60%", "0.5", "-1", "1e309", "nan", "inf", "25-to-50", "2024-02-30", "0001-01-01", "9999-12-31",
     "company", "person", "organization", "P1", "C1", "shareholding", "=1+1", "91110000MA01ABCD1X"])


def run_load(tmp_path, *args) -> tuple[int, str, float]:
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["load", *map(str, args), "--db", str(tmp_path / "f.db")])
    return result.exit_code, result.output, time.perf_counter() - started


def assert_one_line_or_result(code: int, output: str, seconds: float, size: int) -> None:
    assert code in (0, 1), output
    assert "Traceback" not in output and "internal error" not in output, output
    if code == 1:
        assert output.startswith("Error: ") and output.count("\n") == 1, output
    assert seconds < 5.0 + size / 20_000, seconds  # time grows with the input, not faster


def csv_text(rows: list[list[str]]) -> str:
    return "".join(",".join('"' + c.replace('"', '""') + '"' for c in row) + "\n" for row in rows)


@FUZZ
@given(entities=st.lists(st.lists(CELLS, min_size=1, max_size=6), max_size=8),
       holdings=st.lists(st.lists(CELLS, min_size=1, max_size=6), max_size=8))
def test_the_canonical_folder_reader(tmp_path_factory, entities, holdings):
    folder = tmp_path_factory.mktemp("csv")
    (folder / "entities.csv").write_text(csv_text([["id", "kind", "name", "registered_capital", "founded"], *entities]),
                                         encoding="utf-8")
    (folder / "holdings.csv").write_text(csv_text([["holder_id", "company_id", "share", "since", "until"], *holdings]),
                                         encoding="utf-8")
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert_one_line_or_result(*run_load(folder, folder), size)


@FUZZ
@given(rows=st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=10),
       header=st.sampled_from([["企业名称", "股东名称", "持股比例", "股东类型"], ["企业名称", "姓名", "职务", "任职日期"],
                               ["企业名称", "统一社会信用代码", "注册资本", "成立日期"]]))
def test_the_registry_extract_reader(tmp_path_factory, rows, header):
    folder = tmp_path_factory.mktemp("extract")
    path = folder / "extract.csv"
    path.write_text(csv_text([header, *rows]), encoding="utf-8")
    assert_one_line_or_result(*run_load(folder, path), path.stat().st_size)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False) | st.text(CELL_ALPHABET, max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(CELL_ALPHABET, max_size=12), inner, max_size=4),
    max_leaves=20)


@st.composite
def shaped_like(draw, fmt: str):
    """Objects with the keys each format reads, their values anything."""
    keys = {
        "psc": ["company_number", "data"],
        "bods": ["statementId", "statementType", "recordType", "recordDetails", "subject", "interestedParty",
                 "interests", "name", "entityType"],
        "gleif": ["LEI", "Entity", "Relationship"],
        "ftm": ["id", "schema", "properties"],
    }[fmt]
    inner = {"data": st.fixed_dictionaries({}, optional={k: JSON_VALUES | CELLS for k in
                                                          ["kind", "name", "natures_of_control", "notified_on",
                                                           "ceased_on", "identification", "address"]})}
    return draw(st.fixed_dictionaries({}, optional={k: inner.get(k, JSON_VALUES) for k in keys}))


@pytest.mark.parametrize("fmt", ["psc", "bods", "gleif", "ftm"])
def test_the_json_readers(tmp_path, fmt):
    @FUZZ
    @given(items=st.lists(shaped_like(fmt), max_size=6), lines=st.booleans())
    def check(items, lines):
        path = tmp_path / ("in.jsonl" if lines else "in.json")
        path.write_text("\n".join(json.dumps(i) for i in items) + "\n" if lines else json.dumps(items))
        for old in tmp_path.glob("f.db*"):
            old.unlink()
        assert_one_line_or_result(*run_load(tmp_path, path, "--format", fmt), path.stat().st_size)

    check()


PARAMETERS = st.text(st.sampled_from(list(string.printable) + ["\x00", "\u202e", "华", "%", "９"]), max_size=25) | \
    st.sampled_from(["", "0", "-1", "101", "nan", "inf", "1e309", "0001-01-01", "2024-02-30", "holding,officer",
                     "none", "zh", "fr", "99999999999999999999"])


def test_the_explorer_answers_every_parameter_with_a_status_and_one_line(tmp_path):
    from starlette.testclient import TestClient

    from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.queries.app.server import make_app

    with SQLiteStore(tmp_path / "app.db") as store, store.writer() as w:
        w.add_many([Entity("C", EntityKind.COMPANY, "华信投资"), Entity("P", EntityKind.PERSON, "王伟"),
                    Holding("P", "C", Share.exact(0.6))])
    app = make_app(lambda: SQLiteStore(tmp_path / "app.db", readonly=True))
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        @FUZZ
        @given(route=st.sampled_from(["/api/search", "/api/entity/C", "/api/neighbours/C", "/api/view/C",
                                      "/api/tree/C", "/api/messages"]),
               params=st.dictionaries(st.sampled_from(["q", "limit", "offset", "min_share", "kinds", "as_of", "lang",
                                                       "up", "down"]), PARAMETERS, max_size=4))
        def check(route, params):
            answer = client.get(route, params=params)
            assert answer.status_code in (200, 400, 404, 414), (route, params, answer.text)
            body = answer.json()
            if answer.status_code != 200:
                assert set(body) == {"error"} and "\n" not in body["error"], body
                assert "internal error" not in body["error"]

        check()
