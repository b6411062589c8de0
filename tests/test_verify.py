"""Deleted or changed clean texts and audit files: found by status and verify, restored by verify."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from batch_inputs import make_raw, snapshot
from click.testing import CliRunner

from pipeline.batch import run
from pipeline.cli import cli
from pipeline.manifest import read_manifest
from pipeline.verify import verify


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("made")
    raw = make_raw(root / "raw", articles=5)
    run(raw, root / "clean")
    return raw, root / "clean", snapshot(root / "clean")


@pytest.fixture
def damaged(made, tmp_path) -> tuple[Path, Path, dict, list[str]]:
    """A copy of the clean folder with a text deleted, an audit file deleted and a text changed."""
    raw, clean, before = made
    shutil.copytree(clean, tmp_path / "clean")
    clean = tmp_path / "clean"
    kept = sorted(rec["path"] for rec in read_manifest(clean) if rec["status"] == "kept")
    audits = sorted(p.relative_to(clean).as_posix() for p in (clean / "audit").glob("*.jsonl"))
    assert len(kept) >= 2 and audits, "the sample folder has kept texts and audit files"
    (clean / kept[0]).unlink()
    (clean / audits[0]).unlink()
    (clean / kept[1]).write_text("Edited by hand.\n")
    return raw, clean, before, [kept[0], audits[0], kept[1]]


def test_an_intact_folder_verifies(made):
    raw, clean, _ = made
    found = verify(clean, raw)
    assert found.outputs > 0 and not found.missing and not found.changed and not found.unchecked
    assert invoke("verify", str(clean), "--raw", str(raw)).exit_code == 0


def test_status_reports_missing_outputs(damaged):
    _, clean, _, (text, audit, _) = damaged
    out = invoke("status", str(clean))
    assert "2 outputs named by the manifest are missing" in out.output
    data = json.loads(invoke("status", str(clean), "--json").output)
    assert sorted(data["missing_outputs"]) == sorted([text, audit])


def test_verify_finds_missing_and_changed_and_restores_them(damaged):
    raw, clean, before, (text, audit, edited) = damaged
    out = invoke("verify", str(clean))
    assert out.exit_code == 1 and f"missing: {text}" in out.output and f"missing: {audit}" in out.output
    out = invoke("verify", str(clean), "--raw", str(raw))
    assert out.exit_code == 1 and f"changed: {edited}" in out.output
    out = invoke("verify", str(clean), "--raw", str(raw), "--restore")
    assert out.exit_code == 0 and "3 restored" in out.output
    assert snapshot(clean) == before  # byte for byte as the run wrote them
    assert invoke("verify", str(clean), "--raw", str(raw)).exit_code == 0


def test_an_output_whose_raw_file_is_gone_is_not_checked(damaged, tmp_path):
    raw, clean, _, (text, _, _) = damaged
    other = tmp_path / "raw-copy"
    shutil.copytree(raw, other)
    source = next(rec["source"] for rec in read_manifest(clean) if rec.get("path") == text)
    (other / source).unlink()
    found = verify(clean, other, restore=True)
    assert any(out.name == text and "gone" in why for out, why in found.unchecked)
    assert text in {out.name for out in found.damaged}


def test_restore_needs_the_raw_folder(damaged):
    _, clean, _, _ = damaged
    assert invoke("verify", str(clean), "--restore").exit_code == 2
