"""Exporting to the open standards: FollowTheMoney entities (JSON lines) and BODS 0.4 statements
(a JSON array), each loadable again by ``equitygraph load`` (docs/inputs.md says what each carries).

Both write parties, holdings, officer roles and addresses; FollowTheMoney also phones, e-mails and
declared ties, BODS the declared indirect stakes and beneficial owners. Risk events have a place in
neither and are counted as left out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections import Counter, defaultdict

from ...graph.model import FAMILY_TIES, Entity, EntityKind, Holding, Interest, Link, LinkKind, Officer, Relation, RelationType, RiskEvent
from ...graph.stores.base import Store
from ...loaders.common import KEPT_FIELDS, PUBLISHER, TIE_PREFIX, fields_note
from .exporter import Exporter, pct
from ...graph.stores.private_files import open_private
from ..render import iso

_FTM_SCHEMA = {EntityKind.COMPANY: "Company", EntityKind.ORGANIZATION: "Organization", EntityKind.PERSON: "Person"}
_FAMILY_WORDS = {RelationType.SPOUSE: "spouse", RelationType.PARENT: "parent", RelationType.CHILD: "child",
                 RelationType.SIBLING: "sibling", RelationType.RELATIVE: "relative"}


_FTM_ID = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z.-]*[0-9a-zA-Z])?$")


def ftm_id(entity_id: str) -> str:
    """An id FollowTheMoney accepts (letters, digits, dots and dashes): the id itself where it is
    one, else its safe characters and a digest of the whole, so two ids never meet.

    Examples
    --------
    >>> ftm_id("C0001"), ftm_id("bods:ent-93c7")
    ('C0001', 'bods-ent-93c7-96dbdc57')
    """
    if _FTM_ID.match(entity_id):
        return entity_id
    safe = re.sub(r"[^0-9a-zA-Z.-]+", "-", entity_id).strip("-.")[:40]
    return f"{safe}-{hashlib.sha1(entity_id.encode('utf-8')).hexdigest()[:8]}".lstrip("-")


def _e164(text: str, country: str | None) -> str | None:
    """A phone number in international form, read by the country it was registered in."""
    from followthemoney.types import registry

    return registry.phone.clean(text, format=country) if country else registry.phone.clean(text)


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


def _texts_and_links(store: Store) -> tuple[dict[str, Entity], dict[str, list[tuple[LinkKind, str]]]]:
    nodes: dict[str, Entity] = {}
    links: dict[str, list[tuple[LinkKind, str]]] = defaultdict(list)
    for r in store.iter_records():
        if isinstance(r, Entity) and r.kind in (EntityKind.ADDRESS, EntityKind.CONTACT):
            nodes[r.id] = r
        elif isinstance(r, Link) and r.dst in nodes:
            links[r.src].append((r.kind, nodes[r.dst].name))
    return nodes, links


class FtmExporter(Exporter):
    """FollowTheMoney entities, one per line: Company, Organization and Person with their names,
    registration numbers, addresses, phones and e-mails; Ownership, Directorship, Family and
    UnknownLink (other declared ties, their type as the role)."""

    def write(self, store: Store) -> Counter:
        from followthemoney import model

        counts = Counter()
        _, links = _texts_and_links(store)
        with open_private(self.path, "w", encoding="utf-8") as f:
            def put(schema: str, entity_id: str, properties: dict) -> None:
                proxy = model.make_entity(schema)
                proxy.id = entity_id
                properties.setdefault("publisher", PUBLISHER)
                for prop, values in properties.items():
                    for value in values if isinstance(values, (list, tuple)) else [values]:
                        if value not in (None, "") and prop == "phone":
                            value = _e164(str(value), properties.get("country"))
                            if value is None:
                                counts["phones left out (not readable by their country)"] += 1
                                continue
                        if value not in (None, ""):
                            proxy.add(prop, str(value))
                f.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
                counts[schema] += 1

            for r in store.iter_records():
                if isinstance(r, Entity) and r.kind in _FTM_SCHEMA:
                    props = {"name": r.name, "alias": list(r.aliases)}
                    if r.kind is EntityKind.PERSON:
                        props |= {"birthDate": r.birth_date.isoformat() if r.birth_date else None,
                                  "country": (r.jurisdiction or "").lower() or None}
                    else:
                        props |= {"registrationNumber": r.reg_no, "status": r.status, "sector": r.industry,
                                  "incorporationDate": r.founded.isoformat() if r.founded else None,
                                  "jurisdiction": (r.jurisdiction or "").lower() or None,
                                  # FollowTheMoney reads a phone number by its country, and writes it E.164
                                  "country": (r.jurisdiction or "").lower() or None}
                    for kind, text in links.get(r.id, []):
                        prop = "address" if kind is LinkKind.LOCATED_AT else "email" if "@" in text else "phone"
                        props.setdefault(prop, [])
                        props[prop] = [*props[prop], text] if isinstance(props[prop], list) else [props[prop], text]
                    # equitygraph's own id, the fields FtM has no property for, and the phones as registered
                    # (FtM keeps them in international form only, or not at all): read back by equitygraph
                    kept = {"id": r.id, **_fields_beyond(r),
                            "phones": [text for kind, text in links.get(r.id, [])
                                       if kind is LinkKind.HAS_CONTACT and "@" not in text]}
                    props["notes"] = fields_note(kept)
                    put(_FTM_SCHEMA[r.kind], ftm_id(r.id), props)
                elif isinstance(r, Holding):
                    put("Ownership", "own-" + _digest(r.key), {
                        "owner": ftm_id(r.holder_id), "asset": ftm_id(r.company_id), "percentage": _share_text(r),
                        "ownershipType": r.interest.value, "startDate": iso(r.since), "endDate": iso(r.until),
                        "recordId": r.source})
                elif isinstance(r, Officer):
                    put("Directorship", "dir-" + _digest(r.key), {
                        "director": ftm_id(r.person_id), "organization": ftm_id(r.company_id), "role": r.role.replace("_", " "),
                        "startDate": iso(r.since), "endDate": iso(r.until)})
                elif isinstance(r, Relation) and r.type in FAMILY_TIES:
                    put("Family", "fam-" + _digest(r.key), {
                        "person": ftm_id(r.a), "relative": ftm_id(r.b), "relationship": _FAMILY_WORDS[r.type],
                        "startDate": iso(r.since), "endDate": iso(r.until), "recordId": r.source})
                elif isinstance(r, Relation):
                    put("UnknownLink", "tie-" + _digest(r.key), {
                        "subject": ftm_id(r.a), "object": ftm_id(r.b), "role": r.type.value, "startDate": iso(r.since),
                        "endDate": iso(r.until), "description": _share_text(r) or None, "recordId": r.source})
                elif isinstance(r, RiskEvent):
                    counts["events left out"] += 1
        return counts


_INTEREST_TYPES = {Interest.SHAREHOLDING: "shareholding", Interest.VOTING: "votingRights",
                   Interest.BOARD: "appointmentOfBoard", Interest.OTHER: "otherInfluenceOrControl"}
_BOARD_ROLES = {"director": "boardMember", "executive_director": "boardMember", "chairman": "boardChair"}
_SCHEMES = {"GB": "GB-COH", "UA": "UA-EDR", "DK": "DK-CVR", "SK": "SK-ORSR"}
_SCHEME_NAMES = {"CN": "unified social credit code (统一社会信用代码)"}


class BodsExporter(Exporter):
    """BODS 0.4 statements, one JSON array: an entity or person statement per party (its recordId
    the equitygraph id), a relationship statement per holding, officer role and declared indirect
    stake or beneficial owner. Valid against the standard's own JSON Schema (tests/test_exports.py)."""

    def write(self, store: Store) -> Counter:
        today = dt.date.today().isoformat()
        publication = {"publicationDate": today, "bodsVersion": "0.4", "publisher": {"name": PUBLISHER}}
        counts = Counter()
        _, links = _texts_and_links(store)
        statements = []

        def statement(record_id: str, record_type: str, subject: str, details: dict, source: str | None = None,
                      annotations: list | None = None) -> None:
            statements.append({
                "statementId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"equitygraph:{record_type}:{record_id}:{today}")),
                "declarationSubject": subject, "statementDate": today, "publicationDetails": publication,
                "recordId": record_id, "recordType": record_type, "recordStatus": "new", "recordDetails": details,
                # where the fact came from, and what BODS has no field for, so that loading the export back keeps it
                **({"source": {"type": ["thirdParty"], "description": source}} if source else {}),
                **({"annotations": annotations} if annotations else {})})
            counts[record_type] += 1

        for r in store.iter_records():
            if isinstance(r, Entity) and r.kind in (EntityKind.COMPANY, EntityKind.ORGANIZATION):
                details = {"isComponent": False,
                           "entityType": {"type": "registeredEntity" if r.kind is EntityKind.COMPANY else "legalEntity"},
                           "name": r.name}
                if r.aliases:
                    details["alternateNames"] = list(r.aliases)
                if r.reg_no:
                    scheme = "XI-LEI" if r.id.startswith("lei:") else _SCHEMES.get((r.jurisdiction or "").upper())
                    name = _SCHEME_NAMES.get((r.jurisdiction or "").upper(), "registration number")
                    details["identifiers"] = [{"id": r.reg_no, **({"scheme": scheme} if scheme else {"schemeName": name})}]
                if r.jurisdiction:
                    details["jurisdiction"] = {"name": r.jurisdiction, "code": r.jurisdiction}
                if r.founded:
                    details["foundingDate"] = r.founded.isoformat()
                if r.listed:
                    details["publicListing"] = {"hasPublicListing": True}
                details |= _addresses(links.get(r.id, []))
                statement(r.id, "entity", r.id, details, annotations=_kept_fields(r))
            elif isinstance(r, Entity) and r.kind is EntityKind.PERSON:
                details = {"isComponent": False, "personType": "knownPerson",
                           "names": [{"type": "legal", "fullName": r.name}]}
                if r.birth_date:
                    details["birthDate"] = r.birth_date.isoformat()
                details |= _addresses(links.get(r.id, []), "residence")
                statement(r.id, "person", r.id, details, annotations=_kept_fields(r))
            elif isinstance(r, Holding):
                interest = {"type": _INTEREST_TYPES[r.interest], "directOrIndirect": "direct",
                            "beneficialOwnershipOrControl": False, **_share(r), **_period(r)}
                statement("rel-" + _digest(r.key), "relationship", r.company_id,
                          {"isComponent": False, "subject": r.company_id, "interestedParty": r.holder_id,
                           "interests": [interest]}, r.source)
            elif isinstance(r, Officer):
                kind = _BOARD_ROLES.get(r.role, "seniorManagingOfficial")
                statement("rel-" + _digest(r.key), "relationship", r.company_id,
                          {"isComponent": False, "subject": r.company_id, "interestedParty": r.person_id,
                           "interests": [{"type": kind, "directOrIndirect": "direct", "details": r.role,
                                          "beneficialOwnershipOrControl": False, **_period(r)}]})
            elif isinstance(r, Relation) and r.type in (RelationType.INDIRECT_HOLDER, RelationType.BENEFICIAL_OWNER):
                owner = r.type is RelationType.BENEFICIAL_OWNER
                interest = {"type": "otherInfluenceOrControl" if owner else "shareholding", "directOrIndirect": "indirect",
                            "beneficialOwnershipOrControl": owner, **_share(r), **_period(r)}
                statement("rel-" + _digest(r.key), "relationship", r.b,
                          {"isComponent": False, "subject": r.b, "interestedParty": r.a, "interests": [interest]}, r.source)
            elif isinstance(r, Relation):
                # A tie BODS has no interest type for: an interest of another kind naming it, which
                # equitygraph reads back as the tie (other readers see an influence of unknown kind).
                statement("rel-" + _digest(r.key), "relationship", r.b,
                          {"isComponent": False, "subject": r.b, "interestedParty": r.a,
                           "interests": [{"type": "otherInfluenceOrControl", "directOrIndirect": "unknown",
                                          "details": TIE_PREFIX + r.type.value, "beneficialOwnershipOrControl": False,
                                          **_share(r), **_period(r)}]}, r.source)
            elif isinstance(r, RiskEvent):
                counts["events left out"] += 1
        with open_private(self.path, "w", encoding="utf-8") as f:
            json.dump(statements, f, ensure_ascii=False, indent=1)
        return counts


def _fields_beyond(r: Entity) -> dict:
    """The fields of ``r`` the open standards have no place for, those with a value (0 is one; a
    company that is not listed has none)."""
    return {name: value for name in KEPT_FIELDS
            if (value := getattr(r, name)) is not None and value != "" and value is not False}


def _kept_fields(r: Entity) -> list[dict]:
    kept = _fields_beyond(r)
    if r.kind is EntityKind.PERSON and r.jurisdiction:
        kept["jurisdiction"] = r.jurisdiction
    if not kept:
        return []
    return [{"statementPointerTarget": "/recordDetails", "motivation": "commenting", "description": fields_note(kept)}]


def _addresses(found: list[tuple[LinkKind, str]], kind: str = "registered") -> dict:
    """Addresses as BODS types them: an entity's are registered, a person's residence."""
    texts = [text for link, text in found if link is LinkKind.LOCATED_AT]
    return {"addresses": [{"type": kind, "address": t} for t in texts]} if texts else {}


def _share(record) -> dict:
    s = record.share
    if not s.is_known:
        return {}
    if s.is_exact:
        return {"share": {"exact": round(s.low * 100, 10)}}
    return {"share": {"minimum": round(s.low * 100, 10), "maximum": round(s.high * 100, 10)}}


def _period(record) -> dict:
    out = {}
    if record.since:
        out["startDate"] = record.since.isoformat()
    if record.until:
        out["endDate"] = record.until.isoformat()
    return out


def _share_text(record) -> str:
    s = record.share
    if not s.is_known:
        return ""
    return pct(s.low) if s.is_exact else f"{pct(s.low)}-{pct(s.high)}"

