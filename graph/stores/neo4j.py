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
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from . import arrays_cache, cypher, neo4j_arrays, neo4j_results
from .. import cancel
from ..arrays import GraphArrays
from ..errors import StoreError
from ..model import Entity, EntityKind, Link, Relation, RelationType, RiskEvent, normalize_name
from ..names import FUZZY_CANDIDATES, fuzzy_probes
from .base import Edges, Record, SearchHit, Store, Writer, exact_hits, rank_search
from .neo4j_around import AROUND_TIES, Around
from .neo4j_results import is_native, result_props
from .neo4j_rows import SEPARATOR, SpoolWriter, append_edge, date_of, entity_of, event_of, replay
from .result_columns import check_page, check_top, commonest

KEY_FORMAT = "2"  # keys escape | and \\ in ids (model.natural_key)
_AROUND_NODES = 400  # the upstream region fetched with a company (the walks stop at 300 parties)
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
        self._named: str | None = None  # the database's name, the server's default asked for once
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
        self._create_schema()
        if self.get_meta("key_format") != KEY_FORMAT:
            self._escape_keys()

    def _create_schema(self) -> None:
        # in one transaction, so that the server fills them all in one pass (cypher.INDEXES)
        self._in_session(lambda session: session.execute_write(
            lambda tx: [tx.run(statement).consume() for statement in cypher.INDEXES]))
        for statement in (*cypher.CONSTRAINTS, cypher.AWAIT_INDEXES):
            self._run(statement)

    def _escape_keys(self) -> None:
        """Relationship keys and event ids written before keys escaped ``|`` and ``\\`` (see
        ``model.natural_key``) are rewritten, so a reload finds them instead of adding twins."""
        for statement in cypher.ESCAPE_KEYS:
            self._run(statement)
        for record in self._run(cypher.EVENTS_TO_REHASH, sep=SEPARATOR):
            event = event_of(record["entity_id"], record["e"])
            self._run(cypher.SET_EVENT_ID, old=record["e"]["id"], new=event.id)
        self.set_meta("key_format", KEY_FORMAT)

    def cypher(self, query: str, **params) -> list[dict]:
        """Run your own Cypher (values as ``$parameters``, never pasted into the text) and get the
        records as dicts: for the questions the library does not ask yet."""
        return [dict(r) for r in self._run(query, **params)]

    # -- plumbing ---------------------------------------------------------------------------
    def _run(self, query: str, **params) -> list:
        from neo4j import Query
        from neo4j.exceptions import DriverError, Neo4jError

        # Work its caller may give up (the explorer's) cannot stop a query from another thread: the
        # query gets the time the work has left as the server's limit, and the work stops before the next.
        cancel.checkpoint()
        left = cancel.time_left()
        try:
            records, _, _ = self._driver.execute_query(Query(query, timeout=left) if left is not None else query, params,
                                                       database_=self.database)
        except Neo4jError as e:
            if "TransactionTimedOut" in (e.code or ""):
                raise cancel.Cancelled("out of time: the query ran past the time its work had") from None
            raise StoreError(f"Neo4j at {self.uri}: {_first_line(e)}") from None
        except DriverError as e:
            raise StoreError(f"Neo4j at {self.uri}: {_first_line(e)}") from None
        return records

    def _write(self, query: str, rows: list) -> int:
        return self._in_session(lambda session: session.execute_write(
            lambda tx: tx.run(query, rows=rows).single()["written"]))

    def _run_committing(self, query: str, **params) -> None:
        """A query that commits as it goes (``CALL ... IN TRANSACTIONS``): outside a managed transaction."""
        self._in_session(lambda session: session.run(query, params).consume())

    def _in_session(self, work):
        """``work(session)``, the driver's errors told in one line."""
        from neo4j.exceptions import DriverError, Neo4jError

        try:
            with self._driver.session(database=self.database) as session:
                return work(session)
        except (DriverError, Neo4jError) as e:
            raise StoreError(f"Neo4j at {self.uri}: {_first_line(e)}") from None

    # -- writing ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer(self) -> Iterator[Writer]:
        with tempfile.TemporaryFile(prefix="equitygraph-spool-") as spool:
            writer = SpoolWriter(spool)
            yield writer
            writer.close()
            replay(self, writer)
            self.new_generation()

    def new_generation(self) -> str:
        """Mark the records changed (a token in the database every writer of records renews), so that
        whole-graph answers kept for the old records (:meth:`export_arrays`, ``queries.memo``) are not
        used again. A write through :meth:`cypher` or Neo4j Browser must call it too. Returns the token."""
        generation = secrets.token_hex(8)
        self.set_meta("generation", generation)
        return generation

    # -- look-ups ---------------------------------------------------------------------------
    def get(self, entity_id: str) -> Entity | None:
        return self.get_many([entity_id]).get(entity_id)

    def get_many(self, ids: Iterable[str]) -> dict[str, Entity]:
        wanted = list(dict.fromkeys(ids))
        found = {}
        for start in range(0, len(wanted), _PAGE):
            for record in self._run(cypher.GET_MANY, ids=wanted[start : start + _PAGE]):
                entity = entity_of(record["n"])
                found[entity.id] = entity
        return {i: found[i] for i in wanted if i in found}

    def search(self, text: str, limit: int = 20, exact_only: bool = False,
               budget: float | None = None) -> list[SearchHit]:
        norm = normalize_name(text)
        if not norm:
            return []
        reg_no = "".join(text.split()).upper()
        if exact_only:
            candidates = [entity_of(r["n"]) for r in self._run(cypher.SEARCH_REG_NO, reg_no=reg_no)]
            candidates += [entity_of(r["n"]) for r in self._run(cypher.SEARCH_CONTAINS, needle=SEPARATOR + norm + SEPARATOR,
                                                               limit=limit * 5)]
            return exact_hits(text, candidates, limit)
        if budget is not None:
            return self._suggest(text, norm, reg_no, limit)
        return self.search_a_query_each(text, norm, reg_no, limit, cypher.SEARCH_CONTAINS)

    def search_a_query_each(self, text: str, norm: str, reg_no: str, limit: int, contains: str) -> list[SearchHit]:
        """The number, then each needle, then the fuzzy probes, a query each (``contains``: sorted
        matches, or the index's first), a later one asked only while too few were found."""
        def fetch(needle: str, most: int) -> list[Entity]:
            return [entity_of(r["n"]) for r in self._run(contains, needle=needle, limit=most)]

        needles = _needles(norm)
        candidates = [entity_of(r["n"]) for r in self._run(cypher.SEARCH_REG_NO, reg_no=reg_no)]
        candidates += fetch(needles[0], limit * 5) + fetch(needles[1], limit * 5)

        def later():
            for needle in needles[2:]:
                yield fetch(needle, limit * 5)
            yield [e for probe in fuzzy_probes(norm) for e in fetch(probe, FUZZY_CANDIDATES)]

        return rank_search(text, _while_too_few(candidates, later(), limit), limit)

    def _suggest(self, text: str, norm: str, reg_no: str, limit: int) -> list[SearchHit]:
        """What the search box offers, in one round trip: every needle and probe asked at once, each
        for the text index's first matches (no sort of every match of a common needle), then taken
        in the order :meth:`search_a_query_each` takes them."""
        needles, probes = _needles(norm), fuzzy_probes(norm)
        params = {f"needle{k}": needle for k, needle in enumerate(needles)}
        params |= {f"probe{k}": probe for k, probe in enumerate(probes)}
        tiers: dict[int, list[Entity]] = {}
        for r in self._run(cypher.search_at_once(len(needles), len(probes)), reg_no=reg_no, limit=limit * 5,
                           fuzzy=FUZZY_CANDIDATES, **params):
            tiers.setdefault(r["tier"], []).append(entity_of(r["n"]))
        candidates = tiers.get(-1, []) + tiers.get(0, []) + tiers.get(1, [])
        later = [tiers.get(tier, []) for tier in range(2, len(needles))]
        later.append([e for tier in range(len(needles), len(needles) + len(probes)) for e in tiers.get(tier, [])])
        return rank_search(text, _while_too_few(candidates, later, limit), limit)

    def edges_touching(self, ids: Iterable[str]) -> Edges:
        wanted = list(dict.fromkeys(ids))
        return self._edges(self._run(cypher.EDGES_TOUCHING, ids=wanted), self._run(cypher.EVENTS_OF, ids=wanted))

    def edges_upward(self, ids: Iterable[str]) -> Edges:
        return self._edges(self._run(cypher.EDGES_UPWARD, ids=list(dict.fromkeys(ids))), ())

    def events_of(self, ids: Iterable[str]) -> list[RiskEvent]:
        return self._edges((), self._run(cypher.EVENTS_OF, ids=list(dict.fromkeys(ids)))).events

    def around(self, entity_id: str) -> "Around":
        """This store seen from one company, its upstream region fetched in one round trip: the walks
        of a company or control report (a round trip per hop otherwise) read it from memory, and ask
        the server only for what lies outside it."""
        complete: dict[str, tuple[list, list]] = {}
        entities: dict[str, Entity] = {}
        for record in self._run(cypher.AROUND, id=entity_id, max=_AROUND_NODES, cap=AROUND_TIES):
            node = record["node"]
            entities[node["id"]] = entity_of(node)
            for rel in record["rels"]:
                other = rel["other"]
                entities.setdefault(other["id"], entity_of(other))
            complete[node["id"]] = (record["rels"], record["events"])
        return Around(self, complete, entities)

    def holding_counts(self, ids: Iterable[str]) -> dict[str, int]:
        return {r["id"]: r["n"] for r in self._run(cypher.HOLDING_COUNTS, ids=list(dict.fromkeys(ids))) if r["n"]}

    def edges_among(self, ids: Iterable[str]) -> Edges:
        wanted = list(dict.fromkeys(ids))
        return self._edges(self._run(cypher.EDGES_AMONG, ids=wanted), self._run(cypher.EVENTS_OF, ids=wanted))

    def _edges(self, rel_records, event_records) -> Edges:
        edges = Edges()
        for r in rel_records:
            append_edge(edges, r["type"], r["src"], r["dst"], r["props"])
        edges.events = [event_of(r["entity_id"], r["e"]) for r in event_records]
        return edges.sorted()

    def expand(self, ids: list[str], max_degree: int) -> dict[str, tuple[int, list[tuple[str, list]]]]:
        expanded = {}
        for record in self._run(cypher.EXPAND, ids=list(ids), cap=max_degree):
            picks = []
            for pick in record["picks"]:
                holder = Edges()
                for rel in pick["rels"]:
                    append_edge(holder, rel["type"], rel["src"], rel["dst"], rel["props"])
                picks.append((pick["id"], holder.holdings + holder.officers + holder.links + holder.relations))
            expanded[record["id"]] = (record["degree"], picks)
        return expanded

    # -- whole graph ------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return not self._run("MATCH (n:Entity) RETURN n.id AS id LIMIT 1")

    def relations_of(self, types) -> list[Relation]:
        edges = Edges()
        for r in self._run(cypher.RELATIONS_OF, types=[RelationType(t).value for t in types]):
            append_edge(edges, "RELATED", r["src"], r["dst"], r["props"])
        return sorted(edges.relations, key=lambda r: r.key)

    def ids_of(self, kinds) -> list[str]:
        return sorted(r["id"] for r in self._run(cypher.IDS_OF_KINDS, kinds=[EntityKind(k).value for k in kinds]))

    def open_facts(self, day: dt.date) -> Edges:
        edges = Edges()
        for r in self._run(cypher.OPEN_FACTS, day=day):
            append_edge(edges, r["type"], r["src"], r["dst"], r["props"])
        return edges

    def link_changes(self, first: dt.date, last: dt.date) -> list[Link]:
        edges = Edges()
        for r in self._run(cypher.LINK_CHANGES, first=first, last=last):
            append_edge(edges, r["type"], r["src"], r["dst"], r["props"])
        return edges.links

    def iter_records(self) -> Iterator[Record]:
        # A page a record (neo4j_arrays.page_rows): a record a row made the driver the cost of an export.
        for _id, props in neo4j_arrays.page_rows(self, cypher.ALL_ENTITIES):
            yield entity_of(props)
        buckets = Edges()
        for query in cypher.ALL_RELATIONSHIPS:
            for _key, kind, src, dst, props in neo4j_arrays.page_rows(self, query):
                append_edge(buckets, kind, src, dst, props)
        yield from sorted(buckets.holdings, key=lambda h: h.key)
        yield from sorted(buckets.officers, key=lambda o: o.key)
        yield from sorted(buckets.links, key=lambda link: (link.src, link.dst, link.kind.value))
        for _id, entity_id, props in neo4j_arrays.page_rows(self, cypher.ALL_EVENTS):
            yield event_of(entity_id, props)
        yield from sorted(buckets.relations, key=lambda r: r.key)

    @property
    def path(self) -> str:
        """Where the store is, as the answers kept for it name it (``queries.memo``, the arrays and risk
        files): the server and the database, the default one named (``neo4j import`` names it, others may not)."""
        if self._named is None:
            self._named = self.database or self._run("CALL db.info() YIELD name RETURN name")[0]["name"]
        return f"{self.uri}#{self._named}"

    def export_arrays(self) -> GraphArrays:
        """The whole graph as arrays: read from the server once per generation of its records, and kept
        for every store of this process on the same database (:mod:`.neo4j_arrays`)."""
        return neo4j_arrays.kept(self)

    def kept_file(self, suffix: str) -> Path | None:
        return arrays_cache.server_cache_path(self.path, suffix)

    def company_facts(self) -> Iterable[tuple]:  # a neo4j_arrays.FactColumns: chunks of columns too
        return neo4j_arrays.company_facts(self)

    def party_facts(self) -> Iterator[tuple]:
        for entity_id, kind, name, aliases, reg_no, jurisdiction, born, id_number, places in neo4j_arrays.page_rows(
                self, cypher.PAGE_PARTY_FACTS):
            yield (entity_id, kind, name, tuple(aliases or ()), reg_no, jurisdiction, date_of(born), id_number,
                   tuple(sorted(places or ())))

    def drop_events(self, ids: Iterable[str]) -> None:
        self._run(cypher.DROP_EVENTS, ids=list(ids))
        self.new_generation()

    def counts(self) -> dict[str, int]:
        counts = {kind.value: 0 for kind in EntityKind if kind is not EntityKind.EVENT}
        for r in self._run(cypher.COUNT_KINDS):
            counts[r["kind"]] = r["n"]
        for name, query in cypher.COUNT_RELS.items():
            counts[name] = self._run(query)[0]["n"]
        return counts

    # -- computed results -------------------------------------------------------------------
    def write_analysis(self, results: Mapping[str, Mapping[str, Any]], ids_known: bool = False,
                       previous: Iterable[str] = (), meta: Mapping[str, str] | None = None) -> None:
        neo4j_results.write_analysis(self, results, previous, meta)

    def write_results(self, name: str, values: Mapping[str, Any], whole: bool = True) -> None:
        prop, json_prop = result_props(name)
        neo4j_results.note_written(self, {name}, adding=True)
        if whole:
            self._run(cypher.CLEAR_RESULT, prop=prop, json_prop=json_prop, nulls={prop: None, json_prop: None})
        rows = []
        for entity_id, value in values.items():
            # Scalars and lists of scalars stay native so Browser and Bloom can filter on them.
            if is_native(value):
                rows.append({"id": entity_id, "props": {prop: value, json_prop: None}})
            else:
                rows.append({"id": entity_id, "props": {prop: None,
                                                        json_prop: json.dumps(value, ensure_ascii=False, sort_keys=True)}})
        for start in range(0, len(rows), self.batch_size):
            self._run(cypher.WRITE_RESULT, rows=rows[start : start + self.batch_size])

    def read_results(self, name: str) -> dict[str, Any]:
        prop, json_prop = result_props(name)
        rows = self._run(cypher.READ_RESULT, prop=prop, json_prop=json_prop)
        return {r["id"]: (json.loads(r["json"]) if r["json"] is not None else r["value"])
                for r in sorted(rows, key=lambda r: r["id"])}

    def results_of(self, name: str, ids: Iterable[str]) -> dict[str, Any]:
        prop, json_prop = result_props(name)
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

    def ids_in_order_of(self, name: str, start: int = 0, count: int | None = None) -> list[str]:
        check_page(start, count)
        prop, _json = result_props(name)
        return [r["id"] for r in self._run(cypher.in_order_of(prop, count is not None), start=start, count=count)]

    def commonest_results(self, name: str, top: int) -> tuple[dict[Any, int], int]:
        check_top(top)
        prop, _json = result_props(name)
        return commonest({r["value"]: r["n"] for r in self._run(cypher.value_counts(prop))}, top)  # counted in the server

    def entities_with_result(self, name: str, value: Any) -> list[str]:
        prop, json_prop = result_props(name)
        if not is_native(value):
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
        self._run_committing(cypher.DELETE_ALL)
        neo4j_results.note_written(self, ())
        neo4j_arrays.forget(self)

    def close(self) -> None:
        self._driver.close()


def _first_line(error: Exception) -> str:
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    line = text.strip().splitlines()[0]
    if any(sign in text for sign in _OUT_OF_DISK):
        line += " (the server's disk may be full: free space where its database is kept, then try again)"
    return line


# What Neo4j says when a transaction cannot reach its store files, most often a full disk.
_OUT_OF_DISK = ("to the store after written to log", "No space left on device")


def _needles(norm: str) -> list[str]:
    """What a name search looks for in ``search_text``, in order: the whole words, a word's start, the
    text anywhere, and the text without spaces (where it has any)."""
    compact = norm.replace(" ", "")
    return [SEPARATOR + norm + SEPARATOR, SEPARATOR + norm, norm] + ([compact] if compact != norm else [])


def _while_too_few(candidates: list, later, limit: int) -> list:
    """``candidates`` with each batch of ``later`` added while fewer than ``limit`` distinct entities
    were found; a batch is taken (so, when fetched lazily, asked for) only then."""
    batches = iter(later)
    while len({c.id for c in candidates}) < limit:
        batch = next(batches, None)
        if batch is None:
            break
        candidates = candidates + batch
    return candidates
