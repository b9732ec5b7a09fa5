"""What the registry does not say but the records and the investigator do: which person records are
one person, who holds as a nominee for whom, who acts in concert, who controls by agreement.

All of it is resolved on the arrays before control is decided, so the whole-graph and the
one-company forms see the same holders:

* **one person**: person records with the same identity (the same ID-number hash, or the same name
  with the same birth date; a name alone is nothing) or confirmed the same by an investigator are
  one holder (the lowest id stands for them); a rejection keeps two records apart;
* **nominees**: a nominee's holdings count as its principal's;
* **concert parties** (一致行动人) pool their votes (see :func:`concert_heads`);
* **control agreements** (VIE) make the controlling party the company's controller (see
  :func:`agreements`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from ..arrays import RELATION_CODES, GraphArrays
from ..model import RelationType


def one_person(arrays: GraphArrays, decisions: list[tuple[int, int, bool]] = ()) -> np.ndarray:
    """For each entity, the entity that stands for it: itself, or the lowest-indexed record of the
    same person. ``decisions`` are ``(i, j, same)`` by entity index.

    Examples
    --------
    >>> from equitygraph.graph.arrays import arrays_from_records
    >>> from equitygraph.graph.model import Entity, EntityKind
    >>> p = [Entity(i, EntityKind.PERSON, "王伟", id_hash=h) for i, h in (("a", "x"), ("b", "x"), ("c", None))]
    >>> one_person(arrays_from_records(p)).tolist()
    [0, 0, 2]
    >>> one_person(arrays_from_records(p), [(0, 2, True), (0, 1, False)]).tolist()
    [0, 1, 0]
    """
    parent = np.arange(arrays.n, dtype=np.int64)
    apart = {(min(i, j), max(i, j)) for i, j, same in decisions if not same}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first: dict[str, int] = {}
    for i, key in sorted(arrays.identity.items()):
        if key in first and (first[key], i) not in apart:
            join(first[key], i)
        first.setdefault(key, i)
    for i, j, same in decisions:
        if same:
            join(i, j)
    if not arrays.identity and not decisions:
        return parent
    # Every link points to a lower index: jumping along them until nothing moves ends each at its root
    # (a few rounds of array work, not a Python call per entity: 70 million at ten million companies).
    while not np.array_equal(jumped := parent[parent], parent):
        parent = jumped
    return parent


def resolve_holders(arrays: GraphArrays, as_of: dt.date | None = None,
                    decisions: list[tuple[int, int, bool]] = ()) -> GraphArrays:
    """The arrays with each holder, officer and party replaced by the one that stands for it (one
    person), and each nominee's holdings given to its principal."""
    stands_for = one_person(arrays, decisions)
    nominee = _in_force(arrays, as_of, RelationType.NOMINEE)
    if len(nominee):
        principal = stands_for.copy()
        principal[stands_for[arrays.relation_a[nominee]]] = stands_for[arrays.relation_b[nominee]]
        holder_of = principal[stands_for]
    else:
        holder_of = stands_for
    if (stands_for == np.arange(arrays.n)).all() and holder_of is stands_for:
        return arrays
    return dataclasses.replace(
        arrays, holding_holder=holder_of[arrays.holding_holder].astype(np.int32),
        officer_person=stands_for[arrays.officer_person].astype(np.int32),
        relation_a=stands_for[arrays.relation_a].astype(np.int32),
        relation_b=stands_for[arrays.relation_b].astype(np.int32), _index=None)


def concert_heads(arrays: GraphArrays, as_of: dt.date | None = None) -> tuple[np.ndarray, dict[int, tuple[int, ...]]]:
    """Each party's head for pooling votes (the lowest-indexed member of its concert group, else
    itself), and the members of each group by head."""
    head = np.arange(arrays.n, dtype=np.int64)
    tied = _in_force(arrays, as_of, RelationType.CONCERT_PARTY)
    if not len(tied):
        return head, {}
    members: dict[int, set[int]] = {}
    for a, b in zip(arrays.relation_a[tied].tolist(), arrays.relation_b[tied].tolist()):
        group = members.get(head[a], {a}) | members.get(head[b], {b})
        low = min(group)
        for m in group:
            members.pop(head[m], None)
            head[m] = low
        members[low] = group
    return head, {h: tuple(sorted(group)) for h, group in members.items()}


def agreements(arrays: GraphArrays, as_of: dt.date | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The companies controlled by agreement (VIE) or consolidated by an accounting parent (GLEIF),
    and who controls each (the latest tie wins)."""
    tied = np.union1d(_in_force(arrays, as_of, RelationType.CONTROL_AGREEMENT),
                      _in_force(arrays, as_of, RelationType.ACCOUNTING_PARENT))
    return arrays.relation_b[tied].astype(np.int64), arrays.relation_a[tied].astype(np.int64)


def _in_force(arrays: GraphArrays, as_of: dt.date | None, kind: RelationType) -> np.ndarray:
    if not len(arrays.relation_type):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(arrays.relations_in_force(as_of) & (arrays.relation_type == RELATION_CODES[kind]))
