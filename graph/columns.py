"""The graph as columns: what a bulk load hands a store instead of one record at a time.

The same facts as the records a loader yields (see :mod:`.model`), column by column in pyarrow
tables, so that a store can write millions of them without a Python object per fact: dates are ISO
strings, shares their low and high ends, keys the records' natural keys, each key once per table.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

ENTITY_SCHEMA = pa.schema([
    ("id", pa.string()), ("kind", pa.string()), ("name", pa.string()), ("aliases", pa.list_(pa.string())),
    ("reg_no", pa.string()), ("jurisdiction", pa.string()), ("status", pa.string()), ("founded", pa.string()),
    ("registered_capital", pa.float64()), ("paid_in_capital", pa.float64()), ("currency", pa.string()),
    ("industry", pa.string()), ("business_scope", pa.string()), ("disclosure_threshold", pa.float64()),
    ("listed", pa.bool_()), ("free_float", pa.float64()), ("id_hash", pa.string()), ("id_number", pa.string()),
    ("birth_date", pa.string()), ("identity", pa.string()),
])
HOLDING_SCHEMA = pa.schema([
    ("key", pa.string()), ("holder_id", pa.string()), ("company_id", pa.string()), ("share_low", pa.float64()),
    ("share_high", pa.float64()), ("interest", pa.string()), ("since", pa.string()), ("until", pa.string()),
    ("source", pa.string()),
])
OFFICER_SCHEMA = pa.schema([
    ("key", pa.string()), ("person_id", pa.string()), ("company_id", pa.string()), ("role", pa.string()),
    ("since", pa.string()), ("until", pa.string()), ("title", pa.string()),
])
LINK_SCHEMA = pa.schema([("src", pa.string()), ("dst", pa.string()), ("kind", pa.string())])

#: The tables a bulk load hands a store, by name.
SCHEMAS = {"entities": ENTITY_SCHEMA, "holdings": HOLDING_SCHEMA, "officers": OFFICER_SCHEMA, "links": LINK_SCHEMA}
_LAST_PIECE = b"equitygraph:last piece"


def last_piece(table: pa.Table) -> pa.Table:
    """``table`` marked as the last piece of its table (in its schema's metadata, which schema
    comparisons leave aside): a store may finish the table once it is written (build its indexes).

    Examples
    --------
    >>> is_last_piece(last_piece(pa.table({"a": [1]}))), is_last_piece(pa.table({"a": [1]}))
    (True, False)
    """
    return table.replace_schema_metadata({**(table.schema.metadata or {}), _LAST_PIECE: b"1"})


def is_last_piece(table: pa.Table) -> bool:
    return bool(table.schema.metadata and table.schema.metadata.get(_LAST_PIECE))


def natural_keys(*parts) -> pa.Array:
    """:func:`.model.natural_key` of each row of the columns ``parts`` (a null part counts as empty):
    ``\\`` and ``|`` in each part escaped, the parts joined with ``|``.

    Examples
    --------
    >>> natural_keys(pa.array(["A|B", "P1"]), pa.array(["C", None])).to_pylist()
    ['A\\\\|B|C', 'P1|']
    """
    escaped = [pc.replace_substring(pc.replace_substring(pc.fill_null(part, ""), "\\", "\\\\"), "|", "\\|")
               for part in parts]
    return pc.binary_join_element_wise(*escaped, "|")


def records_of(name: str, table: pa.Table) -> list:
    """The records of one of the tables of :data:`SCHEMAS` (what a reconciling load compares),
    built column by column.

    Examples
    --------
    >>> table = pa.table({"key": ["P|C|shareholding|"], "holder_id": ["P"], "company_id": ["C"], "share_low": [0.5],
    ...                   "share_high": [0.5], "interest": ["shareholding"], "since": ["2020-01-01"], "until": [None],
    ...                   "source": [None]}, schema=HOLDING_SCHEMA)
    >>> records_of("holdings", table)
    [Holding(holder_id='P', company_id='C', share=Share(low=0.5, high=0.5), interest=<Interest.SHAREHOLDING: 'shareholding'>, since=datetime.date(2020, 1, 1), until=None, source=None)]
    """
    import datetime as dt

    from .model import Entity, EntityKind, Holding, Interest, Link, LinkKind, Officer, Share

    def col(column: str) -> list:
        return table.column(column).to_pylist()

    dates: dict = {None: None}  # each distinct day parsed once: registers repeat their dates

    def days(column: str) -> list:
        return [dates[v] if v in dates else dates.setdefault(v, dt.date.fromisoformat(v)) for v in col(column)]

    def coded(column: str, enum) -> list:
        members = {m.value: m for m in enum}
        return [members[v] for v in col(column)]

    if name == "holdings":
        shares: dict = {(None, None): Share.unknown()}  # frozen: one object per distinct share
        return [Holding(h, c, shares[low, high] if (low, high) in shares else shares.setdefault((low, high),
                                                                                                Share(low, high)),
                        i, s, u, src)
                for h, c, low, high, i, s, u, src in zip(col("holder_id"), col("company_id"), col("share_low"),
                                                         col("share_high"), coded("interest", Interest), days("since"),
                                                         days("until"), col("source"))]
    if name == "officers":
        return [Officer(p, c, r, s, u, t) for p, c, r, s, u, t in zip(col("person_id"), col("company_id"), col("role"),
                                                                      days("since"), days("until"), col("title"))]
    if name == "links":
        return [Link(s, d, k) for s, d, k in zip(col("src"), col("dst"), coded("kind", LinkKind))]
    if name == "entities":
        fields = [f for f in ENTITY_SCHEMA.names if f != "identity"]
        values = {f: (days(f) if f in ("founded", "birth_date") else col(f)) for f in fields}
        values["kind"] = coded("kind", EntityKind)
        values["aliases"] = [tuple(a) if a else () for a in values["aliases"]]
        values["listed"] = [bool(v) for v in values["listed"]]
        return [Entity(*row) for row in zip(*(values[f] for f in fields))]
    raise ValueError(f"no table {name!r}; one of {', '.join(SCHEMAS)}")
