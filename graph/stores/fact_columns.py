"""The companies' facts the risk indicators read besides the graph (names, scopes, capital, founding
dates) as columns: what a Neo4j store keeps on disk (:mod:`.neo4j_arrays`) and what the embedded store
reads through ADBC (:func:`read_sqlite_facts`)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrays import OPEN_START


class FactColumns:
    """The company facts: rows as :meth:`~.base.Store.company_facts` gives them, or ``chunks`` of
    columns (what ``queries.risk.facts`` reads: at a million companies 1.4-1.8 s, through the rows 2.6-3.1 s)."""

    def __init__(self, table: pa.Table):
        self.table = table

    def __iter__(self) -> Iterator[tuple]:
        return zip(*(column.to_pylist() for column in self.table.columns))

    def chunks(self, size: int) -> Iterator[tuple]:
        """Ids, names and scopes as lists, the capitals as floats (nan where not given), the founding
        dates as day numbers since 1970 (``OPEN_START`` where not given)."""
        for piece in self.table.to_batches(size):
            capitals = [pc.fill_null(piece.column(name), np.nan).to_numpy(zero_copy_only=False)
                        for name in ("registered", "paid_in")]
            days = pc.fill_null(piece.column("founded").cast(pa.int32()).cast(pa.int64()), OPEN_START)
            yield (piece.column("id").to_pylist(), piece.column("name").to_pylist(), piece.column("scope").to_pylist(),
                   *capitals, days.to_numpy())


def facts_table(table: pa.Table) -> pa.Table:
    """Company facts ``id, name, scope, registered, paid_in, founded`` (founded as ISO text) as they are
    kept: the founding dates as dates."""
    return table.set_column(5, "founded", pc.cast(table.column("founded"), pa.date32()))


#: Every company's facts in id order, each column of one type in every row: the driver takes a column's
#: type from the first rows it reads (NULL there reads as an integer, and a text or a number after it
#: fails), so missing texts are '' and unknown capitals +inf (9e999), each made null again after.
_SQLITE_FACTS = ("SELECT id, name, IFNULL(business_scope, ''), IFNULL(registered_capital, 9e999), "
                 "IFNULL(paid_in_capital, 9e999), IFNULL(founded, '') FROM entities WHERE kind = 'company' ORDER BY id")
_SCHEMA = pa.schema([("id", pa.string()), ("name", pa.string()), ("scope", pa.string()), ("registered", pa.float64()),
                     ("paid_in", pa.float64()), ("founded", pa.string())])


def read_sqlite_facts(path: str) -> FactColumns | None:
    """The company facts of the embedded store at ``path``, read as columns (at a million companies 1.0 s,
    and 2.5 s into the indicators' facts against 4.6 s through rows), or None where the driver cannot
    (a capital kept as text, a date not in ISO form): the caller reads the rows then."""
    import adbc_driver_manager
    import adbc_driver_sqlite.dbapi as adbc

    try:
        with adbc.connect(Path(path).resolve().as_uri() + "?mode=ro") as connection, connection.cursor() as cursor:
            cursor.execute(_SQLITE_FACTS)
            read = cursor.fetch_arrow_table()
        table = pa.Table.from_arrays(read.columns, schema=_SCHEMA) if read.num_rows else _SCHEMA.empty_table()
        for k, name in ((2, "scope"), (5, "founded")):
            column = table.column(name)
            table = table.set_column(k, name, pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column))
        for k, name in ((3, "registered"), (4, "paid_in")):
            column = table.column(name)
            table = table.set_column(k, name, pc.if_else(pc.is_inf(column), pa.scalar(None, pa.float64()), column))
        return FactColumns(facts_table(table))
    except (adbc_driver_manager.Error, OSError, pa.ArrowException):  # a date not in ISO form, too
        return None
