"""Start-up time of the command line: how long before a command does anything.

Measures, in fresh processes, ``pipeline --version``, ``pipeline --help``,
``pipeline strip --help``, and the time until each stage command writes its
first record for a one-record input (``normalize``, ``strip``, ``dedup``,
``extract`` on a text dump, and ``extract`` on an HTML page, which has to
import trafilatura to read it). Each is run ``--repeat`` times; the table
gives the fastest and the median wall time, and the median CPU time
(user + system) of the process, which a loaded machine inflates less.

``--against REV`` measures the package as it was at a git revision
(``git archive``, run from a temporary folder) in the same run, taking turns
with the working tree, so the two columns share the machine's load.

    python bench/bench_startup.py [--repeat 9] [--against main~5]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "samples"
LAUNCH = "import sys; sys.argv[0] = 'pipeline'; from pipeline.cli import main; main()"


def cases(records: dict[str, Path]) -> list[tuple[str, list[str], Path | None]]:
    """(label, arguments, stdin file or None: then the whole run is timed)."""
    return [
        ("python alone (reference)", None, None),
        ("python + import click (reference)", ["import click"], None),
        ("pipeline --version", ["--version"], None),
        ("pipeline --help", ["--help"], None),
        ("pipeline strip --help", ["strip", "--help"], None),
        ("normalize: first record", ["normalize"], records["text"]),
        ("strip: first record", ["strip"], records["text"]),
        ("dedup: first record", ["dedup"], records["text"]),
        ("extract text dump: first record", ["extract", str(records["dump"])], None),
        ("extract HTML page: first record", ["extract", str(records["page"])], None),
    ]


def first_output(tree: Path, args: list[str], stdin: Path | None) -> tuple[float, float]:
    """Seconds from start to the first byte on stdout (or to the end), and the child's CPU seconds."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    if args is None or args[0].startswith("import "):
        command = [sys.executable, "-c", args[0] if args else "pass"]
    else:
        command = [sys.executable, "-c", LAUNCH, *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(stdin or os.devnull, "rb") as fh:
        proc = subprocess.Popen(command, stdin=fh, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env, cwd=tree)
        proc.stdout.read(1)
        seconds = time.perf_counter() - start
        proc.stdout.read()
        proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 3):
        raise RuntimeError(f"{args} exited with {proc.returncode} in {tree}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def check_tree(tree: Path) -> None:
    found = subprocess.run([sys.executable, "-c", "import pipeline; print(pipeline.__file__)"],
                           env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree,
                           capture_output=True, text=True, check=True).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"{tree}: imports pipeline from {found}, not from the tree")


def make_records(folder: Path) -> dict[str, Path]:
    dump = SAMPLES / "dumps" / "riverside-courier-bridge-closure.txt"
    page = SAMPLES / "news" / "capital-wire-cycle-lanes.html"
    text = folder / "one-record.jsonl"
    with open(text, "wb") as out:
        subprocess.run([sys.executable, "-c", LAUNCH, "extract", str(dump)], stdout=out, check=True,
                       stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO)})
    return {"text": text, "dump": dump, "page": page}


def export_tree(rev: str, folder: Path) -> Path:
    tree = folder / "at-rev"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "pipeline"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--against", metavar="REV", help="also measure the package at this git revision")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        trees = {"now": REPO}
        if args.against:
            if shutil.which("git") is None:
                sys.exit("--against needs git")
            trees[args.against] = export_tree(args.against, folder)
        for tree in trees.values():
            check_tree(tree)
        records = make_records(folder)
        table = cases(records)
        results = {(label, name): [] for label, *_ in table for name in trees}
        for label, argv, stdin in table:
            first_output(REPO, argv, stdin)  # warm the file cache
            for _ in range(args.repeat):
                for name, tree in trees.items():  # taking turns: both see the same load
                    results[label, name].append(first_output(tree, argv, stdin))
    print(f"start-up, {args.repeat} runs each: fastest / median wall seconds, median CPU seconds")
    header = f"{'command':34s}" + "".join(f"{name:>25s}" for name in trees)
    if len(trees) == 2:
        header += f"{'median ratio':>14s}"
    print(header)
    for label, *_ in table:
        row = f"{label:34s}"
        medians = []
        for name in trees:
            walls = [wall for wall, _ in results[label, name]]
            cpus = [cpu for _, cpu in results[label, name]]
            medians.append(statistics.median(walls))
            row += f"{min(walls):>10.3f} / {statistics.median(walls):.3f} / {statistics.median(cpus):.3f}"
        if len(medians) == 2:
            row += f"{medians[1] / medians[0]:>13.1f}x"
        print(row)


if __name__ == "__main__":
    main()
