"""What a run did: counts, reasons, timings and the configuration it ran with.

Every run (not a dry run) saves one JSON report in ``<state>/runs/``, named
by its start time (``20260310T081244.123456Z.json``), so ``pipeline status`` and any monitoring can read the
history. ``summary`` turns a report into a few lines for a terminal.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .atomic import atomic_write_text
from .document import DUPLICATE, EMPTY, KEPT, REJECTED, Document

RUNS_DIR = "runs"
MAX_LISTED = 1000  # file names listed in a report; the counts are always complete
STATUSES = (KEPT, DUPLICATE, REJECTED, EMPTY)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class RunReport:
    started: datetime = field(default_factory=utc_now)
    finished: datetime | None = None
    outcome: str = "running"  # completed, failed, dry-run
    error: str | None = None
    raw_dir: str = ""
    clean_dir: str = ""
    state_dir: str = ""
    inputs_seen: int = 0
    inputs_new: list[str] = field(default_factory=list)
    inputs_changed: list[str] = field(default_factory=list)
    inputs_known: int = 0  # same bytes as an input processed before: skipped
    input_bytes: int = 0  # bytes of the new and changed inputs
    already_recorded: int = 0  # documents of those inputs the manifest already has
    copied: int = 0  # records of copied inputs, made without processing them
    manifest_records: int | None = None  # records in the manifest once this run committed
    documents: Counter = field(default_factory=Counter)
    rejected_by_reason: Counter = field(default_factory=Counter)
    removed_by_rule: Counter = field(default_factory=Counter)
    stage_seconds: dict = field(default_factory=dict)
    seconds: float = 0.0
    config: dict = field(default_factory=dict)
    exit_code: int | None = None
    commits: int = 0  # checkpoints committed
    repairs: list = field(default_factory=list)  # run state made to match the manifest at the start
    new_clean_folder: bool = False  # no run had used its state folder before
    refusals: list = field(default_factory=list)  # dry run: (exit code, what a run would refuse)
    path: Path | None = None  # where save() wrote it

    def count(self, doc: Document) -> None:
        self._count_outcome(doc.status, doc.reason)
        for removal in doc.removed:
            self.removed_by_rule[removal.rule] += 1

    def count_record(self, rec: dict) -> None:
        """Count a manifest record made without a document (a copied input's)."""
        self._count_outcome(rec["status"], rec.get("reason"))
        self.copied += 1

    def _count_outcome(self, status: str, reason: str | None) -> None:
        self.documents[status] += 1
        if reason and status in (REJECTED, EMPTY):
            self.rejected_by_reason[reason_kind(reason)] += 1

    @property
    def inputs_todo(self) -> int:
        return len(self.inputs_new) + len(self.inputs_changed)

    def to_dict(self) -> dict:
        total = sum(self.documents.values())
        rate = self.seconds or None
        return {
            "started": stamp(self.started),
            "finished": stamp(self.finished) if self.finished else None,
            "outcome": self.outcome,
            "error": self.error,
            "exit_code": self.exit_code,
            "raw_dir": self.raw_dir,
            "clean_dir": self.clean_dir,
            "state_dir": self.state_dir,
            "new_clean_folder": self.new_clean_folder,
            "inputs": {
                "seen": self.inputs_seen,
                "new": len(self.inputs_new),
                "changed": len(self.inputs_changed),
                "unchanged": self.inputs_known,
                "bytes": self.input_bytes,
                "new_files": self.inputs_new[:MAX_LISTED],
                "changed_files": self.inputs_changed[:MAX_LISTED],
            },
            "documents": {"total": total, **{s: self.documents.get(s, 0) for s in STATUSES},
                          "already_recorded": self.already_recorded, "copies": self.copied},
            "rejected_by_reason": dict(sorted(self.rejected_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))),
            "removed_lines_by_rule": dict(sorted(self.removed_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
            "manifest_records": self.manifest_records,
            "commits": self.commits,
            "repairs": self.repairs,
            "stage_seconds": self.stage_seconds,
            "seconds": round(self.seconds, 3),
            "documents_per_second": round(total / rate, 1) if rate else None,
            "megabytes_per_second": round(self.input_bytes / 1e6 / rate, 2) if rate else None,
            "config": self.config,
        }

    def save(self, state_dir: Path) -> Path:
        """Write the report to ``<state>/runs/<start time>.json``; return its path.

        A run saves its report when it starts (outcome "running") and again
        when it ends, so a run that was killed is still listed.
        """
        if self.path is None:
            folder = Path(state_dir) / RUNS_DIR
            folder.mkdir(parents=True, exist_ok=True)
            moment = self.started
            # Names sort in time order; microseconds keep quick runs apart.
            while (path := folder / moment.strftime("%Y%m%dT%H%M%S.%fZ.json")).exists():
                moment += timedelta(microseconds=1)
            self.path = path
        atomic_write_text(self.path, json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return self.path


def reason_kind(reason: str) -> str:
    """The kind of a reason, without the details that vary from input to input.

    "line 7: invalid JSON (...)" and "line 9: invalid JSON (...)" are one kind,
    and so are "HTML too large (9,000,000 characters)" and its like.
    """
    head = reason.split("(")[0]
    head = re.sub(r"^(line|WARC record) \d+:\s*", "", head)
    head = re.sub(r"\d[\d,.]*", "N", head)
    return head.strip().rstrip(":").strip() or reason


def load_reports(state_dir: Path, last: int = 10) -> list[dict]:
    """The most recent run reports, oldest first.

    A report still saying "running" while no run holds the lock belongs to a
    run that was killed: it is shown as "interrupted".
    """
    from .lock import LOCK_NAME, holder

    reports = _read_reports(state_dir, last)
    active = holder(Path(state_dir) / LOCK_NAME) is not None
    for i, data in enumerate(reports):
        if data.get("outcome") == "running" and not (active and i == len(reports) - 1):
            data["outcome"] = "interrupted"
    return reports


def _read_reports(state_dir: Path, last: int) -> list[dict]:
    folder = Path(state_dir) / RUNS_DIR
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))
    reports = []
    for path in paths[-last:] if last else paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        data["file"] = path.name
        reports.append(data)
    return reports


SHOWN_REASONS = 10


def summary(data: dict) -> str:
    """A report (as from ``to_dict``) in a few lines for people."""
    inputs, docs = data["inputs"], data["documents"]
    lines = [
        f"run {data['started']}: {data['outcome']}"
        + (f" ({data['error']})" if data.get("error") else ""),
        f"  inputs: {inputs['seen']} seen, {inputs['new']} new, {inputs['changed']} changed, "
        f"{inputs['unchanged']} already processed",
        *(["  new clean folder: no earlier runs"] if data.get("new_clean_folder") else []),
        f"  documents: {docs['total']} ("
        + ", ".join(f"{docs[s]} {s}" for s in STATUSES)
        + (f"; {docs['already_recorded']} already in the manifest" if docs.get("already_recorded") else "")
        + ")",
    ]
    if inputs["changed_files"]:
        shown = ", ".join(inputs["changed_files"][:5])
        more = len(inputs["changed_files"]) - 5
        lines.append(f"  changed since last processed: {shown}" + (f" and {more} more" if more > 0 else ""))
    if data["rejected_by_reason"]:
        reasons = list(data["rejected_by_reason"].items())
        lines.append("  rejected or empty, by reason:")
        lines += [f"    {n:6d}  {reason}" for reason, n in reasons[:SHOWN_REASONS]]
        if len(reasons) > SHOWN_REASONS:
            rest = reasons[SHOWN_REASONS:]
            lines.append(f"    {sum(n for _, n in rest):6d}  ... and {len(rest)} more reasons (see the run report)")
    if data["removed_lines_by_rule"]:
        # Every rule: there are a few dozen at most, and a hidden one hides a surprise.
        lines.append("  lines removed, by rule: " + ", ".join(
            f"{rule} {n}" for rule, n in data["removed_lines_by_rule"].items()))
    if data["stage_seconds"] and docs["total"]:
        lines.append("  seconds per stage: " + ", ".join(f"{k} {v:.2f}" for k, v in data["stage_seconds"].items()))
    speed = data.get("documents_per_second")
    lines.append(f"  total {data['seconds']:.2f} s" + (f", {speed} documents/s" if speed else "")
                 + (f", {data['megabytes_per_second']} MB/s" if data.get("megabytes_per_second") else ""))
    return "\n".join(lines)
