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
    (tmp_path / "people.csv").write_text("name,gender,age\n乔宏伟,男,49\n李娜,女,51\n", encoding="utf-8")
    result = run("load", tmp_path / "people.csv", "--db", tmp_path / "s.db")
    assert result.exit_code == 1
    assert result.output.strip() == (
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
