"""The ``equitygraph`` command: a thin shell over the library. Every command opens a store, calls one
library function and renders its result; errors become one line on stderr with exit code 1."""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from ..graph.errors import EquityGraphError, StoreError
from ..graph.sqlite_store import SQLiteStore, default_path
from ..graph.store import Store
from .render import Result, Section, render_section

FORMATS = ("table", "json", "jsonl", "csv")


class _Commands(click.Group):
    """Turns library errors into one-line messages; unexpected errors too, unless debugging."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except EquityGraphError as e:
            raise click.ClickException(str(e)) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.ClickException("interrupted") from None
        except Exception as e:  # a bug: say what it was in one line, traceback only on request
            if os.environ.get("EQUITYGRAPH_DEBUG"):
                raise
            raise click.ClickException(
                f"internal error: {type(e).__name__}: {e} (set EQUITYGRAPH_DEBUG=1 for the traceback)"
            ) from None


@click.group(cls=_Commands)
@click.version_option(package_name="equitygraph")
def cli():
    """equitygraph: who really controls a company, and what is around it.

    Data lives in an embedded SQLite file (--db, or EQUITYGRAPH_DB, default ./equitygraph.db).
    """


@dataclass(frozen=True)
class StoreChoice:
    """Where a command's data lives: Neo4j when a URI is given, else the embedded file."""

    db_path: Path
    neo4j_uri: str | None = None
    neo4j_user: str | None = None
    neo4j_password: str | None = field(default=None, repr=False)
    neo4j_database: str | None = None

    def describe(self) -> str:
        return self.neo4j_uri if self.neo4j_uri else str(self.db_path)


def store_option(command):
    """--db for the embedded store, --neo4j-* for a Neo4j server (which wins when a URI is given)."""
    options = [
        click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), envvar="EQUITYGRAPH_DB",
                     default=None, help="The embedded store's file [env EQUITYGRAPH_DB; default ./equitygraph.db]."),
        click.option("--neo4j-uri", envvar="NEO4J_URI", default=None,
                     help="Use the Neo4j server at this bolt:// or neo4j:// address [env NEO4J_URI]."),
        click.option("--neo4j-user", envvar="NEO4J_USER", default=None, help="[env NEO4J_USER; default neo4j]"),
        click.option("--neo4j-password", envvar="NEO4J_PASSWORD", default=None, show_envvar=False,
                     help="[env NEO4J_PASSWORD; omit for a server with authentication off]"),
        click.option("--neo4j-database", envvar="NEO4J_DATABASE", default=None,
                     help="[env NEO4J_DATABASE; default: the server's default database]"),
    ]

    @functools.wraps(command)
    def wrapper(*args, db_path=None, neo4j_uri=None, neo4j_user=None, neo4j_password=None, neo4j_database=None, **kwargs):
        choice = StoreChoice(db_path or default_path(), neo4j_uri or None, neo4j_user, neo4j_password, neo4j_database)
        return command(*args, store=choice, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def format_option(command):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="How to print the result.")(command)


def open_store(choice: StoreChoice, must_exist: bool = True) -> Store:
    if choice.neo4j_uri:
        from ..graph.neo4j_store import Neo4jStore

        return Neo4jStore(choice.neo4j_uri, choice.neo4j_user, choice.neo4j_password, choice.neo4j_database,
                          progress=sys.stderr.isatty())
    if must_exist and not choice.db_path.exists():
        db = choice.db_path
        raise StoreError(f"no database at {db} (load data first: equitygraph load FOLDER --db {db})")
    return SQLiteStore(choice.db_path)


def emit(result: Result, fmt: str) -> None:
    click.echo(result.render(fmt))


def reading_options(command):
    """The options of every command that reads a canonical CSV folder."""
    command = click.option("--share-scale", type=click.Choice(("percent", "fraction")), default="percent",
                           show_default=True, help="Read plain share numbers as percentages (51) or fractions (0.51).")(command)
    return click.option("--encoding", default=None,
                        help="Force the files' encoding (e.g. gb18030); detected when omitted.")(command)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@reading_options
@store_option
@format_option
def load(path, encoding, share_scale, store, fmt):
    """Load a canonical CSV folder (entities.csv, holdings.csv, ...) into the store, all or nothing."""
    from ..loaders.csv_folder import load_folder
    from .load_report import LoadResult

    with open_store(store, must_exist=False) as opened:
        report = load_folder(opened, path, encoding=encoding, share_scale=share_scale, progress=sys.stderr.isatty())
        emit(LoadResult(report, store.describe(), opened.counts()), fmt)


@cli.command()
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@store_option
@format_option
def search(text, limit, store, fmt):
    """Find companies, persons and organizations by name, alias or registration number."""
    from .search import search_entities

    with open_store(store) as opened:
        emit(search_entities(opened, text, limit), fmt)


@cli.command()
@click.argument("name")
@store_option
@format_option
def company(name, store, fmt):
    """Everything about one company (or person): profile, holders, holdings, officers, contacts, events."""
    from .company import company_report

    with open_store(store) as opened:
        emit(company_report(opened, name), fmt)


def as_of_option(command):
    """--as-of YYYY-MM-DD, handed to the command as a date (or None)."""
    return click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                        callback=lambda ctx, param, value: value.date() if value else None,
                        help="Use only holdings and roles in force on this date (YYYY-MM-DD).")(command)


@cli.command()
@click.argument("name")
@as_of_option
@click.option("--threshold", type=click.FloatRange(0, 100, min_open=True), default=25.0, show_default=True,
              help="Beneficial-ownership threshold in percent.")
@click.option("--exclusive", is_flag=True, help="Count only holdings above the threshold (> 25 %), not at it.")
@store_option
@format_option
def control(name, as_of, threshold, exclusive, store, fmt):
    """Who actually controls NAME, through which chains, its beneficial owners and concealment signals."""
    from .control import control_report

    with open_store(store) as opened:
        emit(control_report(opened, name, as_of=as_of, threshold=threshold / 100, inclusive=not exclusive), fmt)


@cli.command()
@as_of_option
@store_option
@format_option
def analyze(as_of, store, fmt):
    """Decide every company's actual controller and largest owner, and write them back to the store."""
    from .analyze import analyze as analyze_store

    with open_store(store) as opened:
        def progress(step):
            if sys.stderr.isatty():
                click.echo(f"{step} ...", err=True)

        emit(analyze_store(opened, as_of, progress), fmt)


@cli.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The HTML file.")
@click.option("--depth", type=click.IntRange(1, 4), default=2, show_default=True)
@click.option("--max-nodes", type=click.IntRange(10, 2000), default=150, show_default=True)
@as_of_option
@store_option
def viz(name, output, depth, max_nodes, as_of, store):
    """Draw NAME's neighbourhood as an interactive page (one offline HTML file)."""
    from .viz import graph_page

    with open_store(store) as opened:
        page = graph_page(opened, name, depth=depth, max_nodes=max_nodes, as_of=as_of)
    page.save(output)
    click.echo(f"wrote {output}: {page.nodes} nodes, {page.edges} edges"
               + (f", {len(page.collapsed)} hubs collapsed" if page.collapsed else ""), err=True)


@cli.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The HTML file.")
@as_of_option
@store_option
def report(name, output, as_of, store):
    """Write a self-contained case report on NAME (HTML, with the graph embedded)."""
    from .case_report import case_report

    with open_store(store) as opened:
        page = case_report(opened, name, as_of=as_of)
    page.save(output)
    click.echo(f"wrote {output}", err=True)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(("graphml", "gexf", "jsonl", "csv")), required=True,
              help="graphml / gexf for Gephi and yEd, jsonl, or csv (a canonical CSV folder, loadable again).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="File (or folder, for csv).")
@store_option
def export(fmt, output, store):
    """Export the whole graph (what was written is reported on stderr)."""
    from .export import export_graph

    with open_store(store) as opened:
        click.echo(export_graph(opened, fmt, output).to_text(), err=True)


@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--companies", type=click.IntRange(20, None), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def generate(out_dir, companies, seed):
    """Write a synthetic case with planted ground truth into OUT_DIR (canonical CSV format)."""
    from ..loaders.synthetic import generate_case

    summary = generate_case(out_dir, companies=companies, seed=seed)
    click.echo(render_section(Section(f"Synthetic case in {out_dir}", ["what", "count"], list(summary.to_dict().items()))))


@cli.command()
@click.option("--dir", "work_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("equitygraph-demo"),
              show_default=True, help="Where the demo case and its database go.")
@click.option("--companies", type=click.IntRange(50, None), default=400, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@format_option
def demo(work_dir, companies, seed, fmt):
    """Generate a small case, load it, and report on a company whose real controller is hidden."""
    from .demo import run_demo

    result = run_demo(work_dir, companies=companies, seed=seed)
    emit(result, fmt)
    if fmt == "table":
        click.echo(f"\nExplore further:  equitygraph company {result.report.entity.id} --db {result.db_path}", err=True)


from .neo4j_commands import neo4j  # noqa: E402  (registers the command group)

cli.add_command(neo4j)


def main() -> None:
    cli(prog_name="equitygraph")
