"""Text -> normalised tokens -> shingle hashes.

Normalisation (version ``NORMALISATION_VERSION``): Unicode NFKC, casefold,
typographic quotes and dashes mapped to their ASCII forms, then every run of
non-word characters acts as a separator (punctuation is dropped). Two copies
of an article that differ only in curly vs straight quotes, en vs em dashes,
case, line wrapping or spacing give the same tokens.

Shingles are either ``size`` consecutive tokens ("word") or ``size``
consecutive characters of the tokens joined by single spaces ("char"). A
text shorter than one shingle still gets one shingle made of all it has, so
short texts can match each other. Each shingle is hashed to an unsigned
32-bit integer. Hashes are fixed functions of the bytes (stable across
processes and machines, unlike Python's ``hash``): each token's UTF-8 bytes
are combined with position-dependent odd multipliers, consecutive token
hashes with fixed odd multipliers, and a 64-bit finaliser mixes the result.
The whole step runs as a few numpy operations over a batch of texts; ASCII
texts skip the Unicode work (for them it changes nothing but case). Word
shingles take this fast path; character shingles build the joined token
string per text and are several times slower.

Batches are returned in CSR form: one flat ``uint32`` array plus ``offsets``
(document ``i`` owns ``flat[offsets[i]:offsets[i+1]]``), which keeps memory
at four bytes per shingle instead of one Python object per document.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Sequence

import numpy as np

NORMALISATION_VERSION = 1

_QUOTES_DASHES = str.maketrans(
    {
        **{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u02bc\u0060\u00b4"},
        **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"},
        **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
    }
)
_WORD = re.compile(r"\w+")

# Odd 64-bit multipliers, one per position inside a shingle (fixed forever:
# changing them changes every signature, so bump NORMALISATION_VERSION).
_MULTIPLIERS = np.array(
    [
        0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9,
        0x2545F4914F6CDD1D, 0x9FB21C651E98DF25, 0x5851F42D4C957F2D, 0x14057B7EF767814F,
        0xDA942042E4DD58B5, 0x8CB92BA72F3D8DD7, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB,
    ],
    dtype=np.uint64,
)
MAX_SHINGLE_SIZE = len(_MULTIPLIERS)

_U64 = np.uint64
# Bytes per chunk of the batched tokeniser: its scratch arrays (8 bytes per
# byte of text) then stay in cache; measured best at 64-256 KiB.
_CHUNK_BYTES = 1 << 17


def normalise(text: str) -> str:
    """Canonical form of a text before tokenising."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES_DASHES)


def tokens(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def _prepared(text: str) -> str:
    """The text with tokens as maximal runs of word bytes (see _hash_tokens)."""
    if text.isascii():
        # NFKC, casefold and the quote/dash table are the identity or
        # lower() on ASCII, and \w is [a-z0-9_] after lowering.
        return text.lower()
    return " ".join(tokens(text))


def _hash_tokens(buf: bytes, doc_start: np.ndarray, digits: bool = False):
    """64-bit token hashes of a prepared buffer, and tokens per document
    (with ``digits``, also whether each token holds an ASCII digit).

    ``doc_start`` holds the byte offset where each document begins. Tokens
    are maximal runs of word bytes: ASCII ``[a-z0-9_]`` (what ``\\w`` is
    after lowering) and every non-ASCII byte (non-ASCII texts are reduced to
    their tokens joined by spaces first). The hash of a token depends only
    on its bytes: the sum over its bytes of ``(byte + 1) * w(position in
    token)`` with ``w(p) = (p * C + D) | 1``, plus its length times ``E``,
    then mixed.

    Since ``C`` and ``D`` are odd, ``w(p) = p * C + D + (p & 1)``, so the sum
    is ``C * S1 + D * S0 + S2`` with ``S0`` the sum of ``byte + 1``, ``S1``
    that weighted by position and ``S2`` that over odd positions. Each is a
    difference of prefix sums over the whole buffer, which avoids per-token
    Python or per-segment numpy work (all arithmetic is mod 2**64).
    """
    arr = np.frombuffer(buf, dtype=np.uint8)
    n = len(arr)
    word = (arr >= 0x80) | (arr == 0x5F)
    word |= (arr - np.uint8(0x61)) < 26
    word |= (arr - np.uint8(0x30)) < 10
    edge = np.zeros(n + 1, dtype=bool)
    if n:
        edge[0] = word[0]
        edge[n] = word[-1]
        np.not_equal(word[1:], word[:-1], out=edge[1:n])
    bounds = np.flatnonzero(edge)
    starts, stops = bounds[0::2], bounds[1::2]
    counts = np.diff(np.searchsorted(starts, np.append(doc_start, n))).astype(np.int64)
    if len(starts) == 0:
        return (np.zeros(0, dtype=_U64), counts) + ((np.zeros(0, bool),) if digits else ())
    if digits:
        seen = np.zeros(n + 1, dtype=np.int64)
        np.cumsum((arr - np.uint8(0x30)) < 10, out=seen[1:])
        has_digit = seen[stops] > seen[starts]
    v = arr.astype(_U64)
    v += _U64(1)
    v *= word
    s1 = _segment_sums(np.arange(n, dtype=_U64) * v, starts, stops)
    if n < (1 << 23):
        # Bytes at even offsets in the low half, odd ones in the high half:
        # one prefix sum for both (each half stays below 2**32).
        v[1::2] <<= _U64(32)
        packed = _segment_sums(v, starts, stops)
        at_odd = packed >> _U64(32)
        s0 = (packed & _U64(0xFFFFFFFF)) + at_odd
    else:
        s0 = _segment_sums(v, starts, stops)
        v[0::2] = 0
        at_odd = _segment_sums(v, starts, stops)
    begin = starts.astype(_U64)
    s1 -= begin * s0
    # Odd positions in the token are odd offsets when it begins at an even one.
    s2 = np.where(starts & 1, s0 - at_odd, at_odd)
    total = s1 * _U64(0x9E3779B97F4A7C15)
    total += s0 * _U64(0x632BE59BD9B4E019)
    total += s2
    total += (stops - starts).astype(_U64) * _U64(0xD6E8FEB86659FD93)
    return (_fmix64(total), counts) + ((has_digit,) if digits else ())


def _segment_sums(x: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Sum of ``x[starts[k]:stops[k]]`` for every k, mod 2**64."""
    prefix = np.empty(len(x) + 1, dtype=_U64)
    prefix[0] = 0
    np.cumsum(x, dtype=_U64, out=prefix[1:])
    return prefix[stops] - prefix[starts]


def _fmix64(x: np.ndarray) -> np.ndarray:
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x


def shingle_batch(texts: Iterable[str], kind: str = "word", size: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many texts, in text order, repeats kept (CSR form)."""
    if not 1 <= size <= MAX_SHINGLE_SIZE:
        raise ValueError(f"shingle size must be in 1..{MAX_SHINGLE_SIZE}")
    if kind not in ("word", "char"):
        raise ValueError(f"unknown shingle kind {kind!r}")
    if kind == "word":
        flat, lengths = _word_units(texts)
        return _combine(flat, lengths, size)
    lengths_list: list[int] = []
    pieces: list[str] = []
    for text in texts:
        joined = " ".join(tokens(text))
        pieces.append(joined)
        lengths_list.append(len(joined))
    flat = np.frombuffer("".join(pieces).encode("utf-32-le"), dtype=np.uint32).astype(_U64)
    return _combine(flat, np.array(lengths_list, dtype=np.int64), size)


def shingles_and_numbers(texts: Sequence[str], kind: str = "word",
                         size: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``shingle_batch`` and ``number_batch`` of the same texts: for word
    shingles from one pass over the texts (number tokens are the tokens
    holding a digit, their hashes those the word pass computes)."""
    if kind != "word":
        return shingle_batch(texts, kind, size) + number_batch(texts)
    flat, lengths, has_digit = _word_units(texts, digits=True)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner[has_digit], minlength=len(lengths)), out=offsets[1:])
    numbers = unique_segments((flat[has_digit] >> _U64(32)).astype(np.uint32), offsets)
    return _combine(flat, lengths, size) + numbers


def number_batch(texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct hashes of the tokens holding a digit, per text (CSR form).

    Verification compares them: two stories built on one template (weekly
    figures, results, dividends) share most word pairs but not their
    numbers, while copies of one story do.
    """
    flat, counts = _word_units(texts, _numbers_only)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return unique_segments((flat >> _U64(32)).astype(np.uint32), offsets)


# A run of word characters holding a digit (what r"\w*\d\w*" finds), matched
# from the run's start only: that pattern retries at every character of a
# word without a digit.
_NUMBER = re.compile(r"(?<!\w)[^\W\d]*\d\w*")


def _numbers_only(text: str) -> str:
    return " ".join(_NUMBER.findall(_prepared(text)))


# A decimal digit outside ASCII: "\\d" finds it, the byte scan does not.
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")


def _word_units(texts: Iterable[str], prepare=None, digits: bool = False):
    """Token hashes of many texts (flat) and the token count of each; with
    ``digits``, also whether each token holds a digit (what ``\\d`` finds)."""
    prepare = prepare or _prepared
    hashes: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    flags: list[np.ndarray] = []
    pending: list[str] = []
    pending_bytes = 0

    def flush() -> None:
        nonlocal pending_bytes
        if not pending:
            return
        buf = "\n".join(pending).encode("utf-8")
        sizes = np.fromiter((len(p) if p.isascii() else len(p.encode("utf-8")) for p in pending), np.int64, len(pending))
        doc_start = np.zeros(len(pending), dtype=np.int64)
        np.cumsum(sizes[:-1] + 1, out=doc_start[1:])
        values, per_doc, *has_digit = _hash_tokens(buf, doc_start, digits)
        counts.append(per_doc)
        hashes.append(values)
        if digits:
            flags.append(_other_digits(pending, per_doc, has_digit[0]))
        pending.clear()
        pending_bytes = 0

    for text in texts:
        prepared = prepare(text)
        pending.append(prepared)
        pending_bytes += len(prepared) + 1
        if pending_bytes >= _CHUNK_BYTES:
            flush()
    flush()
    if not counts:
        return (np.zeros(0, dtype=_U64), np.zeros(0, dtype=np.int64)) + ((np.zeros(0, bool),) if digits else ())
    out = np.concatenate(hashes), np.concatenate(counts).astype(np.int64)
    return out + ((np.concatenate(flags),) if digits else ())


def _other_digits(prepared: list[str], counts: np.ndarray, has_digit: np.ndarray) -> np.ndarray:
    """``has_digit`` with the tokens holding a digit outside ASCII marked too
    (a non-ASCII text is prepared as its tokens joined by spaces)."""
    first = None
    for k, text in enumerate(prepared):
        if not text.isascii() and _OTHER_DIGIT.search(text):
            if first is None:
                first = np.concatenate(([0], np.cumsum(counts)[:-1]))
            found = [bool(_OTHER_DIGIT.search(token)) for token in text.split(" ")]
            has_digit[first[k] : first[k] + len(found)] |= found
    return has_digit


def _combine(flat: np.ndarray, lengths: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Hash every run of ``size`` consecutive units inside each document.

    A document with fewer than ``size`` units (but at least one) gets one
    shingle of all its units.
    """
    short = (lengths > 0) & (lengths < size)
    counts = np.where(short, 1, np.maximum(lengths - (size - 1), 0))
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = len(flat)
    if offsets[-1] == 0:
        return np.zeros(0, dtype=np.uint32), offsets
    doc_end = np.cumsum(lengths)
    doc_begin = doc_end - lengths
    padded = np.concatenate([flat, np.zeros(size - 1, dtype=_U64)])
    acc = padded[:total] * _MULTIPLIERS[0]
    for j in range(1, size):
        acc += padded[j : total + j] * _MULTIPLIERS[j]
    # A shingle starts where a whole one fits inside the document...
    valid = np.ones(total, dtype=bool)
    long_end = doc_end[lengths >= size]
    for j in range(1, size):
        valid[long_end - j] = False
    # ...or at the start of a short one, from its own units only.
    for begin, length in zip(doc_begin[short].tolist(), lengths[short].tolist()):
        acc[begin] = (flat[begin : begin + length] * _MULTIPLIERS[:length]).sum(dtype=_U64)
        valid[begin : begin + length] = False
        valid[begin] = True
    mixed = _fmix64(acc[valid])
    return (mixed >> _U64(32)).astype(np.uint32), offsets


def shingles(text: str, kind: str = "word", size: int = 5) -> np.ndarray:
    """Shingle hashes of one text, in order, repeats kept."""
    return shingle_batch([text], kind, size)[0]


def shingle_set(text: str, kind: str = "word", size: int = 5) -> np.ndarray:
    """Sorted distinct shingle hashes of one text (what verification compares)."""
    return np.unique(shingles(text, kind, size))


def unique_segments(flat: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort and deduplicate each document's shingles, staying in CSR form."""
    n = len(offsets) - 1
    owner = np.repeat(np.arange(n, dtype=np.uint64), np.diff(offsets))
    keyed = (owner << np.uint64(32)) | flat.astype(np.uint64)
    keyed.sort()
    if len(keyed):
        keyed = keyed[np.concatenate(([True], keyed[1:] != keyed[:-1]))]
    new_counts = np.bincount((keyed >> np.uint64(32)).astype(np.int64), minlength=n)
    new_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(new_counts, out=new_offsets[1:])
    return (keyed & np.uint64(0xFFFFFFFF)).astype(np.uint32), new_offsets


def segments(flat: np.ndarray, offsets: np.ndarray) -> Sequence[np.ndarray]:
    """Views of each document's part of a CSR array."""
    return [flat[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
