"""A company's upstream region fetched from Neo4j in one query, walked in memory; the server is
asked only beyond it."""

from __future__ import annotations

from typing import Iterable

from ..model import Entity
from .base import Edges, Store
from .neo4j_rows import append_edge, event_of

AROUND_TIES = 200  # a party with more ties than this is asked of the server when the walk reaches it


class Around:
    """A :class:`~.neo4j.Neo4jStore` seen from one company (see :meth:`~.neo4j.Neo4jStore.around`): ties and entities
    of the prefetched region from memory, exactly as the server would give them; anything else from
    the store."""

    def __init__(self, store: Store, complete: dict[str, tuple[list, list]], entities: dict[str, Entity]):
        self._store = store
        self._complete = complete
        self._entities = entities

    def around(self, entity_id: str) -> "Around":
        return self if entity_id in self._complete else self._store.around(entity_id)

    def edges_touching(self, ids: Iterable[str]) -> Edges:
        wanted = list(dict.fromkeys(ids))
        if not self._holds_all(wanted):
            return self._store.edges_touching(wanted)
        edges, seen, seen_events = Edges(), set(), set()
        for entity_id in wanted:
            rels, events = self._complete[entity_id]
            for rel in rels:
                key = (rel["type"], rel["src"], rel["dst"], repr(sorted(rel["props"].items())))
                if key not in seen:
                    seen.add(key)
                    append_edge(edges, rel["type"], rel["src"], rel["dst"], rel["props"])
            for event in events:
                key = (entity_id, repr(sorted(event.items())))
                if key not in seen_events:
                    seen_events.add(key)
                    edges.events.append(event_of(entity_id, event))
        return edges.sorted()

    def edges_upward(self, ids: Iterable[str]) -> Edges:
        wanted = list(dict.fromkeys(ids))
        return self.edges_touching(wanted) if self._holds_all(wanted) else self._store.edges_upward(wanted)

    def events_of(self, ids: Iterable[str]) -> list:
        wanted = list(dict.fromkeys(ids))
        return self.edges_touching(wanted).events if self._holds_all(wanted) else self._store.events_of(wanted)

    def _holds_all(self, ids: list[str]) -> bool:
        """Whether every tie and event of ``ids`` is in the region (else the server is asked for them all)."""
        return all(i in self._complete for i in ids)

    def get(self, entity_id: str) -> Entity | None:
        return self.get_many([entity_id]).get(entity_id)

    def get_many(self, ids: Iterable[str]) -> dict[str, Entity]:
        wanted = list(dict.fromkeys(ids))
        missing = [i for i in wanted if i not in self._entities]
        found = self._store.get_many(missing) if missing else {}
        return {i: self._entities.get(i) or found[i] for i in wanted if i in self._entities or i in found}

    def __getattr__(self, name: str):
        return getattr(self._store, name)
