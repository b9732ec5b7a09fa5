"""The questions about named companies and the whole graph: search, company, control, analyze."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..i18n import _
from .options import as_of_option, emit, format_option, open_store, store_option


@click.command()
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@store_option
@format_option
def search(text, limit, store, fmt):
    """Find companies, persons and organizations by name, alias or registration number."""
    from ..search import search_entities

    with open_store(store) as opened:
        emit(search_entities(opened, text, limit), fmt)


@click.command()
@click.argument("name")
@store_option
@format_option
def company(name, store, fmt):
    """Everything about one company (or person): profile, holders, holdings, officers, contacts, events."""
    from ..company import company_report

    with open_store(store) as opened:
        emit(company_report(opened, name), fmt)


@click.command()
@click.argument("name")
@as_of_option
@click.option("--threshold", type=click.FloatRange(0, 100, min_open=True), default=25.0, show_default=True,
              help="Beneficial-ownership threshold in percent.")
@click.option("--exclusive", is_flag=True, help="Count only holdings above the threshold (> 25 %), not at it.")
@store_option
@format_option
def control(name, as_of, threshold, exclusive, store, fmt):
    """Who actually controls NAME, through which chains, its beneficial owners and concealment signals."""
    from ..control import control_report

    with open_store(store) as opened:
        emit(control_report(opened, name, as_of=as_of, threshold=threshold / 100, inclusive=not exclusive), fmt)


@click.command()
@click.option("--risk-config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your own risk.toml for the risk scores (see equitygraph risk).")
@as_of_option
@store_option
@format_option
def analyze(config_path, as_of, store, fmt):
    """Decide every company's actual controller, largest owner, group, cluster and risk, and write
    them back to the store."""
    from ..analyze import analyze as analyze_store
    from ..risk_config import load_config

    config = load_config(config_path)  # a bad file stops here, before anything is written
    with open_store(store, write=True) as opened:
        def progress(step):
            if sys.stderr.isatty():
                click.echo(f"{_(step)} ...", err=True)

        emit(analyze_store(opened, as_of, progress, risk_config=config), fmt)
