"""`pipeline run` and `pipeline status`: options, messages and exit codes."""
from __future__ import annotations

import json
import threading

import pytest
from batch_inputs import article, make_raw
from click.testing import CliRunner

from pipeline import exitcodes
from pipeline.cli import cli
from pipeline.lock import FileLock


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def raw(tmp_path):
    return make_raw(tmp_path / "raw", articles=6, with_samples=False)


def write_text(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def last_report(clean):
    return json.loads(sorted((clean / ".state" / "runs").glob("*.json"))[-1].read_text(encoding="utf-8"))


def test_run_summary_and_exit_code_for_rejected_inputs(raw, tmp_path):
    result = invoke("run", str(raw), str(tmp_path / "clean"))
    assert result.exit_code == exitcodes.SOME_REJECTED
    assert "inputs: " in result.output and "rejected or empty, by reason:" in result.output
    assert "binary content, not text" in result.output
    again = invoke("run", str(raw), str(tmp_path / "clean"))
    assert again.exit_code == exitcodes.OK  # nothing new, nothing rejected
    assert "0 new, 0 changed" in again.output


def test_config_file_and_overrides_end_up_in_the_report(raw, tmp_path):
    config = write_text(tmp_path / "pipeline.toml", "[extract]\ntimeout_seconds = 7\n[strip]\nuse_model = false\n")
    result = invoke("run", "--config", str(config), "--set", "extract.timeout_seconds=9",
                    str(raw), str(tmp_path / "clean"))
    assert result.exit_code == exitcodes.SOME_REJECTED, result.output
    effective = last_report(tmp_path / "clean")["config"]
    assert effective["extract"]["timeout_seconds"] == 9.0
    assert effective["strip"]["use_model"] is False


@pytest.mark.parametrize("toml, override, words", [
    ("[extract]\ntimeout = 7\n", None, "unknown setting extract.timeout"),
    ("[dedupe]\nseed = 2\n", None, "unknown section [dedupe]"),
    (None, "extract.fast=maybe", "extract.fast must be true or false"),
    (None, "fast=true", "section.key=value"),
])
def test_configuration_errors_exit_2_and_write_nothing(raw, tmp_path, toml, override, words):
    args = ["run"]
    if toml:
        args += ["--config", str(write_text(tmp_path / "bad.toml", toml))]
    if override:
        args += ["--set", override]
    result = invoke(*args, str(raw), str(tmp_path / "clean"))
    assert result.exit_code == exitcodes.CONFIG_ERROR
    assert words in result.output
    assert not (tmp_path / "clean").exists()


def test_changed_dedup_settings_against_an_existing_index_are_refused(raw, tmp_path):
    clean = tmp_path / "clean"
    assert invoke("run", str(raw), str(clean)).exit_code == exitcodes.SOME_REJECTED
    write_text(raw / "gen" / "later.txt", article(900))
    manifest_before = (clean / "manifest.jsonl").read_bytes()
    result = invoke("run", "--set", "dedup.seed=2", str(raw), str(clean))
    assert result.exit_code == exitcodes.CONFIG_ERROR
    assert "dedup settings" in result.output
    assert (clean / "manifest.jsonl").read_bytes() == manifest_before
    assert invoke("run", str(raw), str(clean)).exit_code == exitcodes.OK  # original settings still work


def test_locked_folder_exit_code_and_wait(raw, tmp_path):
    clean = tmp_path / "clean"
    lock = FileLock(clean / ".state" / "lock")
    lock.acquire()
    try:
        refused = invoke("run", str(raw), str(clean))
        assert refused.exit_code == exitcodes.LOCKED
        assert "another run is using this folder" in refused.output
        threading.Timer(0.3, lock.release).start()
        waited = invoke("run", "--wait", "30", str(raw), str(clean))
        assert waited.exit_code == exitcodes.SOME_REJECTED
    finally:
        lock.release()


def test_dry_run_lists_work_and_writes_nothing(raw, tmp_path):
    clean = tmp_path / "clean"
    result = invoke("run", "--dry-run", str(raw), str(clean))
    assert result.exit_code == exitcodes.OK
    assert "would process (new): gen/story-00.txt" in result.output
    assert not clean.exists()
    invoke("run", str(raw), str(clean))
    write_text(raw / "gen" / "story-02.txt", article(321))
    listing = sorted(p for p in clean.rglob("*") if p.name != "lock")
    result = invoke("run", "--dry-run", str(raw), str(clean))
    assert "would process (changed): gen/story-02.txt" in result.output
    assert sorted(p for p in clean.rglob("*") if p.name != "lock") == listing


def test_status_shows_runs_and_pending(raw, tmp_path):
    clean = tmp_path / "clean"
    invoke("run", str(raw), str(clean))
    write_text(raw / "gen" / "new-one.txt", article(55))
    result = invoke("status", str(clean), "--raw", str(raw))
    assert result.exit_code == 0
    assert "completed" in result.output and "kept" in result.output
    assert "pending in" in result.output and "new: gen/new-one.txt" in result.output
    data = json.loads(invoke("status", str(clean), "--json").output)
    assert data["running"] is None and len(data["runs"]) == 1 and data["pending"] is None


def test_status_of_a_folder_never_run(tmp_path):
    (tmp_path / "clean").mkdir()
    result = invoke("status", str(tmp_path / "clean"))
    assert result.exit_code == 0 and "no runs recorded" in result.output


def test_clean_folder_inside_raw_is_refused(raw, tmp_path):
    result = invoke("run", str(raw), str(raw / "clean"))
    assert result.exit_code == exitcodes.CONFIG_ERROR
    assert "inside the raw folder" in result.output
    assert not (raw / "clean").exists()
