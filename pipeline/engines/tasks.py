"""What a distributed task does to one batch of rows.

Each function takes and returns a batch as a dict of numpy columns (Ray
Data's "numpy" batch format) and calls the pipeline's own code: reading
(``sources.read_file``), the per-document stages (``MapStage.safe_process``)
and writing (``write.write_document``). Nothing here imports Ray, so the
same functions can be tested, and run, without it.

Documents and manifest records travel as pickled bytes: a column of Python
objects survives Arrow unchanged, including text that is not valid UTF-8
(lone surrogates from undecodable input).

Every document carries ``seq``, its place in the local engine's reading
order: ``file index << 32 | record number within the file``. Sorting by it
gives back exactly the order in which ``pipeline.batch`` sees documents,
which is what dedup ranks ties by and what the manifest is written in.
"""
from __future__ import annotations

import dataclasses
import os
import pickle
import time
import zlib
from collections import defaultdict
from functools import lru_cache
from typing import Iterator, Mapping

import numpy as np

from ..config import PipelineConfig
from ..document import Document
from ..batch import _unrecorded as unrecorded
from ..batch import hash_here
from ..report import RunReport
from ..runner import mark_repeats, per_document
from ..sources import read_input
from ..write import write_document

RECORD_BITS = 32
ROWS_PER_BATCH = 256  # documents per output batch of the reading tasks


def pack(obj) -> bytes:
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(data: bytes):
    return pickle.loads(data)


def seq_of(file_index: int, record: int) -> int:
    return (int(file_index) << RECORD_BITS) | record


def path_column(paths) -> np.ndarray:
    """File paths as bytes: a path that is not UTF-8 still round-trips."""
    return np.array([os.fsencode(p) for p in paths], dtype=object)


def _path(raw: bytes) -> str:
    return os.fsdecode(raw)


def shard_of(value: str, shards: int) -> int:
    """A stable small integer for a string key (same on every machine)."""
    return zlib.crc32(value.encode("utf-8", "surrogatepass")) % shards


# -- planning: content hashes of raw files ---------------------------------------

def hash_files(batch: Mapping[str, np.ndarray], raw_dir) -> dict:
    """SHA-256 of each file ("" when it cannot be read), for the input ledger."""
    digests = hash_here(raw_dir, [_path(raw) for raw in batch["path"]])
    return {"n": np.asarray(batch["n"], dtype=np.int64),
            "digest": np.array([d or "" for d in digests], dtype=object)}


# -- pass 1: the identity of every document, without its content -----------

def scan_files(batch: Mapping[str, np.ndarray], raw_dir, config: PipelineConfig,
               shards: int) -> dict:
    """One row per document of these files: where it is and what its id is.

    ``stub`` is the document with its content replaced by a marker, enough
    for the identity rules (``identities``) to decide on; ``shard`` groups
    rows by id.
    """
    cols = defaultdict(list)
    for index, raw in zip(batch["file"], batch["path"]):
        for record, doc in enumerate(read_input(raw_dir, _path(raw), config.read)):
            cols["seq"].append(seq_of(index, record))
            cols["shard"].append(shard_of(doc.id, shards))
            cols["stub"].append(pack(doc.evolve(content=STUB)))
    return _columns(cols, {"seq": np.int64, "shard": np.int64, "stub": object})


STUB = "\0content not read in this pass\0"


def identities(group: Mapping[str, np.ndarray], recorded: Mapping[int, dict]) -> dict:
    """Apply the local engine's identity rules to one shard of documents.

    Those rules (``batch.unrecorded`` then ``runner.mark_repeats``) look at
    ids only: a document already in the manifest is dropped, a repeat of
    earlier bytes gets an id of its own and is marked duplicate. Every
    document with a given id is in the same shard, so running the rules on
    the shard, in reading order, decides exactly as one pass over all
    documents would. ``recorded`` maps shard -> the manifest's
    ``{id: (source, offset)}`` entries that concern it.

    Returns a row per document the rules touched: ``seq`` and ``change``,
    the pickled dict of fields to replace (None: drop the document).
    """
    order = np.argsort(group["seq"], kind="stable")
    stubs = [unpack(group["stub"][i]) for i in order]
    seqs = [int(group["seq"][i]) for i in order]
    shard = int(group["shard"][0]) if len(seqs) else 0
    report = RunReport()
    out = {(doc.source, doc.offset): doc for doc in mark_repeats(unrecorded(stubs, dict(recorded.get(shard, {})), report))}
    cols = defaultdict(list)
    for seq, stub in zip(seqs, stubs):
        done = out.get((stub.source, stub.offset))
        change = None if done is None else _changes(stub, done)
        if change != {}:
            cols["seq"].append(seq)
            cols["change"].append(pack(change))
    return _columns(cols, {"seq": np.int64, "change": object})


def _changes(before: Document, after: Document) -> dict:
    return {f.name: getattr(after, f.name) for f in dataclasses.fields(Document)
            if getattr(after, f.name) != getattr(before, f.name)}


def apply_change(doc: Document, change: dict | None) -> Document | None:
    """Replay on the full document what the identity rules did to its stub."""
    return None if change is None else doc.evolve(**change)


def recorded_by_shard(records, shards: int) -> dict[int, dict]:
    """The manifest's ids for the identity rules, split by shard.

    A record goes to the shard of its id and, when it has one, to the shard
    of ``duplicate_of``: a repeat's own id is derived from the original's id,
    so that is where the rules look it up.
    """
    out: dict[int, dict] = defaultdict(dict)
    for rec in records:
        where = (rec.get("source"), rec.get("offset"))
        for key in (rec["id"], rec.get("duplicate_of")):
            if key:
                out[shard_of(key, shards)][rec["id"]] = where
    return dict(out)


# -- pass 2: read again and run the per-document stages ----------------------

@lru_cache(maxsize=4)
def _chain(config: PipelineConfig):
    # Built once per worker process: some stages load models on creation.
    return per_document(config)


def stage_names(config: PipelineConfig) -> list[str]:
    return [stage.name for stage in _chain(config).stages]


def process_files(batch: Mapping[str, np.ndarray], raw_dir, config: PipelineConfig,
                  changes: Mapping[int, bytes]) -> Iterator[dict]:
    """Read files and run every per-document stage on their documents.

    Yields batches of ``seq``, ``doc`` (the pickled result) and one
    ``t_<stage>`` column of seconds per stage, ``t_read`` included.
    """
    chain = _chain(config)
    names = ["read"] + [stage.name for stage in chain.stages]
    cols = defaultdict(list)
    for index, raw in zip(batch["file"], batch["path"]):
        docs = iter(read_input(raw_dir, _path(raw), config.read))
        record = 0
        while True:
            start = time.perf_counter()
            doc = next(docs, None)
            if doc is None:
                break
            seq = seq_of(index, record)
            record += 1
            if seq in changes:
                doc = apply_change(doc, unpack(changes[seq]))
                if doc is None:
                    continue
            times = [time.perf_counter() - start]
            before = dict(chain.seconds_by_stage)
            doc = chain.finish(doc)
            times += [chain.seconds_by_stage[name] - before.get(name, 0.0) for name in names[1:]]
            cols["seq"].append(seq)
            cols["doc"].append(pack(doc))
            for name, seconds in zip(names, times):
                cols[f"t_{name}"].append(seconds)
            if len(cols["seq"]) >= ROWS_PER_BATCH:
                yield _processed(cols, names)
                cols = defaultdict(list)
    if cols["seq"]:
        yield _processed(cols, names)


def _processed(cols, names) -> dict:
    types = {"seq": np.int64, "doc": object, **{f"t_{n}": np.float64 for n in names}}
    return _columns(cols, types)


def _columns(cols, types: Mapping[str, type]) -> dict:
    return {name: np.array(cols.get(name, []), dtype=dtype) for name, dtype in types.items()}


# -- pass 3: the decisions applied, each document's files written ------------

def write_docs(batch: Mapping[str, np.ndarray], clean_dir, decisions) -> dict:
    """Write each document's files; return its manifest record and a light copy.

    ``decisions.finish(seq, doc)`` applies the dedup outcome. The light copy
    (the document without its text) is what the driver counts.
    """
    records, light = [], []
    for seq, raw in zip(batch["seq"], batch["doc"]):
        doc = decisions.finish(int(seq), unpack(raw))
        records.append(pack(write_document(clean_dir, doc)))
        light.append(pack(doc.evolve(content="")))
    return {"record": np.array(records, dtype=object), "light": np.array(light, dtype=object)}
