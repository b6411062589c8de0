"""The page parser: trafilatura's trees, with element classes chosen in C."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from pipeline.parse import parse_page

TESTS = Path(__file__).resolve().parent
OWN_PAGES = sorted((TESTS / "fixtures" / "pages").glob("*.html")) + sorted((TESTS / "samples" / "news").glob("*.html"))
SHARED = TESTS.parent.parent / "shared" / "data"


def _same(html) -> None:
    want, got = load_html(html), parse_page(html)
    assert (want is None) == (got is None)
    if want is not None:
        assert etree.tostring(got) == etree.tostring(want)
        assert all(isinstance(e, HtmlElement) for e in got.iter())


@pytest.mark.parametrize("path", OWN_PAGES, ids=lambda p: p.name)
def test_own_pages_parse_as_trafilatura_parses_them(path):
    raw = path.read_bytes()
    _same(raw)
    _same(raw.decode("utf-8", "replace"))


@pytest.mark.parametrize("html", [
    "", "plain words, no markup at all", "<p>one fragment</p>", b"\xff\xfe\x00garbage",
    '<?xml version="1.0" encoding="utf-8"?><html><body><p>declared</p></body></html>',
    "<!DOCTYPE html><html/>\n<body><p>self-closed html</p></body>",
    "<html><body><form><input name=q><select><option>a</select><textarea>t</textarea>"
    "<label>l</label></form></body></html>",
])
def test_odd_inputs_parse_as_trafilatura_parses_them(html):
    _same(html)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["<html>", "<body>", "<div>", "</div>", "<p>", "words", "<form>", "<input>",
                                 "&amp;", "<!-- c -->", "<?pi?>", "\x00", "é", "<table><td>"]), max_size=30))
def test_any_markup_parses_as_trafilatura_parses_it(parts):
    _same("".join(parts))


def test_benchmark_pages_parse_as_trafilatura_parses_them():
    folder = SHARED / "wcxb_dev"
    pages = sorted(folder.rglob("*.html.gz"))[:60] if folder.exists() else []
    if not pages:
        pytest.skip("wcxb_dev not found under ../shared/data")
    for path in pages:
        _same(gzip.decompress(path.read_bytes()))
