"""The HTML pages: the interactive graph page and the case report."""

from __future__ import annotations

from pathlib import Path

import click

from .options import as_of_option, open_store, store_option


@click.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The HTML file.")
@click.option("--depth", type=click.IntRange(1, 4), default=2, show_default=True)
@click.option("--max-nodes", type=click.IntRange(10, 2000), default=150, show_default=True)
@click.option("--cluster", "whole_cluster", is_flag=True, help="Draw NAME's whole cluster instead of its neighbourhood.")
@as_of_option
@store_option
def viz(name, output, depth, max_nodes, whole_cluster, as_of, store):
    """Draw NAME's neighbourhood (or its cluster) as an interactive page (one offline HTML file)."""
    from ..pages.graph_page import cluster_page, graph_page

    with open_store(store) as opened:
        if whole_cluster:
            page = cluster_page(opened, name, max_nodes=max_nodes, as_of=as_of)
        else:
            page = graph_page(opened, name, depth=depth, max_nodes=max_nodes, as_of=as_of)
    page.save(output)
    click.echo(f"wrote {output}: {page.nodes} nodes, {page.edges} edges"
               + (f", {len(page.collapsed)} hubs collapsed" if page.collapsed else ""), err=True)


@click.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The HTML file.")
@as_of_option
@store_option
def report(name, output, as_of, store):
    """Write a self-contained case report on NAME (HTML, with the graph embedded)."""
    from ..pages.case_report import case_report

    with open_store(store) as opened:
        page = case_report(opened, name, as_of=as_of)
    page.save(output)
    click.echo(f"wrote {output}", err=True)
