"""The forms a name is searched by: as written (normalised), in pinyin, and by pinyin initials.

Investigators type 华信, huaxin or hx for 华信; pinyin comes from pypinyin's character table
(first reading of each character, tones and the umlaut dropped: 吕 is lu), looked up per
character so that a million names convert in seconds.

A character read two ways in names (晟 sheng or cheng, 长 chang or zhang, 行 xing or hang) is
found by either: a name holding such characters gets one pinyin form per combination of their
readings (at most :data:`MAX_READINGS`). The readings are a chosen few (:data:`HETERONYMS`), not
every reading pypinyin lists: its table also holds rare ones (有 wei, 限 wen, 司 ci) that would give
most company names dozens of forms and find them by words nobody types.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import islice, product

from .model import normalize_name

FUZZY_CANDIDATES = 300  # names fetched per probe of a fuzzy search
MAX_READINGS = 8  # pinyin forms kept for one name with several two-way characters

# Characters names are commonly typed with more than one reading of (surnames, places, brand
# words), the usual reading first. Each reading is one pypinyin lists for the character (tested).
HETERONYMS = {
    "晟": ("sheng", "cheng"), "长": ("chang", "zhang"), "重": ("zhong", "chong"), "行": ("xing", "hang"),
    "乐": ("le", "yue"), "单": ("dan", "shan", "chan"), "曾": ("zeng", "ceng"), "解": ("jie", "xie"),
    "区": ("qu", "ou"), "查": ("cha", "zha"), "朴": ("pu", "piao"), "仇": ("chou", "qiu"), "盖": ("gai", "ge"),
    "藏": ("zang", "cang"), "传": ("chuan", "zhuan"), "调": ("tiao", "diao"), "都": ("du", "dou"),
    "会": ("hui", "kuai"), "厦": ("xia", "sha"), "蚌": ("beng", "bang"), "六": ("liu", "lu"),
    "朝": ("chao", "zhao"), "盛": ("sheng", "cheng"), "强": ("qiang", "jiang"), "种": ("zhong", "chong"),
    "宿": ("su", "xiu"), "柏": ("bai", "bo"), "茜": ("qian", "xi"), "莘": ("shen", "xin"), "薄": ("bo", "bao"),
    "尉": ("wei", "yu"), "缪": ("miao", "mou"), "翟": ("zhai", "di"), "覃": ("qin", "tan"), "还": ("huan", "hai"),
    "和": ("he", "huo"), "大": ("da", "dai"), "角": ("jiao", "jue"), "校": ("xiao", "jiao"), "便": ("bian", "pian"),
    "率": ("shuai", "lu"), "弄": ("nong", "long"), "石": ("shi", "dan"), "秘": ("mi", "bi"), "参": ("can", "shen"),
    "差": ("cha", "chai"), "降": ("jiang", "xiang"), "系": ("xi", "ji"), "数": ("shu", "shuo"), "奇": ("qi", "ji"),
    "员": ("yuan", "yun"), "佛": ("fo", "fu"), "屏": ("ping", "bing"), "泊": ("bo", "po"), "给": ("gei", "ji"),
}


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict

    table = {}
    for code, readings in pinyin_dict.items():
        first = readings.split(",")[0]
        plain = "".join(c for c in unicodedata.normalize("NFKD", first) if not unicodedata.combining(c))
        table[code] = plain.lower()
    table.update({ord(ch): readings[0] for ch, readings in HETERONYMS.items()})
    return table


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002ffff"


def pinyin_forms(name: str) -> tuple[str, str] | None:
    """The pinyin and the pinyin initials of a name with Chinese characters in it, else None
    (each character in its usual reading). Latin letters and digits are kept; punctuation and
    spaces go.

    Examples
    --------
    >>> pinyin_forms("华信投资（深圳）有限公司")
    ('huaxintouzishenzhenyouxiangongsi', 'hxtzszyxgs')
    >>> pinyin_forms("Acme Ltd") is None
    True
    """
    return _pinyin_of(normalize_name(name))


def _pinyin_of(norm: str) -> tuple[str, str] | None:
    if not _CJK.search(norm):
        return None
    to_full, to_initials = _translations()
    full = norm.translate(to_full)
    if full.isascii():  # every character had a reading: str.translate did it all in C
        return full, norm.translate(to_initials)
    return _pinyin_by_character(norm)


def _pinyin_by_character(norm: str) -> tuple[str, str]:
    """The pinyin forms one character at a time: for names with characters no reading is known of
    (str.translate would keep them), and the reference the tests hold the fast path to."""
    table = _pinyin_table()
    full, initials = [], []
    for ch in norm:
        if ch.isascii():
            if ch.isalnum():
                full.append(ch)
                initials.append(ch)
        elif (reading := table.get(ord(ch))) is not None:
            full.append(reading)
            initials.append(reading[0])
    return "".join(full), "".join(initials)


_CJK = re.compile("[\u3400-\u9fff\U00020000-\U0002ffff]")


@lru_cache(maxsize=1)
def _translations() -> tuple[dict[int, str | None], dict[int, str | None]]:
    """str.translate tables: each character with a reading to its pinyin (or its initial), ASCII
    punctuation and spaces to nothing, ASCII letters and digits kept (absent from the tables)."""
    table = _pinyin_table()
    to_full: dict[int, str | None] = {code: reading for code, reading in table.items() if code >= 128}
    to_initials: dict[int, str | None] = {code: reading[0] for code, reading in to_full.items()}
    for code in range(128):
        if not chr(code).isalnum():
            to_full[code] = to_initials[code] = None
    return to_full, to_initials


def pinyin_readings(name: str) -> list[tuple[str, str]]:
    """The pinyin and initials of a name in every reading of its two-way characters, the usual
    reading first; empty for a name without Chinese characters.

    Examples
    --------
    >>> pinyin_readings("长沙银行")
    [('changshayinxing', 'csyx'), ('changshayinhang', 'csyh'), ('zhangshayinxing', 'zsyx'), ('zhangshayinhang', 'zsyh')]
    >>> pinyin_readings("华信") == [pinyin_forms("华信")]
    True
    """
    return _readings_of(normalize_name(name))


def _readings_of(norm: str) -> list[tuple[str, str]]:
    usual = _pinyin_of(norm)
    if usual is None:
        return []
    two_way = _TWO_WAY.findall(norm)
    if not two_way:
        return [usual]
    between = [_pinyin_of_piece(piece) for piece in _TWO_WAY.split(norm)]
    readings = []
    for choice in islice(product(*(HETERONYMS[ch] for ch in two_way)), MAX_READINGS):
        full, initials = [between[0][0]], [between[0][1]]
        for reading, (piece_full, piece_initials) in zip(choice, between[1:]):
            full += (reading, piece_full)
            initials += (reading[0], piece_initials)
        readings.append(("".join(full), "".join(initials)))
    return readings


def _pinyin_of_piece(piece: str) -> tuple[str, str]:
    """The pinyin forms of a piece of a name that may hold no Chinese character at all."""
    return _pinyin_of(piece) or _pinyin_by_character(piece)


_TWO_WAY = re.compile("[" + "".join(HETERONYMS) + "]")


def search_forms(name: str) -> list[str]:
    """Every form a name is found by: the normalised name, then its pinyin and initials in each
    reading (:func:`pinyin_readings`)."""
    norm = normalize_name(name)
    forms = [norm]
    for reading in _readings_of(norm):
        forms.extend(reading)
    return forms


def fuzzy_probes(query: str) -> list[str]:
    """Pieces of a (normalised) query to fetch fuzzy candidates by: for a query with a typo, some
    piece still matches. Chinese queries are cut into two-character pieces, Latin ones into three.

    Examples
    --------
    >>> fuzzy_probes("华信投姿")
    ['华信', '信投', '投姿']
    """
    compact = query.replace(" ", "")
    size = 2 if any(is_cjk(ch) for ch in compact) else 3
    if len(compact) <= size:
        return []
    pieces = [compact[i : i + size] for i in range(len(compact) - size + 1)]
    return list(dict.fromkeys(pieces))[:6]


@lru_cache(maxsize=1)
def _spaced_table() -> dict[int, str]:
    return {code: f" {reading} " for code, reading in _pinyin_table().items() if code >= 128}


def pinyin_words(name: str) -> str:
    """A name with each Chinese character replaced by its usual reading, a word each; other
    letters stay as written.

    Examples
    --------
    >>> pinyin_words("张晓明")
    'zhang xiao ming'
    >>> pinyin_words("IHI宇航株式会社")
    'ihi yu hang zhu shi hui she'
    """
    return " ".join(normalize_name(name).translate(_spaced_table()).split())


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every reading a character has in the table: the syllables a Latin name is cut into."""
    return frozenset(_pinyin_table().values())
