"""Exact check of a candidate pair on its shingle sets.

LSH only says two signatures agree on some band; that happens by chance
for unrelated texts too. A pair is called a duplicate only if its sorted,
distinct shingle hash sets satisfy one of:

* Jaccard ``|A & B| / |A | B| >= jaccard_threshold`` (the same text with
  light edits), or
* containment of the smaller set in the larger,
  ``|A & B| / min(|A|, |B|) >= containment_threshold``, provided the smaller
  set has at least ``min_containment_shingles`` shingles (a truncated copy,
  or a copy with paragraphs added around it).

The reported similarity is the Jaccard when that rule holds, else the
containment.

Most candidate pairs share little. Before any intersection, a 512-bit
bitmap of each set rules out the pairs that cannot share the least
containment any rule in use accepts (``may_share``): the decisions are those
of intersecting every pair, for a small part of the work.

A story written again (rule ``rewrite``) shares less: at least
``rewrite_containment`` of the smaller set and ``rewrite_min_shared``
shingles, with a Jaccard of ``rewrite_min_jaccard``, and says what it is:
one lead calls itself a correction or a repeat, or both are dated the
same day and have the same headline, tag one company in their headlines
and open alike, or hold ``rewrite_inside`` of the smaller text's shingles
(this needs the leads).

A pair that fails both but still has a word Jaccard of
``char_check_min_jaccard`` or more is looked at again on its texts: it is a
duplicate when their character 5-gram sets reach ``char_jaccard_threshold``
(OCR noise and edits inside words break word pairs, not most 5-grams); the
similarity is then that character Jaccard. This needs the texts
(``verify_many``'s ``texts``); without them the rule is skipped.

A pair that passes is refused by the template guard (``template``) when
its two leads each carry their own numbers, dates, times or names in the
same place: two issues of one routine report, or when their headlines tag
different companies (``issuers``). This needs the leads
(``verify_many``'s ``leads``); without them the guard is skipped.

A pair that passes is refused when both documents are dated and the dates
are more than ``max_days_apart`` days apart (``dates``): the same routine
notice sent again weeks later is that week's news.

A pair that passes is also refused when both texts carry numbers
(``min_numbers`` distinct number tokens or more) and too few of the smaller
text's numbers appear in the other (``numbers_threshold``): reports built on
one template (weekly figures, company results, dividends) share most of
their wording, but copies of one story share their numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import issuers
from .config import DedupConfig
from .subjects import other_subjects
from .shingles import shingle_batch, unique_segments
from .template import Lead, different_issues, figures_corrected, lead_text, other_periods, read_lead, reheadlined


# Why a pair was accepted, as recorded in the manifest (``rule``); verify_many
# returns the position in this tuple (0: not accepted).
RULES = ("", "exact", "jaccard", "containment", "char", "first_version", "rewrite")
EXACT, JACCARD, CONTAINMENT, CHAR, FIRST_VERSION, REWRITE = 1, 2, 3, 4, 5, 6


@dataclass(frozen=True)
class Match:
    jaccard: float
    containment: float
    rule: str  # "exact" (same shingle set), "jaccard" or "containment"

    @property
    def similarity(self) -> float:
        return self.containment if self.rule == "containment" else self.jaccard


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """``(jaccard, containment of the smaller in the larger)`` of two sets."""
    if len(a) == 0 or len(b) == 0:
        return 0.0, 0.0
    if len(a) > len(b):
        a, b = b, a
    common = found_in(a, b)  # the smaller set's items looked up in the larger
    return common / (len(a) + len(b) - common), common / len(a)


def found_in(items: np.ndarray, within: np.ndarray) -> int:
    """How many of the sorted ``items`` are in the sorted set ``within``."""
    if len(items) == 0 or len(within) == 0:
        return 0
    pos = np.searchsorted(within, items)
    pos[pos == len(within)] = 0
    return int(np.count_nonzero(within[pos] == items))


class Stories:
    """What ``cluster.resolve`` asks of two documents' shingle sets (CSR
    form; ``position`` maps node numbers to rows when they differ): whether
    they are one story (``share`` of the smaller set in the other), and how
    much of one a story covers."""

    def __init__(self, flat: np.ndarray, offsets: np.ndarray, share: float,
                 position: np.ndarray | None = None) -> None:
        self.flat, self.offsets, self.share, self.position = flat, offsets, share, position

    def _set(self, node: int) -> np.ndarray:
        row = node if self.position is None else int(self.position[node])
        return self.flat[self.offsets[row] : self.offsets[row + 1]]

    def together(self, a: int, b: int) -> bool:
        return overlap(self._set(a), self._set(b))[1] >= self.share

    def cover(self, whole: int, part: int) -> float:
        """Share of ``whole``'s word pairs that are in ``part``."""
        a = self._set(whole)
        return found_in(a, self._set(part)) / len(a) if len(a) else 0.0


def stories_of(flat: np.ndarray, offsets: np.ndarray, config: DedupConfig,
               position: np.ndarray | None = None) -> Stories | None:
    """``Stories`` for ``cluster.resolve`` (None with ``composite_overlap`` off)."""
    return Stories(flat, offsets, config.composite_overlap, position) if config.composite_overlap > 0 else None


def numbers_agree(a: np.ndarray, b: np.ndarray, config: DedupConfig) -> bool:
    """The number check above, on two sets of number-token hashes."""
    if min(len(a), len(b)) < config.min_numbers:
        return True
    return overlap(a, b)[1] >= config.numbers_threshold


def verify(
    a: np.ndarray, b: np.ndarray, config: DedupConfig, numbers: tuple[np.ndarray, np.ndarray] | None = None
) -> Match | None:
    """The match between two shingle sets, or None if they are not duplicates.

    ``numbers`` are the two texts' number-token sets (``number_batch``);
    without them the number check is skipped.
    """
    if numbers is not None and not numbers_agree(*numbers, config):
        return None
    jaccard, containment = overlap(a, b)
    if jaccard >= 1.0:
        return Match(jaccard, containment, "exact")
    if jaccard >= config.jaccard_threshold:
        return Match(jaccard, containment, "jaccard")
    if containment >= config.containment_threshold and min(len(a), len(b)) >= config.min_containment_shingles:
        return Match(jaccard, containment, "containment")
    return None


def _gather(flat: np.ndarray, offsets: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elements of the sets of ``docs`` (CSR), tagged with their position in ``docs``."""
    starts, ends = offsets[docs], offsets[docs + 1]
    lengths = ends - starts
    owner = np.repeat(np.arange(len(docs), dtype=np.uint64) << np.uint64(32), lengths)
    first = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return owner | flat[np.arange(len(owner), dtype=np.int64) + first], lengths


def common_many(pairs: np.ndarray, flat: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items in common of many pairs of CSR sets (32-bit items), and the two sets' sizes."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    flat = np.asarray(flat, dtype=np.uint32)  # no copy for the stage's sets
    if len(pairs) == 0:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys_a, len_a = _gather(flat, offsets, pairs[:, 0])
    keys_b, len_b = _gather(flat, offsets, pairs[:, 1])
    # Each set is distinct, so a key found on both sides is one common item.
    # Each side is sorted already (by pair, then item): a stable sort of the
    # two is one merge of two runs (measured 1.8x quicker than the default).
    both = np.concatenate([keys_a, keys_b])
    both.sort(kind="stable")
    same = both[1:][both[1:] == both[:-1]]
    common = np.bincount((same >> np.uint64(32)).astype(np.int64), minlength=len(pairs)).astype(float)
    return common, len_a, len_b


def overlap_many(pairs: np.ndarray, flat: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``overlap`` of many pairs of CSR sets at once: (jaccard, containment) arrays."""
    common, len_a, len_b = common_many(pairs, flat, offsets)
    union = len_a + len_b - common
    smaller = np.minimum(len_a, len_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(union > 0, common / union, 0.0)
        containment = np.where(smaller > 0, common / smaller, 0.0)
    return jaccard, containment


# Bits of a set's bitmap: one 64-bit word per 64 of them.
BITMAP_WORDS = 8


def set_bitmaps(flat: np.ndarray, offsets: np.ndarray, step: int = 1 << 16) -> np.ndarray:
    """One bitmap of ``64 * BITMAP_WORDS`` bits per CSR set: bit ``h % 512``
    of each item ``h`` (the items are hash values: their low bits are evenly
    spread). Made ``step`` sets at a time, to bound the scratch memory."""
    n = len(offsets) - 1
    out = np.zeros(n * BITMAP_WORDS, np.uint64)
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        items = np.asarray(flat[offsets[lo] : offsets[hi]], dtype=np.uint32)
        owner = np.repeat(np.arange(lo, hi, dtype=np.int64) * BITMAP_WORDS, np.diff(offsets[lo : hi + 1]))
        word = owner + ((items >> 6) & (BITMAP_WORDS - 1))
        np.bitwise_or.at(out, word, np.left_shift(np.uint64(1), (items & 63).astype(np.uint64)))
    return out.reshape(n, BITMAP_WORDS)


def may_share(pairs: np.ndarray, sizes: np.ndarray, bitmaps: np.ndarray, least: float) -> np.ndarray:
    """Whether each pair of sets may have ``least`` of the smaller set in
    common, told from their bitmaps alone (never False for a pair that has).

    A bit set in one bitmap and not the other stands for at least one item
    only that set has, a different item for each such bit: so the sets
    differ in at least that many items, and share at most half of what is
    left of their two sizes."""
    size_a, size_b = sizes[pairs[:, 0]], sizes[pairs[:, 1]]
    differ = np.bitwise_count(bitmaps[pairs[:, 0]] ^ bitmaps[pairs[:, 1]]).sum(axis=1, dtype=np.int64)
    most = (size_a + size_b - differ) // 2
    # A share just below ``least`` may pass as ``least`` in floating point: the need is cut a hair.
    return most >= np.ceil(least * np.minimum(size_a, size_b) * (1 - 1e-9))


def least_containment(config: DedupConfig, rewrite: bool, first: bool, char: bool) -> float:
    """The least containment of the smaller set in the larger at which any
    rule in use can accept a pair (0: every pair must be intersected).
    A Jaccard of ``j`` needs a containment of ``2j / (1 + j)`` at least."""
    def by_jaccard(j: float) -> float:
        return 2 * j / (1 + j)

    needs = [by_jaccard(config.jaccard_threshold), config.containment_threshold]
    if rewrite:
        needs.append(max(config.rewrite_containment, by_jaccard(config.rewrite_min_jaccard)))
    if first:
        needs.append(config.first_version_containment)
    if char:
        needs.append(by_jaccard(config.char_check_min_jaccard))
    return max(0.0, min(needs))


def starts_alike(short: Lead, long: Lead, words: int = 25) -> float:
    """Share of the word pairs of the shorter text's first ``words`` tokens
    (its headline and first sentence) found in the longer text's lead."""
    head = set(zip(short.tokens[:words], short.tokens[1:words]))
    if not head:
        return 0.0
    return len(head & set(zip(long.tokens, long.tokens[1:]))) / len(head)


CHAR_CHECK_SIZE = 5


def char_set(text: str) -> np.ndarray:
    """The distinct character 5-gram hashes of a text (normalised as for shingles)."""
    return unique_segments(*shingle_batch([text], "char", CHAR_CHECK_SIZE))[0]


def char_jaccard(a: str, b: str) -> float:
    return overlap(char_set(a), char_set(b))[0]


class Readings:
    """What ``verify_many`` reads of a set's text and lead, once per set:
    a set takes part in several pairs, and a worker verifying several
    slices of one batch keeps one ``Readings`` for all of them.

    ``texts(i)`` gives the text of set ``i`` (None when unknown),
    ``leads(i)`` its lead (at least its first ``template_lead_words``
    tokens, or None; for ``i < cut_below`` it is ``lead_text`` of the text
    already)."""

    def __init__(self, config: DedupConfig, texts: Callable[[int], str | None] | None = None,
                 leads: Callable[[int], str | None] | None = None, cut_below: int = 0) -> None:
        self._config, self._texts, self._leads, self._cut_below = config, texts, leads, cut_below
        self._chars: dict[int, np.ndarray | None] = {}
        self._starts: dict[int, str | None] = {}
        self._templates: dict[int, Lead | None] = {}
        self._by_text: dict[str, Lead] = {}
        self._issues: dict[tuple[int, int], bool] = {}

    def chars(self, i: int) -> np.ndarray | None:
        """The character 5-gram set of text ``i`` (``char_set``)."""
        if i not in self._chars:
            text = self._texts(i)
            self._chars[i] = None if text is None else char_set(text)
        return self._chars[i]

    def start(self, i: int) -> str | None:
        """The lead as text: two equal ones cannot be two issues, and
        telling that costs far less than reading them (``template``)."""
        if i not in self._starts:
            text = self._leads(i)
            self._starts[i] = text if text is None or i < self._cut_below \
                else lead_text(text, self._config.template_lead_words)
        return self._starts[i]

    def template(self, i: int) -> Lead | None:
        """The lead as the guard reads it (``read_lead``)."""
        if i not in self._templates:
            text = self.start(i)
            if text is None:
                self._templates[i] = None
            else:  # copies often begin alike: one reading of each lead
                if text not in self._by_text:
                    self._by_text[text] = read_lead(text, self._config.template_lead_words)
                self._templates[i] = self._by_text[text]
        return self._templates[i]

    def other_issues(self, a: Lead, b: Lead) -> bool:
        """Whether two leads are two issues of one report, or open on
        subjects of their own: asked once per two leads read (copies cut
        shorter share their lead, so one pair of leads recurs)."""
        key = id(a), id(b)  # the leads live as long as this object: their ids stay theirs
        if key not in self._issues:
            self._issues[key] = (different_issues(a, b, self._config) and not reheadlined(a, b)) or other_subjects(a, b)
        return self._issues[key]


def verify_many(
    pairs: np.ndarray,
    flat: np.ndarray,
    offsets: np.ndarray,
    config: DedupConfig,
    numbers: tuple[np.ndarray, np.ndarray] | None = None,
    chunk: int = 100_000,
    texts: Callable[[int], str | None] | None = None,
    leads: Callable[[int], str | None] | None = None,
    days: np.ndarray | None = None,
    cut_below: int = 0,
    screen: bool = True,
    bitmaps: np.ndarray | None = None,
    readings: Readings | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``verify`` for many pairs: (accepted mask, similarity, rule) arrays
    (``rule`` indexes ``RULES``; 0 where not accepted).

    ``numbers`` is the CSR ``(flat, offsets)`` of number-token sets, indexed
    like the shingle sets; ``texts(i)`` gives the text of set ``i`` (None
    when unknown), for the character check; ``leads(i)`` its lead (at least
    its first ``template_lead_words`` tokens, or None), for the template guard
    (for ``i < cut_below`` it is ``lead_text`` of the text already);
    ``days`` the day number of each set's date (``dates.day_of``; NaN when
    unknown): a pair more than ``max_days_apart`` days apart is refused.
    ``screen``: pairs whose sets' bitmaps show they cannot share enough to
    pass any rule (``may_share``) are refused without an intersection (the
    same decisions; a refused pair's similarity is then 0); ``bitmaps``:
    ``set_bitmaps(flat, offsets)`` when already made. ``readings``: a
    ``Readings`` of the same ``texts``, ``leads`` and ``cut_below`` to read
    them through (one kept over several calls reads each text once).
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    accepted = np.zeros(len(pairs), dtype=bool)
    similarity = np.zeros(len(pairs))
    rule = np.zeros(len(pairs), dtype=np.int8)
    sizes = np.diff(offsets)
    char_check = texts is not None and config.char_jaccard_threshold > 0
    guard = leads is not None and config.template_guard
    first_check = leads is not None and config.first_version_containment > 0
    rewrite_check = leads is not None and config.rewrite_containment > 0
    if readings is None:
        readings = Readings(config, texts, leads, cut_below)
    chars_of, start_of, template_of = readings.chars, readings.start, readings.template

    least = least_containment(config, rewrite_check, first_check, char_check)
    if not (screen and least > 0 and len(pairs)):
        bitmaps = None
    elif bitmaps is None:
        bitmaps = set_bitmaps(flat, offsets)
    for start in range(0, len(pairs), chunk):
        part = pairs[start : start + chunk]
        if bitmaps is None:
            jaccard, containment = overlap_many(part, flat, offsets)
        else:  # only pairs that can share enough items are intersected; the others pass no rule
            jaccard, containment = np.zeros(len(part)), np.zeros(len(part))
            maybe = np.flatnonzero(may_share(part, sizes, bitmaps, least))
            jaccard[maybe], containment[maybe] = overlap_many(part[maybe], flat, offsets)
        by_jaccard = jaccard >= config.jaccard_threshold
        smaller = np.minimum(sizes[part[:, 0]], sizes[part[:, 1]])
        by_containment = (containment >= config.containment_threshold) & (smaller >= config.min_containment_shingles)
        ok = by_jaccard | by_containment
        # A story written again: much of the smaller text word for word, and a good many word pairs.
        rewritten = ~ok & (containment >= config.rewrite_containment) & (jaccard >= config.rewrite_min_jaccard) \
            & (containment * smaller >= config.rewrite_min_shared) if rewrite_check else np.zeros(len(part), bool)
        again = ~ok & (jaccard >= config.char_check_min_jaccard) & (smaller >= config.char_check_min_shingles) \
            if char_check else np.zeros(len(part), bool)
        larger = np.maximum(sizes[part[:, 0]], sizes[part[:, 1]])
        first = ~ok & (containment >= config.first_version_containment) & \
            (smaller >= config.min_containment_shingles) & (smaller <= config.first_version_length * larger) \
            if first_check else np.zeros(len(part), bool)
        ok |= rewritten
        if numbers is not None:
            num_flat, num_offsets = numbers
            num_sizes = np.diff(num_offsets)
            counted = np.minimum(num_sizes[part[:, 0]], num_sizes[part[:, 1]]) >= config.min_numbers
            check = (ok | again) & counted
            if check.any():
                _, shared = overlap_many(part[check], num_flat, num_offsets)
                refused = np.flatnonzero(check)[shared < config.numbers_threshold]
                ok[refused] = again[refused] = False
        sim = np.where(by_jaccard, jaccard, containment)
        why = np.where(jaccard >= 1.0, EXACT, np.where(by_jaccard, JACCARD,
                                                       np.where(by_containment, CONTAINMENT, REWRITE))).astype(np.int8)
        if first.any():
            # A first version (a flash, the first paragraphs) carries the
            # story's figures and begins as the full story does.
            look = np.flatnonzero(first)
            short = np.where(sizes[part[look, 0]] <= sizes[part[look, 1]], part[look, 0], part[look, 1])
            long = np.where(short == part[look, 0], part[look, 1], part[look, 0])
            if numbers is not None:
                common, have, _ = common_many(np.stack([short, long], axis=1), *numbers)
                figures = common >= have
            else:
                figures = np.ones(len(look), bool)
            for k, s_, l_, f in zip(look.tolist(), short.tolist(), long.tolist(), figures.tolist()):
                a, b = template_of(s_), template_of(l_)
                # A correction by its own account may change figures.
                # So may one company's report sent again the same day (``issuers``).
                resent = days is not None and days[s_] == days[l_] and issuers.one_issuer(start_of(s_), start_of(l_))
                if a is not None and b is not None and (f or a.marked or b.marked or resent) \
                        and starts_alike(a, b) >= config.first_version_lead \
                        and issuers.same_issuers(start_of(s_), start_of(l_)):
                    ok[k] = True
                    why[k] = FIRST_VERSION
        for k in np.flatnonzero(ok & (why == REWRITE)):
            i, j = int(part[k, 0]), int(part[k, 1])
            ok[k] = _written_again(template_of(i), template_of(j), start_of(i), start_of(j),
                                   _same_day(days, i, j), float(containment[k]), config)
        for k in np.flatnonzero(again & ~ok):  # a second chance, never a veto on a first version
            a, b = chars_of(int(part[k, 0])), chars_of(int(part[k, 1]))
            if a is not None and b is not None:
                sim[k] = overlap(a, b)[0]
                ok[k] = sim[k] >= config.char_jaccard_threshold
                why[k] = CHAR
        if days is not None and config.max_days_apart > 0:
            with np.errstate(invalid="ignore"):
                ok &= ~(np.abs(days[part[:, 0]] - days[part[:, 1]]) > config.max_days_apart)
        if guard:
            for k in np.flatnonzero(ok & (why != EXACT)):
                one, two = start_of(int(part[k, 0])), start_of(int(part[k, 1]))
                if one is not None and two is not None and issuers.other_issuers(one, two):
                    ok[k] = False  # two companies' notices
                    continue
                if one is not None and two is not None and days is not None \
                        and days[part[k, 0]] == days[part[k, 1]] and issuers.one_issuer(one, two):
                    a, b = template_of(int(part[k, 0])), template_of(int(part[k, 1]))
                    if a is not None and b is not None and other_periods(a, b, config):
                        ok[k] = False  # one company's reports for two periods
                    continue  # one company's report sent again the same day
                if one is not None and two is not None and (one.startswith(two) or two.startswith(one)):
                    continue  # the same lead, or one cut shorter: nothing stands in another's place
                a, b = template_of(int(part[k, 0])), template_of(int(part[k, 1]))
                if a is not None and b is not None and readings.other_issues(a, b):
                    # One table sent again the same day under its headline, its
                    # figures corrected: nothing but figures stands in another's place.
                    ok[k] = config.template_corrected_tables and _same_day(days, int(part[k, 0]), int(part[k, 1])) \
                        and _one_headline(a, b) and figures_corrected(a, b, config)
        accepted[start : start + chunk] = ok
        similarity[start : start + chunk] = sim
        rule[start : start + chunk] = np.where(ok, why, 0)
    return accepted, similarity, rule


def _written_again(a: Lead | None, b: Lead | None, start_a: str | None, start_b: str | None,
                   same_day: bool, containment: float, config: DedupConfig) -> bool:
    """Whether a pair the rewrite rule found says it is one story written
    again: by its own account, or on one day under the same headline, as
    one company's news opening alike (the same issuer tagged in both
    headlines, ``first_version_lead`` of one opening's word pairs in the
    other's lead), or with most of the smaller text inside the other
    (``rewrite_inside``: a short item taken into the day's fuller story).
    Undated, one headline may be a routine report's two days."""
    if a is None or b is None:
        return False
    if a.marked or b.marked:
        return True
    if not same_day:
        return False
    if _one_headline(a, b) or containment >= config.rewrite_inside:
        return True
    return issuers.one_issuer(start_a, start_b) and \
        max(starts_alike(a, b), starts_alike(b, a)) >= config.first_version_lead


def _one_headline(a: Lead, b: Lead) -> bool:
    """Whether both leads have a headline and a body, and the headline is the same."""
    return a.tokens[: a.head] == b.tokens[: b.head] and 0 < a.head < len(a.tokens) and 0 < b.head < len(b.tokens)


def _same_day(days: np.ndarray | None, i: int, j: int) -> bool:
    """Whether both texts are dated, on the same day (a routine report keeps its headline from day to day)."""
    return days is not None and bool(days[i] == days[j])


def edge_values(edges: np.ndarray, values: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``values`` of the edges ``(a[k], b[k])`` (either way round), which must be among ``edges``."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    width = int(max(edges.max(initial=0), np.max(a, initial=0), np.max(b, initial=0))) + 1
    codes = np.minimum(edges[:, 0], edges[:, 1]) * width + np.maximum(edges[:, 0], edges[:, 1])
    order = np.argsort(codes, kind="stable")
    wanted = np.minimum(a, b).astype(np.int64) * width + np.maximum(a, b)
    return np.asarray(values)[order[np.searchsorted(codes[order], wanted)]]
