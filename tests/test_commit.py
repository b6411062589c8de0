"""The one commit step: documents, dedup index, manifest and ledger as one unit.

Killed runs are forked processes stopped by the PIPELINE_TEST_KILL_AT hook
(see test_faults); completing runs are in-process.
"""
from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import random
import shutil
import signal
from pathlib import Path

import pytest
from batch_inputs import article, make_raw, near_copy, snapshot
from click.testing import CliRunner

from pipeline import atomic
from pipeline.batch import KILL_AT_ENV, run
from pipeline.cli import cli
from pipeline.commit import StateMismatch
from pipeline.config import PipelineConfig, RunConfig
from pipeline.ledger import Ledger
from pipeline.manifest import read_manifest
from pipeline.sources import read_input

EVERY_3 = dataclasses.replace(PipelineConfig(), run=RunConfig(checkpoint_documents=3))


def _run_then_die(raw: Path, clean: Path, point: str | None, config: PipelineConfig) -> None:
    if point:
        os.environ[KILL_AT_ENV] = point
    run(raw, clean, config)


def killed_run(raw: Path, clean: Path, point: str, config: PipelineConfig = PipelineConfig()) -> bool:
    """Run until ``point``; whether the run was killed there (it may end first)."""
    proc = multiprocessing.get_context("fork").Process(target=_run_then_die, args=(raw, clean, point, config))
    proc.start()
    proc.join(120)
    assert proc.exitcode in (0, -signal.SIGKILL), proc.exitcode
    return proc.exitcode == -signal.SIGKILL


def check_consistent(raw: Path, clean: Path) -> None:
    """The promises a completed run keeps, whatever happened before it."""
    records = read_manifest(clean)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))
    kept = {r["id"] for r in records if r["status"] == "kept"}
    for rec in records:
        if rec["status"] == "kept":
            assert (clean / rec["path"]).read_text(encoding="utf-8").strip(), rec
        if rec["status"] == "duplicate":
            assert rec["duplicate_of"] in kept, rec
    assert {p.stem for p in clean.glob("*.txt")} == kept  # no text without its record
    ledger = Ledger(clean / ".state" / "inputs.json")
    by_place: dict = {}
    for rec in records:
        by_place.setdefault((rec["source"], rec.get("offset")), set()).add(rec["id"])
    for source, digest in ledger.paths.items():
        path = raw / source
        if not path.is_file() or ledger.hashes.get(digest) is None:
            continue
        from pipeline.ledger import file_hash

        if file_hash(path) != digest:
            continue  # changed since: the next run's business
        for doc in read_input(raw, path):
            from pipeline.document import content_id

            mine = {doc.id, content_id(f"{doc.id}:{doc.source}:{doc.offset}".encode())}
            found = by_place.get((doc.source, doc.offset), set()) & mine
            assert len(found) == 1, (source, doc.offset, found)


# -- item 3: the index is committed with the manifest, or reconciled -----------

def test_killed_after_the_index_commit_then_the_raw_file_changed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(article(1), encoding="utf-8")
    (raw / "b.txt").write_text(near_copy(article(1), 2), encoding="utf-8")
    clean = tmp_path / "clean"
    assert killed_run(raw, clean, "manifest")  # index committed, manifest not
    (raw / "a.txt").write_text(article(7), encoding="utf-8")  # the kept document is gone
    report = run(raw, clean)
    check_consistent(raw, clean)
    records = {r["source"]: r for r in read_manifest(clean)}
    assert records["b.txt"]["status"] == "kept"  # not a duplicate of a document nobody recorded
    assert any("dedup index entries" in note for note in report.repairs)


# -- item 7: a deleted or cut manifest ----------------------------------------

@pytest.fixture
def done(tmp_path):
    raw = make_raw(tmp_path / "raw", articles=6, with_samples=False)
    clean = tmp_path / "clean"
    run(raw, clean)
    return raw, clean, read_manifest(clean), snapshot(clean)


def _lines(clean: Path) -> set[str]:
    return set((clean / "manifest.jsonl").read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("damage", ["deleted", "emptied", "cut at a line", "cut in a line"])
def test_a_lost_manifest_is_rebuilt_from_the_raw_inputs(done, damage):
    raw, clean, records, files = done
    before = _lines(clean)
    path = clean / "manifest.jsonl"
    data = path.read_bytes()
    if damage == "deleted":
        path.unlink()
    elif damage == "emptied":
        path.write_bytes(b"")
    elif damage == "cut at a line":
        path.write_bytes(b"".join(data.splitlines(keepends=True)[:3]))
    else:
        path.write_bytes(data[: len(data) // 2])
    report = run(raw, clean)
    assert _lines(clean) == before
    assert {k: v for k, v in snapshot(clean).items() if k != "manifest.jsonl"} == \
        {k: v for k, v in files.items() if k != "manifest.jsonl"}
    assert report.outcome == "completed" and any("rebuilding" in note for note in report.repairs)
    check_consistent(raw, clean)


def test_a_lost_manifest_that_cannot_be_rebuilt_stops_the_run(done):
    raw, clean, records, _ = done
    (clean / "manifest.jsonl").unlink()
    (raw / "gen" / "story-02.txt").unlink()  # its record can no longer be made again
    with pytest.raises(StateMismatch, match="cannot be rebuilt"):
        run(raw, clean)
    result = CliRunner().invoke(cli, ["-q", "run", str(raw), str(clean)])
    assert result.exit_code == 1
    assert "gen/story-02.txt" in result.output and "Traceback" not in result.output


def test_a_killed_append_is_cut_off_and_redone(done, tmp_path):
    raw, clean, records, files = done
    (raw / "gen" / "late.txt").write_text(article(77), encoding="utf-8")
    with open(clean / "manifest.jsonl", "ab") as fh:
        fh.write(b'{"id": "0123456789abcdef", "source": "gen/la')  # what a kill in the write leaves
    report = run(raw, clean)
    check_consistent(raw, clean)
    assert any("unfinished last line" in note for note in report.repairs)
    assert [r["source"] for r in read_manifest(clean)].count("gen/late.txt") == 1


# -- item 10: an index that does not match the manifest ------------------------

@pytest.mark.parametrize("damage", ["deleted", "zero bytes", "zeroed"])
def test_an_index_that_does_not_match_the_manifest_stops_the_run(done, damage):
    raw, clean, _, _ = done
    index = clean / ".state" / "index.sqlite"
    size = index.stat().st_size
    if damage == "deleted":
        index.unlink()
    elif damage == "zero bytes":
        index.write_bytes(b"")
    else:
        index.write_bytes(bytes(size))
    (raw / "gen" / "again.txt").write_text(near_copy((raw / "gen" / "story-04.txt").read_text(), 5))
    with pytest.raises(StateMismatch, match="dedup index"):
        run(raw, clean)
    result = CliRunner().invoke(cli, ["-q", "run", str(raw), str(clean)])
    assert result.exit_code == 1 and "dedup index" in result.output and "Traceback" not in result.output


# -- checkpoints ------------------------------------------------------------------

@pytest.fixture(scope="module")
def checkpointed(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkpointed")
    raw = make_raw(root / "raw")
    report = run(raw, root / "clean", EVERY_3)
    return raw, snapshot(root / "clean"), report


def test_a_run_commits_in_checkpoints(checkpointed):
    raw, expected, report = checkpointed
    assert report.commits >= 4
    records = [json.loads(line) for line in expected["manifest.jsonl"].decode().splitlines()]
    assert len(records) == sum(report.documents.values())


@pytest.mark.parametrize("point", ["document:4", "index:2", "manifest:2", "ledger:2", "manifest:3", "ledger:4"])
def test_killed_between_checkpoints_ends_as_an_uninterrupted_run(checkpointed, tmp_path, point):
    raw, expected, _ = checkpointed
    clean = tmp_path / "clean"
    assert killed_run(raw, clean, point, EVERY_3)
    if point.startswith("ledger") or point in ("index:2", "manifest:2", "manifest:3"):
        assert read_manifest(clean)  # what was committed before the kill stays
    run(raw, clean, EVERY_3)
    assert snapshot(clean) == expected
    check_consistent(raw, clean)


def test_a_killed_run_keeps_its_committed_work(checkpointed, tmp_path):
    raw, expected, _ = checkpointed
    clean = tmp_path / "clean"
    assert killed_run(raw, clean, "manifest:3", EVERY_3)
    committed = read_manifest(clean)
    ledger = Ledger(clean / ".state" / "inputs.json")
    assert committed and ledger.paths
    report = run(raw, clean, EVERY_3)
    assert report.inputs_known >= len(ledger.paths)  # not read again


@pytest.fixture(scope="module")
def one_feed(tmp_path_factory):
    """A single JSONL input of 8 documents (two near-copies among them) cut into commits of 3."""
    root = tmp_path_factory.mktemp("one_feed")
    raw = root / "raw"
    raw.mkdir()
    texts = [article(200 + i) for i in range(6)] + [near_copy(article(200), 1), near_copy(article(204), 2)]
    (raw / "feed.jsonl").write_text("".join(json.dumps({"text": t, "title": f"item {i}"}) + "\n"
                                            for i, t in enumerate(texts)), encoding="utf-8")
    report = run(raw, root / "clean", EVERY_3)
    return raw, snapshot(root / "clean"), report


def test_a_large_input_is_committed_in_parts(one_feed, tmp_path):
    raw, expected, report = one_feed
    assert report.commits == 3  # 3 + 3 + 2 documents of one file
    records = [json.loads(line) for line in expected["manifest.jsonl"].decode().splitlines()]
    assert [r["offset"] for r in records] == sorted(r["offset"] for r in records)
    assert sum(r["status"] == "duplicate" for r in records) == 2  # copies in later parts found
    clean = tmp_path / "clean"
    assert killed_run(raw, clean, "manifest:2", EVERY_3)
    # Part of the file is recorded; the file itself is not in the ledger yet.
    assert len(read_manifest(clean)) == 3
    assert not Ledger(clean / ".state" / "inputs.json").paths


@pytest.mark.parametrize("point", ["document:2", "index:2", "ledger:2", "manifest:3", "ledger:3"])
def test_a_large_input_killed_between_its_parts_ends_as_an_uninterrupted_run(one_feed, tmp_path, point):
    raw, expected, _ = one_feed
    clean = tmp_path / "clean"
    assert killed_run(raw, clean, point, EVERY_3)
    report = run(raw, clean, EVERY_3)
    assert snapshot(clean) == expected
    check_consistent(raw, clean)
    assert report.inputs_known == 0 and "feed.jsonl" in Ledger(clean / ".state" / "inputs.json").paths


def test_documents_are_synced_per_batch_not_per_file(tmp_path, monkeypatch):
    if atomic._libc_syncfs() is None:
        pytest.skip("no syncfs here: each file is fsynced")
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(30):
        (raw / f"s{i:02d}.txt").write_text(f"Line one\n\n{article(i)}", encoding="utf-8")
    calls = {"fsync": 0, "syncfs": 0}
    fsync, syncfs = os.fsync, atomic._syncfs

    def counted_fsync(fd):
        calls["fsync"] += 1
        return fsync(fd)

    def counted_syncfs(folder):
        calls["syncfs"] += 1
        return syncfs(folder)

    monkeypatch.setattr(os, "fsync", counted_fsync)
    monkeypatch.setattr(atomic, "_syncfs", counted_syncfs)
    run(raw, tmp_path / "clean")
    assert len(list((tmp_path / "clean").glob("*.txt"))) == 30
    # Before: an fsync per file and per rename (~3.6 per document).
    assert calls["fsync"] + calls["syncfs"] <= 15, calls


# -- the property: random changes, random kills, every promise kept ------------

def _fuzz_step(rng: random.Random, raw: Path, names: list[str]) -> None:
    action = rng.choice(["add", "add", "change", "delete", "copy"]) if names else "add"
    if action == "add":
        name = f"f{len(names):03d}-{rng.randrange(1000)}.txt"
        base = article(rng.randrange(40))
        text = near_copy(base, rng.randrange(9)) if rng.random() < 0.4 else base
        (raw / name).write_text(text, encoding="utf-8")
        names.append(name)
    elif action == "change":
        (raw / rng.choice(names)).write_text(article(100 + rng.randrange(40)), encoding="utf-8")
    elif action == "copy":
        source = rng.choice(names)
        name = f"copy-{len(names):03d}.txt"
        shutil.copy(raw / source, raw / name)
        names.append(name)
    else:
        name = rng.choice(names)
        (raw / name).unlink()
        names.remove(name)


@pytest.mark.parametrize("seed", range(4))
def test_random_changes_and_kills_keep_every_promise(tmp_path, seed):
    rng = random.Random(seed)
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    names: list[str] = []
    config = dataclasses.replace(PipelineConfig(), run=RunConfig(checkpoint_documents=2))
    for _ in range(6):
        for _ in range(rng.randint(1, 4)):
            _fuzz_step(rng, raw, names)
        if rng.random() < 0.7:
            step = rng.choice(["document", "index", "manifest", "ledger", "report"])
            point = step if step == "report" else f"{step}:{rng.randint(1, 3)}".replace(":1", "")
            if step == "document":
                point = f"document:{rng.randint(1, 5)}"
            killed_run(raw, clean, point, config)
            if rng.random() < 0.5:
                _fuzz_step(rng, raw, names)  # the raw folder changes before the next run
        report = run(raw, clean, config)
        assert report.outcome == "completed"
        check_consistent(raw, clean)
