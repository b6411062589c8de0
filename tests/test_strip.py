"""Unit tests for the strip stage: one small fixture per rule, written for these tests."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings, strategies as st

from pipeline.document import EMPTY, HTML, Document
from pipeline.strip import Strip, StripConfig
from pipeline.strip.context import repeated_copies, repeated_fragments, spam_neighbours, truncated_teasers
from pipeline.strip.lines import blocks, split_lines
from pipeline.strip.rules import RULES, first_rule
from pipeline.strip.templates import TemplateIndex

BODY = (
    "The harbour council voted on Tuesday to rebuild the old ferry pier, ending a debate "
    "that had divided the town for almost a decade.\n\n"
    "Supporters said the pier would bring visitors back to the waterfront, while critics "
    "worried about the cost to local taxpayers and the noise of the construction work.\n\n"
    "Work is expected to begin in the spring and should last about eighteen months, "
    "according to the council's own planning documents."
)


def rule_of(line: str) -> str | None:
    from pipeline.strip.lines import WORD

    return first_rule(line, len(WORD.findall(line)))


@pytest.mark.parametrize(
    "line, rule",
    [
        ("1. Skip to content", "skip_link"),
        ("Skip to main navigation", "skip_link"),
        ("Zum Inhalt springen", "skip_link"),
        ("https://example.org/s/8Fk2q", "bare_url"),
        ("Short link: https://ex.am/p/1x2", "bare_url"),
        ("icon-facebook icon-twitter icon-mail", "share_widget"),
        ("Facebook Twitter WhatsApp Email", "share_widget"),
        ("Share this story", "share_widget"),
        ("Advertisement", "advertisement"),
        ("Anzeige", "advertisement"),
        ("Story continues below advertisement", "advertisement"),
        ("Fishermen unload the morning catch at the quay Image: Jane Doe/REUTERS", "photo_credit"),
        ("A crowd waits outside the station (Photo by John Roe / AFP", "photo_credit"),
        ("Two ministers shake hands in the hall [Ann Lee/Pool via AFP]", "photo_credit"),
        ("Volunteers plant trees along the river bank, March 3, 2024.", "photo_caption"),
        ("By Maria Keller", "byline"),
        ("By Samuel Okonkwo-Reid | Monday 9 March 2026", "byline"),
        ("Harbour Times | Published March 3, 2024", "byline"),
        ("March 3, 2024", "date_line"),
        ("Tue Mar 5 2024", "date_line"),
        ("Read more: Council approves new budget", "related_links"),
        ("RELATED: Town hall reopens after repairs", "related_links"),
        ("Lesen Sie auch: Neue Brücke eröffnet", "related_links"),
        ("READ FULL ARTICLE", "aggregator"),
        ("SOURCE: www.example.com", "aggregator"),
        ("Sign up for our weekly newsletter", "newsletter"),
        ("Stay informed with the latest headlines from our newsroom.", "newsletter"),
        ("We use cookies to improve your experience on our site.", "cookie_notice"),
        ("Leave a Reply", "comment_form"),
        ("Your email address will not be published. Required fields are marked *", "comment_form"),
        ("Be the first to comment", "comment_form"),
        ("7 + three =", "captcha"),
        ("12 − 5 =", "captcha"),
        ("SLOT GACOR", "spam_footer"),
        ("BRAND88 DAFTAR", "spam_footer"),
        ("© 2024 Harbour Times. All rights reserved.", "copyright"),
        ("News › Local › Harbour", "breadcrumb"),
        ("Home / Guides / Install", "breadcrumb"),
        ("Related Threads", "related_links"),
        ("Trending Brands", "related_links"),
        ("Last updated: January 12, 2026.", "byline"),
        ("By Ann Lee Jr.", "byline"),
        ("SportsFootball", "breadcrumb"),
        ("ab/cd (dpa, AP)", "signoff"),
    ],
)
def test_rule_recognises(line, rule):
    assert rule_of(line) == rule


@pytest.mark.parametrize(
    "line",
    [
        "The council said the photo of the pier had been taken in 1952, long before the storm.",
        "Critics told Reuters the plan was rushed.",
        "She shared the news on Facebook with her friends and family before the vote.",
        "Advertising revenue at the paper fell by a third last year, its owners said.",
        "Nobody expected the result.",
        "By the end of the week, the mayor had changed her mind about the pier.",
        "By contrast, the figures for 2019 rose.",
        "By noon | the queue had reached the bridge and the council had opened a second gate at the end of the road.",
        "Source code for the tool was published by the city last month.",
        # The notices of a wire service: figures, tables and sentences.
        "By comparison the staff and building costs went up.",
        "Published loan provisions 412.5 mln crowns vs 198.0 mln.",
        "Related companies earned 2.7 mln dlrs vs 1.9 mln.",
        "Recommended retail prices went up in March, the ministry said.",
        "Jan/Mar 170 down one     Apr/Jun 182 unch",
        "The Greek tanker/bulk/ore carrier Aegis",
    ],
)
def test_rules_leave_prose_alone(line):
    assert rule_of(line) is None


def _first_rule_reference(text: str, words: int, rules=RULES) -> str | None:
    """first_rule as plainly as it can be said: each rule's own test, in order."""
    from pipeline.strip.rules import _BULLET

    text = _BULLET.sub("", text, count=1)
    return next((r.name for r in rules if words <= r.max_words and r.matches(text, words, text.lower())), None)


_RULE_WORDS = st.sampled_from(
    "By Read more Share Facebook photo Image: REUTERS AFP © 2024 cookies accept Sign up newsletter "
    "Skip to content Advertisement March 3, | › / - 1. * Published Leave a Reply 7 + = slot gacor "
    "the council said on Tuesday . ] [ ( ) www.example.com https://ex.am/x Tags: Menu icon-twitter".split(" ")
    + ["Times | Published", "Photo by"])


@settings(max_examples=400, deadline=None)
@example("Harbour Times | Published March 3, 2024")
@example("icon-facebook icon-twitter icon-mail")
@example("Fishermen unload the morning catch at the quay Image: Jane Doe/REUTERS")
@given(st.lists(_RULE_WORDS, min_size=1, max_size=40).map(" ".join))
def test_first_rule_is_the_rules_in_order(line):
    from pipeline.strip.lines import WORD

    words = len(WORD.findall(line))
    assert first_rule(line, words) == _first_rule_reference(line, words)
    fewer = tuple(r for r in RULES if r.name != "photo_credit")
    assert first_rule(line, words, fewer) == _first_rule_reference(line, words, fewer)


def test_spam_neighbours_take_the_brand_lines():
    texts = ["Body text ends here.", "BRAND88", "BRAND88 DAFTAR", "BRAND88 LOGIN"]
    reasons = [None, None, "spam_footer", None]
    spam_neighbours(texts, reasons)
    assert reasons == [None, "spam_footer", "spam_footer", "spam_footer"]


def test_truncated_teaser_keeps_the_full_paragraph():
    full = "HARBOURTON: The council voted on Tuesday to rebuild the old pier after years of debate."
    texts = ["HARBOURTON: The council voted on Tuesday to rebuild the old", full]
    reasons = [None, None]
    truncated_teasers(texts, reasons)
    assert reasons == ["truncated_teaser", None]


def test_a_text_printed_twice_keeps_its_first_copy():
    paragraphs = BODY.split("\n\n")
    texts = paragraphs + ["Share this story"] + paragraphs
    reasons = [None] * len(texts)
    reasons[3] = "share_widget"
    repeated_copies(texts, reasons)
    assert reasons == [None, None, None, "share_widget"] + ["repeated_copy"] * 3


def test_a_refrain_repeated_once_stays():
    refrain = "Stir the sauce every few minutes so that it does not catch on the bottom of the pan."
    paragraphs = BODY.split("\n\n")
    texts = [refrain] + paragraphs + [refrain]
    reasons = [None] * len(texts)
    repeated_copies(texts, reasons)  # the repeat is under a third of the words
    assert reasons == [None] * len(texts)


def test_strip_records_a_repeated_copy():
    text = BODY + "\n\nThe ferry company said it would keep its timetable unchanged while the work goes on."
    doc = Strip().process(Document(id="twice", source="twice.txt", content=text + "\n\n" + text))
    assert doc.text.strip() == text.strip()
    assert {r.rule for r in doc.removed} == {"repeated_copy"}


def test_alt_text_next_to_its_credited_caption():
    from pipeline.strip.context import caption_neighbours

    texts = [
        "Fishing boats return to the harbour at dawn",
        "Fishing boats returned to the harbour at dawn on Monday Image: Jane Doe/REUTERS",
        "The council met later that day.",
    ]
    reasons = [None, "photo_credit", None]
    caption_neighbours(texts, reasons)
    assert reasons == ["photo_caption", "photo_credit", None]


def test_repeated_fragment():
    texts = ["The pier will reopen next year after a long renovation.", "renovation."]
    reasons = [None, None]
    repeated_fragments(texts, reasons)
    assert reasons == [None, "repeated_fragment"]


def test_blocks_join_hard_wrapped_lines():
    lines = split_lines("The mayor said the new pier would give the town a\nreason to look at the sea again.\n\nNext")
    assert [len(g) for g in blocks(lines)] == [2, 1]


def test_wrapped_line_ending_in_an_abbreviation_goes_on_in_small_letters():
    text = ("OSLO - The ferry line said it would buy two hybrid vessels from a yard\n"
            "owned jointly by Nordic Marine Holdings and Harbour Engineering Co.\n"
            "and Baltic Steel of Finland. The order is the largest the yard has\n"
            "taken this decade, and the first ships are due to sail next summer.\n"
            "The line has not said what the vessels will cost.")
    assert [len(g) for g in blocks(split_lines(text))] == [4, 1]
    # Not where a line short of the width ends a sentence.
    lines = split_lines("The line said the order was the largest in years.\nit said so.\n" + text)
    assert len(blocks(lines)[0]) == 1


def test_dateline_joins_its_paragraph():
    lines = split_lines("HARBOURTON —\nThe council voted on Tuesday.")
    assert [len(g) for g in blocks(lines)] == [2]


def _doc(text: str) -> Document:
    return Document(id="t", source="t.txt", content=text)


def test_process_records_every_removed_line_with_its_rule():
    text = "Skip to content\n\n" + BODY + "\n\nAdvertisement\n\nLeave a Reply\n\n4 + two ="
    out = Strip().process(_doc(text))
    assert out.pending
    assert "ferry pier" in out.content and "eighteen months" in out.content
    rules = {r.line: r.rule for r in out.removed}
    assert rules == {
        "Skip to content": "skip_link",
        "Advertisement": "advertisement",
        "Leave a Reply": "comment_form",
        "4 + two =": "captcha",
    }


def test_rules_alone_without_model():
    out = Strip(StripConfig(use_model=False)).process(_doc("Advertisement\n" + BODY))
    assert out.content == BODY
    assert [r.rule for r in out.removed] == ["advertisement"]


def test_single_newline_paragraphs_are_kept():
    body = BODY.replace("\n\n", "\n")
    out = Strip().process(_doc("Share this story\n" + body + "\nSLOT ONLINE"))
    assert out.content == body


def test_everything_boilerplate_marks_empty():
    out = Strip().process(_doc("Skip to content\nAdvertisement\nLeave a Reply\n© 2024 Example"))
    assert out.status == EMPTY
    assert out.reason == "no main text left after boilerplate removal"
    assert len(out.removed) == 4


def test_empty_text_marks_empty():
    assert Strip().process(_doc("   \n")).status == EMPTY


def test_html_documents_pass_through():
    doc = Document(id="h", source="h.html", kind=HTML, content="<p>hi</p>")
    assert Strip().process(doc) is doc


def test_previous_removals_are_kept():
    from pipeline.document import Removal

    doc = _doc("Advertisement\n" + BODY).evolve(removed=(Removal("x", "earlier"),))
    out = Strip().process(doc)
    assert out.removed[0] == Removal("x", "earlier")


def test_unknown_language_is_never_dropped_whole():
    # Made-up language: no stop words match, but it reads like paragraphs.
    text = "\n\n".join(
        "Kalo venu tarami pelosi ankeru, moti vessa lorun kaman delti, ovu sarela pinto morasi."
        for _ in range(4)
    )
    out = Strip().process(_doc(text))
    assert out.pending and "Kalo venu" in out.content


@pytest.mark.parametrize(
    "text",
    [
        "Die Stadt hat am Dienstag beschlossen, den alten Anleger neu zu bauen, nachdem jahrelang darüber gestritten worden war.",
        "La ville a décidé mardi de reconstruire le vieux ponton, après des années de débats entre les habitants.",
        "El ayuntamiento decidió el martes reconstruir el viejo muelle, después de años de debate entre los vecinos.",
        "Городской совет во вторник решил восстановить старый причал, после многих лет споров между жителями.",
        "市议会周二决定重建旧码头，这是居民们争论了近十年的问题，也是本地最受关注的工程之一。",
    ],
)
def test_prose_in_other_languages_survives(text):
    out = Strip().process(_doc("Advertisement\n\n" + text + "\n\n" + text.replace("。", "！")))
    assert out.pending and text in out.content


def test_site_templates_remove_lines_shared_by_a_site():
    footer = "Harbour Times is published by the Harbour Trust"
    docs = [
        Document(id=str(i), source=f"harbour/{i}.txt", content=f"{BODY}\n\nStory number {i} ends.\n\n{footer}")
        for i in range(4)
    ]
    out = list(Strip(StripConfig(template_batch=10))(docs))
    assert all(footer not in d.content for d in out)
    assert all(any(r.rule == "site_template" for r in d.removed) for d in out)
    index = TemplateIndex.learn(docs)
    assert index.is_template("harbour", footer)
    assert not index.is_template("elsewhere", footer)


def test_per_document_process_does_not_need_a_batch():
    footer = "Harbour Times is published by the Harbour Trust"
    out = Strip().process(_doc(f"{BODY}\n\n{footer}"))
    assert "ferry pier" in out.content


# A text-browser dump: links print as "[n]link text", the list of targets at the end.
BROWSER_DUMP = (
    "[1]Skip to content\n\n[2]The Harbour Post\n\n   * [3]News\n   * [4]Sport\n   * [5]Weather\n\n"
    "[6]Home > [7]News > [8]Harbour\n\n"
    + BODY.replace("ferry pier", "[9]ferry pier", 1)
    + "\n\n[10]Share on Facebook [11]Email this article\n\n"
    "   * [12]Harbour parking charges to rise\n   * [13]Lifeboat crew honoured\n\n"
    "[14]About us | [15]Privacy policy | [16]Terms\n\nReferences\n\n"
    + "\n".join(f"  {i}. https://harbourpost.example/p/{i}" for i in range(1, 17))
)


def test_link_markers_do_not_hide_navigation():
    kept, removed = Strip(StripConfig(use_model=False)).clean(BROWSER_DUMP)
    for junk in ("Skip to", "[3]News", "Home >", "Share on", "parking charges", "Privacy policy",
                 "References", "https://"):
        assert junk not in kept, junk
    # The article keeps its inline link text as printed.
    assert "rebuild the old [9]ferry pier" in kept
    assert "according to the council's own planning documents." in kept
    assert {r.rule for r in removed} >= {"link_line", "skip_link", "breadcrumb", "share_widget"}


def test_footnote_marks_are_not_link_markers():
    from pipeline.strip.lines import unmark

    assert unmark("[1] Alarm fatigue: impacts on patient safety") == "[1] Alarm fatigue: impacts on patient safety"
    assert unmark("as shown before.[2] The next") == "as shown before.[2] The next"
    assert unmark("* [3]News") == "* News"


def test_a_stray_marker_alone_does_not_make_a_link_line():
    text = "[1]Harbour news in brief\n\n" + BODY
    kept, _ = Strip(StripConfig(use_model=False)).clean(text)
    assert "[1]Harbour news in brief" in kept
