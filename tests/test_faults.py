"""A run killed with SIGKILL at any point: the next run completes the work and
the clean folder ends up byte-for-byte as one uninterrupted run leaves it.

Killed runs are separate processes, stopped by the PIPELINE_TEST_KILL_AT
hook at a named step or by the test after a delay. Most are forked from the
test process (no start-up cost); the lock tests start the real command line.
The completing runs are in-process.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_inputs import make_raw, snapshot

from pipeline.batch import KILL_AT_ENV, run
from pipeline.ledger import Ledger
from pipeline.report import load_reports

ROOT = Path(__file__).resolve().parents[1]


def pipeline_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "-q", *args]


def env(**extra: str) -> dict:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    out.update(extra)
    return out


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The raw folder and what one uninterrupted run makes of it."""
    root = tmp_path_factory.mktemp("baseline")
    raw = make_raw(root / "raw")
    report = run(raw, root / "clean")
    # Documents through the stages, and all records (copied inputs' too).
    streamed = sum(report.documents.values()) - report.copied
    return raw, snapshot(root / "clean"), sum(report.documents.values()), streamed


def assert_complete(raw: Path, clean: Path, expected: dict[str, bytes]) -> None:
    report = run(raw, clean)
    assert report.outcome == "completed"
    assert snapshot(clean) == expected
    assert not list(clean.rglob("*.tmp"))
    ledger = Ledger(clean / ".state" / "inputs.json")
    assert {e.source for e in _inputs(raw)} <= set(ledger.paths)
    again = run(raw, clean)  # and nothing is left to do
    assert again.inputs_todo == 0 and snapshot(clean) == expected


def _inputs(raw: Path):
    from pipeline.batch import plan

    return plan(raw, Ledger(raw / "no-ledger.json"))


def _run_then_die(raw: Path, clean: Path, point: str | None) -> None:
    if point:
        os.environ[KILL_AT_ENV] = point
    run(raw, clean)


def start_run(raw: Path, clean: Path, point: str | None = None) -> multiprocessing.Process:
    proc = multiprocessing.get_context("fork").Process(target=_run_then_die, args=(raw, clean, point))
    proc.start()
    return proc


def killed_run(raw: Path, clean: Path, point: str) -> None:
    proc = start_run(raw, clean, point)
    proc.join(120)
    assert proc.exitcode == -signal.SIGKILL


@pytest.mark.parametrize("point", ["document:1", "document:last", "manifest", "ledger", "report"])
def test_killed_at_a_step_then_completed(baseline, tmp_path, point):
    raw, expected, _, streamed = baseline
    clean = tmp_path / "clean"
    killed_run(raw, clean, point.replace("last", str(streamed)))
    assert [r["outcome"] for r in load_reports(clean / ".state")] == ["interrupted"]
    assert_complete(raw, clean, expected)
    assert [r["outcome"] for r in load_reports(clean / ".state")] == ["interrupted", "completed", "completed"]


def test_killed_twice_then_completed(baseline, tmp_path):
    raw, expected, _, _ = baseline
    clean = tmp_path / "clean"
    killed_run(raw, clean, "document:9")
    killed_run(raw, clean, "ledger")
    assert_complete(raw, clean, expected)


def test_killed_at_arbitrary_moments(baseline, tmp_path):
    raw, expected, _, _ = baseline
    clean = tmp_path / "clean"
    for delay in (0.1, 0.3, 0.5, 0.7):
        proc = start_run(raw, clean)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
    assert_complete(raw, clean, expected)


def test_two_runs_at_once_wait_for_each_other(baseline, tmp_path):
    raw, expected, total, _ = baseline
    clean = tmp_path / "clean"
    procs = [subprocess.Popen(pipeline_cmd("run", "--wait", "120", str(raw), str(clean)), env=env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    codes = [p.wait(timeout=180) for p in procs]
    assert codes == [3, 3] or sorted(codes) == [0, 3], [p.stderr.read() for p in procs]
    assert snapshot(clean) == expected
    reports = [json.loads(p.read_text()) for p in sorted((clean / ".state" / "runs").glob("*.json"))]
    assert sorted(r["documents"]["total"] for r in reports) == [0, total]


def test_second_run_without_wait_is_refused(baseline, tmp_path):
    from pipeline.lock import FileLock

    raw, _, _, _ = baseline
    clean = tmp_path / "clean"
    with FileLock(clean / ".state" / "lock") as lock:
        lock.acquire()
        proc = subprocess.run(pipeline_cmd("run", str(raw), str(clean)), env=env(),
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4
    assert "locked" in proc.stderr and "another run" in proc.stderr
    assert not (clean / "manifest.jsonl").exists()


def test_killed_incremental_run_then_completed(tmp_path):
    """A later run, adding near-copies of documents kept before, killed after
    the index commit: completing it must not turn its own kept documents or
    their copies into anything else."""
    from batch_inputs import article, near_copy

    def grow(raw: Path) -> None:
        (raw / "later").mkdir()
        for i in range(4):
            (raw / "later" / f"new-{i}.txt").write_text(article(300 + i), encoding="utf-8")
        (raw / "later" / "copy-of-new-0.txt").write_text(near_copy(article(300), 9), encoding="utf-8")
        story = (raw / "gen" / "story-07.txt").read_text(encoding="utf-8")
        (raw / "later" / "copy-of-story-07.txt").write_text(near_copy(story, 3), encoding="utf-8")

    expected = {}
    for label, point in (("whole", None), ("killed", "manifest"), ("killed-late", "ledger")):
        raw, clean = make_raw(tmp_path / label / "raw", with_samples=False), tmp_path / label / "clean"
        run(raw, clean)
        grow(raw)
        if point:
            killed_run(raw, clean, point)
        run(raw, clean)
        expected[label] = snapshot(clean)
    assert expected["killed"] == expected["whole"] == expected["killed-late"]
    records = [json.loads(line) for line in expected["whole"]["manifest.jsonl"].decode().splitlines()]
    later = {r["source"]: r for r in records if r["source"].startswith("later/")}
    assert later["later/copy-of-story-07.txt"]["status"] == "duplicate"
    assert later["later/copy-of-new-0.txt"]["duplicate_of"] == later["later/new-0.txt"]["id"]
