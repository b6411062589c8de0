"""Batch runs: incremental by content hash, deterministic output, reports, dry run."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from batch_inputs import article, make_raw, snapshot

from pipeline import batch
from pipeline.batch import run
from pipeline.manifest import read_manifest


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One full run over the standard raw folder, shared read-only by tests."""
    root = tmp_path_factory.mktemp("first")
    raw = make_raw(root / "raw")
    report = run(raw, root / "clean")
    return raw, root / "clean", report


def copy_state(first_run, tmp_path) -> tuple[Path, Path]:
    raw, clean, _ = first_run
    shutil.copytree(raw, tmp_path / "raw", symlinks=True)
    shutil.copytree(clean, tmp_path / "clean", ignore=shutil.ignore_patterns("lock", ".lock"))
    return tmp_path / "raw", tmp_path / "clean"


def test_first_run_accounts_for_every_input(first_run):
    raw, clean, report = first_run
    data = report.to_dict()
    assert data["outcome"] == "completed"
    assert data["inputs"]["seen"] == data["inputs"]["new"] + data["inputs"]["unchanged"]
    assert data["inputs"]["unchanged"] == 1  # the exact copy of story-03
    records = read_manifest(clean)
    assert len({r["id"] for r in records}) == len(records)
    assert data["documents"]["total"] == len(records)
    statuses = {r["status"] for r in records}
    assert statuses == {"kept", "duplicate", "rejected"}
    for rec in records:
        if rec["status"] == "kept":
            assert (clean / rec["path"]).read_text(encoding="utf-8").strip()
        if rec["status"] == "rejected":
            assert rec["reason"]
    kept = {r["id"] for r in records if r["status"] == "kept"}
    assert {p.stem for p in clean.glob("*.txt")} == kept


def test_second_run_processes_nothing(first_run, tmp_path):
    raw, clean = copy_state(first_run, tmp_path)
    before = snapshot(clean)
    report = run(raw, clean)
    assert report.inputs_todo == 0
    assert sum(report.documents.values()) == 0
    assert snapshot(clean) == before


def test_renamed_and_redownloaded_files_are_not_processed_again(first_run, tmp_path):
    raw, clean = copy_state(first_run, tmp_path)
    before = snapshot(clean)
    (raw / "gen" / "story-00.txt").rename(raw / "gen" / "renamed.txt")
    shutil.copy(raw / "gen" / "story-01.txt", raw / "gen" / "story-01 (1).txt")
    report = run(raw, clean)
    assert report.inputs_todo == 0
    after = snapshot(clean)
    manifest_before = after.pop("manifest.jsonl"), before.pop("manifest.jsonl")
    assert after == before  # no clean text written or changed
    rows = {r["source"]: r for r in read_manifest(clean)}
    # Each copy is still an input the manifest accounts for.
    for copy, original in (("gen/renamed.txt", "gen/story-00.txt"), ("gen/story-01 (1).txt", "gen/story-01.txt")):
        assert rows[copy]["status"] == "duplicate", rows[copy]
        assert rows[copy]["duplicate_of"] == rows[original]["id"]
        assert rows[copy]["similarity"] == 1.0
    assert report.documents["duplicate"] == 2
    assert manifest_before[0].startswith(manifest_before[1])  # earlier records untouched
    # A third run adds nothing more.
    again = snapshot(clean)
    assert sum(run(raw, clean).documents.values()) == 0
    assert snapshot(clean) == again


def test_copy_of_a_rejected_file_is_rejected_for_the_same_reason(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.bin").write_bytes(bytes(range(256)) * 40)
    (raw / "b.bin").write_bytes(bytes(range(256)) * 40)
    report = run(raw, tmp_path / "clean")
    rows = {r["source"]: r for r in read_manifest(tmp_path / "clean")}
    assert rows["a.bin"]["status"] == rows["b.bin"]["status"] == "rejected"
    assert rows["b.bin"]["reason"].startswith(rows["a.bin"]["reason"])
    assert "same bytes as a.bin" in rows["b.bin"]["reason"]
    assert report.documents["rejected"] == 2


def test_changed_file_is_processed_again_and_reported(first_run, tmp_path):
    raw, clean = copy_state(first_run, tmp_path)
    old = {r["id"] for r in read_manifest(clean)}
    path = raw / "gen" / "story-02.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + article(777) + "\n", encoding="utf-8")
    report = run(raw, clean)
    assert report.inputs_changed == ["gen/story-02.txt"] and report.inputs_new == []
    records = read_manifest(clean)
    added = [r for r in records if r["id"] not in old]
    assert [r["source"] for r in added] == ["gen/story-02.txt"]
    assert "changed" in batch_summary(report)


def test_changed_jsonl_records_only_its_new_lines(first_run, tmp_path):
    raw, clean = copy_state(first_run, tmp_path)
    count = len(read_manifest(clean))
    feed = raw / "gen" / "feed.jsonl"
    feed.write_text(feed.read_text(encoding="utf-8") + json.dumps({"text": article(4242)}) + "\n",
                    encoding="utf-8")
    report = run(raw, clean)
    assert report.inputs_changed == ["gen/feed.jsonl"]
    assert report.already_recorded == 4  # the four lines decided before
    records = read_manifest(clean)
    assert len(records) == count + 1
    assert records[-1]["source"] == "gen/feed.jsonl" and records[-1]["offset"] == 5


def test_incremental_run_on_added_files(first_run, tmp_path):
    raw, clean = copy_state(first_run, tmp_path)
    before = read_manifest(clean)
    (raw / "later").mkdir()
    (raw / "later" / "one.txt").write_text(article(501), encoding="utf-8")
    (raw / "later" / "two.txt").write_text(article(502), encoding="utf-8")
    (raw / "later" / "old-news.txt").write_text((raw / "gen" / "story-04.txt").read_text(encoding="utf-8")
                                                + "Updated at noon.\n", encoding="utf-8")
    report = run(raw, clean)
    assert report.inputs_new == ["later/old-news.txt", "later/one.txt", "later/two.txt"]
    after = read_manifest(clean)
    assert after[: len(before)] == before  # earlier decisions stand
    added = {r["source"]: r for r in after[len(before):]}
    assert added["later/one.txt"]["status"] == "kept" and added["later/two.txt"]["status"] == "kept"
    # A near-copy of a story kept by an earlier run is a duplicate of it.
    story4 = next(r for r in before if r["source"] == "gen/story-04.txt")
    assert added["later/old-news.txt"]["status"] == "duplicate"
    assert added["later/old-news.txt"]["duplicate_of"] == story4["id"]


def test_identical_record_in_a_later_file_gets_its_own_record(first_run, tmp_path):
    raw, clean = copy_state(first_run, tmp_path)
    feed = (raw / "gen" / "feed.jsonl").read_text(encoding="utf-8").splitlines()
    (raw / "gen" / "feed2.jsonl").write_text(feed[3] + "\n", encoding="utf-8")
    report = run(raw, clean)
    records = read_manifest(clean)
    assert len({r["id"] for r in records}) == len(records)
    new = records[-1]
    assert new["source"] == "gen/feed2.jsonl" and new["status"] == "duplicate"
    assert new["reason"] == "identical to input gen/feed.jsonl"
    assert report.documents["duplicate"] == 1


def test_manifest_does_not_depend_on_processing_order(first_run, tmp_path, monkeypatch):
    raw, clean, _ = first_run
    monkeypatch.setattr(batch, "discover", lambda folder: list(reversed(_discover(folder))))
    run(raw, tmp_path / "clean")
    assert snapshot(tmp_path / "clean") == snapshot(clean)


def _discover(folder):
    from pipeline.sources import discover

    return discover(folder)


def test_run_report_is_saved_with_config(first_run):
    _, clean, report = first_run
    files = sorted((clean / ".state" / "runs").glob("*.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(report.to_dict()))
    for key in ("started", "finished", "inputs", "documents", "rejected_by_reason", "removed_lines_by_rule",
                "stage_seconds", "seconds", "documents_per_second", "config"):
        assert key in data
    assert set(data["stage_seconds"]) == {"read", "extract", "strip", "normalize", "dedup"}
    assert data["config"]["dedup"]["jaccard_threshold"] > 0
    assert "binary content, not text" in data["rejected_by_reason"]
    assert "invalid JSON" in data["rejected_by_reason"]


def test_dry_run_writes_nothing(tmp_path):
    raw = make_raw(tmp_path / "raw", articles=4, with_samples=False)
    report = run(raw, tmp_path / "clean", dry_run=True)
    assert not (tmp_path / "clean").exists()
    assert report.outcome == "dry-run"
    assert "gen/story-00.txt" in report.inputs_new and report.inputs_known == 1


def test_stale_temp_files_of_a_killed_run_are_removed(first_run, tmp_path):
    raw, clean = copy_state(first_run, tmp_path)
    for folder in (clean, clean / ".state"):
        (folder / ".manifest.jsonl.abc123.tmp").write_text("half", encoding="utf-8")
    run(raw, clean)
    assert not list(clean.rglob("*.tmp"))


def batch_summary(report) -> str:
    from pipeline.report import summary

    return summary(report.to_dict())


def test_unchanged_files_are_not_read_again(first_run, tmp_path, monkeypatch):
    from pipeline import ledger

    raw, clean = copy_state(first_run, tmp_path)
    run(raw, clean)  # the copy has new inodes: this run records their stats
    monkeypatch.setattr(ledger, "RACY_SECONDS", -3600)  # trust stats taken just now
    hashed = []
    real = ledger.file_hash
    monkeypatch.setattr(ledger, "file_hash", lambda path: hashed.append(path) or real(path))
    path = raw / "gen" / "story-05.txt"
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Story 5", "Story 6"), encoding="utf-8")  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old mtime
    report = run(raw, clean)
    assert hashed == [path]  # only the file whose ctime moved is read again
    assert report.inputs_changed == ["gen/story-05.txt"]


def test_manifest_lines_of_earlier_runs_are_kept_byte_for_byte(first_run, tmp_path):
    raw, clean = copy_state(first_run, tmp_path)
    path = clean / "manifest.jsonl"
    # A hand-edited manifest: one line in another JSON style, and no newline at the end.
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = json.dumps(dict(json.loads(lines[0]), note="vérifié"), separators=(",", ":"))
    path.write_text("\n".join(lines), encoding="utf-8")
    (raw / "later.txt").write_text(article(777), encoding="utf-8")
    run(raw, clean)
    after = path.read_text(encoding="utf-8").splitlines()
    assert after[: len(lines)] == lines
    assert len(after) == len(lines) + 1 and json.loads(after[-1])["source"] == "later.txt"


def test_file_failing_while_read_is_tried_again_next_run(tmp_path, monkeypatch):
    from pipeline import sources

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "a.txt").write_text(article(11), encoding="utf-8")
    (raw / "b.txt").write_text(article(12), encoding="utf-8")
    (raw / "c-mirror.txt").write_text(article(12), encoding="utf-8")
    real_open = os.open

    def failing_open(path, *args, **kwargs):  # the disk fails under the run, after planning
        if Path(path).name == "b.txt":
            raise OSError(5, "Input/output error")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(sources.os, "open", failing_open)
    first = run(raw, clean)
    rows = {r["source"]: r for r in read_manifest(clean)}
    assert rows["b.txt"]["status"] == "rejected" and rows["b.txt"]["reason"].startswith("unreadable file")
    assert rows["c-mirror.txt"]["status"] == "rejected" and first.exit_code == 3
    monkeypatch.undo()
    second = run(raw, clean)  # the disk works again
    assert second.inputs_new == ["b.txt"] and second.documents["kept"] == 1  # the mirror: a copy of it
    kept = [r for r in read_manifest(clean) if r["source"] in ("b.txt", "c-mirror.txt") and r["status"] != "rejected"]
    assert sorted(r["status"] for r in kept) == ["duplicate", "kept"]
    assert run(raw, clean).inputs_todo == 0  # and then it is done
