"""Parsers for the values registry extracts write: shares, dates, amounts.

Each raises ``ValueError`` with the problem in words; the loader adds file, line and field.
"""

from __future__ import annotations

import datetime as dt
import re

from stdnum import lei

from ..graph.errors import shown
from ..graph.model import Share

_NUMBER = r"(\d+(?:\.\d+)?|\.\d+)"
# Matched against the value with its white space removed, and only when it is short: the patterns
# then run in linear time on whatever a cell holds.
_SHARE_RANGE = re.compile(rf"^{_NUMBER}%?(?:-|–|—|~|～|to){_NUMBER}%?$")
_SHARE_SINGLE = re.compile(rf"^{_NUMBER}%?$")
MAX_VALUE_LENGTH = 64  # no share, date or amount as registries write them is longer
#: No registered name is longer (the longest Chinese names run to about a hundred characters).
MAX_NAME_CHARS = 2_000


def check_name(text: str) -> str:
    """``text`` if it can be a registered name, else a ``ValueError`` saying why.

    Examples
    --------
    >>> check_name("华信投资有限公司")
    '华信投资有限公司'
    """
    if len(text) > MAX_NAME_CHARS:
        raise ValueError(f"{shown(text)} is too long to be a name (more than {MAX_NAME_CHARS:,} characters)")
    return text


def _check_length(text: str, what: str) -> None:
    if len(text) > MAX_VALUE_LENGTH:
        raise ValueError(f"{shown(text)} is too long to be {what}")


def parse_share(text: str, scale: str = "percent") -> Share:
    """A share written as a percentage (``51``, ``51%``, ``51.00%``), a range (``50-75``) or blank.

    With ``scale="fraction"`` plain numbers are read on a 0-1 scale (``0.51``); a number written with
    ``%`` is a percentage on either scale.

    Examples
    --------
    >>> parse_share("51.00%")
    Share(low=0.51, high=0.51)
    >>> parse_share("50-75")
    Share(low=0.5, high=0.75)
    >>> parse_share("")
    Share(low=None, high=None)
    >>> parse_share("0.2", scale="fraction")
    Share(low=0.2, high=0.2)
    >>> parse_share("150%")
    Traceback (most recent call last):
    ...
    ValueError: '150%' is outside 0-100 %
    """
    if scale not in ("percent", "fraction"):
        raise ValueError(f"share scale must be 'percent' or 'fraction', not {scale!r}")
    _check_length(text.strip(), "a share")
    stripped = "".join(text.split()).replace("％", "%")
    if not stripped:
        return Share.unknown()
    if stripped.startswith("-"):
        raise ValueError(f"{text!r} is outside {_bounds(scale)}")
    single = _SHARE_SINGLE.match(stripped)
    ranged = _SHARE_RANGE.match(stripped)
    if single:
        low = high = _to_fraction(single.group(1), stripped.endswith("%"), scale, text)
    elif ranged:
        has_percent = "%" in stripped
        low = _to_fraction(ranged.group(1), has_percent, scale, text)
        high = _to_fraction(ranged.group(2), has_percent, scale, text)
        if low > high:
            raise ValueError(f"{text!r} is a range whose low end is above its high end")
    else:
        raise ValueError(f"{text!r} is not a percentage, a range like 50-75, or blank")
    return Share(low, high)


def parse_fraction(text: str, scale: str = "percent") -> float | None:
    """One exact percentage (a threshold, a free float) as a fraction; blank is ``None``.

    Examples
    --------
    >>> parse_fraction("25%")
    0.25
    >>> parse_fraction("20-30")
    Traceback (most recent call last):
    ...
    ValueError: '20-30' is a range; one percentage is needed here
    """
    share = parse_share(text, scale)
    if not share.is_known:
        return None
    if not share.is_exact:
        raise ValueError(f"{text!r} is a range; one percentage is needed here")
    return share.low


_TRUE = {"yes", "y", "true", "t", "1", "是", "listed", "上市"}
_FALSE = {"no", "n", "false", "f", "0", "否", "unlisted", "非上市"}


def parse_bool(text: str) -> bool:
    """Yes or no, as spreadsheets write it: ``yes``/``no``, ``true``/``false``, ``1``/``0``, ``是``/``否``.

    Examples
    --------
    >>> parse_bool("是"), parse_bool("FALSE")
    (True, False)
    """
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{text!r} is not yes or no (write yes, no, true, false, 1 or 0)")


def _bounds(scale: str) -> str:
    return "0-100 %" if scale == "percent" else "0-1 (fraction scale)"


def _to_fraction(number: str, has_percent: bool, scale: str, text: str) -> float:
    value = float(number)
    if has_percent or scale == "percent":
        if value > 100:
            raise ValueError(f"{text!r} is outside 0-100 %")
        return round(value / 100, 12)
    if value > 1:
        raise ValueError(f"{text!r} is outside {_bounds(scale)}")
    return value


_DATE_SEPARATED = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Taiwan's registers count years from 1912 (民國): 0760221 is 1987-02-21, 民國76年2月21日 the same.
_DATE_ROC = re.compile(r"^(?:民[國国]\s*(\d{1,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?|([01]\d{2})(\d{2})(\d{2}))$")


def parse_date(text: str) -> dt.date | None:
    """A date as registries write it: ``2021-03-04``, ``2021/3/4``, ``20210304``, ``2021年3月4日``
    (a time of day after it is ignored), and Taiwan's Republic-of-China years (``0760221``,
    ``民國76年2月21日``); blank is ``None``.

    Examples
    --------
    >>> parse_date("2021年3月4日"), parse_date("0760221"), parse_date("民國115年6月18日")
    (datetime.date(2021, 3, 4), datetime.date(1987, 2, 21), datetime.date(2026, 6, 18))
    >>> parse_date("2021-02-30")
    Traceback (most recent call last):
    ...
    ValueError: '2021-02-30' is not a valid date (day is out of range for month)
    """
    stripped = text.strip()
    if not stripped:
        return None
    _check_length(stripped, "a date")
    match = _DATE_SEPARATED.match(stripped) or _DATE_COMPACT.match(stripped)
    roc = None if match else _DATE_ROC.match(stripped)
    if not match and not roc:
        raise ValueError(f"{text!r} is not a date (write it as YYYY-MM-DD)")
    try:
        if roc:
            year, month, day = (int(part) for part in roc.groups() if part is not None)
            return dt.date(year + 1911, month, day)
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError as e:
        raise ValueError(f"{text!r} is not a valid date ({e})") from None


def clean_reg_no(text: str | None) -> str | None:
    """A registration or ID number as it is kept and compared: spaces dropped, upper case; None if empty.

    Examples
    --------
    >>> clean_reg_no(" 9131 0000 mA1k "), clean_reg_no("  ")
    ('91310000MA1K', None)
    """
    cleaned = "".join((text or "").split()).upper()
    return cleaned or None


_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def registration_number_in(text: str | None) -> str | None:
    """The registration number a name cell holds instead of a name, in the one form numbers are kept
    (:func:`clean_reg_no`): a unified social credit code by its shape (check digit or not: a typo in
    it is still no name), or a valid LEI; None for anything else.

    Examples
    --------
    >>> registration_number_in(" 91440300ma5dc6qx3l"), registration_number_in("5493001KJTIIGC8Y1R12")
    ('91440300MA5DC6QX3L', '5493001KJTIIGC8Y1R12')
    >>> registration_number_in("王伟"), registration_number_in("12345678")
    (None, None)
    """
    number = clean_reg_no(text)
    if not number:
        return None
    if _USCC_SHAPE.match(number) or (len(number) == 20 and lei.is_valid(number)):
        return number
    return None


def iso_day(text) -> dt.date | None:
    """The day an ISO date or date-time starts with (``2019-09-11``, ``2012-11-29T00:00:00.000Z``); None
    for anything else, a year or a month alone included: the open registers' optional dates.

    Examples
    --------
    >>> iso_day("2012-11-29T00:00:00.000Z"), iso_day("1965-11"), iso_day(None)
    (datetime.date(2012, 11, 29), None, None)
    """
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


_CURRENCY_WORDS = {
    "人民币": "CNY", "美元": "USD", "港元": "HKD", "港币": "HKD", "欧元": "EUR", "日元": "JPY", "英镑": "GBP",
}
_MULTIPLIERS = {"万": 1e4, "亿": 1e8}
MAX_AMOUNT = 1e18
_AMOUNT = re.compile(r"^([+-]?(?:\d[\d,]*(?:\.\d+)?|\.\d+))\s*(万|亿)?\s*元?$")


def parse_amount(text: str) -> tuple[float | None, str | None]:
    """An amount of money and the currency named in it, if any: ``1,000,000``, ``500万``,
    ``1000万元人民币``, ``2.5亿元``; blank is ``(None, None)``.

    Examples
    --------
    >>> parse_amount("1000万元人民币")
    (10000000.0, 'CNY')
    >>> parse_amount("1,250.5")
    (1250.5, None)
    """
    stripped = "".join(text.split())
    if not stripped:
        return None, None
    _check_length(stripped, "an amount of money")
    currency = None
    for word, code in _CURRENCY_WORDS.items():
        if word in stripped:
            currency = code
            stripped = stripped.replace(word, "")
    match = _AMOUNT.match(stripped)
    if not match:
        raise ValueError(f"{text!r} is not an amount of money")
    value = float(match.group(1).replace(",", "")) * _MULTIPLIERS.get(match.group(2), 1.0)
    if value < 0:
        raise ValueError(f"{text!r} is negative")
    if value > MAX_AMOUNT:
        raise ValueError(f"{shown(text)} is larger than any registered capital (above 10^18)")
    return value, currency


def parse_int_in(text: str, low: int, high: int) -> int | None:
    """A whole number from ``low`` to ``high``; blank is ``None``.

    Examples
    --------
    >>> parse_int_in(" 3 ", 1, 5)
    3
    """
    stripped = text.strip()
    if not stripped:
        return None
    if not re.fullmatch(r"[+-]?\d+", stripped) or not (low <= int(stripped) <= high):
        raise ValueError(f"{text!r} is not a whole number from {low} to {high}")
    return int(stripped)
