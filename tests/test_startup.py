"""Commands import what they use: --help and --version load click and little
else, and a stage command none of the heavy libraries it does not need.
(How long start-up takes is measured by bench/bench_startup.py, not here.)"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO, SAMPLES

HEAVY = {"numpy", "trafilatura", "lxml", "ftfy", "charset_normalizer", "datasketch", "scipy", "ray", "pyarrow",
         "sqlite3"}
PROBE = """
import json, sys
sys.argv = ["pipeline", *json.loads(sys.argv[1])]
from pipeline.cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
sys.stderr.write("\\nMODULES " + json.dumps(sorted({m.split('.')[0] for m in sys.modules})) + "\\n")
"""


def imported(*args: str, stdin: str = "") -> set[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))], input=stdin, text=True,
                            capture_output=True, cwd=REPO, timeout=120)
    line = [line for line in result.stderr.splitlines() if line.startswith("MODULES ")][-1]
    return set(json.loads(line[len("MODULES "):]))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["strip", "--help"], ["run", "--help"]])
def test_help_and_version_import_no_heavy_library(args):
    assert imported(*args) & HEAVY == set()


def test_normalize_imports_no_array_or_html_library():
    record = json.dumps({"id": "a", "source": "a.txt", "kind": "text", "content": "Plain words.", "status": "pending"})
    assert imported("normalize", stdin=record + "\n") & {"numpy", "trafilatura", "lxml", "datasketch", "ray"} == set()


def test_extract_of_a_text_dump_does_not_import_trafilatura():
    modules = imported("extract", str(SAMPLES / "dumps" / "riverside-courier-bridge-closure.txt"))
    assert "trafilatura" not in modules and "numpy" not in modules
