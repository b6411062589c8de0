"""Ray is optional: without it, --engine ray says how to install it and exits 2."""
from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from pipeline import exitcodes
from pipeline.cli import cli
from pipeline.engines import EngineRefused, EngineUnavailable, require_ray, run_function


@pytest.fixture
def no_ray(monkeypatch):
    # A None entry makes ``import ray`` fail as if it were not installed.
    for name in [m for m in sys.modules if m == "ray" or m.startswith("ray.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ray", None)


def test_missing_ray_is_a_clear_error(no_ray):
    with pytest.raises(EngineUnavailable, match=r"pip install 'pipeline\[ray\]'"):
        require_ray()


def test_cli_without_ray_exits_2(no_ray, tmp_path):
    (tmp_path / "raw").mkdir()
    result = CliRunner().invoke(cli, ["run", "--engine", "ray", str(tmp_path / "raw"), str(tmp_path / "clean")])
    assert result.exit_code == exitcodes.CONFIG_ERROR
    assert "pip install" in result.output
    assert not (tmp_path / "clean" / "manifest.jsonl").exists()


def test_core_import_does_not_load_ray():
    import subprocess

    code = "import sys, pipeline.cli, pipeline.batch, pipeline.engines; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_address_needs_the_ray_engine():
    with pytest.raises(EngineRefused, match="--engine ray"):
        run_function("local", "auto")


def test_stage_command_without_ray_exits_2(no_ray, tmp_path):
    (tmp_path / "a.txt").write_text("Some text.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", "--engine", "ray", "-o", str(tmp_path / "out.jsonl"),
                                      str(tmp_path / "a.txt")])
    assert result.exit_code == exitcodes.CONFIG_ERROR
    assert "pip install 'pipeline[ray]'" in result.output
    assert not (tmp_path / "out.jsonl").exists()
    result = CliRunner().invoke(cli, ["dedup", "--engine", "ray"], input="")
    assert result.exit_code == exitcodes.CONFIG_ERROR
    assert "pip install" in result.output


@pytest.mark.parametrize("command", [["extract", "."], ["dedup"]])
def test_stage_command_address_needs_the_ray_engine(command):
    result = CliRunner().invoke(cli, [command[0], "--engine", "local", "--address", "auto", *command[1:]], input="")
    assert result.exit_code == exitcodes.CONFIG_ERROR
    assert "--address is for --engine ray" in result.output

