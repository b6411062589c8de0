"""extractor_meta.py: trafilatura's metadata, field for field as bare_extraction gives it,
without the fields that go unused; extract.py finds it once per page."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from pipeline.document import EMPTY, HTML, Document
from pipeline.extract import Extract, _parse
from pipeline.extractor_meta import FIELDS, extractor_metadata

TESTS = Path(__file__).resolve().parent
OWN_PAGES = sorted((TESTS / "fixtures" / "pages").glob("*.html")) + sorted((TESTS / "samples" / "news").glob("*.html"))
SHARED = TESTS.parent.parent / "shared" / "data"


def _read(path: Path) -> str:
    raw = path.read_bytes()
    return (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode("utf-8", "replace")


def _shared_pages(every: int = 12) -> list[Path]:
    out = []
    for name in ("scrapinghub_aeb", "wcxb_dev"):
        folder = SHARED / name / "html"
        if folder.is_dir():
            out += sorted(folder.iterdir())[::every * (1 if name == "scrapinghub_aeb" else 5)]
    return out


def _trafilatura_fields(html: str, url: str | None) -> dict:
    import trafilatura

    result = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    return {name: getattr(result, name, None) for name in FIELDS} if result is not None else None


def _compare(pages: list[Path], url: str | None = None) -> None:
    compared = 0
    for path in pages:
        html = _read(path)
        want = _trafilatura_fields(html, url)
        if want is None:  # no text: bare_extraction keeps no metadata either
            continue
        assert extractor_metadata(_parse(html), url) == want, path.name
        compared += 1
    assert compared >= len(pages) // 2


def test_fields_are_those_of_bare_extraction_on_own_pages():
    assert len(OWN_PAGES) >= 10
    _compare(OWN_PAGES)


def test_a_given_url_is_used_as_trafilatura_uses_it():
    _compare(OWN_PAGES[:4], url="https://news.example.org/2024/03/05/story.html")


def test_fields_are_those_of_bare_extraction_on_benchmark_pages():
    pages = _shared_pages()
    if not pages:
        pytest.skip("no benchmark pages (../shared/data) in this checkout")
    _compare(pages)


def test_skipped_fields_are_not_looked_for(monkeypatch):
    import htmldate
    from trafilatura import metadata as tm

    def boom(*args, **kwargs):
        raise AssertionError("looked for a skipped field")

    tree = _parse(_read(OWN_PAGES[0]))
    full = extractor_metadata(tree)
    monkeypatch.setattr(htmldate, "find_date", boom)
    monkeypatch.setattr(tm, "extract_author", boom)
    part = extractor_metadata(tree, skip=frozenset({"author", "date"}))
    assert part["author"] is None and part["date"] is None
    assert {k: v for k, v in part.items() if k not in ("author", "date")} == \
        {k: v for k, v in full.items() if k not in ("author", "date")}


def _doc(html: str, **meta) -> Document:
    return Document(id="t", source="t.html", kind=HTML, content=html, meta=meta)


def test_extract_skips_the_date_and_author_the_input_gives(monkeypatch):
    import htmldate
    from trafilatura import metadata as tm

    def boom(*args, **kwargs):
        raise AssertionError("looked for metadata the input has")

    html = _read(TESTS / "samples" / "news" / "harbour-gazette-kelmouth-ferry.html")
    plain = Extract().process(_doc(html))
    monkeypatch.setattr(htmldate, "find_date", boom)
    monkeypatch.setattr(tm, "extract_author", boom)
    given = Extract().process(_doc(html, date="2020-01-02", author="A. Writer"))
    assert given.meta["date"] == "2020-01-02" and given.meta["author"] == "A. Writer"
    assert given.text == plain.text and given.meta["title"] == plain.meta["title"]


def test_a_failing_metadata_step_gives_no_text_as_in_bare_extraction(monkeypatch):
    import trafilatura
    from trafilatura import metadata as tm

    def broken(tree):
        raise ValueError("broken page")

    html = _read(OWN_PAGES[0])
    monkeypatch.setattr(tm, "examine_meta", broken)
    assert trafilatura.bare_extraction(html, with_metadata=True) is None
    out = Extract().process(_doc(html))
    assert out.status == EMPTY
