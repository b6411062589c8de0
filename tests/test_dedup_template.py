"""The template guard and the rules for first versions of a story (own texts)."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from pipeline.dedup import Dedup, DedupConfig, shingle_set
from pipeline.dedup.stage import sign
from pipeline.dedup.template import NAME, WORD, different_issues, lead, lead_text
from pipeline.dedup.verify import RULES, overlap, verify_many
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


def word_pair_overlap(a: str, b: str) -> tuple[float, float]:
    """(Jaccard, containment) of two texts' word 2-gram sets, as the stage's rules read them."""
    return overlap(shingle_set(a, "word", 2), shingle_set(b, "word", 2))


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


# A quote table at two times of day: one token apart, in the headline.
QUOTES = ("HARBOUR METALS ZINC {time}\n        LAST CHANGE\nAPR7    UNTRD\nMAY7    6150 UNCH\nJUN7    UNTRD\n"
          "JUL7    UNTRD\nSEP7    UNTRD\nDEC7    UNTRD\nJAN8    UNTRD\nMAR8    UNTRD\n")
SHIPMENTS = ("LAKESIDE COCOA SHIPMENTS {when} - APR 7\n    Differentials based on terminal prices, "
             "stg per tonne cif.\n Mar/May  50 over May\n Apr/Jun  55 over Jul\n Jul/Sep  65 over Sep\n")
# Two companies' dividend notices: the names are in the headline only, with a ticker.
NOTICE = "{name} <{ticker}> SETS PAYOUT\n\nQtly div six cts vs six cts prior\n    Pay July 15\n    Record June {day}\n"


def guard(a: str, b: str) -> bool:
    return different_issues(lead(a, 50), lead(b, 50), DedupConfig())


def test_one_time_or_name_of_its_own_in_the_same_place_is_another_issue():
    assert guard(QUOTES.format(time="10:31"), QUOTES.format(time="11:01"))
    assert guard(SHIPMENTS.format(when="MIDDAY"), SHIPMENTS.format(when="CLOSING"))
    assert guard(SHIPMENTS.format(when="1330"), SHIPMENTS.format(when="CLOSING"))  # a time in four digits
    assert guard(NOTICE.format(name="HARBOUR SAVINGS BANK", ticker="HSBK.O", day="26"),
                 NOTICE.format(name="LAKELAND TRUST CO", ticker="LKTC.O", day="30"))
    # ...and the stage keeps both of each pair.
    for a, b in ((QUOTES.format(time="10:31"), QUOTES.format(time="11:01")),
                 (SHIPMENTS.format(when="MIDDAY"), SHIPMENTS.format(when="CLOSING"))):
        assert [d.status for d in decide(a, b)] == [KEPT, KEPT]
        assert {d.status for d in decide(a, b, config=DedupConfig(template_guard=False))} == {KEPT, DUPLICATE}


RESULTS = ("OVERLAND FREIGHT INC <OVFR> YEAR LOSS\n\nShr loss 9.31 dlrs vs loss 1.62 dlrs\n"
           "    Net loss 16.2 mln vs loss {net}\n    Revs 99.4 mln vs 96.2 mln\n")


def test_a_figure_written_otherwise_is_not_a_figure_of_its_own():
    assert not guard(RESULTS.format(net="2,770,243"), RESULTS.format(net="2.8 mln"))
    story = STORY.replace("40 electric trains from", "ten electric trains from")
    assert not guard(story, story.replace("ten electric", "10 electric"))
    story = STORY.replace("40 electric trains from", "seventeen electric trains from")
    assert not guard(story, story.replace("seventeen electric", "17 electric"))
    story = STORY.replace("40 electric trains from", "forty electric trains from")
    assert not guard(story, story.replace("forty electric", "40 electric"))
    assert guard(story, story.replace("forty electric", "50 electric"))
    # An OCR slip: a digit for a letter, one letter in a short name.
    assert not guard(STORY, STORY.replace("Anna Berg", "Anna Bcrg").replace("four countries", "f0ur countries"))
    # Figures do not have near spellings: 6.1 and 6.6 are two payouts.
    assert guard(HARBOUR, HARBOUR.replace("6.1", "6.6").replace("Ohio", "Iowa"))


def test_a_re_headlined_resend_is_not_another_issue():
    retitled = STORY.replace("Northern Rail orders 40 electric trains", "Vossloh wins Northern Rail order")
    assert not guard(STORY, retitled)


def test_names_in_a_headline_in_capitals():
    text = "PHILLIPS <P> RAISES CRUDE PRICES\n\nPhillips Petroleum Corp said it raised its crude prices."
    kinds = dict(zip(lead(text, 50).tokens, lead(text, 50).data))
    assert kinds["phillips"] == NAME and kinds["p"] == NAME  # named in the text, and a ticker
    assert kinds["crude"] == WORD and kinds["prices"] == WORD


FORECAST = ("HARBOUR MONEY MARKET SHORTAGE FORECAST REVISED {way}\n\nThe central bank said it {verb} its forecast "
            "of the shortage in the money market to around 700 mln crowns from its first estimate.")


def test_which_way_a_figure_moved_is_data():
    down = FORECAST.format(way="DOWN", verb="revised")
    assert guard(down, FORECAST.format(way="UP", verb="revised"))
    # "rose" and "increased" point the same way: a re-send may say either.
    assert not guard(FORECAST.format(way="UP", verb="raised"), FORECAST.format(way="UP", verb="increased"))
    assert guard(FORECAST.format(way="UP", verb="raised"), FORECAST.format(way="UP", verb="cut"))


words = st.sampled_from("the fund said on Monday it would pay 6.1 cts in April to holders of record "
                        "Harbour Ohio Maine 12:10 closing".split())


@settings(max_examples=200, deadline=None)
@given(st.lists(words, min_size=3, max_size=40), st.lists(words, min_size=3, max_size=40),
       st.sampled_from(["", "By Maria Lopez, Wire Service\n\n"]))
def test_the_guard_is_symmetric_and_a_copy_is_never_another_issue(one, two, byline):
    a, b = " ".join(one), " ".join(two)
    assert guard(a, b) == guard(b, a)
    assert not guard(a, byline + a)


# A first version with its own headline, sent before the full story: it
# shares 0.81 of its word pairs with the story (a copy would share 0.9).
FIRST = ("NORTHERN RAIL ORDERS 40 TRAINS FROM VOSSLOH FOR 610 MLN EUROS\n\nNorthern Rail said on Tuesday it had "
         "ordered 40 electric trains from the Carlsbad works of Vossloh, the largest order in its history.")
# A digest quoting the item well after its own beginning.
DIGEST = ("NEWS IN BRIEF\n\nThe city council approved the new budget on Monday after a long debate about school "
          "funding. Harbour workers ended their two-week strike after the port authority agreed to review shift "
          "patterns. The museum on the hill reopened its east wing to visitors, with a show of maps from the old "
          "library. Northern Rail orders 40 trains from Vossloh for 610 mln euros. The company said it had ordered "
          "40 electric trains from the Carlsbad works of Vossloh, the largest order in its history. Rain is "
          "expected in the north.")


def verified(a: str, b: str, config: DedupConfig | None = None) -> str:
    """The rule that verifies the pair (a, b) as a candidate ("" when none does)."""
    config = config or DedupConfig()
    signed = sign([a, b], config)
    ok, _, rule = verify_many([(0, 1)], signed.shingles, signed.offsets, config,
                              numbers=(signed.numbers, signed.number_offsets), leads=[a, b].__getitem__)
    return RULES[rule[0]] if ok[0] else ""


def test_a_first_version_with_its_own_headline_is_the_story():
    out = decide(FIRST, STORY)
    assert out[1].status == KEPT
    assert out[0].status == DUPLICATE and out[0].rule == "first_version" and 0.7 <= out[0].similarity < 0.9
    assert verified(FIRST, STORY, DedupConfig(first_version_containment=0.0)) == ""  # the rule alone joins them
    # A first version carries the story's figures: with a figure the story lacks, it is another text.
    assert verified(FIRST.replace("610", "620"), STORY) == ""


def test_a_text_quoted_inside_another_is_not_its_first_version():
    assert verified(FIRST, DIGEST) == ""  # it does not begin as the digest does
    assert verified(FIRST, DIGEST, DedupConfig(first_version_lead=0.0)) == "first_version"


def test_first_versions_and_template_issues_across_runs(tmp_path):
    """The index keeps the leads both rules read: a later run decides as one run would."""
    index = tmp_path / "index.sqlite"
    first = list(Dedup(DedupConfig(), index_path=index)([doc("story", STORY), doc("noon", QUOTES.format(time="10:31"))]))
    assert [d.status for d in first] == [KEPT, KEPT]
    later = list(Dedup(DedupConfig(), index_path=index)([doc("flash", FIRST), doc("later", QUOTES.format(time="11:01"))]))
    assert later[0].status == DUPLICATE and later[0].duplicate_of == "story" and later[0].rule == "first_version"
    assert later[1].status == KEPT


def _lead_text_by_scan(text: str, words: int) -> str:
    """The definition: tokens found one by one, the text up to the end of the ``words``-th."""
    import re

    for count, match in enumerate(re.finditer(r"\w*\d\w*(?:[.,:/-]\d+)*|\w+", text), start=1):
        if count == words:
            return text[: match.end()]
    return text


# Texts of what the token pattern cares about: word characters, digits (ASCII
# and others), the separators inside figures, line breaks, other marks.
@given(st.text(alphabet="ab1_ .,:/-\n\t!?AÉé٣²ﬁ", max_size=120), st.integers(min_value=2, max_value=30))
def test_lead_text_ends_where_a_token_scan_ends(text, words):
    assert lead_text(text, words) == _lead_text_by_scan(text, words)


# The same routine notice, word for word, sent on two dates.
REPURCHASES = ("CENTRAL BANK ADDS RESERVES VIA REPURCHASES\n\nThe central bank entered the government securities market "
          "to arrange 1.5 billion dlrs of customer repurchase agreements, a spokesman said. Dealers said overnight "
          "funds were trading at 6-3/16 pct when the bank began its temporary supply of reserves.")


def dated(doc_id: str, text: str, date: str | None) -> Document:
    return Document(id=doc_id, source=f"{doc_id}.txt", content=text, meta={"date": date} if date else {})


def test_one_notice_weeks_apart_is_two_issues():
    weeks = list(Dedup()([dated("mar2", REPURCHASES, "2-MAR-1987 11:44:41.93"), dated("mar23", REPURCHASES, "1987-03-23")]))
    assert [d.status for d in weeks] == [KEPT, KEPT]
    # The same day, the next, or without a date to tell: one text.
    for other in ("1987-03-02T16:00:00Z", "Tue, 3 Mar 1987 09:00:00 GMT", None):
        out = list(Dedup()([dated("mar2", REPURCHASES, "2-MAR-1987 11:44:41.93"), dated("again", REPURCHASES, other)]))
        assert [d.status for d in out] == [KEPT, DUPLICATE] and out[1].rule == "exact"
    off = list(Dedup(DedupConfig(max_days_apart=0))([dated("a", REPURCHASES, "1987-03-02"), dated("b", REPURCHASES, "1987-03-23")]))
    assert [d.status for d in off] == [KEPT, DUPLICATE]


def test_dates_are_kept_in_the_index(tmp_path):
    index = tmp_path / "index.sqlite"
    assert [d.status for d in Dedup(index_path=index)([dated("mar2", REPURCHASES, "1987-03-02")])] == [KEPT]
    later = list(Dedup(index_path=index)([dated("mar23", REPURCHASES, "1987-03-23"), dated("mar3", REPURCHASES, "1987-03-03")]))
    assert [(d.status, d.duplicate_of) for d in later] == [(KEPT, None), (DUPLICATE, "mar2")]


def test_dates_read_as_calendar_days():
    from pipeline.dedup.dates import day_of

    day = day_of("1987-02-26")
    assert day == day_of("26-FEB-1987 15:01:01.79") == day_of("26 February 1987") == day_of("2026-11-23") - 14515
    assert day == day_of("Thu, 26 Feb 1987 15:01:01 GMT") == day_of("1987-02-26T23:59:00+05:00")
    for value in (None, "", "yesterday", "1987-02-30", "31-XYZ-1987", 19870226):
        assert day_of(value) is None


# Two companies' notices of one kind: every word alike but the companies'.
RAISE = ("{name} <{ticker}> RAISES CRUDE OIL PRICES\n\n{name} Petroleum Corp said it raised the contract price it "
         "will pay for all grades of crude oil by 50 cts a barrel, effective today. The increase brings its "
         "postings for the West Texas Intermediate grade to 19.00 dlrs a barrel, the company said.")


def test_two_companies_notices_are_two_stories():
    from pipeline.dedup.issuers import other_issuers

    lakeside, harbour = RAISE.format(name="LAKESIDE", ticker="LKS"), RAISE.format(name="HARBOUR", ticker="HBR.N")
    assert other_issuers(lakeside, harbour)
    assert verified(lakeside, harbour) == ""
    assert verified(lakeside, harbour, DedupConfig(template_guard=False)) == "jaccard"
    # One company's re-send: the exchange suffix, a slip of one letter, a correction of the ticker.
    for other in (RAISE.format(name="LAKESIDE", ticker="LKS.N"), RAISE.format(name="LAKESIDE", ticker="LKs"),
                  "CORRECTED - " + RAISE.format(name="LAKESIDE", ticker="LKE")):
        assert not other_issuers(lakeside, other) and verified(lakeside, other) != ""
    # A text of one line has no headline to tell.
    assert not other_issuers(lakeside.replace("\n\n", " "), harbour.replace("\n\n", " "))


def test_a_first_version_is_about_the_story_s_company():
    story = RAISE.format(name="LAKESIDE", ticker="LKS") + (
        " Light Louisiana Sweet was raised by the same amount to 19.35 dlrs, it said. Lakeside last changed its "
        "postings on September 9, when it cut them by 25 cts. Other refiners were expected to follow during the "
        "day, traders in New York said, after spot prices rose for a third week on lower stocks in the Gulf.")
    first = "LAKESIDE <LKS> RAISES CRUDE POSTINGS 50 CTS, EFFECTIVE TODAY\n\nLakeside Petroleum Corp said it raised the contract " \
            "price it will pay for all grades of crude oil by 50 cts a barrel."
    assert verified(first, story) == "first_version"
    assert verified(first.replace("<LKS>", "<HBR>"), story) == ""


RESULTS = ("LAKESIDE FOODS INC <LKF> 4TH QTR NET\n\nShr 13 cts vs 70 cts\n    Net {net} vs 7,979,000\n"
           "    Revs 16.4 mln vs 19.6 mln\n    Year\n    Shr 89 cts vs 2.43 dlrs\n    Net 10.3 mln vs 29.8 mln\n"
           "    Revs 56.2 mln vs 83.8 mln\n")


def test_one_company_s_report_corrected_the_same_day_is_a_copy():
    first, corrected = RESULTS.format(net="1,279,000"), RESULTS.format(net="1,538,000")
    same_day = list(Dedup()([dated("a", first, "1987-03-04 10:12"), dated("b", corrected, "4-MAR-1987 15:40")]))
    assert [d.status for d in same_day] == [KEPT, DUPLICATE]
    # Another day, or without dates to tell, another figure is another issue.
    for date in ("1987-03-06", None):
        out = list(Dedup()([dated("a", first, "1987-03-04" if date else None), dated("b", corrected, date)]))
        assert [d.status for d in out] == [KEPT, KEPT]
    other = RESULTS.format(net="1,538,000").replace("LAKESIDE FOODS INC <LKF>", "HARBOUR FOODS INC <HBF>")
    assert [d.status for d in Dedup()([dated("a", first, "1987-03-04"), dated("c", other, "1987-03-04")])] \
        == [KEPT, KEPT]


def test_one_company_s_first_report_and_its_fuller_resend_the_same_day():
    short = RESULTS.format(net="1,279,000").split("    Year")[0]
    full = RESULTS.format(net="1.3 mln").replace("Revs 16.4", "Revs 16.5") + (
        "    NOTE: 1986 includes a loss of 3.9 mln dlrs from restructuring and the sale of the\n"
        "    company's aircraft, and costs of closing two depots in the second half.\n")
    pair = [dated("short", short, "1987-03-31"), dated("full", full, "31-MAR-1987 15:53")]
    assert [(d.status, d.rule) for d in Dedup()(pair)] == [(DUPLICATE, "first_version"), (KEPT, None)]
    pair[1] = dated("full", full, "1987-04-01")  # the next day: a figure of its own is another report
    assert [d.status for d in Dedup()(pair)] == [KEPT, KEPT]


tags = st.lists(st.sampled_from(["LKS", "LKS.N", "LKs", "HBR", "HBR.O", "P", "Q", "LAKESIDE FOODS CORP"]),
                max_size=2)


@settings(max_examples=80, deadline=None)
@given(tags, tags, st.booleans())
def test_issuer_rules_are_symmetric_and_exclusive(one, two, correction):
    from pipeline.dedup.issuers import one_issuer, other_issuers

    a = "".join(f"<{t}> " for t in one) + "RAISES PRICES\n\nText."
    b = ("CORRECTED - " if correction else "") + "".join(f"<{t}> " for t in two) + "RAISES PRICES\n\nText."
    assert other_issuers(a, b) == other_issuers(b, a) and one_issuer(a, b) == one_issuer(b, a)
    assert not (other_issuers(a, b) and one_issuer(a, b))
    assert not other_issuers(a, a) and one_issuer(a, a) == bool(one)
    if correction:
        assert not other_issuers(a, b)


# A market report on one template for two markets; the text never names the market.
MARKET = ("{market} HOGS UP 1.00 DLR - USDA\n\nbarrow and gilt prices rose 1.00 dlr in {trade} trade, the usda said. "
          "us 1-3 {weights} lbs 51.50. sows - none.")


def test_one_report_for_two_markets_is_two_reports():
    from pipeline.dedup.subjects import other_subjects

    joliet = MARKET.format(market="JOLIET", trade="moderately active", weights="230-240")
    omaha = MARKET.format(market="FLASH OMAHA", trade="active", weights="220-260")
    assert other_subjects(lead(joliet, 50), lead(omaha, 50))
    assert verified(joliet, omaha) == "" and verified(joliet, omaha, DedupConfig(template_guard=False)) == "jaccard"
    # The same report with its opening words respelt, or re-headlined naming what the text names: one report.
    for other in (joliet.replace("JOLIET", "JOLLIET"), joliet.replace("JOLIET", "ILLINOIS"),
                  joliet.replace("JOLIET HOGS", "HOGS AT JOLIET")):
        assert not other_subjects(lead(joliet, 50), lead(other, 50)) and verified(joliet, other) != ""


def test_two_banks_flashes_on_one_rate_change_are_two_flashes():
    from pipeline.dedup.subjects import other_subjects

    one = "HARBOUR SAVINGS BANK LIFTS PRIME RATE TO 8-1/4 PCT FROM 8 PCT, EFFECTIVE MONDAY"
    two = "NORTHFIELD TRUST LIFTS PRIME RATE TO 8-1/4 PCT FROM 8 PCT, EFFECTIVE MONDAY"
    assert other_subjects(lead(one, 50), lead(two, 50)) and verified(one, two) == ""
    assert verified(one, two, DedupConfig(template_guard=False)) != ""
    # The same flash with its subject abbreviated or respelt is one flash.
    for other in (one.replace("HARBOUR SAVINGS BANK", "H. SAVINGS BANK"), one.replace("HARBOUR", "HARBOR")):
        assert not other_subjects(lead(one, 50), lead(other, 50)) and verified(one, other) != ""
    # A longer text with its opening respelt keeps its copy: the rest of the lead tells.
    story = ("\n\nThe bank said the new rate applies to loans to its largest corporate customers. It is the "
             "second bank this week to move, and dealers expect others to follow before the end of the month.")
    assert verified("S. AFRICA GOLD OUTPUT STEADY" + story, "SOUTH AFRICA GOLD OUTPUT STEADY" + story) != ""
    # A short text in lower case is no flash: another first word is a label, not another subject.
    brief = "Harbour Savings Bank lifts its prime rate to 8-1/4 pct from 8 pct from Monday, the bank said."
    assert not other_subjects(lead("Exclusive: " + brief, 50), lead("Watch: " + brief, 50))


def test_a_story_naming_another_bank_only_as_an_earlier_mover_is_not_its_flash():
    flash = "NORTHFIELD TRUST LIFTS PRIME RATE TO 8-1/4 PCT FROM 8 PCT, EFFECTIVE MONDAY"
    story = ("HARBOUR SAVINGS <HSB> LIFTS PRIME RATE\n\nHarbour Savings Bank said it is lifting its prime rate "
             "to 8-1/4 pct from 8 pct, effective Monday.\n    It is the third bank to move, following Northfield "
             "Trust and Lakeside National.")
    assert verified(flash, story) == "" and verified(flash, story, DedupConfig(template_guard=False)) != ""
    # Named where the story names its own subject, it is the story's flash under other words.
    own = story.replace("HARBOUR SAVINGS <HSB>", "NORTHFIELD <NFT>").replace("Harbour Savings Bank", "Northfield Trust")
    assert verified(flash.replace("NORTHFIELD TRUST", "NORTHFIELD TRUST CO"), own) != ""

def test_the_character_check_never_undoes_a_first_version():
    # A second chance for pairs the word pairs refuse; not a veto on the others.
    config = DedupConfig(char_jaccard_threshold=0.99, char_check_min_jaccard=0.01, char_check_min_shingles=1)
    signed = sign([FIRST, STORY], config)
    ok, _, rule = verify_many([(0, 1)], signed.shingles, signed.offsets, config,
                              numbers=(signed.numbers, signed.number_offsets), leads=[FIRST, STORY].__getitem__,
                              texts=[FIRST, STORY].__getitem__)
    assert ok[0] and RULES[rule[0]] == "first_version"


# A market's forecast before the opening, and its report at the opening.
OUTLOOK = ("LAKESIDE CATTLE SEEN UP 50 CTS - DEALERS\n\nCattle prices are expected 50 cts higher on light "
            "receipts of 900 head, dealers said. Top seen at 64.00 dlrs per cwt. Packers were active and "
           "demand for heavy steers was good, with shipments to the east steady.")
OPENING = ("LAKESIDE CATTLE OPEN UP 50 CTS - DEALERS\n\nCattle prices opened 50 cts higher, dealers said. "
           "Top 64.00 dlrs per cwt. Packers were active and demand for heavy steers was good, with shipments "
           "to the east steady.")


def test_a_forecast_and_the_report_it_forecasts_are_two_reports():
    assert verified(OUTLOOK, OPENING) == ""
    assert verified(OUTLOOK, OPENING, DedupConfig(template_stages=False)) == "jaccard"
    # A forecast re-worded ("seen" for "expected") is still the same forecast.
    assert verified(OUTLOOK, OUTLOOK.replace("are expected", "are seen")) != ""


# One company's two payouts of one day: a monthly one and a quarterly one.
PAYOUTS = ("HARBOUR INCOME TRUST <HIT> SETS PAYOUT\n\n{period} div {div} cts vs {div} cts prior\n"
           "    Pay July 15\n    Record June 30\n Reuter")


def test_one_company_s_payouts_for_two_periods_are_two_stories():
    monthly, quarterly = PAYOUTS.format(period="Mthly", div="nine"), PAYOUTS.format(period="Qtly", div="27")
    two = [dated("a", monthly, "1987-06-19 09:08"), dated("b", quarterly, "1987-06-19 09:16")]
    assert [d.status for d in Dedup()(two)] == [KEPT, KEPT]
    assert [d.status for d in Dedup(DedupConfig(template_periods=False))(two)] == [KEPT, DUPLICATE]
    # The same payout sent again that day with its figure corrected is one story.
    again = [dated("a", monthly, "1987-06-19 09:08"), dated("b", monthly.replace("nine cts vs", "ten cts vs"),
                                                         "1987-06-19 11:00")]
    assert sorted(d.status for d in Dedup()(again)) == [DUPLICATE, KEPT]


# A story, and the same story written again: reworded, a sentence added, one dropped.
STRIKE = ("DOCKERS VOTE TO STRIKE AT PORT OF LAKESIDE\n\n"
          "Members of the Harbour Workers Union at the port of Lakeside voted on Sunday to strike from "
          "Wednesday, after rejecting the latest offer of the port authority, a union spokesman said. "
          "The offer included a pay rise of two pct a year for three years and the end of the night shift "
          "bonus, which the union called unacceptable. About 1,200 dockers attended the meeting and the "
          "vote was nearly unanimous, spokesman Peter Lind told reporters. The port authority said it "
          "regretted the decision and remained open to talks, but would not raise its offer. Shipping "
          "lines said they would divert vessels to other ports if the strike went ahead. The port "
          "handles about a fifth of the country's container traffic, and a strike of a week would cost "
          "exporters in the region about 40 mln dlrs, the chamber of commerce estimated. The last strike at "
          "the port, in 1981, lasted nine days and ended with a pay deal brokered by the labour ministry. "
          "Union leaders said they were ready to meet the authority at any time before Wednesday.")
REWRITTEN = ("DOCKERS VOTE TO STRIKE AT PORT OF LAKESIDE\n\n"
             "The Harbour Workers Union said its members at the port of Lakeside had voted to go on strike "
             "from Wednesday, rejecting the latest offer of the port authority. "
             "The offer included a pay rise of two pct a year for three years and the end of the night shift "
             "bonus, which the union called unacceptable. About 1,200 dockers attended the meeting and the "
             "vote was nearly unanimous, spokesman Peter Lind told reporters. Talks broke down on Friday "
             "after ten hours, he added, and no new meeting had been set. The port authority said it "
             "regretted the decision.")


def test_a_story_written_again_is_one_story():
    jaccard, containment = word_pair_overlap(STRIKE, REWRITTEN)
    assert jaccard < 0.4 and 0.5 <= containment < 0.7  # no other rule takes it
    same_day = [dated("a", STRIKE, "1987-03-16 11:47"), dated("b", REWRITTEN, "1987-03-16 12:32")]
    out = list(Dedup()(same_day))
    assert [d.status for d in out] == [KEPT, DUPLICATE] and out[1].rule == "rewrite"
    assert {d.status for d in Dedup(DedupConfig(rewrite_containment=0.0))(same_day)} == {KEPT}
    # Under the same headline on another day, or with no dates to tell, it may be a routine report's next issue.
    for one, two in (("1987-03-16", "1987-03-17"), (None, None)):
        assert {d.status for d in Dedup()([dated("a", STRIKE, one), dated("b", REWRITTEN, two)])} == {KEPT}
    # A correction says what it is: no headline or date needed.
    corrected = "CORRECTED - PORT OF LAKESIDE DOCKERS STRIKE" + REWRITTEN[REWRITTEN.index("\n"):]
    assert verified(STRIKE, corrected) == "rewrite"
    # A follow-up under a headline of its own that reuses the story's paragraphs is another story.
    follow_up = "PORT OF LAKESIDE STRIKE TALKS TO RESUME" + REWRITTEN[REWRITTEN.index("\n"):]
    assert {d.status for d in Dedup()([dated("a", STRIKE, "1987-03-16"), dated("b", follow_up, "1987-03-16")])} \
        == {KEPT}


def test_a_subject_ends_at_the_first_word_both_headlines_have():
    from pipeline.dedup.subjects import other_subjects

    body = "\n\nHog prices opened 1.00 dlr higher, private sources said. Top 51.50 dlrs per cwt. Receipts 2,000 head."
    lakeside, st_mary = "LAKESIDE HOGS UP 1.00 DLR - PRIVATE SOURCES" + body, "ST MARY HOGS OPEN UP 1.00 DLR - PRIVATE" + body
    assert other_subjects(lead(lakeside, 50), lead(st_mary, 50))
    assert verified(lakeside, st_mary) == "" and verified(lakeside, st_mary, DedupConfig(template_guard=False)) != ""
    # A letter alone is a piece of an abbreviation, not a word the headlines share.
    story = ("\n\nVesta Oil said it had bought a 50 pct stake in Harbour Fuels Co, an independent U.S. fuel "
             "distributor. Terms were not disclosed. The rest of Harbour Fuels is held by its founders.")
    one, two = "NORDLAND UNIT VESTA BUYS STAKE IN U.S. FIRM" + story, "NORWAY'S VESTA BUYS STAKE IN U.S. FIRM" + story
    assert not other_subjects(lead(one, 50), lead(two, 50)) and verified(one, two) != ""


def test_a_story_written_again_across_runs(tmp_path):
    """The index keeps the leads and days the rewrite rule reads: a later run decides as one run would."""
    index = tmp_path / "index.sqlite"
    assert [d.status for d in Dedup(index_path=index)([dated("a", STRIKE, "1987-03-16 11:47")])] == [KEPT]
    later = list(Dedup(index_path=index)([dated("b", REWRITTEN, "1987-03-16 12:32")]))
    assert later[0].status == DUPLICATE and later[0].duplicate_of == "a" and later[0].rule == "rewrite"
    other_day = tmp_path / "other.sqlite"
    list(Dedup(index_path=other_day)([dated("a", STRIKE, "1987-03-16 11:47")]))
    assert [d.status for d in Dedup(index_path=other_day)([dated("b", REWRITTEN, "1987-03-17")])] == [KEPT]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aZé9_.,:/-!? <>\n\t", max_size=60))
def test_lead_tokens_are_those_of_the_plain_token_pattern(text):
    import re

    from pipeline.dedup import template

    plain = re.compile(rf"({template._TOKEN_BODY})([.!?]?)")
    assert template._TOKEN_STOP.findall(text) == plain.findall(text)


def test_word_readings_are_the_same_after_the_cache_is_emptied(monkeypatch):
    from pipeline.dedup import template

    text = "CORRECTED - ACME <ACM.N> Q1 shr 1.20 dlrs vs 1.05, April 7.\nAcme said sales rose in March."
    want = lead(text, 50)
    monkeypatch.setattr(template._WordCache, "limit", 3)
    template._READ.clear()
    assert lead(text, 50) == want
    assert len(template._READ) <= 3


ORDERS_BODY = ("\n\nOrders for machine tools built in Nordland rose sharply during the last two weeks of May to "
               "their highest level this year, suggesting that demand may have recovered from its weak start "
               "in February, the Nordland Tool Builders Association said. Export orders, however, fell for the "
               "first time since 1984, as a stronger currency made the country's tools dearer abroad. "
               "The association said members booked orders worth 412 mln crowns in the second half of May, "
               "up 18 pct from a year earlier, and expected the rise to hold through the summer months.")


def test_a_story_under_a_new_headline_is_one_story():
    """Only the headline changed, and its month is the body's own: one story, not two issues."""
    from pipeline.dedup.template import reheadlined

    first = "NORDLAND TOOL ORDERS RECOVER FROM FEBRUARY SLUMP" + ORDERS_BODY
    second = "NORDLAND TOOL ORDERS RECOVER IN LATE MAY" + ORDERS_BODY.replace("suggesting that", "suggesting")
    assert reheadlined(lead(first, 50), lead(second, 50))
    assert verified(first, second) != ""
    # A month only the headline tells is the report's own: another issue of it.
    other = "NORDLAND TOOL ORDERS RECOVER IN JUNE" + ORDERS_BODY
    assert not reheadlined(lead(first, 50), lead(other, 50))


def test_one_table_at_two_hours_is_two_issues():
    table = ("\n\nAPR7  UNTRD\nMAY7  6265 UNCH\nJUN7  UNTRD\nJUL7  6245 UP 10\nSEP7  6265 UP 15\n"
             "DEC7  6285 UP 10\nJAN8  UNTRD\nMAR8  6340 UP 15\nMAY8  UNTRD\nJUL8  UNTRD\nSEP8  UNTRD\n"
             "DEC8  UNTRD\nJAN9  UNTRD\nMAR9  UNTRD\nMAY9  UNTRD")
    noon, half_past = "LAKESIDE COPPER FUTURES 12:00" + table, "LAKESIDE COPPER FUTURES 12:30" + table
    assert verified(noon, half_past, DedupConfig(template_guard=False)) != ""
    assert verified(noon, half_past) == ""


ACME = ("ACME MILLS <ACMM> FILES FOR DEBT OFFERING\n\n"
        "Acme Mills Inc said it filed with the Securities and Exchange Commission a registration statement "
        "covering 120 mln dlrs of senior subordinated notes due 1997. Proceeds will be used to repay bank debt "
        "taken on for the purchase of Harbour Textiles Inc and for working capital, the company said. "
        "Acme named Lakeside Securities Corp as sole underwriter of the offering. The company said it expects "
        "the notes to be offered in late May, subject to market conditions.")
ACME_AGAIN = ("ACME MILLS <ACMM> TO SELL 120 MLN DLRS OF NOTES\n\n"
              "Acme Mills Inc said it filed with the Securities and Exchange Commission to offer 120 mln dlrs "
              "of senior subordinated notes due 1997. Proceeds will be used to repay bank debt taken on to buy "
              "Harbour Textiles Inc and for working capital, the textile maker said. Lakeside "
              "Securities Corp will manage the sale, which the company expects in late May. Acme, based in "
              "Lakeside, makes cotton and wool fabrics for clothing makers in Europe and North America.")
ACME_OTHER = ("ACME MILLS <ACMM> NAMES NEW CHIEF EXECUTIVE\n\n"
              "The board of the textile maker said it had named Karin Holm, its finance director, chief "
              "executive, succeeding Erik Berg, who retires. Proceeds will be used to repay bank debt "
              "taken on for the purchase of Harbour Textiles Inc and for working capital, the company said. "
              "Lakeside Securities Corp will be sole underwriter of the offering, expected in late May.")


def test_one_companys_news_written_again_the_same_day_is_one_story():
    jaccard, containment = word_pair_overlap(ACME, ACME_AGAIN)
    assert jaccard < 0.4 and 0.5 <= containment < 0.7  # only the rewrite rule can take it
    out = list(Dedup()([dated("a", ACME, "1987-04-01 10:40"), dated("b", ACME_AGAIN, "1987-04-01 11:19")]))
    assert sorted(d.status for d in out) == [DUPLICATE, KEPT] and {d.rule for d in out} == {None, "rewrite"}
    # Another day, it may be news of its own.
    assert {d.status for d in Dedup()([dated("a", ACME, "1987-04-01"), dated("b", ACME_AGAIN, "1987-04-08")])} \
        == {KEPT}
    # The same company, a story that opens otherwise and reuses paragraphs: another story.
    assert {d.status for d in Dedup()([dated("a", ACME, "1987-04-01"), dated("c", ACME_OTHER, "1987-04-01")])} \
        == {KEPT}


# A rate table, and the same table sent again within the hour with two rates corrected.
RATES = ("HARBOUR BANK SETS DEPOSIT RATES\n\nHarbour Bank said it set the rates on its term deposits as follows:\n"
         "    TERM         NEW RATE   OLD RATE\n   30-89 days   4.10 pct   4.10 pct\n  90-179 days   4.35 pct   "
         "4.30 pct\n 180-269 days   4.50 pct   4.45 pct\n 270-365 days   4.70 pct   4.60 pct\n Reuter")
RATES_CORRECTED = RATES.replace("4.35 pct   4.30", "4.35 pct   4.35").replace("4.70 pct", "4.65 pct")


def test_a_table_sent_again_the_same_day_with_figures_corrected_is_one_table():
    same_day = [dated("a", RATES, "1987-04-01 10:12"), dated("b", RATES_CORRECTED, "1987-04-01 10:58")]
    assert sorted(d.status for d in Dedup()(same_day)) == [DUPLICATE, KEPT]
    # Without dates (or on two days) it reads as two issues of the table.
    assert {d.status for d in Dedup()([dated("a", RATES, None), dated("b", RATES_CORRECTED, None)])} == {KEPT}
    # The same day, a word put in another's place as well: a later report of the day, not a correction.
    reworded = RATES_CORRECTED.replace("said it set", "said it lowered")
    assert {d.status for d in Dedup()([same_day[0], dated("c", reworded, "1987-04-01 16:40")])} == {KEPT}
    # An hour in the body put in another's place: the table at two hours.
    hourly = [dated("d", RATES.replace("as follows:", "as follows at 1000 hrs edt:"), "1987-04-01 10:12"),
              dated("e", RATES_CORRECTED.replace("as follows:", "as follows at 1100 hrs edt:"), "1987-04-01 11:05")]
    assert {d.status for d in Dedup()(hourly)} == {KEPT}


# A short item, and the day's fuller story that takes it in under a headline of its own.
ITEM = ("HARBOUR MINISTER OPPOSES PORT TAX\n\nHarbour's finance minister Ellen Voss said she opposed a port "
        "transit tax proposed by the opposition leader, or any other special levy on shipping.\n"
        "    \"A transit tax would be a particularly poor way to raise money,\" Voss said in an interview "
        "with Coastal Radio. The port is among the busiest in the region and new levies would drive "
        "traffic to its rivals, she said.")
FULLER = ("HARBOUR MINISTER AGAINST TAX RISE\n\nHarbour's finance minister Ellen Voss said she opposes a rise in "
          "income tax to close the budget gap and favours spending cuts instead, in an interview with Coastal "
          "Radio on its morning programme.\n    She said taxes already take 31 pct of national income, while "
          "spending runs at 36 pct, and cuts were the best way to close the gap.\n"
          "    Voss said she opposed a port transit tax proposed by the opposition leader, or any other special "
          "levy on shipping.\n    \"A transit tax would be a particularly poor way to raise money,\" the "
          "minister said. The port is among the busiest in the region and new levies would drive traffic to "
          "its rivals.\n    On trade, Voss said exports should grow by four to five pct this year as the "
          "currency weakens, and she expected the central bank to keep its rates where they are.")


def test_a_short_item_inside_the_day_s_fuller_story_is_one_story():
    jaccard, containment = word_pair_overlap(ITEM, FULLER)
    assert jaccard < 0.4 and 0.85 <= containment < 0.9  # neither the Jaccard nor the containment rule
    same_day = [dated("a", ITEM, "1987-03-26 08:33"), dated("b", FULLER, "1987-03-26 10:11")]
    out = list(Dedup()(same_day))
    assert sorted(d.status for d in out) == [DUPLICATE, KEPT] and {d.rule for d in out} == {None, "rewrite"}
    assert {d.status for d in Dedup(DedupConfig(rewrite_inside=1.0))(same_day)} == {KEPT}
    # A week on, a story may well reuse the item's paragraphs as background.
    assert {d.status for d in Dedup()([same_day[0], dated("c", FULLER, "1987-04-02")])} == {KEPT}
