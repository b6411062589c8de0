"""Shared fixtures: paths to the samples, the optional shared seeds, helpers."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
# The samples the tests read: a copy of the ones shipped in raw/, so that files a
# user drops into raw/ never change what the tests see.
SAMPLES = TESTS / "samples"
RAW = SAMPLES
FIXTURES = TESTS / "fixtures"
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"

# tests/fixtures holds small helper scripts (make_warc.py) the tests import.
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A private copy of the samples (tests/samples)."""
    target = tmp_path / "raw"
    shutil.copytree(RAW, target, ignore=shutil.ignore_patterns("seeds", ".*"))
    return target


@pytest.fixture
def seeds_dir() -> Path:
    """The five shared seed articles; the test is skipped when they are absent."""
    if not SEEDS.is_dir() or not any(SEEDS.glob("*.txt")):
        pytest.skip("no shared seeds (../shared/seeds) in this checkout")
    return SEEDS


@pytest.fixture(scope="session")
def s3():
    """An S3 endpoint on this machine (see fixtures/object_store.py)."""
    from object_store import start_s3

    store, stop = start_s3()
    yield store
    stop()


@pytest.fixture(scope="module")
def ray_local():
    """Ray started on this machine with 2 CPUs, for one test module."""
    ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()
