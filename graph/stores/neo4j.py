"""The Neo4j store: the same interface as the embedded store, over Bolt.

Writes are staged: a writer spools its records to a temporary file while the loader validates
them, and only when the whole input has passed are they sent, in ``UNWIND $rows`` batches of
``batch_size``, each batch its own transaction and every write a ``MERGE`` on a natural key. Bad
input therefore writes nothing, and a load cut short by a crash can be run again to completion
without duplicates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import pickle
import re
import tempfile
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from . import cypher
from ..arrays import (
    EVENT_CODES_BY_VALUE,
    INTEREST_CODES_BY_VALUE,
    KIND_CODES_BY_VALUE,
    LINK_CODES,
    OPEN_END,
    RELATION_CODES_BY_VALUE,
    OPEN_START,
    GraphArrays,
    day_number,
)
from ..errors import StoreError
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
    normalize_name,
)
from ..names import FUZZY_CANDIDATES, fuzzy_probes, search_forms
from .base import Edges, Record, SearchHit, Store, Writer, check_result_name, exact_hits, rank_search

KEY_FORMAT = "2"  # keys escape | and \\ in ids (model.natural_key)
_AROUND_NODES = 400  # the upstream region fetched with a company (the walks stop at 300 parties)
_AROUND_TIES = 200  # a party with more ties than this is asked of the server when the walk reaches it
_SEPARATOR = "\x1f"  # never inside a normalised name: normalize_name folds it away as white space
_SPOOL_CHUNK = 10000
_PAGE = 50000
_LINK_KINDS = {v: k for k, v in cypher.LINK_TYPES.items()}
_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}


class Neo4jStore(Store):
    """A store in the Neo4j database at ``uri``.

    Parameters
    ----------
    uri : ``bolt://``, ``neo4j://`` or ``neo4j+s://`` address
    user, password : credentials; no password means a server with authentication off
    database : the database to use (the server's default when None)
    batch_size : rows per ``UNWIND`` write transaction
    progress : show a progress bar on stderr while writing
    retry_seconds : how long the driver retries a transaction the server did not answer
    readonly : only read: create no schema and bring nothing up to date (what read commands use)
    """

    def __init__(self, uri: str, user: str | None = None, password: str | None = None, database: str | None = None,
                 batch_size: int = 10000, progress: bool = False, retry_seconds: float = 15.0, readonly: bool = False):
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, ConfigurationError, DriverError, Neo4jError, ServiceUnavailable

        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
        if scheme not in _SCHEMES:
            raise StoreError(f"cannot use the Neo4j address {uri!r}: it must start with bolt:// or neo4j:// "
                             "(or bolt+s://, neo4j+s:// for encrypted connections)")
        self.uri = uri
        self.database = database
        self.batch_size = batch_size
        self.progress = progress
        auth = None if password is None else (user or "neo4j", password)
        try:
            self._driver = GraphDatabase.driver(uri, auth=auth, max_transaction_retry_time=retry_seconds,
                                                notifications_min_severity="OFF")
            self._driver.verify_connectivity()
        except AuthError:
            raise StoreError(f"Neo4j at {uri} refused the credentials of user {user or 'neo4j'!r}") from None
        except (ServiceUnavailable, OSError) as e:
            reason = re.search(r"\(reason (.+)\)\s*$", str(e))
            raise StoreError(f"cannot reach Neo4j at {uri} ({reason.group(1) if reason else _first_line(e)}); "
                             "is the server running? (equitygraph neo4j start)") from None
        except (ConfigurationError, ValueError) as e:
            raise StoreError(f"cannot use the Neo4j address {uri!r}: {_first_line(e)}") from None
        except (DriverError, Neo4jError) as e:
            raise StoreError(f"Neo4j at {uri}: {_first_line(e)}") from None
        self.readonly = readonly
        if readonly:
            return
        for statement in cypher.SCHEMA:
            self._run(statement)
        self._run(cypher.AWAIT_INDEXES)
        if self.get_meta("key_format") != KEY_FORMAT:
            self._escape_keys()

    def _escape_keys(self) -> None:
        """Relationship keys and event ids written before keys escaped ``|`` and ``\\`` (see
        ``model.natural_key``) are rewritten, so a reload finds them instead of adding twins."""
        for statement in cypher.ESCAPE_KEYS:
            self._run(statement)
        for record in self._run(cypher.EVENTS_TO_REHASH, sep=_SEPARATOR):
            event = _event(record["entity_id"], record["e"])
            self._run(cypher.SET_EVENT_ID, old=record["e"]["id"], new=event.id)
        self.set_meta("key_format", KEY_FORMAT)

    def cypher(self, query: str, **params) -> list[dict]:
        """Run your own Cypher (values as ``$parameters``, never pasted into the text) and get the
        records as dicts: for the questions the library does not ask yet."""
        return [dict(r) for r in self._run(query, **params)]

    # -- plumbing ---------------------------------------------------------------------------
    def _run(self, query: str, **params) -> list:
        from neo4j.exceptions import DriverError, Neo4jError

        try:
            records, _, _ = self._driver.execute_query(query, params, database_=self.database)
        except (DriverError, Neo4jError) as e:
            raise StoreError(f"Neo4j at {self.uri}: {_first_line(e)}") from None
        return records

    def _write(self, query: str, rows: list) -> int:
        from neo4j.exceptions import DriverError, Neo4jError

        def work(tx):
            return tx.run(query, rows=rows).single()["written"]

        try:
            with self._driver.session(database=self.database) as session:
                return session.execute_write(work)
        except (DriverError, Neo4jError) as e:
            raise StoreError(f"Neo4j at {self.uri}: {_first_line(e)}") from None

    # -- writing ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer(self) -> Iterator[Writer]:
        with tempfile.TemporaryFile(prefix="equitygraph-spool-") as spool:
            writer = _SpoolWriter(spool)
            yield writer
            writer.close()
            self._replay(writer)

    def _replay(self, writer: "_SpoolWriter") -> None:
        from tqdm import tqdm

        with tqdm(total=writer.count, desc="writing to Neo4j", unit=" records", disable=not self.progress,
                  mininterval=0.5) as bar:
            # Nodes first, in a pass of their own, so no relationship waits for a node in a later chunk.
            for nodes_pass in (True, False):
                for chunk in writer.chunks():
                    groups: dict[str, list] = {}
                    for statement, row in chunk:
                        if (statement in _NODE_STATEMENTS) == nodes_pass:
                            groups.setdefault(statement, []).append(row)
                    for statement, rows in groups.items():
                        for start in range(0, len(rows), self.batch_size):
                            batch = rows[start : start + self.batch_size]
                            written = self._write(statement, batch)
                            if written != len(batch):
                                raise StoreError(
                                    f"{len(batch) - written} of {len(batch)} records refer to entities that are "
                                    "not in Neo4j; nothing after them was written"
                                )
                            bar.update(len(batch))

    # -- look-ups ---------------------------------------------------------------------------
    def get(self, entity_id: str) -> Entity | None:
        return self.get_many([entity_id]).get(entity_id)

    def get_many(self, ids: Iterable[str]) -> dict[str, Entity]:
        wanted = list(dict.fromkeys(ids))
        found = {}
        for start in range(0, len(wanted), _PAGE):
            for record in self._run(cypher.GET_MANY, ids=wanted[start : start + _PAGE]):
                entity = _entity(record["n"])
                found[entity.id] = entity
        return {i: found[i] for i in wanted if i in found}

    def search(self, text: str, limit: int = 20, exact_only: bool = False,
               budget: float | None = None) -> list[SearchHit]:
        # Within a budget (suggestions): the text index's first matches, unsorted, instead of the
        # shortest names of all matches, which means sorting every match of a common needle.
        contains = cypher.SEARCH_CONTAINS if budget is None else cypher.SEARCH_CONTAINS_FIRST
        norm = normalize_name(text)
        if not norm:
            return []
        wanted = limit * 5
        candidates = [_entity(r["n"]) for r in self._run(cypher.SEARCH_REG_NO, reg_no="".join(text.split()).upper())]
        if exact_only:
            candidates += [_entity(r["n"]) for r in self._run(cypher.SEARCH_CONTAINS, needle=_SEPARATOR + norm + _SEPARATOR,
                                                               limit=wanted)]
            return exact_hits(text, candidates, limit)
        for needle in (_SEPARATOR + norm + _SEPARATOR, _SEPARATOR + norm):
            candidates += [_entity(r["n"]) for r in self._run(contains, needle=needle, limit=wanted)]
        if len({c.id for c in candidates}) < limit:
            candidates += [_entity(r["n"]) for r in self._run(contains, needle=norm, limit=wanted)]
        compact = norm.replace(" ", "")
        if compact != norm and len({c.id for c in candidates}) < limit:
            candidates += [_entity(r["n"]) for r in self._run(contains, needle=compact, limit=wanted)]
        if len({c.id for c in candidates}) < limit:
            for probe in fuzzy_probes(norm):
                candidates += [_entity(r["n"]) for r in self._run(contains, needle=probe,
                                                                   limit=FUZZY_CANDIDATES)]
        return rank_search(text, candidates, limit)

    def edges_touching(self, ids: Iterable[str]) -> Edges:
        wanted = list(dict.fromkeys(ids))
        return self._edges(self._run(cypher.EDGES_TOUCHING, ids=wanted), self._run(cypher.EVENTS_OF, ids=wanted))

    def around(self, entity_id: str) -> "_Around":
        """This store seen from one company, its upstream region fetched in one round trip: the walks
        of a company or control report (a round trip per hop otherwise) read it from memory, and ask
        the server only for what lies outside it."""
        complete: dict[str, tuple[list, list]] = {}
        entities: dict[str, Entity] = {}
        for record in self._run(cypher.AROUND, id=entity_id, max=_AROUND_NODES, cap=_AROUND_TIES):
            node = record["node"]
            entities[node["id"]] = _entity(node)
            for rel in record["rels"]:
                other = rel["other"]
                entities.setdefault(other["id"], _entity(other))
            complete[node["id"]] = (record["rels"], record["events"])
        return _Around(self, complete, entities)

    def holding_counts(self, ids: Iterable[str]) -> dict[str, int]:
        return {r["id"]: r["n"] for r in self._run(cypher.HOLDING_COUNTS, ids=list(dict.fromkeys(ids))) if r["n"]}

    def edges_among(self, ids: Iterable[str]) -> Edges:
        wanted = list(dict.fromkeys(ids))
        return self._edges(self._run(cypher.EDGES_AMONG, ids=wanted), self._run(cypher.EVENTS_OF, ids=wanted))

    def _edges(self, rel_records, event_records) -> Edges:
        edges = Edges()
        for r in rel_records:
            _append_edge(edges, r["type"], r["src"], r["dst"], r["props"])
        edges.events = [_event(r["entity_id"], r["e"]) for r in event_records]
        return edges.sorted()

    def expand(self, ids: list[str], max_degree: int) -> dict[str, tuple[int, list[tuple[str, list]]]]:
        expanded = {}
        for record in self._run(cypher.EXPAND, ids=list(ids), cap=max_degree):
            picks = []
            for pick in record["picks"]:
                holder = Edges()
                for rel in pick["rels"]:
                    _append_edge(holder, rel["type"], rel["src"], rel["dst"], rel["props"])
                picks.append((pick["id"], holder.holdings + holder.officers + holder.links + holder.relations))
            expanded[record["id"]] = (record["degree"], picks)
        return expanded

    # -- whole graph ------------------------------------------------------------------------
    def _pages(self, query: str, key: str) -> Iterator:
        after = ""
        while True:
            records = self._run(query, after=after, limit=_PAGE)
            yield from records
            if len(records) < _PAGE:
                return
            after = records[-1][key]

    def is_empty(self) -> bool:
        return not self._run("MATCH (n:Entity) RETURN n.id AS id LIMIT 1")

    def relations_of(self, types) -> list[Relation]:
        edges = Edges()
        for r in self._run(cypher.RELATIONS_OF, types=[RelationType(t).value for t in types]):
            _append_edge(edges, "RELATED", r["src"], r["dst"], r["props"])
        return sorted(edges.relations, key=lambda r: r.key)

    def ids_of(self, kinds) -> list[str]:
        return sorted(r["id"] for r in self._run(cypher.IDS_OF_KINDS, kinds=[EntityKind(k).value for k in kinds]))

    def open_facts(self, day: dt.date) -> Edges:
        edges = Edges()
        for r in self._run(cypher.OPEN_FACTS, day=day):
            _append_edge(edges, r["type"], r["src"], r["dst"], r["props"])
        return edges

    def link_changes(self, first: dt.date, last: dt.date) -> list[Link]:
        edges = Edges()
        for r in self._run(cypher.LINK_CHANGES, first=first, last=last):
            _append_edge(edges, r["type"], r["src"], r["dst"], r["props"])
        return edges.links

    def iter_records(self) -> Iterator[Record]:
        for r in self._pages(cypher.ALL_ENTITIES, "id"):
            yield _entity(r["n"])
        buckets = Edges()
        for r in self._pages(cypher.ALL_RELATIONSHIPS, "key"):
            _append_edge(buckets, r["type"], r["src"], r["dst"], r["props"])
        yield from sorted(buckets.holdings, key=lambda h: h.key)
        yield from sorted(buckets.officers, key=lambda o: o.key)
        yield from sorted(buckets.links, key=lambda link: (link.src, link.dst, link.kind.value))
        yield from (_event(r["entity_id"], r["e"]) for r in self._pages(cypher.ALL_EVENTS, "id"))
        yield from sorted(buckets.relations, key=lambda r: r.key)

    def export_arrays(self) -> GraphArrays:
        # Sorted in Python, by code point, as the embedded store's SQL sorts: the same ids in the same order.
        nodes = sorted(tuple(r.values()) for r in self._pages(cypher.PAGE_ENTITIES, "id"))
        ids = [r[0] for r in nodes]
        index = {entity_id: i for i, entity_id in enumerate(ids)}
        # Grouped by company (as the embedded store orders them): whole-graph passes then read memory in order.
        holdings = sorted((tuple(r.values()) for r in self._pages(cypher.PAGE_HOLDINGS, "key")), key=lambda t: (t[2], t[0]))
        officers = sorted((tuple(r.values()) for r in self._pages(cypher.PAGE_OFFICERS, "key")), key=lambda t: (t[2], t[0]))
        links = sorted(((r["src"], r["dst"], r["type"]) for r in self._pages(cypher.PAGE_LINKS, "key")))
        events = sorted((tuple(r.values()) for r in self._pages(cypher.PAGE_EVENTS, "id")), key=lambda t: t[0])
        relations = sorted((tuple(r.values()) for r in self._pages(cypher.PAGE_RELATIONS, "key")), key=lambda t: t[0])
        identities = {r["id"]: r["identity"] for r in self._run(cypher.PAGE_IDENTITIES)}
        roles = sorted({o[3] for o in officers})
        role_codes = {role: code for code, role in enumerate(roles)}
        link_codes = {cypher.LINK_TYPES[k]: code for k, code in LINK_CODES.items()}

        def col(rows, fn, dtype):
            return np.fromiter((fn(r) for r in rows), dtype=dtype, count=len(rows))

        nan = float("nan")
        return GraphArrays(
            ids=ids,
            kinds=col(nodes, lambda r: KIND_CODES_BY_VALUE[r[1]], np.int8),
            holding_holder=col(holdings, lambda r: index[r[1]], np.int32),
            holding_company=col(holdings, lambda r: index[r[2]], np.int32),
            share_low=col(holdings, lambda r: nan if r[3] is None else r[3], np.float64),
            share_high=col(holdings, lambda r: nan if r[4] is None else r[4], np.float64),
            holding_interest=col(holdings, lambda r: INTEREST_CODES_BY_VALUE[r[5]], np.int8),
            holding_since=col(holdings, lambda r: day_number(_date(r[6]), OPEN_START), np.int32),
            holding_until=col(holdings, lambda r: day_number(_date(r[7]), OPEN_END), np.int32),
            officer_person=col(officers, lambda r: index[r[1]], np.int32),
            officer_company=col(officers, lambda r: index[r[2]], np.int32),
            officer_role=col(officers, lambda r: role_codes[r[3]], np.int16),
            officer_roles=roles,
            officer_since=col(officers, lambda r: day_number(_date(r[4]), OPEN_START), np.int32),
            officer_until=col(officers, lambda r: day_number(_date(r[5]), OPEN_END), np.int32),
            link_src=col(links, lambda r: index[r[0]], np.int32),
            link_dst=col(links, lambda r: index[r[1]], np.int32),
            link_kind=col(links, lambda r: link_codes[r[2]], np.int8),
            event_entity=col(events, lambda r: index[r[1]], np.int32),
            event_type=col(events, lambda r: EVENT_CODES_BY_VALUE[r[2]], np.int8),
            event_date=col(events, lambda r: day_number(_date(r[3]), OPEN_START), np.int32),
            event_severity=col(events, lambda r: r[4] or 0, np.int8),
            disclosure_threshold=col(nodes, lambda r: nan if r[2] is None else r[2], np.float64),
            listed=col(nodes, lambda r: bool(r[3]), bool),
            free_float=col(nodes, lambda r: nan if r[4] is None else r[4], np.float64),
            relation_a=col(relations, lambda r: index[r[1]], np.int32),
            relation_b=col(relations, lambda r: index[r[2]], np.int32),
            relation_type=col(relations, lambda r: RELATION_CODES_BY_VALUE[r[3]], np.int8),
            relation_since=col(relations, lambda r: day_number(_date(r[4]), OPEN_START), np.int32),
            relation_until=col(relations, lambda r: day_number(_date(r[5]), OPEN_END), np.int32),
            identity={index[i]: key for i, key in identities.items()},
        )

    def company_facts(self) -> Iterator[tuple]:
        for r in self._pages(cypher.PAGE_COMPANY_FACTS, "id"):
            yield (r["id"], r["name"], r["scope"], r["registered"], r["paid_in"], _date(r["founded"]))

    def counts(self) -> dict[str, int]:
        counts = {kind.value: 0 for kind in EntityKind if kind is not EntityKind.EVENT}
        for r in self._run(cypher.COUNT_KINDS):
            counts[r["kind"]] = r["n"]
        for name, query in cypher.COUNT_RELS.items():
            counts[name] = self._run(query)[0]["n"]
        return counts

    # -- computed results -------------------------------------------------------------------
    def write_results(self, name: str, values: Mapping[str, Any]) -> None:
        prop, json_prop = _result_props(name)
        self._run(cypher.CLEAR_RESULT, prop=prop, json_prop=json_prop, nulls={prop: None, json_prop: None})
        rows = []
        for entity_id, value in values.items():
            # Scalars and lists of scalars stay native so Browser and Bloom can filter on them.
            if _is_native(value):
                rows.append({"id": entity_id, "props": {prop: value, json_prop: None}})
            else:
                rows.append({"id": entity_id, "props": {prop: None,
                                                        json_prop: json.dumps(value, ensure_ascii=False, sort_keys=True)}})
        for start in range(0, len(rows), self.batch_size):
            self._run(cypher.WRITE_RESULT, rows=rows[start : start + self.batch_size])

    def read_results(self, name: str) -> dict[str, Any]:
        prop, json_prop = _result_props(name)
        rows = self._run(cypher.READ_RESULT, prop=prop, json_prop=json_prop)
        return {r["id"]: (json.loads(r["json"]) if r["json"] is not None else r["value"])
                for r in sorted(rows, key=lambda r: r["id"])}

    def results_of(self, name: str, ids: Iterable[str]) -> dict[str, Any]:
        prop, json_prop = _result_props(name)
        rows = self._run(cypher.RESULTS_OF, ids=list(dict.fromkeys(ids)), prop=prop, json_prop=json_prop)
        return {r["id"]: (json.loads(r["json"]) if r["json"] is not None else r["value"]) for r in rows
                if r["json"] is not None or r["value"] is not None}

    def results_for(self, entity_id: str) -> dict[str, Any]:
        records = self._run(cypher.ENTITY_PROPERTIES, id=entity_id)
        if not records:
            return {}
        found = {}
        for key, value in records[0]["n"].items():
            if key.startswith("result_"):
                name = key[len("result_"):]
                if name.endswith("_json"):
                    found[name[: -len("_json")]] = json.loads(value)
                else:
                    found[name] = value
        return dict(sorted(found.items()))

    def entities_with_result(self, name: str, value: Any) -> list[str]:
        prop, json_prop = _result_props(name)
        if not _is_native(value):
            prop, value = json_prop, json.dumps(value, ensure_ascii=False, sort_keys=True)
        return [r["id"] for r in self._run(cypher.with_result(prop), value=value)]

    def decide_identity(self, a: str, b: str, same: bool, note: str | None = None) -> None:
        a, b = sorted((a, b))
        self._run(cypher.DECIDE_IDENTITY, a=a, b=b, same=same, note=note,
                  at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))

    def identity_decisions(self) -> list[tuple[str, str, bool]]:
        return [(r["a"], r["b"], r["same"]) for r in self._run(cypher.IDENTITY_DECISIONS)]

    # -- metadata ---------------------------------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        self._run(cypher.SET_META, key=key, value=value)

    def get_meta(self, key: str) -> str | None:
        records = self._run(cypher.GET_META, key=key)
        return records[0]["value"] if records else None

    def delete_everything(self) -> None:
        """Remove every entity, event and setting equitygraph wrote (the schema stays)."""
        with self._driver.session(database=self.database) as session:
            session.run(cypher.DELETE_ALL).consume()

    def close(self) -> None:
        self._driver.close()


# -- the spool ---------------------------------------------------------------------------------
class _SpoolWriter(Writer):
    """Turns records into parameter rows and pickles them to a temporary file, chunk by chunk."""

    def __init__(self, spool):
        self._spool = spool
        self._pending: list[tuple[str, dict]] = []
        self._chunks = 0
        self.count = 0

    def add(self, record: Record) -> None:
        self._pending.append(_row(record))
        self.count += 1
        if len(self._pending) >= _SPOOL_CHUNK:
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


# The properties each record sets, in a fixed order, so the Bolt writer and the bulk importer's
# files (neo4j_import.py) store exactly the same values.
ENTITY_PROPS = ("kind", "name", "aliases", "alias_text", "reg_no", "jurisdiction", "status", "founded",
                "registered_capital", "paid_in_capital", "currency", "industry", "business_scope", "search_text",
                "disclosure_threshold", "listed", "free_float", "id_hash", "id_number", "birth_date", "identity")
RELATION_PROPS = ("type", "since", "until", "source", "share_low", "share_high")
HOLDING_PROPS = ("share_low", "share_high", "interest", "since", "until", "source")
OFFICER_PROPS = ("role", "since", "until")
EVENT_PROPS = ("type", "date", "severity", "text", "source")


def search_text(name: str, aliases) -> str:
    """What the text index searches of a party: every search form of its name and aliases, each
    between separators."""
    return _SEPARATOR + _SEPARATOR.join(form for n in (name, *aliases) for form in search_forms(n)) + _SEPARATOR


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
    return (o.role, o.since, o.until)


def event_values(e: RiskEvent) -> tuple:
    return (e.type.value, e.date, e.severity, e.text, e.source)


def _row(record: Record) -> tuple[str, dict]:
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
def _date(value) -> dt.date | None:
    if value is None:
        return None
    return value.to_native() if hasattr(value, "to_native") else value


class _Around:
    """A :class:`Neo4jStore` seen from one company (see :meth:`Neo4jStore.around`): ties and entities
    of the prefetched region from memory, exactly as the server would give them; anything else from
    the store."""

    def __init__(self, store: "Neo4jStore", complete: dict[str, tuple[list, list]], entities: dict[str, Entity]):
        self._store = store
        self._complete = complete
        self._entities = entities

    def around(self, entity_id: str) -> "_Around":
        return self if entity_id in self._complete else self._store.around(entity_id)

    def edges_touching(self, ids: Iterable[str]) -> Edges:
        wanted = list(dict.fromkeys(ids))
        if not all(i in self._complete for i in wanted):
            return self._store.edges_touching(wanted)
        edges, seen, seen_events = Edges(), set(), set()
        for entity_id in wanted:
            rels, events = self._complete[entity_id]
            for rel in rels:
                key = (rel["type"], rel["src"], rel["dst"], repr(sorted(rel["props"].items())))
                if key not in seen:
                    seen.add(key)
                    _append_edge(edges, rel["type"], rel["src"], rel["dst"], rel["props"])
            for event in events:
                key = (entity_id, repr(sorted(event.items())))
                if key not in seen_events:
                    seen_events.add(key)
                    edges.events.append(_event(entity_id, event))
        return edges.sorted()

    def get(self, entity_id: str) -> Entity | None:
        return self.get_many([entity_id]).get(entity_id)

    def get_many(self, ids: Iterable[str]) -> dict[str, Entity]:
        wanted = list(dict.fromkeys(ids))
        missing = [i for i in wanted if i not in self._entities]
        found = self._store.get_many(missing) if missing else {}
        return {i: self._entities.get(i) or found[i] for i in wanted if i in self._entities or i in found}

    def __getattr__(self, name: str):
        return getattr(self._store, name)


def _entity(props: dict) -> Entity:
    return Entity(
        id=props["id"], kind=EntityKind(props["kind"]), name=props["name"], aliases=tuple(props.get("aliases") or ()),
        reg_no=props.get("reg_no"), jurisdiction=props.get("jurisdiction"), status=props.get("status"),
        founded=_date(props.get("founded")), registered_capital=props.get("registered_capital"),
        paid_in_capital=props.get("paid_in_capital"), currency=props.get("currency"), industry=props.get("industry"),
        business_scope=props.get("business_scope"), disclosure_threshold=props.get("disclosure_threshold"),
        listed=bool(props.get("listed")), free_float=props.get("free_float"), id_hash=props.get("id_hash"),
        id_number=props.get("id_number"), birth_date=_date(props.get("birth_date")),
    )


def _append_edge(edges: Edges, rel_type: str, src: str, dst: str, props: dict) -> None:
    if rel_type == "HOLDS":
        low = props.get("share_low")
        share = Share.unknown() if low is None else Share(low, props["share_high"])
        edges.holdings.append(Holding(src, dst, share, Interest(props["interest"]), _date(props.get("since")),
                                      _date(props.get("until")), props.get("source")))
    elif rel_type == "OFFICER_OF":
        edges.officers.append(Officer(src, dst, props["role"], _date(props.get("since")), _date(props.get("until"))))
    elif rel_type == "RELATED":
        low = props.get("share_low")
        share = Share.unknown() if low is None else Share(low, props["share_high"])
        edges.relations.append(Relation(src, dst, RelationType(props["type"]), _date(props.get("since")),
                                        _date(props.get("until")), props.get("source"), share))
    elif rel_type == "LINK_HISTORY":
        edges.links.append(Link(src, dst, LinkKind(props["kind"]), _date(props.get("since")), _date(props["until"])))
    else:
        edges.links.append(Link(src, dst, _LINK_KINDS[rel_type], _date(props.get("since"))))


def _event(entity_id: str, props: dict) -> RiskEvent:
    return RiskEvent(entity_id, EventType(props["type"]), _date(props.get("date")), props.get("severity"),
                     props.get("text"), props.get("source"))


def _result_props(name: str) -> tuple[str, str]:
    check_result_name(name)
    return f"result_{name}", f"result_{name}_json"


def _is_native(value: Any) -> bool:
    scalar = (str, int, float, bool)
    if isinstance(value, scalar):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, type(value[0])) and isinstance(v, scalar)
                                                           for v in value)


def _first_line(error: Exception) -> str:
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return text.strip().splitlines()[0]
