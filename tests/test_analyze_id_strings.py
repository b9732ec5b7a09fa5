"""The ids ``analyze`` writes beside its results (queries/analysis_columns.py, ``IdStrings``): each the id of
the index asked for, in the order asked, made once however often it is asked for; a few indices
(a group's controllers) and tens of millions (every cluster member) are found missing two ways."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from equitygraph.graph.texts import TextColumn
from equitygraph.queries.analysis_columns import IdStrings

IDS = [f"E{k:03d}" for k in range(200)] + ["公司甲", "a|b", ""]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, len(IDS) - 1), max_size=400), min_size=1, max_size=5))
def test_each_index_named_by_its_id_in_the_order_asked(asks):
    strings = IdStrings(TextColumn.of(IDS))
    for indices in asks:
        assert strings.at(np.array(indices, dtype=np.int64)).tolist() == [IDS[k] for k in indices]


def test_an_id_is_made_once_whichever_way_it_was_found():
    strings = IdStrings(TextColumn.of(IDS))
    few = strings.at(np.array([7, 3, 7]))  # 3 of 203: sorted
    many = strings.at(np.arange(len(IDS))[::-1])  # all of them: a mask
    assert few.tolist() == ["E007", "E003", "E007"]
    assert many.tolist() == IDS[::-1]
    assert few[0] is many[len(IDS) - 1 - 7] and few[1] is many[len(IDS) - 1 - 3]
    again = strings.at(np.array([0, 202, 201]))
    assert again.tolist() == ["E000", "", "a|b"] and again[0] is many[-1]
    assert strings.at(np.zeros(0, dtype=np.int64)).tolist() == []
