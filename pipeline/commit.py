"""The one commit step of a run: documents, dedup index, manifest, input ledger.

A run commits in checkpoints: every ``run.checkpoint_documents`` documents
(or ``run.checkpoint_seconds``), and at its end; a checkpoint may fall
inside an input of many documents. Each commit, in this order:

1. the documents' files (clean texts, audit files) are already in place,
   each renamed over its name when complete; they are made durable together,
   with one sync of their filesystem and one fsync per folder, not one per
   file;
2. the dedup index: the batch's decisions, in one SQLite transaction;
3. the manifest: the batch's records appended in one write, then fsynced
   (an object-store manifest is uploaded whole);
4. the input ledger: the inputs all of whose documents are now recorded,
   and the size of the manifest they are recorded in.

The manifest is the record of truth; at the start of each run the other
parts are checked against it (``start``):

* a manifest line cut short by a kill in step 3 is cut off (its documents
  are redone);
* index entries the manifest does not have (killed between steps 2 and 3)
  are removed, so they are decided again;
* a manifest shorter than the ledger says it was (deleted, or cut short by
  something other than a run) is rebuilt by processing again the inputs
  the ledger lists, when every one of them whose records are missing is
  still in the raw folder with the same bytes; otherwise the run stops;
* an index that lacks documents the manifest records as kept (deleted,
  emptied, replaced) stops the run: taken for a fresh one, it would let
  copies of those documents be kept again.
* clean texts and audit files of documents the manifest does not record
  (written by a run that never committed them) are removed.

A run killed anywhere leaves the last commit whole; the next run redoes
what came after it and commits at the same places (documents are counted
from the first one not recorded), so it ends as an uninterrupted run would.
"""
from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import manifest
from .atomic import sync_written
from .config import RunConfig
from .copies import copy_records
from .dedup.index import DedupIndex
from .document import KEPT, Document
from .ledger import KNOWN, Input, Ledger
from .report import RunReport
from .sources import UNREADABLE_REASON
from .storage import ObjectFolder
from .write import AUDIT_DIR, temp_folders, write_document

log = logging.getLogger(__name__)
UNREADABLE_KEY = "unreadable:"


class StateMismatch(RuntimeError):
    """The run state and the manifest disagree in a way no run can repair."""


def batches(docs: Iterable[Document], config: RunConfig) -> Iterator[tuple[list[Document], bool, bool]]:
    """The stream cut where commits fall, as ``(batch, is_last, whole)``:
    after ``checkpoint_documents`` documents, or after ``checkpoint_seconds``.

    A cut may fall inside an input (a JSONL feed, a WARC file), so memory
    stays bounded by a batch however large one file is. ``whole`` says
    whether the batch's last input ends in it: only inputs whose documents
    are all in the manifest go to the ledger, and a run that finds an input
    partly recorded skips the documents it has (see ``batch._unrecorded``).
    Counted in documents from the first one not recorded, cuts fall at the
    same places in a run that resumes a killed one.
    """
    batch: list[Document] = []
    started = time.monotonic()
    for doc in docs:
        if batch and ((config.checkpoint_documents and len(batch) >= config.checkpoint_documents)
                      or (config.checkpoint_seconds and time.monotonic() - started >= config.checkpoint_seconds)):
            yield batch, False, doc.source != batch[-1].source
            batch, started = [], time.monotonic()
        batch.append(doc)
    if batch:
        yield batch, True, True


class DeferredIndex:
    """A dedup index whose ``record`` waits for the commit step.

    The dedup stage decides against the index as usual; what it records is
    held until the batch's files are written, then committed (step 2).
    """

    def __init__(self, index: DedupIndex):
        self.index = index
        self._waiting: list = []

    def __getattr__(self, name):
        return getattr(self.index, name)

    def record(self, decided: Iterable[tuple]) -> None:
        self._waiting.extend(decided)

    def commit(self) -> None:
        if self._waiting:
            self.index.record(self._waiting)
        self._waiting = []


def start(clean_dir, ledger: Ledger, index: DedupIndex, inputs: list[Input], report: RunReport,
          raw_name: str = "the raw folder") -> tuple[list[dict], bool]:
    """Check the run state against the manifest before a run (see above).

    Returns the manifest's records and whether its lost records are to be
    rebuilt (the ledger then forgot every input: the caller plans again).
    Raises ``StateMismatch`` when they cannot be.
    """
    committed = ledger.manifest or {}
    cut = manifest.repair_tail(clean_dir)
    if cut:
        report.repairs.append(f"cut off an unfinished last line of the manifest ({cut} bytes)")
    existing = manifest.read_manifest(clean_dir)
    rebuild = _lost(existing, ledger)
    if rebuild:
        _check_rebuildable(clean_dir, existing, ledger, inputs, raw_name)
        ledger.forget_processed()
        report.repairs.append(f"the manifest had {len(existing)} of {committed.get('records', 'its')} records: "
                              "rebuilding the others from the raw inputs")
        log.warning("%s", report.repairs[-1])
    _check_index(clean_dir, existing, index, report, rebuild)
    if not rebuild:
        removed = _sweep(clean_dir, existing)
        if removed:
            report.repairs.append(f"removed {removed} clean or audit files a killed or failed run wrote "
                                  "without manifest records")
    return existing, rebuild


_ID_FILE = re.compile(r"^[0-9a-f]{16}\.(txt|jsonl)$")


def _sweep(clean_dir, existing: list[dict]) -> int:
    """Remove the files of documents the manifest does not record (written by
    a run that never committed them): no text is left without its record."""
    if isinstance(clean_dir, ObjectFolder):
        return 0
    kept = {rec["id"] for rec in existing if rec.get("status") == KEPT}
    ids = {rec["id"] for rec in existing}
    removed = 0
    for folder, known, ext in ((Path(clean_dir), kept, "txt"), (Path(clean_dir) / AUDIT_DIR, ids, "jsonl")):
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            match = _ID_FILE.match(entry.name)
            if match and match.group(1) == ext and entry.name.split(".")[0] not in known and entry.is_file():
                os.unlink(entry.path)
                removed += 1
    return removed


def _lost(existing: list[dict], ledger: Ledger) -> bool:
    if ledger.manifest is not None:
        return len(existing) < int(ledger.manifest.get("records", 0))
    return bool(ledger.hashes) and not existing  # a ledger from before counts were kept


def _check_rebuildable(clean_dir, existing: list[dict], ledger: Ledger, inputs: list[Input], raw_name: str) -> None:
    recorded = {rec.get("source") for rec in existing}
    present = {item.source: item.key for item in inputs}
    gone = sorted(source for source, key in ledger.paths.items()
                  if source not in recorded and present.get(source) != key)
    if gone:
        committed = (ledger.manifest or {}).get("records")
        had = f"{committed} records at the last commit" if committed else "records"
        raise StateMismatch(
            f"{clean_dir}/{manifest.MANIFEST} has {len(existing)} records but had {had}: it was deleted or cut "
            f"short, and {len(gone)} of the inputs whose records are gone are no longer in {raw_name} with the "
            f"same bytes (e.g. {', '.join(gone[:3])}), so they cannot be rebuilt. Restore the manifest from a "
            "backup, or move the clean folder and its state folder away to start again")


def _check_index(clean_dir, existing: list[dict], index: DedupIndex, report: RunReport, rebuild: bool) -> None:
    kept, others = index.stored_ids()
    ids = {rec["id"] for rec in existing}
    if not rebuild:  # (while rebuilding, the index answers for the records being rebuilt)
        stray = (kept | others) - ids
        if stray:
            index.forget(stray)
            kept -= stray
            report.repairs.append(f"removed {len(stray)} dedup index entries a killed run committed "
                                  "without their manifest records")
    # A kept document may be a duplicate in the index: one that superseded
    # the copy it duplicates (see supersede).
    known = kept | others
    missing = [rec["id"] for rec in existing if rec.get("status") == KEPT and rec["id"] not in known]
    if missing:
        raise StateMismatch(
            f"the dedup index {index.path} does not match {clean_dir}/{manifest.MANIFEST}: it lacks "
            f"{len(missing)} of the {sum(r.get('status') == KEPT for r in existing)} documents the manifest "
            "records as kept (deleted, emptied or replaced?). Taken as it is, copies of those documents would "
            "be kept again. Restore it from a backup, or move the clean folder and its state folder away to "
            "start again")


class Commits:
    """A run's commits, in order (see the module's text)."""

    def __init__(self, clean_dir, ledger: Ledger, inputs: list[Input], existing: list[dict],
                 report: RunReport, kill_point: Callable[[str], None] = lambda name: None,
                 read_ids: Callable[[Input], list] | None = None):
        self.clean_dir = clean_dir
        self.ledger = ledger
        self.inputs = inputs
        self.position = {item.source: n for n, item in enumerate(inputs)}
        self.existing = existing  # every record of the manifest, this run's committed ones included
        self.seen = {manifest.record_key(rec) for rec in existing}
        self.report = report
        self.kill_point = kill_point
        self.read_ids = read_ids  # (id, offset) of an input's documents, for copies (see copy_records)
        self.written: list[Path] = []  # files written since the last commit
        self.records: list[dict] = []  # records not yet committed
        self.run_records: list[dict] = []  # this run's committed records
        self.again: dict[str, list[str]] = {}  # source -> ids of its documents recorded before this run
        self.failed_keys: set[str] = set()
        self.done = 0  # inputs[:done] are complete and in the ledger
        self.count = 0

    def write(self, doc: Document) -> dict:
        """Step 1 for one finished document: its files, in place but not yet synced."""
        record = write_document(self.clean_dir, doc, written=self.written)
        self.records.append(record)
        return record

    def add_records(self, records: Iterable[dict]) -> None:
        """Records of documents whose files were written elsewhere, durably (an engine's tasks)."""
        self.records.extend(records)

    def commit(self, last_source: str | None = None, index_commit: Callable[[], None] | None = None,
               final: bool = False, whole: bool = True) -> None:
        """One commit: the records so far, and the inputs up to ``last_source``'s,
        that one included when ``whole`` (all its documents are recorded), and
        all inputs when ``final`` (only then are copies of known inputs added)."""
        self.count += 1
        step = f":{self.count}" if self.count > 1 else ""
        folders = temp_folders(self.clean_dir)
        sync_written([f for f in folders if f.is_dir()], self.written)
        self.written = []
        self.kill_point("index" + step)
        if index_commit is not None:
            index_commit()
        self.kill_point("manifest" + step)
        records = self.records
        if final:
            copies = self._copies(records)
            for rec in copies:
                self.report.count_record(rec)
            records = records + copies
        # Sorted, so the manifest does not depend on the order work finished in.
        records.sort(key=_record_order)
        added = manifest.append_records(self.clean_dir, records, self.seen, self.existing)
        self.existing.extend(added)
        self.run_records.extend(added)
        self.report.manifest_records = len(self.existing)  # which records this run added (export)
        self.records = []
        self.kill_point("ledger" + step)
        if final:
            upto = len(self.inputs)
        elif last_source in self.position:
            upto = self.position[last_source] + (1 if whole else 0)
        else:
            upto = self.done
        self._ledger(added, upto, final)

    def _copies(self, records: list[dict]) -> list[dict]:
        """Records of the inputs that repeat the bytes of another. An original
        read in this run may have documents recorded before it (by a run
        killed after committing them): they count as this run's."""
        known = self.seen | {manifest.record_key(rec) for rec in records}
        again = {doc_id for ids in self.again.values() for doc_id in ids}
        earlier = [rec for rec in self.existing if rec["id"] in again] if again else []
        return [rec for rec in copy_records(self.inputs, self.ledger, self.existing + records,
                                            earlier + self.run_records + records, self.read_ids)
                if manifest.record_key(rec) not in known]

    def _ledger(self, added: list[dict], upto: int, final: bool) -> None:
        # A file that could not be read, when planned or later (a disk or a
        # store failing under the run), is recorded as rejected but not as
        # processed: the next run tries it again (its copies too).
        failed = {rec["source"] for rec in added if rec.get("reason", "").startswith(UNREADABLE_REASON)}
        self.failed_keys |= {item.key for item in self.inputs if item.source in failed}
        # Copies of known inputs get their records in the last commit only.
        for item in self.inputs if final else self.inputs[self.done:upto]:
            if (final or item.state != KNOWN) and not item.key.startswith(UNREADABLE_KEY) \
                    and item.key not in self.failed_keys:
                self.ledger.add(item.key, item.source)
        self.done = max(self.done, upto)
        if final:
            self.ledger.forget_stats_except({item.source for item in self.inputs})
        self.ledger.manifest = {"records": len(self.existing), "bytes": manifest.size_of(self.clean_dir)}
        self.ledger.save()


def _record_order(rec: dict) -> tuple:
    offset = rec.get("offset")
    return (rec["source"], -1 if offset is None else offset, rec["id"])
