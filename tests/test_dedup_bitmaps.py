"""Pairs ruled out by their sets' bitmaps before any intersection: never a
pair that shares enough to pass a rule."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from pipeline.dedup import DedupConfig
from pipeline.dedup.verify import least_containment, may_share, overlap, set_bitmaps, verify_many

# Sets of 32-bit hash values drawn from a small pool: pairs share much, little or nothing.
POOL = np.random.default_rng(5).integers(0, 2**32, 400, dtype=np.uint64).astype(np.uint32)
SETS = st.lists(st.lists(st.integers(0, len(POOL) - 1), max_size=150), min_size=2, max_size=12)


def csr(sets: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    arrays = [np.unique(POOL[s]) for s in sets]
    offsets = np.concatenate(([0], np.cumsum([len(a) for a in arrays]))).astype(np.int64)
    return (np.concatenate(arrays) if arrays else np.zeros(0, np.uint32)).astype(np.uint32), offsets


def all_pairs(n: int) -> np.ndarray:
    return np.array([(i, j) for i in range(n) for j in range(n) if i != j], np.int64).reshape(-1, 2)


@settings(max_examples=300, deadline=None)
@given(SETS, st.sampled_from([0.05, 0.3, 0.5, 0.571, 0.9, 1.0]))
def test_a_pair_that_shares_enough_is_never_ruled_out(sets, least):
    flat, offsets = csr(sets)
    pairs = all_pairs(len(sets))
    sizes = np.diff(offsets)
    maybe = may_share(pairs, sizes, set_bitmaps(flat, offsets, step=3), least)
    for (i, j), kept in zip(pairs.tolist(), maybe.tolist()):
        a, b = flat[offsets[i]:offsets[i + 1]], flat[offsets[j]:offsets[j + 1]]
        if overlap(a, b)[1] >= least:
            assert kept


def test_bitmaps_rule_out_pairs_that_share_little():
    rng = np.random.default_rng(1)
    sets = [rng.choice(2**32, 60, replace=False).astype(np.uint32) for _ in range(40)]
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in sets]))).astype(np.int64)
    flat = np.concatenate([np.sort(s) for s in sets])
    maybe = may_share(all_pairs(40), np.diff(offsets), set_bitmaps(flat, offsets), 0.5)
    assert maybe.mean() < 0.05  # unrelated sets of 60 items in 512 bits


def test_the_least_containment_follows_the_rules_in_use():
    config = DedupConfig()
    assert least_containment(config, rewrite=True, first=True, char=False) == config.rewrite_containment
    assert least_containment(config, rewrite=False, first=False, char=False) == 2 * 0.4 / 1.4
    assert least_containment(DedupConfig(jaccard_threshold=0.1), True, True, False) == 2 * 0.1 / 1.1
    assert least_containment(config, rewrite=False, first=False, char=True) == 2 * 0.2 / 1.2


@settings(max_examples=200, deadline=None)
@given(SETS)
def test_verification_decides_as_with_every_pair_intersected(sets):
    flat, offsets = csr(sets)
    pairs = all_pairs(len(sets))
    for config in (DedupConfig(), DedupConfig(jaccard_threshold=0.2, rewrite_containment=0.0)):
        accepted, similarity, rule = verify_many(pairs, flat, offsets, config)
        want = verify_many(pairs, flat, offsets, config, screen=False)
        assert np.array_equal(accepted, want[0]) and np.array_equal(rule, want[2])
        assert np.array_equal(similarity[accepted], want[1][accepted])
