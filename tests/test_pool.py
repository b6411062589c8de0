"""Worker processes for the per-document stages: same output as one process.

The pool normally starts only for runs of many documents; these tests lower
that bound (and the chunk size) so that small inputs go through workers,
several chunks each, and compare every output file with a one-process run.
"""
from __future__ import annotations

import dataclasses
import os
from functools import partial
from pathlib import Path

import pytest
from test_batch_hostile import hostile_raw

from pipeline import pool
from pipeline.batch import run
from pipeline.config import PipelineConfig
from pipeline.document import Document
from pipeline.extract import ExtractConfig
from pipeline.stage import MapStage, PerDocument, StageFailure
from pipeline.strip import StripConfig


@pytest.fixture
def small_pool(monkeypatch):
    """Pools for a handful of documents; yields the number of pools started."""
    monkeypatch.setattr(pool, "START_AT", 1)
    monkeypatch.setattr(pool, "CHUNK_DOCS", 3)
    started = []
    real = pool._pooled

    def counted(*args, **kwargs):
        started.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pool, "_pooled", counted)
    yield started


def outputs(clean: Path) -> dict[str, bytes]:
    """Every file a run left in the clean folder, but its run reports and
    input ledger (which holds file times)."""
    return {str(p.relative_to(clean)): p.read_bytes() for p in sorted(clean.rglob("*"))
            if p.is_file() and "runs" not in p.relative_to(clean).parts
            and p.name not in ("lock", ".lock", "inputs.json")}


def test_two_workers_write_the_same_bytes_as_one(raw_copy, tmp_path, small_pool):
    one, two = tmp_path / "one", tmp_path / "two"
    first = run(raw_copy, one, workers=1)
    second = run(raw_copy, two, workers=2)
    assert first.documents == second.documents
    files = outputs(one)
    assert len([name for name in files if name.endswith(".txt")]) > 5
    assert outputs(two) == files
    assert len(small_pool) == 1


def test_two_workers_on_hostile_inputs(tmp_path, small_pool):
    raw = tmp_path / "raw"
    hostile_raw(raw, tmp_path / "outside")
    # Whether a page hits a time limit depends on the machine's load: the
    # slow page is checked on its own below, the rest with time to spare.
    slow = (raw / "slow.html").read_bytes()
    (raw / "slow.html").unlink()
    config = dataclasses.replace(PipelineConfig(), extract=ExtractConfig(timeout_seconds=60.0))
    one = run(raw, tmp_path / "one", config, workers=1)
    two = run(raw, tmp_path / "two", config, workers=2)
    assert one.rejected_by_reason == two.rejected_by_reason
    assert outputs(tmp_path / "two") == outputs(tmp_path / "one")

    slow_raw = tmp_path / "slow"
    slow_raw.mkdir()
    (slow_raw / "a.html").write_bytes(slow)
    (slow_raw / "b.html").write_bytes(slow + b" ")
    config = dataclasses.replace(PipelineConfig(), extract=ExtractConfig(timeout_seconds=0.5))
    report = run(slow_raw, tmp_path / "three", config, workers=2)
    assert report.rejected_by_reason == {"extraction took longer than N s": 2}
    assert len(small_pool) == 2


def test_template_learning_keeps_strip_in_the_reading_process(raw_copy, tmp_path, small_pool):
    config = dataclasses.replace(PipelineConfig(), strip=StripConfig(template_batch=8, template_min_docs=2))
    run(raw_copy, tmp_path / "one", config, workers=1)
    run(raw_copy, tmp_path / "two", config, workers=2)
    assert outputs(tmp_path / "two") == outputs(tmp_path / "one")


def test_stage_seconds_are_reported_with_workers(raw_copy, tmp_path, small_pool):
    report = run(raw_copy, tmp_path / "clean", workers=2)
    seconds = report.stage_seconds
    assert seconds["extract"] > 0 and seconds["strip"] > 0 and seconds["dedup"] > 0


# -- faults ------------------------------------------------------------------

class Upper(MapStage):
    name = "upper"

    def process(self, doc: Document) -> Document:
        return doc.evolve(content=doc.content.upper())


class Dies(MapStage):
    """Ends its process on one document, as the kernel's OOM killer would."""
    name = "dies"

    def process(self, doc: Document) -> Document:
        if doc.id == "d7":
            os._exit(9)
        return doc


class Fails(MapStage):
    """A program fault: the run fails, naming the stage and the input."""
    name = "fails"

    def process(self, doc: Document) -> Document:
        if doc.id == "d7":
            raise KeyError("bug in the stage")
        return doc


def stages_of(*classes) -> PerDocument:
    return PerDocument([cls() for cls in classes])


def docs(n: int) -> list[Document]:
    return [Document(id=f"d{i}", source=f"{i}.txt", content=f"text {i} " * (i % 5 + 1)) for i in range(n)]


def test_results_come_back_in_input_order(small_pool):
    got = list(pool.run_chain(docs(40), partial(stages_of, Upper), workers=2, start_at=1))
    assert [d.content for d in got] == [d.content.upper() for d in docs(40)]


@pytest.mark.parametrize("bound", ["documents", "characters"])
def test_the_workers_run_ahead_of_the_reader_within_bounds(small_pool, monkeypatch, bound):
    """While the run is busy with what it was given (deduplicating, writing),
    the workers go on with documents handed out ahead; how much is bounded."""
    docs_bound, chars_bound = (60, 10**9) if bound == "documents" else (10**9, 900)
    monkeypatch.setattr(pool, "IN_FLIGHT_DOCS", docs_bound)
    monkeypatch.setattr(pool, "IN_FLIGHT_CHARS", chars_bound)
    pulled = []

    def source():
        for doc in docs(300):
            pulled.append(len(doc.content))
            yield doc

    ahead = []  # (documents, characters) handed out and not yet taken, at each take
    taken_chars = 0
    for taken, doc in enumerate(pool.run_chain(source(), partial(stages_of, Upper), workers=2, start_at=1), 1):
        taken_chars += len(doc.content)
        ahead.append((len(pulled) - taken, sum(pulled) - taken_chars))
    chunk_docs, chunk_chars = 3, 3 * max(len(d.content) for d in docs(300))
    steady = ahead[: 300 - docs_bound - 2 * chunk_docs] if bound == "documents" else ahead[:200]
    if bound == "documents":
        assert all(docs_bound - chunk_docs <= n <= docs_bound + 2 * chunk_docs for n, _ in steady)
    else:
        assert all(chars_bound - chunk_chars <= c <= chars_bound + 2 * chunk_chars for _, c in steady)


def test_a_worker_that_dies_fails_the_run(small_pool):
    with pytest.raises(pool.WorkerFailed, match="worker process died"):
        list(pool.run_chain(docs(20), partial(stages_of, Dies), workers=2, start_at=1))


def test_a_program_fault_in_a_worker_reaches_the_run(small_pool):
    with pytest.raises(StageFailure, match="fails stage failed on 7.txt: KeyError") as caught:
        list(pool.run_chain(docs(20), partial(stages_of, Fails), workers=2, start_at=1))
    assert (caught.value.stage, caught.value.source) == ("fails", "7.txt")


def test_few_documents_stay_in_this_process(monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(pool, "_pooled", no_pool)
    got = list(pool.run_chain(docs(5), partial(stages_of, Upper), workers=2, start_at=10))
    assert [d.content for d in got] == [d.content.upper() for d in docs(5)]


def test_workers_on_the_command_line(raw_copy, tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    result = CliRunner().invoke(cli, ["-q", "run", "--workers", "2", str(raw_copy), str(tmp_path / "clean")])
    assert result.exit_code in (0, 3), result.output
    assert (tmp_path / "clean" / "manifest.jsonl").exists()
    result = CliRunner().invoke(cli, ["-q", "run", "--workers", "0", str(raw_copy), str(tmp_path / "other")])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["-q", "run", "--engine", "ray", "--workers", "2", str(raw_copy),
                                      str(tmp_path / "other")])
    assert result.exit_code == 2 and not (tmp_path / "other").exists()


class Waits(MapStage):
    """Records the worker's pid in the folder named by the document, then waits."""
    name = "waits"

    def process(self, doc: Document) -> Document:
        import time

        Path(doc.content, str(os.getpid())).touch()
        time.sleep(20)
        return doc


def _clean_then_die(folder: str) -> None:
    pool.START_AT = 1
    pool.CHUNK_DOCS = 1
    list(pool.run_chain([Document(id=f"w{i}", source=f"{i}.txt", content=folder) for i in range(4)],
                        partial(stages_of, Waits), workers=2, start_at=1))


def test_workers_end_with_a_killed_run(tmp_path):
    """Killed with -9, a run never shuts its pool down: its workers must end anyway."""
    import multiprocessing

    from killed import workers_left

    # A fresh interpreter: a forked one would share this process's fork server.
    proc = multiprocessing.get_context("spawn").Process(target=_clean_then_die, args=(str(tmp_path),))
    proc.start()
    workers, left = workers_left(proc, tmp_path, 2, start_within=60)
    assert len(workers) == 2
    assert not left
