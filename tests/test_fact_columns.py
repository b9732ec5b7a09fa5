"""The embedded store's company facts read as columns (ADBC): what reading its rows gives, whatever
the first rows leave empty, and the rows where the columns cannot be read."""

import datetime as dt

import numpy as np

from equitygraph.graph.model import Entity, EntityKind
from equitygraph.graph.stores.fact_columns import FactColumns, read_sqlite_facts
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.risk.facts import facts_of

#: More than the driver's first batch (1,024 rows), from which it takes each column's type.
EMPTY_FIRST = 1100


def companies() -> list[Entity]:
    """The first companies with nothing but a name; then scopes, capitals (0 and whole numbers among
    them) and founding dates; persons between."""
    made = [Entity(f"C{k:05d}", EntityKind.COMPANY, f"空壳{k}") for k in range(EMPTY_FIRST)]
    made += [Entity(f"C{k:05d}", EntityKind.COMPANY, f"Fund {k} Ltd", business_scope="投资咨询" if k % 2 else None,
                    registered_capital=[0.0, 5e6, 1234.5, None][k % 4], paid_in_capital=None if k % 3 else 100.0,
                    founded=dt.date(2000 + k % 20, 1 + k % 12, 1 + k % 28) if k % 5 else None)
             for k in range(EMPTY_FIRST, EMPTY_FIRST + 40)]
    return made + [Entity(f"P{k}", EntityKind.PERSON, f"王{k}") for k in range(5)]


class Rows:
    """A store that lists its company facts as rows only."""

    def __init__(self, store):
        self.store = store

    def company_facts(self):
        return self.store._company_fact_rows()


def test_the_columns_are_the_rows_when_the_first_rows_are_empty(tmp_path):
    folder = tmp_path / "folder with space #1?%"  # a file URI escapes each
    folder.mkdir()
    with SQLiteStore(folder / "s.db") as store:
        with store.writer() as w:
            w.add_many(companies())
        columns = store.company_facts()
        assert isinstance(columns, FactColumns)  # not the rows it falls back to
        rows = list(store._company_fact_rows())
        assert list(columns) == rows and len(rows) == EMPTY_FIRST + 40
        assert rows[0] == ("C00000", "空壳0", None, None, None, None)
        assert rows[EMPTY_FIRST + 1] == ("C01101", "Fund 1101 Ltd", "投资咨询", 5e6, 100.0, dt.date(2001, 10, 10))
        assert rows[EMPTY_FIRST + 3][2:] == ("投资咨询", None, None, dt.date(2003, 12, 12))
        assert rows[EMPTY_FIRST + 4][2:] == (None, 0.0, 100.0, dt.date(2004, 1, 13))
        arrays = store.export_arrays()
        read, walked = facts_of(store, arrays), facts_of(Rows(store), arrays)
        for name in ("registered", "paid_in", "founded"):
            assert np.array_equal(getattr(read, name), getattr(walked, name), equal_nan=True), name
        for name in ("names", "scopes"):
            a, b = getattr(read, name), getattr(walked, name)
            assert a.joined == b.joined and a.starts.tolist() == b.starts.tolist() and a.rows.tolist() == b.rows.tolist()
        assert np.isfinite(read.registered).sum() == 30 and (read.registered == 0).sum() == 10


def test_a_capital_kept_as_text_is_read_from_the_rows(tmp_path):
    path = tmp_path / "s.db"
    with SQLiteStore(path) as store:
        with store.writer() as w:
            w.add_many(companies())
        store._db.execute("UPDATE entities SET registered_capital = 'unknown' WHERE id = 'C01101'")
        assert read_sqlite_facts(str(path)) is None
        rows = list(store.company_facts())
        assert rows[EMPTY_FIRST + 1][3] == "unknown" and len(rows) == EMPTY_FIRST + 40


def test_a_store_without_companies_has_no_facts(tmp_path):
    with SQLiteStore(tmp_path / "s.db") as store:
        with store.writer() as w:
            w.add(Entity("P1", EntityKind.PERSON, "王伟"))
        assert isinstance(store.company_facts(), FactColumns) and list(store.company_facts()) == []
    with SQLiteStore(tmp_path / "new.db") as store:
        assert list(store.company_facts()) == []
