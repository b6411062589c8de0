"""Updated articles: a newer version of a kept article takes its place.

News sites correct and update stories, and a scraper fetches them again.
By default the earlier copy stays kept and the new one is its duplicate.
With ``supersede.enabled`` a new document replaces a document kept by an
earlier run when it is

* at the same URL (scheme, ``www.``, a trailing slash and the fragment aside),
  whatever its text, or
* a near-duplicate of it (as dedup decided) from the same site (same site
  name, or same host when neither has a name), and not an exact copy.

The new document is kept; the earlier one gets a new manifest record,
``status: superseded`` with ``superseded_by`` and the reason; its first
record is left as it was (the manifest is history, appended to). Later
copies of the earlier document are recorded as duplicates of its current
version. Only documents kept by earlier runs are superseded: within one
run, which of two versions is newer is not known.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator
from urllib.parse import urlsplit

from .document import DUPLICATE, KEPT, META_KEYS, Document

SUPERSEDED = "superseded"


@dataclass(frozen=True)
class SupersedeConfig:
    enabled: bool = False
    same_url: bool = True  # a new document at the URL of a kept one replaces it
    same_site: bool = True  # a near-duplicate from the same site replaces the kept one


def url_key(url: str | None) -> str | None:
    """The URL without what does not change the page: scheme, www., trailing slash, fragment."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    if not host:
        return None
    path = parts.path.rstrip("/") or "/"
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


def site_of(meta: dict) -> str | None:
    """The site a document comes from: its site name, else its host."""
    name = (meta.get("sitename") or "").strip().lower()
    if name:
        return name
    key = url_key(meta.get("url"))
    return key.split("/", 1)[0] if key else None


class Supersede:
    """After dedup: turns re-scraped versions of earlier-kept articles into the kept copy.

    ``earlier`` is the manifest before this run. ``records`` collects the
    superseded records this stage made, for the run to add to the manifest.
    """

    name = "supersede"

    def __init__(self, config: SupersedeConfig, earlier: Iterable[dict]):
        self.config = config
        self.records: list[dict] = []
        self.latest: dict[str, dict] = {}  # id -> its latest record
        for rec in earlier if config.enabled else ():
            self.latest[rec["id"]] = rec
        self.newer: dict[str, str] = {}  # superseded id -> the id that replaced it
        self.at_url: dict[str, str] = {}  # url key -> current kept id (earlier runs)
        if not config.enabled:
            return  # nothing to look up
        for doc_id, rec in self.latest.items():
            if rec.get("status") == SUPERSEDED and rec.get("superseded_by"):
                self.newer[doc_id] = rec["superseded_by"]
            elif rec.get("status") == KEPT and (key := url_key(rec.get("url"))):
                self.at_url[key] = doc_id

    def current(self, doc_id: str) -> str:
        seen = set()
        while doc_id in self.newer and doc_id not in seen:
            seen.add(doc_id)
            doc_id = self.newer[doc_id]
        return doc_id

    def _earlier_kept(self, doc_id: str) -> dict | None:
        rec = self.latest.get(doc_id)
        return rec if rec is not None and rec.get("status") == KEPT else None

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        if not self.config.enabled:
            yield from docs
            return
        for doc in docs:
            yield self.process(doc)

    def process(self, doc: Document) -> Document:
        if doc.status == DUPLICATE and doc.duplicate_of:
            target = self.current(doc.duplicate_of)
            earlier = self._earlier_kept(target)
            if (self.config.same_site and earlier is not None and doc.text and (doc.similarity or 0) < 1.0
                    and site_of(doc.meta) is not None and site_of(doc.meta) == site_of(earlier)):
                reason = "updated: a near-duplicate from the same site, recorded later"
                return self._replace(earlier, doc, doc.similarity, reason)
            return doc if target == doc.duplicate_of else doc.evolve(duplicate_of=target)
        if doc.status == KEPT and self.config.same_url and (key := url_key(doc.meta.get("url"))):
            earlier = self._earlier_kept(self.at_url.get(key, ""))
            if earlier is not None and earlier["id"] != doc.id:
                return self._replace(earlier, doc, None, "updated: a newer version at the same URL")
        return doc

    def _replace(self, earlier: dict, doc: Document, similarity: float | None, reason: str) -> Document:
        rec = {"id": earlier["id"], "source": earlier.get("source")}
        if earlier.get("offset") is not None:
            rec["offset"] = earlier["offset"]
        rec.update(status=SUPERSEDED, superseded_by=doc.id, reason=reason)
        if similarity is not None:
            rec["similarity"] = similarity
        rec.update({k: earlier[k] for k in META_KEYS if earlier.get(k)})
        self.records.append(rec)
        self.latest[earlier["id"]] = rec
        self.newer[earlier["id"]] = doc.id
        if key := url_key(earlier.get("url")):
            self.at_url.pop(key, None)
        return doc.evolve(status=KEPT, duplicate_of=None, similarity=None, rule=None)
