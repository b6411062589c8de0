"""What extract knew about the page: per-unit layout hints and the title."""
from __future__ import annotations

import re

from .lines import Line, ends_sentence

_NON_WORD = re.compile(r"\W+")
# Titles carry the site after a separator ("Headline | Site", "Headline - Site").
_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{1,60}$")


def unit_hints(lines: list[Line], groups: list[list[int]], hints) -> list | None:
    """The hint of each unit (that of its first line's paragraph), or None when
    the hints do not fit the text (it changed since extraction)."""
    if not hints:
        return None
    para = []
    count = -1
    for line in lines:
        if line.blank_before or count < 0:
            count += 1
        para.append(count)
    if count + 1 != len(hints):
        return None
    return [hints[para[g[0]]] for g in groups]


def _key(text: str) -> str:
    return _NON_WORD.sub(" ", text).strip().lower()


def title_keys(title: str | None) -> frozenset[str]:
    if not title:
        return frozenset()
    keys = {_key(title), _key(_SITE_SUFFIX.sub("", title))}
    return frozenset(k for k in keys if k)


def title_units(texts: list[str], title: str | None) -> list[bool]:
    """Which units repeat the page title."""
    keys = title_keys(title)
    return [bool(keys) and _key(t) in keys for t in texts]


_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_ITEMS = frozenset(("li", "dt", "dd"))
PROSE_WORDS = 10


def _prose(text: str, words: int, hint) -> bool:
    if hint is not None and hint.tag in _HEADINGS:
        return False
    return words >= PROSE_WORDS and (ends_sentence(text) or words >= 30)


def apply_all(texts: list[str], reasons: list, counts: list[int], hints: list | None,
              title: str | None, within: int = 3) -> None:
    """Rules on what extract knew about the page, for units no rule claimed.

    headline: the page title printed again at the top, or a top-level
    heading before the first paragraph (the title stays in the metadata).
    heading_run: below the first paragraph, three headings in a row with no
    text between them, or two after the last paragraph: lists of other
    articles' headlines.
    related_links: link-dense units after the last paragraph.
    """
    m = len(texts)
    for i, same in enumerate(title_units(texts[:within], title)):
        if same and reasons[i] is None:
            reasons[i] = "headline"
    if hints is None:
        return
    prose = [i for i in range(m) if _prose(texts[i], counts[i], hints[i])]
    first, last = (prose[0], prose[-1]) if prose else (m, -1)
    for i in range(min(first, m)):
        if hints[i].tag == "h1" and reasons[i] is None:
            reasons[i] = "headline"
    i = first  # the top of the page is headline, deck and kicker
    while i < m:
        j = i
        while j < m and hints[j].tag in _HEADINGS:
            j += 1
        if j - i >= 3 or (j - i >= 2 and i > last):
            for k in range(i, j):
                reasons[k] = reasons[k] or "heading_run"
        i = max(j, i + 1)
    for i in range(last + 1, m):
        if hints[i].links >= 0.5 and reasons[i] is None:
            reasons[i] = "related_links"
