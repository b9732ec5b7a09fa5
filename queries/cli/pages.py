"""The HTML pages: the interactive graph page and the case report."""

from __future__ import annotations

from pathlib import Path

import click

from ..i18n import _
from .options import as_of_option, force_option, not_a_link, open_store, store_option
from .speech import Command


@click.command(cls=Command)
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, callback=not_a_link,
              help="The HTML file.")
@force_option
@click.option("--depth", type=click.IntRange(1, 4), default=2, show_default=True)
@click.option("--max-nodes", type=click.IntRange(10, 2000), default=150, show_default=True)
@click.option("--cluster", "whole_cluster", is_flag=True, help="Draw NAME's whole cluster instead of its neighbourhood.")
@click.option("--layout", type=click.Choice(("graph", "tree")), default="graph", show_default=True,
              help="tree: the penetration tree, holders above (--depth levels) and investments below.")
@as_of_option
@store_option
def viz(name, output, force, depth, max_nodes, whole_cluster, layout, as_of, store):
    """Draw NAME's neighbourhood (or its cluster) as an interactive page (one offline HTML file)."""
    from ..pages.graph_page import cluster_page, graph_page, tree_page

    if whole_cluster and layout == "tree":
        raise click.UsageError("--cluster and --layout tree do not go together")
    with open_store(store) as opened:
        if layout == "tree":
            page = tree_page(opened, name, up=max(depth, 3), down=1, as_of=as_of)
        elif whole_cluster:
            page = cluster_page(opened, name, max_nodes=max_nodes, as_of=as_of)
        else:
            page = graph_page(opened, name, depth=depth, max_nodes=max_nodes, as_of=as_of)
    page.save(output)
    click.echo(_("wrote {path}: {nodes} nodes, {edges} edges").format(path=output, nodes=page.nodes, edges=page.edges)
               + (_(", {count} hubs collapsed").format(count=len(page.collapsed)) if page.collapsed else ""), err=True)


@click.command(cls=Command)
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=not_a_link,
              help="The HTML file.")
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=not_a_link,
              help="Also (or only) a PDF of it, printed by headless Chromium.")
@force_option
@as_of_option
@store_option
def report(name, output, pdf, force, as_of, store):
    """Write a self-contained case report on NAME (HTML with the graph embedded, and/or PDF)."""
    from ..pages.case_report import case_report
    from ..pages.pdf import print_pdf

    if output is None and pdf is None:
        raise click.UsageError("say where the report goes: -o FILE.html, --pdf FILE.pdf, or both")
    with open_store(store) as opened:
        page = case_report(opened, name, as_of=as_of)
    if output is not None:
        page.save(output)
        click.echo(_("wrote {path}").format(path=output), err=True)
    if pdf is not None:
        print_pdf(page.html, pdf)
        click.echo(_("wrote {path}").format(path=pdf), err=True)


@click.command(cls=Command)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; any other than 127.0.0.1 or localhost needs the access token.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--token", envvar="EQUITYGRAPH_TOKEN", default=None, show_envvar=True,
              help="The access token every request must carry (at least 32 characters; on the command line every "
                   "user of the machine sees it: prefer the environment); generated and printed once when another "
                   "host is served and none is given.")
@store_option
def serve(host, port, token, lang, store):
    """Explore the store in the browser: search, the company page, a graph that grows by clicking and
    the penetration tree (read-only; nothing leaves this machine)."""
    import uvicorn

    from ..app.server import LOOPBACK, MIN_TOKEN, make_app, new_token

    if token is not None and len(token) < MIN_TOKEN:
        raise click.BadParameter(f"an access token needs at least {MIN_TOKEN} characters, got {len(token)}",
                                 param_hint="--token")
    open_store(store).close()  # a missing or foreign store is said now, not on the first request
    if host not in LOOPBACK and not token:
        token = new_token()
    app = make_app(lambda: open_store(store), token=token, host=host, lang=lang)
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    click.echo(_("equitygraph explorer on {address} (Ctrl-C stops it)").format(address=address), err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
