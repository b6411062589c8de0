"""One run at a time per clean/state folder.

The lock is an ``flock`` on a small file. The kernel drops it when the
holding process exits for any reason (including ``kill -9`` or a power
cut), so there is never a stale lock to clean up by hand. The file itself
stays; only the lock on it matters. It holds the holder's pid and start time,
as information for the message a waiting run prints.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

LOCK_NAME = "lock"
_POLL_SECONDS = 0.1


class Locked(RuntimeError):
    """Another process holds the lock."""

    def __init__(self, path: Path, holder: str, waited: float):
        self.path, self.holder, self.waited = path, holder, waited
        who = f" by {holder}" if holder else ""
        waited_text = f" after waiting {waited:.0f} s" if waited else ""
        super().__init__(f"{path} is locked{who}{waited_text}: another run is using this folder")


class FileLock:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.fd: int | None = None

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock, waiting up to ``wait`` seconds; raise Locked if still held."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - start
                if waited >= wait:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise Locked(self.path, holder, waited if wait else 0.0) from None
                time.sleep(min(_POLL_SECONDS, wait - waited))
        self.fd = fd
        started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {started}\n".encode(), 0)

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            os.close(self.fd)  # closing drops the flock
            self.fd = None

    def __enter__(self) -> "FileLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    with contextlib.suppress(OSError):
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    return ""


@contextlib.contextmanager
def hold(paths: list[Path], wait: float = 0.0) -> Iterator[None]:
    """Lock every path (in a fixed order, so two runs cannot deadlock)."""
    locks: list[FileLock] = []
    deadline = time.monotonic() + wait
    try:
        for path in sorted({Path(p).resolve() for p in paths}):
            lock = FileLock(path)
            lock.acquire(max(deadline - time.monotonic(), 0.0) if wait else 0.0)
            locks.append(lock)
        yield
    finally:
        for lock in reversed(locks):
            lock.release()


def holder(path: Path) -> str | None:
    """Who holds the lock at ``path`` ('' if unknown), or None if nobody does.

    Only looks: never creates the lock file or takes the lock for long.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_holder(fd)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
