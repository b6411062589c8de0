"""The manifest: one record per input document, ever.

``clean/manifest.jsonl`` accounts for every input the pipeline has seen:
kept (with the path of its clean text), duplicate (of which, how similar),
rejected (why) or empty (why). Records are keyed by document id; a later run
adds records and never rewrites what an earlier run decided.

A run adds its records at each commit by appending them, in one write, then
an fsync (``append_records``): committing costs the new lines, not a copy of
the whole manifest. A process killed in that write can leave a last line
without its end; the next run cuts it off before anything else
(``repair_tail``). An object-store manifest is uploaded whole instead.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Iterable

from .atomic import fsync_dir
from .document import DUPLICATE, KEPT, META_KEYS, Document
from .storage import ObjectFolder, open_write, read_text

MANIFEST = "manifest.jsonl"
SUPERSEDED = "superseded"


class ManifestError(ValueError):
    """A manifest that cannot be read as records."""


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
    if doc.meta.get("quality") is not None:  # set by extract for HTML pages
        rec["quality"] = doc.meta["quality"]
    if doc.removed:
        rec["removed_lines"] = dict(sorted(Counter(r.rule for r in doc.removed).items()))
    return rec


def read_manifest(clean_dir) -> list[dict]:
    """The records of ``clean_dir`` (a folder path or a ``storage.ObjectFolder``)."""
    if isinstance(clean_dir, ObjectFolder):
        text = read_text(clean_dir, MANIFEST) or ""
        return _records(text.split("\n"), f"{clean_dir}/{MANIFEST}")
    path = Path(clean_dir) / MANIFEST
    if not path.exists():
        return []
    with open(path, encoding="utf-8", errors="surrogateescape") as fh:
        return _records(fh, str(path))


def _records(lines: Iterable[str], where: str) -> list[dict]:
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise ManifestError(f"{where}, line {number}, is not a JSON record ({exc}); "
                                "restore the manifest from a backup") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("id"), str) or "source" not in rec:
            raise ManifestError(f"{where}, line {number}, is not a manifest record (no id or source); "
                                "restore the manifest from a backup")
        out.append(rec)
    return out


def append_records(clean_dir, records: Iterable[dict], seen: set[tuple], existing: list[dict] | None = None) -> list[dict]:
    """Add the ``records`` whose keys (``record_key``) are not in ``seen`` (updated) to the
    manifest, in one write; returns those added. The manifest file exists
    afterwards, even when nothing was added.

    An object-store manifest is uploaded again whole: ``existing`` must then
    be its current records.
    """
    added = []
    for rec in records:  # earlier decisions stand; a repeated new id counts once
        if record_key(rec) not in seen:
            seen.add(record_key(rec))
            added.append(rec)
    if isinstance(clean_dir, ObjectFolder):
        if added or read_text(clean_dir, MANIFEST) is None:
            extend_manifest(clean_dir, existing or [], added)
        return added
    path = Path(clean_dir) / MANIFEST
    created = not path.exists()
    data = _lines(added)
    with open(path, "ab") as fh:
        if fh.tell() and data and _last_byte(path) != b"\n":  # a hand-edited file may end without one
            data = b"\n" + data
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if created:
        fsync_dir(path.parent)
    return added


def _lines(records: Iterable[dict]) -> bytes:
    return "".join(json.dumps(rec, ensure_ascii=False, sort_keys=False) + "\n" for rec in records).encode(
        "utf-8", "surrogateescape")


def _last_byte(path: Path) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1)


def size_of(clean_dir) -> int | None:
    """Bytes in the manifest (None in an object store, or when there is none)."""
    if isinstance(clean_dir, ObjectFolder):
        return None
    try:
        return (Path(clean_dir) / MANIFEST).stat().st_size
    except FileNotFoundError:
        return None


def repair_tail(clean_dir) -> int:
    """Cut off a last line without its end that is not a record (what a run
    killed while appending leaves, or a file cut short); returns the bytes
    cut. Whether records were lost with it is for the caller to tell."""
    if isinstance(clean_dir, ObjectFolder):
        return 0
    path = Path(clean_dir) / MANIFEST
    size = size_of(clean_dir) or 0
    if not size:
        return 0
    with open(path, "rb+") as fh:
        end, tail = size, b""
        while end > 0 and b"\n" not in tail:
            start = max(0, end - (1 << 16))
            fh.seek(start)
            tail = fh.read(end - start) + tail
            end = start
        cut = tail.rfind(b"\n") + 1  # 0 when no line has ended
        rest = tail[cut:]
        if not rest.strip():
            return 0
        try:
            json.loads(rest)
            return 0  # a whole record without its newline (edited by hand)
        except ValueError:
            pass
        fh.truncate(end + cut)
        fh.flush()
        os.fsync(fh.fileno())
    return size - (end + cut)


def extend_manifest(clean_dir, existing: list[dict], new: Iterable[dict]) -> int:
    """Rewrite the manifest atomically with the ``new`` records whose ids it
    lacks added at the end; returns how many were added.

    ``existing`` is what ``read_manifest`` gave. Its lines are copied as
    bytes, not written again from the records: a run costs one copy of the
    earlier manifest, not its serialisation (ten times slower).
    """
    seen = {record_key(rec) for rec in existing}
    added = []
    for rec in new:  # earlier decisions stand; a repeated new id counts once
        if record_key(rec) not in seen:
            seen.add(record_key(rec))
            added.append(rec)
    lines = _lines(added)
    with open_write(clean_dir, MANIFEST, binary=True) as out:
        tail = _copy_manifest(clean_dir, out) if existing else b"\n"
        if tail != b"\n":  # a hand-edited file may end without one
            out.write(b"\n")
        out.write(lines)
    return len(added)


def record_key(rec: dict) -> tuple:
    """What makes a record unique in the manifest: its id, and whether it is
    the "superseded" record that may follow a document's first one."""
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
