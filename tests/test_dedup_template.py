"""The template guard and the rules for first versions of a story (own texts)."""
from __future__ import annotations

from pipeline.dedup import Dedup, DedupConfig
from pipeline.dedup.template import different_issues, lead, lead_text
from pipeline.document import DUPLICATE, KEPT, Document

# One fund company's monthly notice, two funds: same words, other names and figures.
PAYOUT = ("{fund} FUND SETS MONTHLY PAYOUT\n\nThe {fund} Tax-Free Income Fund said its board declared a monthly "
          "dividend of {div} cts a share, against {div} cts the month before, payable April 30 to holders of "
          "record April 15. The fund invests in municipal bonds of {state} and is managed by Harbour Trust Ltd.")
HARBOUR = PAYOUT.format(fund="HARBOUR OHIO", div="6.1", state="Ohio")
OTHER = PAYOUT.format(fund="HARBOUR MAINE", div="6.6", state="Maine")
# A noon price report and the same report two hours later.
NOON = ("LAKESIDE GRAIN PRICES 12:10 EDT\n\nSpring wheat for May delivery traded at 285 1/2 cents, up 1 1/2, "
        "and July at 281 1/4, up 1/2, dealers at the Lakeside exchange said. Oats were unchanged at 149.")
LATER = ("LAKESIDE GRAIN PRICES 14:10 EDT\n\nSpring wheat for May delivery traded at 284 3/4 cents, up 3/4, "
         "and July at 280 1/2, down 1/4, dealers at the Lakeside exchange said. Oats were unchanged at 149.")
STORY = ("Northern Rail orders 40 electric trains\n\nNorthern Rail said on Tuesday it had ordered 40 electric "
         "trains from the Carlsbad works of Vossloh for 610 million euros, the largest order in its history. "
         "The first trains are due in 2028 and will replace diesel stock on the coastal lines, the company "
         "said. Chief executive Anna Berg said the order would cut the line's emissions by a third and add "
         "seats on the busiest commuter routes into the capital. The works will hire 300 people to build "
         "the trains, a spokesman for the maker said, and parts will come from suppliers in four countries. "
         "Unions welcomed the order but asked for guarantees on maintenance jobs at the existing depots. "
         "The regional transport authority, which pays for most of the fleet, approved the contract last "
         "week after a tender that drew three bidders. Analysts said the price per train was in line with "
         "recent orders elsewhere in Europe, and that the delivery dates looked ambitious given the maker's "
         "full order book. Shares in the maker rose two percent in early trading after the announcement.")
FLASH = STORY.split(" The first trains")[0]  # the first version: headline and first sentence
CORRECTED = ("CORRECTED - " + OTHER.replace("6.6", "6.7"), OTHER)


def doc(doc_id: str, text: str) -> Document:
    return Document(id=doc_id, source=f"{doc_id}.txt", content=text)


def decide(*texts: str, config: DedupConfig | None = None) -> list[Document]:
    return list(Dedup(config or DedupConfig())([doc(f"d{i}", t) for i, t in enumerate(texts)]))


def test_two_issues_of_a_template_report_are_kept_apart():
    for a, b in ((HARBOUR, OTHER), (NOON, LATER)):
        assert [d.status for d in decide(a, b)] == [KEPT, KEPT]


def test_the_guard_can_be_turned_off():
    off = DedupConfig(template_guard=False, numbers_threshold=0.0)
    assert {d.status for d in decide(HARBOUR, OTHER, config=off)} == {KEPT, DUPLICATE}


def test_a_flash_and_its_full_story_are_one_story():
    out = decide(FLASH, STORY)
    assert out[1].status == KEPT
    assert out[0].status == DUPLICATE and out[0].duplicate_of == "d1" and out[0].rule == "containment"


def test_a_correction_is_a_copy_of_what_it_corrects():
    out = decide(*CORRECTED)
    assert {d.status for d in out} == {KEPT, DUPLICATE}


def test_a_resend_with_a_byline_and_light_edits_is_not_a_template_issue():
    config = DedupConfig()
    edited = "By Maria Lopez, Wire Service\n\n" + STORY.replace("said on Tuesday", "announced on Tuesday")
    assert not different_issues(lead(STORY, 50), lead(edited, 50), config)
    assert different_issues(lead(HARBOUR, 50), lead(OTHER, 50), config)
    # A misspelt name (OCR) on one side is not a name of its own.
    assert not different_issues(lead(STORY, 50), lead(STORY.replace("Carlsbad", "Carlsbaad"), 50), config)


def test_lead_text_keeps_the_first_words():
    assert lead_text("one two, three four five", 3) == "one two, three"
    assert lead_text("short", 50) == "short"
    assert lead("Sales rose 6-1/4 pct to 1,279,000 in Jan at 12:10.", 50).tokens[2:] == (
        "6-1/4", "pct", "to", "1,279,000", "in", "january", "at", "12:10")
