"""Screening against sanctions, PEP and wanted lists (decisions go through ``same`` and ``not-same``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .options import emit, format_option, open_store, store_option
from .speech import Command


@click.command(cls=Command)
@click.argument("lists", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=0.7, show_default=True,
              help="The score from which a pair is a possible match.")
@click.option("--top", type=click.IntRange(1), default=100, show_default=True,
              help="How many matches to show, best first (all are kept in the store).")
@store_option
@format_option
def screen(lists, threshold, top, store, fmt):
    """Screen every company, person and organization against LISTS (FollowTheMoney files: OpenSanctions'
    entities.ftm.json or targets, .gz and .zip too). The matches are kept in the store as leads:
    confirm one with `equitygraph same PARTY list:ID` (it becomes a risk event), reject it with not-same."""
    from ..screen import screen_files

    with open_store(store, write=True) as opened:
        emit(screen_files(opened, list(lists), threshold, progress=sys.stderr.isatty(), top=top), fmt)
