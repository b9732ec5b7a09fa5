"""Data in and out: load a folder, export the graph, generate a synthetic case, run the demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..render import Section, render_section
from .options import emit, format_option, open_store, reading_options, store_option


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@reading_options
@click.option("--keep-id-numbers", is_flag=True,
              help="Keep persons' ID numbers themselves, not only their salted hashes (they are never printed in full).")
@store_option
@format_option
def load(path, encoding, share_scale, keep_id_numbers, store, fmt):
    """Load a canonical CSV folder (entities.csv, holdings.csv, ...) into the store, all or nothing."""
    from ...loaders.csv_folder import load_folder
    from ..load_report import LoadResult

    with open_store(store, must_exist=False, write=True) as opened:
        report = load_folder(opened, path, encoding=encoding, share_scale=share_scale, progress=sys.stderr.isatty(),
                             keep_id_numbers=keep_id_numbers)
        emit(LoadResult(report, store.describe(), opened.counts()), fmt)


@click.command()
@click.option("--format", "fmt", type=click.Choice(("graphml", "gexf", "jsonl", "csv")), required=True,
              help="graphml / gexf for Gephi and yEd, jsonl, or csv (a canonical CSV folder, loadable again).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="File (or folder, for csv).")
@store_option
def export(fmt, output, store):
    """Export the whole graph (what was written is reported on stderr)."""
    from ..export import export_graph

    with open_store(store) as opened:
        click.echo(export_graph(opened, fmt, output).to_text(), err=True)


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--companies", type=click.IntRange(20, None), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def generate(out_dir, companies, seed):
    """Write a synthetic case with planted ground truth into OUT_DIR (canonical CSV format)."""
    from ...loaders.synthetic import generate_case

    summary = generate_case(out_dir, companies=companies, seed=seed)
    click.echo(render_section(Section(f"Synthetic case in {out_dir}", ["what", "count"], list(summary.to_dict().items()))))


@click.command()
@click.option("--dir", "work_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("equitygraph-demo"),
              show_default=True, help="Where the demo case and its database go.")
@click.option("--companies", type=click.IntRange(50, None), default=400, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@format_option
def demo(work_dir, companies, seed, fmt):
    """Generate a small case, load it, and report on a company whose real controller is hidden."""
    from ..demo import run_demo

    result = run_demo(work_dir, companies=companies, seed=seed)
    emit(result, fmt)
    if fmt == "table":
        click.echo(f"\nExplore further:  equitygraph company {result.report.entity.id} --db {result.db_path}", err=True)
