"""Progress on stderr: a live line on a terminal, a log line every N seconds elsewhere."""
from __future__ import annotations

import io
import re

from click.testing import CliRunner

from pipeline.batch import run
from pipeline.cli import cli
from pipeline.progress import Progress, clock


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_clock_format():
    assert clock(5) == "0:05" and clock(62) == "1:02" and clock(3723) == "1:02:03"
    assert clock(None) == "?" and clock(-1) == "?"


def test_line_has_done_total_rate_eta_and_stage():
    now = Clock()
    progress = Progress("run", io.StringIO(), live=False, now=now)
    progress.phase("extract", total=10, unit="files")
    progress.where = lambda: "strip"
    for _ in range(4):
        progress.advance()
    progress.docs = 8
    now.t += 4
    line = progress.line()
    assert line.startswith("run: strip, 4/10 files (40%), 8 documents, 2.0/s, ETA 0:06")
    assert "elapsed 0:04" in line


def test_eta_follows_the_work_share_when_given():
    now = Clock()
    progress = Progress("run", io.StringIO(), live=False, now=now)
    progress.phase("extract", total=2, unit="files", work_total=1000)
    progress.advance(1, work=900)  # one big file of two: nearly done
    now.t += 9
    assert abs(progress.eta(now()) - 1.0) < 1e-9


def test_off_a_terminal_one_line_every_n_seconds():
    now, out = Clock(), io.StringIO()
    progress = Progress("strip", out, live=False, every=30, now=now)
    progress.total = 100
    for second in range(95):
        now.t += 1
        progress.docs = progress.done = second
        progress.tick()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3  # at 30, 60 and 90 s
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ strip, \d+/100 documents", line) for line in lines)


def test_on_a_terminal_one_line_redrawn_in_place():
    now, out = Clock(), io.StringIO()
    progress = Progress("normalize", out, live=True, now=now)
    for n in range(3):
        now.t += 1
        progress.docs = n
        progress.tick()
    text = out.getvalue()
    assert "\n" not in text and text.count("\r") == 3
    progress.clear()
    assert out.getvalue().endswith("\r\x1b[K")


def test_detail_prints_each_phase():
    out = io.StringIO()
    progress = Progress("run", out, live=True, detail=True)
    progress.phase("plan")
    progress.phase("extract", total=3, unit="files")
    assert out.getvalue().splitlines() == ["run: plan (after 0:00)", "run: extract, 3 files (after 0:00)"]


def test_quiet_progress_writes_nothing():
    out = io.StringIO()
    with Progress("run", out, live=True, shown=False) as progress:
        progress.docs = 5
    assert out.getvalue() == ""


class Recorder(Progress):
    """Keeps every line a run would show, at each step."""

    def __init__(self):
        super().__init__("run", io.StringIO(), live=False)
        self.seen: list[str] = []
        self.phases: list[tuple] = []

    def phase(self, stage, total=None, unit="documents", work_total=None):
        super().phase(stage, total, unit, work_total)
        if hasattr(self, "phases"):
            self.phases.append((stage, total, unit))

    def advance(self, units=1, work=0):
        super().advance(units, work)
        self.seen.append(self.line())


def test_a_run_reports_files_and_documents(raw_copy, tmp_path):
    progress = Recorder()
    report = run(raw_copy, tmp_path / "clean", progress=progress)
    files = report.inputs_todo
    documents = sum(report.documents.values()) - report.copied
    assert [p[0] for p in progress.phases] == ["plan", "process"]
    assert ("process", files, "files") in progress.phases
    assert len(progress.seen) == files
    assert any(re.search(r"run: (read|per-document stages), \d+/\d+ files", line) for line in progress.seen)
    assert progress.seen[-1].startswith("run: ") and f"{files}/{files} files (100%)" in progress.seen[-1]
    assert progress.line().startswith(f"run: process, {files}/{files} files (100%), {documents} documents")


def test_stage_command_logs_with_a_total(raw_copy, tmp_path):
    records = tmp_path / "extracted.jsonl"
    runner = CliRunner()
    assert runner.invoke(cli, ["extract", str(raw_copy), "-o", str(records)]).exit_code == 0
    result = runner.invoke(cli, ["-v", "strip", str(records), "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    assert re.search(r"strip: \d+ documents in \d+:\d\d", result.stderr)  # -v: the closing figures
