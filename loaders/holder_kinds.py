"""What kind of party a holder or officer named in an extract is, when no type column says so: the
rules in one place (docs/mappings.md, "Holder types"), each answer with the rule that gave it.

A person is a name that reads like one (two to four Chinese characters, a name with the ``·`` of
ethnic names, a Latin-script personal name); a company is a name with a company ending in any
script; an organization is a collective, a public body, a school, a hospital, a fund or a
partnership; anything else that is not a person's name is an organization. The organization words
are looked for before the person rule, so that 国资委 or 工会 are never persons.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import lei

from ..graph.model import EntityKind

#: The rules, in the order they are tried; the load report counts holders by these names.
RULE_TYPE = "type column"
RULE_RECORD = "on record"
RULE_NUMBER = "registration number"
RULE_COMPANY = "company name"
RULE_ORGANIZATION = "organization name"
RULE_PERSON = "person name"
RULE_OTHER = "not a person's name"
RULES = (RULE_TYPE, RULE_RECORD, RULE_NUMBER, RULE_COMPANY, RULE_ORGANIZATION, RULE_PERSON, RULE_OTHER)

_COMPANY = re.compile(
    r"(公司|集团|集團|企业|企業|商行|银行|銀行|厂|廠|店|事务所|事務所|株式会社|株式會社|有限会社|有限責任|有限责任|"
    r"\b(?:ltd|limited|inc|incorporated|llc|llp|plc|corp|corporation|company|co|gmbh|ag|kg|sarl|s\.?a\.?r\.?l|"
    r"s\.?a|s\.?p\.?a|s\.?r\.?l|b\.?v|n\.?v|a\.?s|oy|ab|aps|pte|pty|bhd|sdn|kk|k\.k|holdings?|group|bank)\b\.?)",
    re.I)
# Collectives, public bodies, schools, hospitals, funds, partnerships, associations.
_ORGANIZATION = re.compile(
    r"(合伙|合夥|合作社|供销社|供銷社|经济合作|經濟合作|联合社|聯合社|股份经济|村民委员会|村民委員會|居民委员会|居民委員會|"
    r"村委会|村委會|居委会|居委會|工会|工會|基金会|基金會|基金|信托|信託|人民政府|政府|国资委|國資委|国有资产|國有資產|"
    r"财政局|財政局|管理委员会|管理委員會|管委会|管委會|行政院|委员会|委員會|办公室|辦公室|办事处|辦事處|局|厅|廳|部|署|"
    r"学校|學校|大学|大學|学院|學院|中学|中學|小学|小學|幼儿园|幼兒園|医院|醫院|卫生院|衛生院|研究院|研究所|研究中心|中心|"
    r"协会|協會|学会|學會|商会|商會|联合会|聯合會|促进会|促進會|社团|社團|俱乐部|俱樂部|事业单位|事業單位|"
    r"\b(?:fund|trust|foundation|partnership|partners|lp|l\.p|association|society|council|ministry|government|"
    r"authority|agency|department|university|college|school|hospital|institute|committee|commission|"
    r"cooperative|co-operative|union|municipality|state of|republic of|city of|county of)\b)",
    re.I)
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CHINESE_NAME = re.compile(rf"^[{_CJK}]{{2,4}}$")
# 阿卜杜拉·艾尼, 迪丽热巴·迪力木拉提: parts of Chinese characters joined by a middle dot.
_DOTTED_NAME = re.compile(rf"^[{_CJK}]{{1,10}}(?:[·•・‧][{_CJK}]{{1,10}})+$")
_LATIN_NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿĀ-žȘ-țА-яЁё][A-Za-zÀ-ÖØ-öø-ÿĀ-žȘ-țА-яЁё'’.\-]*"
                         r"(?: [A-Za-zÀ-ÖØ-öø-ÿĀ-žȘ-țА-яЁё][A-Za-zÀ-ÖØ-öø-ÿĀ-žȘ-țА-яЁё'’.\-]*){1,4}$")
# The first character of a unified social credit code: who registered it (GB 32100-2015).
_USCC_KIND = {"9": EntityKind.COMPANY, "1": EntityKind.ORGANIZATION, "5": EntityKind.ORGANIZATION,
              "N": EntityKind.ORGANIZATION, "3": EntityKind.ORGANIZATION, "6": EntityKind.ORGANIZATION,
              "7": EntityKind.ORGANIZATION, "8": EntityKind.ORGANIZATION, "A": EntityKind.ORGANIZATION,
              "Y": EntityKind.ORGANIZATION, "2": EntityKind.ORGANIZATION}


def _bare(name: str) -> str:
    """The name without what is said about it in brackets (``(有限合伙)`` stays: it is the form)."""
    text = " ".join(unicodedata.normalize("NFKC", name).split())
    return re.sub(r"[(（\[【](?!有限合伙|普通合伙|特殊普通合伙)[^)）\]】]*[)）\]】]", "", text).strip() or text


def kind_by_name(name: str, reg_no: str | None = None) -> tuple[EntityKind, str]:
    """The kind a holder's name (and registration number, when given) says it is, and the rule.

    Examples
    --------
    >>> [kind_by_name(n)[0].value for n in ("王伟", "欧阳娜娜", "阿卜杜拉·艾尼", "John Smith")]
    ['person', 'person', 'person', 'person']
    >>> [kind_by_name(n)[0].value for n in ("深圳华信投资有限公司", "Acme Holdings Ltd.", "トヨタ株式会社")]
    ['company', 'company', 'company']
    >>> [kind_by_name(n)[0].value for n in ("黑水县维多村股份经济合作联合社", "行政院國家發展基金管理會", "国资委")]
    ['organization', 'organization', 'organization']
    >>> kind_by_name("某某", "91440300MA5DC6QX3L")
    (<EntityKind.COMPANY: 'company'>, 'registration number')
    """
    number = "".join((reg_no or "").split()).upper()
    if len(number) == 18 and number[0] in _USCC_KIND and number.isalnum():
        return _USCC_KIND[number[0]], RULE_NUMBER
    if len(number) == 20 and lei.is_valid(number):  # only legal entities have LEIs
        return EntityKind.COMPANY, RULE_NUMBER
    text = _bare(name)
    # The head of a name is its last word in Chinese (华为技术有限公司工会委员会 is a union) and mostly in
    # English too (Bank of China Limited); a partnership's form in brackets follows its head (企业).
    head = re.sub(r"[(（](有限合伙|普通合伙|特殊普通合伙)[)）]$", "", text)
    last = max(((m.end(), kind) for pattern, kind in ((_COMPANY, EntityKind.COMPANY), (_ORGANIZATION, EntityKind.ORGANIZATION))
                for m in pattern.finditer(head)), default=None, key=lambda found: (found[0], found[1] is EntityKind.COMPANY))
    if last is not None:
        return last[1], RULE_COMPANY if last[1] is EntityKind.COMPANY else RULE_ORGANIZATION
    if _CHINESE_NAME.match(text) or _DOTTED_NAME.match(text) or _LATIN_NAME.match(text):
        return EntityKind.PERSON, RULE_PERSON
    return EntityKind.ORGANIZATION, RULE_OTHER
