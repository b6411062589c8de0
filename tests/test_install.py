"""A fresh install, as a new user makes it, reads an HTML page.

The virtual environment is built by this interpreter with the pip it bundles
(no upgrade), and `pip install .` takes the package's declared dependencies
only: a dependency the code imports but does not declare, or one reached
through an extra that pip does not match, shows up here as a rejected page.
Needs the package index (network); slow, as it installs everything.
"""
from __future__ import annotations

import ensurepip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SAMPLES

MAX_VENV_BYTES = 300 * 1024 * 1024
PAGE = SAMPLES / "news" / "capital-wire-cycle-lanes.html"


def _size(folder: Path) -> int:
    return sum(path.lstat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def _sh(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=1200, **kwargs)


@pytest.mark.slow
def test_stock_pip_install_reads_an_html_page(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "pipeline", source / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))

    venv = tmp_path / "v"
    base = getattr(sys, "_base_executable", sys.executable)
    made = _sh(base, "-m", "venv", venv)
    assert made.returncode == 0, made.stderr
    pip = _sh(venv / "bin" / "pip", "--version")
    assert pip.stdout.split()[1] == ensurepip.version()  # the bundled pip, not a newer one

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    installed = _sh(venv / "bin" / "pip", "install", source, env=env)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    shutil.copy(PAGE, raw / PAGE.name)
    ran = _sh(venv / "bin" / "pipeline", "run", raw, clean, cwd=tmp_path, env=env)
    assert ran.returncode == 0, ran.stderr
    (record,) = [json.loads(line) for line in (clean / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["status"] == "kept", record
    assert len((clean / record["path"]).read_text(encoding="utf-8").split()) > 100

    assert _size(venv) < MAX_VENV_BYTES


def test_a_missing_module_fails_the_run_instead_of_rejecting_pages(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from pipeline import exitcodes
    from pipeline.cli import cli

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    shutil.copy(PAGE, raw / PAGE.name)
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # `import trafilatura` now fails
    result = CliRunner().invoke(cli, ["run", str(raw), str(clean)])
    assert result.exit_code == exitcodes.FAILED, result.output
    assert "ImportError" in result.output or "missing from this installation" in result.output
    assert not (clean / "manifest.jsonl").exists()


def _make_plan(target: str, *args: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    planned = _sh("make", "-n", "-C", REPO, target, "VENV=/nonexistent/venv", *args)
    assert planned.returncode == 0, planned.stderr
    return planned.stdout


def test_make_run_installs_the_core_only_and_make_test_adds_the_extras():
    run = [line for line in _make_plan("run").splitlines() if "pip install" in line]
    assert run and all("[" not in line and "--quiet" not in line for line in run), run
    test = [line for line in _make_plan("test").splitlines() if "pip install" in line]
    assert any("'.[test,ray]'" in line for line in test), test
    no_ray = [line for line in _make_plan("test", "RAY=no").splitlines() if "pip install" in line]
    assert any("'.[test]'" in line for line in no_ray), no_ray
