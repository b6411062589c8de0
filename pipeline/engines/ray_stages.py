"""Stage commands on Ray: ``pipeline extract`` and ``pipeline dedup`` with ``--engine ray``.

The driver reads the command line and writes the records, in the local
command's order; tasks run the same stage code as the local command.

extract:
  1. tasks read the listed files and return each document without its
     content; the driver applies the exact-repeat rule
     (``runner.mark_repeats``) to them in reading order. It must come before
     extraction: a repeat is decided on the document as read, and extraction
     can turn a page into an empty or rejected one, which is no longer
     marked as a repeat.
  2. tasks read the files again and run Extract on every document but the
     repeats; the driver puts the results back in reading order as they
     arrive.

dedup:
  the driver reads the records; the ones the stage decides are signed,
  grouped by band key, verified and clustered in tasks (``ray_dedup``, the
  Ray engine's dedup), ``seq`` being the position in the input. The
  decisions are applied on the driver, in input order.

The batch functions here do not import Ray, like ``tasks``.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

import numpy as np

from ..config import PipelineConfig
from ..dedup import DedupConfig, DedupIndex
from ..dedup.stage import headline_of, in_work
from ..document import Document
from ..extract import Extract, ExtractConfig
from ..runner import mark_repeats
from ..sources import ReadConfig, listed, read_input
from . import ray_dedup, require_ray, tasks
from .ray_engine import _absolute, session

# -- batch functions ------------------------------------------------------------

def scan_files(batch: Mapping[str, np.ndarray], config: ReadConfig) -> dict:
    """Pass 1: ``seq`` and ``stub`` (the document as read, without its content)."""
    cols = defaultdict(list)
    for index, path, root in zip(batch["file"], batch["path"], batch["root"]):
        for record, doc in enumerate(read_input(tasks.unpack(root), tasks._path(path), config)):
            cols["seq"].append(tasks.seq_of(index, record))
            cols["stub"].append(tasks.pack(doc.evolve(content="")))
    return tasks._columns(cols, {"seq": np.int64, "stub": object})


@lru_cache(maxsize=4)
def _extract(config: ExtractConfig) -> Extract:
    return Extract(config)


def extract_files(batch: Mapping[str, np.ndarray], config: PipelineConfig,
                  repeats: np.ndarray) -> Iterator[dict]:
    """Pass 2: ``seq`` and ``doc`` (pickled, extracted) of every document but the repeats.

    ``repeats``: the sorted ``seq`` of the documents pass 1 marked as repeats.
    """
    stage = _extract(config.extract)
    cols = defaultdict(list)
    for index, path, root in zip(batch["file"], batch["path"], batch["root"]):
        for record, doc in enumerate(read_input(tasks.unpack(root), tasks._path(path), config.read)):
            seq = tasks.seq_of(index, record)
            pos = np.searchsorted(repeats, seq)
            if pos < len(repeats) and repeats[pos] == seq:
                continue
            cols["seq"].append(seq)
            cols["doc"].append(tasks.pack(stage.safe_process(doc)))
            if len(cols["seq"]) >= tasks.ROWS_PER_BATCH:
                yield tasks._columns(cols, {"seq": np.int64, "doc": object})
                cols = defaultdict(list)
    if cols["seq"]:
        yield tasks._columns(cols, {"seq": np.int64, "doc": object})


def in_order(seqs: Sequence[int], ready: dict, batches: Iterable[Mapping[str, np.ndarray]]) -> Iterator[Document]:
    """Documents in ``seqs`` order, from ``ready`` (seq -> Document) and from
    batches of ``seq``/``doc`` that arrive in any order; each is yielded as
    soon as all before it are."""
    waiting = {}
    position = 0

    def flush() -> Iterator[Document]:
        nonlocal position
        while position < len(seqs):
            seq = seqs[position]
            if seq in ready:
                yield ready.pop(seq)
            elif seq in waiting:
                yield tasks.unpack(waiting.pop(seq))
            else:
                return
            position += 1

    yield from flush()
    for batch in batches:
        waiting.update(zip(batch["seq"].tolist(), batch["doc"]))
        yield from flush()
    if position < len(seqs) or waiting:
        raise RuntimeError("the input files changed while they were being read; run again")


# -- on the driver --------------------------------------------------------------

def extract(raw: Sequence, config: PipelineConfig = PipelineConfig(),
            address: str | None = None) -> Iterator[Document]:
    """``pipeline extract RAW...`` on Ray: the same records, in the same order.

    ``raw``: paths, or ``storage.ObjectFolder`` for object-store URLs.
    """
    ray = require_ray()
    # Roots travel pickled: a path, or an object folder.
    files = [(tasks.path_column([_absolute(path) if isinstance(path, Path) else path])[0],
              tasks.pack(_absolute(root)))
             for path, root in listed(raw)]
    if not files:
        return
    with session(ray, address):
        workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        ds = ray.data.from_items(
            [{"file": number, "path": path, "root": root} for number, (path, root) in enumerate(files)],
            override_num_blocks=min(len(files), 8 * workers),
        )
        stubs = {}
        scanned = ds.map_batches(scan_files, batch_size=1, batch_format="numpy",
                                 fn_kwargs={"config": config.read})
        for batch in scanned.iter_batches(batch_format="numpy", batch_size=None):
            stubs.update(zip(batch["seq"].tolist(), batch["stub"]))
        seqs = sorted(stubs)
        read = [tasks.unpack(stubs.pop(seq)) for seq in seqs]
        repeats = {seq: done for seq, stub, done in zip(seqs, read, mark_repeats(read)) if done != stub}
        del read
        extracted = ds.map_batches(extract_files, batch_size=1, batch_format="numpy",
                                   fn_kwargs={"config": config,
                                              "repeats": np.array(sorted(repeats), dtype=np.int64)})
        yield from in_order(seqs, repeats, extracted.iter_batches(batch_format="numpy", batch_size=None))


def dedup(docs: Iterable[Document], config: DedupConfig = DedupConfig(), index_path: Path | None = None,
          address: str | None = None) -> Iterator[Document]:
    """``pipeline dedup`` on Ray: the same decisions, the same index, in input order."""
    ray = require_ray()
    if index_path is not None:
        DedupIndex(index_path, config).close()  # created, or its settings checked, before any work
    docs = list(docs)
    work = [seq for seq, doc in enumerate(docs) if in_work(doc)]
    if not work:
        yield from docs
        return
    with session(ray, address):
        workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        ds = ray.data.from_items(
            [{"seq": seq, "doc": tasks.pack(_compared(docs[seq]))} for seq in work],
            override_num_blocks=max(1, min(len(work) // 1000, 8 * workers)),
        )
        signed = ray_dedup.signed(ds, config).materialize()
        # Without --index: an empty index in memory, nothing earlier to compare with.
        outcome = ray_dedup.decide(ray, signed, config, index_path or ":memory:", 4 * workers)
        if index_path is not None:
            ray_dedup.commit(outcome)
        else:
            outcome.index.close()
    for seq, doc in enumerate(docs):
        yield outcome.finish(seq, doc)


def _compared(doc: Document) -> Document:
    """What a dedup task needs of a document: its id, text, headline (the
    task compares both, see ``compared_text``) and date; not the rest of the
    metadata and the audit."""
    date = doc.meta.get("date")
    return doc.evolve(meta={"date": date} if date else {}, removed=headline_of(doc), hints=())
