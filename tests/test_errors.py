"""Damaged state and a full disk: one line saying what and where, exit code 1, no traceback."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from batch_inputs import article

from pipeline.batch import run

ROOT = Path(__file__).resolve().parents[1]


def pipeline(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    return subprocess.run([sys.executable, "-m", "pipeline", "-q", *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def done(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("done")
    raw = root / "raw"
    raw.mkdir()
    for i in range(3):
        (raw / f"{i}.txt").write_text(article(40 + i), encoding="utf-8")
    run(raw, root / "clean")
    return raw, root / "clean"


@pytest.fixture
def copy(done, tmp_path) -> tuple[Path, Path]:
    raw, clean = done
    shutil.copytree(raw, tmp_path / "raw")
    shutil.copytree(clean, tmp_path / "clean")
    (tmp_path / "raw" / "new.txt").write_text(article(50), encoding="utf-8")
    return tmp_path / "raw", tmp_path / "clean"


def fails_in_one_line(out: subprocess.CompletedProcess, *words: str) -> None:
    assert out.returncode == 1, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_corrupt_index(copy):
    raw, clean = copy
    (clean / ".state" / "index.sqlite").write_bytes(os.urandom(4096))
    fails_in_one_line(pipeline("run", str(raw), str(clean)), "index.sqlite", "not a database")


def test_manifest_line_cut_short_inside_the_file(copy):
    # (A manifest cut short at its end is rebuilt by the next run; one damaged
    # in the middle, by hand or by a tool, cannot be.)
    raw, clean = copy
    path = clean / "manifest.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + lines[1][:30] + b"\n" + b"".join(lines[2:]))
    fails_in_one_line(pipeline("run", str(raw), str(clean)), "manifest.jsonl", "line 2")


def test_binary_manifest_line(copy):
    raw, clean = copy
    path = clean / "manifest.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + b"\xff\xfe\x00\x01 binary\n" + b"".join(lines[1:]))
    fails_in_one_line(pipeline("run", str(raw), str(clean)), "manifest.jsonl", "line 2")


@pytest.mark.parametrize("ledger", [
    {"format": 2, "hashes": 5, "paths": {}, "stats": {}},
    {"format": 2, "hashes": {}, "paths": [1, 2], "stats": {}},
    {"format": 2, "hashes": {}, "paths": {}, "stats": {"a.txt": 5}},
    {"format": 2, "hashes": {}, "paths": {}, "stats": {}, "saved_at": "yesterday"},
    {"format": 7},
    ["not", "a", "ledger"],
])
def test_ledger_of_the_wrong_shape(copy, ledger):
    raw, clean = copy
    (clean / ".state" / "inputs.json").write_text(json.dumps(ledger))
    fails_in_one_line(pipeline("run", str(raw), str(clean)), "inputs.json")


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB filesystem (tmpfs, mounted as root); skipped where it cannot be mounted."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize("free_kb", [48, 24, 8, 0])
def test_state_folder_on_a_full_disk(done, tmp_path, tiny_disk, free_kb):
    raw, _ = done
    with open(tiny_disk / "filler", "wb") as fh:
        total = os.statvfs(tiny_disk)
        fh.write(b"\0" * max(total.f_bavail * total.f_frsize - free_kb * 1024, 0))
    out = pipeline("run", str(raw), str(tmp_path / "clean"), "--state-dir", str(tiny_disk / "state"))
    fails_in_one_line(out)
    assert "disk is full" in out.stderr or "No space left" in out.stderr
