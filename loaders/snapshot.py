"""``load --snapshot DATE``: a whole register as of one day, added to the store as history.

The snapshot is read and checked completely first; it is then reconciled with the facts open in
the store (:mod:`equitygraph.loaders.reconcile`) and only what changed is written, in one transaction:
facts ended (holdings, officer roles, declared ties, addresses and phones), shares changed, facts
started, entities whose register entry changed (a former name kept as an alias). Parties the snapshot does not name are marked ``not_seen_since`` (a result set,
cleared when they are seen again). Loading the snapshot of the latest day again changes nothing; a
snapshot older than the latest, or another snapshot of the latest day, is refused and the store is
left as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..graph.errors import EquityGraphError
from ..graph.model import PARTY_KINDS, Entity, Holding, Link, Officer, Relation
from ..graph.stores.base import Store
from .report import LoadReport, note_load, store_salt
from .formats import input_format, record_reader
from .reconcile import compared, in_force_on, reconcile

SNAPSHOTS_META = "snapshots"
NOT_SEEN = "not_seen_since"


class SnapshotRefused(EquityGraphError):
    """A snapshot that would rewrite history already loaded."""


def loaded_snapshots(store: Store) -> list[dict]:
    """The snapshots loaded into ``store``, oldest first: ``{"date", "source", "loaded_at", ...}``."""
    return json.loads(store.get_meta(SNAPSHOTS_META) or "[]")


def latest_snapshot(store: Store) -> dt.date | None:
    days = [dt.date.fromisoformat(s["date"]) for s in loaded_snapshots(store)]
    return max(days) if days else None


def load_snapshot(store: Store, path: str | Path, day: dt.date, *, fmt: str | None = None, mapping=None,
                  encoding: str | None = None, share_scale: str = "percent", progress: bool = False,
                  keep_id_numbers: bool = False) -> LoadReport:
    """Load ``path``, the whole register as of ``day``, as the store's next snapshot (see the module)."""
    path = Path(path)
    latest = latest_snapshot(store)
    if latest is not None and day < latest:
        raise SnapshotRefused(f"a snapshot of {latest.isoformat()} is loaded already; one of {day.isoformat()} "
                              "would rewrite the history after it (load snapshots oldest first)")
    fmt = input_format(path, fmt, mapping)
    started = time.perf_counter()
    had_history = not store.is_empty()
    salt, new_salt = store_salt(store)
    report, read = _read(store, path, fmt, salt, progress, dict(mapping=mapping, encoding=encoding,
                                                                share_scale=share_scale, keep_id_numbers=keep_id_numbers))
    stored = store.open_facts(day)
    done = reconcile(compared([*stored.holdings, *stored.officers, *stored.relations, *stored.links], read.facts),
                     read.facts, day, dated=had_history)
    del stored
    changed_entities = _changed_entities(store, read)
    not_seen = _not_seen(store, read, day)
    differs = done.changes + len(changed_entities)
    if latest is not None and day == latest and differs:
        raise SnapshotRefused(f"a snapshot of {day.isoformat()} is loaded already and this one differs from it "
                              f"({differs:,} facts and entries); load a correction as a snapshot of a later day")
    with store.writer() as writer:
        writer.add_many(changed_entities)
        writer.add_many(read.others)
        writer.add_many(done.writes())
        if new_salt:  # in the load's own transaction: a failed load keeps no salt either
            store.set_meta("id_salt", salt)
        if day != latest:
            kept = loaded_snapshots(store)
            kept.append({"date": day.isoformat(), "source": str(path.resolve()), "format": fmt,
                         "loaded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                         **{k.replace(" ", "_"): n for k, n in done.counts().items()}})
            store.set_meta(SNAPSHOTS_META, json.dumps(kept, ensure_ascii=False))
    store.write_results(NOT_SEEN, not_seen)
    earlier = [s["date"] for s in loaded_snapshots(store) if s["date"] < day.isoformat()]
    report.snapshot = {"date": day.isoformat(), "previous": max(earlier) if earlier else None,
                       "loaded again": day == latest, **done.counts(), "history recorded": len(done.recorded),
                       "entries changed": len(changed_entities),
                       "parties not seen": sum(1 for d in not_seen.values() if d == day.isoformat()),
                       "parties not seen earlier": sum(1 for d in not_seen.values() if d != day.isoformat())}
    report.seconds = time.perf_counter() - started
    note_load(store, path, report, format=fmt, snapshot=day.isoformat())
    return report


@dataclass
class _Snapshot:
    entities: list = field(default_factory=list)
    entity_tables: list = field(default_factory=list)  # a canonical folder's, compared as they are
    facts: list = field(default_factory=list)  # holdings, officer roles, declared ties, links
    others: list = field(default_factory=list)  # risk events


def _read(store: Store, path: Path, fmt: str, salt: str, progress: bool, options: dict) -> tuple[LoadReport, _Snapshot]:
    """The whole snapshot, read and checked before anything is written (a bad value raises here)."""
    from tqdm import tqdm

    report = LoadReport(str(path), fmt=fmt)
    with tqdm(desc=f"reading {fmt}", unit=" records", disable=not progress, mininterval=0.5) as bar:
        snapshot = _Snapshot()
        records = _by_columns(path, options, salt, report, bar.update, snapshot) if fmt == "csv" else None
        if records is None:
            report, snapshot = LoadReport(str(path), fmt=fmt), _Snapshot()
            read, _ = record_reader(store, path, fmt, id_salt=salt, **options)
            records = read(report, bar.update)
        for record in records:
            if isinstance(record, Entity):
                snapshot.entities.append(record)
            elif isinstance(record, (Holding, Officer, Relation, Link)):
                snapshot.facts.append(record)
            else:
                snapshot.others.append(record)
    return report, snapshot


def _by_columns(path: Path, options: dict, salt: str, report: LoadReport, progress, snapshot: "_Snapshot"
                ) -> list | None:
    """A canonical folder read column by column (several times faster than row by row), as records
    (the entities left as tables, in ``snapshot.entity_tables``); None where the row reader must
    read it (see :mod:`.csv_columns`)."""
    from ..graph.columns import records_of
    from .csv_columns import UseRowReader, read_columns

    records: list = []
    try:
        for name, piece in read_columns(path, encoding=options["encoding"], share_scale=options["share_scale"],
                                        report=report, progress=progress, id_salt=salt,
                                        keep_id_numbers=options["keep_id_numbers"]):
            if name == "entities":
                snapshot.entity_tables.append(piece)
            else:
                records.extend(piece if name == "records" else records_of(name, piece))
    except UseRowReader:
        return None
    return records


def _changed_entities(store: Store, read: _Snapshot) -> list[Entity]:
    """The snapshot's entities whose stored entry differs; a stored value the snapshot leaves blank is
    kept, and a former name becomes an alias (曾用名)."""
    differing = store.entities_differing(read.entities)
    for table in read.entity_tables:
        differing += store.entity_table_differing(table)
    stored = store.get_many([e.id for e in differing])
    changed = []
    for entity in differing:
        old = stored.get(entity.id)
        if old is None:
            changed.append(entity)
            continue
        merged = dataclasses.replace(entity, **{f.name: getattr(old, f.name) for f in dataclasses.fields(Entity)
                                                if getattr(entity, f.name) is None and getattr(old, f.name) is not None})
        former = (old.name,) if old.name != entity.name else ()
        aliases = tuple(a for a in dict.fromkeys((*entity.aliases, *old.aliases, *former)) if a != entity.name)
        merged = dataclasses.replace(merged, aliases=aliases)
        if merged != old:
            changed.append(merged)
    return changed


def _not_seen(store: Store, read: _Snapshot, day: dt.date) -> dict[str, str]:
    """Every party of the store the snapshot does not name, with the first snapshot day it was missing."""
    seen = {e.id for e in read.entities}
    for table in read.entity_tables:
        seen.update(table.column("id").to_pylist())
    for fact in read.facts:
        if in_force_on(fact, day) and not isinstance(fact, Link):
            seen.update(_ends(fact))
    before = store.read_results(NOT_SEEN)
    return {i: before.get(i, day.isoformat()) for i in store.ids_of(PARTY_KINDS) if i not in seen}


def _ends(fact) -> tuple[str, str]:
    if isinstance(fact, Holding):
        return fact.holder_id, fact.company_id
    if isinstance(fact, Officer):
        return fact.person_id, fact.company_id
    return fact.a, fact.b
