"""Crash-safe file writes: a reader sees the old file or the new one, never half.

Write to a temporary file in the same folder, fsync it, rename it over the
target (atomic on POSIX), then fsync the folder so the rename itself survives
a power cut.

Many small files are cheaper made durable together: written with
``sync=False`` they are renamed into place at once (a killed process leaves
each whole or absent; only a power cut can lose them), and ``sync_written``
then flushes the whole batch with one sync of its filesystem and one fsync
per folder. Whatever refers to them (the manifest) is written after that.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import IO, Iterable, Iterator, Sequence


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w", encoding: str | None = "utf-8", sync: bool = True) -> Iterator[IO]:
    """Write ``path`` whole or not at all; with ``sync=False``, leave making
    it durable to ``sync_written``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    binary = "b" in mode
    try:
        os.fchmod(fd, 0o666 & ~current_umask())  # mkstemp makes 0600; outputs follow the umask
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else encoding) as fh:
            yield fh
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if sync:
        fsync_dir(path.parent)


_EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def write_unsynced(path: str, data: bytes) -> None:
    """``atomic_open(path, "wb", sync=False)`` for a whole file at once, in
    a few system calls: many small files are written this way in a batch.

    The temporary name is this process's (the run's lock keeps others out);
    the mode is 0o666 less the umask, as ``atomic_open`` sets it. The folder
    must exist.
    """
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, _EXCLUSIVE, 0o666)
    except FileExistsError:  # left by a killed process that had this pid
        os.unlink(tmp)
        fd = os.open(tmp, _EXCLUSIVE, 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def sync_written(folders: Iterable[Path], files: Sequence[Path | str]) -> None:
    """Make files written with ``sync=False`` durable, with the renames that put
    them in ``folders``: one ``syncfs`` per filesystem where the system has it
    (an fsync of each file where not), then one fsync per folder."""
    if not files:
        return
    folders = [Path(f) for f in folders]
    synced = set()
    for folder in folders:
        device = os.stat(folder).st_dev
        if device not in synced and _syncfs(folder):
            synced.add(device)
    devices: dict[str, int] = {}  # folder -> its device, one stat per folder
    for path in files:
        parent = os.path.dirname(os.fspath(path))
        if parent not in devices:
            devices[parent] = os.stat(parent or ".").st_dev
        if devices[parent] not in synced:
            fsync_file(path)
    for folder in folders:
        fsync_dir(folder)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@lru_cache(maxsize=1)
def _libc_syncfs():
    name = ctypes.util.find_library("c")
    try:
        fn = getattr(ctypes.CDLL(name, use_errno=True), "syncfs")
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int]
    return fn


def _syncfs(folder: Path) -> bool:
    """Flush every written file of ``folder``'s filesystem; False where the system cannot."""
    fn = _libc_syncfs()
    if fn is None:
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        if fn(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"cannot flush the files written to {folder}: {os.strerror(err)}")
    finally:
        os.close(fd)
    return True


def current_umask() -> int:
    """The process umask, read without changing it where the system tells it."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    with atomic_open(path) as fh:
        fh.write(text)


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems cannot fsync a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temps(folder: Path) -> int:
    """Delete temp files a killed run left behind; they were never renamed into place."""
    count = 0
    if folder.is_dir():
        for tmp in folder.glob(".*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
                count += 1
    return count
