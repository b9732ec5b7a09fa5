"""The one role vocabulary (issue 26): every title the issue met in real lists is a standard role,
combined titles split alike whatever the separator, and key management follows from the roles."""

import pytest

from equitygraph.graph.roles import (BOARD_ROLES, KEY_MANAGEMENT_ROLES, MANAGING_ROLES, OFFICER_ROLES, family_of,
                                     roles_of, standard_role)
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.formats import load_path
from equitygraph.queries.relations.related import related_parties

TITLES = {
    "独立董事": "independent_director", "副董事长": "vice_chairman", "职工董事": "employee_director",
    "独立非执行董事": "independent_director", "董事会秘书": "board_secretary", "副总经理": "deputy_general_manager",
    "财务总监": "finance_officer", "首席执行官": "chief_executive", "董事長": "chairman", "總經理": "general_manager",
    "副總經理": "deputy_general_manager", "監察人": "supervisor", "獨立董事": "independent_director",
    "法定代表人": "legal_representative", "执行事务合伙人": "executive_partner", "Independent Non-Executive Director":
    "independent_director", "boardMember": "director", "CFO": "finance_officer", "监事会主席": "supervisory_chairman",
}


@pytest.mark.parametrize("title, role", sorted(TITLES.items()))
def test_each_title_met_in_real_lists_is_a_standard_role(title, role):
    assert standard_role(title) == role
    assert family_of(role) is not None


@pytest.mark.parametrize("title, roles", [
    ("董事长/董事", ["chairman", "director"]), ("董事兼总经理", ["director", "general_manager"]),
    ("董事、副总经理", ["director", "deputy_general_manager"]), ("董事,总经理", ["director", "general_manager"]),
    ("董事；财务总监", ["director", "finance_officer"]), ("董事長暨總經理", ["chairman", "general_manager"]),
    ("Director and CEO", ["director", "chief_executive"]), ("执行董事兼总经理", ["executive_director", "general_manager"]),
    ("董事长/董事长", ["chairman"]), ("园长", ["园长"]),
])
def test_combined_titles_split_alike_whatever_the_separator(title, roles):
    assert [role for role, _ in roles_of(title)] == roles


def test_the_title_as_written_is_kept_beside_the_role():
    assert roles_of("董事長暨總經理") == [("chairman", "董事長"), ("general_manager", "總經理")]


def test_key_management_is_every_director_supervisor_and_senior_manager():
    families = {family_of(r) for r in KEY_MANAGEMENT_ROLES}
    assert families == {"board", "supervisory", "senior_manager", "legal_representative", "partner"}
    assert "independent_director" in BOARD_ROLES and "independent_director" not in MANAGING_ROLES
    assert "supervisor" not in MANAGING_ROLES and "finance_officer" in MANAGING_ROLES
    assert set(OFFICER_ROLES) == set(KEY_MANAGEMENT_ROLES)


def test_an_independent_director_of_a_listed_company_is_its_related_party(tmp_path):
    """The related parties of a listed company list its independent directors (before: kept as
    written, left out), read from a key-personnel sheet with combined titles."""
    sheet = tmp_path / "主要人员.csv"
    sheet.write_text("企业名称,姓名,职务\n"
                     "华信科技股份有限公司,王伟,董事长/董事\n"
                     "华信科技股份有限公司,李娜,独立董事\n"
                     "华信科技股份有限公司,張忠謀,獨立非執行董事\n"
                     "华信科技股份有限公司,赵磊,董事、副总经理\n"
                     "华信科技股份有限公司,钱程,园长\n", encoding="utf-8")
    with SQLiteStore(tmp_path / "r.db") as store:
        report = load_path(store, sheet)
        assert report.counts["roles recognised"] == 6 and report.counts["roles kept as written"] == 1
        assert report.counts["typed by person name"] == 5
        related = related_parties(store, "华信科技股份有限公司")
        key = {store.get(p.entity_id).name for p in related.legal if p.relation == "key_management"}
    assert key == {"王伟", "李娜", "張忠謀", "赵磊"}
