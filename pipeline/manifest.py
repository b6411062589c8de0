"""The manifest: one record per input document, ever.

``clean/manifest.jsonl`` accounts for every input the pipeline has seen:
kept (with the path of its clean text), duplicate (of which, how similar),
rejected (why) or empty (why). Records are keyed by document id; a later run
adds records and never rewrites what an earlier run decided.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable

from .storage import ObjectFolder, open_write, read_text
from .document import DUPLICATE, KEPT, META_KEYS, Document

MANIFEST = "manifest.jsonl"
SUPERSEDED = "superseded"


def clean_path(doc_id: str) -> str:
    return f"{doc_id}.txt"


def record_of(doc: Document) -> dict:
    rec: dict = {"id": doc.id, "source": doc.source}
    if doc.offset is not None:
        rec["offset"] = doc.offset
    rec["status"] = doc.status
    if doc.status == KEPT:
        rec["path"] = clean_path(doc.id)
    if doc.status == DUPLICATE:
        rec["duplicate_of"] = doc.duplicate_of
        rec["similarity"] = doc.similarity
        if doc.rule:
            rec["rule"] = doc.rule
    if doc.reason:
        rec["reason"] = doc.reason
    for key in META_KEYS:
        if doc.meta.get(key):
            rec[key] = doc.meta[key]
    if doc.removed:
        rec["removed_lines"] = dict(sorted(Counter(r.rule for r in doc.removed).items()))
    return rec


def read_manifest(clean_dir) -> list[dict]:
    """The records of ``clean_dir`` (a folder path or a ``storage.ObjectFolder``)."""
    if isinstance(clean_dir, ObjectFolder):
        text = read_text(clean_dir, MANIFEST) or ""
        return [json.loads(line) for line in text.split("\n") if line.strip()]
    path = Path(clean_dir) / MANIFEST
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def extend_manifest(clean_dir, existing: list[dict], new: Iterable[dict]) -> int:
    """Rewrite the manifest atomically with the ``new`` records whose ids it
    lacks added at the end; returns how many were added.

    ``existing`` is what ``read_manifest`` gave. Its lines are copied as
    bytes, not written again from the records: a run costs one copy of the
    earlier manifest, not its serialisation (ten times slower).
    """
    seen = {_key(rec) for rec in existing}
    added = []
    for rec in new:  # earlier decisions stand; a repeated new id counts once
        if _key(rec) not in seen:
            seen.add(_key(rec))
            added.append(rec)
    lines = "".join(json.dumps(rec, ensure_ascii=False, sort_keys=False) + "\n" for rec in added).encode("utf-8")
    with open_write(clean_dir, MANIFEST, binary=True) as out:
        tail = _copy_manifest(clean_dir, out) if existing else b"\n"
        if tail != b"\n":  # a hand-edited file may end without one
            out.write(b"\n")
        out.write(lines)
    return len(added)


def _key(rec: dict) -> tuple:
    # A document's "superseded" record (see supersede) follows its first one.
    return rec["id"], rec.get("status") == SUPERSEDED


def _copy_manifest(clean_dir, out) -> bytes:
    """Copy the current manifest's bytes to ``out``; return its last byte."""
    if isinstance(clean_dir, ObjectFolder):
        data = clean_dir.read_bytes(MANIFEST) or b""
        out.write(data)
        return data[-1:] or b"\n"
    last = b"\n"
    with open(Path(clean_dir) / MANIFEST, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            out.write(chunk)
            last = chunk[-1:]
    return last
