"""Rules that need to see more than one line at a time.

Each function takes the unit texts and the reasons found so far, and fills
in reasons for units no rule has claimed yet. ``norms`` and ``counts`` (the
lower-cased, space-collapsed texts and their word counts) may be passed in
when the caller already has them.
"""
from __future__ import annotations

import re

from .lines import LINK_MARKER, WORD, ends_sentence



def norm(text: str) -> str:
    # Same as collapsing \s+ and stripping: str.split and re's \s agree on whitespace.
    return " ".join(text.split()).lower()


def _prepared(texts, norms, counts):
    norms = norms if norms is not None else [norm(t) for t in texts]
    counts = counts if counts is not None else [len(WORD.findall(t)) for t in texts]
    return norms, counts


def truncated_teasers(texts, reasons, lookahead: int = 3, norms=None, counts=None) -> None:
    """A line that is the cut-off start of a line just after it is a teaser.

    Listings and some feeds print the first words of a paragraph and then the
    paragraph itself; the article needs it once, in full.
    """
    norms, counts = _prepared(texts, norms, counts)
    for i, a in enumerate(norms):
        if reasons[i] is not None or counts[i] < 5:
            continue
        stem = a.rstrip(" .…").rstrip()
        for j in range(i + 1, min(len(norms), i + 1 + lookahead)):
            b = norms[j]
            if len(b) > len(stem) + 10 and b.startswith(stem):
                reasons[i] = "truncated_teaser"
                break


def repeated_fragments(texts, reasons, norms=None, counts=None) -> None:
    """A short line that only repeats the end of the line before it."""
    norms, counts = _prepared(texts, norms, counts)
    for i in range(1, len(texts)):
        if reasons[i] is not None or counts[i] > 4 or counts[i] == 0:
            continue
        cur = norms[i].rstrip(".")
        prev = norms[i - 1].rstrip(".")
        if cur and len(cur) < len(prev) and prev.endswith(cur):
            reasons[i] = "repeated_fragment"


def repeated_lines(texts, reasons, min_words: int = 6, reach: int = 3, norms=None, counts=None) -> None:
    """A longer line printed again right after itself: keep the first copy.

    Only near repeats count; interviews and recipes legitimately repeat a
    line far apart.
    """
    norms, counts = _prepared(texts, norms, counts)
    for i, key in enumerate(norms):
        if reasons[i] is not None or counts[i] < min_words:
            continue
        if key in norms[max(0, i - reach):i]:
            reasons[i] = "repeated_line"


def repeated_copies(texts, reasons, min_words: int = 8, min_share: float = 0.3, norms=None, counts=None) -> None:
    """A text printed more than once (a page's mobile and desktop copies, a
    carousel's clones): paragraphs that repeat an earlier one word for word
    go, the first copy stays, when such repeats are ``min_share`` of the
    text's words or more. Below that, a repeat is the author's (a refrain,
    a recipe's step, a quote pulled out) and stays."""
    norms, counts = _prepared(texts, norms, counts)
    seen, repeats = set(), []
    total = 0
    for i, key in enumerate(norms):
        if reasons[i] is not None:
            continue
        total += counts[i]
        if counts[i] >= min_words:
            if key in seen:
                repeats.append(i)
            seen.add(key)
    if repeats and sum(counts[i] for i in repeats) >= min_share * total:
        for i in repeats:
            reasons[i] = "repeated_copy"


def spam_neighbours(texts, reasons, reach: int = 4, counts=None) -> None:
    """Short unpunctuated lines sharing a brand token with nearby spam lines."""
    spam = [i for i, r in enumerate(reasons) if r == "spam_footer"]
    if not spam:
        return
    spam_tokens = {j: {w.lower() for w in WORD.findall(texts[j])} for j in spam}
    for i, t in enumerate(texts):
        if reasons[i] is not None or ends_sentence(t):
            continue
        toks = {w.lower() for w in WORD.findall(t)}
        if not toks or len(toks) > 4:
            continue
        if any(abs(i - j) <= reach and toks & spam_tokens[j] for j in spam):
            reasons[i] = "spam_footer"


def caption_neighbours(texts, reasons, min_overlap: float = 0.4, max_words: int = 40) -> None:
    """Image alt text next to its credited caption: an unpunctuated line
    sharing much of its wording with an adjacent photo credit or caption."""
    for i, t in enumerate(texts):
        if reasons[i] is not None or ends_sentence(t):
            continue
        words = WORD.findall(t)
        if not 4 <= len(words) <= max_words:
            continue
        toks = {w.lower() for w in words}
        for j in (i - 1, i + 1):
            if 0 <= j < len(texts) and reasons[j] in ("photo_credit", "photo_caption"):
                other = {w.lower() for w in WORD.findall(texts[j])}
                if len(toks & other) / min(len(toks), len(other)) >= min_overlap:
                    reasons[i] = "photo_caption"
                    break


def _is_prose(text: str, words: int) -> bool:
    return words >= 10 and ends_sentence(text)


def leading_captions(texts, reasons, counts, min_words: int = 15, max_words: int = 40) -> None:
    """A long unpunctuated sentence-case line opening the page, right above
    its byline or date line, is the caption of the lead photo (a headline is
    shorter or title-cased)."""
    if len(texts) < 2 or reasons[0] is not None or reasons[1] not in ("byline", "date_line"):
        return
    t = texts[0]
    if not min_words <= counts[0] <= max_words or ends_sentence(t) or t.endswith(":"):
        return
    words = WORD.findall(t)
    if sum(w[:1].isupper() for w in words) / len(words) < 0.5:
        reasons[0] = "photo_caption"


# "Anne Applebaum: What Assad's fall means for other autocrats": a named
# column or interview linked from the article.
_NAME_HEADLINE = re.compile(
    r"^(?!(?:The|A|An|New|More|Read|Watch|Listen|Update|Editor's)\b)[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,2}: "
    r"[A-Z\"“‘'][^:]*[^.!?:;,\"”’'…)]$")


def name_headlines(texts, reasons, counts, min_words: int = 6, max_words: int = 16) -> None:
    """A lone "Name Surname: headline" line after a paragraph of the article,
    with article text or nothing after it, links to another piece."""
    for i in range(1, len(texts)):
        if reasons[i] is not None or not min_words <= counts[i] <= max_words:
            continue
        if not _is_prose(texts[i - 1], counts[i - 1]) or reasons[i - 1] is not None:
            continue
        if i + 1 < len(texts) and reasons[i + 1] is None and not _is_prose(texts[i + 1], counts[i + 1]):
            continue
        if _NAME_HEADLINE.match(texts[i]):
            reasons[i] = "related_links"


_LEADING_LINK = re.compile(r"^(?:[-*+•·▪►]\s+|\d{1,2}\.\s+)?" + LINK_MARKER.pattern)
# The link list a text browser appends to its dump.
_LINK_LIST_HEAD = frozenset(("references", "visible links", "hidden links", "links"))


def link_lines(marked, texts, reasons, counts, max_words: int = 12, min_markers: int = 3) -> None:
    """In a text-browser dump (``marked``: the units with their "[3]" link
    markers; ``texts``: without), an unpunctuated unit that opens with a link
    and is short, or that is mostly links, is navigation: menus, share bars,
    related-article lists. Also the dump's "References" heading when the
    reference list follows it."""
    found = [len(LINK_MARKER.findall(t)) for t in marked]
    if sum(found) < min_markers:
        return
    for i, t in enumerate(marked):
        if reasons[i] is not None or not found[i] or ends_sentence(texts[i]):
            continue
        if (counts[i] <= max_words and _LEADING_LINK.match(t)) or found[i] * 4 >= counts[i]:
            reasons[i] = "link_line"
    for i, t in enumerate(texts):
        if (reasons[i] is None and t.lower() in _LINK_LIST_HEAD and i + 1 < len(texts)
                and reasons[i + 1] == "bare_url"):
            reasons[i] = "link_line"


def apply_all(texts, reasons, counts=None) -> None:
    norms, counts = _prepared(texts, None, counts)
    leading_captions(texts, reasons, counts)
    name_headlines(texts, reasons, counts)
    spam_neighbours(texts, reasons)
    caption_neighbours(texts, reasons)
    truncated_teasers(texts, reasons, norms=norms, counts=counts)
    repeated_fragments(texts, reasons, norms=norms, counts=counts)
    repeated_lines(texts, reasons, norms=norms, counts=counts)
    repeated_copies(texts, reasons, norms=norms, counts=counts)
