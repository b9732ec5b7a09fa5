"""The investigator's questions the explorer asks of the library, each answered as the command line
answers it: related parties, the enterprise group, the cluster, where a company's risk comes from, the
paths and the stake between two, what changed, the watchlists' alerts, and the early-warning list.
Each answer is its sections (as the page shows them), its data (as ``--format json`` gives it) and
the names of the parties it mentions, so the page can link them."""

from __future__ import annotations

from ...graph.errors import EquityGraphError
from .. import explore
from ..render import Result
from . import params

#: Questions about one entity: the route's name and the library call.
ABOUT_ONE = ("related", "group", "cluster")
TIERS = ("red", "orange", "yellow")


def answer_json(result: Result) -> dict:
    """A library result as the page shows it."""
    data = result.to_dict()
    return {"sections": [{"title": s.title, "columns": list(s.columns), "rows": [list(r) for r in s.rows],
                          "note": s.note, "empty": s.empty} for s in result.sections()],
            "data": data, "names": explore.names_in(data)}


def about_one(question: str):
    """The endpoint body of a question about the entity in the path."""
    from ..relations.groups import cluster_of, group_of
    from ..relations.related import related_parties

    ask = {"related": related_parties, "group": group_of, "cluster": lambda s, i, as_of: cluster_of(s, i, as_of=as_of)}[question]

    def compute(store, request):
        return answer_json(ask(store, request.path_params["id"], as_of=params.filters(request).as_of))

    return compute


SOURCES_NAMED = 25  # sources of a company's network risk the panel names (a register's hub has dozens)


def risk(store, request) -> dict:
    """Where a company's risk comes from: each source named (a link), with its path, and the
    indicators; the scores are the early-warning list's, computed once for the process."""
    from ..risk.config import load_config
    from ..risk.scores import remembered_scores, risk_of

    as_of = params.filters(request).as_of
    config = load_config()
    report = risk_of(store, request.path_params["id"], config, as_of, scores=remembered_scores(store, config, as_of),
                     top_sources=SOURCES_NAMED)
    found = answer_json(report)
    found["names"].update(report.names)
    found["graph"] = _paths_drawn(store, report)
    return found


def _paths_drawn(store, report) -> dict:
    """The sources and the parties on their paths with the ties between them, for the graph to draw
    beside what it shows (each source is a link in the answer; here it is also a node)."""
    from ...graph.stores.base import edge_ends

    on_paths = {i for p in report.explanation.parts for i in p.path}
    steps = {frozenset(pair) for p in report.explanation.parts for pair in zip(p.path, p.path[1:])}
    entities = store.get_many(on_paths)
    sources = {p.source for p in report.explanation.parts if p.source}
    nodes = [explore.entity_json(e) | {"answer": "risk source" if i in sources else "risk path", "beyond": True}
             for i, e in entities.items()]
    edges = [explore.edge_json(r) for r, a, b, _share in edge_ends(store.edges_among(on_paths))
             if frozenset((a, b)) in steps]
    return {"nodes": nodes, "edges": edges}


def between(store, request) -> dict:
    """The paths between ``from`` and ``to`` and, where ``from`` holds in ``to``, its stake."""
    from ..relations.paths import paths_between, stake

    first, second = params.required(request, "from"), params.required(request, "to")
    as_of = params.filters(request).as_of
    found = answer_json(paths_between(store, first, second, as_of=as_of))
    try:
        held = answer_json(stake(store, first, second, as_of=as_of))
    except EquityGraphError:  # no ownership path: the paths say how they are tied
        return found
    found["sections"] += held["sections"]
    found["names"].update(held["names"])
    found["data"] = {"paths": found["data"], "stake": held["data"]}
    return found


CHANGES_DAYS = 365  # what "changes" looks back over when no --since is given: a year
ALERTS_DAYS = 90


def _period(request, days: int) -> tuple:
    """``since`` and ``until`` of a request (dates); ``since`` defaults to ``days`` before ``until``."""
    import datetime as dt

    q = request.query_params
    try:
        until = dt.date.fromisoformat(q["until"]) if q.get("until") else dt.date.today()
        since = dt.date.fromisoformat(q["since"]) if q.get("since") else until - dt.timedelta(days=days)
    except ValueError:
        given = ", ".join(f"{k} {params.shown(q[k])}" for k in ("since", "until") if q.get(k))
        raise ValueError(f"since and until are dates (YYYY-MM-DD), got {given}") from None
    if since > until:
        raise ValueError(f"since ({since}) is after until ({until})")
    return since, until


def changes(store, request) -> dict:
    """What changed at an entity (and ``hops`` around it) from ``since`` to ``until``: a year to today
    unless they are given."""
    from ..changes import changes as changes_between

    since, until = _period(request, CHANGES_DAYS)
    entity = explore.entity_by_id(store, request.path_params["id"])
    return answer_json(changes_between(store, since, until, (entity.id,), params.number(request, "hops", 0, 0, 3)))


def alerts(store, request) -> dict:
    """The alerts of every watchlist (or ``list``) from ``since`` to ``until``: 90 days to today unless given."""
    from ..watch import alerts as watched_alerts

    since, until = _period(request, ALERTS_DAYS)
    return answer_json(watched_alerts(store, since, until, request.query_params.get("list") or None))


def early_warnings(store, request) -> dict:
    """The early-warning list with its filters (``tier``, ``region``, ``industry``, ``cluster``)."""
    from ..risk.config import load_config
    from ..risk.scores import warnings

    q = request.query_params
    tier = q.get("tier") or None
    if tier is not None and tier not in TIERS:
        raise ValueError(f"tier: {params.shown(tier)} is not one of {', '.join(TIERS)}")
    top = params.number(request, "top", 50, 1, 500)
    return answer_json(warnings(store, load_config(), top, tier, params.filters(request).as_of,
                                q.get("region") or None, q.get("industry") or None, q.get("cluster") or None,
                                offset=params.number(request, "offset", 0, 0, 100_000)))
