"""Export, report and updated articles on generated documents.

    python bench/bench_export.py [--docs 100000] [--work DIR] [--browser chromium]

Documents: the generated feeds of bench_engines.py (Reuters-21578 texts and
perturbed copies, from ../shared/data), in two scheduled runs with
``supersede.enabled``: the first over 90% of the feeds, the second over the
rest plus re-scraped versions of 1% of the documents (same URL, a few words
changed). After each run the kept documents are exported as Parquet; then
the whole folder is exported again into a new folder (must be byte-identical),
as JSONL, and the HTML report is written and loaded in a headless browser.
Prints export throughput, shard sizes, report size, build and load time.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_engines import REUTERS, SCRAPINGHUB, generate  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def updates(raw: Path, share: float, seed: int = 7) -> int:
    """Re-scraped versions of a share of the documents: same URL, some words changed."""
    rng = random.Random(seed)
    lines = []
    for feed in sorted(raw.glob("feed*.jsonl")):
        for line in feed.read_text(encoding="utf-8").splitlines():
            if rng.random() < share:
                item = json.loads(line)
                words = item["text"].split(" ")
                for _ in range(max(1, len(words) // 25)):
                    words[rng.randrange(len(words))] = rng.choice(["corrected", "updated", "revised"])
                lines.append(json.dumps({"url": item["url"], "text": " ".join(words)}))
    (raw.parent / "later" / "updates.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def load_seconds(browser: str, page: Path, work: Path) -> tuple[float, float]:
    """Wall time for the browser to load and render the page, and for a blank page."""
    def timed(url: str, n: int) -> float:
        profile = work / f"profile-{n}"
        start = time.perf_counter()
        subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                       capture_output=True, check=True, timeout=300)
        return time.perf_counter() - start

    blank = work / "blank.html"
    blank.write_text("<!DOCTYPE html><title>blank</title>", encoding="utf-8")
    timed(blank.as_uri(), 0)  # warm the browser's files
    return timed(page.as_uri(), 1), timed(blank.as_uri(), 2)


def pages(work: Path, browser: str | None) -> None:
    """The shared benchmark pages: two runs, updated versions of some pages, export and report."""
    from pipeline import report_html, settings
    from pipeline.batch import run
    from pipeline.export import export
    from pipeline.manifest import read_manifest

    if not SCRAPINGHUB.is_dir():
        print(f"no pages at {SCRAPINGHUB}: skipping that part")
        return
    raw, later = work / "pages-raw", work / "pages-later"
    raw.mkdir(parents=True)
    later.mkdir()
    files = sorted(SCRAPINGHUB.glob("*.html"))
    for i, path in enumerate(files):
        shutil.copy(path, (later if i % 10 == 9 else raw) / path.name)
    updated = 0
    for path in files[:40:4]:  # re-scraped later with a correction in the first paragraph
        page = path.read_text(encoding="utf-8", errors="replace")
        at = page.find("<p>")
        if at < 0:
            continue
        note = "<p>Correction: an earlier version of this article misstated a figure.</p>"
        (later / f"updated-{path.name}").write_text(page[:at] + note + page[at:], encoding="utf-8")
        updated += 1
    config = settings.load(overrides=["supersede.enabled=true"])
    clean, out = work / "pages-clean", work / "pages-export"
    run(raw, clean, config)
    export(clean, out)
    for path in later.iterdir():
        shutil.move(path, raw / path.name)
    run(raw, clean, config)
    second = export(clean, out)
    records = read_manifest(clean)
    counts = {s: sum(1 for r in records if r["status"] == s) for s in
              ("kept", "duplicate", "rejected", "empty", "superseded")}
    size = report_html.write(clean, work / "pages-report.html")
    print(f"benchmark pages: {len(files)} pages + {updated} updated versions, two runs: {counts}; "
          f"export run 2: {len(second.shards_added)} new shard, {len(second.shards_rewritten)} rewritten; "
          f"report {size / 1e6:.2f} MB")
    if browser:
        page_s, blank_s = load_seconds(browser, work / "pages-report.html", work)
        print(f"  report load + render: {page_s:.2f} s (blank page {blank_s:.2f} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--browser", default=shutil.which("chromium") or shutil.which("google-chrome"))
    parser.add_argument("--pages-only", action="store_true", help="Only the shared benchmark pages.")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-export-"))
    pages(work, args.browser)
    if args.pages_only:
        return 0
    if not REUTERS.exists():
        print(f"no data at {REUTERS}: skipping the export benchmark")
        return 0
    from pipeline import report_html, settings
    from pipeline.batch import run
    from pipeline.export import ExportConfig, export
    from pipeline.manifest import read_manifest

    raw = generate(work, args.docs)
    later = work / "later"
    later.mkdir(exist_ok=True)
    feeds = sorted(raw.glob("feed*.jsonl"))
    for feed in feeds[int(len(feeds) * 0.9):]:
        shutil.move(feed, later / feed.name)
    n_updates = updates(raw, 0.01)
    config = settings.load(overrides=["supersede.enabled=true"])
    clean, out = work / "clean", work / "export"
    timings = {}

    def timed(name, fn, *args):
        start = time.perf_counter()
        result = fn(*args)
        timings[name] = time.perf_counter() - start
        return result

    timed("run 1", run, raw, clean, config)
    first = timed("export after run 1", export, clean, out)
    for path in later.iterdir():
        shutil.move(path, raw / path.name)
    timed("run 2", run, raw, clean, config)
    second = timed("export after run 2", export, clean, out)
    whole = timed("export of everything, Parquet", export, clean, work / "export-whole")
    jsonl = timed("export of everything, JSONL", export, clean, work / "export-jsonl", ExportConfig(format="jsonl"))
    identical = {p.name: p.read_bytes() for p in out.iterdir()} == \
        {p.name: p.read_bytes() for p in (work / "export-whole").iterdir()}
    records = read_manifest(clean)
    kept = sum(1 for r in records if r["status"] == "kept")
    superseded = sum(1 for r in records if r["status"] == "superseded")
    size = timed("report", report_html.write, clean, work / "report.html")

    print(f"{args.docs:,} generated documents + {n_updates:,} re-scraped versions; manifest {len(records):,} "
          f"records, {kept:,} kept, {superseded:,} superseded")
    for name, seconds in timings.items():
        print(f"  {name:32s} {seconds:8.1f} s")
    text_mb = sum((clean / r["path"]).stat().st_size for r in records if r["status"] == "kept") / 1e6
    print(f"  export throughput (everything, Parquet): {whole.rows_added / timings['export of everything, Parquet']:,.0f} "
          f"rows/s, {text_mb / timings['export of everything, Parquet']:.1f} MB of text/s")
    print(f"  export throughput (everything, JSONL):   {jsonl.rows_added / timings['export of everything, JSONL']:,.0f} rows/s")
    for label, folder in (("Parquet", work / "export-whole"), ("JSONL", work / "export-jsonl")):
        sizes = sorted(p.stat().st_size for p in folder.glob("documents-*"))
        print(f"  {label} shards: {len(sizes)}, {sum(sizes) / 1e6:.1f} MB in all, largest {sizes[-1] / 1e6:.1f} MB "
              f"(texts {text_mb:.1f} MB)")
    print(f"  incremental: run 1 {len(first.shards_added)} shards, run 2 {len(second.shards_added)} new + "
          f"{len(second.shards_rewritten)} rewritten (superseded rows); identical to one export: {identical}")
    print(f"  report: {size / 1e6:.2f} MB, built in {timings['report']:.1f} s")
    if args.browser:
        page, blank = load_seconds(args.browser, work / "report.html", work)
        print(f"  report load + render in {Path(args.browser).name}: {page:.2f} s (blank page {blank:.2f} s)")
    else:
        print("  no browser found: load time not measured")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
