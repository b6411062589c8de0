"""Which raw inputs have been processed, by content hash.

A renamed or re-downloaded identical file is not processed twice; a file
whose bytes changed is processed again and reported as changed. The ledger
remembers two things: the content hashes already processed (with the name
each was first seen under) and the last hash seen at each path, which is
what tells "changed" from "new".

To avoid reading every raw file on every run, the ledger also keeps each
file's size, times and inode with its hash; a file whose stat is unchanged
keeps its hash. A stat taken less than a few seconds before the ledger was
saved is not trusted (the file may still have been changing within the
clock's resolution), so such a file is read again.

It is saved atomically at each commit of a run, after the outputs and the
manifest, so a killed run simply redoes its uncommitted inputs next time.
It also remembers how many records (and bytes) the manifest had at that
commit: a manifest found shorter was deleted or cut short.

Stats are trusted by the time they were taken (the run's planning), not by
when the ledger was saved: a run may save it many times.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_write_text
from .storage import ObjectFolder

FORMAT = 2
RACY_SECONDS = 3
NEW, CHANGED, KNOWN = "new", "changed", "known"


def file_hash(path: Path) -> str:
    with open(path, "rb") as fh:
        return stream_hash(fh)


def file_stat(path: Path) -> tuple[list, int]:
    """What the stat cache compares, and when the file last changed (ns)."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino], max(st.st_mtime_ns, st.st_ctime_ns)


def object_stat(entry) -> tuple[list, int]:
    """The same for an object (``storage.ObjectEntry``): its size and time."""
    return [entry.size, entry.mtime_ns, 0, 0], entry.mtime_ns


def content_hash(raw, path) -> str:
    """SHA-256 of one raw file of ``raw`` (a folder path or a ``storage.ObjectFolder``)."""
    if isinstance(raw, ObjectFolder):
        with raw.open_path(str(path)) as fh:
            return stream_hash(fh)
    return file_hash(Path(path))


def stream_hash(fh) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Input:
    """One raw file as the run sees it."""

    path: Path | str  # a path, or an object's path in its store
    source: str  # relative to the raw folder
    key: str  # content hash, or a stand-in for a file that cannot be hashed
    state: str  # NEW, CHANGED or KNOWN
    size: int = 0


class LedgerError(ValueError):
    pass


def _text_map(value, path: Path, name: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise LedgerError(f"input ledger {path}: '{name}' is not a map of names to hashes; "
                          "move it away to reprocess every input")
    return dict(value)


def _is_stat(value) -> bool:
    return isinstance(value, list) and len(value) == 5 and all(isinstance(v, int) for v in value[:4]) \
        and isinstance(value[4], str)


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.hashes: dict[str, str] = {}  # content hash -> source it was first seen as
        self.paths: dict[str, str] = {}  # source -> last content hash seen there
        self.stats: dict[str, list] = {}  # source -> [size, mtime_ns, ctime_ns, inode, hash]
        self.saved_at = 0.0  # when the stats were taken
        self.manifest: dict | None = None  # {"records": n, "bytes": n or None} at the last commit
        self.listed_at: float | None = None  # when this run took its stats
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise LedgerError(f"input ledger {self.path} is unreadable ({exc}); "
                              "move it away to reprocess every input") from None
        if isinstance(data, dict) and data.get("format") == FORMAT:
            self.hashes = _text_map(data.get("hashes", {}), self.path, "hashes")
            self.paths = _text_map(data.get("paths", {}), self.path, "paths")
            self.stats = dict(data.get("stats", {})) if isinstance(data.get("stats", {}), dict) else None
            saved_at = data.get("saved_at", 0.0)
            if self.stats is None or not all(_is_stat(v) for v in self.stats.values()) \
                    or not isinstance(saved_at, (int, float)):
                raise LedgerError(f"input ledger {self.path} has stats or a time of the wrong shape; "
                                  "move it away to reprocess every input")
            self.saved_at = float(saved_at)
            self.manifest = data.get("manifest") if isinstance(data.get("manifest"), dict) else None
        elif isinstance(data, dict) and "format" not in data:  # first format: a flat hash -> source map
            self.hashes = _text_map(data, self.path, "hashes")
            self.paths = {v: k for k, v in self.hashes.items()}
        else:
            raise LedgerError(f"input ledger {self.path} has an unknown format; "
                              "move it away to reprocess every input")

    def cached(self, source: str, stat: list, changed_ns: int) -> str | None:
        """The hash recorded for this file if its stat is unchanged and safe to trust."""
        cached = self.stats.get(source)
        settled = changed_ns < (self.saved_at - RACY_SECONDS) * 1e9
        return cached[4] if cached and cached[:4] == stat and settled else None

    def listing(self) -> None:
        """Stats are about to be taken: they are as fresh as this moment."""
        self.listed_at = time.time()

    def remember(self, source: str, stat: list, digest: str) -> None:
        self.stats[source] = list(stat) + [digest]

    def forget_processed(self) -> None:
        """Forget which inputs were processed (the stat cache stays): every
        input is then processed again, to rebuild lost manifest records."""
        self.hashes, self.paths = {}, {}

    def forget_stats_except(self, sources: set[str]) -> None:
        """Drop cached stats of files that are gone (hashes and paths stay)."""
        self.stats = {k: v for k, v in self.stats.items() if k in sources}

    def seen(self, digest: str) -> bool:
        return digest in self.hashes

    def state_of(self, source: str, digest: str) -> str:
        if digest in self.hashes:
            return KNOWN
        return CHANGED if source in self.paths else NEW

    def add(self, digest: str, source: str) -> None:
        self.hashes.setdefault(digest, source)
        self.paths[source] = digest

    def save(self) -> None:
        self.saved_at = self.listed_at if self.listed_at is not None else time.time()
        data = {"format": FORMAT, "saved_at": self.saved_at, "hashes": self.hashes, "paths": self.paths,
                "stats": self.stats}
        if self.manifest is not None:
            data["manifest"] = self.manifest
        # One line (json's C encoder; an indented dump takes its pure-Python
        # path, seconds per save for a ledger of many thousand inputs).
        atomic_write_text(self.path, json.dumps(data, sort_keys=True, ensure_ascii=False) + "\n")
