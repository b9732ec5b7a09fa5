"""Penetration tables as commercial services export them (issue 26): the company itself at level 0,
node and parent ids, the subtree repeated in a ``children`` column, and the vendor's declared actual
controller checked by ``discrepancies``."""

import pytest
from click.testing import CliRunner

from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.formats import load_path
from equitygraph.queries.cli import cli
from equitygraph.queries.control.discrepancies import discrepancies
from equitygraph.queries.control.report import control_report

# 华信科技 is held 70 % by 华信控股 and 30 % by 李娜; 华信控股 80 % by 王伟 and 20 % by 张敏. The rows
# come depth first, so that 张敏 (level 2, under 华信控股) follows 李娜 (level 1): only the parent id
# puts her under 华信控股.
EXPORT = """level,id,parent_id,name,ratio,children,actl_cntr_name,actl_cntr_pct
0,n0,,深圳华信科技有限公司,,"[{'name': '深圳华信控股有限公司', 'ratio': 70, 'children': [{'name': '王伟'}]}]",{declared},56
1,n1,n0,深圳华信控股有限公司,70,"[{'name': '王伟', 'ratio': 80}]",,
2,n3,n1,王伟,80,[],,
1,n2,n0,李娜,30,[],,
2,n4,n1,张敏,20,[],,
"""


def load(tmp_path, declared: str):
    path = tmp_path / "穿透.csv"
    path.write_text(EXPORT.replace("{declared}", declared), encoding="utf-8")
    store = SQLiteStore(tmp_path / "p.db")
    report = load_path(store, path)
    return store, report


def test_level_0_is_the_company_and_parent_ids_place_each_holder(tmp_path):
    store, report = load(tmp_path, "王伟")
    with store:
        assert report.counts["holdings"] == 4 and report.counts["company"] == 2
        control = control_report(store, "深圳华信科技有限公司")
        assert control.verdict == "single"
        assert [control.names[i] for i in control.actual_controllers] == ["王伟"]
        holders = {control.names[h.holder_id]: h.share.low for h in store.holders_of(control.entity.id)}
        assert holders == pytest.approx({"深圳华信控股有限公司": 0.7, "李娜": 0.3})
        parent = store.search("深圳华信控股有限公司", exact_only=True)[0].entity
        assert {store.get(h.holder_id).name for h in store.holders_of(parent.id)} == {"王伟", "张敏"}


def test_the_declared_controller_agrees_with_the_computed_one(tmp_path):
    store, _ = load(tmp_path, "王伟")
    with store:
        found = discrepancies(store, include_agreements=True)
    assert [(d.declared, d.party_name, d.verdict) for d in found.items] == [("declared_controller", "王伟", "agrees")]
    assert found.items[0].declared_share.low == pytest.approx(0.56)


def test_a_declared_controller_that_differs_is_a_lead(tmp_path):
    store, _ = load(tmp_path, "张敏")
    with store:
        found = discrepancies(store)
    assert [(d.declared, d.party_name, d.verdict) for d in found.items] == [("declared_controller", "张敏", "differs")]
    assert "王伟" in found.items[0].computed


def test_a_parent_id_of_no_row_before_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "穿透.csv"
    path.write_text("level,id,parent_id,name,ratio\n0,n0,,深圳华信科技有限公司,\n1,n1,n0,王伟,60\n2,n2,n9,李娜,40\n",
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["load", str(path), "--db", str(tmp_path / "e.db")])
    assert result.exit_code == 1
    assert result.output.strip().endswith("穿透.csv:4: parent_id: 'n9' is the id of no row before it")


def test_the_declared_controller_is_shown_beside_the_computed_answer(tmp_path):
    store, _ = load(tmp_path, "张敏")
    with store:
        report = control_report(store, "深圳华信科技有限公司")
    assert [(d["type"], d["party"]["name"], d["share"]) for d in report.to_dict()["declared"]] == [
        ("declared_controller", "张敏", "56 %")]
    assert [c for c in report.actual_controllers] != [d[1] for d in report.declared]  # a lead: they differ
    titles = [s.title for s in report.sections()]
    assert "Declared by the registers (compared by equitygraph discrepancies)" in titles
