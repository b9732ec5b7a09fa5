"""Who controls whom across the whole graph, for the questions that need more than one company's
upstream: subsidiaries, fellow subsidiaries, enterprise groups, clusters.

:func:`whole_graph` reads what ``equitygraph analyze`` wrote back when it answers the same date,
and otherwise decides control of the whole graph now (saying so on stderr), so a newcomer's
first question is answered either way.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from dataclasses import dataclass

import numpy as np

from ...graph.analysis.control_rules import JOINT, SINGLE, ControlTable, control_table
from ...graph.arrays import GraphArrays
from ...graph.stores.base import Store
from ..control.answer import identity_decisions

ANALYSIS_META = "analysis"  # what analyze last wrote: {"as_of": ..., "at": ...}


@dataclass
class WholeGraph:
    """The arrays and the control table of the whole graph, with look-ups by id."""

    arrays: GraphArrays
    table: ControlTable
    seconds: float

    def __post_init__(self):
        rows = self.table.by_row
        entity = self.table.rows.entity
        direct = (rows["verdict"] == SINGLE) | (rows["verdict"] == JOINT)
        # Each company under each of its direct controllers (both, for joint control), sorted for look-ups.
        child = np.concatenate([entity[direct], entity[direct & (rows["verdict"] == JOINT)]])
        parent = np.concatenate([rows["controller"][direct], rows["joint_partner"][direct & (rows["verdict"] == JOINT)]])
        order = np.lexsort((child, parent))
        self._parent, self._child = parent[order], child[order]

    def index_of(self, entity_id: str) -> int:
        return self.arrays.index_of(entity_id)

    def children(self, entity_id: str) -> list[str]:
        """The companies ``entity_id`` controls directly (alone or jointly)."""
        j = self.index_of(entity_id)
        lo, hi = np.searchsorted(self._parent, [j, j + 1])
        return [self.arrays.ids[c] for c in self._child[lo:hi]]

    def direct_controllers(self, entity_id: str) -> tuple[str, ...]:
        t, j = self.table, self.index_of(entity_id)
        if t.of(j, "verdict") == SINGLE:
            return (self.arrays.ids[t.of(j, "controller")],)
        if t.of(j, "verdict") == JOINT:
            return tuple(sorted(self.arrays.ids[t.of(j, k)] for k in ("controller", "joint_partner")))
        return ()

    def actual_controllers(self, entity_id: str) -> tuple[str, ...]:
        return self.table.actual_controller(self.index_of(entity_id))

    def group_members(self, controllers: tuple[str, ...]) -> list[str]:
        """The companies whose actual controller is exactly ``controllers``."""
        if not hasattr(self, "_groups"):
            from ...graph.analysis.groups import enterprise_groups

            self._groups = enterprise_groups(self.table, self.arrays)
        group = self._groups.controlled_by(tuple(self.index_of(c) for c in controllers))
        return [self.arrays.ids[m] for m in group.members] if group else []


def whole_graph(store: Store, as_of: dt.date | None = None, say=lambda text: print(text, file=sys.stderr)) -> WholeGraph:
    """Control of the whole graph as of ``as_of``, decided now (or earlier in this process, for the
    same store and generation: :func:`~equitygraph.queries.memo.remembered`)."""
    from ..memo import remembered

    def decide() -> WholeGraph:
        started = time.perf_counter()
        arrays = store.export_arrays()
        table = control_table(arrays, as_of, decisions=identity_decisions(store, arrays))
        seconds = time.perf_counter() - started
        if seconds > 5:
            say(f"decided control of the whole graph in {seconds:.0f} s (equitygraph analyze keeps the answers)")
        return WholeGraph(arrays, table, seconds)

    return remembered(store, "whole graph", {"as_of": as_of}, decide)


def analyzed(store: Store, as_of: dt.date | None) -> bool:
    """Whether ``analyze`` wrote back answers for this date (today's, for None)."""
    note = json.loads(store.get_meta(ANALYSIS_META) or "{}")
    return bool(note) and note.get("as_of") == (as_of.isoformat() if as_of else None)


class StoredStanding:
    """The same look-ups from what ``analyze`` wrote back (index look-ups, no whole-graph work)."""

    def __init__(self, store: Store):
        self.store = store

    def children(self, entity_id: str) -> list[str]:
        return sorted(set(self.store.entities_with_result("direct_controller", entity_id))
                      | set(self.store.entities_with_result("direct_partner", entity_id)))

    def direct_controllers(self, entity_id: str) -> tuple[str, ...]:
        results = self.store.results_for(entity_id)
        return tuple(sorted(x for x in (results.get("direct_controller"), results.get("direct_partner")) if x))

    def actual_controllers(self, entity_id: str) -> tuple[str, ...]:
        results = self.store.results_for(entity_id)
        return tuple(x for x in (results.get("controller"), results.get("controller_partner")) if x)

    def group_members(self, controllers: tuple[str, ...]) -> list[str]:
        first, *rest = sorted(controllers)
        members = self.store.entities_with_result("controller", first)
        partners = self.store.results_of("controller_partner", members)
        return [c for c in members if partners.get(c) == (rest[0] if rest else None)]


def standing(store: Store, as_of: dt.date | None = None):
    """Stored answers where ``analyze`` wrote them for this date, else the whole graph decided now."""
    return StoredStanding(store) if analyzed(store, as_of) else whole_graph(store, as_of)
