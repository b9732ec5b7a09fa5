"""Result sets as columns: what an analysis hands a store to write side by side, without a dict
of millions of entries between (:meth:`~.base.Store.write_analysis`); and what every store's reads
of a ranking and of the commonest values share (their checks, the cut among counted values)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np


class ResultColumn(Mapping):
    """A result set as a column: ``values[k]`` is the value of ``ids[k]`` (None: no value), ``ids``
    sorted. Columns built over one ``ids`` list are written side by side, without a dict between.

    Examples
    --------
    >>> column = ResultColumn(["a", "b", "c"], [1, None, "x"])
    >>> dict(column), len(column), column["c"]
    ({'a': 1, 'c': 'x'}, 2, 'x')
    """

    def __init__(self, ids: list[str], values: list):
        if len(ids) != len(values):
            raise ValueError(f"{len(ids)} ids but {len(values)} values")
        self.ids, self.values = ids, values
        self._dict: dict | None = None

    def _as_dict(self) -> dict:
        if self._dict is None:
            self._dict = {i: v for i, v in zip(self.ids, self.values) if v is not None}
        return self._dict

    def __getitem__(self, key):
        return self._as_dict()[key]

    def __iter__(self):
        return iter(self._as_dict())

    def __len__(self) -> int:
        return len(self._as_dict())


class LazyColumn(Sequence):
    """A column of numpy values read as Python values a chunk at a time: what a store writes of ten
    million companies never stands as ten million Python numbers at once. ``present`` (a mask; all
    when None, or not None in an object array) says which rows have a value (None elsewhere);
    ``convert`` turns an array of present values into a list (``tolist`` by default); ``scalars``
    False says it may make lists or dicts (a store keeps them as JSON, without reading the column
    to find out).

    Examples
    --------
    >>> column = LazyColumn(np.array([0.5, 0.25, 2.0]), present=np.array([True, False, True]))
    >>> list(column), column[1:], len(column)
    ([0.5, None, 2.0], [None, 2.0], 3)
    """

    CHUNK = 1 << 18

    def __init__(self, values: np.ndarray, present: np.ndarray | None = None, convert=None, scalars: bool = True):
        if present is not None and len(present) != len(values):
            raise ValueError(f"{len(values)} values but {len(present)} marks of presence")
        self.array, self.present, self._convert, self.scalars = values, present, convert, scalars

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, k):
        if isinstance(k, slice):
            start, stop, step = k.indices(len(self))
            if step != 1:
                raise ValueError("a lazy column is read in runs, not with a step")
            return self._chunk(start, stop)
        k = range(len(self))[k]
        return self._chunk(k, k + 1)[0]

    def __iter__(self):
        for start in range(0, len(self), self.CHUNK):
            yield from self._chunk(start, min(start + self.CHUNK, len(self)))

    def take(self, rows: np.ndarray) -> "LazyColumn":
        """The column of ``rows`` only, still lazy."""
        return LazyColumn(self.array[rows], None if self.present is None else self.present[rows], self._convert,
                          self.scalars)

    def has_value(self) -> np.ndarray:
        if self.present is not None:
            return self.present
        return np.not_equal(self.array, None) if self.array.dtype == object else np.ones(len(self), dtype=bool)

    def _chunk(self, start: int, stop: int) -> list:
        values = self.array[start:stop]
        if self.present is None:
            return self._python(values)
        out = np.full(stop - start, None, dtype=object)
        present = self.present[start:stop]
        out[present] = np.fromiter(self._python(values[present]), dtype=object, count=int(present.sum()))
        return out.tolist()

    def _python(self, values: np.ndarray) -> list:
        return values.tolist() if self._convert is None else self._convert(values)


def check_page(start: int, count: int | None) -> None:
    """A page of a ranking (:meth:`~.base.Store.ids_in_order_of`) starts at 0 or later and holds 0 or more ids."""
    if start < 0 or (count is not None and count < 0):
        raise ValueError(f"a page starts at 0 or later and holds 0 or more ids, not start={start} count={count}")


def check_top(top: int) -> None:
    if top < 0:
        raise ValueError(f"top must be 0 or more, got {top}")


def commonest(counts: Mapping[Any, int], top: int) -> tuple[dict[Any, int], int]:
    """Of how many entities hold each value: the ``top`` commonest values and every value as common as
    the last of them, and how many values there are (:meth:`~.base.Store.commonest_results`)."""
    if top == 0 or not counts:
        return {}, len(counts)
    cut = sorted(counts.values(), reverse=True)[min(top, len(counts)) - 1]
    return {value: n for value, n in counts.items() if n >= cut}, len(counts)
