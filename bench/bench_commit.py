"""Commit costs of a text run: fsyncs per document, documents per second, peak memory.

Writes Reuters-21578 texts (from ../shared/data, never copied into the
repository) one per file into a temporary raw folder and runs
``pipeline run`` on them in a child process: timed, then counted under
strace (fsync, fdatasync, syncfs calls, SQLite's included). With
``--before PATH`` (a folder holding another version's ``pipeline``
package) both versions run alternately on the same files and the ratios
are printed. ``--small N`` runs N tiny files instead, for peak memory.
Exits 0 with a message when the data is absent.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REUTERS = ROOT.parent / "shared" / "data" / "reuters21578" / "docs.jsonl"
OUT = ROOT / "bench" / "out"  # commit.json: this version's figures, for bench_summary.py


def make_raw(folder: Path, docs: int, small: int) -> int:
    folder.mkdir(parents=True)
    if small:
        for i in range(small):
            sub = folder / f"{i // 1000:03d}"
            sub.mkdir(exist_ok=True)
            (sub / f"{i:06d}.txt").write_text(f"Note {i}\n\nItem {i} of the day: {i * 7919 % 100003} units.\n")
        return small
    n = 0
    with open(REUTERS, encoding="utf-8") as fh:
        for line in fh:
            if n >= docs:
                break
            text = json.loads(line).get("text") or ""
            if text.strip():
                sub = folder / f"{n // 1000:03d}"
                sub.mkdir(exist_ok=True)
                (sub / f"{n:06d}.txt").write_text(text, encoding="utf-8")
                n += 1
    return n


def run_once(code: Path, raw: Path, out: Path, trace: bool, extra: list[str]) -> dict:
    # A clean folder of its own: files created just after thousands were
    # deleted are slow on ext4 without a journal (see bench_speed.pipeline_run).
    out.mkdir(parents=True, exist_ok=True)
    clean = Path(tempfile.mkdtemp(prefix="clean_", dir=out)) / "clean"
    env = dict(os.environ, PYTHONPATH=str(code))
    # The child reports its own peak memory (RUSAGE_CHILDREN keeps the largest of all children).
    probe = ("import atexit, resource, runpy, sys; atexit.register(lambda: sys.stderr.write("
             "'PEAK %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)); "
             "sys.argv = ['pipeline'] + sys.argv[1:]; runpy.run_module('pipeline', run_name='__main__')")
    cmd = [sys.executable, "-c", probe, "-q", "run", *extra, str(raw), str(clean)]
    log = out / "strace.txt"
    if trace:
        cmd = ["strace", "-f", "-c", "-o", str(log), "-e", "trace=fsync,fdatasync,syncfs"] + cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # Run from the scratch folder: the current folder would come first on sys.path.
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=out)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak = [int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK ")]
    result = {"seconds": seconds, "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
              "peak_mb": (peak[-1] if peak else 0) / 1024}
    if trace:
        calls = 0
        for line in log.read_text().splitlines():
            m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fsync|fdatasync|syncfs)$", line)
            if m:
                calls += int(m.group(1))
        result["syncs"] = calls
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--small", type=int, default=0, help="this many tiny files instead of Reuters texts")
    parser.add_argument("--before", type=Path, help="folder with another version's pipeline package")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-trace", action="store_true")
    parser.add_argument("--workers", type=int, default=1,
                        help="for this version (the version given with --before may not know the option)")
    args = parser.parse_args()
    if not args.small and not REUTERS.exists():
        print(f"{REUTERS} not found: nothing to measure")
        return
    versions = {"this": ROOT}
    if args.before:
        versions = {"before": args.before.resolve(), "this": ROOT}
    with tempfile.TemporaryDirectory(prefix="bench-commit-") as tmp:
        tmp = Path(tmp)
        n = make_raw(tmp / "raw", args.docs, args.small)
        results = {name: [] for name in versions}
        extra = {name: ["--workers", str(args.workers)] if name == "this" else [] for name in versions}
        traced = {}
        for _ in range(args.repeat):  # alternate, so drift hits both alike
            for name, code in versions.items():
                results[name].append(run_once(code, tmp / "raw", tmp / name, False, extra[name]))
        if not args.no_trace and shutil.which("strace"):
            for name, code in versions.items():
                traced[name] = run_once(code, tmp / "raw", tmp / name, True, extra[name])["syncs"]
    print(f"{n} documents ({'tiny files' if args.small else 'Reuters-21578 texts'}), one file each")
    print(f"{'version':8} {'docs/s wall':>11} {'CPU s':>7} {'peak MB':>8} {'syncs/doc':>10}")
    rows = {}
    for name in versions:
        wall = statistics.median(r["seconds"] for r in results[name])
        cpu = statistics.median(r["cpu"] for r in results[name])
        peak = max(r["peak_mb"] for r in results[name])
        syncs = traced.get(name)
        rows[name] = (n / wall, cpu, peak, syncs / n if syncs is not None else None)
        per = f"{syncs / n:10.3f}" if syncs is not None else f"{'-':>10}"
        print(f"{name:8} {n / wall:11.1f} {cpu:7.1f} {peak:8.0f} {per}")
    OUT.mkdir(parents=True, exist_ok=True)
    this = rows["this"]
    (OUT / "commit.json").write_text(json.dumps({
        "docs": n, "small": bool(args.small), "workers": args.workers, "load_average": os.getloadavg()[0],
        "docs_per_s_wall": this[0], "cpu_s": this[1], "peak_mb": this[2], "syncs_per_doc": this[3]}, indent=1) + "\n")
    if "before" in rows:
        b, t = rows["before"], rows["this"]
        print(f"ratio this/before: docs/s {t[0] / b[0]:.2f}x, peak memory {t[2] / b[2]:.2f}x"
              + (f", syncs/doc {t[3] / b[3]:.3f}x" if b[3] and t[3] is not None else ""))


if __name__ == "__main__":
    main()
