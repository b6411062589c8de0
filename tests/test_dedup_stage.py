"""The dedup stage on small fixtures: decisions, verification, clustering."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from dedup_fixtures import ARTICLES, FLOOD, HARBOUR, MUSEUM, TRAINS, on_site, syndicated

from pipeline.document import DUPLICATE, EMPTY, KEPT, PENDING, Document, Removal
from pipeline.dedup import Dedup, DedupConfig, overlap, resolve, shingle_set, verify
from pipeline.dedup import stage as stage_module

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def doc(doc_id: str, text: str, **kw) -> Document:
    return Document(id=doc_id, source=f"{doc_id}.txt", content=text, **kw)


def run(*docs: Document, config: DedupConfig | None = None) -> dict[str, Document]:
    return {d.id: d for d in Dedup(config or DedupConfig())(list(docs))}


def test_distinct_articles_are_all_kept():
    out = run(*(doc(f"a{i}", t) for i, t in enumerate(ARTICLES)))
    assert {d.status for d in out.values()} == {KEPT}
    assert all(d.duplicate_of is None and d.similarity is None for d in out.values())


def pair_of(out: dict[str, Document]) -> set[tuple[str, str]]:
    return {(d.id, d.duplicate_of) for d in out.values() if d.status == DUPLICATE}


def test_syndicated_copy_is_a_duplicate_of_the_original():
    out = run(doc("orig", HARBOUR), doc("copy", syndicated(HARBOUR, keep=0.8)), doc("other", FLOOD))
    assert out["other"].status == KEPT
    # The wrapped copy is the longer text, so it is the one kept.
    assert pair_of(out) == {("orig", "copy")}
    assert 0.4 <= out["orig"].similarity <= 1
    # Cut to 60% and wrapped in another site's boilerplate: now the
    # original is the longer text. (Cut much shorter, the foreign
    # boilerplate outweighs the text: the strip stage must remove it first.)
    out = run(doc("orig", HARBOUR), doc("copy", syndicated(HARBOUR, keep=0.6)))
    assert pair_of(out) == {("copy", "orig")}


def test_truncated_copy_is_caught_by_containment():
    half = HARBOUR[: len(HARBOUR) * 3 // 10]
    a, b = shingle_set(HARBOUR, "word", 2), shingle_set(half, "word", 2)
    match = verify(a, b, DedupConfig())
    assert match is not None and match.rule == "containment" and match.jaccard < 0.4
    out = run(doc("full", HARBOUR), doc("half", half))
    assert out["half"].duplicate_of == "full"


def test_each_duplicate_records_the_rule_that_matched():
    half = HARBOUR[: len(HARBOUR) * 3 // 10]
    out = run(doc("full", HARBOUR), doc("half", half), doc("same", HARBOUR.upper()),
              doc("edited", HARBOUR.replace("harbour", "port", 2)), doc("other", FLOOD))
    assert (out["half"].rule, out["same"].rule, out["edited"].rule) == ("containment", "exact", "jaccard")
    assert out["same"].similarity == 1.0 and out["full"].rule is None and out["other"].rule is None
    from pipeline.manifest import record_of

    assert record_of(out["half"])["rule"] == "containment" and "rule" not in record_of(out["full"])


def test_copy_with_an_added_paragraph_is_a_duplicate():
    longer = TRAINS + "\nA spokesman for the manufacturer said production would take place at its northern plant."
    out = run(doc("t", TRAINS), doc("t+", longer))
    # The longer, more complete copy is kept.
    assert out["t+"].status == KEPT and out["t"].duplicate_of == "t+"


def test_articles_of_one_site_sharing_boilerplate_do_not_merge():
    out = run(*(doc(f"site{i}", on_site(t)) for i, t in enumerate(ARTICLES)))
    assert {d.status for d in out.values()} == {KEPT}
    # ...while the same article on that site and on another one do.
    out = run(doc("site", on_site(MUSEUM)), doc("wire", syndicated(MUSEUM, keep=1.0)))
    assert out["wire"].duplicate_of == "site" or out["site"].duplicate_of == "wire"


def test_lsh_false_positives_are_rejected(monkeypatch):
    # Make every pair a candidate, as if all band keys collided.
    def everything(keys, config, min_right=0):
        n = len(keys)
        return np.array([(i, j) for j in range(max(1, min_right), n) for i in range(j)], dtype=np.int64).reshape(-1, 2)

    monkeypatch.setattr(stage_module, "candidates", everything)
    out = run(*(doc(f"a{i}", t) for i, t in enumerate(ARTICLES)), doc("copy", syndicated(FLOOD)))
    assert pair_of(out) in ({("copy", "a1")}, {("a1", "copy")})


def test_kept_choice_is_deterministic_and_order_independent_for_equal_texts():
    docs = [doc("b", FLOOD), doc("a", FLOOD), doc("c", FLOOD + " Updated with a final sentence about the roads.")]
    first = run(*docs)
    again = run(*docs)
    assert first == again
    # The longest copy wins; equal copies follow it.
    assert first["c"].status == KEPT
    assert first["a"].duplicate_of == "c" and first["b"].duplicate_of == "c"
    # Equal texts only: the first in input order is kept.
    out = run(doc("y", MUSEUM), doc("x", MUSEUM))
    assert out["y"].status == KEPT and out["x"].duplicate_of == "y"


def test_no_chaining_through_an_intermediate():
    # a ~ b and b ~ c, but a !~ c: c must not become a duplicate of a.
    edges = np.array([(0, 1), (1, 2)])
    keeper, score = resolve(3, edges, [0.5, 0.5], sizes=[10, 10, 10])
    assert keeper.tolist() == [1, 1, 1]  # b is the centre: both verify against it
    keeper, score = resolve(4, np.array([(0, 1), (1, 2), (2, 3)]), [0.5] * 3, sizes=[10] * 4)
    assert keeper[0] == 1 and keeper[2] == 1 and keeper[3] == 3
    assert np.isnan(score[1]) and score[0] == 0.5


def test_finished_and_blank_documents_pass_through():
    rejected = doc("r", "", status="rejected", reason="binary")
    empty = doc("e", "", status=EMPTY)
    blank = doc("b", "   \n ")
    earlier = doc("k", HARBOUR, status=KEPT)
    docs = [rejected, doc("x", HARBOUR), empty, blank, earlier, doc("y", HARBOUR)]
    out = list(Dedup()(docs))
    assert [d.id for d in out] == ["r", "x", "e", "b", "k", "y"]
    assert out[0] is rejected and out[2] is empty and out[3] is blank and out[4] is earlier
    assert out[3].status == PENDING
    assert out[1].status == KEPT and out[5].duplicate_of == "x"


def test_empty_input():
    assert list(Dedup()([])) == []


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds not available")
def test_five_seed_articles_stay_five():
    files = sorted(SEEDS.glob("*.txt"))
    assert len(files) == 5
    out = list(Dedup()(doc(f.stem, f.read_text(encoding="utf-8")) for f in files))
    assert [d.status for d in out] == [KEPT] * 5


def test_signing_in_worker_processes_gives_the_same_result(monkeypatch):
    monkeypatch.setattr(stage_module, "_CHUNK", 4)
    texts = [t[: 40 * (i % 7 + 1)] for i in range(10) for t in ARTICLES]
    config = DedupConfig()
    one = stage_module.sign(texts, config)
    two = stage_module.sign_parallel(texts, config, workers=2)
    assert np.array_equal(one.keys, two.keys)
    assert np.array_equal(one.shingles, two.shingles) and np.array_equal(one.offsets, two.offsets)


sets = st.lists(st.integers(0, 60), max_size=40).map(lambda xs: np.unique(np.array(xs, dtype=np.uint32)))


@settings(max_examples=200, deadline=None)
@given(sets, sets)
def test_overlap_is_symmetric_and_bounded(a, b):
    j, c = overlap(a, b)
    assert (j, c) == overlap(b, a)
    assert 0.0 <= j <= c <= 1.0
    if len(a) and len(b):
        assert j == pytest.approx(len(np.intersect1d(a, b)) / len(np.union1d(a, b)))


def test_same_template_reports_with_other_figures_stay_apart():
    week1 = ("Regional money supply rises in week. Narrow money supply rose 217 mln crowns to 32.80 billion "
             "in the week ended February 25, the central bank said. Broad money rose 556 mln crowns to "
             "75.19 billion and savings deposits rose 651 mln to 176.87 billion.")
    week2 = ("Regional money supply rises in week. Narrow money supply rose 592 mln crowns to 33.36 billion "
             "in the week ended March 4, the central bank said. Broad money rose 778 mln crowns to "
             "75.95 billion and savings deposits rose 1.09 billion to 177.95 billion.")
    out = run(doc("w1", week1), doc("w2", week2))
    assert {d.status for d in out.values()} == {KEPT}
    guard_only = run(doc("w1", week1), doc("w2", week2), config=DedupConfig(numbers_threshold=0.0,
                                                                             jaccard_threshold=0.3))
    assert not pair_of(guard_only)  # the template guard alone keeps them apart
    off = run(doc("w1", week1), doc("w2", week2),
              config=DedupConfig(numbers_threshold=0.0, jaccard_threshold=0.3, template_guard=False))
    assert pair_of(off)  # without either check they would merge
    # A copy keeps its figures and is still a duplicate.
    out = run(doc("w1", week1), doc("w1-copy", "UPDATE - " + week1.upper()))
    assert pair_of(out)


# -- the character check (off by default) ----------------------------------------

def _ocr_batch(seed: int = 3) -> list[Document]:
    from dedup_fixtures import ocr_noise

    return ([Document(id=f"a{i}", source="a.txt", content=a) for i, a in enumerate(ARTICLES)]
            + [Document(id=f"o{i}", source="o.txt", content=ocr_noise(a, 0.3, seed)) for i, a in enumerate(ARTICLES)])


def test_character_check_joins_ocr_copies_only_when_turned_on():
    from pipeline.dedup.verify import char_jaccard

    docs = _ocr_batch()
    off = [d for d in Dedup()(docs) if d.status == DUPLICATE]
    on = {d.id: d for d in Dedup(DedupConfig(char_jaccard_threshold=0.5))(docs)}
    assert off == []  # every OCR copy shares under 0.4 of its word pairs with its article
    pairs = {frozenset((d.id, d.duplicate_of)) for d in on.values() if d.status == DUPLICATE}
    assert pairs == {frozenset((f"a{i}", f"o{i}")) for i in range(len(ARTICLES))}
    dup = next(d for d in on.values() if d.status == DUPLICATE)
    assert dup.similarity == round(char_jaccard(dup.text, on[dup.duplicate_of].text), 4) >= 0.5


def test_character_check_leaves_short_notices_alone():
    from pipeline.dedup import sign, verify_many

    # Word pairs J 0.33 (the word rules refuse), character 5-grams J 0.68.
    a = "Ohio Art Co said it sets its quarterly dividend of six cts vs six cts prior, payable May eight, record April ten."
    b = ("Ohio Art Co said it set its quarterly dividends of sixty cts vs sixty cts prior, payable May eighth, "
         "record April tenth.")
    config = DedupConfig(char_jaccard_threshold=0.5)
    signed = sign([a, b], config)
    accepted, _, _ = verify_many(np.array([[0, 1]]), signed.shingles, signed.offsets, config, texts=[a, b].__getitem__)
    assert not accepted[0]
    longer = DedupConfig(char_jaccard_threshold=0.5, char_check_min_shingles=5)
    accepted, _, _ = verify_many(np.array([[0, 1]]), signed.shingles, signed.offsets, longer, texts=[a, b].__getitem__)
    assert accepted[0]  # the same pair passes once short texts may be checked


def test_a_text_made_of_two_stories_joins_one_of_them_only():
    # A roundup: a flood brief, then the harbour story. The brief is inside
    # it, as are the harbour story and its copy; the brief and the harbour
    # story share nothing, so the roundup is not the brief's copy.
    brief = "\n".join(FLOOD.split("\n")[:3])
    roundup = brief + "\n" + HARBOUR
    docs = [doc("harbour", HARBOUR), doc("copy", syndicated(HARBOUR, keep=0.8)), doc("brief", brief),
            doc("roundup", roundup)]
    out = run(*docs)
    assert out["brief"].status == KEPT
    assert out["harbour"].duplicate_of == "roundup" and out["copy"].duplicate_of == "roundup"
    # Off, the roundup at the centre claims every text inside it.
    out = run(*docs, config=DedupConfig(composite_overlap=0.0))
    assert out["brief"].duplicate_of == "roundup"
    # A flash of the harbour story shares its text: it stays in the group.
    flash = "\n".join(HARBOUR.split("\n")[:3])
    out = run(*docs, doc("flash", flash))
    assert out["flash"].duplicate_of == "roundup" and out["brief"].status == KEPT


def test_a_composite_centre_keeps_the_story_with_most_copies():
    # Node 0 has verified edges to 1, 2 (one story, an edge between them)
    # and 3 (another, sharing nothing): it claims 1 and 2, 3 stays kept.
    class Apart:
        def together(self, a, b):
            return False

        def cover(self, whole, part):
            return 0.5

    edges = np.array([(0, 1), (0, 2), (1, 2), (0, 3)])
    keeper, _ = resolve(4, edges, [0.6, 0.6, 0.9, 0.9], sizes=[30, 20, 20, 10], stories=Apart())
    assert keeper.tolist() == [0, 0, 0, 3]
    keeper, _ = resolve(4, edges, [0.6, 0.6, 0.9, 0.9], sizes=[30, 20, 20, 10])
    assert keeper.tolist() == [0, 0, 0, 0]


# -- headlines ----------------------------------------------------------------

NOTICE = "Qtly div 35 cts vs 35 cts prior\nPay April One\nRecord March 14\nReuter"


def notice(doc_id: str, headline: str, text: str = NOTICE) -> Document:
    """A notice as the strip stage leaves it: its headline moved to the metadata."""
    return doc(doc_id, text, removed=(Removal(headline, "headline"),), meta={"title": headline})


def test_notices_of_two_companies_on_one_template_are_both_kept():
    out = run(notice("a", "HARBOUR FERRIES INC <HFT> SETS PAYOUT"), notice("b", "NORTHWIND MILLS CORP <NWM> SETS PAYOUT"))
    assert {d.status for d in out.values()} == {KEPT}
    # Without the headlines the texts are one and the same.
    assert run(doc("a", NOTICE), doc("b", NOTICE))["b"].status == DUPLICATE


def test_one_notice_under_two_headlines_is_a_duplicate():
    out = run(notice("a", "HARBOUR FERRIES INC <HFT> SETS PAYOUT"),
              notice("b", "HARBOUR FERRIES INC <HFT> REGULAR DIVIDEND"))
    assert out["b"].status == DUPLICATE and out["b"].duplicate_of == "a"


def test_compared_text_is_the_headline_and_the_text():
    assert stage_module.compared_text(notice("a", "HEADLINE")) == "HEADLINE\n\n" + NOTICE
    assert stage_module.compared_text(doc("a", NOTICE)) == NOTICE
