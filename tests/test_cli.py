"""The command line, through click's CliRunner: exact output lines and exit codes."""

import json

import pytest
from click.testing import CliRunner

from conftest import ENTITIES, HOLDINGS, write_case
from equitygraph.graph.model import address_id
from equitygraph.queries.cli import cli


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("EQUITYGRAPH_DB", str(tmp_path / "cli.db"))
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args])

    return invoke


def test_load_then_search_then_company(run, case):
    loaded = run("load", case, "--report-format", "json")
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout)["counts"]["holdings"] == 4
    found = run("search", "huaxin", "--format", "json")
    assert [h["id"] for h in json.loads(found.stdout)["hits"]] == ["C1"]
    report = run("company", "华信投资有限公司", "--format", "json")
    assert report.exit_code == 0
    data = json.loads(report.stdout)
    assert [(h["holder_id"], h["share"]) for h in data["holders"]] == [("P1", "60 %"), ("P2", "40 %")]
    assert [(h["company_id"], h["share"]) for h in data["holdings"]] == [("C2", "50-75 %")]
    assert data["contacts"] == [{"kind": "address", "text": "北京市朝阳区建国路1号", "shared_with": 1,
                                 "id": address_id("北京市朝阳区建国路1号")}]


def test_company_table_shows_holders_and_the_chain_above(run, case):
    run("load", case)
    out = run("company", "C2").stdout
    assert "Direct holders" in out and "华信投资有限公司" in out and "50-75 %" in out
    assert "Ownership above (current holdings)" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["2", "张三", "P1", "person", "60", "%", "C1", "30.00-45.00", "%"] in lines  # 60 % of 50-75 %


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
    # The early warnings: the riskiest companies with no confirmed case yet are mostly planted ring members.
    from equitygraph.loaders.synthetic import read_ground_truth

    rings = {t["entity_id"] for t in read_ground_truth(tmp_path / "demo" / "case") if t["ring_id"]}
    warned = [w["id"] for w in data["warnings"]]
    assert len(warned) == 5 and len(rings & set(warned)) >= 3
    table = run("demo", "--dir", tmp_path / "again")
    assert "early warnings" in table.output
    # where to go next, on stderr: the first warning's every source among them
    assert f"Every source of a score:  equitygraph risk {warned[0]} --sources 25 --db " in table.stderr


def test_internal_errors_are_one_line(run, case, monkeypatch):
    run("load", case)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("equitygraph.queries.company.company_report", broken)
    result = run("company", "C1")
    assert result.exit_code == 1
    assert result.stderr == ("Error: internal error: ZeroDivisionError: division by zero "
                             "(set EQUITYGRAPH_DEBUG=1 for the traceback)\n")


def test_control_command_and_as_of(run, case):
    run("load", case)
    result = run("control", "华信投资有限公司", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p["id"] for p in data["actual_controllers"]] == ["P1"]
    assert data["control_path"][0]["rule"] == "majority"
    assert [o["id"] for o in data["beneficial_owners"]["owners"]] == ["P1", "P2"]
    early = json.loads(run("control", "C1", "--as-of", "2014-12-31", "--format", "json").stdout)
    assert early["verdict"] == "unknown" and early["actual_controllers"] == []
    bad = run("control", "C1", "--as-of", "31/12/2014")
    assert bad.exit_code == 2 and "'31/12/2014' does not match the format '%Y-%m-%d'" in bad.stderr
    assert run("control", "C1", "--threshold", "0").exit_code == 2


def test_analyze_writes_controllers_back(run, case, tmp_path):
    run("load", case)
    result = run("analyze", "--format", "json")
    assert result.exit_code == 0, result.output
    # C1 holds 50-75 % of C2 and P2 an unknown share: P2 could hold the other 50 %, so C2's control is uncertain.
    summary = json.loads(result.stdout)
    assert (summary["verdicts"], summary["reasons"]) == ({"single": 1, "uncertain": 1}, {"ranges": 1})
    assert summary["incomplete_registers"] == 1  # C2: 50 % on record for certain
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(tmp_path / "cli.db") as store:
        assert store.read_results("controller") == {"C1": "P1"}
        assert store.results_for("C1")["control_verdict"] == "single"
        assert store.read_results("control_reason") == {"C2": "ranges"}
        assert store.read_results("on_record") == {"C1": 1.0, "C2": 0.5}
        assert store.read_results("not_on_record") == {"C1": 0.0, "C2": 0.5}


def test_every_query_command_speaks_jsonl_and_csv(run, case):
    run("load", case)
    lines = run("search", "有限公司", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["C1", "C2"]  # equally close: by name, 华 before 恒
    table = run("company", "C1", "--format", "csv").stdout.splitlines()
    assert table[0].startswith("relation,holder_id,holder_name,company_id")
    assert table[1].startswith("holder,P1,张三,C1,华信投资有限公司,60 %,0.6,0.6,")
    owners = run("control", "C2", "--format", "csv").stdout.splitlines()
    assert owners[0] == ("company_id,owner_id,owner_name,owner_kind,integrated_low,integrated_high,actual_controller,"
                         "beneficial_owner")
    assert owners[1:] == ["C2,P2,李四,person,0.2,0.8,False,possible ownership",  # 40 % of C1 plus an unknown stake
                          "C2,P1,张三,person,0.3,0.45,False,ownership"]  # 60 % of C1's 50-75 %; control uncertain


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "jsonl", "csv"])
def test_export_formats(run, case, tmp_path, fmt):
    import networkx as nx

    run("load", case)
    out = tmp_path / f"export.{fmt}"
    result = run("export", "--format", fmt, "-o", out)
    assert result.exit_code == 0, result.output
    assert "holding" in result.stderr or "holdings" in result.stderr
    if fmt == "graphml":
        graph = nx.read_graphml(out)
        assert graph.nodes["C1"]["label"] == "华信投资有限公司" and graph.number_of_edges() == 8
    elif fmt == "gexf":
        assert nx.read_gexf(out).nodes["P1"]["label"] == "张三"
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert sum(r["type"] == "holding" for r in rows) == 4
        assert {"type": "holding", "holder_id": "C1", "company_id": "C2", "share_low": 0.5, "share_high": 0.75,
                "interest": "shareholding", "since": None, "until": None, "source": None} in rows
    else:  # the canonical folder loads back into an identical store
        again = tmp_path / "again.db"
        assert run("load", out, "--db", again).exit_code == 0
        from equitygraph.graph.stores.sqlite import SQLiteStore

        with SQLiteStore(tmp_path / "cli.db") as a, SQLiteStore(again) as b:
            assert list(a.iter_records()) == list(b.iter_records())


def test_control_of_a_person_is_refused_with_a_hint(run, case):
    run("load", case)
    result = run("control", "P1")
    assert result.exit_code == 1
    assert result.stderr == ("Error: 张三 (P1) is a person; control is asked of companies and organizations "
                             "(use equitygraph company for what a person holds)\n")


def test_as_of_reaches_analyze_viz_and_report(run, tmp_path):
    # P held C until 2020-06-30, Q from 2020-07-01: as of 2019 P controls, today Q.
    folder = write_case(tmp_path / "asof", entities="id,kind,name\nP,person,潘先生\nQ,person,秦女士\nC,company,长城公司\n",
                        holdings="holder_id,company_id,share,since,until\nP,C,100,2018-01-01,2020-06-30\n"
                                 "Q,C,100,2020-07-01,\n")
    assert run("load", folder).exit_code == 0
    then = json.loads(run("analyze", "--as-of", "2019-05-01", "--format", "json").stdout)
    assert then["as_of"] == "2019-05-01"
    assert json.loads(run("control", "C", "--format", "json").stdout)["actual_controllers"][0]["id"] == "Q"
    from equitygraph.graph.stores.sqlite import SQLiteStore

    with SQLiteStore(tmp_path / "cli.db") as store:
        assert store.read_results("controller") == {"C": "P"}
    run("analyze")
    with SQLiteStore(tmp_path / "cli.db") as store:
        assert store.read_results("controller") == {"C": "Q"}
    assert run("viz", "C", "--as-of", "2019-05-01", "-o", tmp_path / "v.html").exit_code == 0
    assert "actual controller: 潘先生" in (tmp_path / "v.html").read_text(encoding="utf-8")
    assert run("report", "C", "--as-of", "2019-05-01", "-o", tmp_path / "r.html").exit_code == 0
    report = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Control of 长城公司 as of 2019-05-01" in report and "潘先生 (P)" in report
    assert "秦女士 (Q)" not in report


def test_the_canonical_export_of_a_generated_case_loads_back_identically(generated_store, tmp_path):
    """Every column the generator writes (thresholds, listings, voting interests, ended holdings) survives."""
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.loaders.csv_folder import load_folder
    from equitygraph.queries.io.export import export_graph

    export_graph(generated_store, "csv", tmp_path / "out")
    with SQLiteStore(tmp_path / "again.db") as again:
        load_folder(again, tmp_path / "out")
        records = list(again.iter_records())
    assert records == list(generated_store.iter_records())
    assert any(getattr(r, "listed", False) for r in records)
    assert any(getattr(r, "disclosure_threshold", None) == 0.25 for r in records)
