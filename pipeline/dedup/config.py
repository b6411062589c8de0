"""Settings of the dedup stage.

Two groups of settings live here:

* Settings that decide what a signature *is* (shingle kind and size, number
  of permutations, bands x rows, seed, normalisation version). Signatures or
  an index built with one set of these cannot be compared with another set,
  so they are summarised in ``fingerprint`` and every stored artefact carries
  it. Mixing fingerprints raises ``SettingsMismatch``.
* Decision thresholds used when verifying a candidate pair. They can change
  between runs without rebuilding anything.

Bands and rows are given explicitly: ``num_perm`` must equal
``bands * rows``. Choosing them from a threshold (as ``MinHashLSH`` does)
may leave permutations unused and hides the real candidate threshold, which
is about ``(1 / bands) ** (1 / rows)``.
"""
from __future__ import annotations

from dataclasses import dataclass

SHINGLE_KINDS = ("word", "char")
# Version of the signature arithmetic and stored data (hash of shingles,
# datasketch "affine32" permutations, 32-bit band keys, number sets).
# Bump when it changes.
SIGNATURE_VERSION = 4


class SettingsMismatch(ValueError):
    """Signatures or an index were built with different dedup settings."""


@dataclass(frozen=True)
class DedupConfig:
    # Word 2-grams over normalised tokens: they survive word edits and OCR
    # noise far better than 5-grams while staying fast to compute
    # (bench/bench_dedup.py compares word 2/3/5-grams and char 5-grams).
    shingle: str = "word"
    shingle_size: int = 2
    # 64 bands of 4 rows: a pair with Jaccard 0.4 becomes a candidate with
    # probability 0.81, J 0.5 with 0.98; an unrelated pair at J 0.02 with
    # 1e-5, which keeps candidate counts near linear at a million documents
    # (3 rows would let such pairs through dozens of times more often).
    num_perm: int = 256
    bands: int = 64
    rows: int = 4
    seed: int = 1
    # Extra bands over the lead (the first ``lead_shingles`` shingles), for
    # the pairs the bands above rarely see: a first short version of a story
    # and its full text share their beginning, while their Jaccard is low
    # (a 30-word flash in a 300-word story: about 0.1). A flash of a
    # headline's length shares about a third of the story's lead: in 20
    # bands of three rows a candidate with probability 0.52 (10 bands: 0.31;
    # 10 of two rows: 0.69, but the stage then peaks at 3.66 GiB on 1M
    # generated documents, not 2.98).
    # ``lead_bands`` 0 turns them off.
    lead_shingles: int = 25
    lead_bands: int = 20
    lead_rows: int = 3
    # Anchors (pipeline.dedup.anchors), for pairs neither kind of band
    # sees: a flash inside its full story, a first version with its own
    # headline. Each document keeps the ``anchor_count`` shingles of its
    # own with the smallest values of a second hash; two documents sharing
    # ``anchor_min_shared`` anchors are a candidate pair, counting only
    # anchors that at most ``anchor_cap`` documents have (a common phrase
    # is no evidence). ``anchor_count`` 0 turns them off.
    anchor_count: int = 16
    anchor_min_shared: int = 2
    anchor_cap: int = 16
    # Pairs of function words ("of the", "it said") are chosen as anchors
    # last (word 2-grams only): they are in too many texts to find a pair.
    anchor_plain: bool = True
    # A candidate pair is a duplicate when either rule holds. Lower Jaccard
    # thresholds find more heavily edited copies but also join more reports
    # written on one template.
    jaccard_threshold: float = 0.4
    # Containment of the smaller shingle set in the larger one: catches
    # truncated copies, first short versions of a story and copies with
    # paragraphs added. Kept high so that a page quoting part of a short
    # article is not called its copy.
    containment_threshold: float = 0.9
    # A first version of a story (a flash, its first paragraphs, a short
    # re-write sent before the full story) shares less with the full text
    # than a truncated copy, yet is the same story: it counts as a duplicate
    # (rule "first_version") when this share of its word pairs is in the
    # other text, every figure it has is in the other text too, and it
    # begins as the other does (``first_version_lead`` of the word pairs of
    # its first 25 tokens are in the other's lead). The template guard
    # applies as to every rule. 0 turns the rule off.
    first_version_containment: float = 0.7
    first_version_lead: float = 0.5
    first_version_length: float = 0.67
    # A story written again (a corrected re-send reworded, a second take,
    # a fuller version under the same headline) keeps sentences of the
    # other word for word while changing others. It is a duplicate (rule
    # "rewrite") when ``rewrite_containment`` of the smaller text's word
    # pairs are in the other, the two share at least ``rewrite_min_shared``
    # word pairs (two sentences or so, not a stock phrase or a template's
    # frame) and a Jaccard of ``rewrite_min_jaccard`` (a digest quoting one
    # item is far longer than the item), and it says so: one text calls
    # itself a correction or a repeat, or both carry the same headline and
    # are dated the same day. A follow-up story reuses background
    # paragraphs under a headline of its own; a routine report keeps its
    # headline from day to day. The number check, the template guard and
    # the date rule apply. 0 turns it off. On one day, a text with
    # ``rewrite_inside`` of its word pairs in the other (a short item taken
    # into the day's fuller story) is written again whatever its headline.
    rewrite_containment: float = 0.5
    rewrite_inside: float = 0.85
    rewrite_min_shared: int = 30
    rewrite_min_jaccard: float = 0.2
    # Containment alone is not trusted for tiny texts: a few shared shingles
    # (a byline, a stock phrase) would make a short note "contained".
    min_containment_shingles: int = 10
    # Texts that both carry at least ``min_numbers`` distinct number tokens
    # must share this fraction of the smaller one's numbers (0 turns the
    # check off): same-template reports with other figures stay apart.
    numbers_threshold: float = 0.5
    min_numbers: int = 3
    # A second look at pairs the word rules reject that still share a good
    # part of their word pairs (Jaccard >= char_check_min_jaccard): OCR
    # errors and edits inside words break word pairs but leave most
    # character 5-grams intact, so the pair is a duplicate when those reach
    # char_jaccard_threshold. Off (0) by default; 0.5 suits OCR-heavy
    # sources (bench/bench_dedup.py: on, the labelled clusters gain recall,
    # the judged newswire pairs lose nothing, and the index keeps texts). The number check applies as well. With it on, the
    # index also stores each document's text, compressed.
    char_jaccard_threshold: float = 0.0
    char_check_min_jaccard: float = 0.2
    # Short notices written on one template (dividends, tenders) differ in
    # a few words and figures only: they get no second look.
    char_check_min_shingles: int = 60
    # The template guard (pipeline.dedup.template): a verified pair whose
    # leads each carry their own numbers, dates, times or names in the same
    # place is two issues of one report, not a copy. The figures below say
    # how many such tokens it takes (2: one on each side), and the share of
    # such places among the places where the leads differ by a substitution.
    # Two documents dated more than this many calendar days apart are not
    # duplicates (pipeline.dedup.dates): a re-send, a correction, a first
    # version or a syndicated copy goes out within days; the same notice
    # weeks later is that week's news. Documents without a date are
    # compared on their texts alone. 0 turns it off.
    max_days_apart: float = 3.0
    template_guard: bool = True
    template_lead_words: int = 50
    template_min_data: int = 2
    template_data_share: float = 0.5
    # Two more kinds of data for the guard: a forecast against the report
    # itself ("HOGS SEEN UP" and "HOGS OPEN UP"), and the period a report is
    # for ("Mthly div" and "Qtly div"; this one holds even for one company's
    # two texts of one day, which the guard otherwise lets be).
    template_stages: bool = True
    template_periods: bool = True
    # A table sent again on one day under its headline with only figures
    # changed (no word, name, day or hour in another's place) is a
    # correction, not the next issue (False: the guard holds for it too).
    template_corrected_tables: bool = True
    # A document made of two stories (one with paragraphs of another added)
    # joins one of them only (pipeline.dedup.cluster): two of its verified
    # neighbours with no edge between them are one story when this share of
    # the smaller one's word pairs is in the other. Unrelated news stories
    # share under a tenth (common pairs such as "of the"); copies of one
    # story far more. 0 turns it off.
    composite_overlap: float = 0.1

    def __post_init__(self) -> None:
        if self.shingle not in SHINGLE_KINDS:
            raise ValueError(f"shingle must be one of {SHINGLE_KINDS}, got {self.shingle!r}")
        if self.shingle_size < 1:
            raise ValueError("shingle_size must be at least 1")
        if self.bands < 1 or self.rows < 1:
            raise ValueError("bands and rows must be positive")
        if self.lead_bands < 0 or self.lead_rows < 1 or self.lead_shingles < 1:
            raise ValueError("lead_bands must be 0 or more, lead_rows and lead_shingles positive")
        if self.anchor_count < 0 or self.anchor_min_shared < 1 or self.anchor_cap < 2:
            raise ValueError("anchor_count must be 0 or more, anchor_min_shared at least 1, anchor_cap at least 2")
        if self.template_lead_words < 2 or self.template_min_data < 2:
            raise ValueError("template_lead_words and template_min_data must be at least 2")
        if self.num_perm != self.bands * self.rows:
            raise ValueError(
                f"num_perm ({self.num_perm}) must equal bands * rows "
                f"({self.bands} * {self.rows} = {self.bands * self.rows})"
            )
        for name in ("jaccard_threshold", "containment_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        if self.max_days_apart < 0:
            raise ValueError(f"max_days_apart must be 0 or more, got {self.max_days_apart}")
        for name in ("numbers_threshold", "char_jaccard_threshold", "char_check_min_jaccard", "template_data_share",
                     "first_version_containment", "first_version_lead", "first_version_length",
                     "rewrite_containment", "rewrite_min_jaccard", "rewrite_inside", "composite_overlap"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")

    @property
    def fingerprint(self) -> str:
        """Everything that changes signature values or band keys."""
        from .shingles import NORMALISATION_VERSION  # with numpy: only when signatures matter

        return (
            f"minhash-v{SIGNATURE_VERSION}:norm-v{NORMALISATION_VERSION}:"
            f"{self.shingle}{self.shingle_size}:perm{self.num_perm}:"
            f"b{self.bands}r{self.rows}:seed{self.seed}"
            + (f":lead{self.lead_shingles}b{self.lead_bands}r{self.lead_rows}" if self.lead_bands else "")
            + (f":anchor{self.anchor_count}" if self.anchor_count else "")
            + ("p" if self.anchor_count and self.plain_anchors_last else "")
        )

    @property
    def plain_anchors_last(self) -> bool:
        """Whether anchors put function-word pairs last (``anchor_plain``, for word 2-grams)."""
        return self.anchor_plain and self.shingle == "word" and self.shingle_size == 2

    @property
    def all_bands(self) -> int:
        """Keys per document: the bands, the lead bands, then the anchors."""
        return self.bands + self.lead_bands + self.anchor_count

    @property
    def band_columns(self) -> int:
        """Keys per document that are bands (matched column by column)."""
        return self.bands + self.lead_bands

    def check(self, fingerprint: str, what: str = "signatures") -> None:
        """Refuse artefacts made with other settings."""
        if fingerprint != self.fingerprint:
            raise SettingsMismatch(
                f"{what}: built with dedup settings {fingerprint!r}, "
                f"but the current dedup settings are {self.fingerprint!r}; "
                "rebuild it or run with the original settings"
            )
