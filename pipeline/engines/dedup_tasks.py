"""The dedup stage's steps as batch functions, for an engine to spread out.

Same functions as ``pipeline.dedup.Dedup`` runs in one process (``sign``,
``pairs_in_bucket``, ``verify_many``, ``resolve``), cut where a shuffle goes:

* ``sign_docs``: signatures, band keys and shingle sets, per document;
* ``band_rows`` then ``bucket_pairs``: rows grouped by band key give the
  candidate pairs (``pairs_in_bucket`` per bucket);
* ``resolve_groups``: members of one candidate component (connected
  through candidate pairs) are verified and clustered together. ``resolve``
  never crosses a component of verified pairs, and those lie inside
  candidate components, so deciding each one apart is exact.

Ordering: the local stage numbers the index's documents first, then the
batch's in input order, and breaks ties by that number. Here index documents
get negative ``seq`` values in index order and new ones their reading
``seq``: the same order, so the same ties.
"""
from __future__ import annotations

import itertools
import time
from collections import defaultdict
from typing import Mapping

import numpy as np

from ..dedup import DedupConfig, pairs_in_bucket, resolve, sign, verify_many
from ..dedup.anchors import EMPTY
from ..dedup.dates import day_of
from ..dedup.lsh import DEFAULT_WINDOW
from ..dedup.index import unpack_text
from ..dedup.verify import RULES, edge_values, stories_of
from ..dedup.stage import _duplicate, _kept, compared_text, in_work, is_direct, stored_lead, stored_text
from ..document import Document
from .tasks import pack, unpack


def sign_docs(batch: Mapping[str, np.ndarray], config: DedupConfig) -> dict:
    """Add ``work``, ``id``, ``keys`` (band keys) and ``sig`` (pickled: size,
    shingle set, number set, the packed text and lead when the index
    keeps them, and the day of the document's date or None)."""
    docs = [unpack(raw) for raw in batch["doc"]]
    work = np.array([in_work(d) for d in docs], dtype=bool)
    start = time.perf_counter()
    texts = [compared_text(d) for d, w in zip(docs, work) if w]
    signed = sign(texts, config)
    keys = np.zeros((len(docs), config.all_bands), dtype=np.uint32)
    keys[work] = signed.keys
    sigs = [b""] * len(docs)
    sizes = signed.sizes  # once: it is a pass over the whole batch
    for pos, i in enumerate(np.flatnonzero(work)):
        sigs[i] = pack((int(sizes[pos]), signed.set_of(pos), signed.numbers_of(pos),
                        stored_text(texts[pos], config), stored_lead(texts[pos], config),
                        day_of(docs[i].meta.get("date"))))
    out = dict(batch)
    out["work"] = work
    out["id"] = np.array([d.id for d in docs], dtype=object)
    out["keys"] = keys
    out["sig"] = np.array(sigs, dtype=object)
    out["t_signature"] = np.full(len(docs), (time.perf_counter() - start) / max(len(docs), 1))
    return out


def band_shard(band: np.ndarray, key: np.ndarray, shards: int) -> np.ndarray:
    mixed = key.astype(np.uint64) * np.uint64(0x9E3779B1) + band.astype(np.uint64)
    return (mixed % np.uint64(shards)).astype(np.int64)


# The band number of every anchor row: an anchor matches an anchor of any
# column (``pipeline.dedup.anchors``).
ANCHOR_BAND = -1


def band_rows(seq: np.ndarray, keys: np.ndarray, shards: int, band_columns: int | None = None) -> dict:
    """One row per (document, band): ``shard``, ``band``, ``key``, ``seq``;
    the columns from ``band_columns`` on are anchors (band ``ANCHOR_BAND``)."""
    n, bands = keys.shape
    numbers = np.arange(bands, dtype=np.int64)
    if band_columns is not None:
        numbers[band_columns:] = ANCHOR_BAND
    band = np.tile(numbers, n)
    key = keys.reshape(-1).astype(np.int64)
    return {"shard": band_shard(band, key, shards), "band": band, "key": key,
            "seq": np.repeat(np.asarray(seq, dtype=np.int64), bands)}


def bucket_pairs(group: Mapping[str, np.ndarray], window: int = DEFAULT_WINDOW, anchor_cap: int = 0) -> dict:
    """Candidate pairs ``(a, b)`` (seq values, a < b) of the buckets in this group.

    Pairs of two index documents are left out: earlier runs compared them.
    A bucket of anchors gives every pair of its members, once per anchor
    they share (``anchor`` True: ``anchor_pairs`` counts them), and none
    when more than ``anchor_cap`` documents hold it or it is ``EMPTY``.
    """
    order = np.lexsort((group["seq"], group["key"], group["band"]))
    band, key, seq = group["band"][order], group["key"][order], group["seq"][order]
    starts = np.flatnonzero(np.r_[True, (band[1:] != band[:-1]) | (key[1:] != key[:-1])])
    ends = np.r_[starts[1:], len(seq)]
    found, anchored = [], []
    for lo, hi in zip(starts[ends - starts > 1], ends[ends - starts > 1]):
        if band[lo] != ANCHOR_BAND:
            found.extend(pairs_in_bucket(seq[lo:hi].tolist(), window))
        elif hi - lo <= anchor_cap and key[lo] != EMPTY:
            anchored.extend(itertools.combinations(seq[lo:hi].tolist(), 2))
    pairs = np.unique(np.array(found, dtype=np.int64).reshape(-1, 2), axis=0)
    more = np.array(anchored, dtype=np.int64).reshape(-1, 2)
    pairs = np.concatenate([pairs, more])
    flag = np.r_[np.zeros(len(pairs) - len(more), bool), np.ones(len(more), bool)]
    keep = pairs[:, 1] >= 0
    return {"a": pairs[keep, 0], "b": pairs[keep, 1], "anchor": flag[keep]}


def anchor_pairs(a: np.ndarray, b: np.ndarray, anchor: np.ndarray, min_shared: int) -> np.ndarray:
    """The distinct candidate pairs of ``bucket_pairs`` rows from every
    group: band pairs, and anchor pairs met ``min_shared`` times or more."""
    pairs = np.stack([a, b], 1).reshape(-1, 2).astype(np.int64)
    anchor = np.asarray(anchor, dtype=bool)
    banded = np.unique(pairs[~anchor], axis=0)
    shared, counts = np.unique(pairs[anchor], axis=0, return_counts=True)
    return np.unique(np.concatenate([banded, shared[counts >= min_shared]]), axis=0)


def resolve_groups(group: Mapping[str, np.ndarray], pairs: Mapping[str, np.ndarray],
                   config: DedupConfig) -> dict:
    """Verify and cluster each candidate component of this group.

    ``group`` holds the nodes (``seq``, ``label``, ``id``: for an index
    document, the kept id of its group, ``sig``, ``member``: an index
    document that is a direct copy); ``pairs`` all candidate pairs sorted by
    ``label``. Returns a row per duplicate: ``seq``, ``kept_id``,
    ``similarity``, ``rule``, ``direct`` (see ``stage.is_direct``).
    """
    cols = defaultdict(list)
    by_label = defaultdict(list)
    for i, label in enumerate(group["label"].tolist()):
        by_label[label].append(i)
    for label, rows in by_label.items():
        rows.sort(key=lambda i: int(group["seq"][i]))
        seqs = group["seq"][rows]
        lo, hi = np.searchsorted(pairs["label"], [label, label + 1])
        local = np.stack([np.searchsorted(seqs, pairs["a"][lo:hi]), np.searchsorted(seqs, pairs["b"][lo:hi])], 1)
        data = [unpack(group["sig"][i]) for i in rows]
        sizes = np.array([d[0] for d in data], dtype=np.int64)
        sets = _csr([d[1] for d in data])
        accepted, similarity, rules = verify_many(local, *sets, config,
                                                  numbers=_csr([d[2] for d in data]),
                                                  texts=lambda p: unpack_text(data[p][3]),
                                                  leads=lambda p: unpack_text(data[p][4]),
                                                  days=np.array([d[5] for d in data], dtype=float))
        members = np.asarray(group["member"][rows], dtype=bool)
        keeper, score, via = resolve(len(rows), local[accepted], similarity[accepted], sizes, seqs < 0,
                                     with_via=True, members=members, stories=stories_of(*sets, config))
        for pos in np.flatnonzero((keeper != np.arange(len(rows))) & (seqs >= 0)):
            cols["seq"].append(int(seqs[pos]))
            cols["kept_id"].append(group["id"][rows[keeper[pos]]])
            cols["similarity"].append(round(float(score[pos]), 4))
            cols["rule"].append(RULES[edge_values(local[accepted], rules[accepted], [pos], [via[pos]])[0]])
            cols["direct"].append(is_direct(int(pos), keeper, via, members))
    return {"seq": np.array(cols["seq"], dtype=np.int64), "kept_id": np.array(cols["kept_id"], dtype=object),
            "similarity": np.array(cols["similarity"], dtype=np.float64),
            "rule": np.array(cols["rule"], dtype=object), "direct": np.array(cols["direct"], dtype=bool)}


def _csr(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    np.cumsum([len(a) for a in arrays], out=offsets[1:])
    flat = np.concatenate(arrays).astype(np.uint32) if arrays else np.zeros(0, np.uint32)
    return flat, offsets


class Decisions:
    """Every dedup outcome, by ``seq``; sent to the writing tasks.

    Held as sorted arrays, not a dict: they travel once through the object
    store and are looked up with a binary search.
    """

    def __init__(self, seqs, kept_ids, similarities, rules):
        order = np.argsort(np.asarray(seqs, dtype=np.int64), kind="stable")
        self.seq = np.asarray(seqs, dtype=np.int64)[order]
        self.kept_id = np.asarray(kept_ids, dtype=object)[order]  # None: kept
        self.similarity = np.asarray(similarities, dtype=np.float64)[order]
        self.rule = np.asarray(rules, dtype=object)[order]

    def lookup(self, seq: int):
        """``(kept_id, similarity, rule)``; kept_id None for a kept document."""
        pos = int(np.searchsorted(self.seq, seq))
        if pos < len(self.seq) and self.seq[pos] == seq:
            return self.kept_id[pos], self.similarity[pos], self.rule[pos]
        return None, None, None

    def finish(self, seq: int, doc: Document) -> Document:
        """The document as the dedup stage leaves it."""
        if not in_work(doc):
            return doc
        kept_id, similarity, rule = self.lookup(seq)
        if kept_id is None:
            return _kept(doc)
        return _duplicate(doc, kept_id, None if np.isnan(similarity) else float(similarity), rule)
