"""Banded LSH over MinHash signatures.

A signature of ``bands * rows`` values is cut into ``bands`` slices; each
slice is hashed to one 32-bit band key. Two documents become a candidate
pair when they share the key of at least one band. With Jaccard ``s`` the
chance of that is ``1 - (1 - s**rows) ** bands``.

Band keys are plain integers, so a distributed engine can emit
``(band, key) -> doc`` records, group them with a shuffle and call
``pairs_in_bucket`` per group; here everything is one numpy sort per band.
Buckets are not expanded quadratically: each member is paired with at most
``window`` earlier members of its bucket. Copies of one text all share the
bucket, so a window still connects them; a huge bucket of unrelated texts
(say, pages that are only a shared footer) cannot explode the pair count.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .shingles import _fmix64

_BAND_MULT = np.uint64(0x9E3779B97F4A7C15)
DEFAULT_WINDOW = 64


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``(n, bands)`` uint32 keys of ``(n, bands*rows)`` signatures.

    32 bits keep a million documents' keys in 256 MB; a chance collision
    only adds a candidate pair that verification then rejects.
    """
    sigs = np.atleast_2d(np.asarray(sigs, dtype=np.uint32))
    n, width = sigs.shape
    if width != bands * rows:
        raise ValueError(f"signature width {width} is not bands*rows = {bands * rows}")
    parts = sigs.reshape(n, bands, rows).astype(np.uint64)
    acc = np.zeros((n, bands), dtype=np.uint64)
    for j in range(rows):
        acc *= _BAND_MULT
        acc ^= parts[:, :, j]
        acc = _fmix64(acc)
    return (acc >> np.uint64(32)).astype(np.uint32)


def pairs_in_bucket(members: Sequence[int], window: int = DEFAULT_WINDOW) -> list[tuple[int, int]]:
    """Candidate pairs among the members of one bucket (smaller id first)."""
    members = sorted(members)
    out = []
    for pos, right in enumerate(members):
        for left in members[max(0, pos - window) : pos]:
            out.append((left, right))
    return out


def candidate_pairs(keys: np.ndarray, window: int = DEFAULT_WINDOW, min_right: int = 0) -> np.ndarray:
    """Distinct ``(i, j)`` pairs, ``i < j``, that share a band key.

    Only pairs with ``j >= min_right`` are returned: rows before ``min_right``
    are documents already in an index, which were compared with each other
    in earlier runs.
    """
    n, bands = keys.shape
    # A pair of near copies shares most bands: its code would be found once
    # per band. So the codes found are merged into the distinct sorted ones
    # every few million, which bounds the memory by the pairs, not the finds.
    codes = np.zeros(0, dtype=np.int64)
    found: list[np.ndarray] = []
    held = 0
    for band in range(bands):
        col = keys[:, band]
        order = np.argsort(col, kind="stable")
        ordered = col[order]
        for step in range(1, min(window, n - 1) + 1):
            same = np.flatnonzero(ordered[step:] == ordered[:-step])
            if len(same) == 0:
                break
            left = order[same]
            right = order[same + step]
            lo = np.minimum(left, right)
            hi = np.maximum(left, right)
            keep = hi >= min_right
            found.append(lo[keep].astype(np.int64) * n + hi[keep])
            held += len(found[-1])
        if held >= max(len(codes), 4 * n):
            codes, found, held = _merged(codes, found), [], 0
    codes = _merged(codes, found)
    if not len(codes):  # no pair, or only pairs of index documents
        return np.zeros((0, 2), dtype=np.int64)
    return np.stack([codes // n, codes % n], axis=1)


def _merged(codes: np.ndarray, found: list[np.ndarray]) -> np.ndarray:
    """The distinct sorted union of sorted distinct ``codes`` and ``found``."""
    if not found:
        return codes
    more = np.concatenate(found)
    more.sort()
    # Two sorted runs: the stable sort (a merge sort) joins them in one pass.
    both = np.concatenate([codes, more])
    both.sort(kind="stable")
    return both[np.concatenate(([True], both[1:] != both[:-1]))] if len(both) else both


def candidates(keys: np.ndarray, config, min_right: int = 0) -> np.ndarray:
    """Distinct ``(i, j)`` pairs, ``i < j``, from the bands and the anchors
    (``anchors``) of ``config.all_bands`` keys per document."""
    from .anchors import anchor_pairs

    split = config.band_columns
    pairs = candidate_pairs(keys[:, :split], min_right=min_right)
    if config.anchor_count == 0:
        return pairs
    more = anchor_pairs(keys[:, split:], config.anchor_cap, config.anchor_min_shared, min_right)
    if not len(more):
        return pairs
    n = len(keys)
    codes = np.unique(np.concatenate([pairs[:, 0] * n + pairs[:, 1], more[:, 0] * n + more[:, 1]]))
    return np.stack([codes // n, codes % n], axis=1)
