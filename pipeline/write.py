"""Write stage: clean texts, removal audit and the manifest.

Each kept document becomes ``clean/<id>.txt``; each document that lost lines
to the strip stage gets ``clean/audit/<id>.jsonl`` listing them with the
rule that removed them. ``write_all`` (the write command) then rewrites
the manifest atomically with the new records; a run commits through
``commit`` instead. Either way a run killed midway leaves the manifest as
it was, and a re-run writes the same files with the same bytes.
"""
from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Iterable

from . import manifest, storage
from .atomic import remove_stale_temps, write_unsynced
from .document import FINAL_STATES, KEPT, Document
from .lock import hold

AUDIT_DIR = "audit"


def write_document(clean_dir, doc: Document, written: list | None = None) -> dict:
    """Write one finished document's files; return its manifest record.

    ``clean_dir`` is a folder path or a ``storage.ObjectFolder``. Each file
    is made durable as it is written, unless ``written`` is given: the paths
    of files on disk (strings) are then added to it, for
    ``atomic.sync_written`` to make durable with the rest of a batch.
    """
    sync = written is None or isinstance(clean_dir, storage.ObjectFolder)
    files = document_files(doc)
    if sync:
        for name, text in files.items():
            storage.write_text(clean_dir, name, text, sync=True)
        return manifest.record_of(doc)
    folder = os.fspath(clean_dir)
    for name, text in files.items():
        path = os.path.join(folder, name)
        try:
            write_unsynced(path, text.encode("utf-8"))
        except FileNotFoundError:  # the first file of its folder
            os.makedirs(os.path.dirname(path), exist_ok=True)
            write_unsynced(path, text.encode("utf-8"))
        written.append(path)
    return manifest.record_of(doc)


def document_files(doc: Document) -> dict[str, str]:
    """The files of one finished document, by name below the clean folder:
    its clean text when kept, the audit of its removed lines when it has any."""
    files = {}
    if doc.status == KEPT:
        files[manifest.clean_path(doc.id)] = doc.text + "\n"
    if doc.removed:
        files[audit_path(doc.id)] = "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in doc.removed)
    return files


def audit_path(doc_id: str) -> str:
    return f"{AUDIT_DIR}/{doc_id}.jsonl"


def read_audit(clean_dir, doc_id: str) -> list[dict] | None:
    """A document's removed lines as its audit file lists them (``line``,
    ``rule``, ...), in order; None when it has no audit file."""
    data = storage.read_text(clean_dir, audit_path(doc_id))
    if data is None:
        return None
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def read_clean_text(clean_dir, rec: dict) -> str | None:
    """A kept document's clean text as written (without the newline that
    ends the file); None when its file is missing."""
    text = storage.read_text(clean_dir, rec.get("path") or manifest.clean_path(rec["id"]))
    if text is None:
        return None
    return text[:-1] if text.endswith("\n") else text


def temp_folders(clean_dir) -> list[Path]:
    """Where a killed write may have left temp files (none in an object store)."""
    if isinstance(clean_dir, storage.ObjectFolder):
        return []
    return [Path(clean_dir), Path(clean_dir) / AUDIT_DIR]


class Unfinished(ValueError):
    """Records that no stage has decided on: not for the manifest."""


def write_lock(clean_dir, wait: float = 0.0) -> contextlib.AbstractContextManager:
    """The lock a run holds on ``clean_dir`` (none for an object store, which has no locks)."""
    from .batch import default_state_dir, run_locks  # batch imports this module

    where = storage.location(clean_dir)
    if isinstance(where, storage.ObjectFolder):
        return contextlib.nullcontext()
    return hold(run_locks(where, default_state_dir(where)), wait)


def write_all(clean_dir, docs: Iterable[Document]) -> Counter:
    """Write every document, then the merged manifest. Returns counts by status.

    ``clean_dir`` is a folder path or an object-store URL. Every record must
    be decided (kept, duplicate, rejected or empty): one still pending, or
    of a status the manifest does not know, raises ``Unfinished`` before
    anything is written.
    """
    docs = list(docs)
    unfinished = [doc for doc in docs if doc.status not in FINAL_STATES]
    if unfinished:
        first = unfinished[0]
        raise Unfinished(f"{len(unfinished)} of {len(docs)} records are not decided (status "
                         f"{first.status!r}, e.g. {first.id} from {first.source}): pass them through "
                         "dedup first; nothing was written")
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
