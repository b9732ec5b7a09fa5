"""An analysis written into Neo4j as node properties: each entity's results in one ``SET``.

Written a result set at a time, an analysis of a million companies (some thirty sets) looked every
entity up by its id once per set; here the sets built over the same entities (an analysis's
columns share their ids) are written side by side, an entity once, and the last analysis is
cleared and copied for ``changes`` in one pass over the nodes each, on the server.
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Mapping

from . import cypher
from .base import check_result_name
from .result_columns import ResultColumn

_IN_TRANSACTIONS = 10000  # rows a transaction when a pass over the nodes changes them


def result_props(name: str) -> tuple[str, str]:
    """The node properties of result ``name``: its value if native, else its JSON."""
    check_result_name(name)
    return f"result_{name}", f"result_{name}_json"


def is_native(value: Any) -> bool:
    """A value Neo4j keeps as it is (Browser and Bloom can filter on it): a scalar or a list of one kind."""
    scalar = (str, int, float, bool)
    if isinstance(value, scalar):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, type(value[0])) and isinstance(v, scalar)
                                                           for v in value)


def write_analysis(store, results: Mapping[str, Mapping[str, Any]], previous=()) -> None:
    """:meth:`~.base.Store.write_analysis` for a :class:`~.neo4j.Neo4jStore`."""
    before = json.loads(store.get_meta("analysis_names") or "[]")
    kept = [f"previous_{name}" for name in previous]
    if kept:
        pairs = [pair for name in previous for pair in zip(result_props(name), result_props(f"previous_{name}"))]
        store._run_committing(cypher.copy_results(pairs, _IN_TRANSACTIONS))
    cleared = [prop for name in sorted((set(before) | set(results)) - set(kept)) for prop in result_props(name)]
    if cleared:
        store._run_committing(cypher.clear_results(cleared, _IN_TRANSACTIONS), nulls=dict.fromkeys(cleared))
    for rows in _row_batches(results, store.batch_size):
        store._run(cypher.WRITE_RESULT, rows=rows)
    store.set_meta("analysis_names", json.dumps(sorted({*results, *kept})))


def _row_batches(results: Mapping[str, Mapping[str, Any]], size: int) -> Iterator[list[dict]]:
    """``{"id", "props"}`` rows of at most ``size``, an entity's results of the sets sharing its ids in one row."""
    sharing: dict[int, list[str]] = {}
    for name, values in results.items():
        sharing.setdefault(id(values.ids) if isinstance(values, ResultColumn) else id(values), []).append(name)
    for names in sharing.values():
        props = [result_props(name) for name in names]
        first = results[names[0]]
        if isinstance(first, ResultColumn):
            ids = first.ids
            for start in range(0, len(ids), size):
                columns = [results[name].values[start:start + size] for name in names]
                yield _rows(ids[start:start + size], props, columns)
        else:
            items = list(first.items())
            for start in range(0, len(items), size):
                part = items[start:start + size]
                yield _rows([entity_id for entity_id, _ in part], props, [[value for _, value in part]])


def _rows(ids: list[str], props: list[tuple[str, str]], columns: list) -> list[dict]:
    """None is no value, in a column as in a dict (as the embedded store writes an analysis)."""
    rows = []
    for k, entity_id in enumerate(ids):
        found = {}
        for (prop, json_prop), column in zip(props, columns):
            value = column[k]
            if value is None:
                continue
            if is_native(value):
                found[prop] = value
            else:
                found[json_prop] = json.dumps(value, ensure_ascii=False, sort_keys=True)
        if found:
            rows.append({"id": entity_id, "props": found})
    return rows

