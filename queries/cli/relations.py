"""Which companies belong together, and why: related parties, enterprise groups, clusters, paths and
stakes between two entities, and the investigator's decisions on person identity."""

from __future__ import annotations

import click

from .options import as_of_option, emit, format_option, open_store, store_option
from .speech import Command

LINK_CHOICE = click.Choice(("ownership", "officers", "contacts", "declared"))


@click.command(cls=Command)
@click.argument("name")
@as_of_option
@click.option("--legal-only", is_flag=True, help="Only related parties in law.")
@click.option("--suspected-only", is_flag=True, help="Only suspected links.")
@click.option("--depth", type=click.IntRange(1, 2), default=2, show_default=True,
              help="1: the company's own contacts, officers and holders; 2: also its controller's and managers'.")
@click.option("--associate", type=click.FloatRange(0, 100, min_open=True), default=20.0, show_default=True,
              help="Percent of votes that makes an associate or a significant investor.")
@click.option("--major", type=click.FloatRange(0, 100, min_open=True), default=5.0, show_default=True,
              help="Percent that makes a major holder (the listing rules' 5 %).")
@store_option
@format_option
def related(name, as_of, legal_only, suspected_only, depth, associate, major, store, fmt):
    """NAME's related parties: in law (rule and evidence) and suspected (strength and reason)."""
    from ..relations.related import related_parties

    if legal_only and suspected_only:
        raise click.UsageError("--legal-only and --suspected-only exclude each other")
    with open_store(store) as opened:
        emit(related_parties(opened, name, as_of, legal=not suspected_only, suspected=not legal_only, depth=depth,
                             associate=associate / 100, major=major / 100), fmt)


@click.command(cls=Command)
@click.argument("name")
@as_of_option
@store_option
@format_option
def group(name, as_of, store, fmt):
    """The enterprise group (系族) NAME belongs to, or heads."""
    from ..relations.groups import group_of

    with open_store(store) as opened:
        emit(group_of(opened, name, as_of), fmt)


@click.command(cls=Command)
@click.option("--top", type=click.IntRange(1, 10000), default=20, show_default=True)
@as_of_option
@store_option
@format_option
def groups(top, as_of, store, fmt):
    """The largest enterprise groups of the whole graph."""
    from ..relations.groups import largest_groups

    with open_store(store) as opened:
        emit(largest_groups(opened, top, as_of), fmt)


def _links_option(command):
    return click.option("--links", type=LINK_CHOICE, multiple=True,
                        help="Link types to cluster over (repeatable; all four by default).")(command)


@click.command(cls=Command)
@_links_option
@click.option("--top", type=click.IntRange(1, 10000), default=20, show_default=True)
@as_of_option
@store_option
@format_option
def clusters(links, top, as_of, store, fmt):
    """The largest clusters of the whole graph (components, then Leiden communities)."""
    from ..relations.groups import LINKS, largest_clusters

    with open_store(store) as opened:
        emit(largest_clusters(opened, top, links or LINKS, as_of), fmt)


@click.command(cls=Command)
@click.argument("name")
@_links_option
@as_of_option
@store_option
@format_option
def cluster(name, links, as_of, store, fmt):
    """The cluster NAME is in, with its members."""
    from ..relations.groups import LINKS, cluster_of

    with open_store(store) as opened:
        emit(cluster_of(opened, name, links or LINKS, as_of), fmt)


@click.command(cls=Command)
@click.argument("first")
@click.argument("second")
@click.option("-k", "count", type=click.IntRange(1, 20), default=3, show_default=True, help="How many paths.")
@click.option("--max-hops", type=click.IntRange(1, 10), default=6, show_default=True)
@_links_option
@click.option("--min-share", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              help="Only holdings of at least this percent.")
@as_of_option
@store_option
@format_option
def path(first, second, count, max_hops, links, min_share, as_of, store, fmt):
    """The shortest paths from FIRST to SECOND, each hop explained."""
    from ..relations.paths import PATH_LINKS, paths_between

    with open_store(store) as opened:
        emit(paths_between(opened, first, second, k=count, max_hops=max_hops, links=links or PATH_LINKS,
                           min_share=min_share / 100, as_of=as_of), fmt)


@click.command(cls=Command)
@click.argument("holder")
@click.argument("company")
@as_of_option
@store_option
@format_option
def stake(holder, company, as_of, store, fmt):
    """HOLDER's integrated stake in COMPANY over every path, with the paths that contribute most."""
    from ..relations.paths import stake as find_stake

    with open_store(store) as opened:
        emit(find_stake(opened, holder, company, as_of), fmt)


def _decision(same: bool):
    @click.argument("first")
    @click.argument("second", required=False)
    @click.option("--note", default=None, help="Why (kept with the decision).")
    @store_option
    @format_option
    def command(first, second, note, store, fmt):
        from ..relations.identity import candidates, decide

        if second is None:
            with open_store(store) as opened:
                emit(candidates(opened, first), fmt)
            return
        with open_store(store, write=True) as opened:
            emit(decide(opened, first, second, same, note), fmt)

    command.__doc__ = ("Record that FIRST and SECOND are one person (kept in the store; survives reloads); with FIRST "
                       "alone, list the persons it may be, with the evidence." if same else
                       "Record that FIRST and SECOND are two different persons (never suggested as one again); with "
                       "FIRST alone, list the persons it may be, with the evidence.")
    return click.command("same" if same else "not-same", cls=Command)(command)


same = _decision(True)
not_same = _decision(False)


@click.command(cls=Command)
@as_of_option
@click.option("--all", "include_agreements", is_flag=True, help="List the declared facts that agree too.")
@store_option
@format_option
def discrepancies(as_of, include_agreements, store, fmt):
    """Where what a register declares (an ultimate parent, an indirect share, a beneficial owner)
    disagrees with what the direct facts give: each is a lead."""
    from ..control.discrepancies import discrepancies as check

    with open_store(store) as opened:
        emit(check(opened, as_of, include_agreements), fmt)
