"""The whole pipeline over the samples in tests/samples (and the shared seeds when present).

One run per module into a temporary clean folder; the tests then read its
manifest and clean texts like a user would.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.sources import discover, relative_source

from conftest import RAW, SEEDS

STATUSES = {"kept", "duplicate", "rejected", "empty"}
ORIGINAL = "news/harbour-gazette-kelmouth-ferry.html"
SYNDICATED = "syndicated/coastline-daily-battery-ferries.html"
DUMP = "dumps/riverside-courier-bridge-closure.txt"
TABLE_LAYOUT = "news/lakeland-observer-snowfield.html"

# Site chrome common to the sample pages.
CHROME = ["cookie", "Cookie", "newsletter", "Newsletter", "Sign up", "Subscribe", "Share on",
          "Skip to", "All rights reserved", "Privacy"]

# (source, sentences of the body that must survive, page chrome that must not)
PAGES = [
    (ORIGINAL,
     ["The two diesel ferries that have carried passengers across the Kelmouth estuary since 1989",
      "This is the right moment to do it properly.",
      "The trust expects the first electric crossing to take place in late May."],
     ["What's On", "Accept all cookies", "Share on Facebook", "Copy link", "Get the Gazette in your inbox",
      "Slipway repairs delayed again", "Related stories", "Westbanker62", "Post comment", "About us",
      "Harbour Gazette Media Ltd"]),
    ("news/midland-ledger-library-hours.html",
     ["Four branch libraries in Dunmore and the surrounding villages will open on Sunday afternoons",
      "What the volunteers give us is the extra pair of hands that makes opening possible.",
      "attend an information evening at Dunmore Green library on 3 March."],
     ["Obituaries", "This website uses cookies", "Tweet", "Email this story", "Never miss a story",
      "daily briefing", "Related: Council budget", "Readers map the worst potholes", "Have your say",
      "bookworm_dunmore", "Shire Regional Media", "Topics:"]),
    ("news/northfield-tribune-orchard-frost.html",
     ["Apple growers in the Ashby valley say a run of sharp frosts at the end of April",
      "We saved the top of the hill and lost the bottom,",
      "though each costs around £40,000."],
     ["Today's paper", "personalise ads", "Farming Weekly newsletter", "You might also like",
      "Cider festival returns", "Comments are closed", "Editorial code", "Corn Exchange Street",
      "LinkedIn"]),
    ("news/capital-wire-cycle-lanes.html",
     ["City councillors have approved plans for kerb-separated cycle lanes along the full length of Wexley Road",
      "They are not going to carry a bag of cement home on a bicycle.",
      "The £11.5 million cost is covered by a regional active travel grant."],
     ["Food & Drink", "142 partners", "Save for later", "Read next", "Tram extension delayed",
      "Become a supporter", "morning email", "Join the discussion", "Community Interest Company"]),
    (TABLE_LAYOUT,
     ["a patch of snow has lain almost all year round in the shadow of Corrie Glas",
      "“the mountain’s thermometer”",
      "funded by a grant from the Mountain Heritage Trust."],
     ["Skip navigation", "Letters", "Cookies help us deliver our services", "You are here",
      "Advertisement", "Share this story", "Email a friend", "Sign up for our newsletter",
      "Ptarmigan numbers fall", "Hillbagger_77", "Terms of use"]),
    ("crawl/sample.warc.gz",
     ["Stallholders in Hareford's Victorian market hall have won a six-month rent freeze",
      "to win back customers who had got used to shopping elsewhere."],
     ["Skip to content", "What's on", "Most read", "Bypass plans shelved", "Hareford Herald ©"]),
    ("feeds/sample.jsonl",  # the record with HTML
     ["A dredger arrived at Porthallow on Monday",
      "once the dredging is complete."],
     ["Porthallow Post ©"]),
]
DUMP_BODY = ["The Old Mill Bridge, the only road crossing of the river Wendle between Castlebrook and Hareford, "
             "will close to traffic for eight months",
             "possibly for much longer.",
             "free to use for the duration of the works."]
DUMP_CHROME_REMOVED = ["We use cookies", "Newsletter:", "(c) 2026", "https://riversidecourier.example",
                       "By Samuel Okonkwo-Reid"]
DUMP_CHROME_LEFT = ["Skip to main content", "[3]News", "[10]News > [11]Roads", "Share on Facebook",
                    "Castlebrook bypass plans shelved again", "Privacy policy", "References"]


@dataclass
class Run:
    raw: Path
    clean: Path
    rows: list[dict]
    exit_code: int
    output: str
    with_seeds: bool

    def by_source(self, source: str) -> list[dict]:
        return [r for r in self.rows if r["source"] == source]

    def text(self, row: dict) -> str:
        return (self.clean / row["path"]).read_text(encoding="utf-8")


def read_manifest(clean: Path) -> list[dict]:
    lines = (clean / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def run_cli(raw: Path, clean: Path):
    return CliRunner().invoke(cli, ["run", str(raw), str(clean)], catch_exceptions=False)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    base = tmp_path_factory.mktemp("e2e")
    raw = base / "raw"
    shutil.copytree(RAW, raw, ignore=shutil.ignore_patterns("seeds", ".*"))
    with_seeds = SEEDS.is_dir() and any(SEEDS.glob("*.txt"))
    if with_seeds:
        (raw / "seeds").mkdir()
        for seed in sorted(SEEDS.glob("*.txt")):
            shutil.copy(seed, raw / "seeds" / seed.name)
    result = run_cli(raw, base / "clean")
    return Run(raw, base / "clean", read_manifest(base / "clean"), result.exit_code, result.output, with_seeds)


def kept_text(run: Run, source: str, marker: str | None = None) -> str:
    rows = [r for r in run.by_source(source) if r["status"] == "kept"]
    texts = [run.text(r) for r in rows]
    if marker:
        texts = [t for t in texts if marker in t]
    assert len(texts) == 1, f"expected one kept text for {source}, found {len(texts)}"
    return texts[0]


# -- accounting -----------------------------------------------------------------------

def test_run_succeeds_without_rejections(run):
    assert run.exit_code == 0, run.output
    assert not [r for r in run.rows if r["status"] in ("rejected", "empty")]


def test_every_input_is_accounted_for(run):
    expected = {relative_source(p, run.raw) for p in discover(run.raw)}
    assert {r["source"] for r in run.rows} == expected
    for source in expected:
        rows = run.by_source(source)
        if source.endswith(".jsonl"):
            assert [r["offset"] for r in rows] == [1, 2, 3]
        else:
            assert len(rows) == 1, source
    assert len({r["id"] for r in run.rows}) == len(run.rows), "ids are unique"


def test_statuses_and_their_fields(run):
    kept = {r["id"] for r in run.rows if r["status"] == "kept"}
    for row in run.rows:
        assert row["status"] in STATUSES
        if row["status"] == "kept":
            text = run.text(row)
            assert text.strip() and text.endswith("\n") and "\n\n\n" not in text
        elif row["status"] == "duplicate":
            assert row["duplicate_of"] in kept
            assert 0 < row["similarity"] <= 1
            assert not (run.clean / f"{row['id']}.txt").exists()


def test_clean_folder_holds_only_kept_texts(run):
    texts = {p.name for p in run.clean.glob("*.txt")}
    assert texts == {r["path"] for r in run.rows if r["status"] == "kept"}


def test_metadata_reaches_the_manifest(run):
    (row,) = run.by_source(ORIGINAL)
    assert row["title"] == "Kelmouth ferry crossing to run on battery power from spring"
    assert row["author"] == "Morag Linton"
    assert row["url"] == "https://www.harbourgazette.example/news/2026/03/kelmouth-ferry-battery-power"
    assert row["date"] == "2026-03-04"
    (warc,) = run.by_source("crawl/sample.warc.gz")
    assert warc["url"] == "https://harefordherald.example/news/2026/03/market-hall-traders-rent"
    assert warc["offset"] == 1


# -- duplicates -------------------------------------------------------------------------

def test_syndicated_copy_is_a_duplicate_of_the_original(run):
    (original,) = run.by_source(ORIGINAL)
    (copy,) = run.by_source(SYNDICATED)
    assert original["status"] == "kept"
    assert copy["status"] == "duplicate"
    assert copy["duplicate_of"] == original["id"]
    assert 0.5 <= copy["similarity"] < 1.0


def test_only_the_syndicated_copy_is_a_duplicate(run):
    assert [r["source"] for r in run.rows if r["status"] == "duplicate"] == [SYNDICATED]


def test_seeds_are_kept_as_distinct_documents(run):
    if not run.with_seeds:
        pytest.skip("no shared seeds (../shared/seeds) in this checkout")
    seeds = [r for r in run.rows if r["source"].startswith("seeds/")]
    assert len(seeds) == len(list(SEEDS.glob("*.txt"))) == 5
    assert all(r["status"] == "kept" for r in seeds), [(r["source"], r["status"]) for r in seeds]
    texts = [run.text(r) for r in seeds]
    assert len(set(texts)) == 5
    assert all(len(t) > 500 for t in texts)


def test_second_run_adds_nothing(run):
    before = {p.name: p.read_bytes() for p in run.clean.glob("*.txt")}
    manifest_before = (run.clean / "manifest.jsonl").read_bytes()
    result = run_cli(run.raw, run.clean)
    assert result.exit_code == 0, result.output
    assert (run.clean / "manifest.jsonl").read_bytes() == manifest_before
    assert {p.name: p.read_bytes() for p in run.clean.glob("*.txt")} == before


def test_new_copy_in_a_later_run_is_a_duplicate_of_the_earlier_original(tmp_path):
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    (raw / "news").mkdir(parents=True)
    shutil.copy(RAW / ORIGINAL, raw / ORIGINAL)
    assert run_cli(raw, clean).exit_code == 0
    (raw / "syndicated").mkdir()
    shutil.copy(RAW / SYNDICATED, raw / SYNDICATED)
    assert run_cli(raw, clean).exit_code == 0
    rows = {r["source"]: r for r in read_manifest(clean)}
    assert rows[SYNDICATED]["status"] == "duplicate"
    assert rows[SYNDICATED]["duplicate_of"] == rows[ORIGINAL]["id"]


# -- clean texts --------------------------------------------------------------------------

@pytest.mark.parametrize("source, body, chrome", PAGES, ids=[p[0].split("/")[-1] for p in PAGES])
def test_clean_text_of_sample_pages(run, source, body, chrome):
    text = kept_text(run, source, marker=body[0])
    for sentence in body:
        assert sentence in text
    for junk in chrome:
        assert junk not in text, f"{junk!r} left in the clean text of {source}"
    paragraphs = text.rstrip("\n").split("\n\n")
    assert len(paragraphs) >= 2


@pytest.mark.parametrize("source", [p[0] for p in PAGES])
def test_common_chrome_absent(run, source):
    for row in run.by_source(source):
        text = run.text(row)
        for junk in CHROME:
            assert junk not in text, f"{junk!r} left in the clean text of {source}"


def test_body_of_table_layout_page_survives(run):
    text = kept_text(run, TABLE_LAYOUT)
    assert "For more than a century, a patch of snow" in text
    assert "funded by a grant from the Mountain Heritage Trust." in text


def test_text_dump_body_kept_and_obvious_chrome_removed(run):
    text = kept_text(run, DUMP)
    for sentence in DUMP_BODY:
        assert sentence in text
    for junk in DUMP_CHROME_REMOVED:
        assert junk not in text


def test_text_dump_menus_and_links_removed(run):
    text = kept_text(run, DUMP)
    for junk in DUMP_CHROME_LEFT:
        assert junk not in text, junk


def _copies_run(tmp_path) -> dict:
    import gzip

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    page = (RAW / "news" / "capital-wire-cycle-lanes.html").read_bytes()
    (raw / "a.html").write_bytes(page)
    (raw / "b-mirror.html").write_bytes(page)
    (raw / "c.html.gz").write_bytes(gzip.compress(page, mtime=0))
    assert run_cli(raw, clean).exit_code == 0
    return {r["source"]: r for r in read_manifest(clean)}


def test_gzipped_copy_in_one_run_is_a_duplicate_of_the_first(tmp_path):
    rows = _copies_run(tmp_path)
    assert rows["a.html"]["status"] == "kept"
    assert rows["c.html.gz"]["status"] == "duplicate"
    assert rows["c.html.gz"]["duplicate_of"] == rows["a.html"]["id"]
    assert rows["c.html.gz"]["similarity"] == 1.0


def test_identical_file_in_one_run_is_recorded_as_a_duplicate(tmp_path):
    rows = _copies_run(tmp_path)
    assert rows["b-mirror.html"]["status"] == "duplicate"
    assert rows["b-mirror.html"]["duplicate_of"] == rows["a.html"]["id"]
