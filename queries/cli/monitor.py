"""Watching companies over time: watchlists kept in the store and the alerts on them."""

from __future__ import annotations

import click

from .options import a_day, emit, format_option, open_store, store_option
from .speech import Command, Group

DATE = click.DateTime(formats=["%Y-%m-%d"])




@click.group(cls=Group)
def watch():
    """Keep watchlists of companies and persons in the store (see equitygraph alerts)."""


@watch.command("add")
@click.argument("name")
@click.option("--list", "list_name", default="default", show_default=True, help="The watchlist.")
@click.option("--hops", type=click.IntRange(0, 3), default=2, show_default=True,
              help="Alert on changes this many hops around NAME too.")
@store_option
@format_option
def add(name, list_name, hops, store, fmt):
    """Watch NAME."""
    from ..watch import watch_add

    with open_store(store, write=True) as opened:
        emit(watch_add(opened, name, list_name, hops), fmt)


@watch.command("rm")
@click.argument("name")
@click.option("--list", "list_name", default="default", show_default=True, help="The watchlist.")
@store_option
@format_option
def remove(name, list_name, store, fmt):
    """Stop watching NAME."""
    from ..watch import watch_remove

    with open_store(store, write=True) as opened:
        emit(watch_remove(opened, name, list_name), fmt)


@watch.command("ls")
@store_option
@format_option
def show(store, fmt):
    """The watchlists and what they hold."""
    from ..watch import WatchReport, watchlists

    with open_store(store) as opened:
        emit(WatchReport(watchlists(opened)), fmt)


@click.command(cls=Command)
@click.option("--list", "list_name", default=None, help="One watchlist [default: all].")
@click.option("--since", type=DATE, required=True, callback=a_day, help="First day (YYYY-MM-DD).")
@click.option("--until", type=DATE, default=None, callback=a_day, help="Last day (YYYY-MM-DD) [default: today].")
@store_option
@format_option
def alerts(list_name, since, until, store, fmt):
    """The changes at watched entities and around them, most severe first, each with its reason
    (--format jsonl: one alert per line, for a ticketing system)."""
    from ..watch import alerts as watched_alerts

    with open_store(store) as opened:
        emit(watched_alerts(opened, since, until, list_name), fmt)
