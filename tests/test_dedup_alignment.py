"""The template guard's alignment of two leads: the shared runs difflib
finds, found with less work, and one alignment where it gives the answer
of both ways round."""
from __future__ import annotations

import difflib

from hypothesis import given, settings, strategies as st

from pipeline.dedup import DedupConfig
from pipeline.dedup.template import CALENDAR, STAGE, TIME, _alignment, _common_ends, _shared_runs, different_issues, lead, substitutions

# Few distinct tokens: repeats and equally long shared runs (ties) are common.
TOKENS = st.lists(st.sampled_from("a b c d e f".split()), max_size=40).map(tuple)
# A report built on slots (a name, a day, a figure, a time, which way a
# figure moved) between plain words: its other issue fills some slots
# otherwise, a copy has words changed or dropped.
SLOTS = {"name": "Ohio Maine Texas HARBOUR Lakeside".split(), "day": "April May Monday June".split(),
         "figure": "6.1 6.6 15 30 ten".split(), "time": "12:10 14:30 noon".split(), "way": "up down rose fell".split()}
PLAIN = "the fund said its board declared a dividend of cts share payable to holders . - CORRECTED".split()
ITEMS = st.lists(st.one_of(st.sampled_from(PLAIN), st.sampled_from(sorted(SLOTS)).map(lambda k: "$" + k)),
                 min_size=1, max_size=60)


@st.composite
def two_texts(draw) -> tuple[str, str]:
    items = draw(ITEMS)
    one = [draw(st.sampled_from(SLOTS[i[1:]])) if i.startswith("$") else i for i in items]
    two = [draw(st.sampled_from(SLOTS[i[1:]])) if i.startswith("$") and draw(st.booleans()) else w
           for i, w in zip(items, one)]
    for at, word in draw(st.lists(st.tuples(st.integers(0, 59), st.sampled_from(PLAIN + [""])), max_size=3)):
        two[at % len(two)] = word
    one, two = " ".join(one), " ".join(w for w in two if w)
    if draw(st.booleans()):  # a first line of its own: the guard reads headlines apart
        one, two = one.replace(" . ", "\n", 1), two.replace(" . ", "\n", 1)
    return one, two


def difflib_runs(a: tuple, b: tuple) -> list[tuple[int, int, int]]:
    return [tuple(m) for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks() if m[2] >= 2]


def dynamic_runs(a: tuple, b: tuple) -> tuple[list[tuple[int, int, int]], bool]:
    """The recursion of ``_shared_runs`` done the plain way: a table of run
    lengths for each part, ties counted as the scan meets them."""
    found, unique, todo = [], True, [(0, len(a), 0, len(b))]
    while todo:
        alo, ahi, blo, bhi = todo.pop()
        best_i = best_j = size = ties = 0
        ending: dict[int, int] = {}
        for i in range(alo, ahi):
            here = {}
            for j in range(blo, bhi):
                if a[i] == b[j]:
                    k = here[j] = ending.get(j - 1, 0) + 1
                    if k > size:
                        best_i, best_j, size, ties = i - k + 1, j - k + 1, k, 0
                    elif k == size:
                        ties += 1
            ending = here
        if size < 2:
            continue
        found.append((best_i, best_j, size))
        unique = unique and not ties
        if alo < best_i and blo < best_j:
            todo.append((alo, best_i, blo, best_j))
        if best_i + size < ahi and best_j + size < bhi:
            todo.append((best_i + size, ahi, best_j + size, bhi))
    return sorted(found), unique


def difflib_anchors(a: tuple, b: tuple) -> list[tuple[int, int, int]]:
    """The guard's anchors as first written: the common start and end (the guard's own), then difflib on
    the middle."""
    start, end = _common_ends(a, b)
    blocks = [(0, 0, start)] if start else []
    blocks += [(i + start, j + start, n) for i, j, n in difflib_runs(a[start: len(a) - end], b[start: len(b) - end])]
    if end:
        blocks.append((len(a) - end, len(b) - end, end))
    return blocks


@settings(max_examples=400, deadline=None)
@given(TOKENS, TOKENS)
def test_shared_runs_are_difflibs(a, b):
    assert _shared_runs(a, b)[0] == difflib_runs(a, b)
    assert _alignment(a, b)[0] == difflib_anchors(a, b)


@settings(max_examples=1000, deadline=None)
@given(TOKENS, TOKENS)
def test_shared_runs_see_the_ties_a_table_of_run_lengths_sees(a, b):
    assert _shared_runs(a, b) == dynamic_runs(a, b)


@settings(max_examples=400, deadline=None)
@given(TOKENS, TOKENS)
def test_an_alignment_without_ties_is_the_same_both_ways_round(a, b):
    blocks, unique = _alignment(a, b)
    if unique:
        assert sorted((j, i, n) for i, j, n in blocks) == _alignment(b, a)[0]


def test_ties_are_seen():
    # "a b" is shared twice by the right-hand side: two runs of the longest length.
    assert not _shared_runs(("a", "b"), ("a", "b", "c", "a", "b"))[1]
    assert _shared_runs(("a", "b", "c"), ("x", "a", "b", "c"))[1]


@settings(max_examples=1000, deadline=None)
@given(two_texts())
def test_different_issues_reads_the_pair_both_ways_round(texts):
    config = DedupConfig()
    a, b = lead(texts[0], 50), lead(texts[1], 50)
    # As different_issues reads a correction: only dates and times in the headlines.
    note = {"kinds_of_note": frozenset((CALENDAR, TIME, STAGE)), "headline": True} if a.marked or b.marked else {}
    expected = any(found >= config.template_min_data and data >= config.template_data_share * places
                   for found, data, places in (substitutions(a, b, blocks=difflib_anchors(a.tokens, b.tokens), **note),
                                               substitutions(b, a, blocks=difflib_anchors(b.tokens, a.tokens), **note)))
    assert different_issues(a, b, config) == expected
