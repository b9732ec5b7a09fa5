"""TextColumn: the whole graph's ids kept as Arrow buffers, read as a sequence of str (graph/texts.py)."""

import bisect
from unittest import mock

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equitygraph.graph.texts import TextColumn


@given(st.lists(st.text(), max_size=30), st.integers(0, 5), st.booleans(), st.data())
def test_texts_read_as_the_list_of_strings_they_were_made_of(texts, skip, large, data):
    """From a slice of an Arrow array of either offset width (a load's ids), through the buffers the
    arrays cache writes, every way of reading gives the strings themselves (the NUL character too)."""
    expected = texts[skip:]
    with mock.patch("equitygraph.graph.texts._CHUNK", 3):  # iterating in chunks crosses their ends
        _reads_as(texts, skip, large, data, expected)


def _reads_as(texts, skip, large, data, expected):
    column = TextColumn.of(pa.array(texts, pa.large_string() if large else pa.string())[skip:])
    again = TextColumn.from_buffers(*column.buffers())
    for found in (column, again, TextColumn.of(expected)):
        assert list(found) == expected and len(found) == len(expected)
        assert found == expected and found == TextColumn.of(expected) and (found == [*expected, "x"]) is False
        if expected:
            at = data.draw(st.integers(-len(expected), len(expected) - 1))
            assert found[at] == expected[at]
            picked = data.draw(st.lists(st.integers(0, len(expected) - 1), max_size=10))
            assert found.take(np.array(picked, dtype=np.int64)).tolist() == [expected[k] for k in picked]
            assert list(found.iter_at(np.array(picked, dtype=np.int64))) == [expected[k] for k in picked]
        start, stop = (data.draw(st.integers(-3, len(expected) + 3)) for _ in range(2))
        step = data.draw(st.sampled_from([1, 2, -1]))
        assert list(found[start:stop:step]) == expected[start:stop:step]
        assert np.array(found, dtype=object).tolist() == expected


@given(st.lists(st.text(max_size=4), max_size=30), st.text(max_size=4))
def test_bisecting_texts_finds_where_bisecting_the_strings_does(texts, probe):
    texts = sorted(texts)
    assert bisect.bisect_left(TextColumn.of(texts), probe) == bisect.bisect_left(texts, probe)


def test_texts_refuse_what_is_not_text():
    with pytest.raises(TypeError, match="Arrow string array, not int64"):
        TextColumn(pa.array([1, 2]))
    with pytest.raises(ValueError, match="cannot hold a missing text"):
        TextColumn(pa.array(["a", None]))
    with pytest.raises(IndexError, match="out of range"):
        TextColumn.of(["a"])[1]
    with pytest.raises(pa.ArrowInvalid):
        TextColumn.from_buffers(np.frombuffer(b"\xff", dtype=np.uint8), np.array([0, 1]))
    assert TextColumn.of([]).take(np.array([], dtype=np.int64)).tolist() == [] and repr(TextColumn.of("abcdefg")).endswith("+ 2 more)")
