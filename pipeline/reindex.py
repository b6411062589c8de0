"""Rebuilding the dedup index with other settings, from the clean folder.

The index records the settings its signatures were made with, and a run with
other shingle, permutation, band, row or seed settings is refused (see
``dedup.config``). To change them for good, the index is built again from
what the clean folder holds: every kept document's text (``clean/<id>.txt``)
is signed with the new settings and stored as kept, and every duplicate the
manifest records against a kept document is recorded again, so a document
seen again is still answered from the index. Earlier decisions are not
revisited: kept stays kept.

Direct copies (duplicates stored with their sets, through which a later
document may join a group) cannot be rebuilt: their texts were never
written to the clean folder. After a rebuild, a new document joins an
earlier group through its kept copy only.

The new index is written next to the old one and moved over it in one
rename, under the run lock: a rebuild killed half-way leaves the old index.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import manifest
from .batch import INDEX, _begin_paths, run_locks
from .dedup.config import DedupConfig
from .document import DUPLICATE, KEPT
from .lock import hold
from .write import audit_path, read_audit, read_clean_text


@dataclass
class Rebuilt:
    path: Path
    fingerprint: str
    kept: int
    duplicates: int
    direct_copies_dropped: int


def rebuild_index(clean_dir, config: DedupConfig, state_dir: Path | None = None, wait: float = 0.0) -> Rebuilt:
    """Replace the dedup index of ``clean_dir`` by one built with ``config``."""
    from .dedup.index import DedupIndex
    from .dedup.dates import day_of
    from .dedup.stage import sign, stored_lead, stored_text, with_headline

    clean_dir, state_dir = _begin_paths(clean_dir, state_dir)
    target = state_dir / INDEX
    with hold(run_locks(clean_dir, state_dir), wait):
        records = manifest.read_manifest(clean_dir)
        kept = [rec for rec in records if rec["status"] == KEPT]
        # Compared as a run compares them: with the headline strip took out.
        texts = [with_headline(_clean_text(clean_dir, rec), _headlines(clean_dir, rec)) for rec in kept]
        kept_ids = {rec["id"] for rec in kept}
        duplicates = [rec for rec in records if rec["status"] == DUPLICATE and rec.get("duplicate_of") in kept_ids]
        signed = sign(texts, config)
        sizes = signed.sizes

        def stored(pos: int):
            # The lead (template guard, first versions) and the day of the
            # date (dates) as a run stores them: the manifest keeps the date.
            return (sizes[pos], signed.keys[pos], signed.set_of(pos), signed.numbers_of(pos),
                    stored_text(texts[pos], config), stored_lead(texts[pos], config), day_of(kept[pos].get("date")))

        dropped = _direct_copies(target)
        scratch = target.with_name(f".{target.name}.rebuild")
        scratch.unlink(missing_ok=True)
        try:
            with DedupIndex(scratch, config) as index:
                index.record([(rec["id"], None, None, None, False, lambda pos=pos: stored(pos))
                              for pos, rec in enumerate(kept)]
                             + [(rec["id"], rec["duplicate_of"], rec.get("similarity"), rec.get("rule"), False, None)
                                for rec in duplicates])
            with open(scratch, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(scratch, target)
        finally:
            scratch.unlink(missing_ok=True)
    return Rebuilt(target, config.fingerprint, len(kept), len(duplicates), dropped)


def _clean_text(clean_dir, rec: dict) -> str:
    text = read_clean_text(clean_dir, rec)
    if text is None:
        path = rec.get("path") or manifest.clean_path(rec["id"])
        raise FileNotFoundError(f"the clean text of kept document {rec['id']} ({path}) is missing")
    return text


def _headlines(clean_dir, rec: dict) -> list[str]:
    """The lines the strip stage removed from a document as its headline,
    from its audit file (none without one)."""
    if not (rec.get("removed_lines") or {}).get("headline"):
        return []
    removed = read_audit(clean_dir, rec["id"])
    if removed is None:
        raise FileNotFoundError(f"the audit of kept document {rec['id']} ({audit_path(rec['id'])}) is missing")
    return [r["line"] for r in removed if r.get("rule") == "headline"]


def _direct_copies(index: Path) -> int:
    """Direct copies stored in the old index (lost in the rebuild)."""
    import sqlite3

    if not index.exists():
        return 0
    db = sqlite3.connect(f"{index.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return db.execute("SELECT COUNT(*) FROM kept WHERE owner IS NOT NULL").fetchone()[0]
    except sqlite3.DatabaseError:
        return 0
    finally:
        db.close()
