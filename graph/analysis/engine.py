"""The whole-graph steps an analysis may run elsewhere: direct control (the rules, company by
company), the climb of control (pointer jumping), connected components, the communities of the
large ones, integrated ownership and the risk walk. :data:`IN_PROCESS` runs them here with scipy;
:class:`equitygraph.graph.spark.SparkEngine` runs the same steps as Spark DataFrame iterations and
gives the same answers (``analyze --engine spark``).

Each step is a function of arrays (the driver's), so an engine changes where the work is done, never
what the answer is.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class InProcess:
    """The steps on this machine, in this process."""

    name = "in-process"

    def direct_control(self, holder, company, low, high, appoints, board_size, hidden, missing, rules, floating=None):
        """The control rules applied to each company's holders (:func:`.direct_control.decide_direct`)."""
        from .direct_control import decide_direct

        return decide_direct(holder, company, low, high, appoints, board_size, hidden, missing, rules, floating)

    def chase(self, following: np.ndarray, max_hops: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Where each chain of ``following`` ends, and how far (:func:`.climb.chase`)."""
        from .climb import chase

        return chase(following, max_hops)

    def components(self, src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
        """The connected component of each of ``n`` nodes, numbered in the order of their first node
        (scipy's numbering) over the undirected edges ``src``-``dst``."""
        from scipy.sparse.csgraph import connected_components

        adjacency = sp.coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n)).tocsr()
        return connected_components(adjacency, directed=False)[1]  # 32 bits

    def communities(self, edge_component: np.ndarray, src: np.ndarray, dst: np.ndarray, seed: int,
                    resolution: float) -> tuple[np.ndarray, np.ndarray]:
        """Each component's communities (:func:`.communities.components_communities`: as each alone), the
        edges ``src``-``dst`` grouped by ``edge_component``: the nodes and their community numbers within
        their component."""
        from .communities import components_communities

        return components_communities(edge_component, src, dst, seed, resolution)

    def integrated(self, A: sp.csr_matrix) -> sp.csr_matrix:
        """``A + A^2 + ...`` (see :func:`.ownership.integrated`)."""
        from .ownership import integrated

        return integrated(A)

    def largest_owners(self, A: sp.csr_matrix, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each entity's largest owner among ``owners`` by integrated ownership, and its share
        (:func:`.top_owners.largest_owners`: a block of owners at a time, never the whole of ``T``)."""
        from .top_owners import largest_owners

        return largest_owners(A, owners)

    def pagerank(self, spread: sp.csr_matrix, seeds: np.ndarray, steps: int) -> np.ndarray:
        from .risk import pagerank

        return pagerank(spread, seeds, steps)

    def debtrank(self, spread: sp.csr_matrix, seeds: np.ndarray, steps: int) -> np.ndarray:
        from .risk import debtrank

        return debtrank(spread, seeds, steps)


IN_PROCESS = InProcess()
