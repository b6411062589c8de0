"""Metadata the page states itself, where the extractor's guess is weak.

trafilatura's title is most often the <title> element, with the site's name
still attached ("Headline | Site"), and its author is read from the visible
byline, which it cleans into something else now and then ("InsaneSnow45"
becomes "InsaneSnow", a forum's signature lines join the name). The page
usually says both more plainly: the headline is its <h1>, and the author is
in its structured data (JSON-LD ``author``).
"""
from __future__ import annotations

import json
import re
from typing import Iterator

_NON_WORD = re.compile(r"\W+")
# "Headline | Site", "Headline - Site", "Headline – Site", "Headline » Site".
_SEPARATOR = re.compile(r"\s+[|–—-]\s+|\s*[|»•·]\s*")
_MAX_SITE_WORDS = 4
_MAX_HEADING_CHARS = 300
# Structured data larger than this is not read (a page can embed megabytes).
_MAX_JSON_CHARS = 500_000


def _key(text: str | None) -> str:
    return _NON_WORD.sub(" ", text or "").strip().lower()


def headings(tree) -> list[str]:
    """The page's <h1> texts, whitespace collapsed, in page order."""
    out = []
    for el in tree.iter("h1"):
        text = " ".join(el.text_content().split())
        if text and len(text) <= _MAX_HEADING_CHARS:
            out.append(text)
    return out


def clean_title(title: str | None, h1s: list[str]) -> str | None:
    """The headline: an <h1> the title contains, else the title without a
    short last part after a separator (the site's name)."""
    if not title:
        return title
    title = " ".join(title.split())
    whole = _key(title)
    for h in h1s:
        k = _key(h)
        if k and re.search(rf"(?:^| ){re.escape(k)}(?: |$)", whole):
            return h
    parts = _SEPARATOR.split(title)
    if len(parts) >= 2 and len(parts[-1].split()) <= _MAX_SITE_WORDS:
        head = title[:title.rfind(parts[-1])].rstrip(" |–—-»•·")
        if _key(head):
            return head
    return title


def _objects(node) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _objects(v)
    elif isinstance(node, list):
        for v in node:
            yield from _objects(v)


def structured_data(tree) -> list[dict]:
    """Every object of the page's JSON-LD blocks, outer ones first."""
    out: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = script.text or ""
        if not raw.strip() or len(raw) > _MAX_JSON_CHARS:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        out.extend(_objects(data))
    return out


def _names(author) -> list[str]:
    if isinstance(author, str):
        return [author]
    if isinstance(author, dict):
        name = author.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(author, list):
        return [n for a in author for n in _names(a)]
    return []


def structured_author(objects: list[dict]) -> str | None:
    """The first author named in the structured data."""
    for obj in objects:
        if "author" in obj:
            for name in _names(obj["author"]):
                name = " ".join(name.split())
                if _key(name):
                    return name
    return None


def page_metadata(tree, title: str | None, objects: list[dict] | None = None) -> dict:
    """Title and author from the page, given the extractor's title (and
    the page's ``structured_data``, when already read)."""
    if tree is None:
        return {}
    out = {}
    better = clean_title(title, headings(tree))
    if better:
        out["title"] = better
    author = structured_author(structured_data(tree) if objects is None else objects)
    if author:
        out["author"] = author
    return out


def declares_article(tree) -> bool:
    """Whether the page calls itself an article (``og:type`` "article")."""
    if tree is None:
        return False
    for el in tree.iter("meta"):
        if (el.get("property") or "").strip().lower() == "og:type":
            return (el.get("content") or "").strip().lower() == "article"
    return False


_PRODUCT_OG = frozenset({"product", "og:product", "product.item", "product.group"})
_PRODUCT_LD = frozenset({"product", "productgroup", "individualproduct", "productmodel"})


def declares_product(tree, objects: list[dict] | None = None) -> bool:
    """Whether the page calls itself a product (``og:type`` or a JSON-LD
    Product anywhere on it; ``objects``: its ``structured_data``, when
    already read)."""
    if tree is None:
        return False
    for el in tree.iter("meta"):
        if (el.get("property") or "").strip().lower() == "og:type":
            if (el.get("content") or "").strip().lower() in _PRODUCT_OG:
                return True
            break
    for obj in structured_data(tree) if objects is None else objects:
        kinds = obj.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if any(isinstance(k, str) and k.strip().lower() in _PRODUCT_LD for k in kinds):
            return True
    return False
