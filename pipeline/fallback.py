"""The page's text block by block, for pages the extractor misreads.

trafilatura looks for one main container. On a forum thread, a listing of
cards or a shop's category page the content is many containers, and it
keeps one of them: a few dozen words out of a page of hundreds. When its
text is a small share of what the page shows, the page is read whole here,
one paragraph per block element, without the parts that are never content
(scripts, forms, navigation, header, footer, sidebars), and strip judges it
as it judges a page dump: rules and line model.
"""
from __future__ import annotations

import re

# Never content.
_DROP = frozenset("""script style noscript template svg canvas iframe object embed head
    nav header footer aside form button select option input textarea label dialog menu""".split())
# A new paragraph starts at each of these.
_BLOCKS = frozenset("""address article blockquote dd details div dl dt fieldset figcaption figure
    h1 h2 h3 h4 h5 h6 hr li main ol p pre section summary table tbody thead tfoot tr td th ul
    br body html""".split())
# class / id / role words of page chrome (comments are left: on a forum they are the page).
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|footer|header|masthead|sidebar|breadcrumbs?|"
    r"cookies?|consent|banner|share|sharing|social|newsletter|subscribe|related|popup|modal|"
    r"skip|pagination|pager)(?:$|[\s_-])", re.I)
_KEEP_ROOTS = frozenset(("html", "body", "main", "article"))
_MAX_DEPTH = 400


def _is_chrome(el, seen: dict | None = None) -> bool:
    if el.tag in _KEEP_ROOTS:
        return False
    cls, ident, role = el.get("class"), el.get("id"), el.get("role")
    if not (cls or ident or role):
        return False
    marks = " ".join(filter(None, (cls, ident, role)))
    if seen is None:
        return _CHROME.search(marks) is not None
    chrome = seen.get(marks)
    if chrome is None:  # class names repeat all over a page
        chrome = seen[marks] = _CHROME.search(marks) is not None
    return chrome


def page_paragraphs(tree) -> list[str]:
    """The visible text of ``tree`` outside page chrome, one string per block."""
    if tree is None:
        return []
    body = tree.find(".//body")
    root = body if body is not None else tree
    out: list[str] = []
    current: list[str] = []
    seen: dict = {}

    def flush() -> None:
        if not current:
            return
        text = " ".join(" ".join(current).split())
        if text:
            out.append(text)
        current.clear()

    def walk(el, depth: int) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in _DROP or _is_chrome(el, seen) or depth > _MAX_DEPTH:
            if el.tail:
                current.append(el.tail)
            return
        block = tag in _BLOCKS
        if block:
            flush()
        if el.text:
            current.append(el.text)
        for child in el:
            walk(child, depth + 1)
        if block:
            flush()
        if el.tail:
            current.append(el.tail)

    walk(root, 0)
    flush()
    return out


def _words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def rescue(paragraphs: list[str], page: list[str], max_words: int = 350,
           max_share: float = 0.2) -> tuple[list[str], bool]:
    """``page`` (the page's own paragraphs) instead of the extracted
    ``paragraphs`` when those are short (under ``max_words``) and under
    ``max_share`` of the page's words; and whether that happened."""
    words = _words(paragraphs)
    if 0 < words < max_words and words < max_share * _words(page):
        return page, True
    return paragraphs, False


def quality(paragraphs: list[str], page: list[str], rescued: bool) -> float:
    """How sure the extraction is, 0 to 1: the share of the page's words
    (outside its chrome) that it kept, capped at 1; a rescued page is
    doubtful whatever it kept (at most 0.5). On wcxb_dev pages where
    trafilatura kept under a fifth of the page, its F1 averaged 0.3; over
    nine tenths, 0.95 (bench/bench_wcxb.py prints F1 by quality band)."""
    share = min(1.0, _words(paragraphs) / max(_words(page), 1))
    return round(min(share, 0.5) if rescued else share, 2)
