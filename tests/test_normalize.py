"""normalize.py: Unicode, mojibake, invisible characters, whitespace, paragraphs; fixed-point properties."""
from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.document import EMPTY, PENDING, REJECTED, TEXT, Document
from pipeline.normalize import Normalize, NormalizeConfig, normalize_text

WRAPPED = """\
The Old Mill Bridge, the only road crossing of the river Wendle between
Castlebrook and Hareford, will close to traffic for eight months from
next Monday while engineers replace its corroded steel bearings and
strengthen the central pier."""


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


# -- Unicode ----------------------------------------------------------------------

def test_nfc():
    decomposed = "Cafe\u0301 au lait in Malmo\u0308"
    assert normalize_text(decomposed) == "Café au lait in Malmö"
    assert unicodedata.is_normalized("NFC", normalize_text(decomposed))


@pytest.mark.parametrize("broken, fixed", [
    ("CafÃ© opens on the quay", "Café opens on the quay"),
    ("The councilâ€™s plan was approved", "The council’s plan was approved"),
    ("â€œWe saved the top of the hill,â€\x9d she said.", "“We saved the top of the hill,” she said."),
    ("Prices rose by Â£14 million", "Prices rose by £14 million"),
    ("MalmÃ¶ and ZÃ¼rich", "Malmö and Zürich"),
])
def test_mojibake_is_repaired(broken, fixed):
    assert normalize_text(broken) == fixed


def test_mojibake_repair_can_be_switched_off():
    assert normalize_text("CafÃ©", NormalizeConfig(fix_mojibake=False)) == "CafÃ©"


def test_correct_text_is_left_alone():
    text = "Ærøskøbing, Łódź, Đakovo and São Tomé: “quotes” – dashes — and ‘single’ ones. 東京 Москва"
    assert normalize_text(text) == text


def test_typographic_quotes_are_kept():
    assert normalize_text("“Yes,” she said – ‘no’.") == "“Yes,” she said – ‘no’."


def test_html_entities_are_not_decoded():
    # Decoding is extraction's job; doing it here would not be idempotent.
    assert normalize_text("Fish &amp; chips") == "Fish &amp; chips"


# -- invisible and control characters ------------------------------------------------

def test_control_characters_are_removed():
    assert normalize_text("Bridge\x00 closes\x07 on\x1b Monday\x7f.\x1f\x0e") == "Bridge closes on Monday."


def test_c1_control_from_cp1252_is_read_as_its_character():
    # U+0085 in scraped text is almost always a cp1252 ellipsis decoded as latin-1.
    assert normalize_text("And then\x85 nothing.") == "And then… nothing."


@pytest.mark.parametrize("space", ["\u00a0", "\u2009", "\u202f", "\u3000", "\t", "\u2003"])
def test_odd_spaces_become_one_space(space):
    assert normalize_text(f"eight{space}months {space} from{space}{space}Monday") == "eight months from Monday"


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060", "\ufeff", "\u00ad", "\u200e"])
def test_invisible_characters_are_removed(invisible):
    assert normalize_text(f"{invisible}Kel{invisible}mouth ferry{invisible}") == "Kelmouth ferry"


def test_crlf_and_cr_line_ends():
    assert normalize_text("One.\r\n\r\nTwo.\rThree.") == "One.\n\nTwo.\n\nThree."


# -- lines and paragraphs --------------------------------------------------------------

def test_hard_wrapped_paragraph_is_rejoined():
    assert normalize_text(WRAPPED) == " ".join(WRAPPED.split("\n"))


def test_indented_wrapped_dump_is_rejoined_paragraph_by_paragraph():
    dump = "\n\n".join("   " + WRAPPED.replace("\n", "\n   ") for _ in range(2))
    out = normalize_text(dump)
    assert paragraphs(out) == [" ".join(WRAPPED.split("\n"))] * 2


def test_one_paragraph_per_line_stays_separate():
    lines = ["Four branch libraries will open on Sunday afternoons from April.",
             "The libraries currently close at lunchtime on Saturdays.",
             "Residents can pick up a volunteer form at any branch."]
    assert paragraphs(normalize_text("\n".join(lines))) == lines


def test_long_paragraph_lines_of_unequal_width_stay_separate():
    lines = ["The council has promised twelve new loading bays and a review of parking on side streets "
             "once the lanes open, and a report on trade after the first year.",
             "Work is due to start in July.",
             "A petition against the scheme gathered more than 6,000 signatures from traders and residents."]
    assert paragraphs(normalize_text("\n".join(lines))) == lines


def test_short_lines_are_not_joined():
    menu = ["Home", "News", "Sport", "Business", "Weather"]
    assert paragraphs(normalize_text("\n".join(menu))) == menu


def test_open_line_followed_by_lower_case_is_joined():
    text = 'Putin said the treaty will "give an additional impulse to practically all areas of\nour cooperation."'
    assert normalize_text(text) == text.replace("\n", " ")


def test_wrapped_line_ending_in_an_abbreviation_is_joined_to_the_next():
    text = ("The ferry line said it would buy two hybrid vessels from a joint\n"
            "venture of Nordic Marine Holdings and Harbour Engineering Co.\n"
            "and Baltic Steel of Finland, the largest order the yard has\n"
            "taken this decade.")
    assert normalize_text(text) == text.replace("\n", " ")


def test_hyphenated_wrap_is_joined_without_the_hyphen():
    text = "Engineers will replace the corroded bear-\nings of the bridge."
    assert normalize_text(text) == "Engineers will replace the corroded bearings of the bridge."


def test_real_hyphen_before_a_capital_is_kept():
    assert paragraphs(normalize_text("A self-\nService till.")) == ["A self-", "Service till."]


def test_paragraphs_separated_by_exactly_one_blank_line():
    text = "First paragraph.\n\n\n\nSecond paragraph.\n \t \nThird paragraph.\n\n"
    assert normalize_text(text) == "First paragraph.\n\nSecond paragraph.\n\nThird paragraph."


def test_leading_and_trailing_space_is_trimmed():
    assert normalize_text("   \n\n  Body text.   \n\n\n  ") == "Body text."


def test_blank_line_of_invisible_characters_separates_paragraphs():
    assert normalize_text("One.\n\u200b\u00a0\nTwo.") == "One.\n\nTwo."


def test_rejoin_can_be_switched_off():
    assert paragraphs(normalize_text(WRAPPED, NormalizeConfig(rejoin_wrapped=False))) == WRAPPED.split("\n")


# -- the stage --------------------------------------------------------------------------

def test_stage_normalises_pending_text():
    doc = Document(id="a", source="a.txt", kind=TEXT, content="  CafÃ©\u00a0 opens.  ")
    (out,) = Normalize()([doc])
    assert out.status == PENDING and out.content == "Café opens."


def test_stage_marks_whitespace_only_text_empty():
    doc = Document(id="a", source="a.txt", kind=TEXT, content=" \u200b\n\n\u00a0\t\n")
    (out,) = Normalize()([doc])
    assert out.status == EMPTY and "normalisation" in out.reason


def test_stage_leaves_finished_documents_alone():
    doc = Document(id="a", source="a.txt", status=REJECTED, reason="binary content, not text")
    assert list(Normalize()([doc])) == [doc]


# -- properties -------------------------------------------------------------------------

# Text from every corner of Unicode, with the characters that matter here
# (newlines, odd spaces, invisibles, controls, mojibake-prone bytes) made common.
_SPECIAL = st.sampled_from(list(
    "\n\n\n\r \t\u00a0\u2009\u200b\u00ad\ufeff\x00\x07\x85-‐.,:;!?\"'“”‘’«»()…"
    "ÃÂâ€©®™œžŸ¢£¤¥§¨ª«¬ë\u0301\u0308"
))
_LETTERS = st.characters(codec="utf-8", exclude_categories=("Cs",))
TEXTS = st.text(st.one_of(_SPECIAL, _LETTERS, st.sampled_from(list("abcdefghij ABC"))), max_size=300)
WORDY = st.lists(
    st.one_of(st.from_regex(r"[A-Za-z][a-z]{0,12}[.,]?", fullmatch=True), st.sampled_from(["\n", "\n\n", "-\n", "  ", " \n "])),
    max_size=80,
).map(" ".join)

_PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPS
@given(st.one_of(TEXTS, WORDY))
@example("a\n\n\nb")
@example("CafÃ©\n\u00a0\nx")
@example("Ã\x83Â©")
def test_normalising_twice_changes_nothing(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@_PROPS
@given(st.one_of(TEXTS, WORDY))
def test_output_shape(text):
    out = normalize_text(text)
    assert "\n\n\n" not in out
    assert "\r" not in out
    assert not re.search(r"[ \t]\n|\n[ \t]|[ \t]$|^[ \t]", out), "no space at the ends of lines"
    assert "  " not in out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), "no control characters"
    assert not re.search("[\u200b\u2060\ufeff\u00ad\u00a0]", out), "no invisible or odd spaces"
    assert out == out.strip()
    assert unicodedata.is_normalized("NFC", out)


@_PROPS
@given(WORDY)
def test_words_survive(text):
    # Whitespace and wrapping change; the letters of the text do not.
    out = normalize_text(text)
    assert re.sub(r"[\s-]", "", out) == re.sub(r"[\s-]", "", text)


def test_list_items_of_even_width_are_not_joined():
    items = ["* [17]Castlebrook bypass plans shelved again",
             "* [18]Potholes: how to report a road defect",
             "* [19]New bus timetable for the Wendle valley"]
    dump = "\n".join("     " + item for item in items)
    assert paragraphs(normalize_text(dump)) == items


@pytest.mark.parametrize("marker", ["-", "•", "1.", "12)"])
def test_other_list_markers_start_new_paragraphs(marker):
    items = [f"{marker} The ferry will carry 120 passengers and a dozen bicycles on each crossing"] * 3
    assert paragraphs(normalize_text("\n".join(items))) == items


def test_html_that_skipped_extraction_is_rejected_not_empty():
    doc = Document(id="a", source="a.html", kind="html", content="<p>Plenty of text here.</p>")
    (out,) = Normalize()([doc])
    assert out.status == REJECTED and "extract" in out.reason


_ASCII_PIECES = st.sampled_from(["word", "Word", "a-", "end.", "of", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r",
                                 "\x0b", "\x0c", "\x00", "\x1c", "\x7f", "* ", "- ", "2. ", "x" * 45, ":", ";",
                                 "(", ")", "\"", "'", "\n \n"])


@given(st.lists(_ASCII_PIECES, max_size=60).map("".join), st.booleans())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_one_pass_is_a_fixed_point_for_ascii_text(text, rejoin):
    # normalize_text stops after one pass on ASCII text; a second would change nothing.
    from pipeline.normalize import _normalize_once

    config = NormalizeConfig(rejoin_wrapped=rejoin)
    once = _normalize_once(text, config)
    assert _normalize_once(once, config) == once
    assert normalize_text(text, config) == once


# Characters near ftfy's rules: mojibake pieces, C1 controls, ligatures, wide
# forms, separators, combining marks, invisible and control characters.
_RISKY = list("aZ é’“”–—…Ã©Â\xa0â€™ĳﬁＡ\u3000\x85\x80\x9d\u2028\u0301e\u00adœ×²ØÙ√вЂВΒ€°µ\ufeff\u200b\x07\x1b[m\r\n")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_RISKY), max_size=24) | st.text(max_size=24))
def test_a_line_the_guard_lets_through_is_one_ftfy_leaves_alone(line):
    from pipeline.normalize import _ftfy, _ftfy_untouched

    fix_text, settings_ = _ftfy()
    if _ftfy_untouched()(line):
        assert fix_text(line, settings_) == line


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(_RISKY), max_size=30), max_size=6))
def test_normalising_with_the_guard_is_normalising_without(lines):
    import pipeline.normalize as nz

    text = "\n".join(lines)
    with_guard = normalize_text(text)
    guard = nz._ftfy_untouched
    nz._ftfy_untouched = lambda: (lambda line: False)  # every non-ASCII line to ftfy
    try:
        without = normalize_text(text)
    finally:
        nz._ftfy_untouched = guard
    assert with_guard == without


def test_common_typography_is_let_through_without_ftfy():
    from pipeline.normalize import _ftfy_untouched

    untouched = _ftfy_untouched()
    assert untouched("“Yes,” she said – ‘no’ — café, naïve, Malmö…\n")
    assert not untouched("CafÃ© au lait")  # mojibake: ftfy's turn
    assert not untouched("ﬁnal")  # a ligature
    assert not untouched("Cafe\u0301")  # not in NFC
