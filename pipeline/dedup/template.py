"""The template guard: two issues of one routine report are not copies.

Wire services and sites publish reports written on one template: the daily
slaughter estimate, a fund's monthly payout, a price report at 12:10 and at
12:30, the same notice for two companies. Two such texts share almost all
their words, so they pass the similarity rules, yet each is its own news.
What sets them apart is a few decisive tokens in the headline and lead:
numbers, dates, times of day and names, each text having its own in the
same place.

A re-send, a correction or a fuller version of one story differs otherwise:
words are added (a paragraph, a byline, a wire credit) or edited, and the
two leads do not each carry data the other lacks. So a verified pair is
refused when, comparing the leads (the first ``template_lead_words``
tokens, the headline included),

* inside the part the two leads share (from the first word pair they have in
  common to the last: a byline or dateline added before the text, or a
  credit after it, is not compared),
* each lead has a data token the other lead does not contain, not counting
  a token that is a near spelling of one the other has (an OCR slip or a
  typo, "Puroltor" for "Purolator"),
* at least ``template_min_data`` such tokens on the two sides together, and
* they make at least ``template_data_share`` of the tokens that differ there
  (an edited re-send differs mostly in ordinary words).

Two issues of a report differ in their figures: the guard only looks at
pairs whose texts differ in their numbers (``verify_many`` tells that from
the number sets, which is cheap, and lets most copies through without
reading their leads).

A text marked as a correction or a repeat in its lead ("CORRECTED",
"corrects", "RPT", "refiled") is a re-send by its own account: its figures
may differ, and the guard lets it through.

Data tokens: a token with a digit (``6-1/4``, ``12:10``, ``1,279,000`` are
one token each), a number word, a month or weekday name, a time of day
(opening, closing, noon, ...), and in mixed-case lines a capitalised word
that is not simply the first of a sentence (a sentence-initial word counts
when the lead never writes it in lower case: "Phillips Petroleum said").
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from .config import DedupConfig

_TOKEN = re.compile(r"\w*\d\w*(?:[.,:/-]\d+)*|\w+")
_DIGIT = re.compile(r"\d")
_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion trillion mln bln half first second third fourth fifth sixth seventh eighth ninth tenth".split()
)
_NAMES = (
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
).split()
# Month and weekday abbreviations read as the full name ("Jan" = "January");
# "may" and "sun" are left alone, being common words as well.
_CALENDAR = {name: name for name in _NAMES}
_CALENDAR.update({name[:3]: name for name in _NAMES if name[:3] not in ("may", "sun")})
_CALENDAR["sept"] = "september"
_TIMES = frozenset("opening closing open opened close closed midday noon morning afternoon evening overnight "
                   "opg clsg".split())
_MARKERS = frozenset("corrected corrects correcting rpt refiled".split())


@dataclass(frozen=True)
class Lead:
    """The lead of a text as the guard compares it."""

    tokens: tuple[str, ...]
    data: tuple[bool, ...]  # per token: is it a data token
    marked: bool  # a correction or repeat by its own account


def lead_text(text: str, words: int) -> str:
    """The start of a text holding its first ``words`` tokens (what the index keeps)."""
    count = 0
    for match in _TOKEN.finditer(text):
        count += 1
        if count == words:
            return text[: match.end()]
    return text


def lead(text: str, words: int) -> Lead:
    tokens: list[str] = []
    kinds: list[int] = []  # 0 word, 1 data, 2 capitalised at a sentence start
    lower: set[str] = set()
    marked = False
    start = True
    for line in unicodedata.normalize("NFKC", lead_text(text, words)).split("\n"):
        if not line.strip():
            start = True
            continue
        mixed = line != line.upper()
        for match in _TOKEN.finditer(line):
            word = match.group(0)
            token = word.casefold()
            token = _CALENDAR.get(token, token)
            marked = marked or token in _MARKERS
            if _DIGIT.search(word) or token in _NUMBER_WORDS or token in _CALENDAR or token in _TIMES:
                kind = 1
            elif mixed and word[0].isupper():
                kind = 2 if start else 1
            else:
                kind = 0
                if mixed:
                    lower.add(token)
            tokens.append(token)
            kinds.append(kind)
            # The next word starts a sentence after a full stop, "?" or "!".
            start = line[match.end() : match.end() + 1] in (".", "!", "?")
    data = tuple(k == 1 or (k == 2 and t not in lower) for t, k in zip(tokens, kinds))
    return Lead(tuple(tokens), data, marked)


def _shared_span(tokens: tuple[str, ...], pairs: set) -> tuple[int, int]:
    """From the first to the last token pair also found in the other lead."""
    hits = [i for i in range(len(tokens) - 1) if (tokens[i], tokens[i + 1]) in pairs]
    return (hits[0], hits[-1] + 2) if hits else (0, 0)


def _near(a: str, b: str) -> bool:
    """A near spelling of a word (never of a number)."""
    if a[0].isdigit() or b[0].isdigit():
        return False
    match = difflib.SequenceMatcher(None, a, b)
    # The quick upper bounds first: most pairs of words are far apart.
    return match.real_quick_ratio() >= 0.75 and match.quick_ratio() >= 0.75 and match.ratio() >= 0.75


def different_issues(a: Lead, b: Lead, config: DedupConfig) -> bool:
    """Whether two verified leads are two issues of one template report (see the module doc)."""
    if a.marked or b.marked:
        return False
    pairs_a = set(zip(a.tokens, a.tokens[1:]))
    pairs_b = set(zip(b.tokens, b.tokens[1:]))
    a0, a1 = _shared_span(a.tokens, pairs_b)
    b0, b1 = _shared_span(b.tokens, pairs_a)
    if a1 == 0 or b1 == 0:
        return False
    in_a, in_b = set(a.tokens), set(b.tokens)
    only_a = {t: d for t, d in zip(a.tokens[a0:a1], a.data[a0:a1]) if t not in in_b}
    only_b = {t: d for t, d in zip(b.tokens[b0:b1], b.data[b0:b1]) if t not in in_a}
    data_a = [t for t, d in only_a.items() if d and not any(_near(t, o) for o in only_b)]
    data_b = [t for t, d in only_b.items() if d and not any(_near(t, o) for o in only_a)]
    if not data_a or not data_b:
        return False
    found = len(data_a) + len(data_b)
    return found >= config.template_min_data and found >= config.template_data_share * (len(only_a) + len(only_b))
