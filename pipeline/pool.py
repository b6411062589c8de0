"""The per-document stages in worker processes, results in input order.

Extract, strip and normalize look at one document at a time, so a run can
hand documents to a pool of processes and take them back in the order it
sent them: the output is the same, byte for byte, as in one process. The
process that reads the inputs also deduplicates and writes, while the
workers clean.

Workers are forked from a small server process started fresh (the
"forkserver" start method), not from the run itself: they never inherit the
run's open files, its locks among them, nor threads a library started.

A document's own fault stays what the stage makes of it (a rejection with a
reason). Anything else a worker raises, and a worker that dies, fail the
run like any program fault in one process.
"""
from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter, deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from typing import Callable, Iterable, Iterator, Sequence

from .document import HTML, Document
from .stage import PerDocument

log = logging.getLogger(__name__)

# Below this many documents a pool costs more than it saves (starting one
# takes a few hundred milliseconds of CPU).
START_AT = 64
# A task is a chunk of documents: up to this many, or this much content.
CHUNK_DOCS = 64
CHUNK_CHARS = 256_000
# Work handed out ahead of the reader: at least a few chunks per worker, and
# as many more as fit these bounds, so that the workers keep cleaning while
# this process deduplicates, writes and commits a batch (seconds of work at
# each checkpoint); the bounds keep memory small whatever the inputs.
IN_FLIGHT_PER_WORKER = 3
IN_FLIGHT_DOCS = 10_000
IN_FLIGHT_CHARS = 32_000_000

class WorkerFailed(RuntimeError):
    """A worker process died (killed, out of memory, crashed): a program or
    environment fault, never a property of the documents it held."""


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return max(os.cpu_count() or 1, 1)


def run_chain(docs: Iterable[Document], make_chain: Callable[[], PerDocument], workers: int,
              seconds: Counter | None = None, start_at: int | None = None) -> Iterator[Document]:
    """``docs`` through the chain of stages ``make_chain()`` builds, in
    ``workers`` processes (1: in this one), in input order.

    ``make_chain`` is pickled to the workers, so it must be a module-level
    function or a ``functools.partial`` of one. ``seconds`` adds up each
    stage's own seconds, over all workers. The pool starts only once
    ``start_at`` documents (default ``START_AT``) are there to share.
    """
    seconds = Counter() if seconds is None else seconds
    start_at = START_AT if start_at is None else start_at
    it = iter(docs)
    head = list(islice(it, start_at)) if workers > 1 else []
    if workers <= 1 or len(head) < start_at:
        chain_here = make_chain()
        chain_here.seconds_by_stage = seconds
        yield from chain_here(chain(head, it))
        return
    html = any(doc.kind == HTML for doc in head)
    yield from _pooled(chain(head, it), make_chain, workers, seconds, html)


def _pooled(docs: Iterator[Document], make_chain, workers: int, seconds: Counter,
            html: bool) -> Iterator[Document]:
    pool = ProcessPoolExecutor(workers, mp_context=_context(html), initializer=_start_worker,
                               initargs=(make_chain, os.getpid()))
    in_flight: deque = deque()  # (future, documents, characters)
    held = [0, 0]  # documents and characters in flight
    finished = False

    def oldest() -> list[Document]:
        future, count, chars = in_flight.popleft()
        held[0] -= count
        held[1] -= chars
        return _results(future, seconds)

    def full() -> bool:
        return len(in_flight) >= workers * IN_FLIGHT_PER_WORKER and (
            held[0] >= IN_FLIGHT_DOCS or held[1] >= IN_FLIGHT_CHARS)

    try:
        for chunk in _chunks(docs):
            with _ctrl_c_deferred(first=not in_flight and not finished):
                chars = sum(len(doc.content) for doc in chunk)
                in_flight.append((_submit(pool, chunk), len(chunk), chars))
                held[0] += len(chunk)
                held[1] += chars
            # Hand out work up to the bounds first, then the oldest results:
            # work handed out is done while the reader is away.
            while full():
                yield from oldest()
        while in_flight:
            yield from oldest()
        finished = True
    finally:
        if not finished:
            # A failure or Ctrl-C: stop the workers now rather than after
            # their chunks, and before this process exits; a worker still
            # starting would otherwise find the pool's queues gone and print
            # a traceback over the run's last words.
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _ctrl_c_deferred(first: bool) -> Iterator[None]:
    """Ctrl-C held back while the first task starts the workers: a worker
    forked after this process gave up on the pool would print a traceback."""
    if not first or threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list = []
    previous = signal.signal(signal.SIGINT, lambda *args: caught.append(args))
    try:
        yield
    except BaseException:
        if caught:  # e.g. EOFError: the fork server got the Ctrl-C too
            raise KeyboardInterrupt from None
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _submit(pool: ProcessPoolExecutor, chunk: list[Document]):
    try:
        return pool.submit(_work, chunk)
    except BrokenProcessPool as exc:  # a worker died while earlier chunks were out
        raise _died(exc) from None


def _results(future, seconds: Counter) -> list[Document]:
    try:
        docs, spent = future.result()
    except BrokenProcessPool as exc:
        raise _died(exc) from None
    seconds.update(spent)
    return docs


def _died(exc: BrokenProcessPool) -> WorkerFailed:
    return WorkerFailed(f"a worker process died while cleaning documents ({exc})")


def _chunks(docs: Iterator[Document]) -> Iterator[list[Document]]:
    chunk, chars = [], 0
    for doc in docs:
        chunk.append(doc)
        chars += len(doc.content)
        if len(chunk) >= CHUNK_DOCS or chars >= CHUNK_CHARS:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def _context(html: bool):
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    # Imported once in the server, shared by every worker forked from it (the
    # strip stage among them: numpy and the rules, 0.1 s a worker otherwise);
    # trafilatura only when the run has pages to extract. (Effective for the
    # first pool of this process: the server then keeps running.)
    ctx.set_forkserver_preload(["pipeline._forkserver", "pipeline.runner", "pipeline.strip.stage"]
                               + (["trafilatura"] if html else []))
    return ctx


# -- in the worker -----------------------------------------------------------

_chain: list[PerDocument] = []  # this worker's chain of stages, built once


def _start_worker(make_chain, run_pid: int) -> None:
    # Ctrl-C reaches the whole process group: the run decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=exit_when_gone, args=(run_pid,), daemon=True).start()
    _chain[:] = [make_chain()]


def exit_when_gone(run_pid: int, every: float = 0.5) -> None:
    """End this worker once the run's process is gone (killed with -9, its
    pool never shut down): the queue it reads from would never close. Its
    parent (the run, or the fork server, which ends with the run) gone, it
    is reparented: that says so too (the run's pid alone can be found alive
    again). The dedup stage's forked workers watch the run the same way."""
    parent = os.getppid()
    while True:
        time.sleep(every)
        if os.getppid() != parent:
            os._exit(1)
        try:
            os.kill(run_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # the pid went to another user's process
            os._exit(1)


def _work(chunk: list[Document]) -> tuple[list[Document], dict[str, float]]:
    steps = _chain[0]
    steps.seconds_by_stage = Counter()
    return [steps.finish(doc) for doc in chunk], dict(steps.seconds_by_stage)
