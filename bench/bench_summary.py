"""One table of the speed figures of the last ``make bench``, against the run before.

    python bench/bench_summary.py [--out bench/out/speed_summary.json] [--tolerance 0.25]

Reads what the benchmarks wrote under bench/out/ in this run: ``speed.json``
(bench_speed.py), ``commit.json`` (bench_commit.py) and the newest
``dedup-*.json`` (bench_dedup.py). Prints
one row per figure with the previous run's value beside it, flags a figure
worse than before by more than ``--tolerance`` (a share: on a shared
machine ratios drift by a tenth or two) and writes the figures to
``--out``, which the next run compares against (the first run compares
against bench/speed_summary.json, committed with the code). Exits 0 even
when something regressed: the table says so.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
COMMITTED = ROOT / "bench" / "speed_summary.json"
HIGHER, LOWER = "higher", "lower"  # which way is better


def speed_rows(speed: dict) -> list[tuple[str, float, str, str]]:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_speed import rows

    out = []
    for what, value, target in rows(speed):
        # CPU overheads and phase seconds are better low; every other figure here is a rate or a ratio of rates.
        better = LOWER if "CPU of --workers 2" in what or what.endswith(" phase, s") else HIGHER
        out.append((what, float(value), better, target))
    return out


def dedup_rows(dedup: dict) -> list[tuple[str, float, str, str]]:
    out = []
    speed = dedup.get("speed")
    if speed:
        out.append(("MinHash signatures, docs/s, one core", speed["ours_docs_per_s"], HIGHER, ""))
        out.append(("MinHash signatures vs datasketch MinHash.bulk", speed["ratios_to_datasketch_bulk"]["ours (numpy)"],
                    HIGHER, ""))
    for r in dedup.get("scale", []):
        n = r["docs"]
        target = "<= 150 s, < 3 GiB" if n == 1_000_000 else ""
        out.append((f"dedup stage, {n:,} generated docs, docs/s", n / max(r["dedup_s"], 1e-9), HIGHER, target))
        out.append((f"dedup stage, {n:,} generated docs, peak RSS GiB", r["peak_rss_gib"], LOWER, ""))
    for g in dedup.get("scale_growth", []):
        out.append((f"dedup time {g['from']:,} -> {g['to']:,} docs / n log n growth",
                    g["time_ratio"] / g["n_log_n_ratio"], LOWER, "<= 1.0"))
    return out


def commit_rows(commit: dict) -> list[tuple[str, float, str, str]]:
    if commit.get("small"):
        return [(f"{commit['docs']:,} tiny files, peak MB", commit["peak_mb"], LOWER, "< 400 at 50,000")]
    what = f"text run, {commit['docs']:,} Reuters texts one per file"
    out = [(f"{what}, docs/s wall", commit["docs_per_s_wall"], HIGHER, ">= 2000"),
           (f"{what}, CPU s of the run's own process", commit["cpu_s"], LOWER, "")]
    if commit.get("syncs_per_doc") is not None:
        out.append(("text run, fsync/syncfs calls per document", commit["syncs_per_doc"], LOWER, ""))
    return out


def newest(pattern: str) -> Path | None:
    found = sorted(OUT.glob(pattern))
    return found[-1] if found else None


def worse(now: float, before: float, better: str, tolerance: float) -> bool:
    if before == 0:
        return False
    change = now / before
    return change < 1 - tolerance if better == HIGHER else change > 1 + tolerance


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT / "speed_summary.json")
    parser.add_argument("--tolerance", type=float, default=0.25)
    args = parser.parse_args()
    rows: list[tuple[str, float, str, str]] = []
    sources = []
    speed = OUT / "speed.json"
    if speed.is_file():
        rows += speed_rows(json.loads(speed.read_text()))
        sources.append(speed.name)
    commit = OUT / "commit.json"
    if commit.is_file():
        rows += commit_rows(json.loads(commit.read_text()))
        sources.append(commit.name)
    dedup = newest("dedup-*.json")
    if dedup is not None:
        rows += dedup_rows(json.loads(dedup.read_text()))
        sources.append(dedup.name)
    if not rows:
        print("bench_summary: no benchmark results under bench/out; nothing to summarise")
        return 0
    earlier = args.out if args.out.is_file() else COMMITTED
    previous = json.loads(earlier.read_text()).get("figures", {}) if earlier.is_file() else {}
    print(f"\nspeed summary ({', '.join(sources)}; before: {earlier.name if previous else 'none'})")
    print(f"{'what':78s} {'now':>10s} {'before':>10s}  {'target':18s} flag")
    regressed = []
    for what, value, better, target in rows:
        old = previous.get(what, {}).get("value")
        flag = ""
        if isinstance(old, (int, float)) and worse(value, old, better, args.tolerance):
            flag = "REGRESSED"
            regressed.append(what)
        old_text = f"{old:10.2f}" if isinstance(old, (int, float)) else f"{'':10s}"
        print(f"{what:78s} {value:10.2f} {old_text}  {target:18s} {flag}")
    print(f"{len(regressed)} figure(s) worse than before by more than {args.tolerance:.0%}" if regressed
          else f"no figure worse than before by more than {args.tolerance:.0%}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"sources": sources, "figures": {
        what: {"value": round(value, 4), "better": better, "target": target} for what, value, better, target in rows
    }, "regressed": regressed}, indent=1) + "\n")
    print(f"written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
