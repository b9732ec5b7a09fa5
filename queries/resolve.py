"""Turning what an investigator types (an id, a registration number, a name) into one entity."""

from __future__ import annotations

from ..graph.errors import AmbiguousName, NotFound
from ..graph.model import Entity
from ..graph.stores.base import EXACT_MATCHES, SearchHit, Store



def resolve_entity(store: Store, text: str) -> Entity:
    """The one entity ``text`` names: an id, a registration number, an exact name or alias, or a
    part of a name that only one entity has.

    Raises :class:`AmbiguousName` listing the candidates when several match, and :class:`NotFound`
    with the closest names when none does.
    """
    query = text.strip()
    if not query:
        raise NotFound("an empty name matches nothing")
    entity = store.get(query)
    if entity is not None:
        return entity
    # An exact name or registration number needs index look-ups only; the scans come after.
    found = store.search(query, limit=20, exact_only=True) or store.search(query, limit=20)
    hits = [h for h in found if h.how != "fuzzy"]  # a near miss is a suggestion, never an answer
    exact = [h for h in hits if h.how in EXACT_MATCHES]
    chosen = exact or hits
    if len(chosen) == 1:
        return chosen[0].entity
    if chosen:
        shown = ", ".join(describe_hit(h) for h in chosen[:8])
        more = f" and {len(chosen) - 8} more" if len(chosen) > 8 else ""
        raise AmbiguousName(
            f"{query!r} matches {len(chosen)} entities: {shown}{more}; name one by its id or registration number",
            [h.entity for h in chosen],
        )
    suggestions = [h.entity.name for h in found][:5] or suggest_names(store, query)
    hint = f"; closest names: {', '.join(suggestions)}" if suggestions else ""
    raise NotFound(f"no company, person or organization matches {query!r}{hint}")


def describe_hit(hit: SearchHit) -> str:
    entity = hit.entity
    number = f", {entity.reg_no}" if entity.reg_no else ""
    return f"{entity.name} ({entity.id}, {entity.kind.value}{number})"


def suggest_names(store: Store, query: str, limit: int = 5) -> list[str]:
    """Names sharing the longest possible leading part of ``query``: what the user probably meant."""
    lengths = sorted({n for n in (len(query) - 1, len(query) * 3 // 4, len(query) // 2, 2) if n >= 2}, reverse=True)
    for length in lengths:
        hits = store.search(query[:length], limit=limit)
        if hits:
            return [h.entity.name for h in hits]
    return []
