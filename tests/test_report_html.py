"""The HTML report: its content, and the page as a real browser renders it."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import report_html
from pipeline.batch import run
from pipeline.cli import cli
from pipeline.manifest import read_manifest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


@pytest.fixture(scope="module")
def samples_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    raw = root / "raw"
    shutil.copytree(Path(__file__).resolve().parent / "samples", raw, ignore=shutil.ignore_patterns("seeds", ".*"))
    run(raw, root / "clean")
    out = root / "report.html"
    result = CliRunner().invoke(cli, ["report", str(root / "clean"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return root / "clean", out


def kept_with_removals(clean: Path) -> dict:
    return next(r for r in read_manifest(clean) if r["status"] == "kept" and r.get("removed_lines"))


class Elements(HTMLParser):
    """Start tags with their attributes, and the text inside chosen elements."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[tuple[str, dict, list]] = []
        self.closed: list[tuple[str, dict, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag not in ("br", "meta", "input", "img", "rect"):
            self.stack.append((tag, attrs, []))

    def handle_endtag(self, tag):
        while self.stack:
            name, attrs, text = self.stack.pop()
            joined = "".join(text)
            self.closed.append((name, attrs, joined))
            if self.stack:
                self.stack[-1][2].append(joined)
            if name == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)

    def find(self, tag: str, cls: str | None = None) -> list[tuple[dict, str]]:
        return [(a, t) for n, a, t in self.closed if n == tag and (cls is None or cls in (a.get("class") or "").split())]


def parse(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    return parser


def test_report_counts_everything_and_needs_no_network(samples_run):
    clean, out = samples_run
    page = out.read_text(encoding="utf-8")
    records = read_manifest(clean)
    dom = parse(page)
    cards = {a["data-count"]: int(t.replace(",", "")[: len(t) - len(a["data-count"])])
             for a, t in dom.find("div", "card")}
    assert cards["records"] == len(records)
    assert cards["kept"] == sum(r["status"] == "kept" for r in records)
    assert cards["duplicate"] == sum(r["status"] == "duplicate" for r in records) > 0
    for tag, attrs in dom.tags:  # nothing to fetch: no src, no stylesheet links
        assert "src" not in attrs and not (tag == "link" and attrs.get("rel") == "stylesheet")
    assert "default-src 'none'" in page
    data = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page,
                                re.S).group(1))
    assert [d[0] for d in data["docs"]] == [r["id"] for r in records]
    rules = {a["data-rule"] for a, _ in dom.find("tr") if "data-rule" in a}
    assert rules == {rule for r in records for rule in r.get("removed_lines", {})}


def test_panel_text_came_in_with_the_removed_lines_in_place(samples_run):
    clean, out = samples_run
    rec = kept_with_removals(clean)
    page = out.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))
    lines = data["texts"][rec["id"]]["lines"]
    audit = [json.loads(x) for x in (clean / "audit" / f"{rec['id']}.jsonl").read_text().splitlines()]
    assert [[a["line"], a["rule"]] for a in audit] == [line for line in lines if line[1]]
    kept_text = (clean / rec["path"]).read_text(encoding="utf-8")
    assert all(line[0].split()[0] in kept_text for line in lines if not line[1])


def test_duplicate_pair_marks_the_differences():
    left, right = report_html.diff_marked("the ferry will run on battery power",
                                          "the ferry is to run on battery power from spring")
    assert left == 'the ferry <del class="diff">will</del> run on battery power'
    assert right == 'the ferry <ins class="diff">is to</ins> run on battery power <ins class="diff">from spring</ins>'
    left, _ = report_html.diff_marked("<b>x</b> y", "z y")
    assert "<b>" not in left


def test_without_the_raw_folder_the_report_still_shows_kept_texts(samples_run, tmp_path):
    clean, _ = samples_run
    page = report_html.build(clean, raw_dir=tmp_path)  # an empty folder: nothing to read again
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))
    rec = kept_with_removals(clean)
    assert data["texts"][rec["id"]]["removed"]
    assert "is not available" in page


def test_a_sample_is_stable_and_keeps_every_status():
    records = [{"id": f"{i:04x}", "status": "kept" if i % 10 else "rejected"} for i in range(2000)]
    chosen = report_html.sample(records, 100)
    again = report_html.sample(list(reversed(records)), 100)
    assert {r["id"] for r in chosen} == {r["id"] for r in again}
    statuses = [r["status"] for r in chosen]
    assert statuses.count("rejected") == 50 and statuses.count("kept") == 90
    assert report_html.sample(records[:30], 100) == records[:30]


def browser() -> str | None:
    for name in (os.environ.get("PIPELINE_BROWSER"), *BROWSERS):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def chromium(tmp_path: Path, *args: str) -> str:
    found = browser()
    if found is None:
        pytest.skip("no Chromium found (apt-get install chromium); the browser checks of the report are skipped")
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    done = subprocess.run([found, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_browser_renders_counts_struck_lines_and_pairs(samples_run, tmp_path):
    clean, out = samples_run
    rec = kept_with_removals(clean)
    dom = parse(chromium(tmp_path, "--dump-dom", f"{out.as_uri()}#doc={rec['id']}"))
    records = read_manifest(clean)
    rows = [a for a, _ in dom.find("tr") if "data-id" in a]
    assert [a["data-id"] for a in rows] == [r["id"] for r in records][:50]
    assert dom.find("span", None) and any(t == f"{len(records)} of {len(records)} listed"
                                          for a, t in dom.find("span") if a.get("id") == "shown")
    panel = [a for a, _ in dom.find("div") if a.get("id") == "panel"]
    assert panel and panel[0].get("data-id") == rec["id"] and "hidden" not in panel[0]
    struck = [t for _, t in dom.find("del", "removed")]
    audit = [json.loads(x)["line"] for x in (clean / "audit" / f"{rec['id']}.jsonl").read_text().splitlines()]
    assert struck == audit
    assert {t for _, t in dom.find("span", "rule")} == set(rec["removed_lines"])
    pairs = dom.find("div", "pair")
    assert pairs
    sides = [a["class"] for a, _ in dom.find("div") if "side" in (a.get("class") or "")]
    assert "side kept" in sides and "side copy" in sides
    assert dom.find("ins", "diff") and dom.find("del", "diff")


def test_browser_filters_by_status_from_the_address(samples_run, tmp_path):
    clean, out = samples_run
    dom = parse(chromium(tmp_path, "--dump-dom", f"{out.as_uri()}#status=duplicate"))
    rows = [a for a, _ in dom.find("tr") if "data-id" in a]
    duplicates = [r["id"] for r in read_manifest(clean) if r["status"] == "duplicate"]
    assert [a["data-id"] for a in rows] == duplicates and {a["data-status"] for a in rows} == {"duplicate"}


def test_browser_screenshot_is_kept(samples_run, tmp_path):
    _, out = samples_run
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    chromium(tmp_path, "--window-size=1280,2000", f"--screenshot={shot}", out.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
