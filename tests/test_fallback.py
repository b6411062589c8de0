"""Reading a page whole when the extractor missed its content."""
from __future__ import annotations

from hypothesis import given, strategies as st
from lxml import html as lxml_html

from pipeline.document import HTML, Document
from pipeline.extract import Extract
from pipeline.fallback import embedded_posts, page_paragraphs, quality, rescue
from pipeline.manifest import record_of
from pipeline.pagemeta import declares_article, declares_product


def tree(body: str, head: str = ""):
    return lxml_html.fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


def test_page_paragraphs_one_per_block_without_chrome():
    t = tree("<nav><a>Home</a> <a>News</a></nav><header>Site</header>"
             "<div class='post'><p>First <b>post</b> text.</p><div>Second post</div></div>"
             "<div class='sidebar-widget'>Popular</div><script>var x;</script>"
             "<footer>© Site</footer>")
    assert page_paragraphs(t) == ["First post text.", "Second post"]


def test_page_paragraphs_keeps_forum_comments():
    t = tree("<div class='comments'><div class='comment'>A reply with words</div></div>")
    assert page_paragraphs(t) == ["A reply with words"]


def test_rescue_only_when_the_extraction_is_a_small_share():
    page = [f"card {i} with a few more words" for i in range(20)]  # 140 words
    assert rescue(["card 1 with a few more words"], page) == (page, True)
    kept = page[:10]
    assert rescue(kept, page) == (kept, False)  # half the page: it stands
    assert rescue([], page) == ([], False)  # nothing found stays empty
    long = ["word " * 400]
    assert rescue(long, long * 10) == (long, False)  # long enough to stand


@given(st.lists(st.text(max_size=40), max_size=8), st.lists(st.text(max_size=40), max_size=8), st.booleans())
def test_quality_is_between_zero_and_one(paragraphs, page, rescued):
    q = quality(paragraphs, page, rescued)
    assert 0.0 <= q <= 1.0
    assert not rescued or q <= 0.5


def test_declares_article():
    assert declares_article(tree("", '<meta property="og:type" content="article">'))
    assert not declares_article(tree("", '<meta property="og:type" content="website">'))
    assert not declares_article(tree(""))


def test_declares_product():
    ld = '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [%s]}</script>'
    assert declares_product(tree("", '<meta property="og:type" content="product">'))
    assert declares_product(tree("", ld % '{"@type": ["Product", "Thing"], "name": "Kettle"}'))
    assert declares_product(tree("", ld % '{"@type": "WebPage", "mainEntity": {"@type": "ProductGroup"}}'))
    assert not declares_product(tree("", ld % '{"@type": "NewsArticle", "headline": "Kettles"}'))
    assert not declares_product(tree("", '<meta property="og:type" content="article">'))
    assert not declares_product(tree("", '<script type="application/ld+json">{"@type": "Product"</script>'))


def _listing(og_type: str = "website") -> str:
    cards = "".join(f"<div class='card'><h2><a href='/g/{i}'>Guide number {i}</a></h2>"
                    f"<span>Plot holders explain step {i} of a growing year, one bed at a time, "
                    f"with the tools and seeds it takes.</span></div>" for i in range(12))
    return (f"<html><head><meta property='og:type' content='{og_type}'></head><body>"
            f"<main><article><p>Guides for the allotment.</p></article>{cards}</main></body></html>")


class _Short:
    """What an extractor that found only the intro returns."""
    text = "Guides for the allotment."
    comments = None
    title = author = date = url = sitename = language = None


def _extract_short(monkeypatch, html: str) -> Document:
    monkeypatch.setattr(Extract, "_bare_extraction", lambda self, *a, **k: _Short())
    (doc,) = Extract()([Document(id="l", source="l.html", kind=HTML, content=html)])
    return doc


def test_extract_reads_a_page_whole_when_the_extractor_keeps_little(monkeypatch):
    doc = _extract_short(monkeypatch, _listing())
    assert "Guide number 7" in doc.text and "Plot holders explain step 11" in doc.text
    assert doc.meta["quality"] == 0.5
    assert record_of(doc.evolve(status="kept"))["quality"] == 0.5


def test_an_article_page_is_not_read_whole(monkeypatch):
    doc = _extract_short(monkeypatch, _listing("article"))
    assert doc.text == "Guides for the allotment."
    assert doc.meta["quality"] < 0.05


def test_without_rescue_the_extraction_stands(monkeypatch):
    monkeypatch.setattr(Extract, "_bare_extraction", lambda self, *a, **k: _Short())
    from pipeline.extract import ExtractConfig

    (doc,) = Extract(ExtractConfig(rescue_words=0, block_model=False))(
        [Document(id="l", source="l.html", kind=HTML, content=_listing())])
    assert doc.text == "Guides for the allotment."


def test_embedded_posts_put_back_after_the_paragraph_they_follow():
    t = tree("<article><p>Before the tweet.</p><div class='social-embed'>"
             "<blockquote class='twitter-tweet'><p>What a day it was.</p>"
             "— Someone (@someone) <a href='#'>November 18, 2019</a></blockquote></div>"
             "<p>After the tweet.</p></article>")
    assert embedded_posts(t, ["Before the tweet.", "After the tweet."]) == [
        "Before the tweet.", "What a day it was.", "— Someone (@someone) November 18, 2019", "After the tweet."]
    assert embedded_posts(t, ["Before the tweet.", "What a day it was.", "After the tweet."]) == [
        "Before the tweet.", "What a day it was.", "After the tweet."]


def _story_with_a_tweet() -> str:
    prose = ("The council met on Tuesday evening to vote on the new budget for the town's libraries, "
             "and the debate ran well past midnight as residents queued to speak. ")
    paragraphs = "".join(f"<p>{prose}Point number {i} was raised by a speaker.</p>" for i in range(6))
    tweet = ("<div class='embed-widget social-embed'><blockquote class='twitter-tweet'>"
             "<p>Proud of every resident who stayed until the vote tonight.</p>"
             "— Mayor Jane Doe (@mayordoe) <a href='https://x.example/1'>March 3, 2024</a></blockquote></div>")
    return (f"<html><head><title>Budget vote</title></head><body><article><h1>Budget vote</h1>"
            f"{paragraphs[: len(paragraphs) // 2]}{tweet}{paragraphs[len(paragraphs) // 2 :]}</article></body></html>")


def test_a_tweet_the_story_quotes_stays_in_its_text():
    from pipeline.extract import ExtractConfig

    doc = Document(id="t", source="t.html", kind=HTML, content=_story_with_a_tweet())
    (without,) = Extract(ExtractConfig(embedded_posts=False))([doc])
    (with_posts,) = Extract(ExtractConfig())([doc])
    assert "Proud of every resident" not in without.text  # the extractor drops the embed
    paragraphs = with_posts.text.split("\n\n")
    at = next(i for i, p in enumerate(paragraphs) if p.startswith("Proud of every resident"))
    assert "Point number 2" in paragraphs[at - 1] and "Point number 3" in paragraphs[at + 2]
