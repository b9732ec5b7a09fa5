"""The forms a name is searched by: as written (normalised), in pinyin, and by pinyin initials.

Investigators type 华信, huaxin or hx for 华信; pinyin comes from pypinyin's character table
(first reading of each character, tones dropped, ü as v), looked up per character so that a
million names convert in seconds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .model import normalize_name

FUZZY_CANDIDATES = 300  # names fetched per probe of a fuzzy search


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict

    table = {}
    for code, readings in pinyin_dict.items():
        first = readings.split(",")[0]
        plain = "".join(c for c in unicodedata.normalize("NFKD", first) if not unicodedata.combining(c))
        table[code] = plain.replace("ü", "v").lower()
    return table


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002ffff"


def pinyin_forms(name: str) -> tuple[str, str] | None:
    """The pinyin and the pinyin initials of a name with Chinese characters in it, else None.
    Latin letters and digits are kept; punctuation and spaces go.

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


def search_forms(name: str) -> list[str]:
    """Every form a name is found by: the normalised name, then its pinyin and initials."""
    forms = [normalize_name(name)]
    pinyin = _pinyin_of(forms[0])
    if pinyin:
        forms.extend(pinyin)
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
