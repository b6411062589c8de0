"""Which raw inputs have been processed, by content hash.

A renamed or re-downloaded identical file is not processed twice; a file
whose bytes changed is processed again. Saved atomically after the run's
outputs, so a killed run simply redoes its inputs next time.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .atomic import atomic_write_text


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.entries: dict[str, str] = {}  # content hash -> source it was first seen as
        if self.path.exists():
            self.entries = json.loads(self.path.read_text(encoding="utf-8"))

    def seen(self, digest: str) -> bool:
        return digest in self.entries

    def add(self, digest: str, source: str) -> None:
        self.entries.setdefault(digest, source)

    def save(self) -> None:
        atomic_write_text(self.path, json.dumps(self.entries, indent=0, sort_keys=True))
