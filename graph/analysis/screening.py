"""Screening: which parties of the graph may be the persons and organisations of a sanctions, PEP
or wanted list, each with a score and the features that made it.

A match is a lead, not a fact. The name decides whether two records are compared at all and gives
the score's base (:func:`.screening_names.name_similarity`); then features support or contradict
it: a shared registration number or LEI (strong), the birth date (the same day, the same year, or
a different year), the country (shared, or both known and different), an address. A person is never
compared with a company. Blocking keeps a million parties against a hundred thousand entries to the
pairs sharing an identifier or name keys (:func:`.screening_names.name_keys`; see
:meth:`ListIndex.candidates`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from ..listings import ORGANISATION, PERSON, Listing, Party
from .screening_names import NameForm, latin_words, name_form, name_keys, name_similarity

#: The score from which a pair is reported as a possible match.
THRESHOLD = 0.7
#: A name key shared by more list entries than this is followed only by a name with no other (company words).
BUSY_KEY = 200
#: A name of this many words or more needs two of its keys shared to be compared.
LONG_NAME = 5
#: And every pair compared shares at least this part of the keys of the name with fewer of them.
SHARED_KEYS = 0.25
SAME_IDENTIFIER = 0.4
OTHER_IDENTIFIER = -0.15
SAME_BIRTH_DATE = 0.15
SAME_BIRTH_YEAR = 0.05
OTHER_BIRTH_YEAR = -0.4
SAME_ADDRESS = 0.1
SAME_COUNTRY = 0.05
OTHER_COUNTRY = -0.1


@dataclass(frozen=True)
class Feature:
    """One reason in a match's score: what it is (``name_characters``, ``name_sound``,
    ``name_spelling``, ``identifier``, ``other_identifier``, ``birth_date``, ``birth_year``,
    ``other_birth_year``, ``country``, ``other_country``, ``address``), what it added (negative: contradicted),
    and what it saw (the party's side first; words are the caller's)."""

    name: str
    weight: float
    detail: str


@dataclass(frozen=True)
class Match:
    party: str
    listing: str
    score: float
    features: tuple[Feature, ...] = field(default=())


def score_pair(party: Party, listing: Listing, party_forms: list[tuple[str, NameForm]] | None = None,
               listing_forms: list[tuple[str, NameForm]] | None = None) -> Match | None:
    """The score of one party against one list entry with its features; None where the kinds rule
    the pair out (a person and an organisation).

    Examples
    --------
    >>> p = Party("p1", PERSON, ("张晓明",), birth_date="1970-01-02")
    >>> entry = Listing("os-1", PERSON, ("ZHANG Xiaoming",), "ZHANG Xiaoming", "us_ofac_sdn", ("sanctioned",),
    ...                 birth_dates=("1970-01-02",))
    >>> m = score_pair(p, entry)
    >>> round(m.score, 2), [(f.name, f.detail) for f in m.features]
    (1.0, [('name_sound', '张晓明 ~ ZHANG Xiaoming'), ('birth_date', '1970-01-02')])
    >>> score_pair(p, Listing("os-2", ORGANISATION, ("张晓明",), "x", "l", ("sanctioned",))) is None
    True
    """
    if {party.kind, listing.kind} == {PERSON, ORGANISATION}:
        return None
    organisation, person = party.kind == ORGANISATION, party.kind == PERSON
    party_forms = party_forms or [(n, name_form(n, organisation, person)) for n in party.names]
    listing_forms = listing_forms or [(n, name_form(n, organisation, person)) for n in listing.names]
    best, how, mine, theirs = 0.0, "", "", ""
    for name, form in party_forms:
        for other, other_form in listing_forms:
            alike, way = name_similarity(form, other_form)
            if alike > best:
                best, how, mine, theirs = alike, way, name, other
    features = [Feature(f"name_{how}", best, f"{mine} ~ {theirs}")] if best > 0 else []
    features += _identifiers(party, listing)
    if party.kind == PERSON:
        features += _birth(party, listing)
    features += _countries(party, listing)
    features += _addresses(party, listing)
    score = min(1.0, max(0.0, sum(f.weight for f in features)))
    return Match(party.id, listing.id, score, tuple(features))


#: Identifiers one party has only one of: two different ones contradict a match.
_UNIQUE_KINDS = ("lei", "uscc")


def _identifiers(party: Party, listing: Listing) -> list[Feature]:
    shared = party.identifiers & listing.identifiers
    if shared:
        return [Feature("identifier", SAME_IDENTIFIER, ", ".join(sorted(shared)))]
    kinds = {i.split(":", 1)[0] for i in party.identifiers} & {i.split(":", 1)[0] for i in listing.identifiers}
    if kinds & set(_UNIQUE_KINDS):
        kind = sorted(kinds & set(_UNIQUE_KINDS))[0]
        here = sorted(i for i in party.identifiers if i.startswith(kind + ":"))[0]
        there = sorted(i for i in listing.identifiers if i.startswith(kind + ":"))[0]
        return [Feature("other_identifier", OTHER_IDENTIFIER, f"{here} ≠ {there}")]
    return []


def _birth(party: Party, listing: Listing) -> list[Feature]:
    if not party.birth_date or not listing.birth_dates:
        return []
    mine = party.birth_date
    if any(d == mine for d in listing.birth_dates if len(d) == 10 and len(mine) == 10):
        return [Feature("birth_date", SAME_BIRTH_DATE, mine)]
    if any(d[:4] == mine[:4] for d in listing.birth_dates):
        return [Feature("birth_year", SAME_BIRTH_YEAR, mine[:4])]
    return [Feature("other_birth_year", OTHER_BIRTH_YEAR, f"{mine} ≠ {', '.join(sorted(listing.birth_dates))}")]


def _countries(party: Party, listing: Listing) -> list[Feature]:
    if not party.countries or not listing.countries:
        return []
    shared = party.countries & listing.countries
    if shared:
        return [Feature("country", SAME_COUNTRY, ", ".join(sorted(shared)))]
    return [Feature("other_country", OTHER_COUNTRY,
                    f"{', '.join(sorted(party.countries))} ≠ {', '.join(sorted(listing.countries))}")]


@lru_cache(maxsize=65536)
def address_words(text: str) -> frozenset[str]:
    """An address as the words it is compared by: in Latin letters, lower case, two letters or more.

    Examples
    --------
    >>> sorted(address_words("Minsk, Belarus") & address_words("BELARUS, MINSK, Free Economic Zone"))
    ['belarus', 'minsk']
    """
    return frozenset(w for w in latin_words(text) if len(w) >= 2)


def _addresses(party: Party, listing: Listing) -> list[Feature]:
    """An address of the party and one of the entry sharing most of their words (at least half of
    the shorter's, and three words or more): supporting; addresses change, so no address contradicts."""
    best, seen = 0.0, ""
    for mine in party.addresses:
        here = address_words(mine)
        for theirs in listing.addresses:
            there = address_words(theirs)
            shared = len(here & there)
            if shared >= 3 and shared >= 0.5 * min(len(here), len(there)) and shared / max(len(here), len(there)) > best:
                best, seen = shared / max(len(here), len(there)), f"{mine} ~ {theirs}"
    return [Feature("address", SAME_ADDRESS, seen)] if best else []


class ListIndex:
    """The entries of the lists screened against, found by name key and identifier (the blocking)."""

    def __init__(self, listings: Iterable[Listing]):
        self.listings: dict[str, Listing] = {}
        self.forms: dict[tuple[str, bool], list[tuple[str, NameForm]]] = {}
        self.by_key: dict[str, list[str]] = defaultdict(list)
        self.key_counts: dict[str, int] = {}
        for listing in listings:
            self.listings[listing.id] = listing
            keys = set(listing.identifiers)
            for organisation in ((False,) if listing.kind == PERSON else (True,) if listing.kind == ORGANISATION
                                 else (False, True)):
                person = not organisation and listing.kind == PERSON
                forms = [(n, name_form(n, organisation, person)) for n in dict.fromkeys(listing.names)]
                self.forms[listing.id, organisation] = forms
                for _, form in forms:
                    keys |= name_keys(form)
            for key in keys:
                self.by_key[key].append(listing.id)
            self.key_counts[listing.id] = max(1, len(keys - set(listing.identifiers)) // (len(self.forms.get(
                (listing.id, listing.kind == ORGANISATION), ())) or 1))

    def candidates(self, party: Party, forms: list[tuple[str, NameForm]]) -> set[str]:
        """The entries sharing an identifier, or sharing name keys with one of the party's names: one
        key for a name of a few words, two for a long one (a company's name in pinyin has dozens of
        syllable pairs, most of them common). A key shared by more than :data:`BUSY_KEY` entries is
        followed only where the name has no other key on the lists (the commonest names)."""
        found: set[str] = set()
        for identifier in party.identifiers:
            found.update(self.by_key.get(identifier, ()))
        for _, form in forms:
            keys = name_keys(form)
            blocks = [ids for key in keys if (ids := self.by_key.get(key))]
            followed = [ids for ids in blocks if len(ids) <= BUSY_KEY]
            if blocks and not followed:  # 王伟 = WANG Wei: nothing more precise to go by than a busy key
                followed = [min(blocks, key=len)]
            shared: dict[str, int] = {}
            for ids in followed:
                for listing_id in ids:
                    shared[listing_id] = shared.get(listing_id, 0) + 1
            least = 2 if len(form.words) >= LONG_NAME else 1
            mine = len(keys)
            found.update(listing_id for listing_id, n in shared.items()
                         if n >= least and n >= SHARED_KEYS * min(mine, self.key_counts[listing_id]))
        return found

    def screen(self, party: Party, threshold: float = THRESHOLD) -> list[Match]:
        """The entries ``party`` may be (blocked), those scoring ``threshold`` or more, best first.

        Examples
        --------
        >>> index = ListIndex([Listing("os-1", PERSON, ("Vladimir Vladimirovich PUTIN", "Путин Владимир"), "PUTIN",
        ...                            "eu_fsf", ("sanctioned",), birth_dates=("1952-10-07",))])
        >>> [[m.listing for m in index.screen(p)] for p in (Party("p1", PERSON, ("Vladimir Putin",), "1952-10-07"),
        ...     Party("p2", PERSON, ("Vladimir Putin",), "1980-01-01"), Party("c1", ORGANISATION, ("Putin Vladimir",)))]
        [['os-1'], [], []]
        """
        organisation = party.kind == ORGANISATION
        forms = [(n, name_form(n, organisation, party.kind == PERSON)) for n in dict.fromkeys(party.names)]
        found = []
        for listing_id in sorted(self.candidates(party, forms)):
            listing = self.listings[listing_id]
            match = score_pair(party, listing, forms, self.forms.get((listing_id, organisation)))
            if match is not None and match.score >= threshold:
                found.append(match)
        return sorted(found, key=lambda m: (-m.score, m.listing))
