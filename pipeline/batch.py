"""One batch run: new raw files in, clean documents and manifest out."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .config import PipelineConfig
from .document import Document
from .ledger import Ledger, file_hash
from .runner import STAGE_ORDER, Timings, process
from .sources import discover, read_file, relative_source
from .write import write_all

STATE_DIR = ".state"


@dataclass
class RunReport:
    inputs_seen: int = 0
    inputs_new: int = 0
    inputs_changed: list[str] = field(default_factory=list)
    documents: Counter = field(default_factory=Counter)
    rejected_by_reason: Counter = field(default_factory=Counter)
    removed_by_rule: Counter = field(default_factory=Counter)
    stage_seconds: dict = field(default_factory=dict)
    seconds: float = 0.0

    def count(self, doc: Document) -> None:
        if doc.reason and doc.status in ("rejected", "empty"):
            self.rejected_by_reason[_reason_kind(doc.reason)] += 1
        for removal in doc.removed:
            self.removed_by_rule[removal.rule] += 1

    def to_dict(self) -> dict:
        return {
            "inputs_seen": self.inputs_seen,
            "inputs_new": self.inputs_new,
            "inputs_changed": self.inputs_changed,
            "documents": dict(self.documents),
            "rejected_by_reason": dict(self.rejected_by_reason.most_common()),
            "removed_lines_by_rule": dict(self.removed_by_rule.most_common()),
            "stage_seconds": self.stage_seconds,
            "seconds": round(self.seconds, 3),
            "docs_per_second": round(sum(self.documents.values()) / self.seconds, 1) if self.seconds else None,
        }


def _reason_kind(reason: str) -> str:
    # "line 7: invalid JSON (...)" and "line 9: invalid JSON (...)" are one kind.
    head = reason.split("(")[0]
    if head.startswith("line ") and ":" in head:
        head = head.split(":", 1)[1]
    return head.strip()


def run(
    raw_dir: Path,
    clean_dir: Path,
    config: PipelineConfig = PipelineConfig(),
    state_dir: Path | None = None,
    on_document: Callable[[Document], None] | None = None,
) -> RunReport:
    raw_dir, clean_dir = Path(raw_dir), Path(clean_dir)
    state_dir = Path(state_dir) if state_dir else clean_dir / STATE_DIR
    started = time.perf_counter()
    report = RunReport()
    ledger = Ledger(state_dir / "inputs.json")
    todo = []
    for path in discover(raw_dir):
        report.inputs_seen += 1
        digest = file_hash(path) if path.is_file() else f"unreadable:{path}"
        if not ledger.seen(digest):
            todo.append((path, digest))
    report.inputs_new = len(todo)

    def documents() -> Iterator[Document]:
        for path, _ in todo:
            yield from read_file(path, raw_dir, config.read)

    timings = Timings()

    def finished() -> Iterator[Document]:
        for doc in process(documents(), config, state_dir / "index.sqlite", timings):
            report.count(doc)
            if on_document:
                on_document(doc)
            yield doc

    report.documents = write_all(clean_dir, finished())
    for path, digest in todo:
        ledger.add(digest, relative_source(path, raw_dir))
    ledger.save()
    report.stage_seconds = timings.own(STAGE_ORDER)
    report.seconds = time.perf_counter() - started
    return report
