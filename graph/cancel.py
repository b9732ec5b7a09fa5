"""Long work its caller may give up.

The explorer answers a heavy question on a worker thread within a time budget; when the budget runs
out or the browser goes away, nobody will read the answer, and a thread cannot be killed. So the long
loops of the analyses and the store's reads ask :func:`checkpoint` now and then: inside
:func:`cancellable` with a signal that is set, it raises :class:`Cancelled` and the work ends there.
Outside (the CLI, a notebook, a test) it costs one context-variable read and does nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from typing import Iterator

_SIGNAL: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar("equitygraph_cancel", default=None)


class Cancelled(Exception):
    """The work was given up by its caller before it ended."""


@contextlib.contextmanager
def cancellable(signal: threading.Event) -> Iterator[threading.Event]:
    """Run the block so that setting ``signal`` (from any thread) ends it at its next checkpoint.

    Examples
    --------
    >>> stop = threading.Event()
    >>> with cancellable(stop):
    ...     checkpoint()  # not set: goes on
    ...     stop.set()
    ...     try:
    ...         checkpoint()
    ...     except Cancelled as e:
    ...         print(e)
    given up by its caller
    """
    token = _SIGNAL.set(signal)
    try:
        yield signal
    finally:
        _SIGNAL.reset(token)


def cancelled() -> bool:
    """Whether the work running here was given up (never outside :func:`cancellable`)."""
    signal = _SIGNAL.get()
    return signal is not None and signal.is_set()


def checkpoint() -> None:
    """Raise :class:`Cancelled` if the work running here was given up."""
    if cancelled():
        raise Cancelled("given up by its caller")
