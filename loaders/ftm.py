"""FollowTheMoney entities (JSON lines, as Aleph and OpenSanctions export them), read with the
followthemoney library so that schema inheritance and property types are the library's.

Two passes over the file: the first reads the parties (any schema that is a LegalEntity, and Address),
the second the facts between them (Ownership, Directorship, Family). The Ownership facts are kept until
the end, to lay each stake's records end to end (:func:`periods_laid_out`). What is kept (the parties'
ids, kinds and names, the ownerships) moves to disk beyond 100,000 entries a map: memory stays
flat at any size. See docs/inputs.md for the mapping.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

from ..graph.model import (
    Entity, EntityKind, Holding, Interest, Link, LinkKind, Officer, Relation, RelationType, Share, address_id,
    contact_id,
)
from ..graph.roles import role_code, written_title
from ..graph.stores.base import Record
from .common import PUBLISHER, Matcher, entity_fields, kept_fields
from .report import FirstFew, LoadReport
from .fields import clean_reg_no, iso_day, parse_share
from .jsonfile import Found, fail_at, files_in, read_objects, shaped
from .spill import SpillMap

PREFIX = "ftm:"
_FAMILY_WORDS = {"spouse": RelationType.SPOUSE, "wife": RelationType.SPOUSE, "husband": RelationType.SPOUSE,
                 "parent": RelationType.PARENT, "father": RelationType.PARENT, "mother": RelationType.PARENT,
                 "child": RelationType.CHILD, "son": RelationType.CHILD, "daughter": RelationType.CHILD,
                 "sibling": RelationType.SIBLING, "brother": RelationType.SIBLING, "sister": RelationType.SIBLING}


#: Declared ties written as UnknownLink by equitygraph's own export, their type as the role.
_TIES = {t.value for t in RelationType}


def is_ftm(value: dict) -> bool:
    return isinstance(value.get("schema"), str) and isinstance(value.get("properties"), dict) and "id" in value


def _model():
    from followthemoney import model

    return model


class FtmReader:
    def __init__(self, matcher: Matcher, report: LoadReport, progress: Callable[[int], None]):
        self.model = _model()
        self.matcher = matcher
        self.report = report
        self.progress = progress
        # On disk beyond spill.IN_MEMORY entries each (loaders/spill.py): flat memory at any size.
        self.nodes = SpillMap()  # FtM id -> node id
        self.address_refs = SpillMap(multi=True)  # FtM Address id -> the party nodes naming it
        # every Ownership record of one owner, asset and interest, to lay their periods end to end
        self.ownerships = SpillMap(multi=True)
        self.names = SpillMap()  # node -> name, for the warnings
        self._party_schemas: dict[str, bool] = {}

    def records(self, path: Path) -> Iterator[Record]:
        files = files_in(path)
        for file in files:
            for found, proxy in self._proxies(file, parties=True):
                with shaped(file, found.where(), "FollowTheMoney"):
                    yield from self._party(file, found, proxy)
        unheld = FirstFew()
        for ref, parties in self.address_refs.groups():
            address = self.nodes.get(ref)
            for node in parties:
                if address is not None:
                    self.report.counts["links"] += 1
                    yield Link(node, address, LinkKind.LOCATED_AT)
                else:
                    unheld.add(ref)
        if unheld.count:  # real exports name addresses they do not hold: said, not dropped silently
            self.report.warnings.append(
                f"{unheld.count:,} address reference{'s' if unheld.count != 1 else ''} (addressEntity) name "
                f"{'addresses' if unheld.count != 1 else 'an address'} the input does not hold, left out: "
                + unheld.said())
        for file in files:
            for found, proxy in self._proxies(file, parties=False):
                with shaped(file, found.where(), "FollowTheMoney"):
                    yield from self._fact(file, found, proxy)
        for _key, held in self.ownerships.groups():
            records = [_holding(*fields) for fields in held]
            kept, said = periods_laid_out(records, lambda node: f"{self.names.get(node, node)} ({node})")
            self.report.counts["holdings"] += len(kept)
            self.report.warnings.extend(said)
            yield from kept

    def _proxies(self, file: Path, parties: bool):
        """The entities of ``file`` of one pass: the parties (and addresses), or the rest. The other
        pass's lines are told by their schema's name alone: a proxy is made only of what is read."""
        from followthemoney.exc import InvalidData

        for found in read_objects(file):
            self.progress(1)
            value = found.value
            if not isinstance(value.get("schema"), str):
                _fail(file, found, "schema", "is not the name of a FollowTheMoney schema")
            if self._is_party(value["schema"]) is not parties:
                continue
            if not isinstance(value.get("properties", {}), dict):
                _fail(file, found, "properties", "is not an object of property lists")
            if not isinstance(value.get("id"), str):
                _fail(file, found, "id", "is missing or not a text")
            try:
                proxy = self.model.get_proxy(value)
            except (InvalidData, TypeError, ValueError) as e:
                _fail(file, found, "schema", f"is not a FollowTheMoney entity ({e})")
            if not proxy.id:
                _fail(file, found, "id", "is missing")
            yield found, proxy

    def _is_party(self, schema_name: str) -> bool:
        """Whether a schema's entities are read in the parties' pass (an unknown schema goes to the
        other pass, where making its proxy says what is wrong with it)."""
        known = self._party_schemas.get(schema_name)
        if known is None:
            schema = self.model.get(schema_name)
            known = self._party_schemas[schema_name] = schema is not None and (
                schema.is_a("LegalEntity") or schema.name == "Address")
        return known

    def _party(self, file: Path, found: Found, proxy) -> Iterator[Record]:
        schema = proxy.schema
        node = PREFIX + proxy.id
        if schema.name == "Address":
            text = proxy.first("full", quiet=True) or ", ".join(proxy.get("street", quiet=True) + proxy.get("city", quiet=True) + proxy.get("country", quiet=True))
            if text:
                self.nodes[proxy.id] = address_id(text)
                self.report.counts["address"] += 1
                yield Entity(address_id(text), EntityKind.ADDRESS, text)
            return
        names = proxy.get("name", quiet=True)
        if not names:
            _fail(file, found, "properties.name", "is empty")
        # Exported by equitygraph: its own id, the fields FtM has no property for, the phones as registered.
        kept = kept_fields(proxy.get("notes", quiet=True)) if proxy.first("publisher", quiet=True) == PUBLISHER else {}
        if isinstance(kept.get("id"), str) and kept["id"]:
            node = kept["id"]
            if self.matcher.kind_of(node) is not None:  # exported from this store: on record already
                self.nodes[proxy.id] = node
                self.report.counts["matched on record"] += 1
                return
        kind = EntityKind.PERSON if schema.is_a("Person") else \
            EntityKind.COMPANY if schema.is_a("Company") else EntityKind.ORGANIZATION
        reg_no = clean_reg_no(proxy.first("registrationNumber", quiet=True) or proxy.first("leiCode", quiet=True))
        countries = proxy.get("jurisdiction", quiet=True) or proxy.get("country", quiet=True) or proxy.get("nationality", quiet=True)
        jurisdiction = countries[0].upper() if countries else None
        if reg_no and kind is not EntityKind.PERSON:
            existing = self.matcher.by_number(reg_no, jurisdiction)
            if existing is not None and not existing.id.startswith(PREFIX):
                self.nodes[proxy.id] = existing.id
                self.matcher.kinds[existing.id] = existing.kind
                self.report.counts["matched on record"] += 1
                return
        aliases = tuple(dict.fromkeys(n for n in names[1:] + proxy.get("alias", quiet=True) + proxy.get("previousName", quiet=True)
                                      if n != names[0]))
        entity = Entity(node, kind, names[0], aliases=aliases, reg_no=reg_no if kind is not EntityKind.PERSON else None,
                        jurisdiction=jurisdiction, status=proxy.first("status", quiet=True) if kind is not EntityKind.PERSON else None,
                        founded=iso_day(proxy.first("incorporationDate", quiet=True)) if kind is not EntityKind.PERSON else None,
                        industry=proxy.first("sector", quiet=True) if kind is not EntityKind.PERSON else None,
                        birth_date=iso_day(proxy.first("birthDate", quiet=True)) if kind is EntityKind.PERSON else None)
        if kept:
            entity = replace(entity, **entity_fields(kept))
        self.nodes[proxy.id] = node
        self.names[node] = entity.name
        self.matcher.remember(entity)
        self.report.counts["entity rows"] += 1
        self.report.counts[kind.value] += 1
        yield entity
        for text in proxy.get("address", quiet=True):
            yield Entity(address_id(text), EntityKind.ADDRESS, text)
            self.report.counts["links"] += 1
            yield Link(node, address_id(text), LinkKind.LOCATED_AT)
        phones = kept["phones"] if isinstance(kept.get("phones"), list) else proxy.get("phone")
        for text in [*phones, *proxy.get("email")]:
            yield Entity(contact_id(text), EntityKind.CONTACT, text)
            self.report.counts["links"] += 1
            yield Link(node, contact_id(text), LinkKind.HAS_CONTACT)
        for ref in proxy.get("addressEntity", quiet=True):
            self.address_refs.add(ref, node)

    def _ref(self, file: Path, found: Found, proxy, prop: str) -> str:
        ref = proxy.first(prop)
        if not ref:
            _fail(file, found, f"properties.{prop}", "is empty")
        node = self.nodes.get(ref)
        if node is None:
            stored = self.matcher.kind_of(PREFIX + ref)
            if stored is None:
                _fail(file, found, f"properties.{prop}", f"names entity {ref!r}, which is neither in the input nor in the store")
            node = PREFIX + ref
        return node

    def _fact(self, file: Path, found: Found, proxy) -> Iterator[Record]:
        name = proxy.schema.name
        since, until = iso_day(proxy.first("startDate", quiet=True)), iso_day(proxy.first("endDate", quiet=True))
        if since and until and until < since:
            _fail(file, found, "properties.endDate", f"{until.isoformat()} is before the start {since.isoformat()}")
        source = f"{file.name}:{found.line}" if found.line else f"{file.name}#{proxy.id}"
        if proxy.first("publisher", quiet=True) == PUBLISHER and proxy.first("recordId", quiet=True):
            source = proxy.first("recordId", quiet=True)  # the fact's own source, as equitygraph exported it
        if name == "Ownership":
            owner, asset = self._ref(file, found, proxy, "owner"), self._ref(file, found, proxy, "asset")
            if self.matcher.kind_of(asset) not in (EntityKind.COMPANY, EntityKind.ORGANIZATION):
                self.report.counts["skipped (not a company)"] += 1
                return
            text = proxy.first("percentage", quiet=True) or ""
            try:
                share = parse_share(text)
            except ValueError as e:
                _fail(file, found, "properties.percentage", str(e))
            kind_text = " ".join(proxy.get("ownershipType", quiet=True) + proxy.get("role", quiet=True)).lower()
            interest = next((i for i in Interest if i.value == kind_text.strip()), None) or (
                Interest.VOTING if "vot" in kind_text else Interest.SHAREHOLDING)
            self.ownerships.add(f"{owner}\x00{asset}\x00{interest.value}",
                                (owner, asset, share.low, share.high, interest.value, _day(since), _day(until), source))
        elif name == "Directorship":
            director, company = self._ref(file, found, proxy, "director"), self._ref(file, found, proxy, "organization")
            if self.matcher.kind_of(company) not in (EntityKind.COMPANY, EntityKind.ORGANIZATION):
                self.report.counts["skipped (not a company)"] += 1
                return
            title = (proxy.first("role", quiet=True) or "director").strip()
            role = role_code(title)
            self.report.counts["officers"] += 1
            yield Officer(director, company, role, since, until, written_title(title, role))
        elif name == "Family":
            a, b = self._ref(file, found, proxy, "person"), self._ref(file, found, proxy, "relative")
            words = (proxy.first("relationship", quiet=True) or "").lower()
            kind = next((t for w, t in _FAMILY_WORDS.items() if w in words), RelationType.RELATIVE)
            if a != b:
                self.report.counts["relations"] += 1
                yield Relation(a, b, kind, since, until, source)
        elif name == "UnknownLink" and (proxy.first("role", quiet=True) or "") in _TIES:
            a, b = self._ref(file, found, proxy, "subject"), self._ref(file, found, proxy, "object")
            try:
                share = parse_share(proxy.first("description", quiet=True) or "")
            except ValueError:
                share = Share.unknown()
            self.report.counts["relations"] += 1
            yield Relation(a, b, RelationType(proxy.first("role", quiet=True)), since, until, source, share)
        else:
            self.report.counts[f"skipped {name}"] += 1


def periods_laid_out(records: list[Holding], named: Callable[[str], str] = str) -> tuple[list[Holding], list[str]]:
    """The Ownership records of one owner, asset and interest as a history with no two in force at
    once (two would count the stake twice), and a warning for each overlap saying which is used.

    Records starting the same day keep one: the one in force longest (open-ended first), then the
    last in the file (a later record corrects an earlier one). A record still in force when the next
    one starts ends that day.

    Examples
    --------
    >>> import datetime as dt
    >>> a = Holding("O", "C", Share.exact(0.48), since=dt.date(2020, 1, 1), source="f.json:1")
    >>> b = Holding("O", "C", Share.exact(0.51), since=dt.date(2020, 1, 1), source="f.json:3")
    >>> c = Holding("O", "C", Share.exact(0.6), since=dt.date(2022, 5, 1), source="f.json:4")
    >>> kept, said = periods_laid_out([a, b, c])
    >>> [(h.share.low, h.since.isoformat(), h.until and h.until.isoformat()) for h in kept]
    [(0.51, '2020-01-01', '2022-05-01'), (0.6, '2022-05-01', None)]
    >>> said[0]
    'O holds C from 2020-01-01 in 2 records (48 % at f.json:1, 51 % at f.json:3): the one at f.json:3 is used'
    >>> ends = Holding("O", "C", Share.exact(0.5), since=dt.date(2020, 1, 1), until=dt.date(2022, 5, 1))
    >>> periods_laid_out([ends, c])[1]  # one ending the day the next starts overlaps nothing
    []
    """
    if len(records) == 1:
        return records, []
    said = []
    starts: dict = {}
    for number, h in enumerate(records):
        starts.setdefault(h.since, []).append((number, h))
    chosen = []
    for since, same in starts.items():
        best = max(same, key=lambda item: (item[1].until is None, item[1].until or since, item[0]))[1]
        if len(same) > 1:
            listed = ", ".join(f"{h.share.describe()} at {h.source}" for _n, h in same)
            day = since.isoformat() if since else "an unknown day"
            said.append(f"{named(best.holder_id)} holds {named(best.company_id)} from {day} in {len(same)} records ({listed}): "
                        f"the one at {best.source} is used")
        chosen.append(best)
    chosen.sort(key=lambda h: (h.since is not None, h.since))
    kept = []
    for h, following in zip(chosen, chosen[1:] + [None]):
        if following is not None and following.since is not None and (h.until is None or h.until > following.since):
            said.append(f"{named(h.holder_id)} holds {named(h.company_id)} at {h.source} until {following.since.isoformat()}, when "
                        f"the record at {following.source} starts (it gave {h.until.isoformat() if h.until else 'no end'})")
            h = replace(h, until=following.since)
        kept.append(h)
    return kept, said


def _day(day: dt.date | None) -> int | None:
    return day.toordinal() if day else None


def _holding(owner, asset, low, high, interest, since, until, source) -> Holding:
    """A holding from what the ownerships map keeps of it (marshal values)."""
    return Holding(owner, asset, Share(low, high), Interest(interest), since and dt.date.fromordinal(since),
                   until and dt.date.fromordinal(until), source)


def _fail(file: Path, found: Found, field_name: str, problem: str):
    fail_at(file, found.where(), field_name, problem)


def read_ftm(path: str | Path, *, matcher: Matcher, report: LoadReport,
             progress: Callable[[int], None] = lambda n: None) -> Iterator[Record]:
    """Validated records of FollowTheMoney JSON lines (a file, or a folder of them)."""
    return FtmReader(matcher, report, progress).records(Path(path))
