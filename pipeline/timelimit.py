"""Wall-clock limits on work in the main thread, nestable.

``TimeLimit(seconds)`` used as a context manager raises ``Overtime`` once
its time is up. Limits nest: an inner limit never extends an outer one
(the earlier deadline wins), and the ``Overtime`` raised names the limit
that expired, so each level catches its own and lets the others through::

    limit = TimeLimit(5)
    try:
        with limit:
            work()
    except Overtime as exc:
        if exc.limit is not limit:
            raise

A timer signal costs two system calls per use (a worker process would cost
a copy of every input; see bench/bench_timeout.py). It interrupts Python
code only, so a long C call ends first; input size limits keep those short.
Outside the main thread there is no limit.
"""
from __future__ import annotations

import signal
import threading
import time

# Fires again this often in case a bare ``except:`` swallowed the first.
_REPEAT = 0.25
_active: list["TimeLimit"] = []  # innermost last


class Overtime(BaseException):
    """A limit expired. A BaseException, so that library code catching
    Exception cannot swallow it."""

    def __init__(self, limit: "TimeLimit"):
        super().__init__(f"over {limit.seconds:g} s")
        self.limit = limit


class TimeLimit:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = 0.0
        self._armed = False
        self._previous = None

    def __enter__(self) -> "TimeLimit":
        if self.seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return self
        self.deadline = time.monotonic() + self.seconds
        if not _active:
            self._previous = signal.signal(signal.SIGALRM, _expired)
        _active.append(self)
        self._armed = True
        _arm()
        return self

    def __exit__(self, *exc) -> None:
        if not self._armed:
            return
        self._armed = False
        _active.remove(self)
        if _active:
            _arm()
        else:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)


def _first() -> TimeLimit:
    """The limit that expires first (the outermost of equal deadlines)."""
    return min(_active, key=lambda limit: limit.deadline)


def _arm() -> None:
    left = _first().deadline - time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, max(left, 1e-4), _REPEAT)


def _expired(signum, frame) -> None:
    if not _active:
        return
    first = _first()
    if time.monotonic() < first.deadline:  # a stale tick of a limit since left
        _arm()
        return
    raise Overtime(first)
