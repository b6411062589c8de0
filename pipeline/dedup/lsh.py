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

from typing import Iterator, Sequence

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
    return _split(candidate_codes(keys, window, min_right), len(keys))


def candidate_codes(keys: np.ndarray, window: int = DEFAULT_WINDOW, min_right: int = 0) -> np.ndarray:
    """``candidate_pairs`` as sorted distinct codes ``i * n + j``."""
    n, bands = keys.shape
    # A pair of near copies shares most bands: its code would be found once
    # per band. So the codes found are merged into the distinct sorted ones
    # every few million, which bounds the memory by the pairs, not the finds.
    codes = np.zeros(0, dtype=np.int64)
    found: list[np.ndarray] = []
    held = 0
    rows = np.arange(n, dtype=np.uint64)
    for band in range(bands):
        for left, right in _bucket_pairs(keys[:, band], rows, window):
            keep = right >= min_right
            found.append(left[keep] * n + right[keep])
            held += len(found[-1])
        if held >= max(len(codes), 4 * n):
            parts, found, held = [codes] + found, [], 0
            del codes  # the merge frees each part once it is copied
            codes = _merged(parts)
    parts = [codes] + found
    del codes, found
    return _merged(parts)


def _bucket_pairs(column: np.ndarray, rows: np.ndarray, window: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(left, right)`` row arrays, ``left < right``: each member of a
    bucket of one band paired with each of the ``window`` members before it.

    One sort of (key, row) packed in 64 bits puts each bucket's rows in
    order; only the members of buckets of two or more go on (most keys are
    one document's), and each step keeps only the members that still have
    a partner that far on, so the work follows the pairs, not ``n * window``.
    """
    packed = column.astype(np.uint64)
    packed <<= np.uint64(32)
    packed |= rows
    packed.sort()
    key = packed >> np.uint64(32)
    same = key[1:] == key[:-1]
    shared = np.zeros(len(packed), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    del same
    doc = (packed[shared] & np.uint64(0xFFFFFFFF)).astype(np.int64)
    if not len(doc):
        return
    key = key[shared]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    end = np.repeat(starts + sizes, sizes)  # where each member's bucket ends
    at = np.arange(len(doc), dtype=np.int64)
    for step in range(1, window + 1):
        at = at[at + step < end[at]]
        if not len(at):
            break
        yield doc[at], doc[at + step]


def _merged(parts: list[np.ndarray]) -> np.ndarray:
    """The distinct sorted union of ``parts``: sorted distinct codes, then
    codes found since. The list is emptied as the parts are copied (so
    that, once the caller holds no other reference, each is freed then):
    the merge then needs about twice the codes' memory, not four times."""
    both = np.empty(sum(len(part) for part in parts), dtype=np.int64)
    head = len(parts[0]) if parts else 0
    at = 0
    while parts:
        part = parts.pop(0)
        both[at : at + len(part)] = part
        at += len(part)
        del part
    both[head:].sort()
    # Two sorted runs: the stable sort (a merge sort) joins them in one pass.
    both.sort(kind="stable")
    if len(both) < 2:
        return both
    keep = np.empty(len(both), dtype=bool)
    keep[0] = True
    np.not_equal(both[1:], both[:-1], out=keep[1:])
    return both[keep]


def candidates(keys: np.ndarray, config, min_right: int = 0) -> np.ndarray:
    """Distinct ``(i, j)`` pairs, ``i < j``, from the bands and the anchors
    (``anchors``) of ``config.all_bands`` keys per document."""
    from .anchors import anchor_pairs

    split = config.band_columns
    # The anchors first: their step needs the most scratch memory, and
    # their pairs are few, while the bands' codes are most of the pairs.
    more = anchor_pairs(keys[:, split:], config.anchor_cap, config.anchor_min_shared, min_right) \
        if config.anchor_count else np.zeros((0, 2), dtype=np.int64)
    more = more[:, 0] * len(keys) + more[:, 1]
    codes = candidate_codes(keys[:, :split], min_right=min_right)
    if len(more):
        parts = [codes, more]
        del codes, more
        codes = _merged(parts)
    return _split(codes, len(keys))


def _split(codes: np.ndarray, n: int) -> np.ndarray:
    """``(i, j)`` pairs of codes ``i * n + j``, written in place of two temporaries."""
    pairs = np.empty((len(codes), 2), dtype=np.int64)
    np.floor_divide(codes, n, out=pairs[:, 0])
    np.remainder(codes, n, out=pairs[:, 1])
    return pairs
