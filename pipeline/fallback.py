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
    return block_texts(body if body is not None else tree, skip_chrome=True)


def block_texts(root, skip_chrome: bool = False) -> list[str]:
    """The text of ``root``, one string per block, without what is never
    text (and, with ``skip_chrome``, without page chrome)."""
    out: list[str] = []
    current: list[str] = []
    seen: dict = {}  # chrome answers by class/id/role words

    def flush() -> None:
        if not current:
            return
        text = " ".join(" ".join(current).split())
        if text:
            out.append(text)
        current.clear()

    def walk(el, depth: int) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in _DROP or (skip_chrome and _is_chrome(el, seen)) or depth > _MAX_DEPTH:
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


# A post quoted inside these is page chrome, not the article's.
_CHROME_TAGS = frozenset(("nav", "footer", "aside", "header", "form", "menu", "dialog"))


# Posts quoted from social networks (<blockquote class="twitter-tweet">, the
# markup the network's embed code prints): the extractor drops them with the
# "embed" and "widget" containers sites wrap them in, though the article
# quotes them as it quotes a person.
# Only tweets: an Instagram embed without its script prints "View this post on
# Instagram" and the account, not the post.
_EMBEDDED_POST = re.compile(r"(?:^|\s)twitter-tweet(?:$|\s)")


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def embedded_posts(tree, paragraphs: list[str]) -> list[str]:
    """``paragraphs`` with the text of the social posts the article quotes
    that they do not hold, each after the paragraph it follows on the page.
    Unchanged when there are none."""
    if tree is None or not paragraphs:
        return paragraphs
    posts = [el for el in tree.iter("blockquote") if _EMBEDDED_POST.search(el.get("class") or "")]
    if not posts:
        return paragraphs
    have = " " + " ".join(_norm(p) for p in paragraphs) + " "
    missing = []
    for el in posts:
        if any(a.tag in _CHROME_TAGS for a in el.iterancestors()):
            continue
        texts = [t for t in block_texts(el) if _norm(t)]
        if texts and f" {_norm(texts[0])} " not in have:
            missing.append((el, texts))
    if not missing:
        return paragraphs
    order = {el: i for i, el in enumerate(tree.iter())}
    where: dict = {}
    for el in tree.iter("p", "li", "h2", "h3", "h4", "blockquote"):
        key = _norm(el.text_content())
        if key and key not in where:
            where[key] = order[el]
    at = [where.get(_norm(p)) for p in paragraphs]
    inserts: dict = {}
    for el, texts in missing:
        pos = order[el]
        before = [i for i, a in enumerate(at) if a is not None and a < pos]
        if not before:
            continue  # not inside the article as extracted
        inserts.setdefault(before[-1], []).extend(texts)
    out = []
    for i, p in enumerate(paragraphs):
        out.append(p)
        out.extend(inserts.get(i, ()))
    return out
