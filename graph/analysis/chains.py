"""One company's ownership structure above it: exact integrated ownership (Leontief solve),
control chains with cash-flow and control rights, and the wedge between them.

These work on the holdings of a small upstream subgraph (a few hundred entities), given as
:class:`Edge` tuples, so they are exact even with cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import cancel


@dataclass(frozen=True)
class Edge:
    """``holder`` holds ``low``-``high`` of ``company``; ``unknown`` when the share was not given."""

    holder: str
    company: str
    low: float
    high: float
    unknown: bool = False


@dataclass(frozen=True)
class Chain:
    """An ownership path from ``hops[0].holder`` down to ``hops[-1].company``."""

    hops: tuple[Edge, ...]

    @property
    def top(self) -> str:
        return self.hops[0].holder

    @property
    def cash_flow(self) -> tuple[float, float]:
        """The product of the shares: the part of the profits that reaches the top holder."""
        return float(np.prod([h.low for h in self.hops])), float(np.prod([h.high for h in self.hops]))

    @property
    def control(self) -> tuple[float, float]:
        """The weakest link: the smallest share on the chain (La Porta et al. 1999)."""
        return min(h.low for h in self.hops), min(h.high for h in self.hops)


#: The most partial paths the chain search extends: it ends there, however many chains it found.
MAX_STEPS = 20_000


def control_chains(edges: list[Edge], company: str, tops: set[str] | None = None, max_depth: int = 10,
                   max_chains: int = 50, max_steps: int = MAX_STEPS) -> tuple[list[Chain], bool]:
    """Simple ownership paths into ``company`` of at most ``max_depth`` hops, from each of ``tops``
    (or from every holder nobody holds, when ``tops`` is None), largest cash flow first.

    The search is bounded by the work it does, not by what it finds: it follows only holders that
    one of ``tops`` stands above (or is), and extends at most ``max_steps`` partial paths, widest
    holdings first. Returns the chains (at most ``max_chains``) and whether any may have been left
    out (more found than kept, the depth reached, or the search stopped at its bound). Integrated
    figures never come from here: :func:`integrated_in` solves them exactly.

    Examples
    --------
    >>> edges = [Edge("P", "X", 0.6, 0.6), Edge("X", "Y", 0.5, 0.5), Edge("P", "Y", 0.1, 0.1)]
    >>> chains, cut = control_chains(edges, "Y")
    >>> [([h.holder for h in c.hops], round(c.cash_flow[0], 2), c.control[0]) for c in chains]
    [(['P', 'X'], 0.3, 0.5), (['P'], 0.1, 0.1)]
    """
    if max_depth < 1 or max_chains < 1 or max_steps < 1:
        raise ValueError("max_depth, max_chains and max_steps must be at least 1")
    holders_of: dict[str, list[Edge]] = {}
    held = set()
    for e in edges:
        holders_of.setdefault(e.company, []).append(e)
        held.add(e.company)
    for company_holders in holders_of.values():
        company_holders.sort(key=lambda e: (e.high, e.holder))
    leads = _below(edges, tops) if tops is not None else None
    found: list[Chain] = []
    cut = False
    limit = max_chains * 20  # enumerate more than we keep, then keep the largest
    stack: list[tuple[str, tuple[Edge, ...], frozenset]] = [(company, (), frozenset([company]))]
    steps = 0
    while stack:
        steps += 1
        if steps % 1024 == 0:
            cancel.checkpoint()
        if steps > max_steps:
            cut = True
            break
        node, path, seen = stack.pop()
        for e in holders_of.get(node, []):
            if leads is not None and e.holder not in leads:
                continue  # no top stands above this holder: no chain passes through it
            hops = (e,) + path
            is_top = e.holder in tops if tops is not None else e.holder not in held
            if is_top:
                found.append(Chain(hops))
                if len(found) >= limit:
                    cut = True
                    stack.clear()
                    break
            if e.holder not in seen and len(hops) < max_depth and (tops is None or not is_top):
                stack.append((e.holder, hops, seen | {e.holder}))
            elif e.holder not in seen and len(hops) >= max_depth and e.holder in held:
                cut = True
    found.sort(key=lambda c: (-c.cash_flow[1], -c.cash_flow[0], len(c.hops), [h.holder for h in c.hops]))
    if len(found) > max_chains:
        cut = True
    return found[:max_chains], cut


def _below(edges: list[Edge], tops: set[str]) -> set[str]:
    """``tops`` and every entity one of them holds, directly or through others."""
    holdings_of: dict[str, list[str]] = {}
    for e in edges:
        holdings_of.setdefault(e.holder, []).append(e.company)
    reached, todo = set(tops), list(tops)
    while todo:
        for company in holdings_of.get(todo.pop(), []):
            if company not in reached:
                reached.add(company)
                todo.append(company)
    return reached


def integrated_in(edges: list[Edge], company: str) -> dict[str, tuple[float, float]]:
    """Integrated ownership of every holder above ``company``, exactly: ``t = (I - A)^-1 a`` where
    ``a`` is the company's column of the direct-ownership matrix, solved for low and high bounds.

    Examples
    --------
    A 50 % -> B, B 10 % -> A (a cycle); P holds 90 % of A, Q 50 % of B. Of A, P owns 0.9 / 0.95:

    >>> edges = [Edge("A", "B", .5, .5), Edge("B", "A", .1, .1), Edge("P", "A", .9, .9), Edge("Q", "B", .5, .5)]
    >>> {k: round(v[0], 4) for k, v in sorted(integrated_in(edges, "A").items())}
    {'A': 0.0526, 'B': 0.1053, 'P': 0.9474, 'Q': 0.0526}
    """
    nodes = sorted({e.holder for e in edges} | {e.company for e in edges} | {company})
    index = {node: i for i, node in enumerate(nodes)}
    result = {}
    bounds = []
    for bound in ("low", "high"):
        A = np.zeros((len(nodes), len(nodes)))
        for e in edges:
            A[index[e.holder], index[e.company]] += getattr(e, bound)
        try:
            t = np.linalg.solve(np.eye(len(nodes)) - A, A[:, index[company]])
        except np.linalg.LinAlgError:  # shares around a cycle adding to 100 %: the series diverges
            t = np.full(len(nodes), np.nan)
        bounds.append(np.clip(t, 0.0, 1.0) if bound == "high" else t)
    for node, i in index.items():
        low, high = float(bounds[0][i]), float(bounds[1][i])
        if high > 1e-12 or low > 1e-12:
            result[node] = (max(low, 0.0), max(high, low))
    return result
