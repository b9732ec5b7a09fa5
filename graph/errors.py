"""The errors equitygraph raises; the CLI turns each into one line on stderr and exit code 1."""

from __future__ import annotations

import re
from pathlib import Path


class EquityGraphError(Exception):
    """Base class of every error a user can act on."""


class InvalidInput(EquityGraphError):
    """Bad input data, located by file, line and field.

    Examples
    --------
    >>> str(InvalidInput("case/holdings.csv", 7, "share", "'150%' is outside 0-100 %"))
    "holdings.csv:7: share: '150%' is outside 0-100 %"
    """

    def __init__(self, path, line: int | None, field: str | None, problem: str):
        self.path = Path(path)
        self.line = line
        self.field = field
        self.problem = problem = shortened(problem)
        field = shortened(field) if field else field
        where = self.path.name
        if line is not None:
            where += f":{line}"
        if field:
            where += f": {field}"
        super().__init__(f"{where}: {problem}")


def shown(text: str) -> str:
    """A value as error messages quote it: in full when short, its start otherwise.

    Examples
    --------
    >>> shown("60%"), shown("9" * 50)
    ("'60%'", "'9999999999999999999999999999999999999999'... (50 characters)")
    """
    return repr(text) if len(text) <= 40 else repr(text[:40]) + f"... ({len(text):,} characters)"


# A quoted value of more than 80 characters, as a message repeats it (repr's quotes).
_LONG_QUOTED = re.compile(r"'([^'\n]{80,})'")


def shortened(text: str) -> str:
    """``text`` with every quoted value over 80 characters cut to its first 40 and its length: a
    message stays one line however long the value it names.

    Examples
    --------
    >>> shortened("kind: '" + "k" * 1000 + "' is not one of company, person")
    "kind: 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk'... (1,000 characters) is not one of company, person"
    """
    if len(text) <= 200:
        return text
    text = _LONG_QUOTED.sub(lambda m: shown(m.group(1)), text)
    return text if len(text) <= 2000 else text[:2000] + f"... ({len(text):,} characters)"


class NotFound(EquityGraphError):
    """No entity matches what the user asked for."""


class AmbiguousName(EquityGraphError):
    """Several entities match a name; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: list):
        super().__init__(message)
        self.candidates = candidates


class StoreError(EquityGraphError):
    """The store cannot be opened or written."""


class RepeatedKey(StoreError):
    """A table written in pieces holds a key in two of them (a loader reading a file in pieces then
    leaves it to the reader that decides which line wins)."""
