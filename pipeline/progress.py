"""What a long command is doing, on stderr, while it does it.

On a terminal, one line is redrawn in place twice a second: the stage at
work, what is done of the total (when the total is known), documents so far,
their rate and the time left. Off a terminal (cron, a log file), the same
figures come as one log line every ``every`` seconds, so that a log shows a
long run is alive; a short run writes none. With ``detail`` (``-v``), each
change of phase is a line of its own as well.

The work being measured only moves counters (``done``, ``docs``, ...); a
thread reads them and writes, so a slow page shows as a stalled rate rather
than a frozen line. ``Progress`` knows nothing about the stages.
"""
from __future__ import annotations

import logging
import shutil
import sys
import threading
import time
from datetime import datetime, timezone
from typing import IO, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")

TICK_SECONDS = 0.5
DEFAULT_EVERY = 60.0


def clock(seconds: float | None) -> str:
    """0:05, 1:02:03; '?' when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counters of one command's work, and the thread that shows them."""

    def __init__(self, label: str, stream: IO[str] | None = None, *, live: bool | None = None,
                 every: float = DEFAULT_EVERY, detail: bool = False,
                 shown: bool = True, now: Callable[[], float] = time.monotonic):
        self.label = label
        self.shown = shown  # False (-q): counters only, nothing written
        self.stream = stream if stream is not None else sys.stderr
        self.live = _is_terminal(self.stream) if live is None else live
        self.every = every
        self.detail = detail
        self.now = now
        self.started = now()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False
        self._last_log = self.started
        self.docs = 0  # documents through so far...
        self.docs_from: Callable[[], int] | None = None  # ... unless counted elsewhere
        self.phase(label)

    # -- what the work updates ------------------------------------------------

    def phase(self, stage: str, total: int | None = None, unit: str = "documents",
              work_total: int | None = None) -> None:
        """A new phase: its name, the total of its units when known, and
        optionally a total of work (bytes) the time left is estimated from."""
        self.stage = stage
        self.where: Callable[[], str] | None = None  # the stage at work, when finer than the phase
        self.total, self.unit, self.done = total, unit, 0
        self.work_total, self.work_done = work_total, 0
        self.phase_started = self.now()
        if self.detail and stage != self.label:
            self._emit_line(f"{self.label}: {stage}" + (f", {total:,} {unit}" if total is not None else "")
                            + f" (after {clock(self.phase_started - self.started)})")

    def documents(self) -> int:
        return self.docs_from() if self.docs_from else self.docs

    def advance(self, units: int = 1, work: int = 0) -> None:
        self.done += units
        self.work_done += work

    def counted(self, items: Iterable[T], units: bool = True, docs: bool = True) -> Iterator[T]:
        """``items``, counting each as a unit done and a document through (either may be left out)."""
        for item in items:
            self.done += units
            self.docs += docs
            yield item

    # -- what is shown ----------------------------------------------------------

    def line(self) -> str:
        now = self.now()
        elapsed = now - self.started
        stage = (self.where() if self.where else None) or self.stage
        parts = [self.label if stage == self.label else f"{self.label}: {stage}"]
        if self.total is not None:
            share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
            parts.append(f"{self.done:,}/{self.total:,} {self.unit}{share}")
        elif self.unit != "documents":
            parts.append(f"{self.done:,} {self.unit}")
        docs = self.documents()
        rate = docs / elapsed if elapsed > 0 else 0.0
        parts.append(f"{docs:,} documents, {rate:,.1f}/s")
        eta = self.eta(now)
        if eta is not None:
            parts.append(f"ETA {clock(eta)}")
        parts.append(f"elapsed {clock(elapsed)}")
        return ", ".join(parts)

    def eta(self, now: float) -> float | None:
        """Seconds left in this phase, from the share of work or of units done."""
        spent = now - self.phase_started
        if self.work_total:
            share = self.work_done / self.work_total
        elif self.total:
            share = self.done / self.total
        else:
            return None
        if share <= 0 or spent <= 0:
            return None
        return spent * (1 - share) / share

    def tick(self) -> None:
        """Show the figures if it is time: always on a terminal, every ``every`` s in a log."""
        if self.live:
            self._draw(self.line())
        elif self.now() - self._last_log >= self.every:
            self._last_log = self.now()
            self._emit_line(self.line())

    def clear(self) -> None:
        """Wipe the live line (before someone else writes to the terminal)."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False

    def _draw(self, text: str) -> None:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        with self._lock:
            self.stream.write("\r" + text[:width] + "\x1b[K")
            self.stream.flush()
            self._drawn = True

    def _emit_line(self, text: str) -> None:
        with self._lock:
            self.clear()
            if not self.live:
                text = f"{datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ} {text}"
            self.stream.write(text + "\n")
            self.stream.flush()

    # -- the thread ---------------------------------------------------------------

    def __enter__(self) -> "Progress":
        global _active
        if not self.shown:
            return self
        _active = self
        self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        global _active
        if not self.shown:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        _active = None
        if self.live:
            with self._lock:
                self.clear()
        # The closing figures: on a terminal for a stage command (a run has its
        # summary), and with -v everywhere.
        if exc[0] is None and (self.detail or self.live and self.label != "run"):
            self._emit_line(self.finished())

    def finished(self) -> str:
        elapsed = self.now() - self.started
        docs = self.documents()
        rate = docs / elapsed if elapsed > 0 else 0.0
        return f"{self.label}: {docs:,} documents in {clock(elapsed)}, {rate:,.1f}/s"

    def _loop(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.tick()
            except (OSError, ValueError):  # stderr closed under us: stop showing
                return


_active: Progress | None = None


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class LineAwareHandler(logging.StreamHandler):
    """A log handler that wipes the live progress line before writing."""

    def emit(self, record: logging.LogRecord) -> None:
        active = _active
        if active is not None and active.live:
            with active._lock:
                active.clear()
                super().emit(record)
        else:
            super().emit(record)

