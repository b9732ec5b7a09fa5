"""The two sides of screening as every room sees them: a party of the graph (:class:`Party`) and
an entry of a sanctions, PEP or wanted list (:class:`Listing`), with the identifiers both are
compared by (:func:`identifier_key`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PERSON, ORGANISATION, EITHER = "person", "organisation", "either"


@dataclass(frozen=True)
class Party:
    """A party of the graph as screening sees it. ``identifiers`` are ``kind:VALUE`` (``reg``,
    ``lei``, ``id``), ``birth_date`` ISO (a year, a month or a day), ``countries`` ISO codes."""

    id: str
    kind: str  # PERSON or ORGANISATION
    names: tuple[str, ...]
    birth_date: str | None = None
    countries: frozenset[str] = frozenset()
    identifiers: frozenset[str] = frozenset()
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Listing:
    """An entry of a list: who (``kind`` PERSON, ORGANISATION or EITHER), why it is listed
    (``categories``: sanctioned, pep, wanted, listed), by whom and since when."""

    id: str
    kind: str
    names: tuple[str, ...]
    caption: str
    dataset: str
    categories: tuple[str, ...]
    birth_dates: tuple[str, ...] = ()
    countries: frozenset[str] = frozenset()
    identifiers: frozenset[str] = frozenset()
    programs: tuple[str, ...] = ()
    listed: str | None = None  # ISO date of the listing
    addresses: tuple[str, ...] = ()


def identifier_key(value: str, person: bool) -> str | None:
    """An identifier as both sides are compared by: its letters and digits in upper case, tagged by
    what its shape says it is (``lei:``, ``uscc:`` a Chinese unified social credit code, else ``id:``
    for a person and ``reg:`` for an organisation); None for less than four characters.

    Examples
    --------
    >>> identifier_key("001G PB6A 9XPE 8XJI CC14", person=False)
    'lei:001GPB6A9XPE8XJICC14'
    >>> identifier_key("914403001922038216", person=False), identifier_key("808000714", person=False)
    ('uscc:914403001922038216', 'reg:808000714')
    """
    from stdnum import lei
    from stdnum.cn import uscc

    cleaned = "".join(ch for ch in value.upper() if ch.isalnum())
    if len(cleaned) < 4:
        return None
    if len(cleaned) == 20 and lei.is_valid(cleaned):
        return "lei:" + cleaned
    if len(cleaned) == 18 and uscc.is_valid(cleaned):
        return "uscc:" + cleaned
    return ("id:" if person else "reg:") + cleaned


def partial_date(value: str | dt.date | None) -> str | None:
    """A date as screening compares it: ISO, as precise as known (``2001``, ``2001-05``, ``2001-05-03``);
    unlike ``loaders.fields.iso_day``, a year or a month alone is kept.

    Examples
    --------
    >>> partial_date("1971"), partial_date("1971-01-22T00:00:00"), partial_date(dt.date(1971, 1, 22)), partial_date("n/a")
    ('1971', '1971-01-22', '1971-01-22', None)
    """
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()[:10]
    return text if len(text) in (4, 7, 10) and text[:4].isdigit() else None
