"""Records as the Neo4j store's parameter rows and back: the properties each record sets (the Bolt
writer and the bulk importer store the very same values), and the spool a writer fills."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Iterator

from . import cypher
from ..model import (
    PARTY_KINDS,
    Entity,
    EntityKind,
    EventType,
    Holding,
    Interest,
    Link,
    LinkKind,
    Officer,
    Relation,
    RelationType,
    RiskEvent,
    Share,
)
from ..names import search_forms
from ..errors import StoreError
from .base import Edges, Record, Writer

SPOOL_CHUNK = 10000
SEPARATOR = "\x1f"  # never inside a normalised name: normalize_name folds it away as white space
_LINK_KINDS = {v: k for k, v in cypher.LINK_TYPES.items()}


# The properties each record sets, in a fixed order, so the Bolt writer and the bulk importer's
# files (neo4j_import.py) store exactly the same values.
ENTITY_PROPS = ("kind", "name", "aliases", "alias_text", "reg_no", "jurisdiction", "status", "founded",
                "registered_capital", "paid_in_capital", "currency", "industry", "business_scope", "search_text",
                "disclosure_threshold", "listed", "free_float", "id_hash", "id_number", "birth_date", "identity")
RELATION_PROPS = ("type", "since", "until", "source", "share_low", "share_high")
HOLDING_PROPS = ("share_low", "share_high", "interest", "since", "until", "source")
OFFICER_PROPS = ("role", "since", "until", "title")
EVENT_PROPS = ("type", "date", "severity", "text", "source")


def search_text(name: str, aliases) -> str:
    """What the text index searches of a party: every search form of its name and aliases, each
    between separators."""
    return SEPARATOR + SEPARATOR.join(form for n in (name, *aliases) for form in search_forms(n)) + SEPARATOR


def entity_values(e: Entity) -> tuple:
    return (e.kind.value, e.name, list(e.aliases) or None, " | ".join(e.aliases) or None, e.reg_no, e.jurisdiction,
            e.status, e.founded, e.registered_capital, e.paid_in_capital, e.currency, e.industry, e.business_scope,
            search_text(e.name, e.aliases) if e.kind in PARTY_KINDS else None,
            e.disclosure_threshold, True if e.listed else None, e.free_float, e.id_hash, e.id_number, e.birth_date,
            e.identity)


def relation_values(r: Relation) -> tuple:
    return (r.type.value, r.since, r.until, r.source, r.share.low, r.share.high)


def holding_values(h: Holding) -> tuple:
    return (h.share.low, h.share.high, h.interest.value, h.since, h.until, h.source)


def officer_values(o: Officer) -> tuple:
    return (o.role, o.since, o.until, o.title)


def event_values(e: RiskEvent) -> tuple:
    return (e.type.value, e.date, e.severity, e.text, e.source)


def record_row(record: Record) -> tuple[str, dict]:
    if isinstance(record, Holding):
        return cypher.MERGE_HOLDINGS, {"src": record.holder_id, "dst": record.company_id, "key": record.key,
                                       "props": dict(zip(HOLDING_PROPS, holding_values(record)))}
    if isinstance(record, Entity):
        return cypher.merge_entities(cypher.LABELS[record.kind]), {
            "id": record.id, "props": dict(zip(ENTITY_PROPS, entity_values(record)))}
    if isinstance(record, Officer):
        return cypher.MERGE_OFFICERS, {"src": record.person_id, "dst": record.company_id, "key": record.key,
                                       "props": dict(zip(OFFICER_PROPS, officer_values(record)))}
    if isinstance(record, Link):
        if record.until is not None:
            return cypher.end_links(cypher.LINK_TYPES[record.kind]), {
                "src": record.src, "dst": record.dst, "key": record.history_key, "current": record.key,
                "kind": record.kind.value, "since": record.since, "until": record.until}
        return cypher.merge_links(cypher.LINK_TYPES[record.kind]), {"src": record.src, "dst": record.dst,
                                                                      "key": record.key, "since": record.since}
    if isinstance(record, Relation):
        return cypher.MERGE_RELATIONS, {"src": record.a, "dst": record.b, "key": record.key,
                                        "props": dict(zip(RELATION_PROPS, relation_values(record)))}
    if isinstance(record, RiskEvent):
        return cypher.MERGE_EVENTS, {"entity_id": record.entity_id, "id": record.id,
                                     "props": dict(zip(EVENT_PROPS, event_values(record)))}
    raise TypeError(f"cannot store {type(record).__name__}")


# -- reading back ------------------------------------------------------------------------------
def date_of(value) -> dt.date | None:
    if value is None:
        return None
    return value.to_native() if hasattr(value, "to_native") else value


def entity_of(props: dict) -> Entity:
    return Entity(
        id=props["id"], kind=EntityKind(props["kind"]), name=props["name"], aliases=tuple(props.get("aliases") or ()),
        reg_no=props.get("reg_no"), jurisdiction=props.get("jurisdiction"), status=props.get("status"),
        founded=date_of(props.get("founded")), registered_capital=props.get("registered_capital"),
        paid_in_capital=props.get("paid_in_capital"), currency=props.get("currency"), industry=props.get("industry"),
        business_scope=props.get("business_scope"), disclosure_threshold=props.get("disclosure_threshold"),
        listed=bool(props.get("listed")), free_float=props.get("free_float"), id_hash=props.get("id_hash"),
        id_number=props.get("id_number"), birth_date=date_of(props.get("birth_date")),
    )


def append_edge(edges: Edges, rel_type: str, src: str, dst: str, props: dict) -> None:
    if rel_type == "HOLDS":
        low = props.get("share_low")
        share = Share.unknown() if low is None else Share(low, props["share_high"])
        edges.holdings.append(Holding(src, dst, share, Interest(props["interest"]), date_of(props.get("since")),
                                      date_of(props.get("until")), props.get("source")))
    elif rel_type == "OFFICER_OF":
        edges.officers.append(Officer(src, dst, props["role"], date_of(props.get("since")), date_of(props.get("until")),
                                      props.get("title")))
    elif rel_type == "RELATED":
        low = props.get("share_low")
        share = Share.unknown() if low is None else Share(low, props["share_high"])
        edges.relations.append(Relation(src, dst, RelationType(props["type"]), date_of(props.get("since")),
                                        date_of(props.get("until")), props.get("source"), share))
    elif rel_type == "LINK_HISTORY":
        edges.links.append(Link(src, dst, LinkKind(props["kind"]), date_of(props.get("since")), date_of(props["until"])))
    else:
        edges.links.append(Link(src, dst, _LINK_KINDS[rel_type], date_of(props.get("since"))))


def event_of(entity_id: str, props: dict) -> RiskEvent:
    return RiskEvent(entity_id, EventType(props["type"]), date_of(props.get("date")), props.get("severity"),
                     props.get("text"), props.get("source"))


class SpoolWriter(Writer):
    """Turns records into parameter rows and pickles them to a temporary file, chunk by chunk."""

    def __init__(self, spool):
        self._spool = spool
        self._pending: list[tuple[str, dict]] = []
        self._chunks = 0
        self.count = 0

    def add(self, record: Record) -> None:
        self._pending.append(record_row(record))
        self.count += 1
        if len(self._pending) >= SPOOL_CHUNK:
            self._dump()

    def _dump(self) -> None:
        if self._pending:
            pickle.dump(self._pending, self._spool, protocol=pickle.HIGHEST_PROTOCOL)
            self._chunks += 1
            self._pending = []

    def close(self) -> None:
        self._dump()

    def chunks(self) -> Iterator[list[tuple[str, dict]]]:
        self._spool.seek(0)
        for _ in range(self._chunks):
            yield pickle.load(self._spool)


_NODE_STATEMENTS = {cypher.merge_entities(label) for label in cypher.LABELS.values()}


def replay(store, writer: SpoolWriter) -> None:
    """Send what ``writer`` spooled to ``store`` (a :class:`~.neo4j.Neo4jStore`), each batch of its
    ``batch_size`` a transaction; a batch naming an entity not in Neo4j stops it with an error."""
    from tqdm import tqdm

    with tqdm(total=writer.count, desc="writing to Neo4j", unit=" records", disable=not store.progress,
              mininterval=0.5) as bar:
        # Nodes first, in a pass of their own, so no relationship waits for a node in a later chunk.
        for nodes_pass in (True, False):
            for chunk in writer.chunks():
                groups: dict[str, list] = {}
                for statement, row in chunk:
                    if (statement in _NODE_STATEMENTS) == nodes_pass:
                        groups.setdefault(statement, []).append(row)
                for statement, rows in groups.items():
                    for start in range(0, len(rows), store.batch_size):
                        batch = rows[start : start + store.batch_size]
                        written = store._write(statement, batch)
                        if written != len(batch):
                            raise StoreError(
                                f"{len(batch) - written} of {len(batch)} records refer to entities that are "
                                "not in Neo4j; nothing after them was written"
                            )
                        bar.update(len(batch))
