"""Sanctions, PEP and wanted lists in FollowTheMoney (OpenSanctions' ``entities.ftm.json`` and
``targets``, any FtM file of Person, Company, Organization, LegalEntity and Sanction entities), read
into the entries screening compares the graph with (:class:`graph.analysis.screening.Listing`).

An entry's categories come from its ``topics`` (``sanction*`` sanctioned; ``role.pep``, ``role.rca``
pep; ``crime*``, ``wanted`` wanted; ``debarment``, ``export.*`` and the rest listed); the Sanction
entities that name it give their program, authority and dates, and make it sanctioned where its
topics say nothing. An
entry OpenSanctions marks as no target (``"target": false``: an address, a relative named for
context) is not screened. The file is read as lines of JSON (or an array), plain or compressed.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from ..graph.listings import EITHER, ORGANISATION, PERSON, Listing, identifier_key, partial_date
from .jsonfile import Found, fail_at, files_in, read_objects

#: The name properties screened (``weakAlias`` is not: OpenSanctions marks it too weak to match on).
NAME_PROPS = ("name", "alias", "previousName")
COUNTRY_PROPS = ("nationality", "citizenship", "country", "jurisdiction")
CATEGORIES = ("sanctioned", "pep", "wanted", "listed")


@lru_cache(maxsize=256)
def _schema_kind(name: str) -> str | None:
    """PERSON, ORGANISATION or EITHER for a party schema; "sanction" for Sanction; None for the rest."""
    from followthemoney import model

    schema = model.get(name)
    if schema is None:
        return None
    if schema.is_a("Sanction"):
        return "sanction"
    if schema.name == "Address":
        return "address"
    if schema.is_a("Person"):
        return PERSON
    if schema.is_a("Organization"):
        return ORGANISATION
    if schema.is_a("LegalEntity"):
        return EITHER
    return None


@lru_cache(maxsize=1024)
def _identifier_props(schema_name: str) -> tuple[str, ...]:
    from followthemoney import model

    schema = model.get(schema_name)
    return tuple(p.name for p in schema.properties.values() if p.type.name == "identifier" and not p.stub)


def categories_of(topics: Iterable[str], sanctioned: bool) -> tuple[str, ...]:
    """What an entry is listed as, from its topics and whether a Sanction names it.

    Examples
    --------
    >>> categories_of(["role.pep", "sanction"], False), categories_of([], True), categories_of(["export.control"], True)
    (('sanctioned', 'pep'), ('sanctioned',), ('listed',))
    """
    found = set()
    for topic in topics:
        if topic.startswith("sanction"):
            found.add("sanctioned")
        elif topic in ("role.pep", "role.rca"):
            found.add("pep")
        elif topic == "wanted" or topic.startswith("crime"):
            found.add("wanted")
        elif topic in ("debarment", "export.control") or topic.startswith("export."):
            found.add("listed")
    if sanctioned and not found:  # a Sanction names it, the topics say nothing more precise
        found.add("sanctioned")
    return tuple(c for c in CATEGORIES if c in found) or ("listed",)


def read_lists(paths: Iterable[str | Path], progress: Callable[[int], None] = lambda n: None) -> list[Listing]:
    """Every screened entry of the list files ``paths`` (files or folders), in file order."""
    listings = []
    for path in paths:
        listings.extend(_read_list(Path(path), progress))
    return listings


def _read_list(path: Path, progress) -> list[Listing]:
    entries: list[tuple[Found, str]] = []
    sanctions: dict[str, list[dict]] = defaultdict(list)
    places: dict[str, str] = {}  # Address entity -> its text
    for file in files_in(path):
        for found in read_objects(file):
            progress(1)
            value = found.value
            schema = value.get("schema")
            if not isinstance(schema, str):
                fail_at(file, found.where(), "schema", "is not the name of a FollowTheMoney schema")
            properties = value.get("properties", {})
            if not isinstance(properties, dict):
                fail_at(file, found.where(), "properties", "is not an object of property lists")
            kind = _schema_kind(schema)
            if kind is None:
                continue
            if not isinstance(value.get("id"), str) or not value["id"]:
                fail_at(file, found.where(), "id", "is missing or not a text")
            if kind == "sanction":
                for target in _texts(properties.get("entity")):
                    sanctions[target].append(properties)
            elif kind == "address":
                text = _first(properties.get("full")) or ", ".join(
                    v for prop in ("street", "city", "region", "postalCode", "country") for v in _texts(properties.get(prop)))
                if text:
                    places[value["id"]] = text
            elif value.get("target", True) is not False:
                entries.append((found, kind))
    dataset = _dataset_name(path)
    return [listing for found, kind in entries
            if (listing := _listing(found, kind, sanctions.get(found.value["id"], []), dataset, places)) is not None]


def _listing(found: Found, kind: str, sanctions: list[dict], dataset: str, places: dict[str, str]) -> Listing | None:
    value = found.value
    props = value.get("properties") or {}
    names = [n for prop in NAME_PROPS for n in _texts(props.get(prop))]
    if not names:
        first, last = " ".join(_texts(props.get("firstName"))[:1]), " ".join(_texts(props.get("lastName"))[:1])
        names = [f"{first} {last}".strip()] if first or last else []
    if not names:
        return None  # nothing to screen by
    person = kind == PERSON
    identifiers = {identifier_key(v, person) for prop in _identifier_props(value["schema"])
                   for v in _texts(props.get(prop))}
    programs = sorted({" ".join(filter(None, (_first(s.get("authority")), _first(s.get("program")))))
                       for s in sanctions} - {""})
    dates = sorted(filter(None, (partial_date(_first(s.get("listingDate")) or _first(s.get("startDate")))
                                 for s in sanctions)))
    listed = dates[0] if dates else partial_date(value.get("first_seen") or _first(props.get("createdAt")))
    datasets = value.get("datasets")
    return Listing(
        id=value["id"], kind=kind, names=tuple(dict.fromkeys(names)),
        caption=str(value.get("caption") or names[0]),
        dataset=datasets[0] if isinstance(datasets, list) and datasets and isinstance(datasets[0], str) else dataset,
        categories=categories_of(_texts(props.get("topics")), bool(sanctions)),
        birth_dates=tuple(sorted({d for d in map(partial_date, _texts(props.get("birthDate"))) if d})),
        countries=frozenset(c.lower() for prop in COUNTRY_PROPS for c in _texts(props.get(prop))),
        identifiers=frozenset(i for i in identifiers if i), programs=tuple(programs), listed=listed,
        addresses=tuple(dict.fromkeys(_texts(props.get("address")) + [places[ref] for ref in _texts(
            props.get("addressEntity")) if ref in places])))


def _texts(values) -> list[str]:
    if isinstance(values, str):
        values = [values]
    return [v.strip() for v in values or () if isinstance(v, str) and v.strip()]


def _first(values) -> str | None:
    texts = _texts(values)
    return texts[0] if texts else None


def _dataset_name(path: Path) -> str:
    """A list's name when its entries do not say it: the file's name without ``entities``, the
    extensions and compression (``us_ofac_sdn.ftm.json.gz`` -> ``us_ofac_sdn``), or its folder's."""
    stem = path.name.split(".")[0]
    return path.parent.name if stem in ("entities", "targets", "") and path.parent.name else stem
