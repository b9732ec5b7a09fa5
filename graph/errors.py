"""The errors equitygraph raises; the CLI turns each into one line on stderr and exit code 1."""

from __future__ import annotations

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
        self.problem = problem
        where = self.path.name
        if line is not None:
            where += f":{line}"
        if field:
            where += f": {field}"
        super().__init__(f"{where}: {problem}")


class NotFound(EquityGraphError):
    """No entity matches what the user asked for."""


class AmbiguousName(EquityGraphError):
    """Several entities match a name; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: list):
        super().__init__(message)
        self.candidates = candidates


class StoreError(EquityGraphError):
    """The store cannot be opened or written."""
