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
import time
from typing import Iterator

_SIGNAL: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar("equitygraph_cancel", default=None)
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("equitygraph_deadline", default=None)


class Cancelled(Exception):
    """The work was given up by its caller before it ended."""


@contextlib.contextmanager
def cancellable(signal: threading.Event, seconds: float | None = None) -> Iterator[threading.Event]:
    """Run the block so that setting ``signal`` (from any thread) ends it at its next checkpoint;
    ``seconds``: the time it has, which a read that cannot be stopped from outside (a Neo4j query)
    is given as its own limit (:func:`time_left`).

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
    deadline = _DEADLINE.set(time.monotonic() + seconds if seconds is not None else None)
    try:
        yield signal
    finally:
        _DEADLINE.reset(deadline)
        _SIGNAL.reset(token)


def time_left() -> float | None:
    """The seconds the work running here has left (never below a millisecond), or None: no limit."""
    deadline = _DEADLINE.get()
    return None if deadline is None else max(deadline - time.monotonic(), 0.001)


def cancelled() -> bool:
    """Whether the work running here was given up (never outside :func:`cancellable`)."""
    signal = _SIGNAL.get()
    return signal is not None and signal.is_set()


def checkpoint() -> None:
    """Raise :class:`Cancelled` if the work running here was given up."""
    if cancelled():
        raise Cancelled("given up by its caller")
