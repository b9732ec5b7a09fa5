"""The one interface every exporter implements: a path in, the store's graph written there, counts out."""

from __future__ import annotations

import abc
from collections import Counter
from pathlib import Path

from ...graph.stores.base import Store


class Exporter(abc.ABC):
    suffix = ""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @abc.abstractmethod
    def write(self, store: Store) -> Counter:
        """Write the store's graph to ``self.path``; return how many of each thing were written."""


def pct(fraction: float) -> str:
    """A fraction as a percentage with no trailing zeros: ``0.125`` -> ``12.5``."""
    return f"{fraction * 100:.10f}".rstrip("0").rstrip(".")
