"""Raw inputs and clean outputs in an object store (S3, served on this machine).

A run from and to s3:// URLs must give exactly what the same run gives on
disk: the same manifest, the same clean texts and audits, the same ledger.
"""
from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.batch import run
from pipeline.cli import cli
from pipeline.config import PipelineConfig
from pipeline.settings import ConfigError
from pipeline.sources import ReadConfig
from pipeline.storage import ObjectFolder, describe, is_url, local_path, location


def disk_outputs(clean: Path) -> dict[str, bytes]:
    return {p.relative_to(clean).as_posix(): p.read_bytes() for p in sorted(clean.rglob("*"))
            if p.is_file() and not p.relative_to(clean).as_posix().startswith(".")}


def ledger_of(state: Path) -> tuple:
    data = json.loads((state / "inputs.json").read_text())
    return data["hashes"], data["paths"]


# -- locations -----------------------------------------------------------------

def test_locations():
    assert is_url("s3://bucket/raw") and is_url("gs://b/x") and is_url("abfs://c@acct/x")
    assert not is_url("raw") and not is_url("/data/raw") and not is_url("file:///data/raw")
    assert not is_url(Path("s3:/x"))
    assert local_path("file:///data/my%20raw") == Path("/data/my raw")
    assert isinstance(location("s3://b/raw"), ObjectFolder)
    assert location("raw") == Path("raw")
    url = "s3://KEY:SECRET@bucket/raw?endpoint_override=localhost:9000"
    assert describe(location(url)) == "s3://bucket/raw"
    folder = pickle.loads(pickle.dumps(ObjectFolder(url)))
    assert folder == ObjectFolder(url) and "SECRET" not in repr(folder)
    assert ObjectFolder("s3://b/raw/x").is_inside(ObjectFolder("s3://b/raw"))
    assert not ObjectFolder("s3://b/raw2").is_inside(ObjectFolder("s3://b/raw"))


# -- whole runs ------------------------------------------------------------------

def test_run_on_s3_matches_run_on_disk(s3, raw_copy, tmp_path):
    prefix = s3.fresh()
    raw_url = s3.upload(raw_copy, f"{prefix}/raw")
    remote = run(raw_url, s3.url(f"{prefix}/clean"), state_dir=tmp_path / "state-s3")
    local = run(raw_copy, tmp_path / "clean")
    assert remote.documents == local.documents and sum(local.documents.values()) > 5
    assert remote.removed_by_rule == local.removed_by_rule
    assert s3.files(f"{prefix}/clean") == disk_outputs(tmp_path / "clean")
    assert ledger_of(tmp_path / "state-s3") == ledger_of(tmp_path / "clean" / ".state")
    # Reports name the location, never the credentials in its URL.
    assert remote.raw_dir == f"s3://bucket/{prefix}/raw"
    saved = "".join(p.read_text() for p in (tmp_path / "state-s3" / "runs").glob("*.json"))
    assert "secret" not in saved and prefix in saved


def test_incremental_runs_on_s3(s3, raw_copy, tmp_path):
    prefix = s3.fresh()
    raw_url = s3.upload(raw_copy, f"{prefix}/raw")
    clean_url, state = s3.url(f"{prefix}/clean"), tmp_path / "state"
    first = run(raw_url, clean_url, state_dir=state)
    manifest = s3.files(f"{prefix}/clean")["manifest.jsonl"]
    again = run(raw_url, clean_url, state_dir=state)
    assert again.inputs_todo == 0 and again.inputs_known == first.inputs_seen
    assert s3.files(f"{prefix}/clean")["manifest.jsonl"] == manifest

    page = raw_copy / "news" / "capital-wire-cycle-lanes.html"
    s3.put(f"{prefix}/raw", "later/mirror.html", page.read_bytes())  # a copy of a known page
    s3.put(f"{prefix}/raw", "later/new.txt", b"A new article arrives.\n\nIt has two paragraphs of text.\n")
    third = run(raw_url, clean_url, state_dir=state)
    assert third.inputs_new == ["later/new.txt"]
    records = [json.loads(line) for line in s3.files(f"{prefix}/clean")["manifest.jsonl"].splitlines()]
    by_source = {rec["source"]: rec for rec in records}
    assert by_source["later/new.txt"]["status"] == "kept"
    assert by_source["later/mirror.html"]["status"] == "duplicate"
    assert len(records) == len(manifest.splitlines()) + 2


def test_bad_objects_get_the_reasons_files_get(s3, tmp_path):
    import gzip

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "binary.html").write_bytes(bytes(range(256)) * 40)
    (raw / "cut.html.gz").write_bytes(gzip.compress(b"<html><body><p>" + b"word " * 4000)[:300])
    (raw / "fake.txt.gz").write_bytes(b"plain text, not gzip")
    (raw / "big.txt").write_bytes(b"too large to read. " * 2000)
    (raw / "empty.txt").write_bytes(b"")
    (raw / "feed.jsonl").write_bytes(b'{"text": "First record with enough words to keep."}\n{broken\n')
    (raw / ".hidden.txt").write_bytes(b"never listed")
    config = PipelineConfig(read=ReadConfig(max_file_bytes=20_000))
    prefix = s3.fresh()
    remote = run(s3.upload(raw, f"{prefix}/raw"), s3.url(f"{prefix}/clean"), config, tmp_path / "state")
    local = run(raw, tmp_path / "clean", config)
    assert remote.rejected_by_reason == local.rejected_by_reason
    assert len(local.rejected_by_reason) >= 4
    assert remote.inputs_seen == local.inputs_seen == 6
    assert s3.files(f"{prefix}/clean") == disk_outputs(tmp_path / "clean")


def test_state_must_be_on_a_filesystem(s3, raw_copy, tmp_path):
    prefix = s3.fresh()
    raw_url = s3.upload(raw_copy, f"{prefix}/raw")
    with pytest.raises(ConfigError, match="--state-dir"):
        run(raw_url, s3.url(f"{prefix}/clean"))
    with pytest.raises(ConfigError, match="filesystem path"):
        run(raw_url, tmp_path / "clean", state_dir=s3.url(f"{prefix}/state"))
    with pytest.raises(ConfigError, match="inside the raw folder"):
        run(raw_url, s3.url(f"{prefix}/raw/clean"), state_dir=tmp_path / "state")


def test_raw_on_s3_clean_on_disk(s3, raw_copy, tmp_path):
    prefix = s3.fresh()
    remote = run(s3.upload(raw_copy, f"{prefix}/raw"), tmp_path / "a")
    local = run(raw_copy, tmp_path / "b")
    assert remote.documents == local.documents
    assert disk_outputs(tmp_path / "a") == disk_outputs(tmp_path / "b")


# -- the command line ------------------------------------------------------------

def test_cli_run_and_status_with_urls(s3, raw_copy, tmp_path):
    prefix = s3.fresh()
    raw_url = s3.upload(raw_copy, f"{prefix}/raw")
    clean_url = s3.url(f"{prefix}/clean")
    runner = CliRunner()
    result = runner.invoke(cli, ["run", raw_url, clean_url])
    assert result.exit_code == 2 and "--state-dir" in result.output
    state = str(tmp_path / "state")
    result = runner.invoke(cli, ["run", raw_url, clean_url, "--state-dir", state])
    assert result.exit_code in (0, 3), result.output
    assert "manifest.jsonl" in s3.files(f"{prefix}/clean")
    result = runner.invoke(cli, ["status", clean_url])
    assert result.exit_code == 2 and "--state-dir" in result.output
    result = runner.invoke(cli, ["status", clean_url, "--state-dir", state, "--raw", raw_url, "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["pending"]["new"] == [] and status["runs"][0]["outcome"] == "completed"


def test_cli_bad_or_unreachable_store_fails_cleanly(tmp_path):
    pytest.importorskip("pyarrow.fs")
    url = "s3://key:secret@bucket/raw?endpoint_override=http://127.0.0.1:9&region=us-east-1"
    result = CliRunner().invoke(cli, ["run", url + "&no_such_option=1", str(tmp_path / "clean")])
    assert result.exit_code == 2 and "cannot open s3://bucket/raw" in result.output
    result = CliRunner().invoke(cli, ["run", url, str(tmp_path / "clean")])  # nothing listens on port 9
    assert result.exit_code == 1 and "run failed" in result.output
    assert "secret" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_file_urls_are_paths(raw_copy, tmp_path):
    result = CliRunner().invoke(cli, ["run", raw_copy.as_uri(), (tmp_path / "clean").as_uri()])
    assert result.exit_code in (0, 3), result.output
    assert (tmp_path / "clean" / "manifest.jsonl").exists()
    shutil.rmtree(tmp_path / "clean")


def test_write_command_to_s3(s3, raw_copy, tmp_path):
    runner = CliRunner()
    extracted, records = tmp_path / "extracted.jsonl", tmp_path / "records.jsonl"
    assert runner.invoke(cli, ["extract", str(raw_copy), "-o", str(extracted)]).exit_code == 0
    # write takes decided records only: through dedup first
    assert runner.invoke(cli, ["dedup", str(extracted), "-o", str(records)]).exit_code == 0
    prefix = s3.fresh()
    result = runner.invoke(cli, ["write", s3.url(f"{prefix}/clean"), str(records)])
    assert result.exit_code in (0, 3), result.output
    assert runner.invoke(cli, ["write", str(tmp_path / "clean"), str(records)]).exit_code == result.exit_code
    assert s3.files(f"{prefix}/clean") == disk_outputs(tmp_path / "clean")


def test_missing_raw_location_is_an_error(s3, tmp_path):
    result = CliRunner().invoke(cli, ["run", s3.url(f"{s3.fresh()}/raw"), str(tmp_path / "clean")])
    assert result.exit_code == 1 and "nothing at s3://bucket/" in result.output


def test_extract_command_reads_urls(s3, raw_copy, tmp_path):
    prefix = s3.fresh()
    url = s3.upload(raw_copy, f"{prefix}/raw")
    runner = CliRunner()
    on_disk = runner.invoke(cli, ["extract", str(raw_copy), str(raw_copy / "feeds" / "sample.jsonl")])
    remote = runner.invoke(cli, ["extract", url, s3.url(f"{prefix}/raw/feeds/sample.jsonl")])
    assert remote.exit_code == on_disk.exit_code == 0, remote.output
    assert remote.output == on_disk.output and on_disk.output.count("\n") > 10
    missing = runner.invoke(cli, ["extract", s3.url(f"{prefix}/nothing")])
    assert missing.exit_code == 1 and "nothing at s3://bucket/" in missing.output
