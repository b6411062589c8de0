"""hints.py: the block index and sibling chunks share one reading of the page's <p>
elements; the result is the one of reading them apart (the earlier algorithm, kept here)."""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract import Extract, _parse
from pipeline.document import HTML, Document
from pipeline.hints import _SKIP_ANCESTORS, _key, _signature, block_index, paragraph_keys, sibling_chunks

TESTS = Path(__file__).resolve().parent
PAGES = sorted((TESTS / "fixtures" / "pages").glob("*.html")) + sorted((TESTS / "samples" / "news").glob("*.html"))


def reference_sibling_chunks(tree, paragraphs, min_words=8):
    """Every <p> read again, and page order from every element of the page."""
    if tree is None or not paragraphs:
        return paragraphs
    by_key = {}
    for p in tree.iter("p"):
        by_key.setdefault(_key(p.text_content()), p)
    found = [by_key.get(_key(text)) for text in paragraphs]
    containers = {p.getparent() for p in found if p is not None and p.getparent() is not None}
    sigs = {_signature(c) for c in containers if c.get("class")}
    if not sigs:
        return paragraphs
    order = {el: i for i, el in enumerate(tree.iter())}
    pos = [order[p] if p is not None else None for p in found]
    have = {_key(t) for t in paragraphs}
    extra = []
    for p in tree.iter("p"):
        parent = p.getparent()
        if parent is None or parent in containers or _signature(parent) not in sigs:
            continue
        text = " ".join(p.text_content().split())
        key = _key(text)
        if len(key.split()) < min_words or key in have:
            continue
        if any(a.tag in _SKIP_ANCESTORS for a in p.iterancestors()):
            continue
        have.add(key)
        extra.append((order[p], text))
    if not extra:
        return paragraphs
    last = -1
    keyed = []
    for i, (text, at) in enumerate(zip(paragraphs, pos)):
        last = at if at is not None else last
        keyed.append(((last, 0, i), text))
    keyed += [((at, 1, 0), text) for at, text in extra]
    return [text for _, text in sorted(keyed, key=lambda kv: kv[0])]


def _same(tree, paragraphs):
    keys: list = []
    block_index(tree, keys)
    assert [(id(p), k) for p, k in keys] == [(id(p), k) for p, k in paragraph_keys(tree)]
    want = reference_sibling_chunks(tree, paragraphs)
    assert sibling_chunks(tree, paragraphs, keys=keys) == want
    assert sibling_chunks(tree, paragraphs) == want
    return want


def test_same_chunks_as_reading_apart_on_own_pages():
    assert len(PAGES) >= 10
    for path in PAGES:
        html = path.read_bytes().decode("utf-8", "replace")
        done = Extract().process(Document(id="t", source="t.html", kind=HTML, content=html))
        paragraphs = [p for p in done.text.split("\n\n") if p]
        tree = _parse(html)
        _same(tree, paragraphs)
        _same(tree, paragraphs[::2])
        _same(tree, paragraphs[:1])


_WORDS = st.lists(st.sampled_from("the ferry harbour report crossing winter berths stages rebuilt "
                                  "council said new line".split()), min_size=5, max_size=14)
_CLASS = st.sampled_from(["chunk", "chunk", "chunk", "body", ""])
_WRAP = st.sampled_from(["", "", "", "aside", "figure", "section"])


@st.composite
def chunked_pages(draw):
    """Runs of containers of <p> (some alike), headings and list items between them,
    now and then inside an <aside>; and a pick of their texts as 'extracted'."""
    parts, texts = [], []
    for c in range(draw(st.integers(1, 6))):
        paras = []
        for _ in range(draw(st.integers(0, 3))):
            text = " ".join(draw(_WORDS))
            spaced = text.replace(" ", draw(st.sampled_from([" ", "  ", "\n ", " , "])))
            paras.append(f"<p>{spaced}</p>")
            texts.append(text)
        if draw(st.booleans()):
            head = " ".join(draw(_WORDS))
            paras.append(f"<h2>{head}</h2><ul><li>{head} item</li></ul>")
            texts.append(head)
        block = f'<div class="{draw(_CLASS)}">{"".join(paras)}</div>'
        wrap = draw(_WRAP)
        parts.append(f"<{wrap}>{block}</{wrap}>" if wrap else block)
    html = f'<html><body><div class="outer">{"".join(parts)}</div></body></html>'
    # The extractor keeps the first containers, and now and then bits of others.
    first = draw(st.integers(0, (len(texts) + 1) // 2))
    picked = texts[:first] + [t for t in texts[first:] if draw(st.integers(0, 4)) == 0]
    return html, picked


@settings(max_examples=200, deadline=None)
@given(chunked_pages())
def test_same_chunks_as_reading_apart_on_generated_pages(page):
    html, picked = page
    tree = _parse(html)
    if tree is not None:
        _same(tree, picked)


def test_normalised_text_ignores_runs_of_spaces():
    for text in ["a  b", " a\n\tb ", "a\x1cb", "a , b", "\u3000x\u2003y\u00a0", "l'été — ça"]:
        assert _key(" ".join(text.split())) == _key(text)
        assert re.sub(r"\s", "", _key(text)) == re.sub(r"\s", "", _key(" ".join(text.split())))
