"""Anchor keys: candidate pairs for a short text inside a longer one.

LSH bands find pairs by Jaccard. A flash or a first version of a story
inside the full text (11 word pairs in 109, most of them shared) has a
Jaccard of 0.1 and its lead differs from the story's: no band sees it,
so no verification rule can ever accept it.

Each document gets ``anchor_count`` anchors: its shingles with the smallest
values of a second hash (a bottom-k sample, the same choice for every
text). A short text keeps most of its shingles as anchors; a long one a
sample of its own. When the short text is (mostly) inside the long one,
the long one's anchors are its smallest-hashed shingles, and those of the
short text's shingles that are small enough to be among them are anchors
of both. Two documents become a candidate pair when they share at least
``anchor_min_shared`` anchors, counting only anchors no more than
``anchor_cap`` documents have: a shingle that many texts share ("of the",
a stock phrase) says nothing of a pair, and skipping such buckets keeps
the number of pairs within ``n * anchor_count * anchor_cap / 2``.

A word pair of two function words ("of the", "it said", "will be") is in
most texts: as an anchor it is in a bucket over the cap and finds nothing,
so a long text would waste some of its few anchors on such pairs. With
``plain`` (the hashes of those pairs, ``plain_pairs``) they are chosen
last: a text's anchors are its smallest-hashed other pairs, and only a
text with too few of those takes plain ones. The choice is still the same
in every text (one order over all word pairs), so a short text inside a
long one still holds the long one's anchors that fall in it.

Anchors are stored with the band keys (the last ``anchor_count`` columns),
so the index and an engine's shuffle carry them unchanged; unlike a band,
an anchor matches an anchor of any column. A document with fewer distinct
shingles than anchors fills the rest with ``EMPTY``, which matches nothing.
"""
from __future__ import annotations

import sys
from functools import lru_cache

import numpy as np

from .shingles import _fmix64, shingle_batch, unique_segments

EMPTY = np.uint32(0)
_MULT = np.uint64(0xA0761D6478BD642F)


# English function words: articles, pronouns, prepositions, conjunctions,
# auxiliaries, and "said" / "says", the verb of nearly every news story.
PLAIN_WORDS = frozenset("""
a an the this that these those it its he she they we you i his her their our your them him us me my who whom
whose which what there here of to in on at by for from with as into onto over under about after before
between through during against without within upon than and or but nor so yet if then also not no
is are was were be been being am has have had do does did will would shall should can could may might must
said says say
""".split())


@lru_cache(maxsize=1)
def plain_pairs() -> np.ndarray:
    """Sorted hashes of every word 2-gram of two ``PLAIN_WORDS`` (as ``shingle_batch`` hashes them)."""
    words = sorted(PLAIN_WORDS)
    flat, offsets = shingle_batch([f"{a} {b}" for a in words for b in words], "word", 2)
    return np.unique(unique_segments(flat, offsets)[0])


def _member(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``np.isin(values, table)`` for a small sorted ``table``: a bitmap of
    its top 20 bits first, then a binary search for the few that pass."""
    mask = np.zeros(len(values), dtype=bool)
    if not len(table):
        return mask
    top = np.zeros(1 << 20, dtype=bool)
    top[table >> np.uint32(12)] = True
    maybe = np.flatnonzero(top[values >> np.uint32(12)])
    found = np.minimum(np.searchsorted(table, values[maybe]), len(table) - 1)
    mask[maybe] = table[found] == values[maybe]
    return mask


def anchor_keys(flat: np.ndarray, offsets: np.ndarray, count: int, seed: int,
                plain: np.ndarray | None = None) -> np.ndarray:
    """``(n, count)`` anchors of documents given as distinct shingle sets
    (CSR); shingles in ``plain`` (sorted) are chosen last."""
    n = len(offsets) - 1
    out = np.zeros((n, count), dtype=np.uint32)
    if count == 0 or len(flat) == 0:
        return out
    sizes = np.diff(offsets)
    owner = np.repeat(np.arange(n, dtype=np.uint64), sizes)
    rank = _fmix64(flat.astype(np.uint64) * _MULT + np.uint64(seed)) >> np.uint64(32)
    if plain is not None:
        # 31 bits of the hash below one bit that puts plain pairs last.
        rank >>= np.uint64(1)
        rank |= _member(flat, plain).astype(np.uint64) << np.uint64(31)
    order = np.argsort((owner << np.uint64(32)) | rank, kind="stable")
    # Position of each sorted item inside its document: the first ``count`` are its anchors.
    place = np.arange(len(flat), dtype=np.int64) - np.repeat(offsets[:-1], sizes)
    chosen = order[place < count]
    values = flat[chosen]
    values[values == EMPTY] = 1  # EMPTY marks a missing anchor
    out[owner[chosen].astype(np.int64), place[place < count]] = values
    return out


def anchor_pairs(keys: np.ndarray, cap: int, min_shared: int, min_right: int = 0) -> np.ndarray:
    """Distinct ``(i, j)`` pairs, ``i < j``, ``j >= min_right``, that share at
    least ``min_shared`` anchors held by at most ``cap`` documents each."""
    n, count = keys.shape
    if n < 2 or count == 0:
        return np.zeros((0, 2), dtype=np.int64)
    # One sort of (anchor, document) packed in 64 bits: each bucket's
    # documents then come in order, and no index array is needed.
    packed = keys.astype(np.uint64)
    packed <<= np.uint64(32)
    packed |= np.arange(n, dtype=np.uint64)[:, None]
    packed = packed.reshape(-1)
    packed.sort()
    # The anchors: the high halves, read in place where the machine allows.
    value = packed.view(np.uint32)[1::2] if sys.byteorder == "little" else (packed >> np.uint64(32)).astype(np.uint32)
    # Items with an equal neighbour are in a bucket of two or more: only
    # those go on (most anchors are a single text's).
    shared = np.zeros(len(value), dtype=bool)
    same = value[1:] == value[:-1]
    shared[1:] |= same
    shared[:-1] |= same
    del same
    shared &= value != EMPTY
    doc = (packed[shared] & np.uint64(0xFFFFFFFF)).astype(np.int64)
    value = value[shared]
    del packed, shared
    starts = np.flatnonzero(np.r_[True, value[1:] != value[:-1]])
    sizes = np.diff(np.r_[starts, len(value)])
    useful = sizes <= cap
    doc = doc[np.repeat(useful, sizes)]
    sizes = sizes[useful]
    end = np.repeat(np.cumsum(sizes), sizes)  # where each item's bucket ends
    where = np.arange(len(doc), dtype=np.int64)
    found = []
    # Every pair inside a bucket: each member with the one ``step`` places on.
    for step in range(1, min(cap, len(doc))):
        left = np.flatnonzero(where[:-step] + step < end[:-step])
        if not len(left):
            break
        a, b = doc[left], doc[left + step]
        found.append(np.minimum(a, b) * n + np.maximum(a, b))
    codes = np.concatenate(found) if found else np.zeros(0, np.int64)
    codes = codes[codes % n >= min_right]
    if not len(codes):
        return np.zeros((0, 2), dtype=np.int64)
    codes, shared = np.unique(codes, return_counts=True)
    codes = codes[shared >= min_shared]
    return np.stack([codes // n, codes % n], axis=1)
