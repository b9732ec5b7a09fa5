"""What every command shares: the error shell, the store and format options, opening a store and
printing a result."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from ...graph.errors import EquityGraphError, StoreError, shortened
from ...graph.model import check_day
from ...graph.stores.base import Store
from ...graph.stores.sqlite import SQLiteStore, default_path
from .. import i18n
from ..render import Result, printable
from .speech import Group, speak

FORMATS = ("table", "json", "jsonl", "csv")


class Commands(Group):
    """Turns library errors into one-line messages; unexpected errors too, unless debugging."""

    def main(self, *args, **kwargs):
        use_language(None)  # the environment's, until --lang says otherwise: for usage errors met before it
        return super().main(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except EquityGraphError as e:
            raise click.ClickException(printable(shortened(str(e)))) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.ClickException("interrupted") from None
        except BrokenPipeError:
            # The reader went away (| head): nothing more to say, and nowhere to say it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(1) from None
        except Exception as e:  # a bug: say what it was in one line, traceback only on request
            if os.environ.get("EQUITYGRAPH_DEBUG"):
                raise
            raise click.ClickException(printable(shortened(
                f"internal error: {type(e).__name__}: {e} (set EQUITYGRAPH_DEBUG=1 for the traceback)"
            ))) from None


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
                     help="[env NEO4J_PASSWORD; omit for a server with authentication off] On the command line "
                          "every user of the machine sees it (ps): prefer the environment or --neo4j-password-file."),
        click.option("--neo4j-password-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                     default=None, help="Read the Neo4j password from the first line of this file."),
        click.option("--neo4j-database", envvar="NEO4J_DATABASE", default=None,
                     help="[env NEO4J_DATABASE; default: the server's default database]"),
        LANG_OPTION,
    ]
    wants_lang = "lang" in inspect.signature(command).parameters

    @functools.wraps(command)
    def wrapper(*args, db_path=None, neo4j_uri=None, neo4j_user=None, neo4j_password=None, neo4j_password_file=None,
                neo4j_database=None, lang=None, **kwargs):
        # the group's --lang (or the environment's) unless this command names one
        chosen = use_language(lang, click.get_current_context().find_root().params.get("lang"))
        if neo4j_password_file is not None:
            if neo4j_password is not None and click.get_current_context().get_parameter_source(
                    "neo4j_password") is click.core.ParameterSource.COMMANDLINE:
                raise click.UsageError("give --neo4j-password or --neo4j-password-file, not both")
            neo4j_password = _first_line(neo4j_password_file)
        choice = StoreChoice(db_path or default_path(), neo4j_uri or None, neo4j_user, neo4j_password, neo4j_database)
        return command(*args, store=choice, **({"lang": chosen} if wants_lang else {}), **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def not_a_link(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """A path to write to that is not a symbolic link, unless --force (then the link itself is
    replaced by the file: nothing is written through it)."""
    if value is not None and value.is_symlink() and not ctx.params.get("force"):
        raise click.BadParameter(f"{value} is a symbolic link: not written through it (--force replaces the link "
                                 "itself)", ctx=ctx, param=param)
    return value


force_option = click.option("--force", is_flag=True, is_eager=True,
                            help="Write where a symbolic link stands (the link is replaced, its target untouched).")


def _first_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise click.BadParameter(f"cannot read {path.name}: {getattr(e, 'strerror', None) or e}",
                                 param_hint="--neo4j-password-file") from None
    if not lines or not lines[0]:
        raise click.BadParameter(f"{path.name} is empty", param_hint="--neo4j-password-file")
    return lines[0]


def _language_now(ctx, param, value):
    """``--lang`` in force as soon as it is read: for the help and usage errors of what follows it too."""
    if value is not None:
        use_language(value)
    return value


LANG_OPTION = click.option("--lang", type=click.Choice(i18n.LANGUAGES), default=None, is_eager=True,
                           callback=_language_now,
                           help="Language of headings and messages [env EQUITYGRAPH_LANG; default: the locale's].")


def use_language(lang: str | None, default: str | None = None) -> str:
    """Set the language of what is printed: ``lang``, else ``default``, else EQUITYGRAPH_LANG, else
    the locale."""
    chosen = i18n.choose_language(lang or default)
    i18n.set_language(chosen)
    speak(chosen)
    return chosen


def format_option(command):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="How to print the result.")(command)


def open_store(choice: StoreChoice, must_exist: bool = True, write: bool = False) -> Store:
    """The store a command works on. Only commands that write (``write``) may create a store or bring
    an older one up to date; the others open it for reading and change nothing."""
    if choice.neo4j_uri:
        from ...graph.stores.neo4j import Neo4jStore
        from ...graph.stores.neo4j_server import local_password, on_loopback

        # "localhost" may resolve to ::1, where another server than ours could listen and be handed the
        # password: the local server listens on 127.0.0.1 only, so that is where we connect.
        uri = on_loopback(choice.neo4j_uri)
        password = choice.neo4j_password
        if password is None:
            password = local_password(uri)
        return Neo4jStore(uri, choice.neo4j_user, password, choice.neo4j_database,
                          progress=sys.stderr.isatty(), readonly=not write)
    if must_exist and not choice.db_path.exists():
        db = choice.db_path
        raise StoreError(f"no database at {db} (load data first: equitygraph load FOLDER --db {db})")
    return SQLiteStore(choice.db_path, readonly=not write)


def emit(result: Result, fmt: str) -> None:
    click.echo(result.render(fmt))


def reading_options(command):
    """The options of every command that reads a canonical CSV folder."""
    command = click.option("--share-scale", type=click.Choice(("percent", "fraction")), default="percent",
                           show_default=True, help="Read plain share numbers as percentages (51) or fractions (0.51).")(command)
    return click.option("--encoding", default=None,
                        help="Force the files' encoding (e.g. gb18030); detected when omitted.")(command)


def as_of_option(command):
    """--as-of YYYY-MM-DD, handed to the command as a date (or None)."""
    return click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, callback=a_day,
                        help="Use only holdings and roles in force on this date (YYYY-MM-DD).")(command)


def a_day(ctx: click.Context, param: click.Parameter, value) -> dt.date | None:
    """A date option's value as a date, within the days a question may be asked about."""
    if value is None:
        return None
    try:
        return check_day(value.date(), "the date")
    except ValueError as e:
        raise click.BadParameter(str(e), ctx=ctx, param=param) from None
