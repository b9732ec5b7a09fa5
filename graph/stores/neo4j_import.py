"""The initial-load path into Neo4j: the offline importer instead of transactions.

A Bolt write runs at about 20,000 records/s on a 2-core machine however it is batched, because
every ``MERGE`` looks up its nodes in an index and logs a transaction. For a first load (or a
replacement) of a whole database the server's own offline importer (``neo4j-admin database import
full``) builds the store files directly. :class:`ImportFiles` turns validated records into the
importer's CSV files - the same properties, labels and relationship types the Bolt writer sets -
and :func:`bulk_import` stops the local server, imports, restarts it and creates the schema.
Incremental loads keep using the Bolt writer (``Neo4jStore.writer``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import shutil
import sys
import tempfile
from array import array
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from . import cypher, neo4j_arrays, neo4j_results
from ..errors import StoreError
from .arrays_tables import ArraysFromTables
from .neo4j_server import Neo4jServer
from ..columns import ENTITY_SCHEMA
from ..model import Entity, EntityKind, Holding, Link, Officer, Relation, RiskEvent
from .neo4j import Neo4jStore
from .neo4j_rows import (
    ENTITY_PROPS,
    EVENT_PROPS,
    HOLDING_PROPS,
    OFFICER_PROPS,
    RELATION_PROPS,
    entity_values,
    event_values,
    holding_values,
    officer_values,
    relation_values,
    search_text,
)
from .base import Record, Writer
from .sqlite_rows import record_row

ARRAY_DELIMITER = "\x1e"  # the importer is told U+001E; a list item holding it could not be told apart
# The importer's type of each property that is not a string (Python floats are Cypher floats).
_TYPES = {"aliases": ":string[]", "founded": ":date", "registered_capital": ":double", "paid_in_capital": ":double",
          "disclosure_threshold": ":double", "listed": ":boolean", "free_float": ":double", "birth_date": ":date",
          "share_low": ":double", "share_high": ":double", "since": ":date", "until": ":date", "date": ":date",
          "severity": ":long"}


# The company facts kept for the risk indicators (:func:`.neo4j_arrays.company_facts`): name -> entity column.
_FACT_COLUMNS = {"id": "id", "name": "name", "scope": "business_scope", "registered": "registered_capital",
                 "paid_in": "paid_in_capital", "founded": "founded"}


def _key_hash(key: str) -> int:
    return hash(key)


class _File:
    """One importer CSV file. Rows are written as they come, and only a 64-bit hash of each key is
    kept (8 bytes a row, not the key); when the file is done, rows whose hashes repeat are read
    back, and of those whose keys really are equal the later wins, as the Bolt writer's
    ``MERGE ... SET`` would."""

    def __init__(self, path: Path, header: str, key_column: int):
        self.path = path
        self.rows = 0
        self._key_column = key_column
        self._handle = open(path, "w", encoding="utf-8", newline="")
        self._handle.write(header + "\n")
        self._hashes = array("q")
        self._unique = 0

    def write(self, key: str, line: str) -> None:
        self._hashes.append(_key_hash(key))
        self._handle.write(line)
        self.rows += 1

    def append_table(self, table, pacsv) -> None:
        """Rows whose keys are known to be unique (no hash kept: nothing to look for at close)."""
        import io

        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer, write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        self._handle.flush()
        self._handle.buffer.write(buffer.getbuffer())
        self.rows += table.num_rows
        self._unique += table.num_rows

    def close(self) -> None:
        self._handle.close()
        if self._unique:  # a file of whole tables: their keys are unique already
            return
        hashes = np.frombuffer(self._hashes, dtype=np.int64) if self.rows else np.zeros(0, np.int64)
        self._hashes = array("q")
        order = np.argsort(hashes, kind="stable")
        same = hashes[order][1:] == hashes[order][:-1]
        if not same.any():
            return
        suspects = set(order[np.concatenate(([False], same)) | np.concatenate((same, [False]))].tolist())
        last_row_of_key = {}
        with open(self.path, encoding="utf-8", newline="") as source:
            source.readline()
            for number, line in enumerate(_csv_records(source)):
                if number in suspects:
                    last_row_of_key[next(csv.reader([line]))[self._key_column]] = number
        dropped = suspects - set(last_row_of_key.values())
        if not dropped:
            return
        kept = self.path.with_suffix(".kept")
        with open(self.path, encoding="utf-8", newline="") as source, \
                open(kept, "w", encoding="utf-8", newline="") as target:
            target.write(source.readline())
            for number, line in enumerate(_csv_records(source)):
                if number not in dropped:
                    target.write(line)
        kept.replace(self.path)
        self.rows -= len(dropped)


def _entity_columns(part, party: bool):
    """The importer's columns of entities of one kind: ``id``, then :data:`ENTITY_PROPS`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    aliases = part.column("aliases").to_pylist()
    for entity_id, names in zip(part.column("id").to_pylist(), aliases):
        if names and any(ARRAY_DELIMITER in alias for alias in names):
            raise StoreError(f"entity {entity_id!r}: an alias holds the control character U+001E, which the bulk "
                             "importer reads as a list separator; remove it, or load with equitygraph load")
    search = _search_texts(part.column("name"), aliases) if party else pa.nulls(part.num_rows, pa.string())
    columns = {
        "id": part.column("id"), "kind": part.column("kind"), "name": part.column("name"),
        "aliases": pa.array([ARRAY_DELIMITER.join(names) if names else None for names in aliases], pa.string()),
        "alias_text": pa.array([" | ".join(names) if names else None for names in aliases], pa.string()),
    }
    for name in ENTITY_PROPS[4:]:
        if name == "search_text":
            columns[name] = search
        elif name == "listed":
            columns[name] = pc.if_else(pc.fill_null(part.column("listed"), False), True, pa.scalar(None, pa.bool_()))
        else:
            columns[name] = part.column(name)
    return pa.table(columns)


def _search_texts(names, aliases: list):
    """Each party's :func:`search_text`, a name's forms made once however many parties bear it (a
    register repeats persons' names: 2.36 M persons bear 548,404 names in the million-company case)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(names.combine_chunks() if isinstance(names, pa.ChunkedArray) else names)
    texts = pa.array([search_text(name, ()) for name in encoded.dictionary.to_pylist()], pa.string())
    search = texts.take(encoded.indices)
    with_aliases = [row for row, names_of in enumerate(aliases) if names_of]
    if with_aliases:
        mask = np.zeros(len(aliases), dtype=bool)
        mask[with_aliases] = True
        by_row = names.take(pa.array(with_aliases)).to_pylist()
        search = pc.replace_with_mask(search, pa.array(mask), pa.array(
            [search_text(by_row[k], aliases[row]) for k, row in enumerate(with_aliases)], pa.string()))
    return search


def _csv_records(handle) -> Iterator[str]:
    """Whole CSV records of our own files: a physical line ends a record only outside quotes."""
    pending = ""
    for line in handle:
        pending += line
        if pending.count('"') % 2 == 0:
            yield pending
            pending = ""


class ImportFiles(Writer):
    """A writer that turns records into the importer's CSV files in ``folder``.

    After :meth:`close`, :attr:`nodes` and :attr:`relationships` list ``(label or type, path)`` for
    :meth:`Neo4jServer.import_database`, and :attr:`multiline` says whether a value spans lines.
    When the entities, holdings, officers and links came as tables (the events and relations may be
    records), :meth:`arrays` gives the whole-graph arrays the database will read back as.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.multiline = False
        self.count = 0
        self.nodes: list[tuple[str, Path]] = []
        self.relationships: list[tuple[str, Path]] = []
        self._files: dict[str, _File] = {}
        self._entities = {kind: self._file(label, "id:ID(Entity)", ENTITY_PROPS) for kind, label in cypher.LABELS.items()}
        relationship = ":START_ID(Entity),:END_ID(Entity),key"
        self._holdings = self._file("HOLDS", relationship, HOLDING_PROPS)
        self._officers = self._file("OFFICER_OF", relationship, OFFICER_PROPS)
        self._links = {kind: self._file(rel_type, relationship, ()) for kind, rel_type in cypher.LINK_TYPES.items()}
        self._events = self._file("Event", "id:ID(Event)", EVENT_PROPS)
        self._relations = self._file("RELATED", relationship, RELATION_PROPS)
        self._has_event = self._file("HAS_EVENT", ":START_ID(Entity),:END_ID(Event)", ())
        self._arrays: ArraysFromTables | None = ArraysFromTables(sorted_pieces=False)
        self._tables: set[str] = set()
        self._small: dict[str, list[tuple]] = {"events": [], "relations": []}
        self._facts: list = []  # the companies' facts, a table a piece

    def _file(self, name: str, id_columns: str, columns: tuple[str, ...]) -> _File:
        header = ",".join((id_columns, *(column + _TYPES.get(column, "") for column in columns)))
        key_column = 1 if name == "HAS_EVENT" else 2 if id_columns.startswith(":START_ID") else 0
        made = self._files[name] = _File(self.folder / f"{name}.csv", header, key_column)
        return made

    def add(self, record: Record) -> None:
        self.count += 1
        if self._arrays is not None:
            table, row = record_row(record)
            if table in self._small:
                self._small[table].append(row)
            else:  # the arrays are made from tables only
                self._arrays = None
        if isinstance(record, Holding):
            self._holdings.write(record.key, self._line((record.holder_id, record.company_id, record.key,
                                                         *holding_values(record))))
        elif isinstance(record, Entity):
            values = entity_values(record)
            if values[2] and any(ARRAY_DELIMITER in alias for alias in values[2]):
                raise StoreError(f"entity {record.id!r}: an alias holds the control character U+001E, which the "
                                 "bulk importer reads as a list separator; remove it, or load with equitygraph load")
            self._entities[record.kind].write(record.id, self._line((record.id, *values)))
        elif isinstance(record, Link):
            self._links[record.kind].write(record.key, self._line((record.src, record.dst, record.key)))
        elif isinstance(record, Officer):
            self._officers.write(record.key, self._line((record.person_id, record.company_id, record.key,
                                                         *officer_values(record))))
        elif isinstance(record, Relation):
            self._relations.write(record.key, self._line((record.a, record.b, record.key, *relation_values(record))))
        elif isinstance(record, RiskEvent):
            event_id = record.id
            self._events.write(event_id, self._line((event_id, *event_values(record))))
            self._has_event.write(event_id, self._line((record.entity_id, event_id)))
        else:
            raise TypeError(f"cannot store {type(record).__name__}")

    def add_table(self, name: str, table) -> None:
        """A table of :data:`..columns.SCHEMAS` (each key once), written with pyarrow's CSV writer:
        strings quoted, floats in their shortest form, as :meth:`_line` writes them."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from ..columns import SCHEMAS, natural_keys
        from ..model import LinkKind

        if table.schema != SCHEMAS[name]:
            raise ValueError(f"{name}: columns {table.schema.names} are not {SCHEMAS[name].names}")
        self.count += table.num_rows
        if self._arrays is not None:
            self._tables.add(name)
            try:
                getattr(self._arrays, name)(table)
            except Exception:  # the arrays are a convenience: the import goes on without them
                self._arrays = None
        if name == "entities":
            for kind, label_file in self._entities.items():
                part = table.filter(pc.equal(table.column("kind"), kind.value))
                if part.num_rows and kind is EntityKind.COMPANY:
                    self._facts.append(part.select(list(_FACT_COLUMNS.values())).rename_columns(list(_FACT_COLUMNS)))
                if part.num_rows:
                    self._write_table(label_file, _entity_columns(part, kind in (EntityKind.COMPANY, EntityKind.PERSON,
                                                                                  EntityKind.ORGANIZATION)))
        elif name == "holdings":
            self._write_table(self._holdings, table.select(["holder_id", "company_id", "key", *HOLDING_PROPS]))
        elif name == "officers":
            self._write_table(self._officers, table.select(["person_id", "company_id", "key", *OFFICER_PROPS]))
        elif name == "links":
            for kind, link_file in self._links.items():
                part = table.filter(pc.equal(table.column("kind"), LinkKind(kind).value))
                if part.num_rows:
                    keys = natural_keys(part.column("src"), part.column("dst"), part.column("kind"))
                    self._write_table(link_file, pa.table({"src": part.column("src"), "dst": part.column("dst"),
                                                           "key": keys}))

    def arrays(self):
        """The whole-graph arrays of what was written (see the class), else None."""
        if self._arrays is None or "entities" not in self._tables:
            return None
        self._arrays.small(self._small["events"], self._small["relations"])
        return self._arrays.arrays()

    def company_facts(self):
        """Every company's facts as :func:`.neo4j_arrays.keep_facts` keeps them, when the arrays are made
        (see the class), else None."""
        import pyarrow as pa

        if self._arrays is None or "entities" not in self._tables:
            return None
        schema = pa.schema([(name, ENTITY_SCHEMA.field(column).type) for name, column in _FACT_COLUMNS.items()])
        return neo4j_arrays.facts_table((pa.concat_tables(self._facts) if self._facts else schema.empty_table())
                                        .sort_by("id"))

    def _write_table(self, written: "_File", table) -> None:
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv

        for column in table.columns:
            if column.type == "string" and not self.multiline and (
                    pc.any(pc.match_substring(column, "\n")).as_py() or pc.any(pc.match_substring(column, "\r")).as_py()):
                self.multiline = True
        written.append_table(table, pacsv)

    def _line(self, values: tuple) -> str:
        cells = []
        for value in values:
            if value is None:
                cells.append("")
            elif type(value) is str:
                cells.append('"' + value.replace('"', '""') + '"')
            elif type(value) is float:
                cells.append(repr(value))  # the shortest text that reads back as the same float
            elif type(value) is dt.date:
                cells.append(value.isoformat())
            elif type(value) is int:
                cells.append(str(value))
            elif type(value) is bool:
                cells.append("true" if value else "false")
            elif type(value) is list:
                cells.append('"' + ARRAY_DELIMITER.join(value).replace('"', '""') + '"')
            else:
                raise TypeError(f"cannot write a {type(value).__name__} to the importer's files")
        line = ",".join(cells)
        if not self.multiline and ("\n" in line or "\r" in line):
            self.multiline = True
        return line + "\n"

    def close(self) -> None:
        for name, written in self._files.items():
            written.close()
            if name in cypher.LABELS.values():
                self.nodes.append((f"Entity:{name}", written.path))
            elif name == "Event":
                self.nodes.append(("Event", written.path))
            else:
                self.relationships.append((name, written.path))


@contextlib.contextmanager
def _scratch_folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="equitygraph-import-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bulk_import(server: Neo4jServer, records: Iterable[Record] = (), *, password: str | None = None,
                user: str | None = None, database: str = "neo4j", replace: bool = False,
                progress: bool = False, tables: Iterable[tuple[str, object]] = ()) -> Neo4jStore:
    """Make ``database`` of the running local ``server`` hold exactly ``records``, by the offline importer.

    ``tables`` are ``(name, table)`` pieces as :func:`..loaders.csv_columns.read_columns` gives them
    (``"records"`` pieces hold records). The records are written to the importer's files first, so bad input (the loader raises while
    they are read) leaves the database untouched. Unless ``replace``, the database must be empty.
    The server is stopped for the import and started again as it was; the returned store is open
    on it with the schema created and a new generation, its whole-graph arrays kept for it when the
    input came as tables (:func:`.neo4j_arrays.keep`).
    """
    settings = server.settings()
    if settings is None:
        raise StoreError(f"the Neo4j server in {server.home} is not running; start it first (equitygraph neo4j start)")
    server = Neo4jServer(server.home, port=settings["port"], lib=settings["lib"] or server.lib)  # as it runs
    if settings["auth"] and password is None:
        password = server.stored_password()
    if settings["auth"] and password is None:
        raise StoreError("the Neo4j server has authentication on; give its password (--password or NEO4J_PASSWORD)")
    with Neo4jStore(server.uri, user=user, password=password, database=database) as before:
        held = sum(before.counts().values())
    if held and not replace:
        raise StoreError(f"the Neo4j database {database!r} already holds {held:,} entities and relationships; "
                         "a bulk import replaces a whole database: add --replace, or use equitygraph load to add to it")
    with _scratch_folder() as folder:
        files = ImportFiles(folder)
        try:
            for name, piece in tables:
                if name == "records":
                    files.add_many(piece)
                else:
                    files.add_table(name, piece)
            files.add_many(records)
        finally:
            files.close()
        server.stop()
        try:
            if progress:
                print("importing with neo4j-admin (the server is stopped meanwhile) ...", file=sys.stderr, flush=True)
            server.import_database(files.nodes, files.relationships, database=database, multiline=files.multiline)
        finally:
            server.start(password=password if settings["auth"] else None, heap=settings["heap"],
                         pagecache=settings["pagecache"], http_port=settings["http_port"], auth=settings["auth"])
    if progress:
        print("creating the constraints and indexes ...", file=sys.stderr, flush=True)
    # Opening the store creates the constraints and indexes and waits until they are populated.
    store = Neo4jStore(server.uri, user=user, password=password, database=database, progress=progress)
    generation = store.new_generation()
    neo4j_results.note_written(store, ())  # a new database: no node holds a result
    # The first analysis need not read back what was just imported (the arrays and the company facts
    # are conveniences: made of the tables, or read from the server when missing).
    for made, keep in ((files.arrays, neo4j_arrays.keep), (files.company_facts, neo4j_arrays.keep_facts)):
        try:
            kept = made()
        except Exception:
            kept = None
        if kept is not None:
            keep(store, kept, generation)
    return store
