"""Extracts as investigators receive them (issue 26): a list of people is never read as companies,
one extract in several files is read together (company lists first), and a mapping naming tables an
input lacks skips them with one line."""

from click.testing import CliRunner

from conftest import dump
from equitygraph.graph.model import Officer
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.cli import cli

# Shaped like the A-share executive lists the issue met (name, gender, age, stock code, jobs).
EXECUTIVES = ("name,gender,age,code,jobs\n"
              "乔宏伟,男,49,000088,董事长/董事\n"
              "李娜,女,51,000088,独立董事\n"
              "王颖,女,52,900911,代董事长、副董事长、董事\n"
              "张道才,男,68,900911,名誉董事长\n")
STOCKS = "code,name,industry\n000088,盐田港集团股份有限公司,港口\n900911,上海金桥出口加工区开发股份有限公司,房地产\n"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def refusal(tmp_path, name: str, text: str) -> str:
    """The one line ``load`` refuses a file holding ``text`` with (exit code 1 checked)."""
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = run("load", tmp_path / name, "--db", tmp_path / "s.db")
    assert result.exit_code == 1
    return result.output.strip()


def test_a_list_of_people_is_never_read_as_companies(tmp_path):
    (tmp_path / "executives.csv").write_text(EXECUTIVES, encoding="utf-8")
    db = tmp_path / "s.db"
    result = run("load", tmp_path / "executives.csv", "--db", db)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: executives.csv:2: code: '000088' is the stock code of no company in this input's company list nor in "
        "the store (one mapping can name the company list and this table: docs/mappings.md)")
    assert not db.exists() or SQLiteStore(db, readonly=True).counts()["company"] == 0


def test_people_with_no_role_are_refused_with_their_columns_and_the_command_to_run(tmp_path):
    assert refusal(tmp_path, "people.csv", "name,gender,age\n乔宏伟,男,49\n李娜,女,51\n") == (
        "Error: people.csv: a list of people with no company or role column that a built-in mapping knows (columns: "
        "name, gender, age); it is not read as a company list; write a mapping for it: equitygraph mapping init "
        "people.csv -o people.toml")


def test_the_files_of_one_extract_load_together_company_list_first(tmp_path):
    # Given executives first: the company list is still read first, so every officer finds its company.
    (tmp_path / "executives.csv").write_text(EXECUTIVES, encoding="utf-8")
    (tmp_path / "stock.csv").write_text(STOCKS, encoding="utf-8")
    db = tmp_path / "s.db"
    result = run("load", tmp_path / "executives.csv", tmp_path / "stock.csv", "--db", db, "--report-format", "json")
    assert result.exit_code == 0, result.output
    with SQLiteStore(db, readonly=True) as store:
        assert store.counts()["company"] == 2 and store.counts()["person"] == 4
        roles = sorted((store.get(o.person_id).name, o.role) for o in store.iter_records() if isinstance(o, Officer))
        # the stock code is kept as an alias: found by search, and by a later load's rows
        assert store.search("000088", exact_only=True)[0].entity.name == "盐田港集团股份有限公司"
    assert roles == [("乔宏伟", "chairman"), ("乔宏伟", "director"), ("张道才", "名誉董事长"), ("李娜", "independent_director"),
                     ("王颖", "chairman"), ("王颖", "director"), ("王颖", "vice_chairman")]


def test_a_later_load_finds_companies_by_their_stock_code(tmp_path):
    (tmp_path / "stock.csv").write_text(STOCKS, encoding="utf-8")
    (tmp_path / "executives.csv").write_text(EXECUTIVES, encoding="utf-8")
    db = tmp_path / "s.db"
    assert run("load", tmp_path / "stock.csv", "--db", db).exit_code == 0
    result = run("load", tmp_path / "executives.csv", "--db", db)
    assert result.exit_code == 0, result.output
    with SQLiteStore(db, readonly=True) as store:
        assert store.counts()["company"] == 2 and store.counts()["officers"] == 7


MAPPING = """[[table]]
kind = "companies"
sheet = "stock.csv"
[table.columns]
name = "name"
stock_code = "code"

[[table]]
kind = "officers"
sheet = "executive_prep.csv"
[table.columns]
name = "name"
role = "jobs"
stock_code = "code"
"""


def test_one_mapping_names_several_files_and_a_table_the_input_lacks_is_skipped(tmp_path):
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "stock.csv").write_text(STOCKS, encoding="utf-8")
    (folder / "executive_prep.csv").write_text(EXECUTIVES, encoding="utf-8")
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    db = tmp_path / "s.db"
    result = run("load", folder, "--mapping", tmp_path / "m.toml", "--db", db)
    assert result.exit_code == 0, result.output
    with SQLiteStore(db, readonly=True) as store:
        assert store.counts()["officers"] == 7
    alone = tmp_path / "alone.db"
    result = run("load", folder / "stock.csv", "--mapping", tmp_path / "m.toml", "--db", alone, "--report-format", "json")
    assert result.exit_code == 0, result.output
    assert "m.toml: the officers table 'executive_prep.csv' is not in this input (stock.csv); skipped" in result.output


def test_an_input_holding_none_of_the_mappings_tables_is_refused(tmp_path):
    (tmp_path / "other.csv").write_text(STOCKS, encoding="utf-8")
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    db = tmp_path / "s.db"
    result = run("load", tmp_path / "other.csv", "--mapping", tmp_path / "m.toml", "--db", db)
    assert result.exit_code == 1
    assert result.output.strip() == "Error: m.toml: sheet 'stock.csv': is not a sheet or file of the input (it has: other.csv)"


def test_several_inputs_of_other_formats_are_refused(tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "entities.csv").write_text("id,kind,name\nC1,company,华信\n", encoding="utf-8")
    (folder / "holdings.csv").write_text("holder_id,company_id,share\n", encoding="utf-8")
    (tmp_path / "stock.csv").write_text(STOCKS, encoding="utf-8")
    db = tmp_path / "s.db"
    assert run("load", tmp_path / "stock.csv", "--db", db).exit_code == 0
    before = dump(db)
    result = run("load", folder, tmp_path / "stock.csv", "--db", db)
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: case: several inputs are read together only as Excel or CSV extracts; "
                                     "load the others one at a time")
    assert dump(db) == before


def test_the_warning_hint_names_the_option_load_has(tmp_path):
    rows = "".join(f"华信{i % 3}有限公司\n" for i in range(30))
    (tmp_path / "companies.csv").write_text("企业名称\n" + rows, encoding="utf-8")
    result = run("load", tmp_path / "companies.csv", "--db", tmp_path / "s.db")
    assert result.exit_code == 0, result.output
    assert "more (see --report-format json)" in result.output


COUNTY = ("企业名称,统一社会信用代码,注册地址\n"
          "成都锦江甲商贸有限公司,91510104MA61X0AB1C,成都市锦江区春熙路1号\n"
          "成都锦江乙科技有限公司,91510104MA62Y1CD2E,成都市锦江区红星路2号\n"
          "成都锦江丙餐饮有限公司,91510104MA63Z2EF3G,成都市锦江区东大街3号\n"
          "绵阳丁建材有限公司,91510703MA64W3GH4J,绵阳市涪城区临园路4号\n")
HOLDERS = ("企业名称,股东名称,持股比例\n"
           "成都锦江甲商贸有限公司,付茂玲,60%\n成都锦江甲商贸有限公司,赵磊,40%\n"
           "成都锦江乙科技有限公司,付茂玲,50%\n成都锦江乙科技有限公司,孙涛,50%\n"
           "成都锦江丙餐饮有限公司,付茂玲,30%\n成都锦江丙餐饮有限公司,赵磊,70%\n"
           "绵阳丁建材有限公司,付茂玲,100%\n")


def test_namesakes_in_companies_of_one_county_are_suspected_never_merged(tmp_path):
    """付茂玲 holds in three companies of one county: a suspected same person in each (with the
    county, and the co-holder 赵磊 where there is one), never one record; the namesake in another
    county with nothing in common is no lead."""
    (tmp_path / "企业.csv").write_text(COUNTY, encoding="utf-8")
    (tmp_path / "股东.csv").write_text(HOLDERS, encoding="utf-8")
    db = tmp_path / "s.db"
    assert run("load", tmp_path / "企业.csv", tmp_path / "股东.csv", "--db", db).exit_code == 0
    from equitygraph.queries.relations.related import related_parties

    with SQLiteStore(db, readonly=True) as store:
        namesakes = [h.entity.id for h in store.search("付茂玲", exact_only=True)]
        assert len(namesakes) == 4  # scoped to their companies: never merged on the name
        report = related_parties(store, "成都锦江甲商贸有限公司")
        same = {store.get(p.entity_id).name: p.reason for p in report.suspected if p.relation == "possible_same_person"}
    assert set(same) >= {"付茂玲"}
    reasons = " ".join(same.values())
    assert "registered in the same county (code 510104)" in reasons
    assert "绵阳" not in reasons
    result = run("same", "成都锦江甲商贸有限公司", "--db", db)
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: 成都锦江甲商贸有限公司 (co:91510104MA61X0AB1C) is a company; only persons "
                                     "are matched")


def test_same_with_one_person_lists_the_candidates_with_their_evidence(tmp_path):
    (tmp_path / "企业.csv").write_text(COUNTY, encoding="utf-8")
    (tmp_path / "股东.csv").write_text(HOLDERS, encoding="utf-8")
    db = tmp_path / "s.db"
    assert run("load", tmp_path / "企业.csv", tmp_path / "股东.csv", "--db", db).exit_code == 0
    person = "person:co:91510104MA61X0AB1C:付茂玲"  # scoped to its company, named by its credit code
    result = run("same", person, "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    import json

    found = json.loads(result.output)
    others = {c["id"]: c for c in found["candidates"]}
    assert set(others) == {"person:co:91510104MA62Y1CD2E:付茂玲", "person:co:91510104MA63Z2EF3G:付茂玲"}
    assert any("a holder in common" in r for r in others["person:co:91510104MA63Z2EF3G:付茂玲"]["reasons"])
    assert not any("a holder in common" in r for r in others["person:co:91510104MA62Y1CD2E:付茂玲"]["reasons"])


def test_a_header_of_full_width_commas_is_refused_with_the_reason(tmp_path):
    """The shape of a scraped executive list: the header one cell of full-width commas, the job cells
    holding unquoted commas (names here are made up)."""
    text = "高管姓名，性别，年龄，股票代码，职位\n张三,男,49,000088,董事长,董事\n李四,女,54,000065,董事\n"
    assert refusal(tmp_path, "高管.csv", text) == (
        "Error: 高管.csv: its header is one column holding full-width commas (高管姓名，性别，年龄，股票代码，职位): the "
        "columns of a CSV file are separated by ASCII commas (,); save it so, and quote cells that hold commas; write a "
        "mapping for it: equitygraph mapping init 高管.csv -o 高管.toml")


def test_mapping_init_knows_the_english_and_pinyin_headers_of_real_extracts(tmp_path):
    (tmp_path / "holders.csv").write_text("com_id,gdmc,cgbl\n000088,深圳港集团,66\n", encoding="utf-8")
    (tmp_path / "people.csv").write_text("stock_id,name,gender,job\n000088,乔宏伟,男,董事长\n", encoding="utf-8")
    result = run("mapping", "init", tmp_path / "holders.csv")
    assert result.exit_code == 0, result.output
    assert 'kind = "shareholders"' in result.output
    assert 'stock_code = "com_id"\nholder = "gdmc"\nshare = "cgbl"' in result.output
    result = run("mapping", "init", tmp_path / "people.csv")
    assert 'kind = "officers"' in result.output and 'role = "job"' in result.output and 'stock_code = "stock_id"' in result.output
    assert "# columns not read: \"gender\"" in result.output


def test_shares_held_beyond_the_issued_shares_or_not_a_number_are_one_line_errors(tmp_path):
    (tmp_path / "companies.csv").write_text("Business_Accounting_NO,Company_Name,Equity_Amt\n22099131,甲股份有限公司,1000\n",
                                           encoding="utf-8")
    for held, problem in (("1001", "1,001 is more than the company's 1,000 issued shares"),
                          ("many", "'many' is not a whole number of shares")):
        (tmp_path / "directors.csv").write_text("Business_Accounting_NO,Person_Position_Name,Person_Name,Person_Shareholding\n"
                                               f"22099131,董事,王伟,{held}\n", encoding="utf-8")
        result = run("load", tmp_path / "companies.csv", tmp_path / "directors.csv", "--db", tmp_path / f"{held}.db")
        assert result.exit_code == 1
        assert result.output.strip() == f"Error: directors.csv:2: Person_Shareholding: {problem}"


def test_shares_held_equal_to_the_issued_shares_are_the_whole_company(tmp_path):
    (tmp_path / "companies.csv").write_text("Business_Accounting_NO,Company_Name,Equity_Amt\n22099131,甲股份有限公司,1000\n",
                                           encoding="utf-8")
    (tmp_path / "directors.csv").write_text("Business_Accounting_NO,Person_Position_Name,Person_Name,Person_Shareholding\n"
                                           "22099131,董事長,王伟,1000\n", encoding="utf-8")
    db = tmp_path / "s.db"
    assert run("load", tmp_path / "companies.csv", tmp_path / "directors.csv", "--db", db).exit_code == 0
    with SQLiteStore(db, readonly=True) as store:
        from equitygraph.queries.control.report import control_report

        assert [store.get(i).name for i in control_report(store, "co:22099131").actual_controllers] == ["王伟"]
