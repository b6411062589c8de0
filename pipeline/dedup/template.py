"""The template guard: two issues of one routine report are not copies.

Wire services and sites publish reports written on one template: the daily
slaughter estimate, a fund's monthly payout, a price report at 12:10 and at
12:30, the same notice for two companies. Two such texts share almost all
their words, so they pass the similarity rules, yet each is its own news.
What sets them apart is a few decisive tokens in the headline and lead:
numbers, dates, times of day and names, each text having its own in the
same place.

A re-send, a correction or a fuller version of one story differs otherwise:
words are added (a paragraph, a byline, a wire credit) or edited, and where
a word was changed, it is mostly an ordinary word. So the two leads (the
first ``template_lead_words`` tokens, the headline included) are aligned on
the runs of two or more tokens they share, and a verified pair is refused
when

* at some place a run of one lead stands where the other has another run,
  each with data of its own of one kind (a figure for a figure, a month
  for a month, a time of day for a time, up for down, a name for a name:
  "12:10" and "12:30", "Massachusetts" and "Minnesota"), at least
  ``template_min_data`` such tokens on the two sides together, and
* such places make at least ``template_data_share`` of the places where
  the leads differ by a substitution (an edited re-send or an OCR copy
  differs mostly in ordinary words).

Not counted as a difference: a run only one lead has (a paragraph or byline
added, a sentence dropped); what follows the last shared run when a lead is
cut at its length; a near spelling (an OCR slip or a typo, "Puroltor" for
"Purolator", one letter in a short word), an abbreviation ("corp",
"corporation"); one figure written two ways ("ten" and "10", "2,770,243"
and "2.8" as in "2.8 mln", "17.3" and "17", "1.75" and the range
"1.50/1.75"). A name counts only when the other lead never mentions it (a
re-headlined re-send moves its names about). A long run counts only when
it is mostly figures and dates (a table); a long run of words is rewritten
text, not a new issue.

A text marked as a correction or a repeat in its lead ("CORRECTED",
"corrects", "RPT", "refiled") is a re-send by its own account: its figures
and names may differ. Only a date or a time of day of its own in the
headline ("CORRECTED ... CLSG - APRIL 7" and "... 0930 - APRIL 8") still
makes it another issue.

Data tokens: a token with a digit (``6-1/4``, ``12:10``, ``1,279,000`` are
one token each), a number word, a month or weekday name (and a day next to
its month), a time of day (opening, closing, noon, ...), the way a figure
moved ("up", "fell", "higher": read as up or down, so "rose" and
"increased" are one word and "REVISED UP" and "REVISED DOWN" two), a
forecast word ("seen", "expected": read as one word, standing against a
time of day, since a forecast and the report at the opening are two
reports), the period a report is for ("mthly", "qtly", "year"), and names: in mixed-case lines a capitalised
word that is not simply the first of a sentence (a sentence-initial word
counts when the lead never writes it in lower case: "Phillips Petroleum
said"), in a line in capitals a word the lead writes as such a name
("PHILLIPS RAISES ..."), and a ticker in angle brackets ("<BTSB.O>"). "NA"
and "nil" stand for a missing figure and are not data.

Two leads whose bodies are the same, with no data of their own, are one
story under two headlines when what each headline has of its own is told
in that body (``reheadlined``); a routine table's day and hour are in its
headline only.

What the guard cannot see: two issues whose leads are the same word for
word (a report that repeats itself from one week to the next), and a
re-send that changes figures without saying so.
"""
from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .config import DedupConfig

_TOKEN_BODY = r"\w*\d\w*(?:[.,:/-]\d+)*|\w+"
_TOKEN = re.compile(_TOKEN_BODY)
# A run of letters with no digit is taken whole first (as in ``_first_tokens``):
# the same tokens, without the first branch reading each word twice.
_TOKEN_STOP = re.compile(rf"((?>[^\W\d]++(?!\d))|{_TOKEN_BODY})([.!?]?)")
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
_MONTHS = frozenset(_NAMES[:12])
# Month and weekday abbreviations read as the full name ("Jan" = "January");
# "may" and "sun" are left alone, being common words as well.
_CALENDAR = {name: name for name in _NAMES}
_CALENDAR.update({name[:3]: name for name in _NAMES if name[:3] not in ("may", "sun")})
_CALENDAR["sept"] = "september"
_CALENDAR.update({"tues": "tuesday", "weds": "wednesday", "thur": "thursday", "thurs": "thursday"})
_TIMES = frozenset("opening closing open opened close closed midday noon morning afternoon evening overnight "
                   "opg clsg midsession midmorning midafternoon".split())
# Which way a figure moved: "REVISED DOWN" and "REVISED UP" are two reports,
# "rose" and "increased" one (each word is read as the way it points).
_DIRECTIONS = {word: "up" for word in "up higher rise rises rose raise raises raised increase increases increased "
               "gain gains gained firmer stronger".split()}
_DIRECTIONS.update({word: "down" for word in "down lower fall falls fell cut cuts lowers lowered decrease decreases "
                    "decreased drop drops dropped easier weaker".split()})
# A forecast ("HOGS SEEN UP", "prices are expected higher") is a report of
# its own next to the report at the opening or the close: these words are
# read as one word, of a kind that stands against a time of day.
_STAGES = frozenset("seen expected expect expects forecast forecasts predicted projected".split())
# The period a report is for: a monthly payout and a quarterly one, a
# quarter's results and the year's, are two reports.
_PERIODS = frozenset("mthly monthly qtly quarterly annual annually yearly weekly wkly semiannual interim final "
                     "special extra qtr quarter year".split())
_MARKERS = frozenset("corrected corrects correcting rpt refiled".split())
# Words that stand for a missing figure ("Shr NA", "nil"): not data of their own.
_NO_FIGURE = frozenset("na nil nm".split())
_TICKER = re.compile(r"<[^<>\n]{1,40}>")  # a ticker or a name in angle brackets: "<BTSB.O>"
_DIGITS = re.compile(r"\d+")
_LETTER = re.compile(r"[^\W\d_]")
_ZONES = frozenset("hrs hours gmt est edt cdt cst mdt mst pdt pst bst cet".split())
_HHMM = re.compile(r"(?:[01]\d|2[0-3])[0-5]\d")  # 1330
_CLOCK = re.compile(r"\d{1,2}:\d{2}")  # 12:10
_DAY = re.compile(r"[0-3]?\d")
_RANGE = re.compile(r"[/-]")
_PLAIN = re.compile(r"\d+(?:\.\d+)?")


# Kinds of data token: two issues of a report swap like for like (a figure
# for a figure, a month for a month, a name for a name).
WORD, FIGURE, CALENDAR, TIME, DIRECTION, NAME, PERIOD, STAGE = 0, 1, 2, 3, 4, 5, 6, 7


@dataclass(frozen=True)
class Lead:
    """The lead of a text as the guard compares it."""

    tokens: tuple[str, ...]
    data: tuple[int, ...]  # per token: its kind of data (WORD: none)
    marked: bool  # a correction or repeat by its own account
    whole: bool = False  # the whole text, not cut at the lead's length
    head: int = 0  # tokens of the first line (the headline)
    opening: int = 0  # tokens of the headline and the first sentence after it (where a story names its subject)
    flash: bool = False  # a short text of one paragraph opening with a line in capitals: all headline

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """The lead's distinct tokens (a lead is compared with several others)."""
        return frozenset(self.tokens)

    @cached_property
    def opening_words(self) -> frozenset[str]:
        """The distinct tokens of the headline and first sentence (``opening``)."""
        return frozenset(self.tokens[: self.opening])


def lead_text(text: str, words: int) -> str:
    """The start of a text holding its first ``words`` tokens (what the index keeps)."""
    return text[: lead_end(text, words)]


def lead_end(text: str, words: int) -> int:
    """Where ``lead_text`` cuts ``text``: a lead is a prefix, so a batch
    keeps one number per text instead of a copy of each lead."""
    match = _first_tokens(words).match(text)
    return match.end() if match else len(text)


@lru_cache(maxsize=8)
def _first_tokens(words: int) -> re.Pattern:
    # ``words`` tokens, each after the non-word characters before it, in one
    # match instead of a Python step per token. Tokens begin with a word
    # character, so skipping \W* finds the next one where a scan would; the
    # atomic groups keep each token as the scan takes it (a token never
    # splits in two to make up the count). A run of letters with no digit
    # is taken whole first: the token pattern's first branch would read it
    # to its end and back looking for a digit.
    return re.compile(rf"(?>\W*+(?>[^\W\d]++(?!\d)|{_TOKEN_BODY})){{{words}}}")


# What a word of a lead may be besides its kind: a plain word (no data of
# its own, "NA" and "nil" not among them) capitalised, or in lower case.
NOT_PLAIN, CAPITAL, LOWER = 0, 1, 2


def _read(word: str) -> tuple[str, int, int]:
    """A word as compared (case folded, a month or weekday spelt out), its
    kind, and ``CAPITAL`` or ``LOWER`` for a plain word (else ``NOT_PLAIN``)."""
    token = word.casefold()
    token = _CALENDAR.get(token, token)
    if token in _DIRECTIONS:
        return _DIRECTIONS[token], DIRECTION, NOT_PLAIN
    if token in _STAGES:
        return "expected", STAGE, NOT_PLAIN
    kind = _kind(word, token)
    if kind != WORD or token in _NO_FIGURE:
        return token, kind, NOT_PLAIN
    return token, kind, CAPITAL if word[0].isupper() else LOWER


class _WordCache(dict):
    """``_read`` of each word met, looked up as ``_READ[word]``: a plain dict
    lookup per token (a cached function call costs several), emptied when
    it grows past ``limit`` words."""

    limit = 1 << 17

    def __missing__(self, word: str) -> tuple[str, int, int]:
        if len(self) >= self.limit:
            self.clear()
        self[word] = value = _read(word)
        return value


_READ = _WordCache()


def _kind(word: str, token: str) -> int:
    if _CLOCK.fullmatch(word):
        return TIME
    if _DIGIT.search(word) or token in _NUMBER_WORDS:
        return FIGURE
    if token in _CALENDAR:
        return CALENDAR
    if token in _TIMES:
        return TIME
    if token in _PERIODS:
        return PERIOD
    return WORD


def lead(text: str, words: int) -> Lead:
    return read_lead(lead_text(text, words), words)


def read_lead(cut: str, words: int) -> Lead:
    """``lead`` of the start of a text that ``lead_text`` has cut already."""
    tokens: list[str] = []
    kinds: list[int] = []
    # Tokens whose kind the whole lead decides (below): a capitalised word
    # opening a sentence, a word of a line in capitals (a headline).
    openers: list[int] = []
    capitals: list[int] = []
    lower: set[str] = set()
    names: set[str] = set()
    start = True
    head = opening = None
    paragraphs, gap, caps_head = 0, True, False
    for line in unicodedata.normalize("NFKC", cut).split("\n"):
        if not line.strip():
            start = gap = True
            continue
        paragraphs += gap
        gap = False
        if head is None and tokens:
            head = len(tokens)
        elif not tokens:  # the first line: a flash's is in capitals, but for a unit or two ("17.50 dlrs/bbl")
            letters = [c.isupper() for c in line if c.isalpha()]
            caps_head = 4 * sum(letters) >= 3 * len(letters) > 0
        found = _TOKEN_STOP.findall(line)  # each token with the ".", "?" or "!" right after it
        if not found:
            continue
        read = [_READ[word] for word, _ in found]
        first = len(tokens)
        tokens += [token for token, _, _ in read]
        line_kinds = [kind for _, kind, _ in read]
        tickers = [m.span() for m in _TICKER.finditer(line)] if "<" in line else ()
        if tickers:  # a word inside angle brackets is a name
            starts = [m.start() for m in _TOKEN.finditer(line)]
            for a, b in tickers:
                for k in range(bisect.bisect_left(starts, a), bisect.bisect_left(starts, b)):
                    if read[k][2]:
                        line_kinds[k] = NAME
                        read[k] = (read[k][0], NAME, NOT_PLAIN)
        if line == line.upper():
            capitals += [first + k for k, (_, _, plain) in enumerate(read) if plain]
        else:
            lower.update([token for token, _, plain in read if plain == LOWER])
            # The word after a full stop (or the line's first, after one) opens a sentence.
            for k in [k for k, (_, _, plain) in enumerate(read) if plain == CAPITAL]:
                line_kinds[k] = NAME
                if found[k - 1][1] if k else start:
                    openers.append(first + k)
                else:
                    names.add(read[k][0])
        kinds += line_kinds
        start = bool(found[-1][1])
        if opening is None and head is not None:
            opening = next((first + k + 1 for k, (_, stop) in enumerate(found) if stop), None)
    # A word opening a sentence is a name unless the lead writes it in lower
    # case; a word of a headline in capitals is one if the lead writes it as
    # a name ("PHILLIPS RAISES ..." and "Phillips Petroleum Corp said").
    data = kinds
    for i in openers:
        if tokens[i] in lower:
            data[i] = WORD
    for i in capitals:
        if tokens[i] in names:
            data[i] = NAME
    marked = not _MARKERS.isdisjoint(tokens)
    # In a headline, four digits that read as a time of day are one ("LONDON
    # OILS 1330", against "LONDON OILS CLOSING").
    # Elsewhere, with a zone or "hrs" after them ("1000 hrs cdt").
    figures = [i for i, kind in enumerate(data) if kind == FIGURE]
    for i in figures:
        if _HHMM.fullmatch(tokens[i]) and ((head is None or i < head)
                                           or (i + 1 < len(tokens) and tokens[i + 1] in _ZONES)):
            data[i] = TIME
    # A day next to its month is part of a date ("April 7", "7 April").
    for i in figures if CALENDAR in data else ():
        t = tokens[i]
        if data[i] == FIGURE and _DAY.fullmatch(t) and 0 < int(t) <= 31 and (
                (i and data[i - 1] == CALENDAR and tokens[i - 1] in _MONTHS)
                or (i + 1 < len(tokens) and data[i + 1] == CALENDAR and tokens[i + 1] in _MONTHS)):
            data[i] = CALENDAR
    data = tuple(data)
    head = len(tokens) if head is None else head
    whole = len(tokens) < words
    return Lead(tuple(tokens), data, marked, whole, head, len(tokens) if opening is None else opening,
                whole and paragraphs == 1 and caps_head)


_WORD_VALUES = {w: float(v) for v, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_WORD_VALUES.update({w: float(10 * v) for v, w in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)})


def _value(token: str) -> tuple[float, int] | None:
    """A figure as (value, decimals), or None for what is not a plain number
    ("1,279,000" is 1279000, "ten" 10; "6-1/4", "12:10" and "1987/88" are
    not plain)."""
    if token in _WORD_VALUES:
        return _WORD_VALUES[token], 0
    text = token.replace(",", "")
    if not _PLAIN.fullmatch(text):
        return None
    return float(text), len(text.partition(".")[2])


def _same_figure(a: str, b: str) -> bool:
    """One figure written two ways: in words and digits ("ten", "10"), in
    full and rounded ("2,770,243" and "2.8", as in "2.8 mln"; "17.3" and
    "17": the same value at the rounder one's precision, in the same unit
    or a thousand, million or billion times it), or as one end of a range
    ("1.75" and "1.50/1.75")."""
    if a in _RANGE.split(b) or b in _RANGE.split(a):
        return True
    x, y = _value(a), _value(b)
    if x is None or y is None:
        return False
    if x[0] == y[0]:
        return True
    if len(a) < len(b):
        x, y = y, x  # y: the shorter, rounder one
    for scale in (1.0, 1e3, 1e6, 1e9):
        if y[0] > 0 and round(x[0] / scale, y[1]) == y[0]:
            return True
    return False


def _one_edit(a: str, b: str) -> bool:
    """One letter changed, added or dropped ("plc", "plh"): short words get
    no ratio to speak of, yet one slip is all it is."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    head = 0
    while head < len(a) and a[head] == b[head]:
        head += 1
    return a[head + (len(a) == len(b)):] == b[head + 1:]


@lru_cache(maxsize=1 << 16)
def _near(a: str, b: str) -> bool:
    """The same figure written two ways, or a near spelling of a word (an
    OCR slip, a typo) or its abbreviation ("corp", "corporation")."""
    if _same_figure(a, b):
        return True
    if not (_LETTER.search(a) and _LETTER.search(b)):
        return False  # figures are never near spellings of each other ("6.5", "6.6")
    digits_a, digits_b = _DIGITS.findall(a), _DIGITS.findall(b)
    if digits_a and digits_b and digits_a != digits_b:
        return False  # nor are "may7" and "may8" (a contract month), "1st" and "2nd"
    if min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)):
        return True
    if _one_edit(a, b):
        return True
    if 2 * min(len(a), len(b)) < 0.75 * (len(a) + len(b)):
        return False  # too different in length for the ratio below
    match = difflib.SequenceMatcher(None, a, b)
    # The quick upper bounds first: most pairs of words are far apart.
    return match.real_quick_ratio() >= 0.75 and match.quick_ratio() >= 0.75 and match.ratio() >= 0.75


def _anchors(a: tuple[str, ...], b: tuple[str, ...]) -> list[tuple[int, int, int]]:
    """The runs the two leads share, of two tokens or more, in order: a
    lone common word ("the", "said") inside two different runs is chance."""
    return _alignment(a, b)[0]


def _common_ends(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[int, int]:
    """Tokens of the leads' common start and common end (0 for one of a
    single token: it anchors nothing)."""
    start = 0
    for x, y in zip(a, b):
        if x != y:
            break
        start += 1
    end, room = 0, min(len(a), len(b)) - start
    for x, y in zip(reversed(a), reversed(b)):
        if end >= room or x != y:
            break
        end += 1
    return (start if start >= 2 else 0), (end if end >= 2 else 0)


def _alignment(a: tuple[str, ...], b: tuple[str, ...],
               ends: tuple[int, int] | None = None) -> tuple[list[tuple[int, int, int]], bool]:
    """``_anchors``, and whether the alignment was free of ties (every run
    chosen was the only longest one where it was looked for): then the two
    leads the other way round align on the same runs. ``ends``:
    ``_common_ends(a, b)`` when already known."""
    # The common start and end are shared runs as they stand: only the
    # middle needs aligning (most pairs differ in a few places).
    start, end = _common_ends(a, b) if ends is None else ends
    blocks = [(0, 0, start)] if start else []
    middle, unique = _shared_runs(a[start : len(a) - end], b[start : len(b) - end])
    blocks += [(i + start, j + start, n) for i, j, n in middle]
    if end:
        blocks.append((len(a) - end, len(b) - end, end))
    return blocks, unique


def _shared_runs(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[list[tuple[int, int, int]], bool]:
    """The shared runs of two tokens or more that difflib's
    ``SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()``
    finds, in order, and whether no choice had a tie.

    The same recursion, without the junk heuristics (off here) and the
    machinery around them: take the longest shared run (the first in ``a``,
    then in ``b``, of equally long ones), then do the same left and right
    of it. A part of the leads whose longest shared run is one token holds
    no run of two, so it is not searched further; ties there change nothing.

    The maximal runs (a diagonal of equal tokens that cannot be extended)
    are listed once, from one sort of the pairs of equal tokens; the longest
    run inside a part of the leads is the longest piece of one of them
    inside it, so the recursion compares no tokens: most pairs share a
    handful of runs of two or more.
    """
    where: dict[str, list[int]] = {}
    for j, token in enumerate(b):
        where.setdefault(token, []).append(j)
    # Each pair of equal tokens as one number, diagonal first: sorted, the
    # cells of a run are consecutive numbers (a cell's row is below the width).
    width, shift = len(a) + 1, len(a)
    nothing: list[int] = []
    cells = sorted([(j - i + shift) * width + i for i, token in enumerate(a) for j in where.get(token, nothing)])
    runs = []  # (start in a, start in b, length) of each maximal run of two tokens or more
    first = last = -2
    for cell in cells:
        if cell == last + 1:
            last = cell
            continue
        if last > first:
            i = first % width
            runs.append((i, i + first // width - shift, last - first + 1))
        first = last = cell
    if last > first:
        i = first % width
        runs.append((i, i + first // width - shift, last - first + 1))
    found = []
    unique = True
    todo = [(0, len(a), 0, len(b))] if runs else []
    while todo:
        alo, ahi, blo, bhi = todo.pop()
        best_i = best_j = 0
        size, ties = 1, 0
        for i, j, n in runs:
            cut = max(alo - i, blo - j, 0)
            k = min(n, ahi - i, bhi - j) - cut
            if k > size:
                best_i, best_j, size, ties = i + cut, j + cut, k, 0
            elif k == size > 1:
                ties += 1
                if (i + cut, j + cut) < (best_i, best_j):
                    best_i, best_j = i + cut, j + cut
        if size < 2:
            continue
        found.append((best_i, best_j, size))
        unique = unique and not ties
        if alo < best_i and blo < best_j:
            todo.append((alo, best_i, blo, best_j))
        if best_i + size < ahi and best_j + size < bhi:
            todo.append((best_i + size, ahi, best_j + size, bhi))
    found.sort()
    return found, unique


def substitutions(a: Lead, b: Lead, longest: int = 5,
                  kinds_of_note: frozenset = frozenset((FIGURE, CALENDAR, TIME, DIRECTION, NAME, PERIOD, STAGE)),
                  headline: bool = False, blocks: list[tuple[int, int, int]] | None = None) -> tuple[int, int, int]:
    """``(data tokens substituted, places with data substituted, places
    substituted)`` between two leads.

    The leads are aligned on the runs they share; before the first shared
    run and between two of them, a run of one lead in place of a run of the
    other is a substitution (a run only one lead has, a byline or a
    paragraph added, is an addition; what follows the last shared run is
    where the leads are cut, not compared). It is a substitution of data
    when each run has data tokens of a kind the other run has other tokens
    of (a figure for a figure, a month for a month, a name for a name; a
    near spelling or a rounding of one of the other run's tokens does not
    count), and both runs are short (at most ``longest`` tokens) or mostly
    data: a longer run of words is rewritten text. Only data of
    ``kinds_of_note`` counts (with ``STAGE`` among them, a forecast stands
    against a time of day: "SEEN" for "OPEN"), and with ``headline`` only
    places in both headlines are compared. ``blocks``: ``_anchors(a.tokens, b.tokens)``
    when already known.
    """
    found = data_places = places = 0
    in_a, in_b = a.vocabulary, b.vocabulary
    blocks = list(_anchors(a.tokens, b.tokens) if blocks is None else blocks)
    if a.whole and b.whole:
        blocks.append((len(a.tokens), len(b.tokens), 0))  # both end there: the last runs compare too
    ends = [(0, 0)] + [(i + n, j + n) for i, j, n in blocks[:-1]]
    for (i0, j0), (i1, j1, _) in zip(ends, blocks):
        if i1 == i0 or j1 == j0:
            continue  # an addition on one side
        run_a, run_b = a.tokens[i0:i1], b.tokens[j0:j1]
        kinds_a, kinds_b = a.data[i0:i1], b.data[j0:j1]
        # A name of its own is one the other lead never mentions.
        own_a = [(t, k) for t, k in zip(run_a, kinds_a) if t not in (in_b if k == NAME else run_b)]
        own_b = [(t, k) for t, k in zip(run_b, kinds_b) if t not in (in_a if k == NAME else run_a)]
        if own_a and own_b:
            own_a, own_b = ([(t, k) for t, k in own_a if not any(_near(t, o) for o, _ in own_b)],
                            [(t, k) for t, k in own_b if not any(_near(t, o) for o, _ in own_a)])
        if not own_a and not own_b:
            continue  # a spelling corrected, a word abbreviated: no change of substance
        if headline and (i0 >= a.head or j0 >= b.head):
            continue
        places += 1
        if STAGE in kinds_of_note:
            own_a, own_b = [(t, _as_time(k)) for t, k in own_a], [(t, _as_time(k)) for t, k in own_b]
        kinds = {k for _, k in own_a if k} & {k for _, k in own_b if k} & kinds_of_note
        short = len(run_a) <= longest and len(run_b) <= longest
        # A table of figures and dates changes in long runs.
        dense = (2 * sum(0 < k < NAME for k in kinds_a) >= len(run_a)
                 and 2 * sum(0 < k < NAME for k in kinds_b) >= len(run_b))
        if kinds and (short or dense):
            found += sum(k in kinds for _, k in own_a) + sum(k in kinds for _, k in own_b)
            data_places += 1
    return found, data_places, places


def different_issues(a: Lead, b: Lead, config: DedupConfig) -> bool:
    """Whether two verified leads are two issues of one template report (see the module doc)."""
    # A correction or a repeat may change figures and names, not the day or
    # the hour its report is for: for it, only those in the headlines count.
    kinds = _RESEND_KINDS if a.marked or b.marked else _DATA_KINDS
    kinds -= _kinds_off(config)
    note = dict(kinds_of_note=kinds, headline=a.marked or b.marked)
    # Every place lies between the common start and end: when the two
    # middles hold no data of one kind, no place has data, nothing to align.
    ends = _common_ends(a.tokens, b.tokens)
    if not _middle_kinds(a, b, ends, kinds) & _middle_kinds(b, a, ends, kinds):
        return False
    # The alignment may pair the runs otherwise one way round than the
    # other (ties between equally long shared runs): either is evidence.
    # Without ties both ways align alike, and the counts are the same.
    blocks, unique = _alignment(a.tokens, b.tokens, ends)
    ways = ((a, b, blocks),) if unique else ((a, b, blocks), (b, a, None))
    return any(found >= config.template_min_data and data_places >= config.template_data_share * places
               for found, data_places, places in (substitutions(x, y, blocks=known, **note) for x, y, known in ways))


_DATA_KINDS = frozenset((FIGURE, CALENDAR, TIME, DIRECTION, NAME, PERIOD, STAGE))  # substitutions' kinds_of_note
_RESEND_KINDS = frozenset((CALENDAR, TIME, STAGE))  # what a correction may not change in its headline


def figures_corrected(a: Lead, b: Lead, config: DedupConfig) -> bool:
    """Whether the leads differ in figures only: no name, day, hour, period
    or direction and no word stands in another's place anywhere (a table
    sent again with figures corrected; a later report of the day rewords)."""
    kinds = _DATA_KINDS - {FIGURE} - _kinds_off(config)
    blocks = _anchors(a.tokens, b.tokens)  # one alignment for both questions
    if substitutions(a, b, kinds_of_note=kinds, blocks=blocks)[0] >= config.template_min_data:
        return False
    _, figure_places, places = substitutions(a, b, kinds_of_note=frozenset((FIGURE,)), blocks=blocks)
    return figure_places == places


def _kinds_off(config: DedupConfig) -> frozenset:
    """Kinds of data the settings leave out (``template_stages``, ``template_periods``)."""
    return frozenset(k for k, on in ((STAGE, config.template_stages), (PERIOD, config.template_periods)) if not on)


def _as_time(kind: int) -> int:
    return TIME if kind == STAGE else kind


def other_periods(a: Lead, b: Lead, config: DedupConfig) -> bool:
    """Whether the leads are for other periods at one place ("Mthly div"
    and "Qtly div", "1ST QTR" and "YEAR"): two reports, even from one
    company on one day."""
    if not config.template_periods or not _middle_kinds(a, b, _common_ends(a.tokens, b.tokens), _PERIOD_ONLY):
        return False
    return substitutions(a, b, kinds_of_note=_PERIOD_ONLY)[0] >= 2


_PERIOD_ONLY = frozenset((PERIOD,))


def _middle_kinds(a: Lead, b: Lead, ends: tuple[int, int], kinds: frozenset) -> set[int]:
    """Kinds of data among ``kinds`` that ``a`` has between the common start
    and end, as ``substitutions`` could count them (a name only if ``b``
    never mentions it)."""
    start, end = ends
    other = b.vocabulary
    stage_is_time = STAGE in kinds
    return {_as_time(k) if stage_is_time else k
            for t, k in zip(a.tokens[start : len(a.tokens) - end], a.data[start : len(a.data) - end])
            if k in kinds and (k != NAME or t not in other)}


_ORDINALS = {f"{n}{end}": word for n, end, word in (
    (1, "st", "first"), (2, "nd", "second"), (3, "rd", "third"), (4, "th", "fourth"))}


def _abbreviates(short: str, long: str) -> bool:
    """``short`` is ``long`` with letters left out ("qtr", "quarter"; "mthly", "monthly")."""
    if len(short) < 3 or len(short) >= len(long) or short[0] != long[0]:
        return False
    rest = iter(long)
    return all(c in rest for c in short)


def _told(token: str, words: frozenset[str]) -> bool:
    """Whether ``words`` hold ``token``, written as it is or another way."""
    token = _ORDINALS.get(token, token)
    return token in words or any(_near(token, w) or _abbreviates(token, w) for w in words)


def reheadlined(a: Lead, b: Lead, least_body: int = 20, alike: float = 0.8) -> bool:
    """Whether two leads are one story under two headlines: the same body
    (at least ``least_body`` tokens each, ``alike`` of the shorter one's
    word pairs found in the other, no data of its own on either side), and
    each headline's data of its own (a date, a time, a figure, a name) told
    in that body or in the other headline ("CAR SALES RECOVER FROM JANUARY
    BLAHS", "... IN LATE MARCH" over "... the last 10 days of March ... its
    January slump"). A routine table's headline carries its day and hour
    and its body does not: "COPPER 12:00" and "COPPER 12:30" over one table
    are two issues."""
    if a.flash or b.flash or not (0 < a.head and 0 < b.head):
        return False
    body_a = Lead(a.tokens[a.head:], a.data[a.head:], a.marked, a.whole)
    body_b = Lead(b.tokens[b.head:], b.data[b.head:], b.marked, b.whole)
    short, long = sorted((body_a, body_b), key=lambda x: len(x.tokens))
    if len(short.tokens) < least_body:
        return False
    pairs = set(zip(short.tokens, short.tokens[1:]))
    if len(pairs & set(zip(long.tokens, long.tokens[1:]))) < alike * len(pairs):
        return False
    if substitutions(body_a, body_b)[0]:
        return False
    body = body_a.vocabulary | body_b.vocabulary
    for x, y in ((a, b), (b, a)):
        other_head = frozenset(y.tokens[: y.head])
        told = body | other_head
        if not all(_told(t, told) for t, k in zip(x.tokens[: x.head], x.data[: x.head])
                   if k and t not in other_head):
            return False
    return True
