"""Computed results in the embedded store: an analysis as tables of columns, single result sets as rows."""

from __future__ import annotations

import itertools
import json
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from ..errors import StoreError
from .base import check_result_name
from .result_columns import LazyColumn, ResultColumn, check_page, check_top
from . import sqlite_analysis_files as analysis_files
from .sqlite_rows import IN_CHUNK, chunks


class StoredResults:
    """The results half of :class:`~.sqlite.SQLiteStore` (its ``_db``, ``_transaction`` and meta)."""

    def entities_with_result(self, name: str, value: Any) -> list[str]:
        check_result_name(name)
        layout = self._layout()
        if name in layout["table_of"]:
            wanted = encode(value) if name in layout["json"] else value
            table, column = where(layout, name)
            return [r[0] for r in self._db.execute(
                f'SELECT entity_id FROM {table} WHERE {column} = ? ORDER BY entity_id', (wanted,))]
        encoded = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return [r[0] for r in self._db.execute(
            "SELECT entity_id FROM results WHERE name = ? AND value = ? ORDER BY entity_id", (name, encoded))]


    # -- computed results -------------------------------------------------------------------
    def write_results(self, name: str, values: Mapping[str, Any], whole: bool = True) -> None:
        check_result_name(name)
        if not whole and name in self._layout()["table_of"]:  # a column of an analysis table moves out whole
            values, whole = {**self.read_results(name), **values}, True
        rows = ((name, entity_id, json.dumps(value, ensure_ascii=False, sort_keys=True), entity_id)
                for entity_id, value in values.items())
        with self._transaction("write results"):
            layout = self._layout()
            if name in layout["table_of"]:  # a name lives in one place: it leaves the analysis (its file unchanged)
                del layout["table_of"][name]
                self._set_layout(layout["table_of"], layout["json"] - {name}, layout["column_of"], layout["files"])
            if whole:
                self._db.execute("DELETE FROM results WHERE name = ?", (name,))
            else:
                self._db.executemany("DELETE FROM results WHERE name = ? AND entity_id = ?",
                                     [(name, entity_id) for entity_id in values])
            self._db.executemany(
                "INSERT INTO results SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM entities WHERE id = ?)", rows)

    def write_analysis(self, results: Mapping[str, Mapping[str, Any]], ids_known: bool = False,
                       previous: Iterable[str] = (), meta: Mapping[str, str] | Callable | None = None,
                       apart: Iterable[tuple[str, dict[str, str], set[str]]] | Callable = ()) -> None:
        """Every result set of an analysis at once, replacing the previous analysis: written into a
        file of its own (:mod:`.sqlite_analysis_files`), a table per family of result sets over the
        same entities (the companies; the parties in clusters), a row per entity and a column per
        result, in key order, its look-up indexes built after. Result sets given as
        :class:`ResultColumn` over one ``ids`` list are one family without a dict between.
        ``ids_known`` skips dropping ids not in the store. Each name of ``previous`` the last analysis
        wrote is read as ``previous_<name>`` from the last analysis's file where it lies (millions of
        cluster members at a million companies: neither read into Python nor copied). ``meta`` is set
        in the transaction that names the new analysis: both land, or neither. ``apart``: result sets of
        this analysis already written into files of their own (:func:`write_apart`, in another process:
        each ``(token, name -> table, names held as JSON)``), named by the same commit (deleted, if it
        fails, with the new file). ``apart`` and ``meta`` may be functions, called once this analysis's
        own tables are written: an analysis waits there for what another process writes."""
        landed: list = []  # the files written apart, once known

        def named_apart() -> list:
            landed.extend(apart() if callable(apart) else apart)
            # Under the write lock, no other analysis is writing: files no layout names are left by one
            # that stopped half-way (not this one's, nor those written apart for it).
            analysis_files.remove_unnamed(self.path, set(old["files"].values()) | {new[1]} | {t for t, _, _ in landed})
            for token, _, _ in landed:
                if not analysis_files.file_of(self.path, token).is_file():  # another analysis's cleaning
                    raise StoreError(f"{analysis_files.file_of(self.path, token)}: results written apart for "
                                     "this analysis are gone (another analysis of the store at the same "
                                     "time?); run equitygraph analyze again")
            return landed

        new = None
        try:
            with self._transaction("write results"):
                old = self._layout()  # inside the write lock: no other analysis lands meanwhile
                new = analysis_files.create(self._db, self.path)
                files = self._write_analysis(old, new, results, ids_known, previous, named_apart)
                for key, value in ((meta() if callable(meta) else meta) or {}).items():
                    self.set_meta(key, value)
        except BaseException:  # not committed: the store still names the last analysis only
            analysis_files.remove(self._db, self.path, {**({new[0]: new[1]} if new else {}),
                                                        **{analysis_files.schema_of(t): t for t, _, _ in landed}})
            raise
        analysis_files.remove(self._db, self.path, {s: t for s, t in old["files"].items() if s not in files})

    def _write_analysis(self, old: dict, new: tuple[str, str], results, ids_known: bool, previous: Iterable[str],
                        named_apart) -> dict:
        """The tables of the analysis into the new file ``new`` (schema, token), and the layout that
        names it and the files written apart (``named_apart()``, once its own tables are written): the
        analysis files it reads (schema -> token)."""
        carried = [name for name in previous if name in old["table_of"]]
        results = {**results, **{f"previous_{name}": self.read_results(name) for name in previous if name not in carried}}
        for name in [*results, *(f"previous_{name}" for name in carried)]:
            check_result_name(name)
        json_names = {n for n, values in results.items() if _holds_json(values)}
        json_names |= {f"previous_{name}" for name in carried if name in old["json"]}
        families = result_families(results)
        db = self._db
        schema, token = new
        table_of = {f"previous_{name}": old["table_of"][name] for name in carried}
        column_of = {f"previous_{name}": old["column_of"].get(name, name) for name in carried}
        for number, (ids, members, columns) in enumerate(families, 1):
            table = f"analysis_{number}"
            _write_family(db, schema, table, ids, members, columns, json_names)
            table_of.update(dict.fromkeys(members, f"{schema}.{table}"))
            if not ids_known:
                db.execute(f"DELETE FROM {schema}.{table} WHERE NOT EXISTS (SELECT 1 FROM main.entities WHERE id = entity_id)")
        apart = named_apart()
        for apart_token, tables, written_json in apart:  # written in files of their own (write_apart), ids known
            table_of.update({name: f"{analysis_files.schema_of(apart_token)}.{table}" for name, table in tables.items()})
            json_names |= written_json
        stale = sorted(set(table_of) | set(old["table_of"]))
        if stale:
            db.execute(f"DELETE FROM results WHERE name IN ({','.join('?' * len(stale))})", stale)
        if any("." not in table for table in old["table_of"].values()) and \
                not any("." not in table for table in table_of.values()):
            # An analysis written before analyses had files of their own: its tables leave the store.
            for (table,) in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' "
                                       "AND name LIKE 'analysis!_%' ESCAPE '!'").fetchall():
                db.execute(f"DROP TABLE main.{table}")
        named = {table.split(".")[0] for table in table_of.values() if "." in table}
        files = {s: t for s, t in {**old["files"], schema: token, **{analysis_files.schema_of(a[0]): a[0] for a in apart}}.items()
                 if s in named}
        self._set_layout(table_of, json_names, column_of, files)
        return files

    def _layout(self) -> dict:
        """Where each result of the last analysis is kept (name -> ``schema.table``, and the column
        where it is not the name), which hold JSON, and the analysis files the tables are in
        (schema -> token; attached here when not yet). A table without a schema is in the store
        itself (an analysis written before analyses had files of their own)."""
        for attempt in (1, 2):
            found = self.get_meta("analysis_layout")
            data = json.loads(found) if found else {}
            layout = {"table_of": data.get("table_of", {}), "column_of": data.get("column_of", {}),
                      "json": set(data.get("json", [])), "files": data.get("files", {})}
            try:
                analysis_files.attach(self._db, self.path, layout["files"])
                return layout
            except StoreError:
                # An analysis landed between reading the layout and attaching the files it named
                # (the one before last is deleted then): the new layout names files that are there.
                if attempt == 2 or self.get_meta("analysis_layout") == found:
                    raise
        raise AssertionError("unreachable")

    def _set_layout(self, table_of: dict[str, str], json_names: set[str], column_of: dict[str, str],
                    files: dict[str, str]) -> None:
        self.set_meta("analysis_layout", json.dumps({
            "table_of": table_of, "column_of": {n: c for n, c in column_of.items() if n in table_of},
            "json": sorted(json_names), "files": files}))

    def read_results(self, name: str) -> dict[str, Any]:
        layout = self._layout()
        if check_result_name(name) in layout["table_of"]:
            table, column = where(layout, name)
            rows = self._db.execute(f'SELECT entity_id, {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY entity_id')
            return {entity_id: decoded(name, value, layout) for entity_id, value in rows}
        rows = self._db.execute("SELECT entity_id, value FROM results WHERE name = ? ORDER BY entity_id", (name,))
        return {entity_id: json.loads(value) for entity_id, value in rows}

    def ids_in_order_of(self, name: str, start: int = 0, count: int | None = None) -> list[str]:
        layout = self._layout()
        if check_result_name(name) not in layout["table_of"] or name in layout["json"]:  # JSON text does not sort as its values do
            return super().ids_in_order_of(name, start, count)
        check_page(start, count)
        table, column = where(layout, name)
        # A looked-up result's partial index holds (value, entity_id) in this order: a page is a walk
        # along it, no sort; another column is sorted in SQLite, the top start + count rows kept.
        return [r[0] for r in self._db.execute(
            f'SELECT entity_id FROM {table} WHERE {column} IS NOT NULL ORDER BY {column}, entity_id LIMIT ? OFFSET ?',
            (-1 if count is None else count, start))]

    def commonest_results(self, name: str, top: int) -> tuple[dict[Any, int], int]:
        layout = self._layout()
        if check_result_name(name) not in layout["table_of"] or name in layout["json"]:
            return super().commonest_results(name, top)
        check_top(top)
        table, column = where(layout, name)
        # Counted inside SQLite (along the value's index where it has one): tens of millions of
        # cluster members never become Python objects.
        rows = self._db.execute(
            f'WITH counts AS MATERIALIZED (SELECT {column} AS value, COUNT(*) AS n FROM {table} '
            f'WHERE {column} IS NOT NULL GROUP BY {column}) '
            "SELECT value, n, (SELECT COUNT(*) FROM counts) FROM counts "
            "WHERE ? > 0 AND n >= COALESCE((SELECT n FROM counts ORDER BY n DESC LIMIT 1 OFFSET ?), 0)",
            (top, max(top - 1, 0))).fetchall()
        if rows:
            return {value: n for value, n, _total in rows}, rows[0][2]
        return {}, self._db.execute(f'SELECT COUNT(DISTINCT {column}) FROM {table}').fetchone()[0]

    def results_of(self, name: str, ids: Iterable[str]) -> dict[str, Any]:
        check_result_name(name)
        layout = self._layout()
        table, column = where(layout, name) if name in layout["table_of"] else (None, None)
        found = {}
        for chunk in chunks(list(dict.fromkeys(ids)), IN_CHUNK):
            marks = ",".join("?" * len(chunk))
            if table is not None:
                for entity_id, value in self._db.execute(
                        f'SELECT entity_id, {column} FROM {table} WHERE entity_id IN ({marks}) AND {column} IS NOT NULL',
                        chunk):
                    found[entity_id] = decoded(name, value, layout)
                continue
            for entity_id, value in self._db.execute(
                    f"SELECT entity_id, value FROM results WHERE name = ? AND entity_id IN ({marks})", [name, *chunk]):
                found[entity_id] = json.loads(value)
        return found

    def results_for(self, entity_id: str) -> dict[str, Any]:
        rows = self._db.execute("SELECT name, value FROM results WHERE entity_id = ? ORDER BY name", (entity_id,))
        found = {name: json.loads(value) for name, value in rows}
        layout = self._layout()
        names_in: dict[str, dict[str, str]] = {}  # table -> column -> result name
        for name, table in layout["table_of"].items():
            names_in.setdefault(table, {})[layout["column_of"].get(name, name)] = name
        for table, names in sorted(names_in.items()):
            cursor = self._db.execute(f"SELECT * FROM {table} WHERE entity_id = ?", (entity_id,))
            row = cursor.fetchone()
            if row is not None:
                for (column, *_), value in zip(cursor.description[1:], row[1:]):
                    if value is not None and column in names:
                        found[names[column]] = decoded(names[column], value, layout)
        return dict(sorted(found.items()))


#: Results looked up by value (a controller's companies, a group, a cluster, a tier) or read in their
#: order (the warning list's ranks): indexed.
LOOKED_UP_RESULTS = {"controller", "controller_partner", "direct_controller", "direct_partner", "controlling_parent",
                     "group", "cluster", "risk_tier", "risk_rank", "cluster_rank"}


def _holds_json(values: Mapping[str, Any]) -> bool:
    """Whether a result set holds lists or dicts (kept as JSON text): a :class:`LazyColumn` says so,
    other sets are looked at."""
    if isinstance(values, ResultColumn) and isinstance(values.values, LazyColumn):
        return not values.values.scalars
    return bool(set(map(type, values.values if isinstance(values, ResultColumn) else values.values())) - _SCALARS)


_SCALARS = {str, int, float, type(None)}


def encode(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def result_families(results: Mapping[str, Mapping[str, Any]]) -> list[tuple[list[str], list[str], list[list]]]:
    """The result sets grouped into tables: ``(ids, names, columns)`` each, ids sorted, a column per
    name aligned to them, and no row empty in every column. A column over one ids list that fewer than
    half of that list's written rows fill (a partner, a reason, a cluster's figures at its first member)
    is a table over its filled rows, with the sparse columns filled at the same rows: an empty cell costs
    as much to write as a value."""
    families: list[tuple[list[str], list[str], list[list]]] = []
    by_ids: dict[int, tuple[list[str], list[str], list[list]]] = {}
    for name, values in results.items():  # columns over one ids list: one family, as given
        if isinstance(values, ResultColumn):
            family = by_ids.setdefault(id(values.ids), (values.ids, [], []))
            family[1].append(name)
            family[2].append(values.values)
    for ids, names, columns in by_ids.values():
        filled = [_filled(column) for column in columns]  # a mark per row, not ten million objects per column
        rows = int(np.logical_or.reduce(filled).sum())
        dense = [k for k, marks in enumerate(filled) if 2 * int(marks.sum()) >= rows]
        sparse: list[list[int]] = []  # the sparse columns filled at the same rows together
        for k in sorted(set(range(len(columns))) - set(dense)):
            alike = next((part for part in sparse if np.array_equal(filled[part[0]], filled[k])), None)
            if alike is None:
                sparse.append([k])
            else:
                alike.append(k)
        for part in ([dense] if dense else []) + sparse:
            keep = np.flatnonzero(np.logical_or.reduce([filled[k] for k in part]))
            if len(keep) == len(ids):
                families.append((ids, [names[k] for k in part], [columns[k] for k in part]))
            elif len(keep):
                families.append(([ids[k] for k in keep.tolist()], [names[k] for k in part],
                                 [_taken(columns[k], keep) for k in part]))
    grouped: list[tuple[set, list[str]]] = []
    mappings = sorted((n for n, v in results.items() if not isinstance(v, ResultColumn)), key=lambda n: -len(results[n]))
    for name in mappings:
        keys = results[name].keys()
        # A set joins a family it is part of and fills at least half of: few empty cells to write.
        family = next((f for f in grouped if 2 * len(keys) >= len(f[0]) and keys <= f[0]), None)
        if family is None:
            grouped.append((set(keys), [name]))
        else:
            family[1].append(name)
    for keys, names in grouped:
        ids = sorted(keys)
        position = {entity_id: k for k, entity_id in enumerate(ids)}
        columns = []
        for name in names:
            column = [None] * len(ids)
            for entity_id, value in results[name].items():
                column[position[entity_id]] = value
            columns.append(column)
        families.append((ids, names, columns))
    return families


def _filled(column) -> np.ndarray:
    if isinstance(column, LazyColumn):
        return column.has_value()
    return np.not_equal(np.fromiter(column, dtype=object, count=len(column)), None)  # lists stay elements


def _taken(column, rows: np.ndarray):
    if isinstance(column, LazyColumn):
        return column.take(rows)
    return np.fromiter(column, dtype=object, count=len(column))[rows].tolist()


def write_apart(store_path: str, results: Mapping[str, ResultColumn], token: str | None = None
                ) -> tuple[str, dict[str, str], set[str]]:
    """Result sets of an analysis written into a new analysis file of their own (named by ``token``
    where given), through a connection of their own (another process may write the rest meanwhile),
    for ``write_analysis(..., apart=[...])`` to name: ``(token, name -> table, names held as JSON)``.
    Their ids must be in the store."""
    json_names = {n for n, values in results.items() if _holds_json(values)}
    db, (schema, token) = analysis_files.create_apart(store_path, token)
    tables = {}
    try:
        db.execute("BEGIN")
        for number, (ids, members, columns) in enumerate(result_families(results), 1):
            _write_family(db, schema, f"analysis_{number}", ids, members, columns, json_names)
            tables.update(dict.fromkeys(members, f"analysis_{number}"))
        db.execute("COMMIT")
    except BaseException:
        db.close()
        analysis_files.file_of(store_path, token).unlink(missing_ok=True)
        raise
    db.close()
    return token, tables, json_names


def _write_family(db, schema: str, table: str, ids: list[str], members: list[str], columns: list, json_names: set[str]):
    """One family of result sets as the table ``schema.table``: a row per id, a column per set, and the
    look-up indexes of those looked up by value."""
    quoted = "".join(f', "{n}"' for n in members)
    db.execute(f"CREATE TABLE {schema}.{table} (entity_id TEXT PRIMARY KEY{quoted}) WITHOUT ROWID")
    db.executemany(f"INSERT INTO {schema}.{table} (entity_id{quoted}) VALUES ({','.join('?' * (len(members) + 1))})",
                   _rows(ids, [(column, name in json_names) for name, column in zip(members, columns)]))
    for name in members:
        if name in LOOKED_UP_RESULTS:  # partial: most companies have no partner, group or tier
            db.execute(f'CREATE INDEX {schema}.{table}_{name} ON {table} ("{name}") WHERE "{name}" IS NOT NULL')


def _rows(ids: list[str], columns: list[tuple[Sequence, bool]]) -> Iterator[tuple]:
    """The rows of a family's table, made a chunk of every column at a time (a lazy column's values a
    list at once, not a generator step each: 37 million of them at a million companies); a column
    flagged True is encoded as JSON."""
    chunk = LazyColumn.CHUNK

    def chunks_of_rows():
        for start in range(0, len(ids), chunk):
            stop = min(start + chunk, len(ids))
            parts = [column[start:stop] for column, _ in columns]
            yield zip(ids[start:stop], *([None if v is None else encode(v) for v in part] if as_json else part
                                         for part, (_, as_json) in zip(parts, columns)))
    return itertools.chain.from_iterable(chunks_of_rows())


def where(layout: dict, name: str) -> tuple[str, str]:
    """The table that holds the analysis's result ``name`` and its column, quoted."""
    return layout["table_of"][name], '"%s"' % layout["column_of"].get(name, name)


def decoded(name: str, value, layout: dict):
    return json.loads(value) if name in layout["json"] else value
