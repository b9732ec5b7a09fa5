"""Computed results in the embedded store: an analysis as tables of columns, single result sets as rows."""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

import numpy as np

from .base import check_result_name
from .result_columns import LazyColumn, ResultColumn, check_page, check_top
from .sqlite_rows import IN_CHUNK, chunks


class StoredResults:
    """The results half of :class:`~.sqlite.SQLiteStore` (its ``_db``, ``_transaction`` and meta)."""

    def entities_with_result(self, name: str, value: Any) -> list[str]:
        check_result_name(name)
        layout = self._layout()
        if name in layout["table_of"]:
            wanted = encode(value) if name in layout["json"] else value
            return [r[0] for r in self._db.execute(
                f'SELECT entity_id FROM {layout["table_of"][name]} WHERE "{name}" = ? ORDER BY entity_id', (wanted,))]
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
            if name in layout["table_of"]:  # a name lives in one place: it leaves the analysis tables
                self._db.execute(f'UPDATE {layout["table_of"][name]} SET "{name}" = NULL')
                del layout["table_of"][name]
                self._set_layout(layout["table_of"], layout["json"] - {name})
            if whole:
                self._db.execute("DELETE FROM results WHERE name = ?", (name,))
            else:
                self._db.executemany("DELETE FROM results WHERE name = ? AND entity_id = ?",
                                     [(name, entity_id) for entity_id in values])
            self._db.executemany(
                "INSERT INTO results SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM entities WHERE id = ?)", rows)

    def write_analysis(self, results: Mapping[str, Mapping[str, Any]], ids_known: bool = False,
                       previous: Iterable[str] = ()) -> None:
        """Every result set of an analysis at once, replacing the previous analysis: a table per
        family of result sets over the same entities (the companies; the parties in clusters), a
        row per entity and a column per result, written in key order, its look-up indexes built
        after. Result sets given as :class:`ResultColumn` over one ``ids`` list are one family
        without a dict between. ``ids_known`` skips dropping ids not in the store. The names of
        ``previous`` that the last analysis wrote are copied inside the database as ``previous_<name>``
        (millions of cluster members at a million companies: never read into Python)."""
        old = self._layout()
        copied = [name for name in previous if name in old["table_of"]]
        results = {**results, **{f"previous_{name}": self.read_results(name) for name in previous if name not in copied}}
        for name in [*results, *(f"previous_{name}" for name in copied)]:
            check_result_name(name)
        json_names = {n for n, values in results.items() if _holds_json(values)}
        json_names |= {f"previous_{name}" for name in copied if name in old["json"]}
        families = result_families(results)
        with self._transaction("write results"):
            db = self._db
            for number, name in enumerate(copied, 1):  # before the tables they are copied from go
                db.execute(f"DROP TABLE IF EXISTS analysis_carried_{number}")
                db.execute(f'CREATE TABLE analysis_carried_{number} (entity_id TEXT PRIMARY KEY, "previous_{name}") '
                           "WITHOUT ROWID")
                db.execute(f'INSERT INTO analysis_carried_{number} SELECT entity_id, "{name}" FROM '
                           f'{old["table_of"][name]} WHERE "{name}" IS NOT NULL')
            # Every table of the last analysis, also one whose results were all set apart since (write_results).
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'analysis!_%' "
                                       "ESCAPE '!' AND name NOT LIKE 'analysis!_carried!_%' ESCAPE '!'").fetchall():
                db.execute(f"DROP TABLE {table}")
            table_of = {}
            for number, name in enumerate(copied, 1):
                db.execute(f"ALTER TABLE analysis_carried_{number} RENAME TO analysis_previous_{number}")
                table_of[f"previous_{name}"] = f"analysis_previous_{number}"
            for number, (ids, members, columns) in enumerate(families, 1):
                table = f"analysis_{number}"
                columns = [(encode(v) if v is not None else None for v in column) if name in json_names else column
                           for name, column in zip(members, columns)]  # encoded row by row as they are written
                quoted = "".join(f', "{n}"' for n in members)
                db.execute(f"CREATE TABLE {table} (entity_id TEXT PRIMARY KEY{quoted}) WITHOUT ROWID")
                db.executemany(f"INSERT INTO {table} (entity_id{quoted}) VALUES ({','.join('?' * (len(members) + 1))})",
                               zip(ids, *columns))
                for name in members:
                    table_of[name] = table
                    if name in LOOKED_UP_RESULTS:  # partial: most companies have no partner, group or tier
                        db.execute(f'CREATE INDEX {table}_{name} ON {table} ("{name}") WHERE "{name}" IS NOT NULL')
            if not ids_known:
                for table in set(table_of.values()):
                    db.execute(f"DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM entities WHERE id = entity_id)")
            stale = sorted(set(table_of) | set(old["table_of"]))
            if stale:
                db.execute(f"DELETE FROM results WHERE name IN ({','.join('?' * len(stale))})", stale)
            self._set_layout(table_of, json_names)

    def _layout(self) -> dict:
        """Where each result of the last analysis is kept (name -> table), and which hold JSON."""
        found = self.get_meta("analysis_layout")
        data = json.loads(found) if found else {"table_of": {}, "json": []}
        return {"table_of": data["table_of"], "json": set(data["json"])}

    def _set_layout(self, table_of: dict[str, str], json_names: set[str]) -> None:
        self.set_meta("analysis_layout", json.dumps({"table_of": table_of, "json": sorted(json_names)}))

    def read_results(self, name: str) -> dict[str, Any]:
        layout = self._layout()
        if name in layout["table_of"]:
            rows = self._db.execute(f'SELECT entity_id, "{check_result_name(name)}" FROM {layout["table_of"][name]} '
                                    f'WHERE "{name}" IS NOT NULL ORDER BY entity_id')
            return {entity_id: decoded(name, value, layout) for entity_id, value in rows}
        rows = self._db.execute("SELECT entity_id, value FROM results WHERE name = ? ORDER BY entity_id", (name,))
        return {entity_id: json.loads(value) for entity_id, value in rows}

    def ids_in_order_of(self, name: str, start: int = 0, count: int | None = None) -> list[str]:
        layout = self._layout()
        table = layout["table_of"].get(check_result_name(name))
        if table is None or name in layout["json"]:  # JSON text does not sort as its values do
            return super().ids_in_order_of(name, start, count)
        check_page(start, count)
        # A looked-up result's partial index holds (value, entity_id) in this order: a page is a walk
        # along it, no sort; another column is sorted in SQLite, the top start + count rows kept.
        return [r[0] for r in self._db.execute(
            f'SELECT entity_id FROM {table} WHERE "{name}" IS NOT NULL ORDER BY "{name}", entity_id LIMIT ? OFFSET ?',
            (-1 if count is None else count, start))]

    def commonest_results(self, name: str, top: int) -> tuple[dict[Any, int], int]:
        layout = self._layout()
        table = layout["table_of"].get(check_result_name(name))
        if table is None or name in layout["json"]:
            return super().commonest_results(name, top)
        check_top(top)
        # Counted inside SQLite (along the value's index where it has one): tens of millions of
        # cluster members never become Python objects.
        rows = self._db.execute(
            f'WITH counts AS MATERIALIZED (SELECT "{name}" AS value, COUNT(*) AS n FROM {table} '
            f'WHERE "{name}" IS NOT NULL GROUP BY "{name}") '
            "SELECT value, n, (SELECT COUNT(*) FROM counts) FROM counts "
            "WHERE ? > 0 AND n >= COALESCE((SELECT n FROM counts ORDER BY n DESC LIMIT 1 OFFSET ?), 0)",
            (top, max(top - 1, 0))).fetchall()
        if rows:
            return {value: n for value, n, _total in rows}, rows[0][2]
        return {}, self._db.execute(f'SELECT COUNT(DISTINCT "{name}") FROM {table}').fetchone()[0]

    def results_of(self, name: str, ids: Iterable[str]) -> dict[str, Any]:
        check_result_name(name)
        layout = self._layout()
        table = layout["table_of"].get(name)
        found = {}
        for chunk in chunks(list(dict.fromkeys(ids)), IN_CHUNK):
            marks = ",".join("?" * len(chunk))
            if table is not None:
                for entity_id, value in self._db.execute(
                        f'SELECT entity_id, "{name}" FROM {table} WHERE entity_id IN ({marks}) AND "{name}" IS NOT NULL',
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
        for table in sorted(set(layout["table_of"].values())):
            cursor = self._db.execute(f"SELECT * FROM {table} WHERE entity_id = ?", (entity_id,))
            row = cursor.fetchone()
            if row is not None:
                for (column, *_), value in zip(cursor.description[1:], row[1:]):
                    if value is not None and layout["table_of"].get(column) == table:
                        found[column] = decoded(column, value, layout)
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
    name aligned to them, and no row empty in every column."""
    families: list[tuple[list[str], list[str], list[list]]] = []
    by_ids: dict[int, tuple[list[str], list[str], list[list]]] = {}
    for name, values in results.items():  # columns over one ids list: one family, as given
        if isinstance(values, ResultColumn):
            family = by_ids.setdefault(id(values.ids), (values.ids, [], []))
            family[1].append(name)
            family[2].append(values.values)
    for ids, names, columns in by_ids.values():
        present = np.zeros(len(ids), dtype=bool)
        for column in columns:  # one column's objects at a time: ten million pointers each
            present |= column.has_value() if isinstance(column, LazyColumn) else \
                np.not_equal(np.fromiter(column, dtype=object, count=len(column)), None)  # lists stay elements
        keep = np.flatnonzero(present)
        if len(keep) == len(ids):
            families.append((ids, names, columns))
        elif len(keep):
            families.append(([ids[k] for k in keep.tolist()], names,
                             [c.take(keep) if isinstance(c, LazyColumn) else
                              np.fromiter(c, dtype=object, count=len(c))[keep].tolist() for c in columns]))
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


def decoded(name: str, value, layout: dict):
    return json.loads(value) if name in layout["json"] else value
