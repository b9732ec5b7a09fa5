"""A column of texts kept as Arrow buffers (UTF-8 bytes and offsets) instead of Python strings.

The whole graph's ids are the one text column every analysis holds: at ten million companies they
are 70 million ids, 5.6 GiB as Python strings and about a quarter of that as one buffer. A
:class:`TextColumn` reads as a sequence of ``str`` (indexing, slicing, iteration, ``bisect``), makes a
string only when one is asked for, and gives many at once as an object array (:meth:`TextColumn.take`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pyarrow as pa

_CHUNK = 1 << 16  # strings made at a time while iterating


class TextColumn(Sequence):
    """Texts in an Arrow string array, read as a sequence of ``str``.

    Examples
    --------
    >>> t = TextColumn.of(["a", "bc", "d"])
    >>> len(t), t[1], t[-1], list(t[1:]), t.take(np.array([2, 0])).tolist()
    (3, 'bc', 'd', ['bc', 'd'], ['d', 'a'])
    >>> t == ["a", "bc", "d"], t == TextColumn.of(["a", "b", "d"])
    (True, False)
    >>> import bisect; bisect.bisect_left(t, "b")
    1
    """

    __slots__ = ("_array",)

    def __init__(self, array: pa.Array):
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            raise TypeError(f"TextColumn holds an Arrow string array, not {array.type}")
        if array.null_count:
            raise ValueError("TextColumn cannot hold a missing text")
        self._array = array

    @classmethod
    def of(cls, values) -> TextColumn:
        """The texts of ``values``: a sequence of str, an Arrow string array, or a :class:`TextColumn`."""
        if isinstance(values, TextColumn):
            return values
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array):
            return cls(values)
        return cls(pa.array(list(values), pa.large_string()))

    @classmethod
    def from_buffers(cls, data: np.ndarray, offsets: np.ndarray) -> TextColumn:
        """Text ``i`` is ``data[offsets[i]:offsets[i + 1]]`` decoded (``offsets`` int64, one more than
        the texts; ``data`` the UTF-8 bytes, checked)."""
        offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        array = pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets),
                                                 pa.py_buffer(np.ascontiguousarray(data, dtype=np.uint8)))
        array.validate(full=True)
        return cls(array)

    def buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """The UTF-8 bytes and int64 offsets (from 0) that :meth:`from_buffers` takes back."""
        array = self._array
        width = np.int64 if pa.types.is_large_string(array.type) else np.int32
        offsets = np.frombuffer(array.buffers()[1], dtype=width)[array.offset:array.offset + len(array) + 1]
        offsets = offsets.astype(np.int64)
        if not len(array):
            return np.zeros(0, dtype=np.uint8), np.zeros(1, dtype=np.int64)
        data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
        return data, offsets - offsets[0]

    @property
    def arrow(self) -> pa.Array:
        return self._array

    def __len__(self) -> int:
        return len(self._array)

    def __getitem__(self, at):
        if isinstance(at, slice):
            start, stop, step = at.indices(len(self._array))
            if step != 1:
                return TextColumn(self._array.take(pa.array(np.arange(start, stop, step))))
            return TextColumn(self._array.slice(start, max(0, stop - start)))
        at = int(at)
        if at < 0:
            at += len(self._array)
        if not 0 <= at < len(self._array):
            raise IndexError("text index out of range")
        return self._array[at].as_py()

    def take(self, indices) -> np.ndarray:
        """The texts at ``indices`` as an object array of ``str``."""
        indices = np.asarray(indices, dtype=np.int64)
        if not len(indices):
            return np.zeros(0, dtype=object)
        return self._array.take(pa.array(indices)).to_numpy(zero_copy_only=False)

    def iter_at(self, indices) -> Iterator[str]:
        """The texts at ``indices`` one by one, made a chunk at a time (not all at once, as by :meth:`take`)."""
        for start in range(0, len(indices), _CHUNK):
            yield from self.take(indices[start:start + _CHUNK]).tolist()

    def __iter__(self):
        for start in range(0, len(self._array), _CHUNK):
            yield from self._array.slice(start, _CHUNK).to_pylist()

    def __array__(self, dtype=None, copy=None):
        return self.take(np.arange(len(self)))

    def __eq__(self, other) -> bool:
        if isinstance(other, TextColumn):
            return len(self) == len(other) and self._array.cast(pa.large_string()).equals(
                other._array.cast(pa.large_string()))
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        shown = list(self[:5])
        return f"TextColumn({shown!r}{' + %d more' % (len(self) - 5) if len(self) > 5 else ''})"
