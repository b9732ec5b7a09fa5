"""The command line, through click's CliRunner: exact output lines and exit codes."""

import json

import pytest
from click.testing import CliRunner

from conftest import ENTITIES, HOLDINGS, write_case
from equitygraph.queries.cli import cli


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("EQUITYGRAPH_DB", str(tmp_path / "cli.db"))
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args])

    return invoke


def test_load_then_search_then_company(run, case):
    loaded = run("load", case, "--format", "json")
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout)["counts"]["holdings"] == 4
    found = run("search", "huaxin", "--format", "json")
    assert [h["id"] for h in json.loads(found.stdout)["hits"]] == ["C1"]
    report = run("company", "华信投资有限公司", "--format", "json")
    assert report.exit_code == 0
    data = json.loads(report.stdout)
    assert [(h["holder_id"], h["share"]) for h in data["holders"]] == [("P1", "60 %"), ("P2", "40 %")]
    assert [(h["company_id"], h["share"]) for h in data["holdings"]] == [("C2", "50-75 %")]
    assert data["contacts"] == [{"kind": "address", "text": "北京市朝阳区建国路1号", "shared_with": 1}]


def test_company_table_shows_holders_and_the_chain_above(run, case):
    run("load", case)
    out = run("company", "C2").stdout
    assert "Direct holders" in out and "华信投资有限公司" in out and "50-75 %" in out
    assert "Ownership above (current holdings)" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["2", "张三", "P1", "person", "60", "%", "C1"] in lines


def test_bad_input_exits_1_with_one_line(run, tmp_path):
    bad = write_case(tmp_path / "bad", holdings=HOLDINGS.replace("P1,C1,60%", "P1,C1,150%"))
    result = run("load", bad)
    assert result.exit_code == 1
    assert result.stderr == "Error: holdings.csv:2: share: '150%' is outside 0-100 %\n"


def test_usage_errors_exit_2(run):
    result = run("search")
    assert result.exit_code == 2 and "Missing argument 'TEXT'" in result.stderr
    assert run("search", "x", "--format", "xml").exit_code == 2


def test_querying_before_loading_says_what_to_do(run, tmp_path):
    result = run("search", "x")
    assert result.exit_code == 1
    db = tmp_path / "cli.db"
    assert result.stderr == f"Error: no database at {db} (load data first: equitygraph load FOLDER --db {db})\n"


def test_ambiguous_name_lists_the_candidates(run, tmp_path):
    folder = write_case(tmp_path / "twins", entities=ENTITIES + "P3,person,张三,,,,\n")
    run("load", folder)
    result = run("company", "张三")
    assert result.exit_code == 1
    assert result.stderr == ("Error: '张三' matches 2 entities: 张三 (P1, person), 张三 (P3, person); "
                             "name one by its id or registration number\n")


def test_unknown_name_suggests_the_closest(run, case):
    run("load", case)
    result = run("company", "华信科技发展有限公司")
    assert result.exit_code == 1
    assert result.stderr == ("Error: no company, person or organization matches '华信科技发展有限公司'; "
                             "closest names: 华信投资有限公司\n")


def test_db_flag_beats_the_environment(run, case, tmp_path):
    other = tmp_path / "other.db"
    assert run("load", case, "--db", other).exit_code == 0
    assert run("search", "华信", "--db", other).exit_code == 0
    assert run("search", "华信").exit_code == 1  # the environment's database was never loaded


def test_generate_writes_a_case(run, tmp_path):
    result = run("generate", tmp_path / "gen", "--companies", "100", "--seed", "5")
    assert result.exit_code == 0
    assert (tmp_path / "gen" / "ground_truth.csv").exists()
    assert run("generate", tmp_path / "gen2", "--companies", "3").exit_code == 2


def test_demo_reports_a_company_with_a_hidden_controller(run, tmp_path):
    result = run("demo", "--dir", tmp_path / "demo", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    truth = data["ground_truth"]
    assert truth["hidden_controller_id"] and truth["hidden_controller_id"] != truth["controller_id"]
    assert data["company"]["entity"]["id"] == truth["entity_id"]
    above = {row["holder_id"] for row in data["company"]["upstream"]}
    assert truth["controller_id"] in above  # the nominee is on record above the company
    assert truth["hidden_controller_id"] not in above  # the real controller is not
    assert max(row["level"] for row in data["company"]["upstream"]) >= 2


def test_internal_errors_are_one_line(run, case, monkeypatch):
    run("load", case)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("equitygraph.queries.company.company_report", broken)
    result = run("company", "C1")
    assert result.exit_code == 1
    assert result.stderr == ("Error: internal error: ZeroDivisionError: division by zero "
                             "(set EQUITYGRAPH_DEBUG=1 for the traceback)\n")
