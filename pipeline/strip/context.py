"""Rules that need to see more than one line at a time."""
from __future__ import annotations

import re

from .lines import WORD, ends_sentence

_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def truncated_teasers(texts: list[str], reasons: list[str | None], lookahead: int = 3) -> None:
    """A line that is the cut-off start of a line just after it is a teaser.

    Listings and some feeds print the first words of a paragraph and then the
    paragraph itself; the article needs it once, in full.
    """
    norms = [_norm(t) for t in texts]
    for i, a in enumerate(norms):
        if reasons[i] is not None or len(WORD.findall(a)) < 5:
            continue
        stem = a.rstrip(" .…").rstrip()
        for j in range(i + 1, min(len(norms), i + 1 + lookahead)):
            b = norms[j]
            if len(b) > len(stem) + 10 and b.startswith(stem):
                reasons[i] = "truncated_teaser"
                break


def repeated_fragments(texts: list[str], reasons: list[str | None]) -> None:
    """A short line that only repeats the end of the line before it."""
    for i in range(1, len(texts)):
        if reasons[i] is not None:
            continue
        cur = _norm(texts[i]).rstrip(".")
        prev = _norm(texts[i - 1]).rstrip(".")
        if cur and len(cur) < len(prev) and len(WORD.findall(cur)) <= 4 and prev.endswith(cur):
            reasons[i] = "repeated_fragment"


def repeated_lines(texts: list[str], reasons: list[str | None], min_words: int = 6,
                   reach: int = 3) -> None:
    """A longer line printed again right after itself: keep the first copy.

    Only near repeats count; interviews and recipes legitimately repeat a
    line far apart.
    """
    norms = [_norm(t) for t in texts]
    for i, key in enumerate(norms):
        if reasons[i] is not None or len(WORD.findall(key)) < min_words:
            continue
        if key in norms[max(0, i - reach):i]:
            reasons[i] = "repeated_line"


def spam_neighbours(texts: list[str], reasons: list[str | None], reach: int = 4) -> None:
    """Short unpunctuated lines sharing a brand token with nearby spam lines."""
    spam = [i for i, r in enumerate(reasons) if r == "spam_footer"]
    if not spam:
        return
    for i, t in enumerate(texts):
        if reasons[i] is not None or ends_sentence(t):
            continue
        toks = {w.lower() for w in WORD.findall(t)}
        if not toks or len(toks) > 4:
            continue
        for j in spam:
            if abs(i - j) <= reach and toks & {w.lower() for w in WORD.findall(texts[j])}:
                reasons[i] = "spam_footer"
                break


def apply_all(texts: list[str], reasons: list[str | None]) -> None:
    spam_neighbours(texts, reasons)
    truncated_teasers(texts, reasons)
    repeated_fragments(texts, reasons)
    repeated_lines(texts, reasons)
