"""Which raw inputs have been processed, by content hash.

A renamed or re-downloaded identical file is not processed twice; a file
whose bytes changed is processed again and reported as changed. The ledger
remembers two things: the content hashes already processed (with the name
each was first seen under) and the last hash seen at each path, which is
what tells "changed" from "new".

It is saved atomically after the run's outputs and manifest, so a killed run
simply redoes its inputs next time.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_write_text

FORMAT = 2
NEW, CHANGED, KNOWN = "new", "changed", "known"


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Input:
    """One raw file as the run sees it."""

    path: Path
    source: str  # relative to the raw folder
    key: str  # content hash, or a stand-in for a file that cannot be hashed
    state: str  # NEW, CHANGED or KNOWN
    size: int = 0


class LedgerError(ValueError):
    pass


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.hashes: dict[str, str] = {}  # content hash -> source it was first seen as
        self.paths: dict[str, str] = {}  # source -> last content hash seen there
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise LedgerError(f"input ledger {self.path} is unreadable ({exc}); "
                              "move it away to reprocess every input") from None
        if isinstance(data, dict) and data.get("format") == FORMAT:
            self.hashes = dict(data.get("hashes", {}))
            self.paths = dict(data.get("paths", {}))
        elif isinstance(data, dict):  # first format: a flat hash -> source map
            self.hashes = {k: str(v) for k, v in data.items()}
            self.paths = {v: k for k, v in self.hashes.items()}
        else:
            raise LedgerError(f"input ledger {self.path} has an unknown format")

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
        data = {"format": FORMAT, "hashes": self.hashes, "paths": self.paths}
        atomic_write_text(self.path, json.dumps(data, indent=0, sort_keys=True, ensure_ascii=False) + "\n")
