"""MinHash signatures computed with numpy, in datasketch's value space.

A signature is a ``uint32`` vector of length ``num_perm``. The arithmetic is
the one datasketch (>= 2.0) calls the "affine32" scheme: each 32-bit shingle
hash is pre-mixed with the MurmurHash3 32-bit finalizer, then permutation
``k`` maps it to ``a_k * h + b_k mod 2**32`` (``a_k`` odd, so a bijection)
and the signature keeps the minimum per permutation. The parameters ``a, b``
are drawn exactly as datasketch draws them for the same seed, so a
signature equals ``datasketch.MinHash(num_perm, seed, scheme="affine32",
hashfunc=<our shingle hash>)`` fed the same shingles; ``to_datasketch``
turns one into a ``LeanMinHash`` for code that expects datasketch objects.

Speed comes from doing the work for many documents at once: the shingle
hashes of a batch are laid out flat, one ``(shingles, num_perm)`` block is
computed per cache-sized chunk, and ``np.minimum.reduceat`` takes the
per-document minimum.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import numpy as np

from .config import DedupConfig, SettingsMismatch
from .shingles import shingle_batch

EMPTY_VALUE = np.uint32(0xFFFFFFFF)
# Shingles per block: 4096 x 256 x 4 bytes = 4 MiB (measured best on 1-2 MiB L2).
_BLOCK_SHINGLES = 4096


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` uint32 vectors, drawn as datasketch's affine32 scheme does."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 32-bit finalizer (datasketch's pre-mix), on a copy."""
    h = h.astype(np.uint32, copy=True)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def minhash_csr(flat: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """Signatures ``(n_docs, num_perm)`` of shingle hashes in CSR form.

    A document without shingles gets the all-``EMPTY_VALUE`` signature, as an
    empty datasketch MinHash has. Repeated shingles are harmless.
    """
    a, b = permutations(num_perm, seed)
    n = len(offsets) - 1
    out = np.full((num_perm, n), EMPTY_VALUE, dtype=np.uint32)
    if n == 0 or len(flat) == 0:
        return np.ascontiguousarray(out.T)
    mixed = fmix32(flat)
    docs = np.flatnonzero(np.diff(offsets))
    starts, ends = offsets[docs], offsets[docs + 1]
    a_col, b_col = a[:, None], b[:, None]
    # Permutations on rows, shingles on columns: each per-document minimum
    # is then a reduction over contiguous memory.
    buf = np.empty((num_perm, _BLOCK_SHINGLES), dtype=np.uint32)
    i = 0
    while i < len(docs):
        # Take whole documents until the block is full (at least one).
        lo = starts[i]
        j = max(int(np.searchsorted(ends, lo + _BLOCK_SHINGLES, side="right")), i + 1)
        hi = offsets[docs[j - 1] + 1]
        if hi - lo > _BLOCK_SHINGLES:
            # One long document: fold it in block-sized slices.
            for part in range(lo, hi, _BLOCK_SHINGLES):
                end = min(part + _BLOCK_SHINGLES, hi)
                block = buf[:, : end - part]
                np.multiply(a_col, mixed[None, part:end], out=block)
                block += b_col
                np.minimum(out[:, docs[i]], block.min(axis=1), out=out[:, docs[i]])
        else:
            block = buf[:, : hi - lo]
            np.multiply(a_col, mixed[None, lo:hi], out=block)
            block += b_col
            out[:, docs[i:j]] = np.minimum.reduceat(block, starts[i:j] - lo, axis=1)
        i = j
    return np.ascontiguousarray(out.T)


def signatures(texts: Iterable[str], config: DedupConfig) -> np.ndarray:
    """Signatures of many texts, one row per text."""
    flat, offsets = shingle_batch(texts, config.shingle, config.shingle_size)
    return minhash_csr(flat, offsets, config.num_perm, config.seed)


def signature(text: str, config: DedupConfig) -> np.ndarray:
    """Signature of one text (same values as inside any batch)."""
    return signatures([text], config)[0]


def to_datasketch(sig: np.ndarray, config: DedupConfig):
    """The signature as a ``datasketch.LeanMinHash``."""
    try:
        from datasketch import LeanMinHash, MinHash
    except ImportError:
        raise ImportError("to_datasketch needs datasketch: pip install 'pipeline[datasketch]'") from None

    if len(sig) != config.num_perm:
        raise SettingsMismatch(f"signature has {len(sig)} values, settings expect {config.num_perm}")
    mh = MinHash(
        seed=config.seed,
        hashvalues=np.asarray(sig, dtype=np.uint32),
        permutations=np.array(permutations(config.num_perm, config.seed)),
        scheme="affine32",
    )
    return LeanMinHash(mh)


def from_datasketch(mh, config: DedupConfig) -> np.ndarray:
    """Signature values of a datasketch MinHash made with matching settings."""
    if getattr(mh, "scheme", None) != "affine32" or mh.seed != config.seed or len(mh) != config.num_perm:
        raise SettingsMismatch(
            f"datasketch MinHash (scheme={getattr(mh, 'scheme', None)}, seed={mh.seed}, "
            f"num_perm={len(mh)}) does not match settings {config.fingerprint}"
        )
    return np.asarray(mh.hashvalues, dtype=np.uint32).copy()


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Fraction of equal positions (datasketch's ``jaccard``)."""
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)
