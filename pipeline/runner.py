"""The local engine: all stages in one process, in order.

``process`` is the whole pipeline over an iterable of documents, the list of
steps in one place; ``run`` adds the file work around it (raw folder in,
clean folder out, state between runs).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .config import PipelineConfig
from .document import DUPLICATE, Document, content_id
from .extract import Extract
from .normalize import Normalize
from .pool import run_chain
from .stage import MapStage, PerDocument

# "strip" is Strip.name: the strip stage (numpy, the line model) is imported
# only by the commands that run it.
DOCUMENT_STAGES = (Extract.name, "strip", Normalize.name)


def _strip(config: PipelineConfig) -> MapStage:
    from .strip import Strip

    return Strip(config.strip)


def document_stages(config: PipelineConfig, names: tuple[str, ...] | None = None) -> list[MapStage]:
    """The per-document stages, in order (only those in ``names``, if given);
    an engine may run these anywhere."""
    makers = ((Extract.name, lambda: Extract(config.extract)), ("strip", lambda: _strip(config)),
              (Normalize.name, lambda: Normalize(config.normalize)))
    return [make() for name, make in makers if names is None or name in names]


def per_document(config: PipelineConfig, names: tuple[str, ...] | None = None) -> PerDocument:
    """The per-document stages (those in ``names``, if given) as one step,
    under the per-document time bound."""
    return PerDocument(document_stages(config, names), config.run.document_seconds)


def prepared(docs: Iterable[Document], config: PipelineConfig = PipelineConfig(),
             timings: "Timings | None" = None, workers: int = 1) -> Iterator[Document]:
    """Everything before dedup: exact repeats marked, then the per-document
    stages, in ``workers`` processes (see ``pool``; same documents, same order)."""
    timings = timings or Timings()
    docs = timings.timed("read", mark_repeats(docs))
    first = Counter()
    timings.direct.append(first)
    if config.strip.template_batch > 0:
        # Strip learns templates from runs of documents, so it cannot be a
        # step of the per-document chain: the bound applies on either side,
        # and only extract goes to the workers.
        extract, strip, *rest = DOCUMENT_STAGES
        docs = timings.timed(POOLED, run_chain(docs, partial(per_document, config, (extract,)), workers, first))
        last = per_document(config, tuple(rest))
        timings.direct.append(last.seconds_by_stage)
        stage = document_stages(config, (strip,))[0]
        return last(timings.timed(strip, stage(docs)))
    return timings.timed(POOLED, run_chain(docs, partial(per_document, config), workers, first))


# The step that may run in worker processes, timed as a whole: with workers,
# the stages' own seconds add up over processes, not along the chain.
POOLED = "per-document stages"


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
    counts: Counter = field(default_factory=Counter)  # documents each timed step has given out
    current: str | None = None  # the timed step at work now (for progress reports)

    def timed(self, name: str, docs: Iterable[Document]) -> Iterator[Document]:
        """Charge the time spent producing each document to ``name``.

        Stages are lazy and chained, so a stage's own time is its total
        minus the time of the stages it pulls from.
        """
        it = iter(docs)
        while True:
            start = time.perf_counter()
            outer, self.current = self.current, name
            try:
                doc = next(it)
            except StopIteration:
                self.seconds[name] += time.perf_counter() - start
                self.current = outer
                return
            self.current = outer
            self.seconds[name] += time.perf_counter() - start
            self.counts[name] += 1
            yield doc

    def own(self, order: list[str]) -> dict[str, float]:
        direct: Counter = sum(self.direct, Counter())
        out, below, after_pool = {}, 0.0, False
        for name in order:
            if name in direct:
                out[name] = round(direct[name], 4)
                below += direct[name]
                after_pool = POOLED in self.seconds
                continue
            if after_pool:
                below, after_pool = self.seconds[POOLED], False
            total = self.seconds[name]
            out[name] = round(max(total - below, 0.0), 4)
            below = total
        return out


def process(
    docs: Iterable[Document],
    config: PipelineConfig = PipelineConfig(),
    index_path: Path | None = None,
    timings: Timings | None = None,
    workers: int = 1,
) -> Iterator[Document]:
    """extract -> strip -> normalize -> dedup, over any iterable of documents;
    ``workers`` processes for the per-document stages."""
    from .dedup import Dedup

    timings = timings or Timings()
    docs = prepared(docs, config, timings, workers)
    return timings.timed("dedup", Dedup(config.dedup, index_path=index_path)(docs))


STAGE_ORDER = ["read", "extract", "strip", "normalize", "dedup"]
ProgressFn = Callable[[Document], None]
