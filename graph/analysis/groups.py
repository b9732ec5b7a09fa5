"""Enterprise groups (系族): the companies under one actual controller, from a control table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arrays import KIND_CODES, GraphArrays
from ..model import EntityKind
from .control_rules import JOINT, SINGLE, ControlTable


@dataclass
class Group:
    """The companies one actual controller (or a pair jointly) controls."""

    controllers: tuple[int, ...]  # entity indices
    members: np.ndarray  # entity indices of the companies, in id order
    depth: int  # the most steps from a member up to the controller
    with_events: np.ndarray  # members with a risk event
    capital: float  # their registered capital added up (where given)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class GroupTable:
    """Every enterprise group of the graph, largest first; ``of[j]`` is company ``j``'s group (-1
    where its actual controller is not certain)."""

    groups: list[Group]
    of: np.ndarray

    def group_of(self, j: int) -> Group | None:
        return self.groups[self.of[j]] if self.of[j] >= 0 else None

    def controlled_by(self, controllers: tuple[int, ...]) -> Group | None:
        key = tuple(sorted(controllers))
        for group in self.groups:
            if group.controllers == key:
                return group
        return None


def enterprise_groups(table: ControlTable, arrays: GraphArrays, min_size: int = 1,
                      capital: np.ndarray | None = None) -> GroupTable:
    """Group the companies of ``arrays`` by their actual controller in ``table``.

    ``capital`` (per entity, nan where not given) adds up the members' registered capital.

    Examples
    --------
    >>> from equitygraph.graph.arrays import arrays_from_records
    >>> from equitygraph.graph.model import Entity, Holding, Share
    >>> from equitygraph.graph.analysis.control_rules import control_table
    >>> people = [Entity("P", EntityKind.PERSON, "P")] + [Entity(c, EntityKind.COMPANY, c) for c in "ABC"]
    >>> a = arrays_from_records(people, [Holding("P", "A", Share.exact(1.0)), Holding("A", "B", Share.exact(0.6)),
    ...                                  Holding("P", "C", Share.exact(0.2))])
    >>> g = enterprise_groups(control_table(a), a)
    >>> [([a.ids[c] for c in x.controllers], [a.ids[m] for m in x.members], x.depth) for x in g.groups]
    [(['P'], ['A', 'B'], 2)]
    """
    companies = np.flatnonzero(arrays.kinds == KIND_CODES[EntityKind.COMPANY])
    rows = table.rows.of[companies]
    final = table.by_row["final"][rows]
    first, second = table.by_row["ultimate"][rows], table.by_row["ultimate_joint"][rows]
    certain = (final == SINGLE) | (final == JOINT)
    low = np.where(final == JOINT, np.minimum(first, second), first).astype(np.int64)
    high = np.where(final == JOINT, np.maximum(first, second), -1).astype(np.int64)
    key = low * (arrays.n + 1) + (high + 1)
    members, key, hops = companies[certain], key[certain], table.by_row["hops"][rows][certain]
    order = np.lexsort((members, key))
    members, key, hops = members[order], key[order], hops[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(key)]
    has_event = np.zeros(arrays.n, dtype=bool)
    has_event[arrays.event_entity] = True
    groups = []
    for s, e in zip(starts.tolist(), ends.tolist()):
        if e - s < min_size:
            continue
        k = int(key[s])
        pair = (k // (arrays.n + 1), k % (arrays.n + 1) - 1)
        controllers = tuple(sorted(c for c in pair if c >= 0))
        inside = members[s:e]
        money = float(np.nansum(capital[inside])) if capital is not None else float("nan")
        groups.append(Group(controllers, inside, int(hops[s:e].max()), inside[has_event[inside]], money))
    groups.sort(key=lambda g: (-g.size, g.controllers))
    of = np.full(arrays.n, -1, dtype=np.int64)
    for number, group in enumerate(groups):
        of[group.members] = number
    return GroupTable(groups, of)
