"""Registry extracts as investigators receive them: Excel workbooks and GBK CSV files with Chinese or
English headers, read by the built-in mappings or a mapping file (fixtures written by openpyxl)."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from conftest import dump
from equitygraph.graph.errors import InvalidInput
from equitygraph.graph.model import EntityKind, Holding, Officer, Relation, RelationType, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.formats import load_path
from equitygraph.queries.cli import cli
from equitygraph.queries.control.report import control_report

COMPANY_HEADER = ["企业名称", "统一社会信用代码", "法定代表人", "注册资本（万元）", "实缴资本", "成立日期", "登记状态",
                  "注册地址", "电话", "邮箱", "经营范围", "所属行业"]
HUAXIN = ["华信投资有限公司", "91110000MA01ABCD1X", "王伟", 1000, "500万元", dt.datetime(2019, 3, 5), "存续",
          "北京市朝阳区建国路1号", "010-88886666", "hx@example.cn", "投资管理", "金融业"]
XINYUAN = ["鑫源财富管理有限公司", "", "李娜", "2000", "", "2020年1月2日", "存续", "北京市朝阳区建国路１号", "", "", "财富管理",
           "金融业"]


def workbook(path, *, title_row=True, shareholder_rows=None, extra_sheets=()):
    book = Workbook()
    companies = book.active
    companies.title = "企业信息"
    if title_row:
        companies.append(["企业信息导出 (2024-05-01)"])
    companies.append(COMPANY_HEADER)
    companies.append(HUAXIN)
    companies.append(XINYUAN)
    holders = book.create_sheet("股东信息")
    holders.append(["企业名称", "股东名称", "股东类型", "持股比例", "认缴出资额(万元)", "认缴出资日期"])
    for row in shareholder_rows or [
        ["华信投资有限公司", "王伟", "自然人股东", 0.6, 600, "2019-03-05"],
        ["华信投资有限公司", "鑫源财富管理有限公司", "企业法人", "40%", 400, ""],
        ["鑫源财富管理有限公司", "张三", "自然人", "", 2000, ""],
    ]:
        holders.append(row)
    holders.cell(row=2, column=4).number_format = "0.00%"  # Excel keeps 0.6 and shows 60.00%
    people = book.create_sheet("主要人员")
    people.append(["企业名称", "姓名", "职务"])
    people.append(["华信投资有限公司", "王伟", "执行董事兼总经理"])
    people.append(["鑫源财富管理有限公司", "王伟", "监事"])
    for name, rows in extra_sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def db(tmp_path):
    with SQLiteStore(tmp_path / "tab.db") as s:
        yield s


def test_a_workbook_read_by_the_built_in_mappings(db, tmp_path):
    report = load_path(db, workbook(tmp_path / "case.xlsx"))
    assert report.fmt == "mapping"
    assert report.mappings == {"case.xlsx:企业信息": "companies: built-in company list (企业名单)",
                               "case.xlsx:股东信息": "shareholders: built-in shareholder list (股东信息)",
                               "case.xlsx:主要人员": "officers: built-in key-personnel list (主要人员)"}
    huaxin = db.get("co:91110000MA01ABCD1X")
    assert (huaxin.name, huaxin.registered_capital, huaxin.paid_in_capital, huaxin.founded, huaxin.jurisdiction) == (
        "华信投资有限公司", 10_000_000, 5_000_000, dt.date(2019, 3, 5), "CN")  # 1000 in a 万元 column; 500万元 in the cell
    xinyuan = db.get("co:鑫源财富管理有限公司")
    assert (xinyuan.registered_capital, xinyuan.founded) == (20_000_000, dt.date(2020, 1, 2))
    holdings = {(h.holder_id, h.company_id): h for h in db.iter_records() if isinstance(h, Holding)}
    wang = "person:co:91110000MA01ABCD1X:王伟"
    assert holdings[wang, huaxin.id].share == Share.exact(0.6)  # a cell formatted as percent
    assert holdings[wang, huaxin.id].since == dt.date(2019, 3, 5)
    assert holdings[xinyuan.id, huaxin.id].share == Share.exact(0.4)  # a company holder linked to the company on record
    # No share written: 2000万 subscribed of 2000万 registered.
    assert holdings["person:co:鑫源财富管理有限公司:张三", xinyuan.id].share == Share.exact(1.0)
    assert report.counts["shares from subscribed capital"] == 1
    roles = sorted((o.person_id, o.company_id, o.role) for o in db.iter_records() if isinstance(o, Officer))
    assert roles == [
        ("person:co:91110000MA01ABCD1X:王伟", huaxin.id, "executive_director"),
        ("person:co:91110000MA01ABCD1X:王伟", huaxin.id, "general_manager"),
        ("person:co:91110000MA01ABCD1X:王伟", huaxin.id, "legal_representative"),
        ("person:co:鑫源财富管理有限公司:李娜", xinyuan.id, "legal_representative"),
        # The 王伟 who supervises 鑫源 is not assumed to be 华信's 王伟: a name alone proves nothing.
        ("person:co:鑫源财富管理有限公司:王伟", xinyuan.id, "supervisor"),
    ]
    # The two companies registered one address, written two ways: one address node.
    addresses = {e.id for e in db.iter_records() if getattr(e, "kind", None) is EntityKind.ADDRESS}
    assert len(addresses) == 1
    assert control_report(db, "华信投资有限公司").actual_controllers == (wang,)


def test_loading_the_workbook_again_changes_nothing(tmp_path):
    book = workbook(tmp_path / "case.xlsx")
    with SQLiteStore(tmp_path / "again.db") as s:
        load_path(s, book)
    before = dump(tmp_path / "again.db", skip_meta=True)
    with SQLiteStore(tmp_path / "again.db") as s:
        load_path(s, book)
    assert dump(tmp_path / "again.db", skip_meta=True) == before


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_csv_extracts_in_gbk_or_utf8_with_english_or_chinese_headers(db, tmp_path, encoding):
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "companies.csv").write_bytes(
        "Company Name,Credit Code,Legal Representative,Registered Capital,Founded\n"
        "华信投资有限公司,91110000MA01ABCD1X,王伟,1000万元,2019/3/5\n".encode(encoding))
    (folder / "股东.csv").write_bytes(
        "统一社会信用代码,股东,股东性质,出资比例(%)\n"
        "91110000MA01ABCD1X,Acme Holdings Ltd,,51.5\n"
        "91110000MA01ABCD1X,赵六,,48.5\n".encode(encoding))
    report = load_path(db, folder)
    assert report.encodings == {"companies.csv": "utf-8-sig" if encoding != "gbk" else "gb18030",
                                "股东.csv": "utf-8-sig" if encoding != "gbk" else "gb18030"}
    shares = sorted((db.get(h.holder_id).name, db.get(h.holder_id).kind.value, h.share.describe())
                    for h in db.iter_records() if isinstance(h, Holding))
    # No holder type: a name that reads like a company is a company, else a person.
    assert shares == [("Acme Holdings Ltd", "company", "51.5 %"), ("赵六", "person", "48.5 %")]


def test_a_penetration_table_by_levels_and_its_declared_final_shares(db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "股权穿透"
    sheet.append(["层级", "股东名称", "股东类型", "持股比例", "最终持股比例"])
    sheet.append([1, "华信控股集团有限公司", "企业法人", "80%", "80%"])
    sheet.append([2, "梁建辉", "自然人", "70%", "56%"])
    sheet.append([2, "远景资本有限公司", "企业法人", "30%", "24%"])
    sheet.append([3, "BVI Nominee Ltd", "", "100%", "20%"])  # declared 20 %, the chain gives 24 %
    sheet.append([1, "李娜", "自然人", "20%", "20%"])
    book.save(tmp_path / "tree.xlsx")
    mapping = tmp_path / "tree.toml"
    mapping.write_text('[[table]]\nkind = "penetration"\nsheet = "股权穿透"\ncompany = "华信投资有限公司"\n', "utf-8")
    report = load_path(db, tmp_path / "tree.xlsx", mapping=mapping)
    assert report.mappings == {"tree.xlsx:股权穿透": "penetration: tree.toml"}
    root = db.get("co:华信投资有限公司")
    edges = sorted((db.get(h.holder_id).name, db.get(h.company_id).name, h.share.describe())
                   for h in db.iter_records() if isinstance(h, Holding))
    assert edges == [("BVI Nominee Ltd", "远景资本有限公司", "100 %"), ("华信控股集团有限公司", "华信投资有限公司", "80 %"),
                     ("李娜", "华信投资有限公司", "20 %"), ("梁建辉", "华信控股集团有限公司", "70 %"),
                     ("远景资本有限公司", "华信控股集团有限公司", "30 %")]
    assert control_report(db, root.id).actual_controllers == ("person:co:华信控股集团有限公司:梁建辉",)
    from equitygraph.queries.control.discrepancies import discrepancies

    found = [(d.party_name, d.verdict, d.computed) for d in discrepancies(db).items]
    assert found == [("BVI Nominee Ltd", "differs", "integrated ownership 24.00 %")]


def mapping_error(db, tmp_path, book, mapping_text=None):
    mapping = None
    if mapping_text is not None:
        mapping = tmp_path / "map.toml"
        mapping.write_text(mapping_text, "utf-8")
    before = dump(db.path)
    with pytest.raises(InvalidInput) as error:
        load_path(db, book, mapping=mapping)
    assert dump(db.path) == before  # the store is left as it was
    return str(error.value)


def test_mapping_errors_name_file_sheet_row_and_column(db, tmp_path):
    book = workbook(tmp_path / "bad-share.xlsx", shareholder_rows=[["华信投资有限公司", "王伟", "自然人", "六成", 600, ""]])
    assert mapping_error(db, tmp_path, book) == (
        "bad-share.xlsx:股东信息:2: 持股比例: '六成' is not a percentage, a range like 50-75, or blank")
    book = workbook(tmp_path / "stranger.xlsx", shareholder_rows=[["华兴投资有限公司", "王伟", "自然人", "60%", 600, ""]])
    assert mapping_error(db, tmp_path, book) == (
        "stranger.xlsx:股东信息:2: 企业名称: '华兴投资有限公司' is not in the company list of this input nor in the store")
    book = workbook(tmp_path / "ok.xlsx")
    assert mapping_error(db, tmp_path, book, '[[table]]\nkind = "shareholders"\nsheet = "股东信息"\n'
                                             '[table.columns]\nholder = "股东名称"\nshare = "持股比"\n') == (
        "ok.xlsx:股东信息:1: 持股比: the mapped column (shareholders share) is not in the header")
    assert mapping_error(db, tmp_path, book, '[[table]]\nkind = "shareholders"\nsheet = "Sheet9"\n') == (
        "map.toml: sheet 'Sheet9': is not a sheet or file of the input (it has: 企业信息, 股东信息, 主要人员)")
    assert mapping_error(db, tmp_path, book, '[[table]]\nkind = "owners"\n') == (
        "map.toml: table 1: kind: 'owners' is not one of companies, shareholders, officers, penetration, events")


def test_a_one_company_list_takes_its_company_from_the_workbook(db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "基本信息"
    sheet.append(COMPANY_HEADER)
    sheet.append(HUAXIN)
    people = book.create_sheet("主要人员")
    people.append(["序号", "姓名", "职务"])
    people.append([1, "王伟", "董事长"])
    people.append([2, "周八", "财务负责人"])
    book.save(tmp_path / "one.xlsx")
    load_path(db, tmp_path / "one.xlsx")
    roles = sorted((db.get(o.person_id).name, o.role) for o in db.iter_records() if isinstance(o, Officer))
    assert roles == [("周八", "finance_officer"), ("王伟", "chairman"), ("王伟", "legal_representative")]


def test_mapping_check_and_init_on_the_command_line(tmp_path):
    book = workbook(tmp_path / "case.xlsx", extra_sheets=[("说明", [["本表仅供参考"]])])
    runner = CliRunner()
    init = runner.invoke(cli, ["mapping", "init", str(book), "-o", str(tmp_path / "case.toml")])
    assert init.exit_code == 0, init.output
    text = (tmp_path / "case.toml").read_text("utf-8")
    assert 'kind = "shareholders"\nsheet = "股东信息"\n[table.columns]\ncompany = "企业名称"\nholder = "股东名称"' in text
    assert '# sheet "说明": not recognised' in text
    check = runner.invoke(cli, ["mapping", "check", str(tmp_path / "case.toml"), str(book), "--rows", "2", "--format", "json"])
    assert check.exit_code == 0, check.output
    sheets = {s["sheet"]: s for s in json.loads(check.stdout)["sheets"]}
    assert sheets["case.xlsx:股东信息"]["kind"] == "shareholders"
    assert {"record": "holding", "what": "person:co:91110000MA01ABCD1X:王伟 holds 60 % of co:91110000MA01ABCD1X"} in \
        sheets["case.xlsx:股东信息"]["records"]
    assert sheets["case.xlsx:说明"]["kind"] is None
    loaded = runner.invoke(cli, ["load", str(book), "--mapping", str(tmp_path / "case.toml"), "--db", str(tmp_path / "m.db")])
    assert loaded.exit_code == 0, loaded.output
    assert "case.xlsx:股东信息 as shareholders: case.toml" in loaded.stdout
    bad = runner.invoke(cli, ["load", str(workbook(tmp_path / "bad.xlsx", shareholder_rows=[["华信投资有限公司", "王伟", "", "x", "", ""]])),
                              "--db", str(tmp_path / "m.db")])
    assert (bad.exit_code, bad.stderr.strip()) == (
        1, "Error: bad.xlsx:股东信息:2: 持股比例: 'x' is not a percentage, a range like 50-75, or blank")


def test_declared_indirect_shares_are_facts_not_edges(db, tmp_path):
    """A penetration table's final share never becomes a holding: it would count the stake twice."""
    book = Workbook()
    sheet = book.active
    sheet.append(["层级", "股东名称", "持股比例", "最终持股比例"])
    sheet.append([1, "甲有限公司", "100%", "100%"])
    sheet.append([2, "乙", "50%", "50%"])
    book.save(tmp_path / "t.xlsx")
    (tmp_path / "t.toml").write_text('[[table]]\nkind = "penetration"\ncompany = "丙有限公司"\n', "utf-8")
    load_path(db, tmp_path / "t.xlsx", mapping=tmp_path / "t.toml")
    facts = [(r.type, r.share) for r in db.iter_records() if isinstance(r, Relation)]
    assert facts == [(RelationType.INDIRECT_HOLDER, Share.exact(0.5))]
    assert len([h for h in db.iter_records() if isinstance(h, Holding)]) == 2
