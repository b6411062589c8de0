"""The page as a sequence of text blocks, each with its place in the DOM.

A block is the text between two block-level boundaries (a <p>, an <li>, a
<div>...), whitespace collapsed. Beside its text a block records what the
block model (blockmodel.py) needs to judge it: how many of its words are
link text, how deep it sits, the page-structure elements and class names
around it (nav, footer, "sidebar", "comment", "content"...), and the ids of
its nearest ancestors, so blocks can be grouped by the container they share.
Nothing here decides anything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Never visible text.
_SKIP = frozenset("""script style noscript template svg canvas iframe object embed head
    select option textarea button input""".split())
# A block starts and ends at each of these.
_BOUNDARY = frozenset("""address article blockquote dd details div dl dt fieldset figcaption figure
    h1 h2 h3 h4 h5 h6 hr li main ol p pre section summary table tbody thead tfoot tr td th ul
    br body html nav header footer aside form menu dialog label caption""".split())
# Elements whose presence above a block is a feature.
STRUCTURE = ("nav", "header", "footer", "aside", "form", "article", "main")
# Kinds of block element (dt/dd count as list items, th as a cell).
_KIND = {"li": "li", "dt": "li", "dd": "li", "td": "td", "th": "td", "p": "p", "pre": "pre",
         "blockquote": "blockquote", "figcaption": "figcaption"}
KINDS = ("li", "td", "p", "pre", "blockquote", "figcaption")
# Words of class, id and role attributes.
MARKS = {
    "chrome": re.compile(
        r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|footer|header|masthead|sidebar|breadcrumbs?|"
        r"cookies?|consent|banner|share|sharing|social|newsletter|subscribe|related|popup|modal|"
        r"skip|pagination|pager|widget|ad|ads|advert|promo)(?:$|[\s_-])", re.I),
    "content": re.compile(
        r"(?:^|[\s_-])(?:content|article|post|entry|body|main|story|text|product|description|"
        r"thread|message|question|answer|item|card|listing|result|doc|docs|markdown)(?:$|[\s_-])", re.I),
    "comment": re.compile(r"comment|reply|respon", re.I),
}
_MARKS = tuple(MARKS.values())
_ANCESTORS = 6
_PATH = 3
_MAX_DEPTH = 400


@dataclass(frozen=True)
class Context:
    """What is known about the element a block's text was found in."""
    depth: int = 0
    marks: tuple = (0, 0, 0)  # chrome, content, comment: ancestors so marked
    inside: frozenset = frozenset()  # STRUCTURE elements above
    heading: int = 0  # 1..6 inside an <hN>
    kind: str = ""  # innermost element of KINDS
    ancestors: tuple = ()  # ids of the last _ANCESTORS elements, innermost last
    path: tuple = ()  # (tag, class) of the last _PATH elements


@dataclass(frozen=True)
class Block:
    text: str
    words: int
    link_words: int
    context: Context


# What is known about an element as the walk goes down, as a plain tuple
# in Context's field order: most elements hold no block's first words, so
# their Context is never built (page_blocks builds one per block).
_ROOT = (0, (0, 0, 0), frozenset(), 0, "", (), ())


def _child_context(ctx: tuple, el, tag: str, uid: int, seen_marks: dict) -> tuple:
    depth, counts, inside, heading, kind, ancestors, path = ctx
    cls, ident, role = el.get("class"), el.get("id"), el.get("role")
    if cls or ident or role:
        marks = " ".join(filter(None, (cls, ident, role)))
        hits = seen_marks.get(marks)
        if hits is None:  # class names repeat all over a page
            hits = seen_marks[marks] = tuple(1 if rx.search(marks) else 0 for rx in _MARKS)
        counts = (counts[0] + hits[0], counts[1] + hits[1], counts[2] + hits[2])
    if tag in STRUCTURE:
        inside = inside | {tag}
    if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
        heading = int(tag[1])
    return (depth + 1, counts, inside, heading, _KIND.get(tag, kind),
            (ancestors + (uid,))[-_ANCESTORS:], (path + ((tag, cls or ""),))[-_PATH:])


def page_blocks(tree) -> list[Block]:
    """The text blocks of ``tree`` (an lxml HTML tree) in document order."""
    if tree is None:
        return []
    body = tree.find(".//body")
    root = body if body is not None else tree
    out: list[Block] = []
    parts: list[str] = []
    seen_marks: dict = {}
    # The block being read: its link words and its first words' context; the last element id.
    link_words, first_ctx, uid = 0, None, 0

    def add(text: str, ctx: tuple, in_link: bool) -> None:
        nonlocal link_words, first_ctx
        if not text or text.isspace():
            if text:
                parts.append(text)
            return
        if first_ctx is None:
            first_ctx = ctx
        parts.append(text)
        if in_link:
            link_words += len(text.split())

    def flush() -> None:
        nonlocal link_words, first_ctx
        if not parts:  # nothing read since the last boundary (no words, no context)
            return
        text = " ".join("".join(parts).split())
        if text:
            out.append(Block(text, len(text.split()), link_words, Context(*first_ctx)))
        parts.clear()
        link_words, first_ctx = 0, None

    def walk(el, ctx: tuple, in_link: bool) -> None:
        nonlocal uid
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or tag in _SKIP or ctx[0] > _MAX_DEPTH:
            add(el.tail, ctx, in_link)
            return
        uid += 1
        inner = _child_context(ctx, el, tag, uid, seen_marks)
        boundary = tag in _BOUNDARY
        if boundary:
            flush()
        link = in_link or tag == "a"
        add(el.text, inner, link)
        for child in el:
            walk(child, inner, link)
        if boundary:
            flush()
        add(el.tail, ctx, in_link)

    walk(root, _ROOT, False)
    flush()
    return out
