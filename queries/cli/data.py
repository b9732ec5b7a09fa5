"""Data in and out: load a folder, export the graph, generate a synthetic case, run the demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ...graph.stores.private_files import open_private
from ..render import Section, render_section
from ..i18n import _
from .options import a_day, emit, force_option, format_option, not_a_link, open_store, reading_options, store_option
from .speech import Command, Group


INPUT_FORMATS = ("csv", "mapping", "bods", "psc", "gleif", "ftm", "parquet")


@click.command(cls=Command)
@click.argument("path", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "input_format", type=click.Choice(INPUT_FORMATS), default=None,
              help="The input's format: csv (the canonical folder), mapping (Excel / CSV registry extracts), bods, "
                   "psc (UK PSC snapshot), gleif, ftm (FollowTheMoney), parquet (a folder as export --format parquet "
                   "writes it). Told from the content when omitted.")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A mapping file (TOML) saying which column is which field (implies --format mapping); "
                   "without one, the built-in mappings read the common Chinese and English layouts.")
@reading_options
@click.option("--keep-id-numbers", is_flag=True,
              help="Keep persons' ID numbers themselves, not only their salted hashes (they are never printed in full).")
@click.option("--snapshot", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, callback=a_day,
              help="PATH is the whole register as of this day (YYYY-MM-DD): what it no longer holds is ended, "
                   "changed shares start anew, and the history is kept (see docs/monitoring.md).")
@store_option
@click.option("--report-format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True,
              help="How to print the load report.")
def load(path, input_format, mapping, encoding, share_scale, keep_id_numbers, snapshot, store, fmt):
    """Load PATH into the store, all or nothing: a canonical CSV folder, Excel or CSV registry
    extracts, BODS, a UK PSC snapshot, GLEIF or FollowTheMoney files (see docs/inputs.md). Several
    Excel or CSV files of one extract (a company list and its officers, say) are read together:
    company lists first, so that the other tables find the companies they name.

    Loading the same input again changes nothing. The input's format is --format; the report's is
    --report-format."""
    from ...loaders.formats import load_path
    from ..io.load_report import LoadResult

    options = dict(fmt=input_format, mapping=mapping, encoding=encoding, share_scale=share_scale,
                   progress=sys.stderr.isatty(), keep_id_numbers=keep_id_numbers)
    if len(path) > 1 and snapshot is not None:
        raise click.UsageError("a snapshot is one register: give one PATH with --snapshot")
    path = list(path) if len(path) > 1 else path[0]
    with open_store(store, must_exist=False, write=True) as opened:
        if snapshot is None:
            report = load_path(opened, path, **options)
        else:
            from ...loaders.snapshot import load_snapshot

            report = load_snapshot(opened, path, snapshot, **options)
        emit(LoadResult(report, store.describe(), opened.counts()), fmt)
        if snapshot is not None and report.snapshot["previous"] and not report.snapshot["loaded again"]:
            from ..watch import alert_count_line

            click.echo(alert_count_line(opened, report.snapshot["previous"], report.snapshot["date"]), err=True)


@click.group(cls=Group)
def mapping():
    """Mappings for Excel and CSV registry extracts: see what would be read, or start one."""


@mapping.command("check")
@click.argument("mapping_file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--rows", type=click.IntRange(1, 1000), default=5, show_default=True, help="Rows to read from each sheet.")
@click.option("--encoding", default=None, help="Force the CSV files' encoding (e.g. gb18030).")
@format_option
def mapping_check(mapping_file, path, rows, encoding, fmt):
    """Show how MAPPING_FILE reads PATH: each sheet's kind and columns, and the records of its first rows."""
    from ..io.mapping_view import check_mapping

    emit(check_mapping(path, mapping_file, rows=rows, encoding=encoding), fmt)


@mapping.command("init")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=not_a_link,
              help="Write the mapping here (default: print it).")
@click.option("--encoding", default=None, help="Force the CSV files' encoding (e.g. gb18030).")
@force_option
def mapping_init(path, output, encoding, force):
    """Write a starting mapping for PATH from the headers it recognises."""
    from ..io.mapping_view import starting_mapping

    text = starting_mapping(path, encoding=encoding)
    if output is None:
        click.echo(text)
    else:
        with open_private(output, "w", encoding="utf-8") as f:
            f.write(text)
        click.echo(_("wrote {path}").format(path=output), err=True)


@click.command(cls=Command)
@click.option("--format", "fmt", type=click.Choice(("graphml", "gexf", "jsonl", "csv", "ftm", "bods", "parquet")),
              required=True,
              help="graphml / gexf for Gephi and yEd, jsonl, csv (a canonical CSV folder), ftm (FollowTheMoney "
                   "JSON lines), bods (BODS 0.4 statements) or parquet (a folder of typed tables for Spark, pandas "
                   "and DuckDB, with the results of analyze); csv, ftm and bods load again.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, callback=not_a_link,
              help="File (or folder, for csv and parquet).")
@force_option
@store_option
def export(fmt, output, force, store):
    """Export the whole graph (what was written is reported on stderr)."""
    from ..io.export import export_graph

    with open_store(store) as opened:
        click.echo(export_graph(opened, fmt, output).to_text(), err=True)


@click.command(cls=Command)
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--companies", type=click.IntRange(20, None), default=1000, show_default=True,
              help="How many companies the case has.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="The random seed: the same seed writes the same case.")
@click.option("--snapshots", type=click.IntRange(1, 40), default=1, show_default=True,
              help="Write this many register snapshots a quarter apart, one folder per day, with the changes "
                   "planted between them and their truth (changes_truth.csv); load them with load --snapshot DAY.")
def generate(out_dir, companies, seed, snapshots):
    """Write a synthetic case with planted ground truth into OUT_DIR (canonical CSV format)."""
    from ...loaders.synthetic import generate_case
    from ...loaders.synthetic_history import generate_history

    if snapshots > 1:
        summary = generate_history(out_dir, companies=companies, seed=seed, snapshots=snapshots)
        title = _("Register snapshots of a synthetic case in {path}")
    else:
        summary = generate_case(out_dir, companies=companies, seed=seed)
        title = _("Synthetic case in {path}")
    click.echo(render_section(Section(title.format(path=out_dir), ["what", "count"],
                                      [(_(k.replace("_", " ")), n) for k, n in summary.to_dict().items()])))


@click.command(cls=Command)
@click.option("--dir", "work_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("equitygraph-demo"),
              show_default=True, help="Where the demo case and its database go.")
@click.option("--companies", type=click.IntRange(50, None), default=400, show_default=True,
              help="How many companies the case has.")
@click.option("--seed", type=int, default=7, show_default=True,
              help="The random seed: the same seed writes the same case.")
@format_option
def demo(work_dir, companies, seed, fmt):
    """Generate a small case, load it, and report on a company whose real controller is hidden."""
    from ..demo import run_demo

    result = run_demo(work_dir, companies=companies, seed=seed)
    emit(result, fmt)
    if fmt == "table":
        click.echo("\n" + _("Explore further:") + f"  equitygraph company {result.report.entity.id} --db {result.db_path}",
                   err=True)
        if result.warnings.rows:
            first = result.warnings.rows[0]["id"]
            click.echo(_("Every source of a score:") + f"  equitygraph risk {first} --sources 25 --db {result.db_path}",
                       err=True)
        click.echo(_("In the browser:") + f"  equitygraph serve --db {result.db_path}", err=True)
