"""DOM blocks (blocks.py) and the block model's merge (blockmodel.py)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, strategies as st
from lxml import html as lxml_html

from pipeline.blockmodel import (EXTRACTED, FEATURES, KINDS_OF_PAGE, Reference, features, merge, second_opinion,
                                 shipped_model, tokens)
from pipeline.blocks import page_blocks

PAGE = """<html><head><title>t</title><style>p{}</style></head><body>
<nav class="site-menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<div class="thread">
  <div class="post"><p>First post: the pump <b>failed</b> twice in May.</p></div>
  <div class="post"><p>Second post: mine failed once, in June.</p></div>
</div>
<footer><p>Copyright 2026 <a href="/about">About us</a></p></footer>
<script>var x = "never text";</script>
</body></html>"""


def _blocks(page=PAGE):
    return page_blocks(lxml_html.fromstring(page))


def test_blocks_in_document_order_without_scripts():
    texts = [b.text for b in _blocks()]
    assert texts == ["Home", "News", "First post: the pump failed twice in May.",
                     "Second post: mine failed once, in June.", "Copyright 2026 About us"]


def test_block_context_records_structure_marks_and_links():
    home, _, first, second, foot = _blocks()
    assert "nav" in home.context.inside and home.context.marks[0] == 1  # "site-menu"
    assert home.link_words == 1 and home.context.kind == "li"
    assert first.link_words == 0 and first.context.kind == "p"
    assert first.context.marks[1] >= 1  # "post"
    assert "footer" in foot.context.inside and foot.link_words == 2
    # The two posts share the thread container, not their own post element.
    assert set(first.context.ancestors[:-2]) & set(second.context.ancestors[:-2])
    assert first.context.path == second.context.path


def test_inline_elements_do_not_split_words():
    (b,) = _blocks("<html><body><p>un<b>break</b>able <i>words</i></p></body></html>")
    assert b.text == "unbreakable words"


def test_features_one_row_per_block_with_the_extracted_share():
    blocks = _blocks()
    x = features(blocks, "First post: the pump failed twice in May.", False)
    assert x.shape == (len(blocks), len(FEATURES))
    assert x[2, EXTRACTED] == 1.0 and x[3, EXTRACTED] < 0.5
    assert np.isfinite(x).all()
    assert features([], "", False).shape == (0, len(FEATURES))


def test_reference_share_matches_short_blocks_whole():
    ref = Reference("The pump failed twice in May, said the owner.")
    assert ref.share(tokens("failed twice")) == 1.0
    assert ref.share(tokens("twice failed")) < 1.0
    assert ref.share(tokens("the pump failed twice in may said")) == 1.0
    assert ref.share([]) == 0.0


class _B:
    def __init__(self, text):
        self.text = text
        self.words = len(text.split())


def test_merge_adds_sure_blocks_in_page_order_and_drops_sure_boilerplate():
    blocks = [_B("Menu"), _B("Para one."), _B("Left out."), _B("Para two."), _B("Share this")]
    kept = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    scores = np.array([0.1, 0.9, 0.95, 0.8, 0.05])
    paragraphs = ["Para one.", "Para two.", "Share this"]
    assert merge(paragraphs, blocks, scores, kept, 0.7, 0.2) == ["Para one.", "Left out.", "Para two."]
    # Thresholds nobody reaches leave the extractor's text as it is.
    assert merge(paragraphs, blocks, scores, kept, 1.1, -1) == paragraphs


def test_merge_never_drops_a_long_paragraph_the_extractor_chose():
    story = " ".join(["The clinic reported a break-in at its garage overnight."] * 4)
    blocks = [_B("Tags"), _B(story), _B("Share this")]
    kept = np.array([1.0, 1.0, 1.0])
    scores = np.array([0.05, 0.05, 0.05])
    assert merge(["Tags", story, "Share this"], blocks, scores, kept, 0.7, 0.3) == [story]
    assert merge(["Tags", story], blocks, scores, kept, 0.7, 0.3, keep_words=100) == []


@given(st.lists(st.sampled_from(["a b", "c d e", "f", "g h"]), min_size=1, max_size=8),
       st.lists(st.floats(0, 1), min_size=8, max_size=8))
def test_merge_never_invents_or_reorders_extracted_text(paragraphs, raw_scores):
    blocks = [_B(t) for t in ["a b", "c d e", "f", "g h"]]
    kept = np.array([1.0 if b.text in paragraphs else 0.0 for b in blocks])
    out = merge(paragraphs, blocks, np.array(raw_scores[:4]), kept, 0.6, 0.2)
    assert set(out) <= set(paragraphs) | {b.text for b in blocks}
    extracted_order = [p for p in out if p in paragraphs]
    it = iter(paragraphs)
    assert all(p in it for p in extracted_order)  # a subsequence of the extractor's order


def test_second_opinion_with_the_shipped_model_keeps_an_article():
    tree = lxml_html.fromstring(PAGE)
    out = second_opinion(tree, ["First post: the pump failed twice in May."], False)
    assert "First post: the pump failed twice in May." in out
    assert "Home" not in out and "Copyright 2026 About us" not in out


def _with_head(head: str) -> str:
    return PAGE.replace("<title>t</title>", "<title>t</title>" + head)


def test_extract_asks_the_block_model_with_the_kind_of_page(monkeypatch):
    import pipeline.blockmodel as bm
    from pipeline.document import HTML, Document
    from pipeline.extract import Extract, ExtractConfig

    asked = []
    monkeypatch.setattr(bm, "second_opinion", lambda tree, paragraphs, article, product:
                        asked.append(bm.kind_of_page(article, product)) or paragraphs)
    ld = '<script type="application/ld+json">{"@type": "Product", "name": "Pump"}</script>'
    heads = {"": "page", '<meta property="og:type" content="article">': "article",
             '<meta property="og:type" content="product">': "product", ld: "product",
             '<meta property="og:type" content="website">': "page"}
    # By default declared articles are left to the extractor.
    for head, kind in heads.items():
        asked.clear()
        Extract().process(Document(id="p", source="p.html", content=_with_head(head), kind=HTML))
        assert asked == ([] if kind == "article" else [kind]), head
    config = ExtractConfig(block_model_on_articles=True)
    for head, kind in heads.items():
        asked.clear()
        Extract(config).process(Document(id="p", source="p.html", content=_with_head(head), kind=HTML))
        assert asked == [kind], head
    config = ExtractConfig(block_model_on_products=False)
    for head, kind in heads.items():
        asked.clear()
        Extract(config).process(Document(id="p", source="p.html", content=_with_head(head), kind=HTML))
        assert asked == ([kind] if kind == "page" else []), head


def test_every_kind_of_page_has_shipped_thresholds():
    _, thresholds = shipped_model()
    assert set(thresholds) == set(KINDS_OF_PAGE)
    assert all(len(pair) == 2 for pair in thresholds.values())
