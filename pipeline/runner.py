"""The local engine: all stages in one process, in order.

``process`` is the whole pipeline over an iterable of documents, the list of
steps in one place; ``run`` adds the file work around it (raw folder in,
clean folder out, state between runs).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .config import PipelineConfig
from .dedup import Dedup
from .document import DUPLICATE, Document, content_id
from .extract import Extract
from .normalize import Normalize
from .stage import MapStage, PerDocument
from .strip import Strip


def document_stages(config: PipelineConfig) -> list[MapStage]:
    """The per-document stages, in order; an engine may run these anywhere."""
    return [Extract(config.extract), Strip(config.strip), Normalize(config.normalize)]


def per_document(config: PipelineConfig) -> PerDocument:
    """The per-document stages as one step, under the per-document time bound."""
    return PerDocument(document_stages(config), config.run.document_seconds)


def prepared(docs: Iterable[Document], config: PipelineConfig = PipelineConfig(),
             timings: "Timings | None" = None) -> Iterator[Document]:
    """Everything before dedup: exact repeats marked, then the per-document stages."""
    timings = timings or Timings()
    docs = timings.timed("read", mark_repeats(docs))
    seconds = config.run.document_seconds
    if config.strip.template_batch > 0:
        # Strip learns templates from runs of documents, so it cannot be a
        # step of the per-document chain: the bound applies on either side.
        extract, strip, *rest = document_stages(config)
        first, last = PerDocument([extract], seconds), PerDocument(rest, seconds)
        timings.direct += [first.seconds_by_stage, last.seconds_by_stage]
        return last(timings.timed(strip.name, strip(first(docs))))
    chain = per_document(config)
    timings.direct.append(chain.seconds_by_stage)
    return chain(docs)


def mark_repeats(docs: Iterable[Document]) -> Iterator[Document]:
    """A second input with the very same bytes is an exact duplicate of the first.

    It gets an id of its own (ids are unique in the manifest) and goes no
    further than this step.
    """
    first: dict[str, str] = {}
    for doc in docs:
        if doc.id in first and doc.pending:
            unique = content_id(f"{doc.id}:{doc.source}:{doc.offset}".encode())
            yield doc.evolve(
                id=unique, status=DUPLICATE, duplicate_of=doc.id, similarity=1.0, rule="exact",
                reason=f"identical to input {first[doc.id]}", content="",
            )
        else:
            first.setdefault(doc.id, doc.source)
            yield doc


@dataclass
class Timings:
    seconds: Counter = field(default_factory=Counter)  # cumulative, of chained generators
    direct: list = field(default_factory=list)  # Counters of stages' own seconds

    def timed(self, name: str, docs: Iterable[Document]) -> Iterator[Document]:
        """Charge the time spent producing each document to ``name``.

        Stages are lazy and chained, so a stage's own time is its total
        minus the time of the stages it pulls from.
        """
        it = iter(docs)
        while True:
            start = time.perf_counter()
            try:
                doc = next(it)
            except StopIteration:
                self.seconds[name] += time.perf_counter() - start
                return
            self.seconds[name] += time.perf_counter() - start
            yield doc

    def own(self, order: list[str]) -> dict[str, float]:
        direct: Counter = sum(self.direct, Counter())
        out, below = {}, 0.0
        for name in order:
            if name in direct:
                out[name] = round(direct[name], 4)
                below += direct[name]
                continue
            total = self.seconds[name]
            out[name] = round(max(total - below, 0.0), 4)
            below = total
        return out


def process(
    docs: Iterable[Document],
    config: PipelineConfig = PipelineConfig(),
    index_path: Path | None = None,
    timings: Timings | None = None,
) -> Iterator[Document]:
    """extract -> strip -> normalize -> dedup, over any iterable of documents."""
    timings = timings or Timings()
    docs = prepared(docs, config, timings)
    return timings.timed("dedup", Dedup(config.dedup, index_path=index_path)(docs))


STAGE_ORDER = ["read", "extract", "strip", "normalize", "dedup"]
ProgressFn = Callable[[Document], None]
