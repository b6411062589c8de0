"""Check a clean folder's outputs against its manifest, and restore them.

Every ``kept`` record has its clean text; every record with removed lines has
its audit file. Files deleted since are found by looking; files changed are
found by making them again from the raw inputs (the pipeline's stages are
deterministic for the same settings), which is also how they are restored.
A raw file that is gone, or whose bytes changed since, cannot vouch for its
documents: those are reported as not checked.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from . import storage
from .config import PipelineConfig
from .document import KEPT, Document
from .manifest import clean_path, read_manifest
from .runner import prepared
from .sources import read_input
from .write import AUDIT_DIR, audit_path, document_files


@dataclass(frozen=True)
class Output:
    name: str  # below the clean folder
    id: str
    source: str


@dataclass
class Findings:
    outputs: int = 0  # files the manifest calls for
    missing: list[Output] = field(default_factory=list)
    changed: list[Output] = field(default_factory=list)
    unchecked: list[tuple[Output, str]] = field(default_factory=list)  # with why
    restored: list[Output] = field(default_factory=list)

    @property
    def damaged(self) -> list[Output]:
        """Missing or changed, and not restored."""
        done = {out.name for out in self.restored}
        return [out for out in self.missing + self.changed if out.name not in done]

    def to_dict(self) -> dict:
        def names(outs: Iterable[Output]) -> list[dict]:
            return [{"file": o.name, "id": o.id, "source": o.source} for o in outs]

        return {"outputs": self.outputs, "missing": names(self.missing), "changed": names(self.changed),
                "unchecked": [dict(names([o])[0], why=why) for o, why in self.unchecked],
                "restored": names(self.restored)}


def expected_outputs(records: Iterable[dict]) -> list[Output]:
    """The files the manifest's records call for."""
    out = []
    for rec in records:
        if rec.get("status") == KEPT:
            out.append(Output(rec.get("path") or clean_path(rec["id"]), rec["id"], rec.get("source", "")))
        if rec.get("removed_lines"):
            out.append(Output(audit_path(rec["id"]), rec["id"], rec.get("source", "")))
    return out


def missing_outputs(clean_dir, records: list[dict]) -> list[Output]:
    """Outputs that are not there (one listing per folder, not one look-up per file)."""
    expected = expected_outputs(records)
    clean_dir = storage.location(clean_dir)
    if isinstance(clean_dir, storage.ObjectFolder):
        return [out for out in expected if clean_dir.read_bytes(out.name) is None]
    present = set(_names(Path(clean_dir))) | {f"{AUDIT_DIR}/{n}" for n in _names(Path(clean_dir) / AUDIT_DIR)}
    return [out for out in expected if out.name not in present]


def _names(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return [entry.name for entry in entries if entry.is_file()]
    except FileNotFoundError:
        return []


def verify(clean_dir, raw_dir=None, config: PipelineConfig = PipelineConfig(),
           restore: bool = False) -> Findings:
    """Find missing outputs; with ``raw_dir``, also changed ones, and with
    ``restore`` write both again from the raw inputs."""
    clean_dir = storage.location(clean_dir)
    records = read_manifest(clean_dir)
    expected = expected_outputs(records)
    findings = Findings(outputs=len(expected), missing=missing_outputs(clean_dir, records))
    if raw_dir is None:
        return findings
    missing = {out.name for out in findings.missing}
    made = _remade(storage.location(raw_dir), expected, config, findings)
    for out in expected:
        if out.name not in made:
            continue
        if out.name not in missing and _read(clean_dir, out.name) != made[out.name]:
            findings.changed.append(out)
    if restore:
        for out in findings.missing + findings.changed:
            if out.name in made:
                storage.write_text(clean_dir, out.name, made[out.name])
                findings.restored.append(out)
    return findings


def _remade(raw_dir, expected: list[Output], config: PipelineConfig, findings: Findings) -> dict[str, str]:
    """The outputs made again from the raw files, by name."""
    by_source: dict[str, list[Output]] = {}
    for out in expected:
        by_source.setdefault(out.source, []).append(out)
    made: dict[str, str] = {}
    for source, outs in sorted(by_source.items()):
        path = _raw_path(raw_dir, source)
        if path is None:
            findings.unchecked += [(out, "raw file gone") for out in outs]
            continue
        wanted = {out.id for out in outs}
        kept = {out.id for out in outs if not out.name.startswith(AUDIT_DIR + "/")}
        docs = [doc for doc in read_input(raw_dir, path, config.read) if doc.id in wanted]
        for doc in prepared(docs, config):
            files = document_files(_finished(doc, doc.id in kept))
            made.update({name: text for name, text in files.items() if name in {o.name for o in outs}})
        findings.unchecked += [(out, "not made again: the raw file changed since, or the settings differ")
                               for out in outs if out.name not in made]
    return made


def _finished(doc: Document, kept: bool) -> Document:
    return doc.evolve(status=KEPT) if kept and doc.pending else doc


def _raw_path(raw_dir, source: str):
    if isinstance(raw_dir, storage.ObjectFolder):
        from pyarrow import fs

        key = raw_dir._key(source)
        return key if raw_dir.fs.get_file_info(key).type == fs.FileType.File else None
    path = Path(raw_dir) / source
    return path if path.is_file() else None


def _read(clean_dir, name: str) -> str | None:
    try:
        return storage.read_text(clean_dir, name)
    except (OSError, UnicodeDecodeError):
        return None
