"""The command line's own words in the language in force: click's (``Usage:``, ``Options:``, its usage
errors) through the standard gettext domain click reads them from, and each command's and option's
help through the catalog.

Click marks its messages with :func:`gettext.gettext`, which reads the process's text domain and the
``LANGUAGE`` variable; :func:`speak` points both at our catalog and the language chosen. Help texts
are English in the code (docstrings, ``help=``): the formatter says them from the catalog when it
writes them, so that one text is one message, whatever the terminal's width.
"""

from __future__ import annotations

import gettext
import inspect
import os
import unicodedata

import click

from .. import i18n


def speak(lang: str) -> None:
    """Click's messages in ``lang`` from now on."""
    gettext.bindtextdomain(i18n.DOMAIN, str(i18n.LOCALES))
    gettext.textdomain(i18n.DOMAIN)
    os.environ["LANGUAGE"] = lang


def help_text(command: click.Command) -> str:
    """A command's help as click shows it (the docstring's text before a form feed)."""
    return inspect.cleandoc(command.help or "").partition("\f")[0]


class Formatter(click.HelpFormatter):
    def write_text(self, text: str) -> None:
        super().write_text(i18n.known(text))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, _said(definition)) for term, definition in rows], col_max, col_spacing)


def _said(definition: str) -> str:
    """An option's help in the language in force; click's own note after it (``[default: table]``) it
    has said already."""
    head, mark, tail = definition.partition("  [")
    return i18n.known(head) + mark + tail


class Context(click.Context):
    formatter_class = Formatter


class _Speaking:
    """What our commands and groups share: the formatter that says help in the language in force."""

    context_class = Context

    def get_short_help_str(self, limit: int = 45) -> str:
        said = i18n.known(self.short_help or help_text(self))
        if said.isascii():
            return click.utils.make_default_short_help(said, limit)
        return short_wide(said, limit)

    def get_help_option(self, ctx):
        # click writes --help's text in the language of the first call and keeps it: keep it English,
        # for the formatter to say in whichever language is in force when help is shown
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option


HELP_OPTION = "Show this message and exit."


class Command(_Speaking, click.Command):
    pass


class Group(_Speaking, click.Group):
    command_class = Command


def short_wide(text: str, limit: int) -> str:
    """The first sentence of a text in a wide script, cut to ``limit`` columns (a Chinese character
    takes two); click's own cut looks for spaces, which Chinese has none of.

    Examples
    --------
    >>> short_wide("全图中最大的企业集团。其余见文档。", 45)
    '全图中最大的企业集团。'
    >>> short_wide("判定每家企业的实际控制人、最大股东、企业集团、关联团伙和风险", 20)
    '判定每家企业的实...'
    """
    first = text.split("\n\n")[0].replace("\n", " ")
    end = first.find("。")
    if end >= 0:
        first = first[: end + 1]
    width = lambda ch: 2 if unicodedata.east_asian_width(ch) in "WF" else 1  # noqa: E731
    if sum(map(width, first)) <= limit:
        return first
    kept, used = [], 3
    for ch in first:
        if used + width(ch) > limit:
            break
        kept.append(ch)
        used += width(ch)
    return "".join(kept) + "..."



def help_texts(group: click.Group) -> list[str]:
    """Every help text of ``group``'s commands and options, and of theirs (for the catalog)."""
    found, todo = [], [group]
    while todo:
        command = todo.pop(0)
        found.append(help_text(command))
        found += [p.help for p in command.params if getattr(p, "help", None)]
        if isinstance(command, click.Group):
            todo += [command.commands[name] for name in sorted(command.commands)]
    return [text for text in dict.fromkeys(found) if text]
