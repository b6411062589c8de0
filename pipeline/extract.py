"""Extract stage: main text and metadata from HTML; text passes through.

trafilatura does the extraction. Its output has one paragraph a line; we
turn that into paragraphs separated by a blank line, the form every later
stage expects. A page with no main text becomes EMPTY, with a reason, never
a silent None.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from .document import HTML, TEXT, Document
from .hints import block_index, paragraph_hints, sibling_chunks
from .fallback import embedded_posts, page_paragraphs, quality, rescue
from .extractor_meta import extractor_metadata
from .parse import parse_page
from .pagemeta import declares_article, declares_product, page_metadata, structured_author, structured_data
from .stage import MapStage
from .timelimit import Overtime, TimeLimit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractConfig:
    include_comments: bool = False
    include_tables: bool = True
    # Precision mode scores higher in front of strip on news articles, but
    # on other pages (forums, documentation, listings, services, products)
    # it drops real content that strip cannot bring back: the default
    # settings win on every benchmark but that one (bench/bench_wcxb.py).
    favor_precision: bool = False
    favor_recall: bool = False
    # Precision mode now and then drops almost the whole article: when it
    # returns fewer words than this, read the page again with the default
    # settings and keep that if it has at least twice the words (0: never).
    retry_words: int = 100
    fast: bool = False
    max_html_chars: int = 8_000_000
    # lxml refuses trees deeper than this anyway; say so clearly first.
    max_nesting: int = 5_000
    # Wall-clock limit per page (0: none). Pages with 100,000 elements take
    # trafilatura many seconds; ordinary news pages well under one.
    timeout_seconds: float = 15.0
    # Paragraphs of extracted text; later stages work line by line.
    max_paragraphs: int = 50_000
    # Record each paragraph's HTML element and link share for strip.
    hints: bool = True
    # Add the paragraphs of containers built like the article's (chunked
    # articles); needs hints (the parsed page).
    sibling_chunks: bool = True
    # Title and author as the page states them (its <h1>, its JSON-LD)
    # where trafilatura's guess is weak; needs hints (the parsed page).
    page_metadata: bool = True
    # When the extracted text has fewer words than rescue_words and fewer
    # than rescue_share of the words the page shows outside its chrome, the
    # extractor missed the content (a forum thread, a listing of cards):
    # the page is read whole instead (fallback.py), unless it calls itself
    # an article. 0: never.
    rescue_words: int = 350
    rescue_share: float = 0.2
    # Let the block model (blockmodel.py) add the blocks the extractor left
    # out and drop the ones it kept by mistake; needs hints (the parsed page).
    # On pages that call themselves products it acts with thresholds of its
    # own (grouped CV, bench/train_blocks.py: wcxb_dev products 0.645 ->
    # 0.649). Not on pages that call themselves articles, where the
    # extractor's one main text is right more often: trained on wcxb_dev
    # alone, the model with its article thresholds took scrapinghub_aeb
    # from 0.963 to 0.939.
    block_model: bool = True
    block_model_on_articles: bool = False
    block_model_on_products: bool = True
    # Put back the social posts (embedded tweets) the article quotes and the
    # extractor dropped (fallback.embedded_posts); needs hints.
    embedded_posts: bool = True


class Extract(MapStage):
    name = "extract"

    def __init__(self, config: ExtractConfig = ExtractConfig()):
        self.config = config
        _quiet_trafilatura()

    def ready(self, doc: Document) -> None:
        if doc.kind == HTML:
            # A heavy import, paid only by runs that see HTML, and never
            # under a time limit: one cut short leaves modules half made.
            import trafilatura.utils  # noqa: F401

    def process(self, doc: Document) -> Document:
        if doc.kind != HTML:
            return doc
        self.ready(doc)
        limit = TimeLimit(self.config.timeout_seconds)
        try:
            with limit:
                return self._extract(doc)
        except Overtime as exc:
            if exc.limit is not limit:  # the bound on the whole document (runner)
                raise
            return doc.reject(f"extraction took longer than {self.config.timeout_seconds:g} s")

    def _extract(self, doc: Document) -> Document:
        html = doc.content
        if len(html) > self.config.max_html_chars:
            return doc.reject(f"HTML too large ({len(html):,} characters)")
        if _too_deep(html, self.config.max_nesting):
            return doc.reject(f"HTML nested deeper than {self.config.max_nesting} levels")
        import trafilatura

        try:
            tree = _parse(html) if self.config.hints else None
            keys: list = []  # every <p> with its text, read with the index for sibling_chunks
            index = block_index(tree, keys) if tree is not None else {}
            objects = structured_data(tree) if tree is not None else []
            # With the parsed page, its metadata is found once, here, and
            # each reading below is of the text alone.
            guessed = self._extractor_metadata(tree, objects, doc) if tree is not None else None

            def read(source, include_tables: bool, **options):
                if tree is None:
                    return self._bare_extraction(trafilatura, source, doc, include_tables, **options)
                if guessed is None:  # bare_extraction's metadata step fails on this page: no result
                    return None
                return self._bare_extraction(trafilatura, source, doc, include_tables,
                                             with_metadata=False, **options)

            # trafilatura takes the parsed tree as it would have parsed it.
            result = read(tree if tree is not None else html, self.config.include_tables)
            if self.config.include_tables and _flattened_layout_table(result):
                # A page laid out with a <table> comes out as one line of
                # cells; read without tables, its paragraphs survive.
                retry = read(html, False)
                if _text_of(retry).count("\n") > _text_of(result).count("\n"):
                    result = retry
            words = len(_text_of(result).split())
            if self.config.favor_precision and words < self.config.retry_words:
                retry = read(html, self.config.include_tables, favor_precision=False)
                if len(_text_of(retry).split()) >= 2 * max(words, 1):
                    result = retry
        except (AssertionError, ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
            # Malformed trees can trip assertions inside lxml/trafilatura
            # (e.g. "<svg><html>"); that is a property of the page.
            return doc.reject(f"HTML the extractor cannot parse ({type(exc).__name__})")
        # Metadata given with the input (a feed's title and date, a crawl's
        # URL) is a fact; the extractor's is a guess that only fills gaps.
        if tree is None:
            found = _metadata(result)
        else:
            found = dict(guessed) if result is not None else {}  # as bare_extraction drops it
        if self.config.page_metadata and tree is not None:
            found.update(page_metadata(tree, found.get("title"), objects))
        meta = {k: v for k, v in found.items() if not doc.meta.get(k)}
        text = _text_of(result).strip()
        # Strip judges text extracted from a page otherwise than a dump.
        done = doc.evolve(kind=TEXT, content="").with_meta(**meta, extracted_from=HTML)
        if not text:
            return done.mark_empty("no main text found in the HTML")
        paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
        if len(paragraphs) > self.config.max_paragraphs:
            return done.reject(f"extracted text has too many paragraphs (over {self.config.max_paragraphs:,})")
        if self.config.sibling_chunks:
            paragraphs = sibling_chunks(tree, paragraphs, keys=keys)
        page = page_paragraphs(tree) if tree is not None else None
        article = tree is not None and declares_article(tree)
        # A page that calls itself an article has one main text: the
        # extractor's choice of it stands, however short.
        if page is not None and self.config.rescue_words > 0 and not article:
            paragraphs, rescued = rescue(paragraphs, page, self.config.rescue_words, self.config.rescue_share)
        else:
            rescued = False
        product = tree is not None and not article and declares_product(tree, objects)
        if (self.config.block_model and tree is not None
                and (self.config.block_model_on_articles or not article)
                and (self.config.block_model_on_products or not product)):
            from .blockmodel import second_opinion  # numpy: only for HTML

            paragraphs = second_opinion(tree, paragraphs, article, product)
            if not paragraphs:
                return done.mark_empty("no main text found in the HTML")
        if self.config.embedded_posts and tree is not None and not rescued:
            paragraphs = embedded_posts(tree, paragraphs)
        if page is not None:
            done = done.with_meta(quality=quality(paragraphs, page, rescued))
        # A page read whole is judged on its text alone, as it was measured.
        hints = paragraph_hints(paragraphs, index) if index and not rescued else ()
        return done.evolve(content="\n\n".join(paragraphs), hints=hints)


    def _extractor_metadata(self, tree, objects: list[dict], doc: Document) -> dict | None:
        """trafilatura's metadata of the page, without the fields that will
        not be used (given with the input; the author the page's JSON-LD
        names, which page_metadata prefers); None where trafilatura's own
        metadata step would have made bare_extraction give no result."""
        skip = {name for name in ("author", "date") if doc.meta.get(name)}
        if self.config.page_metadata and structured_author(objects):
            skip.add("author")
        try:
            return extractor_metadata(tree, doc.meta.get("url"), frozenset(skip))
        except (ValueError, TypeError):
            return None

    def _bare_extraction(self, trafilatura, html, doc: Document, include_tables: bool,
                         favor_precision: bool | None = None, with_metadata: bool = True):
        return trafilatura.bare_extraction(
            html,
            url=doc.meta.get("url"),
            with_metadata=with_metadata,
            include_comments=self.config.include_comments,
            include_tables=include_tables,
            favor_precision=self.config.favor_precision if favor_precision is None else favor_precision,
            favor_recall=self.config.favor_recall,
            fast=self.config.fast,
        )


def _parse(html: str):
    """The page as trafilatura would parse it, or None."""
    try:
        return parse_page(html)
    except (ValueError, TypeError):
        return None


def _text_of(result) -> str:
    return (getattr(result, "text", None) or "") if result is not None else ""


def _flattened_layout_table(result, min_chars: int = 1000) -> bool:
    """Most of the text in one long line of table cells ("a | b | c")."""
    text = _text_of(result)
    longest = max(text.split("\n"), key=len, default="")
    return len(longest) >= min_chars and len(longest) >= 0.6 * len(text) and " | " in longest


def _metadata(result) -> dict:
    if result is None:
        return {}
    return {
        "title": getattr(result, "title", None),
        "date": getattr(result, "date", None),
        "author": getattr(result, "author", None),
        "url": getattr(result, "url", None),
        "sitename": getattr(result, "sitename", None),
        "language": getattr(result, "language", None),
    }


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")
_VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr p li option td tr th dt dd".split()
)


# Where a start tag of an element that is not void may begin: every start
# tag the scan counts begins at one of these.
_OPENING = re.compile(r"<(?!(?:%s)(?![a-zA-Z0-9:-]))[a-zA-Z]" % "|".join(sorted(_VOID)), re.I)


def _too_deep(html: str, limit: int) -> bool:
    """Whether ``_nesting_depth`` reaches ``limit``.

    Depth never exceeds the number of start tags, which is at most the
    number of "<" (not followed by "/"): counting those takes a hundredth
    of the scan, and settles most pages. Large pages are settled by counting
    the places where a start tag that is not void may begin (no loop in
    Python: a fifth of the scan).
    """
    opened = html.count("<")
    if opened < limit or opened - html.count("</") < limit:
        return False
    if len(_OPENING.findall(html)) < limit:
        return False
    return _nesting_depth(html, limit) >= limit


def _nesting_depth(html: str, stop_at: int) -> int:
    """Rough maximum tag depth, stopping early once ``stop_at`` is reached.

    Void elements and those whose end tag is optional are not counted, so an
    ordinary page stays far below any sane limit.
    """
    depth = peak = 0
    for m in _TAG.finditer(html):
        closing, name, selfclosing = m.groups()
        if selfclosing or name.lower() in _VOID:
            continue
        if closing:
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth > peak:
                peak = depth
                if peak >= stop_at:
                    break
    return peak


def _quiet_trafilatura() -> None:
    # trafilatura logs every page it finds too short; our manifest says that.
    for name in ("trafilatura", "htmldate", "courlan"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
