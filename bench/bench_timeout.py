"""Cost of a per-page time limit on extraction: timer signal vs worker process.

Runs trafilatura over real pages three ways: with no limit, under a timer
signal (what the extract stage does), and in a persistent worker process
that could be killed on overrun (one page per round trip). Prints the mean
time per page of each and the overhead over no limit.

    python bench/bench_timeout.py [HTML_DIR] [--pages N]
"""
from __future__ import annotations

import argparse
import concurrent.futures as futures
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.timelimit import TimeLimit  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "trafilatura_eval" / "html"


def extract(html: str) -> int:
    import trafilatura

    result = trafilatura.bare_extraction(html, with_metadata=True)
    return len(getattr(result, "text", "") or "") if result is not None else 0


def under_timer(html: str) -> int:
    with TimeLimit(15.0):
        return extract(html)


def timed(pages: list[str], fn) -> float:
    start = time.perf_counter()
    for html in pages:
        fn(html)
    return (time.perf_counter() - start) / len(pages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("html_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    files = sorted(args.html_dir.glob("*.htm*"))[: args.pages]
    if not files:
        sys.exit(f"no .html files in {args.html_dir}")
    pages = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    print(f"{len(pages)} pages, mean {statistics.mean(map(len, pages)) / 1024:.0f} KiB")
    extract(pages[0])  # warm up imports

    with futures.ProcessPoolExecutor(max_workers=1) as pool:
        pool.submit(extract, pages[0]).result()  # start the worker and its imports

        def in_worker(html: str) -> int:
            return pool.submit(extract, html).result(timeout=15.0)

        results = {"no limit": [], "timer signal": [], "worker process": []}
        for _ in range(args.repeats):
            results["no limit"].append(timed(pages, extract))
            results["timer signal"].append(timed(pages, under_timer))
            results["worker process"].append(timed(pages, in_worker))

    base = min(results["no limit"])
    for name, runs in results.items():
        best = min(runs)
        print(f"{name:15s} {best * 1000:8.2f} ms/page  overhead {(best - base) * 1e6:+8.0f} us/page "
              f"({(best / base - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
