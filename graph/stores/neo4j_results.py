"""An analysis written into Neo4j as node properties: each entity's results in one ``SET``.

Written a result set at a time, an analysis of a million companies (some thirty sets) looked every
entity up by its id once per set; here the sets built over the same entities (an analysis's
columns share their ids) are written side by side, an entity once, over the last analysis's values
(each property of a family set, null included), the values ``changes`` compares copied first and what
nothing was written over cleared after, in one pass over the nodes each, on the server.

The rows go in batches of :data:`ROWS` entities from :data:`WRITERS` sessions at once (the server's
cores set properties while a batch of the other is on the wire; 544,000 rows of 100,000 companies took
15.4 s from one session in batches of 10,000, 7.9 s from two in batches of 2,500), a column of values
a list (:func:`.cypher.set_results`). Concurrent batches hold distinct entities - one family of sets
at a time, each entity in one row of it - so they never wait on each other's locks (a batch the server
still refuses as a deadlock is retried by the driver). The clear and the copy stay one transaction at
a time: ``IN 2 CONCURRENT TRANSACTIONS`` failed a re-analysis of a million companies ("Unable to
complete transaction"), and is not retried.
"""

from __future__ import annotations

import contextvars
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable, Iterator, Mapping

from . import cypher
from .base import check_result_name
from .result_columns import ResultColumn

_IN_TRANSACTIONS = 10000  # rows a transaction when a pass over the nodes changes them
ROWS = 2500
WRITERS = 2


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


def write_analysis(store, results: Mapping[str, Mapping[str, Any]], previous=(),
                   meta: Mapping[str, str] | None = None) -> None:
    """:meth:`~.base.Store.write_analysis` for a :class:`~.neo4j.Neo4jStore`.

    Each entity written gets every result of its family, an absent one as null (which removes it), so
    the last analysis's values are cleared only where nothing is written over them: at the entities
    that hold a family's results and are not among its entities now, and everywhere for the names this
    analysis does not write, in one pass over the nodes after the values (and the copy for ``changes``
    in one before), each asked only of the names some node may hold (:func:`names_written`: none, on a
    database a bulk import has just made). (Clearing every name first took 14-15 s of a re-analysis's
    30-32 s write-back at 100,000 companies.)"""
    before = set(json.loads(store.get_meta("analysis_names") or "[]"))
    written = names_written(store)
    held = (lambda name: True) if written is None else written.__contains__  # ``before`` among them
    kept = [f"previous_{name}" for name in previous]
    pairs = [pair for name in previous if held(name) or held(f"previous_{name}")
             for pair in zip(result_props(name), result_props(f"previous_{name}"))]
    if pairs:
        store._run_committing(cypher.copy_results(pairs, _IN_TRANSACTIONS))
    unwritten = {name for name in before if held(name)} - set(results) - set(kept)
    if written is not None:  # before the values: a write cut short leaves them known
        note_written(store, written | set(results) | set(kept))
    families = []
    with ThreadPoolExecutor(WRITERS, thread_name_prefix="equitygraph-results") as pool:
        for names, batches in _family_batches(results, ROWS):
            entities: list[str] = []  # those written: the family's results stay there
            _each_at_once(pool, lambda batch: store._run(batch[0], **batch[1]), _noting_ids(batches, entities))
            families.append((names, entities))
    stale = [(props, entities) for names, entities in [*families, (sorted(unwritten), None)]
             if (props := [prop for name in names if held(name) for prop in result_props(name)])]
    if stale:
        store._run_committing(cypher.clear_stale(len(stale), _IN_TRANSACTIONS),
                              **{f"kept_{k}": entities for k, (_, entities) in enumerate(stale)},
                              **{f"nulls_{k}": dict.fromkeys(props) for k, (props, _) in enumerate(stale)},
                              **{f"props_{k}": props for k, (props, _) in enumerate(stale)})
    if written is not None:
        note_written(store, (written - unwritten) | set(results) | set(kept))
    store.set_meta("analysis_names", json.dumps(sorted({*results, *kept})))
    for key, value in (meta or {}).items():  # last, after every value: a write cut short leaves the last analysis's
        store.set_meta(key, value)


def _noting_ids(batches: Iterable[tuple[str, dict]], entities: list[str]) -> Iterator[tuple[str, dict]]:
    for batch in batches:
        entities.extend(batch[1]["ids"])
        yield batch


def names_written(store) -> set[str] | None:
    """The result names some node may hold, or None where the database does not say (written before
    it was kept, or by another program): then every name may be."""
    names = store.get_meta("result_names")
    return None if names is None else set(json.loads(names))


def note_written(store, names, adding: bool = False) -> None:
    """Say the database may hold ``names`` (and no other, unless ``adding`` where it says what it holds)."""
    if adding:
        written = names_written(store)
        if written is None or set(names) <= written:
            return
        names = written | set(names)
    store.set_meta("result_names", json.dumps(sorted(names)))


def _each_at_once(pool: ThreadPoolExecutor, write, batches: Iterable[list[dict]]) -> None:
    """``write(batch)`` for every batch, :data:`WRITERS` at once on ``pool`` (each in the caller's
    context: its time limit holds), and at most twice that many made ahead; the first error is raised."""
    pending: list = []
    try:
        for batch in batches:
            pending.append(pool.submit(contextvars.copy_context().run, write, batch))
            if len(pending) >= 2 * WRITERS:
                pending.pop(0).result()
        while pending:
            pending.pop(0).result()
    finally:
        for future in pending:
            future.cancel()


def _family_batches(results: Mapping[str, Mapping[str, Any]], size: int) -> Iterator[tuple[list[str], Iterator[tuple[str, dict]]]]:
    """For each family of result sets (those sharing their ids), its names and its batches of at most
    ``size`` entities (a query and its parameters): an entity's results of the family in one batch, so
    no entity is in two."""
    sharing: dict[int, list[str]] = {}
    for name, values in results.items():
        sharing.setdefault(id(values.ids) if isinstance(values, ResultColumn) else id(values), []).append(name)
    for names in sharing.values():
        yield names, _batches_of(results, names, size)


def _batches_of(results: Mapping[str, Mapping[str, Any]], names: list[str], size: int) -> Iterator[tuple[str, dict]]:
    first = results[names[0]]
    if isinstance(first, ResultColumn):
        ids, columns = first.ids, [results[name].values for name in names]
    else:
        items = list(first.items())
        ids, columns = [entity_id for entity_id, _ in items], [[value for _, value in items]]
    scalars = [getattr(column, "scalars", False) for column in columns]  # a lazy column of numbers or texts
    for start in range(0, len(ids), size):
        batch = _batch(names, ids[start:start + size], [column[start:start + size] for column in columns], scalars)
        if batch is not None:
            yield batch


def _batch(names: list[str], ids: list[str], columns: list[list], scalars: list[bool]) -> tuple[str, dict] | None:
    """The query setting results ``names`` of ``ids``, with its parameters: a list a column (a map a row
    sent every property's name again for every entity: a fifth slower). None is no value, in a column as
    in a dict (as the embedded store writes an analysis); an entity with none is left out. Every property
    of every name is set, null where the entity has no such value: what the last analysis left there goes."""
    if all(None in column for column in columns):  # else every entity has a value (C-speed scans)
        present = [k for k in range(len(ids)) if any(column[k] is not None for column in columns)]
        if not present:
            return None
        ids, columns = [ids[k] for k in present], [[column[k] for k in present] for column in columns]
    params: dict[str, list] = {"ids": ids}
    assigned = []
    for k, (name, column, scalar) in enumerate(zip(names, columns, scalars)):
        prop, json_prop = result_props(name)
        if scalar or all(value is None or is_native(value) for value in column):
            params[f"v{k}"] = list(column)
            assigned += [(prop, f"v{k}"), (json_prop, None)]
        else:
            params[f"v{k}"] = [value if value is None or is_native(value) else None for value in column]
            params[f"j{k}"] = [None if value is None or is_native(value) else
                               json.dumps(value, ensure_ascii=False, sort_keys=True) for value in column]
            assigned += [(prop, f"v{k}"), (json_prop, f"j{k}")]
    return cypher.set_results(assigned), params
