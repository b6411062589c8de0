"""What a stage is.

A stage turns an iterable of documents into an iterator of documents. Most
stages look at one document at a time: they subclass ``MapStage`` and write
``process``. Those are the stages an engine may spread over many workers,
since ``process`` needs nothing but the document and the stage's config.
A stage never touches files, the CLI or the engine.
"""
from __future__ import annotations

import logging
from typing import Iterable, Iterator, Protocol

from .document import Document

log = logging.getLogger(__name__)


class Stage(Protocol):
    name: str

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]: ...


class MapStage:
    """A stage that handles each pending document on its own."""

    name = "stage"

    def process(self, doc: Document) -> Document:  # pragma: no cover - abstract
        raise NotImplementedError

    def safe_process(self, doc: Document) -> Document:
        """``process`` that turns an unexpected failure into a rejection.

        One bad document must never stop a run; its record says what broke.
        """
        if not doc.pending:
            return doc
        try:
            return self.process(doc)
        except (MemoryError, RecursionError) as exc:
            return doc.reject(f"{self.name}: input too complex ({type(exc).__name__})")
        except Exception as exc:  # noqa: BLE001 - isolate the document, keep the run going
            log.debug("%s failed on %s", self.name, doc.id, exc_info=True)
            return doc.reject(f"{self.name}: internal error ({type(exc).__name__}: {exc})")

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            yield self.safe_process(doc)
