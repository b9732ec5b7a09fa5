"""Officer roles: the standard roles, the titles registries write for them (Simplified and Traditional
Chinese, English, FollowTheMoney), how a combined title splits, and which roles are key management.

A title that names no standard role is kept as written (lower-cased): it is still an officer, but
no rule that asks for directors, supervisors or senior managers counts it.
"""

from __future__ import annotations

import re
import unicodedata

#: Each standard role and its family: ``board`` (directors of every kind), ``supervisory``
#: (supervisors), ``senior_manager`` (高级管理人员: managers, finance officer, board secretary),
#: ``legal_representative`` and ``partner`` (the executive partner of a partnership).
ROLE_FAMILIES = {
    "legal_representative": "legal_representative",
    "chairman": "board",
    "vice_chairman": "board",
    "director": "board",
    "executive_director": "board",
    "non_executive_director": "board",
    "independent_director": "board",
    "employee_director": "board",
    "supervisor": "supervisory",
    "supervisory_chairman": "supervisory",
    "employee_supervisor": "supervisory",
    "general_manager": "senior_manager",
    "deputy_general_manager": "senior_manager",
    "manager": "senior_manager",
    "chief_executive": "senior_manager",
    "finance_officer": "senior_manager",
    "board_secretary": "senior_manager",
    "senior_executive": "senior_manager",
    "executive_partner": "partner",
}
OFFICER_ROLES = tuple(ROLE_FAMILIES)
BOARD_ROLES = tuple(r for r, family in ROLE_FAMILIES.items() if family == "board")
#: Key management personnel (IAS 24.9; CAS 36 art. 4(9)): directors, supervisors, senior managers,
#: the legal representative and the executive partner.
KEY_MANAGEMENT_ROLES = OFFICER_ROLES
#: Who manages another company for the related-party rules: its directors (not its independent
#: directors, who are there to be independent of it), senior managers, legal representative and
#: executive partner (Shanghai and Shenzhen listing rules 6.3.3; CAS 36 art. 4(10)).
MANAGING_ROLES = tuple(r for r, family in ROLE_FAMILIES.items()
                       if family in ("board", "senior_manager", "legal_representative", "partner")
                       and r != "independent_director")

_TITLES = {
    "legal_representative": ("经营者", "經營者", "法定代表人", "法人代表", "法人", "負責人", "负责人", "legal representative",
                             "legal_representative"),
    "chairman": ("联席董事长", "聯席董事長", "代董事长", "代董事長", "代理董事长", "代理董事長", "理事长", "理事長", "董事长", "董事長", "董事会主席", "董事會主席", "董事局主席", "主席", "chairman", "chair",
                 "chairman of the board", "chairperson", "board chair", "boardchair"),
    "vice_chairman": ("副董事长", "副董事長", "副主席", "董事会副主席", "董事會副主席", "vice chairman", "vice-chairman",
                      "deputy chairman", "vice chair"),
    "director": ("董事", "非独立董事", "非獨立董事", "director", "board member", "boardmember", "member of the board"),
    "executive_director": ("执行董事", "執行董事", "executive director"),
    "non_executive_director": ("非执行董事", "非執行董事", "non-executive director", "non executive director"),
    "independent_director": ("独立董事", "獨立董事", "独立非执行董事", "獨立非執行董事", "独董", "外部董事",
                             "independent director", "independent non-executive director",
                             "independent non executive director"),
    "employee_director": ("职工董事", "職工董事", "职工代表董事", "職工代表董事", "employee director"),
    "supervisor": ("股东监事", "股東監事", "执行监事", "執行監事", "股东代表监事", "监事", "監事", "监察人", "監察人", "股東代表監事", "supervisor", "statutory auditor"),
    "supervisory_chairman": ("监事会主席", "監事會主席", "监事长", "監事長", "首席监事", "chairman of the supervisory board",
                             "chief supervisor"),
    "employee_supervisor": ("职工监事", "職工監事", "职工代表监事", "職工代表監事", "employee supervisor"),
    "general_manager": ("联席总裁", "聯席總裁", "代理总经理", "代理總經理", "代总经理", "代總經理", "总经理", "總經理", "总裁", "總裁", "行长", "行長", "general manager",
                        "president", "managing director"),
    "deputy_general_manager": ("高级副总裁", "高級副總裁", "副总经理", "副總經理", "副总裁", "副總裁", "常务副总经理", "常務副總經理", "副行长", "副行長",
                               "deputy general manager", "vice president", "executive vice president"),
    "manager": ("经理", "經理", "manager"),
    "chief_executive": ("首席执行官", "首席執行官", "执行总裁", "執行總裁", "ceo", "chief executive officer",
                        "chief executive"),
    "finance_officer": ("财务负责人", "財務負責人", "财务总监", "財務總監", "总会计师", "總會計師", "首席财务官",
                        "首席財務官", "财务经理", "財務經理", "会计主管", "會計主管", "cfo", "chief financial officer",
                        "finance director", "financial controller", "finance officer"),
    "board_secretary": ("联席公司秘书", "聯席公司秘書", "证券事务代表", "證券事務代表", "董事会秘书", "董事會秘書", "董秘", "board secretary",
                        "secretary of the board", "company secretary", "secretary"),
    "senior_executive": ("内审负责人", "內審負責人", "高级管理人员", "高級管理人員", "高管", "副经理", "副經理", "总工程师", "總工程師", "首席技术官",
                         "首席技術官", "首席运营官", "首席營運官", "首席信息官", "首席投资官", "首席风险官", "合规负责人",
                         "合規負責人", "总经济师", "總經濟師", "总监", "總監", "运营总监", "技术总监", "协理", "協理",
                         "cto", "coo", "cio", "chief operating officer", "chief technology officer",
                         "senior managing official", "seniormanagingofficial"),
    "executive_partner": ("执行事务合伙人", "執行事務合夥人", "执行事务合伙人委派代表", "普通合伙人", "普通合夥人",
                          "executive partner", "managing partner", "general partner"),
}
TITLES = {title: role for role, titles in _TITLES.items() for title in titles}
TITLES.update({role: role for role in OFFICER_ROLES} | {role.replace("_", " "): role for role in OFFICER_ROLES})

# A combined title: 董事长/董事, 董事兼总经理, 董事、副总经理, "Director and CEO", 董事長暨總經理.
_SEPARATORS = re.compile(r"\s*(?:[、,，/／;；|&＆+＋]|兼任|兼|暨|及|和|\band\b)\s*", re.I)
# A note after a title: 董事（已离任）, "Director (appointed 2020)", 独立董事[注1].
_NOTE = re.compile(r"\s*[(（\[【].*?[)）\]】]\s*")
_AFFIXES = re.compile(r"^法人(?=董事|監察人|监察人|监事|監事)|(?:之?法人代表人?|本人)$")


def _folded(title: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def standard_role(title: str) -> str | None:
    """The standard role a single title names, or None.

    Examples
    --------
    >>> [standard_role(t) for t in ("独立董事", "董事長", "Independent Non-Executive Director", "监事（已离任）", "园长")]
    ['independent_director', 'chairman', 'independent_director', 'supervisor', None]
    >>> [standard_role(t) for t in ("董事長本人", "董事之法人代表人", "法人董事", "法人代表")]
    ['chairman', 'director', 'director', 'legal_representative']
    """
    folded = _folded(title)
    if folded in TITLES:
        return TITLES[folded]
    bare = _folded(_NOTE.sub(" ", title))
    if bare in TITLES:
        return TITLES[bare]
    # Taiwan's insider reports: 董事長本人 (the chairman himself), 董事之法人代表人 (the person sitting for a
    # juristic director), 法人董事 (a juristic director).
    return TITLES.get(_AFFIXES.sub("", bare))


def role_code(title: str) -> str:
    """The standard role of one title, else the title itself lower-cased with underscores for spaces
    (how a role no rule knows is kept).

    Examples
    --------
    >>> role_code("董事會秘書"), role_code("Head Teacher")
    ('board_secretary', 'head_teacher')
    """
    return standard_role(title) or _folded(title).replace(" ", "_")


def written_title(title: str, role: str) -> str | None:
    """The title as the register wrote it, kept beside a standard ``role`` where it says more than the
    role's own name; None for the role's own name, and for a title no role knows (it is the role).

    Examples
    --------
    >>> written_title("獨立董事", "independent_director"), written_title("Director", "director"), written_title("园长", "园长")
    ('獨立董事', None, None)
    """
    text = " ".join(title.split())
    if not text or role not in ROLE_FAMILIES or _folded(text) in (role, role.replace("_", " ")):
        return None
    return text


def split_title(title: str) -> list[str]:
    """The titles a combined title holds, as written; a title that is one role stays whole.

    Examples
    --------
    >>> split_title("董事长/董事"), split_title("董事兼总经理"), split_title("董事、副总经理")
    (['董事长', '董事'], ['董事', '总经理'], ['董事', '副总经理'])
    >>> split_title("独立非执行董事"), split_title("Director and CEO")
    (['独立非执行董事'], ['Director', 'CEO'])
    """
    text = title.strip()
    if not text or standard_role(text) is not None:
        return [text] if text else []
    parts = [p.strip() for p in _SEPARATORS.split(_NOTE.sub(" ", text)) if p and p.strip()]
    return parts or [text]


def roles_of(title: str) -> list[tuple[str, str]]:
    """Each ``(role, title as written)`` a title cell holds: the standard role, or the title itself
    (lower-cased, spaces as underscores) where it names none; a role met twice is kept once.

    Examples
    --------
    >>> roles_of("董事长兼总经理")
    [('chairman', '董事长'), ('general_manager', '总经理')]
    >>> roles_of("執行董事兼總經理")
    [('executive_director', '執行董事'), ('general_manager', '總經理')]
    >>> roles_of("Head of Kindergarten")
    [('head_of_kindergarten', 'Head of Kindergarten')]
    """
    found: dict[str, str] = {}
    for part in split_title(title):
        role = role_code(part)
        found.setdefault(role, part)
    return list(found.items())


def family_of(role: str) -> str | None:
    """``board``, ``supervisory``, ``senior_manager``, ``legal_representative``, ``partner``, or None."""
    return ROLE_FAMILIES.get(role)
