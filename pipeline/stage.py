"""What a stage is.

A stage turns an iterable of documents into an iterator of documents. Most
stages look at one document at a time: they subclass ``MapStage`` and write
``process``. Those are the stages an engine may spread over many workers,
since ``process`` needs nothing but the document and the stage's config.
A stage never touches files, the CLI or the engine.
"""
from __future__ import annotations

import time
from collections import Counter
from typing import Iterable, Iterator, Protocol, Sequence

from .document import Document
from .timelimit import Overtime, TimeLimit


class StageFailure(RuntimeError):
    """A stage broke on a document through no fault of the document."""

    def __init__(self, stage: str, doc: Document, cause: BaseException):
        where = doc.source + (f" #{doc.offset}" if doc.offset is not None else "")
        super().__init__(f"{stage} stage failed on {where}: {type(cause).__name__}: {cause}")
        self.stage, self.source, self.offset = stage, doc.source, doc.offset

    def __reduce__(self):
        # Raised in a worker process, it crosses to the run's process pickled.
        return _stage_failure, (str(self), self.stage, self.source, self.offset)


def _stage_failure(message: str, stage: str, source: str, offset: int | None) -> StageFailure:
    exc = StageFailure.__new__(StageFailure)
    RuntimeError.__init__(exc, message)
    exc.stage, exc.source, exc.offset = stage, source, offset
    return exc


class Stage(Protocol):
    name: str

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]: ...


class MapStage:
    """A stage that handles each pending document on its own."""

    name = "stage"

    def process(self, doc: Document) -> Document:  # pragma: no cover - abstract
        raise NotImplementedError

    def ready(self, doc: Document) -> None:
        """Work that must not run under a time limit (imports), before ``process``."""

    def safe_process(self, doc: Document) -> Document:
        """``process``, with failures sorted into the input's and the program's.

        The input's fault becomes a rejection with a specific reason: one bad
        document never stops a run. Anything else is the program's or the
        environment's fault and raises ``StageFailure``: the run fails and
        commits nothing for the documents it had not yet committed, which the
        next run tries again. By exception class:

        * ``RecursionError``: input nested too deeply for the stage (input);
        * ``UnicodeError``: characters the stage cannot encode, such as lone
          surrogates from undecodable bytes (input);
        * ``MemoryError``: the machine is short of memory; inputs are bounded
          in size, so this is not one input's fault (environment);
        * ``OSError``: a disk, a store or the system failing (environment);
        * any other exception: a bug (program).

        Stages catch the errors of their libraries that mean bad input
        themselves (extract: pages the parser cannot read), with reasons of
        their own. Time limits (``timelimit.Overtime``) pass through.
        """
        if not doc.pending:
            return doc
        try:
            return self.process(doc)
        except RecursionError:
            return doc.reject(f"{self.name}: input nested too deeply to process (RecursionError)")
        except UnicodeError as exc:
            return doc.reject(f"{self.name}: characters that cannot be processed ({type(exc).__name__})")
        except Exception as exc:  # MemoryError and OSError included
            raise StageFailure(self.name, doc, exc) from exc

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            yield self.safe_process(doc)


class PerDocument:
    """Map stages applied to each document in turn, under one wall-clock
    bound per document across all of them (``seconds``; 0: none).

    A document over its time is rejected, naming the stage it was stopped
    in; it says nothing about the next one. ``seconds_by_stage`` adds up
    each stage's own time.
    """

    def __init__(self, stages: Sequence[MapStage], seconds: float = 0.0):
        self.stages = list(stages)
        self.seconds = seconds
        self.seconds_by_stage: Counter = Counter()

    def finish(self, doc: Document) -> Document:
        for stage in self.stages:
            stage.ready(doc)
        limit = TimeLimit(self.seconds)
        stage_name = ""
        try:
            with limit:
                for stage in self.stages:
                    stage_name = stage.name
                    start = time.perf_counter()
                    try:
                        doc = stage.safe_process(doc)
                    finally:
                        self.seconds_by_stage[stage_name] += time.perf_counter() - start
        except Overtime as exc:
            if exc.limit is not limit:
                raise
            return doc.reject(f"took longer than {self.seconds:g} s (stopped in {stage_name})")
        return doc

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            yield self.finish(doc)
