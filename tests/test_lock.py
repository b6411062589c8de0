"""The run lock: exclusive, waitable, and gone when its holder dies."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.lock import FileLock, Locked, hold

ROOT = Path(__file__).resolve().parents[1]

HOLDER = """
import sys, time
sys.path.insert(0, sys.argv[2])
from pipeline.lock import FileLock
lock = FileLock(sys.argv[1]); lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


def start_holder(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(ROOT)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_lock_in_same_process_is_refused(tmp_path):
    with FileLock(tmp_path / "lock") as first:
        first.acquire()
        with pytest.raises(Locked) as err:
            FileLock(tmp_path / "lock").acquire()
        assert "another run" in str(err.value)
        assert f"pid {os.getpid()}" in str(err.value)
    FileLock(tmp_path / "lock").acquire()  # free again after release


def test_lock_dies_with_its_holder(tmp_path):
    holder = start_holder(tmp_path / "lock")
    try:
        with pytest.raises(Locked):
            FileLock(tmp_path / "lock").acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock = FileLock(tmp_path / "lock")
    lock.acquire()  # no stale lock left behind
    lock.release()


def test_wait_gets_the_lock_once_released(tmp_path):
    holder = start_holder(tmp_path / "lock")
    try:
        subprocess.Popen(["sh", "-c", f"sleep 0.5; kill -9 {holder.pid}"])
        start = time.monotonic()
        lock = FileLock(tmp_path / "lock")
        lock.acquire(wait=10)
        assert time.monotonic() - start < 5
        lock.release()
    finally:
        holder.kill()
        holder.wait()


def test_wait_gives_up_after_timeout(tmp_path):
    holder = start_holder(tmp_path / "lock")
    try:
        start = time.monotonic()
        with pytest.raises(Locked) as err:
            FileLock(tmp_path / "lock").acquire(wait=0.3)
        assert 0.3 <= time.monotonic() - start < 3
        assert "after waiting" in str(err.value)
    finally:
        holder.kill()
        holder.wait()


def test_hold_locks_each_folder_once(tmp_path):
    a, b = tmp_path / "a" / "lock", tmp_path / "b" / "lock"
    with hold([b, a, a]):
        for path in (a, b):
            with pytest.raises(Locked):
                FileLock(path).acquire()
    with hold([a, b]):
        pass
