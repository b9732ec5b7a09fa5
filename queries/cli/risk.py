"""Early warnings of illegal fundraising: the warning list, one company's score and why, and the
evaluation of the scores against the confirmed cases on record."""

from __future__ import annotations

from pathlib import Path

import click

from .options import as_of_option, emit, force_option, format_option, not_a_link, open_store, store_option
from .speech import Command

TIERS = click.Choice(("red", "orange", "yellow"))


def config_option(command):
    return click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="Your own risk.toml (weights, words, thresholds); keys you leave out keep the defaults.")(command)


@click.command(cls=Command)
@click.argument("name", required=False)
@click.option("--top", type=click.IntRange(1, 100000), default=20, show_default=True,
              help="How many companies to list, by score: the warnings first, then those below yellow.")
@click.option("--tier", type=TIERS, default=None, help="Only this tier.")
@click.option("--region", default=None, help="Only companies whose name or address holds this (e.g. 深圳).")
@click.option("--industry", default=None, help="Only companies whose industry or business scope holds this.")
@click.option("--cluster", default=None, help="Only members of this cluster (as written by analyze).")
@click.option("--sources", type=click.IntRange(1, 1000), default=3, show_default=True,
              help="With NAME: how many of its sources in the network to name, each with its path (the rest are one part).")
@config_option
@as_of_option
@store_option
@format_option
def risk(name, top, tier, region, industry, cluster, sources, config_path, as_of, store, fmt):
    """The early-warning list (companies with no confirmed case yet, riskiest first), or NAME's score
    with the reasons: which sources and which indicators it comes from."""
    from ..risk.scores import risk_of, warnings
    from ..risk.config import load_config

    if name and (tier or region or industry or cluster):
        raise click.UsageError("NAME scores one company; --tier, --region, --industry and --cluster filter the list")
    config = load_config(config_path)
    with open_store(store) as opened:
        if name:
            emit(risk_of(opened, name, config, as_of, top_sources=sources), fmt)
        else:
            emit(warnings(opened, config, top, tier, as_of, region, industry, cluster), fmt)


@click.command(cls=Command)
@click.option("--hide", "fraction", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="Hide this fraction of the confirmed cases and rank them (the default, at 0.5).")
@click.option("--seeds", type=click.IntRange(1, 100), default=3, show_default=True,
              help="Random draws of hidden cases, figures averaged.")
@click.option("--past", is_flag=True,
              help="Score as of --as-of (default: the median first-case date) and rank the cases confirmed after it.")
@click.option("--horizon", type=click.IntRange(1, 100000), default=None,
              help="With --past: only cases confirmed within this many days after the date.")
@click.option("--fit", is_flag=True, help="Fit the weights to the cases (time-split logistic regression).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=not_a_link,
              help="With --fit: write the fitted risk.toml here.")
@force_option
@click.option("-k", "k", type=click.IntRange(1, 100000), default=50, show_default=True,
              help="The k of precision@k and recall@k.")
@config_option
@as_of_option
@store_option
@format_option
def evaluate(fraction, seeds, past, horizon, fit, out, force, k, config_path, as_of, store, fmt):
    """How well the risk scores find confirmed cases: intrinsic-only, network-only and combined
    scoring side by side (ROC-AUC, PR-AUC, precision@k, recall@k)."""
    from ..risk.config import load_config
    from ..risk.evaluate import evaluate_hidden, evaluate_past, fit as fit_weights

    chosen = [flag for flag, on in (("--hide", fraction is not None), ("--past", past), ("--fit", fit)) if on]
    if len(chosen) > 1:
        raise click.UsageError(f"{' and '.join(chosen)} exclude each other")
    if out and not fit:
        raise click.UsageError("--out goes with --fit")
    if horizon and not past:
        raise click.UsageError("--horizon goes with --past")
    config = load_config(config_path)
    with open_store(store) as opened:
        if fit:
            emit(fit_weights(opened, config, k, out), fmt)
        elif past:
            emit(evaluate_past(opened, config, as_of, k, horizon), fmt)
        else:
            emit(evaluate_hidden(opened, config, fraction or 0.5, seeds, k, as_of), fmt)
