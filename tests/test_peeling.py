"""Peeling the nodes that hang off a graph before its components are sought on Spark
(graph/spark/components.py): the rest is the graph's 2-core (networkx's), and the components put
back together are scipy's, on any graph."""

import networkx as nx
import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

from equitygraph.graph.spark.components import attached, distinct_edges, numbered, peel_leaves


@st.composite
def graphs(draw):
    """Random edges over up to 40 nodes, with loops and repeats, and trees grown on them: the shapes
    a register's links have (a core of companies, persons and addresses hanging off it)."""
    n = draw(st.integers(1, 40))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60))
    hanging = draw(st.lists(st.integers(0, 1000), max_size=30))
    for pick in hanging:  # a new node hung from an existing one
        pairs.append((pick % n, n))
        n += 1
    src = np.array([p[0] for p in pairs], dtype=np.int64)
    dst = np.array([p[1] for p in pairs], dtype=np.int64)
    return src, dst, n


def _scipy(src, dst, n):
    return connected_components(sp.coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)), directed=False)[1]


@settings(max_examples=300, deadline=None)
@given(graphs(), st.sampled_from([0.0, 0.01, 0.5]))
def test_the_components_put_back_together_are_scipy_s(graph, least_share):
    src, dst, n = graph
    a, b, peels = peel_leaves(src, dst, n, least_share)
    least = np.arange(n)
    if len(a):  # the rest's components, each labelled by its least node
        rest = _scipy(a, b, n)
        first = np.full(n, n)
        np.minimum.at(first, rest, np.arange(n))
        least = first[rest]
    assert np.array_equal(numbered(attached(least, peels)), _scipy(src, dst, n))
    peeled = np.concatenate([child for child, _ in peels]) if peels else np.zeros(0, int)
    assert len(np.unique(peeled)) == len(peeled)  # each node peeled once at most
    assert not np.isin(peeled, np.r_[a, b]).any()  # and out of the rest


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_peeled_to_the_end_the_rest_is_the_2_core(graph):
    src, dst, n = graph
    a, b, _ = peel_leaves(src, dst, n, least_share=0.0)
    G = nx.Graph(zip(src.tolist(), dst.tolist()))
    G.remove_edges_from(nx.selfloop_edges(G))
    core = nx.k_core(G, 2)
    assert sorted(zip(a.tolist(), b.tolist())) == sorted(tuple(sorted(e)) for e in core.edges())


def test_a_round_that_peels_little_is_the_last():
    """A ring of 200 with a tail of 10: the first round peels one edge of 210 (under 1 %), the tail's
    end, and stops; to the end it peels the whole tail, ten rounds."""
    ring = np.arange(200)
    src = np.r_[ring, 199 + np.arange(10)]
    dst = np.r_[np.roll(ring, 1), 200 + np.arange(10)]
    a, _, peels = peel_leaves(src, dst, 210)
    assert [child.tolist() for child, _ in peels] == [[209]] and len(a) == 209
    a, _, peels = peel_leaves(src, dst, 210, least_share=0.0)
    assert len(peels) == 10 and len(a) == 200


def test_the_share_is_of_the_edges_before_the_round():
    """A triangle 0-1-2 with a tail 2-3-4 and a leaf 1-5: six edges, of which the first round peels two
    (4 and 5), a third: under a half, the last round; under a quarter, not."""
    src, dst = np.array([0, 1, 2, 2, 3, 1]), np.array([1, 2, 0, 3, 4, 5])
    assert [child.tolist() for child, _ in peel_leaves(src, dst, 6, least_share=0.5)[2]] == [[5, 4]]
    assert [child.tolist() for child, _ in peel_leaves(src, dst, 6, least_share=0.25)[2]] == [[5, 4], [3]]


def test_a_round_that_peels_exactly_the_share_is_not_the_last():
    """A triangle with a tail 2-3-4: the first round peels one edge of five, exactly a fifth; "at least
    the share" goes on, and the second round peels the rest of the tail."""
    src, dst = np.array([0, 1, 2, 2, 3]), np.array([1, 2, 0, 3, 4])
    assert [child.tolist() for child, _ in peel_leaves(src, dst, 5, least_share=0.2)[2]] == [[4], [3]]


def test_ends_of_unequal_length_are_refused():
    import pytest

    with pytest.raises(ValueError, match="src and dst are the two ends of each edge: 2 and 1 ends"):
        peel_leaves(np.array([0, 1]), np.array([1]), 2)


def test_a_component_that_is_a_tree_takes_its_root_s_label_with_no_round_on_spark():
    """Cut into pieces, a tree is peeled whole: no label propagation runs (no Spark session is even
    asked for), and every node takes the label of the node left, the tree's least node here."""
    from equitygraph.graph.spark.pieces import propagated_labels

    nodes, labels = propagated_labels(None, np.array([0, 0, 2, 7]), np.array([1, 2, 3, 2]))
    assert nodes.tolist() == [0, 1, 2, 3, 7] and labels.tolist() == [0, 0, 0, 0, 0]


def test_ends_in_32_bits_make_the_same_links_when_their_keys_need_64():
    """The clusters' links come in 32 bits; the key of a link (its lesser end times the nodes, plus
    the greater) at 100,000 nodes passes 2**31, so it must be made in 64 bits from the first product."""
    src, dst = np.array([99_999, 5, 70_000, 99_998, 3]), np.array([70_000, 99_999, 99_999, 99_998, 3])
    wide = distinct_edges(src, dst, 100_000)
    narrow = distinct_edges(src.astype(np.int32), dst.astype(np.int32), 100_000)
    assert [x.tolist() for x in narrow] == [x.tolist() for x in wide] == [[5, 70_000], [99_999, 99_999]]
    assert [x.tolist() for x in distinct_edges([], [], 4)] == [[], []]


@st.composite
def components_of_edges(draw):
    """Edges over up to 30 nodes, each node in one of up to 5 components (an edge's ends in its own)."""
    n = draw(st.integers(1, 30))
    of = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60))
    pairs = [(a, b) for a, b in pairs if of[a] == of[b]]
    src = np.array([p[0] for p in pairs], dtype=np.int32)
    dst = np.array([p[1] for p in pairs], dtype=np.int32)
    return of[src].astype(np.int32), src, dst


@settings(max_examples=300, deadline=None)
@given(components_of_edges(), st.integers(0, 12))
def test_the_components_too_large_for_a_worker_are_those_with_more_nodes_than_it_takes(case, max_nodes):
    from equitygraph.graph.spark.clusters import _too_large

    edge_component, src, dst = case
    nodes_of = {}
    for c, a, b in zip(edge_component.tolist(), src.tolist(), dst.tolist()):
        nodes_of.setdefault(c, set()).update((a, b))
    span = int(max(src.max(initial=0), dst.max(initial=0))) + 1
    assert _too_large(edge_component, src, dst, span, max_nodes) == sorted(
        c for c, nodes in nodes_of.items() if len(nodes) > max_nodes)


def test_a_frame_s_columns_are_as_wide_as_the_arrays():
    from equitygraph.graph.spark.clusters import _spark_type

    assert [_spark_type(np.zeros(1, dtype=t)) for t in (np.int8, np.int32, np.uint32, np.int64)] == [
        "int", "int", "long", "long"]
