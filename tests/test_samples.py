"""The tests read their own copy of the samples, never the user's raw/ folder.

raw/ is where a user drops their own files (the README says so); a test that
read it would fail, or pass for the wrong reason, once they do.
"""
from __future__ import annotations

import re
from pathlib import Path

from conftest import FIXTURES, REPO, SAMPLES, TESTS

# Ways a test could name the repository's raw/ folder.
REPO_RAW = re.compile(r"""(parents\[[12]\]|REPO|parent\.parent)\s*/\s*["']raw["']""")


def test_samples_live_under_tests():
    assert SAMPLES.is_relative_to(TESTS)
    kinds = {path.suffix for path in SAMPLES.rglob("*") if path.is_file()}
    assert {".html", ".txt", ".jsonl", ".gz"} <= kinds


def test_no_test_reads_the_repository_raw_folder():
    modules = [*TESTS.glob("*.py"), *FIXTURES.glob("*.py")]
    offenders = [path.name for path in modules
                 if path.name != Path(__file__).name and REPO_RAW.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
    assert REPO_RAW.search('REPO / "raw"') and REPO_RAW.search("Path(__file__).parents[1] / 'raw'")
    assert not (REPO / "tests" / "raw").exists()
