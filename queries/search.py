"""Search results for what an investigator types."""

from __future__ import annotations

from dataclasses import dataclass

from ..graph.stores.base import SearchHit, Store
from .i18n import _
from .render import Result, Section


@dataclass
class SearchResult(Result):
    query: str
    hits: list[SearchHit]

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "hits": [
                {"id": h.entity.id, "kind": h.entity.kind.value, "name": h.entity.name, "reg_no": h.entity.reg_no,
                 "matched": h.matched, "how": h.how, "score": h.score}
                for h in self.hits
            ],
        }

    def records(self) -> list[dict]:
        return self.to_dict()["hits"]

    def sections(self) -> list[Section]:
        rows = [(h.entity.name, h.entity.id, _(h.entity.kind.value), h.entity.reg_no, _(h.how), h.matched) for h in self.hits]
        return [Section(_("Search: {query}").format(query=self.query), ["name", "id", "kind", "reg_no", "match", "matched"], rows,
                        empty="no matches")]


def search_entities(store: Store, text: str, limit: int = 20, budget: float | None = None) -> SearchResult:
    """The address, phone or e-mail written as ``text``, then parties matching it by registration number,
    name or alias, best first (names read one by one only within ``budget`` seconds, when given)."""
    from .contacts import contact_hits

    return SearchResult(text, (contact_hits(store, text) + store.search(text, limit=limit, budget=budget))[:limit])
