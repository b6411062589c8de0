"""Anchors: candidate pairs for a short text inside a longer one (own texts)."""
from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings, strategies as st

from pipeline.dedup import Dedup, DedupConfig
from pipeline.dedup.anchors import EMPTY, anchor_keys, anchor_pairs
from pipeline.dedup.lsh import candidate_pairs
from pipeline.dedup.stage import sign
from pipeline.document import DUPLICATE, KEPT, Document
from test_dedup_template import STORY

# A flash sent before the story, with a headline of its own: 12 word pairs,
# 10 of them in the 175 of the story, and a lead unlike the story's.
FLASH = "NORTHERN RAIL ORDERS 40 ELECTRIC TRAINS FROM VOSSLOH, LARGEST ORDER IN ITS HISTORY"


def decide(*texts: str, config: DedupConfig | None = None) -> list[Document]:
    docs = [Document(id=f"d{i}", source=f"d{i}.txt", content=t) for i, t in enumerate(texts)]
    return list(Dedup(config or DedupConfig())(docs))


def test_a_flash_the_jaccard_bands_miss_is_found_by_its_anchors():
    config = DedupConfig()
    signed = sign([FLASH, STORY], config)
    assert len(candidate_pairs(signed.keys[:, : config.bands])) == 0  # Jaccard 0.06
    assert anchor_pairs(signed.keys[:, config.band_columns :], config.anchor_cap, config.anchor_min_shared).tolist() \
        == [[0, 1]]
    out = decide(FLASH, STORY)
    assert out[1].status == KEPT
    assert out[0].status == DUPLICATE and out[0].duplicate_of == "d1" and out[0].rule == "first_version"
    # Neither anchors nor lead bands: the pair is never looked at.
    assert [d.status for d in decide(FLASH, STORY, config=DedupConfig(anchor_count=0, lead_bands=0))] == [KEPT, KEPT]


# A flash of a headline's length and the results it announces: 11 word pairs,
# about a third of the story's first 25.
RESULTS_FLASH = "HARWOOD MILLS CORP 2ND QTR SHR PRIMARY 41 CTS VS 37 CTS"
RESULTS = """HARWOOD MILLS CORP <HWM.O> 2ND QTR NET

Shr primary 41 cts vs 37 cts
    Shr diluted 40 cts vs 36 cts
    Net 12.3 mln vs 10.9 mln
    Revs 88.1 mln vs 81.4 mln
    Avg shrs 30.1 mln vs 29.6 mln
    Six mths
    Shr primary 79 cts vs 70 cts
    Shr diluted 77 cts vs 69 cts
    Net 23.6 mln vs 20.7 mln
    Revs 171.5 mln vs 158.2 mln
    NOTE: Six months 1986 net includes gain of 1.2 mln dlrs from the sale of the company's Dayton warehouse.
 Reuter
"""


def test_the_lead_bands_find_a_headline_flash_without_anchors():
    config = DedupConfig(anchor_count=0)
    signed = sign([RESULTS_FLASH, RESULTS], config)
    assert len(candidate_pairs(signed.keys[:, : config.bands])) == 0
    assert candidate_pairs(signed.keys[:, config.bands : config.band_columns]).tolist() == [[0, 1]]
    out = decide(RESULTS_FLASH, RESULTS, config=config)
    assert out[0].status == DUPLICATE and out[0].duplicate_of == "d1" and out[0].rule == "first_version"
    assert [d.status for d in decide(RESULTS_FLASH, RESULTS, config=DedupConfig(anchor_count=0, lead_bands=0))] \
        == [KEPT, KEPT]


def test_anchors_do_not_make_a_template_issue_a_copy():
    from test_dedup_template import HARBOUR, OTHER

    assert [d.status for d in decide(HARBOUR, OTHER)] == [KEPT, KEPT]


sets = st.lists(st.lists(st.integers(1, 60), max_size=30).map(lambda x: sorted(set(x))), min_size=1, max_size=12)


def _csr(docs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    flat = np.array([v for d in docs for v in d], dtype=np.uint32)
    return flat, np.r_[0, np.cumsum([len(d) for d in docs])].astype(np.int64)


@settings(max_examples=60, deadline=None)
@given(sets, st.integers(1, 8))
def test_anchors_are_the_same_choice_in_every_text(docs, count):
    keys = anchor_keys(*_csr(docs), count, seed=3)
    assert keys.shape == (len(docs), count)
    rows = [set(k.tolist()) - {int(EMPTY)} for k in keys]
    for row, d in zip(rows, docs):
        assert row <= set(d) and len(row) == min(len(d), count)
    # A shingle that is an anchor of a text is one of every text of it that
    # holds it (bottom-k on one hash): a text inside another shares the
    # other's anchors that it holds.
    for (ra, da), (rb, db) in itertools.permutations(list(zip(rows, docs)), 2):
        if set(da) <= set(db):
            assert rb & set(da) <= ra


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(1, 9), max_size=3, unique=True), min_size=1, max_size=10),
       st.integers(2, 4), st.integers(1, 3), st.integers(0, 4))
def test_anchor_pairs_match_their_definition(rows, cap, min_shared, min_right):
    rows = [r + [int(EMPTY)] * (4 - len(r)) for r in rows]  # a short text's missing anchors
    keys = np.array(rows, dtype=np.uint32)
    got = anchor_pairs(keys, cap, min_shared, min_right).tolist()
    holders = {v: {i for i, r in enumerate(rows) if v in r} for v in range(1, 10)}
    want = []
    for i, j in itertools.combinations(range(len(rows)), 2):
        shared = [v for v in set(rows[i]) & set(rows[j]) if v != EMPTY and len(holders[v]) <= cap]
        if j >= min_right and len(shared) >= min_shared:
            want.append([i, j])
    assert got == want


def test_an_engine_shuffle_finds_the_same_candidates():
    """``dedup_tasks`` (band rows grouped by key, for an engine) and the
    local stage agree, anchors included, index documents included."""
    from pipeline.dedup.lsh import candidates
    from pipeline.engines import dedup_tasks
    from test_dedup_template import DIGEST, FIRST, HARBOUR, LATER, NOON, OTHER

    config = DedupConfig()
    texts = [FLASH, STORY, HARBOUR, OTHER, NOON, LATER, FIRST, DIGEST, FLASH + " today", STORY[:400]]
    keys = sign(texts, config).keys
    for n_old in (0, 3):
        local = candidates(keys, config, min_right=n_old)
        rows = dedup_tasks.band_rows(np.arange(len(texts)) - n_old, keys, 1, config.band_columns)
        found = dedup_tasks.bucket_pairs(rows, anchor_cap=config.anchor_cap)
        shuffled = dedup_tasks.anchor_pairs(found["a"], found["b"], found["anchor"], config.anchor_min_shared)
        assert (shuffled + n_old).tolist() == local.tolist()
    assert [0, 1] in candidates(keys, config).tolist()  # the flash and its story


@settings(max_examples=60, deadline=None)
@given(sets, st.integers(1, 8), st.sets(st.integers(1, 60)))
def test_plain_pairs_are_chosen_last_and_the_choice_stays_the_same_in_every_text(docs, count, plain):
    table = np.array(sorted(plain), dtype=np.uint32)
    keys = anchor_keys(*_csr(docs), count, seed=3, plain=table)
    rows = [set(k.tolist()) - {int(EMPTY)} for k in keys]
    for row, d in zip(rows, docs):
        assert row <= set(d) and len(row) == min(len(d), count)
        other = set(d) - plain
        # A plain pair only when the text has too few others.
        assert row & plain == set() if len(other) >= count else other <= row
    for (ra, da), (rb, db) in itertools.permutations(list(zip(rows, docs)), 2):
        if set(da) <= set(db):
            assert rb & set(da) <= ra


def test_plain_pairs_are_function_word_pairs():
    from pipeline.dedup import shingle_set
    from pipeline.dedup.anchors import _member, plain_pairs

    table = plain_pairs()
    for text, plain in (("of the", True), ("it said", True), ("will be", True), ("crude oil", False),
                        ("the crude", False)):
        assert _member(shingle_set(text, "word", 2), table).tolist() == [plain]
