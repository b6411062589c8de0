"""Shingles and number tokens from one pass over the texts: the same as
the two passes they replace (``shingle_batch``, ``number_batch``); candidate
pairs merged as they are found."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from pipeline.dedup.lsh import candidate_pairs
from pipeline.dedup.shingles import number_batch, shingle_batch, shingles_and_numbers

# ASCII and other digits ("٣", "²" is no decimal digit), curly quotes, ligatures, case.
TEXTS = st.lists(st.text(alphabet="ab1_ .,-\nÉé٣²ﬁ9Z\u2019", max_size=80), max_size=12)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from([("word", 1), ("word", 2), ("word", 5), ("char", 3)]))
def test_one_pass_equals_the_two_passes(texts, shingle):
    kind, size = shingle
    got = shingles_and_numbers(texts, kind, size)
    want = shingle_batch(texts, kind, size) + number_batch(texts)
    assert len(got) == 4
    for a, b in zip(got, want):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_a_batch_larger_than_one_chunk():
    texts = [f"Shares rose {i} pct to {i * 3}.5 dlrs in the week to March {i % 28} caf\u00e9 \u0663{i}" for i in range(6000)]
    got = shingles_and_numbers(texts, "word", 2)
    want = shingle_batch(texts, "word", 2) + number_batch(texts)
    assert all(np.array_equal(a, b) for a, b in zip(got, want))
    assert len(got[2]) > 3 * len(texts)  # numbers were found


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 60), st.integers(1, 8), st.integers(1, 4), st.integers(0, 30), st.randoms(use_true_random=False))
def test_candidate_pairs_are_the_pairs_sharing_a_band_key(n, bands, values, min_right, rng):
    # Few distinct keys: buckets are large and a pair shares many bands, so
    # the codes found are merged several times on the way.
    keys = np.array([[rng.randrange(values) for _ in range(bands)] for _ in range(n)], dtype=np.uint32)
    want = sorted((i, j) for i in range(n) for j in range(i + 1, n)
                  if j >= min_right and (keys[i] == keys[j]).any())
    got = candidate_pairs(keys, window=n, min_right=min_right)
    assert got.dtype == np.int64 and [tuple(p) for p in got.tolist()] == want


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 60), st.integers(1, 6), st.integers(1, 4), st.integers(1, 5), st.integers(0, 30),
       st.randoms(use_true_random=False))
def test_candidate_pairs_within_the_window_of_each_bucket(n, bands, values, window, min_right, rng):
    """With a window, each member of a bucket is paired with the ``window``
    members before it in row order, in every band."""
    keys = np.array([[rng.randrange(values) for _ in range(bands)] for _ in range(n)], dtype=np.uint32)
    want = set()
    for band in range(bands):
        for value in set(keys[:, band].tolist()):
            members = [i for i in range(n) if keys[i, band] == value]
            want |= {(members[a], members[b]) for b in range(len(members))
                     for a in range(max(0, b - window), b) if members[b] >= min_right}
    got = candidate_pairs(keys, window=window, min_right=min_right)
    assert [tuple(p) for p in got.tolist()] == sorted(want)
