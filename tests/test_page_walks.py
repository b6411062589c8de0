"""The page walks, made cheaper, give what the earlier ones gave (kept here as references):
blocks.py's blocks (a Context built per block instead of per element), field for field;
fallback.py's paragraphs (class names judged once per page); the block features' character
counts (no loop over every character)."""
from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.blocks import (_ANCESTORS, _BOUNDARY, _KIND, _MAX_DEPTH, _PATH, _SKIP, MARKS, STRUCTURE, Block,
                             Context, page_blocks)
from pipeline.extract import _parse
from pipeline.fallback import _BLOCKS, _CHROME, _DROP, _KEEP_ROOTS, page_paragraphs

TESTS = Path(__file__).resolve().parent
PAGES = sorted((TESTS / "fixtures" / "pages").glob("*.html")) + sorted((TESTS / "samples" / "news").glob("*.html"))
SHARED = TESTS.parent.parent / "shared" / "data"


def _reference_context(ctx, el, tag, uid):
    marks = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"))))
    counts = ctx.marks
    if marks:
        counts = tuple(c + (1 if rx.search(marks) else 0) for c, rx in zip(counts, MARKS.values()))
    return Context(
        depth=ctx.depth + 1,
        marks=counts,
        inside=ctx.inside | {tag} if tag in STRUCTURE else ctx.inside,
        heading=int(tag[1]) if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456" else ctx.heading,
        kind=_KIND.get(tag, ctx.kind),
        ancestors=(ctx.ancestors + (uid,))[-_ANCESTORS:],
        path=(ctx.path + ((tag, el.get("class") or ""),))[-_PATH:],
    )


def reference_blocks(tree):
    if tree is None:
        return []
    body = tree.find(".//body")
    root = body if body is not None else tree
    out, parts = [], []
    state = {"link": 0, "ctx": None, "uid": 0}

    def add(text, ctx, in_link):
        if not text or text.isspace():
            if text:
                parts.append(text)
            return
        if state["ctx"] is None:
            state["ctx"] = ctx
        parts.append(text)
        if in_link:
            state["link"] += len(text.split())

    def flush():
        text = " ".join("".join(parts).split())
        if text:
            out.append(Block(text, len(text.split()), state["link"], state["ctx"] or Context()))
        parts.clear()
        state["link"], state["ctx"] = 0, None

    def walk(el, ctx, in_link):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or tag in _SKIP or ctx.depth > _MAX_DEPTH:
            add(el.tail, ctx, in_link)
            return
        state["uid"] += 1
        inner = _reference_context(ctx, el, tag, state["uid"])
        boundary = tag in _BOUNDARY
        if boundary:
            flush()
        link = in_link or tag == "a"
        add(el.text, inner, link)
        for child in el:
            walk(child, inner, link)
        if boundary:
            flush()
        add(el.tail, ctx, in_link)

    walk(root, Context(), False)
    flush()
    return out


def reference_paragraphs(tree):
    if tree is None:
        return []
    body = tree.find(".//body")
    root = body if body is not None else tree
    out, current = [], []

    def is_chrome(el):
        if el.tag in _KEEP_ROOTS:
            return False
        marks = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"))))
        return bool(marks) and _CHROME.search(marks) is not None

    def flush():
        text = " ".join(" ".join(current).split())
        if text:
            out.append(text)
        current.clear()

    def walk(el, depth):
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in _DROP or is_chrome(el) or depth > _MAX_DEPTH:
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


def _same(html: str) -> None:
    tree = _parse(html)
    assert page_paragraphs(tree) == reference_paragraphs(tree)
    got, want = page_blocks(tree), reference_blocks(tree)
    assert got == want
    # Same types too: the features read these values as they are.
    for g, w in zip(got, want):
        assert [type(v) for v in vars(g.context).values()] == [type(v) for v in vars(w.context).values()]


def _read(path: Path) -> str:
    raw = path.read_bytes()
    return (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode("utf-8", "replace")


def test_same_blocks_as_the_reference_on_own_pages():
    assert len(PAGES) >= 10
    for path in PAGES:
        _same(_read(path))


def test_same_blocks_as_the_reference_on_benchmark_pages():
    pages = sorted((SHARED / "wcxb_dev" / "html").glob("*"))[::50] if (SHARED / "wcxb_dev").is_dir() else []
    for path in pages:
        _same(_read(path))


_TAGS = ["div", "p", "li", "ul", "a", "b", "span", "h2", "h7", "nav", "footer", "article", "td", "table",
         "script", "br", "pre", "Section", "figcaption", "aside", "header", "main", "form", "label", "caption"]
_ATTRS = ["", ' class="nav"', ' class="post content"', ' id="comment-3"', ' role="main"',
          ' class="side_bar widget"', ' class="card"', ' class="nav"', ' class=""', ' id="menu" class="x"',
          ' role="navigation"', ' class="footer-links"']


@st.composite
def nested_html(draw, depth=0):
    out = []
    for _ in range(draw(st.integers(0, 4 if depth < 5 else 0))):
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(["word", " two words ", "  ", "\n", "link text", "x"])))
        else:
            tag = draw(st.sampled_from(_TAGS))
            out.append(f"<{tag}{draw(st.sampled_from(_ATTRS))}>{draw(nested_html(depth + 1))}</{tag}>")
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(nested_html())
def test_same_blocks_as_the_reference_on_generated_pages(body):
    _same(f"<html><body>{body}</body></html>")


def test_same_blocks_past_the_depth_limit():
    _same("<html><body>" + "<div class='c'>" * (_MAX_DEPTH + 20) + "deep words" + "</div>" * (_MAX_DEPTH + 20)
          + "<p>after</p></body></html>")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .!?,0123456789²٣߁\u00a0é€𝟘x"), max_size=60) | st.text(max_size=40))
def test_character_counts_of_the_features_are_those_of_a_loop(text):
    from pipeline.blockmodel import _digits, _sentence_marks

    assert _sentence_marks(text) == sum(ch in ".!?" for ch in text)
    assert _digits(text) == sum(ch.isdigit() for ch in text)
