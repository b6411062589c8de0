"""Random bytes and random HTML never crash reading, extraction or stripping.

Each stage's own ``process`` is called (not ``safe_process``), so an
exception here is a real bug, not a document quietly rejected as an
"internal error".
"""
from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.document import FINAL_STATES, HTML, PENDING, TEXT, Document
from pipeline.extract import Extract, ExtractConfig
from pipeline.normalize import Normalize
from pipeline.sources import read_file
from pipeline.strip import Strip

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SUFFIXES = [".html", ".txt", ".jsonl", ".warc", ".bin", ".html.gz", ".jsonl.gz", ".warc.gz"]
EXTRACT = Extract(ExtractConfig(timeout_seconds=5))
STRIP = Strip()
NORMALIZE = Normalize()

TAGS = ["html", "head", "body", "div", "p", "span", "a", "article", "main", "nav", "footer", "script",
        "style", "table", "tr", "td", "ul", "li", "h1", "br", "meta", "title", "svg", "math", "iframe"]
ATTRS = ['class="content"', 'id="main"', 'href="javascript:x"', 'charset="koi8-r"', 'style="x:y"',
         'class="share nav"', "hidden", 'lang="ja"']
PIECES = st.one_of(
    st.sampled_from(TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
    st.tuples(st.sampled_from(TAGS), st.sampled_from(ATTRS)).map(lambda ta: f"<{ta[0]} {ta[1]}>"),
    st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "<?xml version='1.0'?>",
                     "&amp;", "&#0;", "&#xD800;", "&#99999999;", "&nbsp;", "&lol;", "<", ">", "\x00", "\r"]),
    st.text(min_size=1, max_size=80),
    st.just("The council met on Wednesday and approved the new budget for the town's schools. "),
)
RANDOM_HTML = st.lists(PIECES, max_size=60).map("".join)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES), compress=st.booleans())
def test_random_bytes_never_crash_the_reader(data, suffix, compress):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(gzip.compress(data) if compress and suffix.endswith(".gz") else data)
        for doc in read_file(path, Path(folder)):
            assert doc.status in FINAL_STATES + (PENDING,)
            assert doc.status == PENDING or doc.reason
            doc.source.encode("utf-8")


@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes_in_a_warc_record(data):
    head = b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: %d\r\n\r\n" % len(data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "crawl.warc"
        path.write_bytes(head + data + b"\r\n\r\n")
        docs = list(read_file(path, Path(folder)))
        assert all(d.pending or d.reason for d in docs)


@FUZZ
@given(html=RANDOM_HTML)
def test_random_html_through_extract_strip_normalize(html):
    doc = Document(id="x", source="fuzz.html", kind=HTML, content=html)
    doc = EXTRACT.process(doc)
    assert doc.status in FINAL_STATES + (PENDING,)
    if doc.pending:
        assert doc.kind == TEXT
        doc = STRIP.process(doc)
    if doc.pending:
        doc = NORMALIZE.process(doc)
    assert doc.pending or doc.reason


@FUZZ
@given(text=st.text(max_size=3000))
def test_random_text_through_strip_and_normalize(text):
    doc = Document(id="x", source="fuzz.txt", kind=TEXT, content=text)
    doc = STRIP.process(doc)
    if doc.pending:
        doc = NORMALIZE.process(doc)
    assert doc.pending or doc.reason
