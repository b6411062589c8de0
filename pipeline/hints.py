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


def block_index(tree, keys: list | None = None) -> dict:
    """Every block element of ``tree`` by its normalised text; the first
    element with a given text wins (the copy in the article comes first more
    often than not, and either is a guess). ``paragraph_hints`` reads the
    hints of the few the extracted text holds.

    ``keys``, when given, receives (element, normalised text) of every <p>
    in page order (``paragraph_keys``), read in the same pass, for
    ``sibling_chunks``.
    """
    index: dict = {}
    if tree is None:
        return index
    for el in tree.iter(*BLOCK_TAGS):
        text = el.text_content()
        paragraph = keys is not None and el.tag == "p"
        too_long = len(text) > _MAX_CHARS
        if too_long and not paragraph:
            continue
        key = _key(text)
        if paragraph:
            keys.append((el, key))
        if too_long or not key or key in index:
            continue
        index[key] = el
    return index


def paragraph_hints(paragraphs: list[str], index: dict) -> tuple[Hint, ...]:
    """One hint per paragraph (its element's tag and share of link text;
    ``index`` from ``block_index``); Hint() when no element has its text."""
    empty = Hint()
    found: dict[str, Hint] = {}
    out = []
    for p in paragraphs:
        key = _key(_LIST_MARKER.sub("", p, count=1))
        if key not in found:
            el = index.get(key)
            found[key] = empty if el is None else Hint(el.tag, _link_share(el, key))
        out.append(found[key])
    return tuple(out)


def _link_share(el, key: str) -> float:
    """Share of an element's normalised text (``key``) that is link text:
    read only for the elements the extracted text holds."""
    return min(1.0, sum(len(_key(a.text_content())) for a in el.iter("a")) / len(key))


# Chunked articles: some sites print the article as a run of identical
# containers (one per few paragraphs) and the extractor keeps only the first.
_SKIP_ANCESTORS = frozenset(("aside", "nav", "footer", "form", "header", "figure", "blockquote"))


def _signature(el, levels: int = 3) -> tuple:
    sig = []
    while el is not None and len(sig) < levels:
        sig.append((el.tag, el.get("class") or ""))
        el = el.getparent()
    return tuple(sig)


def paragraph_keys(tree) -> list:
    """(element, normalised text) of every <p> of ``tree``, in page order."""
    return [(p, _key(p.text_content())) for p in tree.iter("p")]


def sibling_chunks(tree, paragraphs: list[str], min_words: int = 8, keys: list | None = None) -> list[str]:
    """``paragraphs`` with the <p> paragraphs of the page's other containers
    built like the ones the article came from (same tag and class three
    levels up), in page order. Unchanged when there are none. ``keys``: the
    page's ``paragraph_keys``, when already read."""
    if tree is None or not paragraphs:
        return paragraphs
    if keys is None:
        keys = paragraph_keys(tree)
    by_key = {}
    for p, key in keys:
        by_key.setdefault(key, p)
    found = [by_key.get(_key(text)) for text in paragraphs]
    containers = {p.getparent() for p in found if p is not None and p.getparent() is not None}
    sigs = {_signature(c) for c in containers if c.get("class")}
    if not sigs:
        return paragraphs
    # Page order of the <p> elements: only now, as most pages stop above.
    # (Normalised text ignores runs of spaces, so the keys serve below too.)
    order = {p: i for i, (p, _) in enumerate(keys)}
    pos = [order[p] if p is not None else None for p in found]
    have = {_key(t) for t in paragraphs}
    extra = []
    for at, (p, key) in enumerate(keys):
        parent = p.getparent()
        if parent is None or parent in containers or _signature(parent) not in sigs:
            continue
        if len(key.split()) < min_words or key in have:
            continue
        if any(a.tag in _SKIP_ANCESTORS for a in p.iterancestors()):
            continue
        have.add(key)
        extra.append((at, " ".join(p.text_content().split())))
    if not extra:
        return paragraphs
    # Unmatched paragraphs (headings, list items) stay after the one before.
    last = -1
    keyed = []
    for i, (text, at) in enumerate(zip(paragraphs, pos)):
        last = at if at is not None else last
        keyed.append(((last, 0, i), text))
    keyed += [((at, 1, 0), text) for at, text in extra]
    return [text for _, text in sorted(keyed, key=lambda kv: kv[0])]
