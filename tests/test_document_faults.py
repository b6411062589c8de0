"""One bound on each document's time, and the input's faults told from the program's.

* Rejoining hard-wrapped lines is linear: the rules look at the end of the
  paragraph built so far, never at all of it.
* A document that takes too long in any per-document stage is rejected,
  naming the stage; the run goes on.
* An exception that is the input's fault (too deep, bad characters) is a
  rejection with a specific reason; any other (a bug, memory, the disk) fails
  the run with exit 1, records nothing for the documents not yet committed
  and leaves their inputs out of the ledger, so the next run tries them again.
"""
from __future__ import annotations

import dataclasses
import re
import time

import pytest
from batch_inputs import article
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import normalize
from pipeline.batch import run
from pipeline.cli import cli
from pipeline.config import PipelineConfig, RunConfig
from pipeline.document import KEPT, PENDING, REJECTED, TEXT, Document
from pipeline.ledger import Ledger
from pipeline.manifest import read_manifest
from pipeline.normalize import Normalize, normalize_text
from pipeline.stage import MapStage, PerDocument, StageFailure
from pipeline.strip import Strip
from pipeline.timelimit import Overtime, TimeLimit

LINE = "the quick brown fox jumps over the lazy dog and then some more"


class _Recorder:
    """A compiled pattern that remembers the longest string it searched."""

    def __init__(self, pattern: re.Pattern):
        self.pattern, self.longest = pattern, 0

    def search(self, text: str):
        self.longest = max(self.longest, len(text))
        return self.pattern.search(text)

    def __getattr__(self, name):
        return getattr(self.pattern, name)


def test_rejoining_looks_only_at_the_end_of_the_paragraph(monkeypatch):
    recorders = {}
    for name in ("_ENDS_CLOSED", "_HYPHEN_WRAP"):
        recorders[name] = _Recorder(getattr(normalize, name))
        monkeypatch.setattr(normalize, name, recorders[name])
    text = "\n".join(f"{LINE} {i}" for i in range(3000))
    out = normalize_text(text)
    assert out.count("\n") == 0 and out.startswith(LINE) and out.endswith(" 2999")
    # Old code searched the whole paragraph joined so far: 200,000 characters.
    assert max(r.longest for r in recorders.values()) <= 64


def _old_rejoin(lines: list[str]) -> list[str]:
    """The rejoin's rules said plainly (quadratic: it looks at the whole
    paragraph joined so far), as the reference for the result."""
    wrapped = normalize._looks_wrapped(lines)
    out = [lines[0]]
    for line in lines[1:]:
        prev = out[-1]
        if normalize._HYPHEN_WRAP.search(prev) and line[:1].islower():
            out[-1] = prev[:-1] + line
        elif normalize._LIST_ITEM.match(line):
            out.append(line)
        elif wrapped and (not normalize._ENDS_CLOSED.search(prev) or (prev.endswith(".") and line[:1].islower())) or (
                not normalize._ENDS_CLOSED.search(prev) and line[:1].islower() and len(prev) >= 30):
            out[-1] = f"{prev} {line}"
        else:
            out.append(line)
    return out


_PIECES = st.sampled_from(["word", "Word", "-", "a-", "x", "end.", "open,", "* item", "2. item", "long " * 9,
                           "lower case text that runs on", "Quote\u201d", "(aside)"])
_LINES = st.lists(st.lists(_PIECES, min_size=1, max_size=6).map(" ".join), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(_LINES)
def test_rejoin_decides_as_before(lines):
    assert normalize._rejoin(lines) == _old_rejoin(lines)


def _doc(text: str, source: str = "a.txt") -> Document:
    return Document(id="d", source=source, kind=TEXT, content=text)


class _Slow(MapStage):
    name = "slowstage"

    def process(self, doc: Document) -> Document:
        time.sleep(10)
        return doc


def test_one_bound_covers_every_stage():
    chain = PerDocument([Normalize(), _Slow()], seconds=0.3)
    start = time.monotonic()
    doc = chain.finish(_doc("Some text."))
    assert time.monotonic() - start < 5
    assert doc.status == REJECTED and doc.reason == "took longer than 0.3 s (stopped in slowstage)"
    assert chain.finish(_doc("Some text.")).status == REJECTED  # the timer is armed afresh
    assert PerDocument([Normalize()], seconds=0.3).finish(_doc("Some text.")).status == PENDING


def test_limits_nest_and_each_catches_its_own():
    outer, inner = TimeLimit(0.2), TimeLimit(5)
    with pytest.raises(Overtime) as caught:
        with outer:
            with inner:
                time.sleep(3)
    assert caught.value.limit is outer
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def _raw(tmp_path, texts: dict[str, str]):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, text in texts.items():
        (raw / name).write_text(text, encoding="utf-8")
    return raw


def _config(**run) -> PipelineConfig:
    return dataclasses.replace(PipelineConfig(), run=RunConfig(**run))


def test_a_run_bounds_each_document_across_stages(tmp_path, monkeypatch):
    raw = _raw(tmp_path, {"a.txt": article(1), "slow.txt": article(2) + "\n\nSLOW"})
    plain = Normalize.process

    def slow_normalize(self, doc):
        if "SLOW" in doc.text:
            time.sleep(10)  # as a quadratic rejoin of a huge file would
        return plain(self, doc)

    monkeypatch.setattr(Normalize, "process", slow_normalize)
    start = time.monotonic()
    report = run(raw, tmp_path / "clean", _config(document_seconds=0.5))
    assert time.monotonic() - start < 9
    records = {r["source"]: r for r in read_manifest(tmp_path / "clean")}
    assert records["a.txt"]["status"] == KEPT
    assert records["slow.txt"]["status"] == REJECTED
    assert records["slow.txt"]["reason"] == "took longer than 0.5 s (stopped in normalize)"
    assert report.outcome == "completed"


@pytest.mark.parametrize("error, reason", [
    (RecursionError("maximum recursion depth exceeded"), "strip: input nested too deeply to process (RecursionError)"),
    (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
     "strip: characters that cannot be processed (UnicodeEncodeError)"),
])
def test_the_inputs_fault_is_a_specific_rejection(tmp_path, monkeypatch, error, reason):
    raw = _raw(tmp_path, {"a.txt": article(1), "bad.txt": article(2) + "\n\nBAD"})
    _break_strip(monkeypatch, error)
    run(raw, tmp_path / "clean")
    records = {r["source"]: r for r in read_manifest(tmp_path / "clean")}
    assert records["bad.txt"]["status"] == REJECTED and records["bad.txt"]["reason"] == reason
    assert records["a.txt"]["status"] == KEPT
    assert "bad.txt" in Ledger(tmp_path / "clean" / ".state" / "inputs.json").paths


def _break_strip(monkeypatch, error: BaseException) -> None:
    plain = Strip.process

    def broken(self, doc):
        if "BAD" in doc.text:
            raise error
        return plain(self, doc)

    monkeypatch.setattr(Strip, "process", broken)


@pytest.mark.parametrize("error", [KeyError("hints"), MemoryError(), OSError(5, "Input/output error"),
                                   AssertionError("unreachable")])
def test_the_programs_fault_fails_the_run_and_is_retried(tmp_path, monkeypatch, error):
    raw = _raw(tmp_path, {"a.txt": article(1), "bad.txt": article(2) + "\n\nBAD"})
    clean = tmp_path / "clean"
    _break_strip(monkeypatch, error)
    with pytest.raises(StageFailure, match=r"strip stage failed on bad.txt: "):
        run(raw, clean)
    assert not any(r["source"] == "bad.txt" for r in read_manifest(clean))
    assert "bad.txt" not in Ledger(clean / ".state" / "inputs.json").paths
    monkeypatch.undo()  # the bug is fixed: the next run does the input
    run(raw, clean)
    records = {r["source"]: r for r in read_manifest(clean)}
    assert records["bad.txt"]["status"] == KEPT and records["a.txt"]["status"] == KEPT


def test_the_programs_fault_is_exit_1_with_one_line(tmp_path, monkeypatch):
    raw = _raw(tmp_path, {"bad.txt": article(2) + "\n\nBAD"})
    _break_strip(monkeypatch, KeyError("hints"))
    result = CliRunner().invoke(cli, ["-q", "run", str(raw), str(tmp_path / "clean")])
    assert result.exit_code == 1
    assert "strip stage failed on bad.txt: KeyError" in result.output
    assert "Traceback" not in result.output
