"""Layout hints: extract records each paragraph's element and link share;
strip uses them for headlines, runs of headings and link lists at the end."""
from __future__ import annotations

from pipeline.document import HTML, Document, Hint
from pipeline.extract import Extract, ExtractConfig
from pipeline.hints import block_index, paragraph_hints
from pipeline.strip import Strip

BODY = [
    "The harbour board met on Tuesday evening and agreed to extend the ferry timetable into the winter months.",
    "Councillors said the late crossings had carried more passengers than expected during the summer trial.",
    "A final decision on the fares will be taken at the next meeting of the board in the new year.",
]


def _page(extra_after: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in BODY)
    return (
        "<html><head><title>Ferry timetable extended</title></head><body><article>"
        "<h1>Ferry timetable extended into winter</h1>" + body + extra_after +
        "</article></body></html>"
    )


def test_hints_name_the_element_and_its_link_share():
    from lxml import html

    tree = html.fromstring("<div><p>Plain words here</p><li><a href='/x'>All a link</a></li>"
                           "<h2>A heading</h2><p>Half <a href='/y'>linked</a></p></div>")
    index = block_index(tree)
    hints = paragraph_hints(["Plain words here", "- All a link", "A heading", "Half linked", "unknown"], index)
    assert [h.tag for h in hints] == ["p", "li", "h2", "p", ""]
    assert hints[0].links == 0.0 and hints[1].links == 1.0 and 0.4 < hints[3].links < 0.7


def test_extract_records_one_hint_per_paragraph():
    doc = Extract()(
        [Document(id="p", source="p.html", kind=HTML, content=_page())]
    ).__next__()
    assert doc.pending
    assert len(doc.hints) == len(doc.text.split("\n\n"))
    assert Extract(ExtractConfig(hints=False)).process(
        Document(id="p", source="p.html", kind=HTML, content=_page())).hints == ()


def test_hints_survive_a_json_round_trip():
    doc = Document(id="a", source="a", content="x\n\ny", hints=(Hint("h1", 0.0), Hint("li", 0.5)))
    assert Document.from_dict(doc.to_dict()) == doc


def _strip(paragraphs, hints, title=None):
    # Hints come from extract, so the text was extracted from HTML.
    doc = Document(id="d", source="d", content="\n\n".join(paragraphs), hints=tuple(hints),
                   meta={"title": title, "extracted_from": HTML} if title else {"extracted_from": HTML})
    out = Strip().process(doc)
    assert out.hints == ()
    return out


def test_headline_and_title_go_body_stays():
    out = _strip(["Ferry timetable extended", *BODY], [Hint("h1"), *[Hint("p")] * 3])
    assert out.content == "\n\n".join(BODY)
    assert [r.rule for r in out.removed] == ["headline"]
    # Without hints, the page title still marks the headline.
    out = Strip().process(Document(id="d", source="d", content="\n\n".join(["Ferry timetable extended", *BODY]),
                                   meta={"title": "Ferry timetable extended | Harbour Gazette"}))
    assert out.content == "\n\n".join(BODY)


def test_related_headlines_and_link_lists_after_the_article_go():
    related = ["Bridge repairs to start in March", "New bus route for the harbour", "Lifeboat crew honoured"]
    links = ["- Council budget approved", "- Storm closes the coast road"]
    paras = [*BODY, *related, *links]
    hints = [*[Hint("p")] * 3, *[Hint("h3")] * 3, *[Hint("li", 1.0)] * 2]
    out = _strip(paras, hints)
    assert out.content == "\n\n".join(BODY)
    assert {r.rule for r in out.removed} == {"heading_run", "related_links"}


def test_subheadings_and_linked_list_items_inside_the_article_stay():
    paras = [BODY[0], "What the board decided", BODY[1], "- See the full timetable online", BODY[2]]
    hints = [Hint("p"), Hint("h2"), Hint("p"), Hint("li", 1.0), Hint("p")]
    assert _strip(paras, hints).content == "\n\n".join(paras)


def test_hints_that_do_not_fit_the_text_are_ignored():
    paras = [*BODY, "Bridge repairs", "New bus route"]
    out = _strip(paras, [Hint("h3")] * 3)  # three hints for five paragraphs
    assert out.content == "\n\n".join(paras)


def test_named_column_link_between_paragraphs_goes():
    paras = [BODY[0], "Mara Quill: Why small harbours matter more than ever", BODY[1],
             "Ferry Times: Winter And Summer", BODY[2]]
    out = Strip().process(Document(id="d", source="d", content="\n\n".join(paras)))
    assert out.content == "\n\n".join([BODY[0], BODY[1], "Ferry Times: Winter And Summer", BODY[2]])
    assert [r.rule for r in out.removed] == ["related_links"]


def test_label_lines_in_a_list_stay():
    paras = [BODY[0], "Opening Hours: Monday to Friday from nine", "Ticket Office: Closed on public holidays", BODY[1]]
    assert Strip().process(Document(id="d", source="d", content="\n\n".join(paras))).content == "\n\n".join(paras)


def test_lead_photo_caption_above_the_byline_goes_headline_stays():
    caption = "The new electric ferry leaves the harbour at dawn on its first crossing with passengers on board"
    text = "\n\n".join([caption, "By Morag Linton", *BODY])
    assert Strip().process(Document(id="d", source="d", content=text)).content == "\n\n".join(BODY)
    headline = "Kelmouth Ferry Crossing To Run On Battery Power From Spring As The Board Approves The Plan"
    text = "\n\n".join([headline, "By Morag Linton", *BODY])
    out = Strip().process(Document(id="d", source="d", content=text))
    # The headline is kept: as the title when the headline ranker is sure of
    # it (then it leaves the text), else in the text.
    assert out.meta["author"] == "Morag Linton"
    if out.meta.get("title") == headline:
        assert out.content == "\n\n".join(BODY)
    else:
        assert out.content == "\n\n".join([headline, *BODY])
