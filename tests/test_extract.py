"""extract.py: main text and metadata from HTML, EMPTY with a reason, text passes through, guards."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.document import EMPTY, HTML, PENDING, REJECTED, TEXT, Document
from pipeline.extract import Extract, ExtractConfig
from pipeline.sources import read_file

RAW = Path(__file__).resolve().parent / "samples"


def page_doc(relpath: str) -> Document:
    path = RAW / relpath
    (doc,) = read_file(path, RAW)
    return doc


def extract(doc: Document, **config) -> Document:
    (out,) = Extract(ExtractConfig(**config))([doc])
    return out


def html_doc(html: str, **meta) -> Document:
    return Document(id="t", source="t.html", kind=HTML, content=html, meta=meta)


@pytest.fixture(scope="module")
def gazette() -> Document:
    return extract(page_doc("news/harbour-gazette-kelmouth-ferry.html"))


def test_metadata_is_found(gazette):
    assert gazette.status == PENDING and gazette.kind == TEXT
    meta = gazette.meta
    assert meta["title"] == "Kelmouth ferry crossing to run on battery power from spring"
    assert meta["author"] == "Morag Linton"
    assert meta["date"] == "2026-03-04"
    assert meta["url"] == "https://www.harbourgazette.example/news/2026/03/kelmouth-ferry-battery-power"
    assert meta["sitename"] == "The Harbour Gazette"
    assert meta["encoding"] == "utf-8", "metadata from reading is kept"


def test_body_paragraphs_separated_by_one_blank_line(gazette):
    paragraphs = gazette.content.split("\n\n")
    assert all(p.strip() == p and p and "\n" not in p for p in paragraphs)
    assert any(p.startswith("The two diesel ferries that have carried passengers") for p in paragraphs)
    assert any(p.endswith("to take place in late May.") for p in paragraphs)
    assert "£14.2 million" in gazette.content, "entities are decoded"


def test_page_chrome_outside_the_article_is_left_out(gazette):
    for chrome in ("Accept all cookies", "Sign up to our free morning newsletter", "Advertise with us",
                   "Slipway repairs delayed again", "About time. The old boat shakes"):
        assert chrome not in gazette.content


@pytest.mark.parametrize("relpath, title, author, date", [
    ("news/midland-ledger-library-hours.html",
     "Branch libraries to open on Sundays after volunteers step in", "Priya Castellane", "2026-02-11"),
    ("news/northfield-tribune-orchard-frost.html",
     "Late frost wipes out half of valley's apple blossom, growers say", "Declan Ashworth", "2026-05-02"),
    ("news/capital-wire-cycle-lanes.html",
     "Council approves protected cycle lanes on Wexley Road after heated debate", "Tomasz Wierzba", "2026-01-28"),
    ("news/lakeland-observer-snowfield.html",
     "Drones help researchers measure shrinking Corrie Glas snowfield", "Ingrid Solheim-Baird", "2025-10-19"),
    ("syndicated/coastline-daily-battery-ferries.html",
     "Battery ferries to take over Kelmouth estuary crossing next spring", "Morag Linton", "2026-03-05"),
])
def test_metadata_of_every_sample_page(relpath, title, author, date):
    doc = extract(page_doc(relpath))
    assert doc.status == PENDING
    assert (doc.meta["title"], doc.meta["author"], doc.meta["date"]) == (title, author, date)
    assert doc.meta["url"].startswith("https://")
    assert len(doc.content.split("\n\n")) >= 4


def test_table_layout_page_keeps_its_paragraphs():
    # Read with tables, the whole layout table comes out as one line of cells.
    doc = extract(page_doc("news/lakeland-observer-snowfield.html"))
    paragraphs = doc.content.split("\n\n")
    assert any(p.startswith("For more than a century, a patch of snow") for p in paragraphs)
    assert max(len(p) for p in paragraphs) < 600


def test_data_table_inside_an_article_is_kept():
    rows = "".join(f"<tr><td>{name}</td><td>{votes}</td></tr>" for name, votes in
                   [("For the motion", 31), ("Against", 24), ("Abstained", 2)])
    html = ("<html><body><article><h1>Vote</h1>"
            + "<p>Councillors voted on the cycle lanes late on Wednesday after a long debate.</p>" * 4
            + f"<table>{rows}</table>"
            + "<p>Work is due to start in July and will take around nine months.</p></article></body></html>")
    doc = extract(html_doc(html))
    assert "For the motion" in doc.content and "31" in doc.content
    assert "Work is due to start in July" in doc.content


def test_url_from_the_input_is_kept_when_the_page_has_none():
    html = ("<html><body><article><p>" + "The lifeboat crew was called out twice on Sunday. " * 8
            + "</p></article></body></html>")
    doc = extract(html_doc(html, url="https://feed.example/lifeboat"))
    assert doc.status == PENDING
    assert doc.meta["url"] == "https://feed.example/lifeboat"


@pytest.mark.parametrize("html", [
    "<html><head><title>Photo</title></head><body><img src='harbour.jpg'><hr><br></body></html>",
    "<html><body></body></html>",
    "<html><body><script>var x = 1;</script><style>p{}</style></body></html>",
    "   ",
])
def test_page_without_main_text_is_empty_with_a_reason(html):
    doc = extract(html_doc(html))
    assert doc.status == EMPTY
    assert doc.reason == "no main text found in the HTML"
    assert doc.content == "" and doc.kind == TEXT


def test_text_passes_through_untouched():
    doc = Document(id="t", source="t.txt", kind=TEXT, content="Home | News\n\n  Body text.  \n")
    assert extract(doc) == doc


def test_finished_documents_pass_through():
    doc = Document(id="r", source="r.html", kind=TEXT, status=REJECTED, reason="binary content, not text")
    assert extract(doc) == doc


def test_deeply_nested_html_is_rejected():
    html = "<html><body>" + "<div>" * 6000 + "<p>deep</p>" + "</div>" * 6000 + "</body></html>"
    doc = extract(html_doc(html))
    assert doc.status == REJECTED and "nested deeper than 5000 levels" in doc.reason


def test_nesting_limit_is_configurable():
    html = "<html><body>" + "<section>" * 30 + "<p>" + "Text inside many sections. " * 10 + "</p>" + "</section>" * 30
    assert extract(html_doc(html), max_nesting=20).status == REJECTED
    assert extract(html_doc(html), max_nesting=100).status == PENDING


def test_many_siblings_are_not_mistaken_for_depth():
    # Unclosed <p> and <li> (legal HTML) and void elements must not add up to "depth".
    body = "<ul>" + "<li>item" * 300 + "</ul>" + "<p>Paragraph<br><img src=x>" * 300
    doc = extract(html_doc(f"<html><body>{body}</body></html>"))
    assert doc.status != REJECTED or "nested" not in doc.reason


def test_oversized_html_is_rejected():
    doc = extract(html_doc("<html><body><p>" + "x" * 2000 + "</p></body></html>"), max_html_chars=1000)
    assert doc.status == REJECTED and "too large" in doc.reason


def test_jsonl_html_record_is_extracted():
    (feed,) = [d for d in read_file(RAW / "feeds" / "sample.jsonl", RAW) if d.kind == HTML]
    doc = extract(feed)
    assert doc.status == PENDING
    assert doc.content.count("\n\n") >= 3
    assert "A dredger arrived at Porthallow on Monday" in doc.content
    assert "Porthallow Post ©" not in doc.content
    assert doc.meta["title"] == "Dredging begins to reopen Porthallow harbour mouth"


def test_metadata_given_with_the_input_wins_over_extracted_guesses():
    html = ("<html><head><title>Page title</title></head><body><article><h1>Page title</h1><p>"
            + "A dredger arrived at the harbour on Monday to clear the sand. " * 6
            + "</p></article><footer>Porthallow Post &copy; 2026</footer></body></html>")
    doc = extract(html_doc(html, title="Feed title", date="2026-02-27", url="https://feed.example/a"))
    assert doc.meta["title"] == "Feed title"
    assert doc.meta["date"] == "2026-02-27"
    assert doc.meta["url"] == "https://feed.example/a"


def test_extracted_metadata_fills_the_gaps():
    doc = extract(html_doc((RAW / "news" / "capital-wire-cycle-lanes.html").read_text(encoding="utf-8"),
                           url="https://mirror.example/x"))
    assert doc.meta["url"] == "https://mirror.example/x"
    assert doc.meta["author"] == "Tomasz Wierzba"
    assert doc.meta["title"].startswith("Council approves protected cycle lanes")


class _Result:
    def __init__(self, text):
        self.text = text


@pytest.mark.parametrize("short, long, picked", [
    ("Photo: Agency", "A paragraph of the article.\nAnother one, with more words in it.", "long"),
    ("Short but complete.", "Short but complete. Menu", "short"),
])
def test_precision_mode_retries_with_default_settings_when_it_finds_little(monkeypatch, short, long, picked):
    calls = []

    def fake(self, trafilatura, html, doc, include_tables, favor_precision=None, with_metadata=True):
        precise = self.config.favor_precision if favor_precision is None else favor_precision
        calls.append(precise)
        return _Result(short if precise else long)

    monkeypatch.setattr(Extract, "_bare_extraction", fake)
    out = extract(html_doc("<html><body><p>x</p></body></html>"), favor_precision=True)
    assert calls == [True, False]
    assert out.text.split("\n\n")[0] == (short if picked == "short" else long).split("\n")[0]
    calls.clear()
    extract(html_doc("<html><body><p>x</p></body></html>"), favor_precision=True, retry_words=0)
    assert calls == [True]
    calls.clear()
    extract(html_doc("<html><body><p>x</p></body></html>"))
    assert calls == [False]  # the default settings: read once


def _chunked_page(chunk_class: str) -> str:
    chunks = []
    for c in range(4):
        paras = "".join(
            f"<p>Paragraph {c * 3 + k} of the harbour report says the ferry crossing was "
            f"rebuilt in stages over the winter, with {k + 2} berths reopened in turn.</p>"
            for k in range(3))
        chunks.append(f'<div class="article-chunks"><div class="{chunk_class}">{paras}</div>'
                      f'<div class="ad">Advertisement</div></div>')
    return ("<html><head><title>Ferry crossing rebuilt</title></head><body><main><article>"
            "<h1>Ferry crossing rebuilt</h1>" + "".join(chunks) +
            "</article></main><footer><p>About us: the Gazette has covered the harbour since "
            "1901 and welcomes letters from readers.</p></footer></body></html>")


def test_chunked_article_keeps_every_chunk():
    from pipeline.hints import sibling_chunks
    from pipeline.extract import _parse

    html = _chunked_page("chunk-item")
    tree = _parse(html)
    first = [" ".join(p.text_content().split()) for p in tree.iter("p")][:3]
    out = sibling_chunks(tree, first)
    assert [t.split(" of ")[0] for t in out] == [f"Paragraph {i}" for i in range(12)]
    # Containers without a class say too little to call them alike.
    plain = _parse(_chunked_page(""))
    first = [" ".join(p.text_content().split()) for p in plain.iter("p")][:3]
    assert sibling_chunks(plain, first) == first
    text = extract(html_doc(html)).text
    assert "Paragraph 11 " in text and "About us" not in text


@given(st.lists(st.sampled_from(["<div>", "</div>", "<p>", "<br>", "<span/>", "a < b", "text", "</ div>",
                                  "<A HREF='x'>", "</a>", "<!-- c -->", "<section class=x>", "<P>", "<Li>",
                                  "<link>", "<thead>", "<param>", "<brx>", "<br:x>", "<br-x>", "<img/>",
                                  "<b title='<i>'>", "<li", ">", "<td class=a>", "<TR>"]), max_size=120),
       st.integers(min_value=1, max_value=60))
def test_the_quick_nesting_bound_agrees_with_the_scan(parts, limit):
    from pipeline.extract import _OPENING, _nesting_depth, _too_deep

    html = "".join(parts)
    assert _too_deep(html, limit) == (_nesting_depth(html, limit) >= limit)
    assert _nesting_depth(html, 10**6) <= len(_OPENING.findall(html))  # the second bound is one
