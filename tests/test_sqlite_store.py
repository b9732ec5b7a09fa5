"""What only the embedded store does: its file, its environment variable, its refusals."""

import datetime as dt
import sqlite3

import pytest

from equitygraph.graph.errors import StoreError
from equitygraph.graph.model import Entity, EntityKind
from equitygraph.graph.stores.sqlite import SQLiteStore, default_path


def test_default_path_follows_the_environment(monkeypatch):
    monkeypatch.delenv("EQUITYGRAPH_DB", raising=False)
    assert str(default_path()) == "equitygraph.db"
    monkeypatch.setenv("EQUITYGRAPH_DB", "/data/case.db")
    assert str(default_path()) == "/data/case.db"



def test_a_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="is a SQLite file, but not an equitygraph database"):
        SQLiteStore(path)



def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("hello " * 200)
    with pytest.raises(StoreError, match="cannot open as an equitygraph database"):
        SQLiteStore(path)



def test_reopening_keeps_everything(tmp_path):
    path = tmp_path / "k.db"
    with SQLiteStore(path) as s:
        with s.writer() as w:
            w.add(Entity("A", EntityKind.COMPANY, "甲公司", aliases=("Jia Co",), founded=dt.date(2001, 2, 3), registered_capital=5e6))
        s.write_results("x", {"A": [1, 2]})
    with SQLiteStore(path) as s:
        a = s.get("A")
        assert (a.name, a.aliases, a.founded, a.registered_capital) == ("甲公司", ("Jia Co",), dt.date(2001, 2, 3), 5e6)
        assert s.read_results("x") == {"A": [1, 2]}

