"""Reading a request's parameters: each checked, a bad one a ``ValueError`` naming it."""

from __future__ import annotations

from ...graph.errors import shown
from .. import explore

__all__ = ["filters", "number", "required", "shown"]


def number(request, name: str, default: int, low: int, high: int) -> int:
    text = request.query_params.get(name)
    if text in (None, ""):
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {shown(text)}")
    return int(text)


def required(request, name: str) -> str:
    text = request.query_params.get(name, "")
    if not text:
        raise ValueError(f"{name} is required")
    return text


def filters(request) -> explore.Filters:
    q = request.query_params
    return explore.parse_filters(q.get("min_share"), q.get("kinds"), q.get("as_of"))
