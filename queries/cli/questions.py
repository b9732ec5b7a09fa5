"""The questions about named companies and the whole graph: search, company, control, analyze."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..i18n import _
from .options import a_day, as_of_option, emit, format_option, open_store, store_option
from .speech import Command


@click.command(cls=Command)
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@store_option
@format_option
def search(text, limit, store, fmt):
    """Find companies, persons and organizations by name, alias or registration number, and an address,
    phone or e-mail as written (then: equitygraph shared TEXT)."""
    from ..search import search_entities

    with open_store(store) as opened:
        emit(search_entities(opened, text, limit), fmt)


@click.command(cls=Command)
@click.argument("text")
@as_of_option
@store_option
@format_option
def shared(text, as_of, store, fmt):
    """Who is registered at an address, or under a phone or e-mail (TEXT as written, or its id)."""
    from ..contacts import who_shares

    with open_store(store) as opened:
        emit(who_shares(opened, text, as_of), fmt)


@click.command(cls=Command)
@click.argument("name")
@store_option
@format_option
def company(name, store, fmt):
    """Everything about one company (or person): profile, holders, holdings, officers, contacts, events."""
    from ..company import company_report

    with open_store(store) as opened:
        emit(company_report(opened, name), fmt)


@click.command(cls=Command)
@click.argument("name")
@as_of_option
@click.option("--threshold", type=click.FloatRange(0, 100, min_open=True), default=25.0, show_default=True,
              help="Beneficial-ownership threshold in percent.")
@click.option("--exclusive", is_flag=True, help="Count only holdings above the threshold (> 25 %), not at it.")
@store_option
@format_option
def control(name, as_of, threshold, exclusive, store, fmt):
    """Who actually controls NAME, through which chains, its beneficial owners and concealment signals."""
    from ..control.report import control_report

    with open_store(store) as opened:
        emit(control_report(opened, name, as_of=as_of, threshold=threshold / 100, inclusive=not exclusive), fmt)


@click.command(cls=Command)
@click.argument("names", nargs=-1)
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              callback=a_day, help="First day (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              callback=a_day,
              help="Last day (YYYY-MM-DD) [default: today].")
@click.option("--hops", type=click.IntRange(0, 3), default=0, show_default=True,
              help="Also the changes at entities this many hops from each NAME.")
@store_option
@format_option
def changes(names, since, until, hops, store, fmt):
    """What changed from --since to --until: holders in and out, shares, officers and legal
    representatives, risk events, and for each NAME its actual controller (every company when no NAME)."""
    from ..changes import changes as changes_between

    with open_store(store) as opened:
        emit(changes_between(opened, since, until, tuple(names), hops), fmt)


def _spark_conf(ctx, param, values):
    conf = {}
    for value in values:
        key, equals, setting = value.partition("=")
        if not equals or not key.strip():
            raise click.BadParameter(f"{value!r} is not KEY=VALUE (e.g. spark.driver.memory=8g)")
        conf[key.strip()] = setting.strip()
    return conf


def _spark_engine(master: str, conf: dict[str, str]):
    """The Spark engine, a setting of ours it cannot take being a usage error of --spark-conf (exit 2)."""
    from ...graph.spark import SettingError, SparkEngine

    try:
        return SparkEngine(master, conf)
    except SettingError as e:
        raise click.BadParameter(str(e), param_hint="'--spark-conf'") from None


@click.command(cls=Command)
@click.option("--risk-config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your own risk.toml for the risk scores (see equitygraph risk).")
@click.option("--engine", type=click.Choice(("in-process", "spark")), default="in-process", show_default=True,
              help="Where the whole-graph steps run: here, or on Apache Spark (pip install 'equitygraph[spark]'; "
                   "see docs/scale-out.md). The answers are the same.")
@click.option("--master", default="local[*]", show_default=True,
              help="The Spark master (--engine spark): local[N], spark://HOST:7077, yarn, k8s://...")
@click.option("--spark-conf", "spark_conf", multiple=True, callback=_spark_conf, metavar="KEY=VALUE",
              help="A Spark setting (--engine spark), e.g. spark.driver.memory=8g; repeat for several.")
@as_of_option
@store_option
@format_option
def analyze(config_path, engine, master, spark_conf, as_of, store, fmt):
    """Decide every company's actual controller, largest owner, group, cluster and risk, and write
    them back to the store."""
    from ..analyze import analyze as analyze_store
    from ..risk.config import load_config

    if engine != "spark" and (master != "local[*]" or spark_conf):
        raise click.UsageError("--master and --spark-conf go with --engine spark")
    config = load_config(config_path)  # a bad file stops here, before anything is written
    spark = _spark_engine(master, spark_conf) if engine == "spark" else None  # no session started yet
    with open_store(store, write=True) as opened:
        def progress(step):
            if sys.stderr.isatty():
                click.echo(f"{_(step)} ...", err=True)

        try:
            emit(analyze_store(opened, as_of, progress, risk_config=config, engine=spark), fmt)
        finally:
            if spark is not None:
                spark.stop()


@click.command("spark-analyze", cls=Command)
@click.argument("input_path", metavar="INPUT")
@click.argument("output_path", metavar="OUTPUT")
@click.option("--master", default="local[*]", show_default=True,
              help="The Spark master: local[N], spark://HOST:7077, yarn, k8s://...")
@click.option("--spark-conf", "spark_conf", multiple=True, callback=_spark_conf, metavar="KEY=VALUE",
              help="A Spark setting, e.g. spark.driver.memory=8g; repeat for several.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--risk-config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your own risk.toml for the risk scores (see equitygraph risk).")
@as_of_option
@format_option
def spark_analyze(input_path, output_path, master, spark_conf, overwrite, config_path, as_of, fmt):
    """Analyse INPUT on Apache Spark and write the results to OUTPUT as Parquet, with no store: INPUT is
    a folder of Parquet tables (export --format parquet) on any path Spark reads (hdfs://, s3a://, a
    local folder), or anything load reads on this machine (see docs/scale-out.md)."""
    from ..risk.config import load_config
    from ..scale_out import spark_analyze as analyze_on_spark

    config = load_config(config_path)
    spark = _spark_engine(master, spark_conf)

    def progress(step):
        if sys.stderr.isatty():
            click.echo(f"{_(step)} ...", err=True)

    try:
        emit(analyze_on_spark(input_path, output_path, spark, as_of, progress, config, overwrite), fmt)
    finally:
        spark.stop()
