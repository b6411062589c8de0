"""Layout hints: which HTML element each extracted paragraph came from.

The extractor returns text only. Looking each paragraph up among the page's
block elements tells what the page made of it: a heading, a list item, a
quote, a caption, and how much of it is link text. Related-article lists,
newsletter boxes and tag lists are link-dense list items or headings; the
strip stage uses these hints when it has them.
"""
from __future__ import annotations

import re

from .document import Hint

# Elements whose text is one paragraph of extracted text. Containers (div,
# section) are left out: their text is many paragraphs, and costly to read.
BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "blockquote",
              "figcaption", "dd", "dt", "caption", "pre")
_NON_WORD = re.compile(r"\W+")
_LIST_MARKER = re.compile(r"^(?:[-*•]|\d{1,3}[.)])\s+")
# Longer texts are containers in disguise (a <td> holding the page).
_MAX_CHARS = 3000


def _key(text: str) -> str:
    return _NON_WORD.sub(" ", text).strip().lower()


def block_index(tree) -> dict[str, Hint]:
    """Hint of every block element of ``tree`` by its normalised text; the first
    element with a given text wins (the copy in the article comes first more
    often than not, and either is a guess)."""
    index: dict[str, Hint] = {}
    if tree is None:
        return index
    for el in tree.iter(*BLOCK_TAGS):
        text = el.text_content()
        if len(text) > _MAX_CHARS:
            continue
        key = _key(text)
        if not key or key in index:
            continue
        linked = sum(len(_key(a.text_content())) for a in el.iter("a"))
        index[key] = Hint(el.tag, min(1.0, linked / len(key)))
    return index


def paragraph_hints(paragraphs: list[str], index: dict[str, Hint]) -> tuple[Hint, ...]:
    """One hint per paragraph; Hint() when no element has its text."""
    empty = Hint()
    return tuple(index.get(_key(_LIST_MARKER.sub("", p, count=1)), empty) for p in paragraphs)
