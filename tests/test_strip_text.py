"""Strip on text input: plain newswire and short texts survive whole,
text dumps keep their article, and bylines are recognised."""
from __future__ import annotations

import re

import numpy as np
import pytest

from pipeline.document import EMPTY, PENDING, Document
from pipeline.normalize import normalize_text
from pipeline.strip import Strip
from pipeline.strip.rules import first_rule
from pipeline.strip.metarank import FEATURES, Ranker, author_value, candidates, default_rankers, save
from pipeline.strip.model import Logistic
from pipeline.strip.trees import fit_trees
from pipeline.strip.textmeta import byline_author, parse_date

WORDS = re.compile(r"\w+")

DIVIDEND = """HALVERSTON MILLS INC <HVM> SETS QUARTERLY

Qtly div 22 cts vs 22 cts prior
    Payable June 14
    Record May 30
 Reuter
"""

# Wrapped at a fixed column, paragraphs indented, as 1980s wire copy is.
WIRE_STORY = """ORCHARD FREIGHT <ORF> TO BUY TWO DEPOTS

Orchard Freight Corp said it agreed to buy two trucking depots
in Ohio from Pellham Transport Inc for about 12 mln dlrs in
cash.
    The company said the depots would add about 80 trucks to its
fleet and that the purchase was expected to close in June,
subject to the usual approvals.
    Orchard said it would pay for the depots from its own funds
and did not expect to take on new debt.
 Reuter
"""

BRIEF_IN_NAV = """Home
News
Sport
Weather
Contact us
Ferry timetable changes this weekend
The Saturday crossings to Inchmore will leave half an hour later than usual while the slipway is resurfaced, the harbour office said. Sunday sailings are not affected.
About us
Privacy policy
Terms of use
"""


def strip(text: str) -> Document:
    return Strip().process(Document(id="t", source="t.txt", content=text))


def words(text: str) -> list[str]:
    return WORDS.findall(text.lower())


def test_dividend_notice_brief_kept_whole():
    doc = strip(DIVIDEND)
    assert doc.status == PENDING
    kept = set(words(doc.text)) | set(words(doc.meta.get("title", "")))
    for w in words("Qtly div 22 cts vs 22 cts prior Payable June 14 Record May 30"):
        assert w in kept


def test_plain_newswire_story_keeps_every_word():
    doc = strip(WIRE_STORY)
    head, body = WIRE_STORY.split("\n\n", 1)
    assert words(doc.text) == words(body)
    # The headline is metadata, as extract makes it for HTML.
    assert doc.meta["title"] == head
    assert normalize_text(doc.text).startswith("Orchard Freight Corp said it agreed to buy two trucking depots in Ohio")


def test_headline_alone_is_the_text():
    doc = Strip().process(Document(id="t", source="t.jsonl", content="GRAIN SHIPMENTS TO RESUME NEXT WEEK",
                                   meta={"title": "GRAIN SHIPMENTS TO RESUME NEXT WEEK"}))
    assert doc.status != EMPTY
    assert doc.text == "GRAIN SHIPMENTS TO RESUME NEXT WEEK"


def test_brief_between_navigation_lines_survives():
    doc = strip(BRIEF_IN_NAV)
    assert doc.status != EMPTY
    assert "resurfaced, the harbour office said" in doc.text
    assert "Privacy policy" not in doc.text


def test_byline_with_dash_and_date():
    assert first_rule("by Ingrid Solheim-Baird – 19 October 2025", 6) == "byline"
    assert first_rule("By Tomas Reyes - March 3, 2026", 6) == "byline"
    assert first_rule("by the way - it was 5 pm", 7) is None


def test_figures_are_not_breadcrumbs_or_dates():
    assert first_rule("367161  WHARF RES        5 5/8   UP      3/8", 9) is None
    assert first_rule("154.25/35", 2) is None
    assert first_rule("Par Pharmaceutical Inc said", 4) is None
    assert first_rule("Home / News / World", 3) == "breadcrumb"
    assert first_rule("12.03.2026", 3) == "date_line"


KREMLIN_DUMP = """Menu
Search
Kremlin rejects talks offer
By Olga Petrenko | 3 March 2026
Share on Facebook
MOSCOW —
The Kremlin on Tuesday rejected an offer of talks made by the opposition, saying the proposal was not serious and came too late to matter.
Officials said the decision was final and that no further statement would follow this week from the presidential office.
Copyright 2026 Example News
"""


def test_dump_headline_byline_and_date_into_metadata():
    doc = strip(KREMLIN_DUMP)
    assert doc.meta == {"title": "Kremlin rejects talks offer", "author": "Olga Petrenko", "date": "2026-03-03"}
    text = normalize_text(doc.text)
    assert "Kremlin rejects talks offer" not in text and "Petrenko" not in text
    assert {r.rule for r in doc.removed if "Kremlin rejects" in r.line} == {"headline"}


def test_dateline_opens_its_paragraph():
    text = normalize_text(strip(KREMLIN_DUMP).text)
    assert text.startswith("MOSCOW — The Kremlin on Tuesday rejected")


def test_metadata_given_by_the_input_wins():
    doc = Strip().process(Document(id="t", source="t.txt", content=KREMLIN_DUMP,
                                   meta={"author": "Desk", "date": "2026-03-04"}))
    assert doc.meta["author"] == "Desk" and doc.meta["date"] == "2026-03-04"
    assert doc.meta["title"] == "Kremlin rejects talks offer"


def test_json_lines_keep_their_own_metadata():
    # A JSONL record's fields are its metadata: its text is not mined for more.
    doc = Strip().process(Document(id="t", source="feed.jsonl", offset=3, content=KREMLIN_DUMP))
    assert "title" not in doc.meta and "author" not in doc.meta


@pytest.mark.parametrize("line, author", [
    ("By Jane Doe", "Jane Doe"),
    ("by Ingrid Solheim-Baird – 19 October 2025", "Ingrid Solheim-Baird"),
    ("By Jane Doe and Raj Patel | 9 March 2026", "Jane Doe and Raj Patel"),
    ("Von Anna Weber", "Anna Weber"),
    ("by the harbour", None),
    ("By clicking accept you agree", None),
])
def test_byline_author(line, author):
    assert byline_author(line) == author


@pytest.mark.parametrize("text, iso", [
    ("Monday 9 March 2026", "2026-03-09"),
    ("Published March 9, 2026 at 10:00", "2026-03-09"),
    ("Oct. 19th, 2025", "2025-10-19"),
    ("2026-03-09T10:00:00Z", "2026-03-09"),
    ("09.03.2026", "2026-03-09"),
    ("03/25/2026", "2026-03-25"),
    ("31 February 2026", None),
    # Dumps glue a date to the words around it.
    ("ByKathryn GiuffridaMar 5, 2025 | 6 comments", "2025-03-05"),
    ("Posted on June 29, 2020November 12, 2021", "2020-06-29"),
    ("Hammarch 3, 2020", None),
    ("Payable June 14", None),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("line, author", [
    ("By Korin MillerPublished: Jan 29, 2025", "Korin Miller"),
    ("Written by Danielle DeSiato, Donna Enzmann, and Natalie Nguyen", "Danielle DeSiato, Donna Enzmann, and Natalie Nguyen"),
    ("ByKathryn GiuffridaMar 5, 2025 | 6 comments", "Kathryn Giuffrida"),
    ("Posted by IndustrySelect on Tuesday, August 29, 2023", "IndustrySelect"),
    ("October 11, 2023 by Autumn Huerter", "Autumn Huerter"),
    ("Tom Talbot October 14, 2025", "Tom Talbot"),
    ("* LEONARDO GARCIA", "LEONARDO GARCIA"),
    ("By Jan Novak", "Jan Novak"),
    ("par Jean Dupont", "Jean Dupont"),
    # A headline in capitals naming who acted holds no byline.
    ("USX <X> DEBT DOWNGRADED BY MOODY'S", None),
    # A headline's first capitalised words are no name without a byline's rest.
    ("AGENCY REPORTS 39 SHIPS WAITING AT PANAMA CANAL", None),
    ("Tom Talbot | March 3, 2026", "Tom Talbot"),
    ("3. Make A Budget", None),
    ("Share this article", None),
    ("We met 3 times", None),
    # A forum's user names, a signature, a name and its role, a name between separators.
    ("piizog", "piizog"),
    ("hayley.p 6 May 2025 17:41 8", "hayley.p"),
    ("Posted by johnanddoc on 07/03/24 02:57 PM", "johnanddoc"),
    ("home", None),
    ("—Matthew Richardson", "Matthew Richardson"),
    ("Audrey Huang, Print Managing Editor and Publisher of the paper", "Audrey Huang"),
    ("Dec 26, 2025 • Mahua Das", "Mahua Das"),
    ("GM CANADA, WORKERS FAR APART IN TALKS - UNION", None),
])
def test_author_candidates(line, author):
    found = author_value(line)
    assert (found[0] if found else None) == author


def test_a_lead_in_glued_to_a_name_is_a_capitalised_by():
    assert author_value("ByKathryn Giuffrida") == ("Kathryn Giuffrida", 1)
    # "PARLUX" and "BYRNE" open with "par" and "by": no lead-in there.
    assert author_value("PARLUX FRAGRANCES COMPLETES OFFERING") in (None, ("PARLUX FRAGRANCES COMPLETES OFFERING", 0))
    assert author_value("BYRNE ELECTRIC NAMES CHIEF") in (None, ("BYRNE ELECTRIC NAMES CHIEF", 0))


def test_ranker_picks_the_best_candidate_above_its_threshold():
    r = Ranker(Logistic(np.zeros(2), np.ones(2), np.array([2.0, -1.0]), 0.0), threshold=0.6)
    cands = [(3, "a", [0.0, 1.0]), (5, "b", [1.0, 0.0]), (7, "c", [0.5, 0.0])]
    assert r.pick(cands)[:2] == (5, "b")
    assert r.pick([(3, "a", [0.0, 1.0])]) is None
    assert r.pick([]) is None


def test_rankers_are_saved_and_read_back(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] * x[:, 1] > 0).astype(float)  # an interaction no single weight expresses
    trees = Ranker(fit_trees(x, y, n_trees=30, depth=3), threshold=0.4)
    path = tmp_path / "meta.json"
    save({"title": trees}, path, {"trained_on": "noise"})
    import json
    back = Ranker.from_dict(json.loads(path.read_text())["title"])
    assert np.allclose(back.scores(x), trees.scores(x)) and back.threshold == 0.4
    assert ((trees.scores(x) > 0.5) == (y > 0)).mean() > 0.8
    # Rankers saved as a logistic model's fields still load.
    old = Ranker.from_dict({"mean": [0, 0], "scale": [1, 1], "coef": [2.0, -1.0], "bias": 0.0, "threshold": 0.6})
    assert old.pick([(3, "a", [0.0, 1.0]), (5, "b", [1.0, 0.0])])[:2] == (5, "b")
    assert set(default_rankers()) == {"title", "author", "date"}


def named(field: str, row: list[float]) -> dict[str, float]:
    return dict(zip(FEATURES[field], row, strict=True))


def test_candidates_lie_near_the_article():
    texts = ["Home", "News", "Kremlin rejects talks offer", "By Olga Petrenko | 3 March 2026",
             "The Kremlin on Tuesday rejected an offer of talks made by the opposition, saying it was late."]
    counts = [len(WORDS.findall(t)) for t in texts]
    cands = candidates(texts, counts, [None] * 5, body=4)
    assert "Kremlin rejects talks offer" in [c[1] for c in cands["title"]]
    assert [c[1] for c in cands["author"] if c[0] == 3] == ["Olga Petrenko"]
    assert [c[1] for c in cands["date"]] == ["2026-03-03"]
    for field, found in cands.items():
        assert {len(c[2]) for c in found} == {len(FEATURES[field])}, field


def test_the_last_step_of_a_breadcrumb_is_a_title_candidate():
    texts = ["Home » Recipes » Sourdough Bread Recipe", "Sourdough Bread Recipe", "By Ann Lee",
             "This sourdough bread recipe takes two days, most of them waiting for the starter to rise."]
    counts = [len(WORDS.findall(t)) for t in texts]
    cands = {c[1]: named("title", c[2]) for c in candidates(texts, counts, [None] * 4, body=3)["title"]}
    crumb = ("breadcrumb_tail", "tail_of_a_unit", "breadcrumb")
    assert [cands["Sourdough Bread Recipe"][k] for k in crumb] == [1.0, 1.0, 0.0]
    assert [cands["Home » Recipes » Sourdough Bread Recipe"][k] for k in crumb] == [0.0, 0.0, 1.0]


def test_headline_only_story_with_by_in_it_is_kept():
    doc = strip("FLUOR CORP DOWNGRADED BY MOODY'S, AFFECTS 390 MLN DLRS OF DEBT\n")
    assert doc.status != EMPTY
    assert "DOWNGRADED" in doc.text and "author" not in doc.meta


def test_an_author_candidate_of_words_the_page_writes_small_is_marked():
    texts = ["Design Style", "By Ann Lee", "Our design team chose a style that suits small rooms and the light they get."]
    counts = [len(WORDS.findall(t)) for t in texts]
    feats = {c[1]: named("author", c[2]) for c in candidates(texts, counts, [None] * 3, body=2)["author"]}
    assert feats["Design Style"]["small_word_share"] == 1.0 and feats["Ann Lee"]["small_word_share"] == 0.0
