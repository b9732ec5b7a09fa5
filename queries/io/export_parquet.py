"""The graph as a folder of Apache Parquet tables, typed (shares as fractions, dates as dates), for
Spark, pandas, DuckDB and the like: ``entities``, ``holdings``, ``officers``, ``links``, ``events``,
``relations`` and, after ``analyze``, ``results`` (one row per company, a column per result written
back). Written in batches, so a large store is exported in bounded memory. Persons' ID numbers are
never exported: their salted hashes are."""

from __future__ import annotations

import json
from collections import Counter

from ...graph.errors import EquityGraphError
from ...graph.model import Entity, Holding, Link, Officer, Relation, RiskEvent
from ...graph.stores.base import Store
from .exporter import Exporter

BATCH = 100_000  # rows of a table held before they are written


def _schemas():
    import pyarrow as pa

    text, day, number = pa.string(), pa.date32(), pa.float64()
    return {
        "entities": pa.schema([("id", text), ("kind", text), ("name", text), ("aliases", pa.list_(text)),
                               ("reg_no", text), ("jurisdiction", text), ("status", text), ("founded", day),
                               ("registered_capital", number), ("paid_in_capital", number), ("currency", text),
                               ("industry", text), ("business_scope", text), ("disclosure_threshold", number),
                               ("listed", pa.bool_()), ("free_float", number), ("id_hash", text), ("birth_date", day)]),
        "holdings": pa.schema([("holder_id", text), ("company_id", text), ("share_low", number), ("share_high", number),
                               ("interest", text), ("since", day), ("until", day), ("source", text)]),
        "officers": pa.schema([("person_id", text), ("company_id", text), ("role", text), ("title", text),
                               ("since", day), ("until", day)]),
        "links": pa.schema([("src", text), ("dst", text), ("kind", text), ("since", day), ("until", day)]),
        "events": pa.schema([("id", text), ("entity_id", text), ("type", text), ("date", day), ("severity", pa.int8()),
                             ("text", text), ("source", text)]),
        "relations": pa.schema([("a_id", text), ("b_id", text), ("type", text), ("since", day), ("until", day),
                                ("source", text), ("share_low", number), ("share_high", number)]),
    }


def _share(share) -> tuple[float | None, float | None]:
    return (share.low, share.high) if share.is_known else (None, None)


def _row(record) -> tuple[str, dict]:
    """The table a record goes to and its row."""
    if isinstance(record, Entity):
        return "entities", {"id": record.id, "kind": record.kind.value, "name": record.name, "aliases": list(record.aliases),
                            "reg_no": record.reg_no, "jurisdiction": record.jurisdiction, "status": record.status,
                            "founded": record.founded, "registered_capital": record.registered_capital,
                            "paid_in_capital": record.paid_in_capital, "currency": record.currency,
                            "industry": record.industry, "business_scope": record.business_scope,
                            "disclosure_threshold": record.disclosure_threshold, "listed": record.listed,
                            "free_float": record.free_float, "id_hash": record.id_hash, "birth_date": record.birth_date}
    if isinstance(record, Holding):
        low, high = _share(record.share)
        return "holdings", {"holder_id": record.holder_id, "company_id": record.company_id, "share_low": low,
                            "share_high": high, "interest": record.interest.value, "since": record.since,
                            "until": record.until, "source": record.source}
    if isinstance(record, Officer):
        return "officers", {"person_id": record.person_id, "company_id": record.company_id, "role": record.role,
                            "title": record.title, "since": record.since, "until": record.until}
    if isinstance(record, Link):
        return "links", {"src": record.src, "dst": record.dst, "kind": record.kind.value, "since": record.since,
                         "until": record.until}
    if isinstance(record, RiskEvent):
        return "events", {"id": record.id, "entity_id": record.entity_id, "type": record.type.value, "date": record.date,
                          "severity": record.severity, "text": record.text, "source": record.source}
    if isinstance(record, Relation):
        low, high = _share(record.share)
        return "relations", {"a_id": record.a, "b_id": record.b, "type": record.type.value, "since": record.since,
                             "until": record.until, "source": record.source, "share_low": low, "share_high": high}
    raise EquityGraphError(f"cannot export a {type(record).__name__}")


class ParquetExporter(Exporter):
    """A folder of Parquet tables (see the module's description)."""

    def write(self, store: Store) -> Counter:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.path.is_symlink():
            raise EquityGraphError(f"{self.path} is a symbolic link: a folder is not written through one")
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        schemas = _schemas()
        for name in (*schemas, "results"):
            if (self.path / f"{name}.parquet").is_symlink():
                raise EquityGraphError(f"{self.path / name}.parquet is a symbolic link: not written through it")
        writers = {name: pq.ParquetWriter(self.path / f"{name}.parquet", schema) for name, schema in schemas.items()}
        pending: dict[str, list[dict]] = {name: [] for name in schemas}
        counts = Counter()
        try:
            for record in store.iter_records():
                name, row = _row(record)
                pending[name].append(row)
                counts[name] += 1
                if len(pending[name]) >= BATCH:
                    writers[name].write_table(pa.Table.from_pylist(pending[name], schemas[name]))
                    pending[name] = []
            for name, rows in pending.items():
                if rows:
                    writers[name].write_table(pa.Table.from_pylist(rows, schemas[name]))
        finally:
            for writer in writers.values():
                writer.close()
        counts["results"] = self._results(store)
        return +counts

    def _results(self, store: Store) -> int:
        """What ``analyze`` wrote (:func:`results_table`); none left from an earlier export when nothing is."""
        import pyarrow.parquet as pq

        table = results_table(store)
        if table is None:
            (self.path / "results.parquet").unlink(missing_ok=True)
            return 0
        pq.write_table(table, self.path / "results.parquet")
        return table.num_rows


def results_table(store: Store):
    """What ``analyze`` wrote, one row per entity that has any (a pyarrow table; None when the store
    was not analysed): scalars as they are, lists as JSON."""
    import pyarrow as pa

    from ..analyze import WRITTEN

    columns = {name: store.read_results(name) for name in WRITTEN}
    ids = sorted(set().union(*(c.keys() for c in columns.values())))
    if not ids:
        return None
    table = {"id": ids}
    for name, values in columns.items():
        cells = [values.get(i) for i in ids]
        if any(isinstance(c, (list, dict)) for c in cells):
            cells = [None if c is None else json.dumps(c, ensure_ascii=False) for c in cells]
        table[name] = cells
    return pa.table(table)
