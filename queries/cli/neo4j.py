"""``equitygraph neo4j install|start|stop|status|import``: the local Neo4j server the project runs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ...graph.stores.neo4j_server import Neo4jServer
from ..i18n import _
from .options import emit, format_option, reading_options
from .speech import Group


def _home_option(command):
    return click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="EQUITYGRAPH_NEO4J_HOME",
                        default=None, help="The server's folder [env EQUITYGRAPH_NEO4J_HOME; default ./.neo4j].")(command)


def _port_option(command):
    return click.option("--port", type=click.IntRange(1, 65535), default=7687, show_default=True,
                        help="Bolt port on 127.0.0.1.")(command)


@click.group(cls=Group)
def neo4j():
    """Run a local Neo4j 5.26 LTS Community server, assembled from Maven Central."""


@neo4j.command()
@_home_option
def install(home):
    """Copy the server's jars from Maven Central into HOME/lib (needs Maven; once per version)."""
    server = Neo4jServer(home)
    server.install()
    click.echo(_("Neo4j jars in {path}").format(path=server.lib))


@neo4j.command()
@_home_option
@_port_option
@click.option("--password", envvar="NEO4J_PASSWORD", default=None,
              help="The password of user neo4j, set at the first start [env NEO4J_PASSWORD]; without it one is "
                   "generated and kept in HOME/password (readable by you only), which the other commands use "
                   "for this server by themselves.")
@click.option("--no-auth", is_flag=True, help="Run without authentication (anyone on this machine may connect).")
@click.option("--heap", default="2g", show_default=True, help="JVM heap (512m, 2g, ...).")
@click.option("--pagecache", default="2g", show_default=True, help="Neo4j page cache (512m, 2g, ...).")
@click.option("--http-port", type=click.IntRange(1, 65535), default=None, help="Also serve HTTP (Browser) here.")
def start(home, port, password, no_auth, heap, pagecache, http_port):
    """Start the server and wait until it answers on Bolt."""
    if no_auth and password:
        raise click.UsageError("--no-auth and --password contradict each other")
    server = Neo4jServer(home, port=port)
    status = server.start(password=password, heap=heap, pagecache=pagecache, http_port=http_port, auth=not no_auth)
    click.echo(_("Neo4j {version} running (pid {pid}) at {uri}; use it with --neo4j-uri {uri} or NEO4J_URI={uri}")
               .format(version=status.version, pid=status.pid, uri=status.uri))
    if not no_auth and password is None:
        click.echo(_("authentication on: user neo4j, password in {path} (used by equitygraph for {uri} by itself)")
                   .format(path=server.password_file, uri=status.uri))


@neo4j.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@_home_option
@click.option("--password", envvar="NEO4J_PASSWORD", default=None,
              help="The password of user neo4j, if the server has authentication on [env NEO4J_PASSWORD].")
@click.option("--database", envvar="NEO4J_DATABASE", default="neo4j", show_default=True,
              help="The database to build [env NEO4J_DATABASE].")
@click.option("--replace", is_flag=True, help="Replace a database that already holds data.")
@reading_options
@format_option
def import_folder(path, home, password, database, replace, encoding, share_scale, fmt):
    """Build the local server's database from a canonical CSV folder with Neo4j's offline importer.

    The fast path for a first load of a large folder: the folder is validated completely, then the
    server is stopped, neo4j-admin builds the database, and the server starts again as it was
    (about 10 s of fixed cost). Use `equitygraph load --neo4j-uri ...` for small folders, to add to
    a database, or for a server that is not run from HOME.
    """
    from ...loaders.csv_folder import import_folder as run_import
    from ..io.load_report import LoadResult

    server = Neo4jServer(home)
    report, store = run_import(server, path, password=password, database=database, replace=replace,
                               encoding=encoding, share_scale=share_scale, progress=sys.stderr.isatty())
    with store:
        emit(LoadResult(report, f"{store.uri} (database {database}, by neo4j-admin import)", store.counts(), "--format"),
             fmt)


@neo4j.command()
@_home_option
def stop(home):
    """Stop the server."""
    stopped = Neo4jServer(home).stop()
    click.echo(_("Neo4j stopped") if stopped else _("Neo4j was not running"))


@neo4j.command()
@_home_option
def status(home):
    """Say whether the server runs, and where."""
    state = Neo4jServer(home).status()
    if state.running:
        click.echo(_("running (pid {pid}) at {uri}, home {home}").format(pid=state.pid, uri=state.uri, home=state.home))
    else:
        click.echo(_("not running, home {home}").format(home=state.home))
        raise SystemExit(3)
