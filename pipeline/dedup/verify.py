"""Exact check of a candidate pair on its shingle sets.

LSH only says two signatures agree on some band; that happens by chance
for unrelated texts too. A pair is called a duplicate only if its sorted,
distinct shingle hash sets satisfy one of:

* Jaccard ``|A & B| / |A | B| >= jaccard_threshold`` (the same text with
  light edits), or
* containment of the smaller set in the larger,
  ``|A & B| / min(|A|, |B|) >= containment_threshold``, provided the smaller
  set has at least ``min_containment_shingles`` shingles (a truncated copy,
  or a copy with paragraphs added around it).

The reported similarity is the Jaccard when that rule holds, else the
containment.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import DedupConfig


@dataclass(frozen=True)
class Match:
    jaccard: float
    containment: float
    rule: str  # "jaccard" or "containment"

    @property
    def similarity(self) -> float:
        return self.jaccard if self.rule == "jaccard" else self.containment


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """``(jaccard, containment of the smaller in the larger)`` of two sets."""
    if len(a) == 0 or len(b) == 0:
        return 0.0, 0.0
    if len(a) > len(b):
        a, b = b, a
    # a is the smaller sorted set: look each of its items up in b.
    pos = np.searchsorted(b, a)
    pos[pos == len(b)] = 0
    common = int(np.count_nonzero(b[pos] == a))
    return common / (len(a) + len(b) - common), common / len(a)


def verify(a: np.ndarray, b: np.ndarray, config: DedupConfig) -> Match | None:
    """The match between two shingle sets, or None if they are not duplicates."""
    jaccard, containment = overlap(a, b)
    if jaccard >= config.jaccard_threshold:
        return Match(jaccard, containment, "jaccard")
    if containment >= config.containment_threshold and min(len(a), len(b)) >= config.min_containment_shingles:
        return Match(jaccard, containment, "containment")
    return None


def _gather(flat: np.ndarray, offsets: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elements of the sets of ``docs`` (CSR), tagged with their position in ``docs``."""
    starts, ends = offsets[docs], offsets[docs + 1]
    lengths = ends - starts
    owner = np.repeat(np.arange(len(docs), dtype=np.uint64), lengths)
    first = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    values = flat[np.arange(len(owner), dtype=np.int64) + first]
    return (owner << np.uint64(32)) | values.astype(np.uint64), lengths


def overlap_many(pairs: np.ndarray, flat: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``overlap`` of many pairs of CSR sets at once: (jaccard, containment) arrays."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    if len(pairs) == 0:
        return np.zeros(0), np.zeros(0)
    keys_a, len_a = _gather(flat, offsets, pairs[:, 0])
    keys_b, len_b = _gather(flat, offsets, pairs[:, 1])
    # Each set is distinct, so a key found on both sides is one common item.
    both = np.concatenate([keys_a, keys_b])
    both.sort()
    same = both[1:][both[1:] == both[:-1]]
    common = np.bincount((same >> np.uint64(32)).astype(np.int64), minlength=len(pairs)).astype(float)
    union = len_a + len_b - common
    smaller = np.minimum(len_a, len_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(union > 0, common / union, 0.0)
        containment = np.where(smaller > 0, common / smaller, 0.0)
    return jaccard, containment


def verify_many(
    pairs: np.ndarray, flat: np.ndarray, offsets: np.ndarray, config: DedupConfig, chunk: int = 100_000
) -> tuple[np.ndarray, np.ndarray]:
    """``verify`` for many pairs: (accepted mask, similarity) arrays."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    accepted = np.zeros(len(pairs), dtype=bool)
    similarity = np.zeros(len(pairs))
    sizes = np.diff(offsets)
    for start in range(0, len(pairs), chunk):
        part = pairs[start : start + chunk]
        jaccard, containment = overlap_many(part, flat, offsets)
        by_jaccard = jaccard >= config.jaccard_threshold
        smaller = np.minimum(sizes[part[:, 0]], sizes[part[:, 1]])
        by_containment = (containment >= config.containment_threshold) & (smaller >= config.min_containment_shingles)
        accepted[start : start + chunk] = by_jaccard | by_containment
        similarity[start : start + chunk] = np.where(by_jaccard, jaccard, containment)
    return accepted, similarity
