"""Corpus templates: lines that recur across many documents of one site.

A line printed on most pages of a site (its footer, its newsletter box, its
menu) is boilerplate there even when no rule knows its wording. Learning this
needs a batch of documents, so it is optional: ``Strip`` works per document
without it and uses it when given one.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable
from urllib.parse import urlsplit

from ..document import Document
from .lines import WORD

_SPACE = re.compile(r"\s+")


def line_key(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def site_of(doc: Document) -> str:
    """The site a document belongs to: URL host, else site name, else its folder."""
    url = doc.meta.get("url") or ""
    host = urlsplit(url).hostname if url else None
    if host:
        return host.removeprefix("www.")
    if doc.meta.get("sitename"):
        return str(doc.meta["sitename"]).lower()
    return doc.source.rsplit("/", 1)[0] if "/" in doc.source else ""


@dataclass
class TemplateIndex:
    min_docs: int = 3
    min_share: float = 0.5
    max_words: int = 40
    _docs: Counter = field(default_factory=Counter)
    _lines: dict = field(default_factory=lambda: defaultdict(Counter))

    def add(self, site: str, text: str) -> None:
        self._docs[site] += 1
        seen = set()
        for raw in text.splitlines():
            key = line_key(raw)
            if key and key not in seen and len(WORD.findall(key)) <= self.max_words:
                seen.add(key)
                self._lines[site][key] += 1

    @classmethod
    def learn(cls, docs: Iterable[Document], **options) -> "TemplateIndex":
        index = cls(**options)
        for doc in docs:
            if doc.pending and doc.text:
                index.add(site_of(doc), doc.text)
        return index

    def is_template(self, site: str, text: str) -> bool:
        n = self._docs.get(site, 0)
        if n < self.min_docs:
            return False
        count = self._lines[site].get(line_key(text), 0)
        return count >= self.min_docs and count / n >= self.min_share
