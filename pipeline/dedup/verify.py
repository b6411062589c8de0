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
