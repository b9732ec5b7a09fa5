"""Holder typing without a type column (issue 26): a table of real-looking names of every kind, each
with the kind and the rule that must type it, and the rules' order."""

import pytest

from equitygraph.graph.model import EntityKind
from equitygraph.loaders.holder_kinds import (RULE_COMPANY, RULE_NUMBER, RULE_ORGANIZATION, RULE_OTHER, RULE_PERSON,
                                              kind_by_name)

P, C, O = EntityKind.PERSON, EntityKind.COMPANY, EntityKind.ORGANIZATION

PERSONS = [
    # two characters
    "王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄勇", "周杰", "吴昊", "徐丽", "孙涛", "马超", "朱琳", "胡军",
    # three characters
    "付茂玲", "廖博文", "郭晓明", "何志强", "高丽华", "林国栋", "罗建平", "郑秀英", "梁家辉", "谢婷婷", "宋志伟", "唐嫣然",
    "韩雪梅", "冯志刚", "曹德旺", "彭丽媛", "曾国藩", "萧敬腾", "田馥甄", "董明珠",
    # four characters, compound surnames
    "欧阳娜娜", "司马相如", "上官婉儿", "诸葛亮明", "东方明珠", "皇甫嵩林", "尉迟恭敬", "公孙胜利", "慕容雪村", "令狐冲天",
    # Traditional characters
    "陳水扁", "蔡英文", "郭台銘", "張忠謀", "林百里", "王雪紅", "施振榮", "吳舜文",
    # ethnic names with a middle dot
    "阿卜杜拉·艾尼", "迪丽热巴·迪力木拉提", "买买提·吐尔逊", "古丽娜尔·阿不都", "扎西·顿珠", "艾力·买买提明",
    # names in Latin script
    "John Smith", "Mary-Jane O'Neil", "ZHANG Wei", "Li Ka-shing", "Jean-Pierre Dupont", "Hans Müller", "Anna Nowak",
    "María José García", "Olusegun Obasanjo", "Tan Sri Lim Kok Thay", "Иван Петров",
]
COMPANIES = [
    "深圳华信投资有限公司", "宁波启航投资合伙企业(有限合伙)", "中央汇金投资有限责任公司", "香港中央结算有限公司",
    "中国平安保险(集团)股份有限公司", "招商银行股份有限公司", "江苏洋河酒厂股份有限公司", "北京大成律师事务所有限公司",
    "天津峰鑫商贸有限公司", "四川长虹电器股份有限公司", "鸿海精密工业股份有限公司", "台湾积体电路制造股份有限公司",
    "國泰人壽保險股份有限公司", "富邦金融控股股份有限公司", "華碩電腦股份有限公司", "长沙市芙蓉区老王副食店",
    "义乌市小商品商行", "成都蓉城实业集团", "佛山市顺德区美的集团", "乐山市五通桥区盐厂",
    "HKSCC NOMINEES LIMITED", "Acme Holdings Ltd.", "Apple Inc.", "Alphabet Inc", "Stripe, LLC", "Siemens AG",
    "BASF SE Ltd", "Volkswagen GmbH", "Nestlé S.A.", "Unilever N.V.", "Royal Dutch Shell plc", "Temasek Holdings",
    "Toyota Motor Corporation", "Samsung Electronics Co., Ltd.", "Pinduoduo Inc.", "Blue Ocean Group",
    "Nordea Bank", "Statoil ASA Ltd", "トヨタ自動車株式会社", "ソフトバンクグループ株式会社", "三菱商事株式會社",
    "新光有限責任公司", "Sino Ocean Company", "Golden Bridge Corp", "UBS AG", "Standard Chartered Bank",
]
ORGANIZATIONS = [
    # collectives and cooperatives
    "黑水县维多村股份经济合作联合社", "黄河村经济合作社", "城关镇供销合作社", "富民农民专业合作社", "某县供销社",
    "东山村股份经济合作社", "红星村村民委员会", "幸福里居民委员会", "光明社区居委会", "南湖村委会",
    # public bodies
    "深圳市人民政府国有资产监督管理委员会", "国务院国有资产监督管理委员会", "北京市财政局", "苏州工业园区管理委员会",
    "行政院國家發展基金管理會", "財政部", "国资委", "上海市国有资产监督管理委员会", "某市人民政府", "中华人民共和国财政部",
    "杭州市西湖区教育局", "广东省交通运输厅", "海关总署", "经济部", "金融监督管理委员会",
    # trade unions, foundations, associations
    "华为技术有限公司工会委员会", "中华全国总工会", "腾讯公益慈善基金会", "中国青少年发展基金会", "深圳市慈善会协会",
    "中国证券业协会", "上海市商会", "中国红十字会联合会",
    # schools and hospitals, research
    "清华大学", "北京大学教育基金会", "华南理工大学", "成都市第七中学", "实验小学", "阳光幼儿园", "四川大学华西医院",
    "县人民医院", "镇卫生院", "中国科学院计算技术研究所", "国家信息中心", "浙江大学医学院",
    # funds and trusts
    "全国社会保障基金理事会", "华夏成长证券投资基金", "中信信托", "某某私募股权基金", "Norway Government Pension Fund",
    "Blackstone Capital Partners VII L.P.", "Harvard Management Trust", "Bill & Melinda Gates Foundation",
    # foreign public bodies and others
    "State of Qatar", "Ministry of Finance", "Government of Singapore", "Municipality of Amsterdam",
    "Hong Kong Monetary Authority", "University of Oxford", "National Pension Service Committee",
]


def _cases():
    for name in PERSONS:
        yield name, P, RULE_PERSON
    for name in COMPANIES:
        yield name, C, RULE_COMPANY
    for name in ORGANIZATIONS:
        yield name, O, RULE_ORGANIZATION


CASES = list(_cases())


def test_the_table_holds_at_least_150_names_of_every_kind():
    assert len(CASES) >= 150
    assert {kind for _, kind, _ in CASES} == {P, C, O}


@pytest.mark.parametrize("name, kind, rule", CASES, ids=[c[0] for c in CASES])
def test_each_name_is_typed_by_its_rule(name, kind, rule):
    assert kind_by_name(name) == (kind, rule)


def test_a_two_character_name_that_reads_like_a_person_is_one_unless_told():
    assert kind_by_name("华为") == (P, RULE_PERSON)  # a brand alone reads like a name: a type column says otherwise


@pytest.mark.parametrize("name", ["@@@", "123456", "Madonna", "某某某某某某"])
def test_what_reads_like_no_person_is_an_organization_never_a_person(name):
    assert kind_by_name(name) == (O, RULE_OTHER)


@pytest.mark.parametrize("number, kind", [("91440300MA5DC6QX3L", C), ("11100000000013127G", O), ("N2440300MA5DC6QX3L", O),
                                          ("51100000500000993W", O)])
def test_a_credit_code_says_who_registered_the_holder_before_the_name_does(number, kind):
    assert kind_by_name("王伟", number) == (kind, RULE_NUMBER)


def test_a_number_that_is_no_credit_code_leaves_the_name_to_decide():
    assert kind_by_name("王伟", "12345") == (P, RULE_PERSON)


def test_words_in_brackets_do_not_make_a_person_an_organization():
    assert kind_by_name("王伟（代持）") == (P, RULE_PERSON)
    assert kind_by_name("宁波启航投资合伙企业(有限合伙)") == (C, RULE_COMPANY)


def test_a_legal_entity_identifier_is_a_company():
    assert kind_by_name("5493001KJTIIGC8Y1R12", "5493001KJTIIGC8Y1R12") == (C, RULE_NUMBER)


def test_a_holder_named_by_its_credit_code_is_the_company_listed_with_it(tmp_path):
    """The holder cell holds a credit code (lower-case, with spaces) of a company of the same
    extract: the holding is that company's, and no second company appears (before: ``co:9144...``
    in lower case beside ``co:9144...`` in upper case, and the chain through it lost)."""
    from equitygraph.graph.stores.sqlite import SQLiteStore
    from equitygraph.loaders.formats import load_path
    from equitygraph.queries.control.report import control_report

    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "企业名单.csv").write_text("企业名称,统一社会信用代码\n深圳华信控股有限公司,91440300MA5DC6QX3L\n"
                                      "深圳华信科技有限公司,91440300MA5F0XYZ1K\n", encoding="utf-8")
    (folder / "股东信息.csv").write_text("企业名称,股东名称,持股比例\n深圳华信控股有限公司,王伟,100%\n"
                                      "深圳华信科技有限公司,9144 0300 ma5d c6qx 3l,70%\n深圳华信科技有限公司,李娜,30%\n",
                                      encoding="utf-8")
    with SQLiteStore(tmp_path / "s.db") as store:
        report = load_path(store, folder)
        assert report.counts["company"] == 2 and report.counts["typed by on record"] == 1
        report = control_report(store, "深圳华信科技有限公司")
        assert [report.names[i] for i in report.actual_controllers] == ["王伟"]
