"""The ``equitygraph`` command: a thin shell over the library. Every command opens a store, calls one
library function and renders its result; errors become one line on stderr with exit code 1.

One module per command group; each imports only :mod:`.options`, and this module puts them together.
"""

from __future__ import annotations

import os

import click

from . import data, monitor, neo4j, pages, questions, relations, risk, screening
from .options import LANG_OPTION, Commands, use_language


@click.group(cls=Commands)
@click.version_option(package_name="equitygraph")
@LANG_OPTION
def cli(lang):
    """equitygraph: who really controls a company, and what is around it.

    Data lives in an embedded SQLite file (--db, or EQUITYGRAPH_DB, default ./equitygraph.db).
    """
    use_language(lang)


for command in (data.load, questions.search, questions.shared, questions.company, questions.control, questions.changes, monitor.watch, monitor.alerts, relations.related,
                relations.group, relations.groups, relations.clusters, relations.cluster, relations.path,
                relations.stake, relations.same, relations.not_same, relations.discrepancies, risk.risk, risk.evaluate, screening.screen, questions.analyze, questions.spark_analyze, pages.viz, pages.report, pages.serve,
                data.export, data.generate, data.demo, data.mapping, neo4j.neo4j):
    cli.add_command(command)


def main() -> None:
    # Whatever a command creates (stores, reports, exports, a Neo4j home) holds case data: its owner's alone.
    os.umask(0o077)
    cli(prog_name="equitygraph")
