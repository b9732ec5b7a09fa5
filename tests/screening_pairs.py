"""The labelled pairs screening is measured on, built from real list data (tests/data/screening):

* ``cn``: China's counter-sanctions table gives each target's name in Latin letters and in Chinese
  characters: the party is the name in characters (as a Chinese register writes it), the entry the
  Latin name; the other rows' entries are its negatives (the hard ones share a name key with it).
* ``eu``: the EU sanctions entries give each person several spellings (Latin, Cyrillic, Belarusian,
  Greek transcriptions): the party is one spelling, the entry the others; the other entries are its
  negatives.
* ``putin``: 81 spellings of one name in 20 scripts: each against the other 80 (true), and against
  the EU entries (false).

A pair is ``(party, listing, same, source)``; parties carry the name only (and the EU entries'
registration number for the one organisation), so the figures are those of the name matching.
"""

from __future__ import annotations

import csv
from pathlib import Path

from equitygraph.graph.listings import EITHER, ORGANISATION, PERSON, Listing, Party

DATA = Path(__file__).resolve().parent / "data" / "screening"
_KINDS = {"Person": PERSON, "Company": ORGANISATION, "Organization": ORGANISATION}


def cn_rows() -> list[dict]:
    with open(DATA / "cn_sanctions-excerpt.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def cn_pairs() -> list[tuple[Party, Listing, bool, str]]:
    rows = [r for r in cn_rows() if r["Chinese name"]]
    parties = [Party(f"cn-{i}", _KINDS[r["Type"]], (r["Chinese name"],)) for i, r in enumerate(rows)]
    listings = [Listing(f"cn-{i}", _KINDS[r["Type"]], tuple(filter(None, (r["Name"], r["Alias"]))), r["Name"],
                        "cn_sanctions", ("sanctioned",), countries=frozenset({r["Country"].lower()}) - {""})
                for i, r in enumerate(rows)]
    return [(p, entry, p.id == entry.id, "cn") for p in parties for entry in listings if p.kind == entry.kind]


def eu_listings() -> list[Listing]:
    from equitygraph.loaders.watchlists import read_lists

    return read_lists([DATA / "eu_fsf-excerpt.ftm.json"])


def eu_pairs() -> list[tuple[Party, Listing, bool, str]]:
    listings = eu_listings()
    pairs = []
    for entry in listings:
        for k, name in enumerate(entry.names):
            ids = frozenset(i for i in entry.identifiers if i.startswith("reg:"))
            party = Party(f"{entry.id}-{k}", entry.kind if entry.kind != EITHER else ORGANISATION, (name,),
                          identifiers=ids)
            others = tuple(n for n in entry.names if n != name)
            if others:
                pairs.append((party, _with_names(entry, others), True, "eu"))
            pairs += [(party, other, False, "eu") for other in listings if other.id != entry.id
                      and other.kind == entry.kind]
    return pairs


def putin_names() -> list[str]:
    return [line.strip() for line in (DATA / "putin_names.txt").read_text(encoding="utf-8").splitlines() if line.strip()]


def putin_pairs() -> list[tuple[Party, Listing, bool, str]]:
    names = putin_names()
    others = [e for e in eu_listings() if e.kind == PERSON]
    pairs = []
    for k, name in enumerate(names):
        party = Party(f"putin-{k}", PERSON, (name,))
        entry = Listing("putin", PERSON, tuple(n for n in names if n != name), "PUTIN", "putin", ("sanctioned",))
        pairs.append((party, entry, True, "putin"))
        pairs += [(party, other, False, "putin") for other in others]
    return pairs


def namesake_pairs() -> list[tuple[Party, Listing, bool, str]]:
    """Hard negatives: a real name with its given name taken from another real name of the same
    list (王定宇 and 林飞帆 make 王飞帆; Vitaly KUZMENKO and Viktor SOYKO make Vitaly SOYKO) against
    each entry it borrows from: the same surname or the same given name, another person."""
    pairs = []
    chinese = [r for r in cn_rows() if r["Type"] == "Person" and _all_cjk(r["Chinese name"], 3)]
    for i, a in enumerate(chinese):
        for b in chinese[i + 1:i + 4]:
            name = a["Chinese name"][0] + b["Chinese name"][1:]
            for source in (a, b):
                entry = Listing(f"cn-{source['Name']}", PERSON, (source["Name"],), source["Name"], "cn_sanctions",
                                ("sanctioned",))
                pairs.append((Party(f"mix-{name}", PERSON, (name,)), entry, False, "namesakes"))
    people = [e for e in eu_listings() if e.kind == PERSON]
    for a in people:
        for b in people:
            if a.id != b.id:
                first, last = a.names[-1].split()[0], b.names[-1].split()[-1]
                party = Party(f"mix-{first}-{last}", PERSON, (f"{first} {last}",))
                pairs += [(party, a, False, "namesakes"), (party, b, False, "namesakes")]
    return pairs


def _all_cjk(name: str, length: int) -> bool:
    return len(name) == length and all("\u4e00" <= ch <= "\u9fff" for ch in name)


def labelled_pairs() -> list[tuple[Party, Listing, bool, str]]:
    return cn_pairs() + eu_pairs() + putin_pairs() + namesake_pairs()


def _with_names(entry: Listing, names: tuple[str, ...]) -> Listing:
    from dataclasses import replace

    return replace(entry, names=names)


def as_ftm(thing: Party | Listing) -> dict:
    """A side of a pair as a FollowTheMoney entity (for nomenklatura's matchers)."""
    schema = {PERSON: "Person", ORGANISATION: "Organization", EITHER: "LegalEntity"}[thing.kind]
    props: dict[str, list[str]] = {"name": list(thing.names)}
    born = [thing.birth_date] if isinstance(thing, Party) and thing.birth_date else list(getattr(thing, "birth_dates", ()))
    if born and schema == "Person":
        props["birthDate"] = born
    if thing.countries:
        props["country"] = sorted(thing.countries)
    if thing.identifiers:
        props["registrationNumber" if schema != "Person" else "idNumber"] = sorted(
            i.split(":", 1)[1] for i in thing.identifiers)
    return {"id": thing.id, "schema": schema, "properties": props}
