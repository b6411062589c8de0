"""Write stage: clean texts, removal audit and the manifest.

Each kept document becomes ``clean/<id>.txt``; each document that lost lines
to the strip stage gets ``clean/audit/<id>.jsonl`` listing them with the
rule that removed them; the manifest is rewritten atomically last, so a run
killed midway leaves the previous manifest intact and a re-run rewrites the
same files with the same bytes.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable

from . import manifest, storage
from .atomic import remove_stale_temps
from .document import KEPT, Document

AUDIT_DIR = "audit"


def write_document(clean_dir, doc: Document) -> dict:
    """Write one finished document's files; return its manifest record.

    ``clean_dir`` is a folder path or a ``storage.ObjectFolder``.
    """
    if doc.status == KEPT:
        storage.write_text(clean_dir, manifest.clean_path(doc.id), doc.text + "\n")
    if doc.removed:
        with storage.open_write(clean_dir, f"{AUDIT_DIR}/{doc.id}.jsonl") as fh:
            for removal in doc.removed:
                fh.write(json.dumps(removal.to_dict(), ensure_ascii=False) + "\n")
    return manifest.record_of(doc)


def temp_folders(clean_dir) -> list[Path]:
    """Where a killed write may have left temp files (none in an object store)."""
    if isinstance(clean_dir, storage.ObjectFolder):
        return []
    return [Path(clean_dir), Path(clean_dir) / AUDIT_DIR]


def write_all(clean_dir, docs: Iterable[Document]) -> Counter:
    """Write every document, then the merged manifest. Returns counts by status.

    ``clean_dir`` is a folder path or an object-store URL.
    """
    clean_dir = storage.location(clean_dir)
    if isinstance(clean_dir, Path):
        clean_dir.mkdir(parents=True, exist_ok=True)
    for folder in temp_folders(clean_dir):
        remove_stale_temps(folder)
    counts: Counter = Counter()
    records = []
    for doc in docs:
        records.append(write_document(clean_dir, doc))
        counts[doc.status] += 1
    existing = manifest.read_manifest(clean_dir)
    manifest.extend_manifest(clean_dir, existing, records)
    return counts
