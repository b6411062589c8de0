"""One batch run: new raw files in, clean documents and manifest out.

A run holds the lock on its clean and state folders, skips raw files whose
bytes it has processed before, checks its state against the manifest, and
commits its work in checkpoints, each one the same step (``commit``):
documents' files, dedup index, manifest, input ledger. The run report is
saved at its start and its end.

A run killed anywhere simply leaves work for the next run, which redoes it
and gets the same result: document files are rewritten with the same bytes,
documents the manifest already has are not recorded again, and index
entries without their manifest records are removed before anything else.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sqlite3
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import exitcodes
from .atomic import remove_stale_temps
from .commit import Commits, DeferredIndex, StateMismatch, batches, start
from .config import PipelineConfig
from .dedup import Dedup
from .dedup.config import SettingsMismatch
from .dedup.index import DedupIndex
from .document import DUPLICATE, REJECTED, Document, content_id
from .ledger import KNOWN, Input, Ledger, content_hash, file_stat, object_stat
from .lock import LOCK_NAME, hold, holder
from .progress import Progress
from .report import RUNS_DIR, RunReport, utc_now
from .runner import POOLED, STAGE_ORDER, Timings, prepared
from .settings import ConfigError, as_dict
from .sources import (UNREADABLE_FOLDER, UNREADABLE_REASON, ReadConfig, Receipt, discover, path_problem,
                      path_problem_of_object, read_input, relative_source)
from .supersede import Supersede
from .storage import Location, ObjectFolder, describe, is_url, local_path, location
from .write import temp_folders

STATE_DIR = ".state"
LEDGER = "inputs.json"
INDEX = "index.sqlite"
STATE_LOCK = LOCK_NAME
CLEAN_LOCK = ".lock"
# Test hook: kill the run with SIGKILL at a named step ("document:3",
# "index", "manifest", "ledger", "report"; "manifest:2" at the second
# commit), to prove a killed run loses nothing.
KILL_AT_ENV = "PIPELINE_TEST_KILL_AT"
_UNREADABLE = "unreadable:"
UNREADABLE_PROBLEMS = (UNREADABLE_REASON, UNREADABLE_FOLDER)


def default_state_dir(clean_dir: Path) -> Path:
    return Path(clean_dir) / STATE_DIR


def plan(raw_dir, ledger: Ledger, config: ReadConfig = ReadConfig(), hash_files=None) -> list[Input]:
    """Every raw file, with its content hash and whether it is new, changed or known.

    Inputs are in the order of their names, whatever order the file system
    lists them in. Within one run, a second file with the bytes of an earlier
    one is known: it is a copy, processed once. ``raw_dir`` is a folder path
    or a ``storage.ObjectFolder``. Files whose stat the ledger does not know
    are hashed by ``hash_files(raw_dir, paths, sizes)`` (default: here, one
    by one; an engine may spread it), which gives a hash or None (unreadable)
    each.
    """
    ledger.listing()
    listed = list(_listing(raw_dir, config))
    unknown = [(source, path, stat[0][0]) for source, path, problem, stat in listed
               if not problem and stat and ledger.cached(source, *stat) is None]
    digests = (hash_files or hash_here)(raw_dir, [u[1] for u in unknown], [u[2] for u in unknown])
    hashed = dict(zip((u[0] for u in unknown), digests))
    inputs, keys = [], set()
    for source, path, problem, stat in listed:
        size = 0
        digest = None if problem or not stat else hashed.get(source) or ledger.cached(source, *stat)
        if problem and problem.startswith(UNREADABLE_PROBLEMS):
            key = f"{_UNREADABLE}{source}"  # a disk or permission fault: tried again next run
        elif problem:
            # Nothing to hash (or nothing we may read): the problem is the identity.
            key = f"problem:{content_id(f'{source}:{problem}'.encode())}"
        elif digest is None:
            key = f"{_UNREADABLE}{source}"
        else:
            ledger.remember(source, stat[0], digest)
            key, size = digest, stat[0][0]
        state = KNOWN if key in keys else ledger.state_of(source, key)
        keys.add(key)
        inputs.append(Input(path, source, key, state, size))
    return inputs


def hash_here(raw_dir, paths: list, sizes: list | None = None) -> list[str | None]:
    """Content hashes of raw files, in this process; None for a file that cannot be read."""
    out = []
    for path in paths:
        try:
            out.append(content_hash(raw_dir, path))
        except OSError:
            out.append(None)
    return out


def _listing(raw_dir, config: ReadConfig):
    """(source, path, problem, (stat, changed_ns) or None) of each raw file, by source name."""
    if isinstance(raw_dir, ObjectFolder):
        for entry in raw_dir.files():
            yield entry.source, entry.path, path_problem_of_object(entry, config), object_stat(entry)
        return
    raw_dir = Path(raw_dir)
    for source, path in sorted((relative_source(path, raw_dir), path) for path in discover(raw_dir)):
        problem = path_problem(path, raw_dir, config)
        try:
            stat = None if problem else file_stat(path)
        except OSError:
            stat = None
        yield source, path, problem, stat


def check_folders(raw_dir, clean_dir, state_dir) -> None:
    """Refuse outputs inside the raw folder: the next run would read them as inputs."""
    for name, folder in (("clean", clean_dir), ("state", state_dir)):
        if isinstance(raw_dir, ObjectFolder) or isinstance(folder, ObjectFolder):
            inside = isinstance(raw_dir, ObjectFolder) and isinstance(folder, ObjectFolder) \
                and folder.is_inside(raw_dir)
        else:
            inside = Path(folder).resolve().is_relative_to(Path(raw_dir).resolve())
        if inside:
            raise ConfigError(f"the {name} folder {describe(folder)} is inside the raw folder {describe(raw_dir)}")


def run(
    raw_dir: Path | str,
    clean_dir: Path | str,
    config: PipelineConfig = PipelineConfig(),
    state_dir: Path | None = None,
    on_document: Callable[[Document], None] | None = None,
    wait: float = 0.0,
    dry_run: bool = False,
    workers: int = 1,
    progress: Progress | None = None,
) -> RunReport:
    """Process the new and changed files of raw_dir into clean_dir.

    Either may be an object-store URL (``s3://bucket/raw``); the state
    folder must then be a filesystem path (see ``storage``). ``workers``:
    processes for the per-document stages (see ``pool``).

    Raises ``lock.Locked`` if another run holds the folders for longer than
    ``wait`` seconds. With ``dry_run``, only plans: nothing is written, and
    ``report.refusals`` says what a real run would refuse. ``progress``, if
    given, is kept up to date with the run's phases and counts.
    """
    progress = progress or Progress("run", shown=False)
    if dry_run:
        return dry_run_report(raw_dir, clean_dir, config, state_dir)

    def work(raw: Path, clean: Path, state: Path, report: RunReport) -> None:
        _run_locked(raw, clean, state, config, report, on_document, workers, progress)

    return supervised(raw_dir, clean_dir, config, state_dir, wait, work)


def dry_run_report(raw_dir, clean_dir, config: PipelineConfig, state_dir: Path | None) -> RunReport:
    """What a run would process, and what it would refuse, without writing anything."""
    raw_dir, clean_dir, state_dir, report = _begin(raw_dir, clean_dir, state_dir, config)
    _count_inputs(report, plan(raw_dir, Ledger(state_dir / LEDGER), config.read))
    report.refusals = refusals(state_dir, config)
    report.outcome, report.finished = "dry-run", utc_now()
    return report


def refusals(state_dir: Path, config: PipelineConfig) -> list[tuple[int, str]]:
    """``(exit code, message)`` of each thing that would stop a run now."""
    out = []
    index = Path(state_dir) / INDEX
    if index.exists():
        from .dedup.index import stored_fingerprint

        try:
            stored = stored_fingerprint(index)
            if stored is not None:
                config.dedup.check(stored, what=f"the dedup index {index}")
        except SettingsMismatch as exc:
            out.append((exitcodes.CONFIG_ERROR, f"{exc} (see pipeline index rebuild)"))
    busy = holder(Path(state_dir) / STATE_LOCK)
    if busy is not None:
        out.append((exitcodes.LOCKED, f"another run holds the lock now ({busy or 'holder unknown'}); "
                                      "a run would wait --wait seconds for it, then give up"))
    return out


def has_earlier_runs(state_dir: Path) -> bool:
    """Whether a run ever used this state folder (a new clean folder has none)."""
    state_dir = Path(state_dir)
    return (state_dir / LEDGER).exists() or (state_dir / RUNS_DIR).is_dir() or (state_dir / INDEX).exists()


def supervised(raw_dir, clean_dir, config: PipelineConfig, state_dir: Path | None,
               wait: float, work: Callable[[Path, Path, Path, RunReport], None]) -> RunReport:
    """Run ``work(raw, clean, state, report)`` as one run: checked folders, the
    lock, a report saved before (a killed run stays listed) and after, the
    outcome and exit code. Shared by every engine.
    """
    raw_dir, clean_dir, state_dir, report = _begin(raw_dir, clean_dir, state_dir, config)
    with hold(run_locks(clean_dir, state_dir), wait):
        started = time.perf_counter()
        try:
            report.save(state_dir)  # "running": a killed run stays listed
            work(raw_dir, clean_dir, state_dir, report)
            report.outcome = "completed"
            report.exit_code = exitcodes.SOME_REJECTED if report.documents.get(REJECTED) else exitcodes.OK
        except KeyboardInterrupt:
            report.outcome, report.error = "interrupted", "interrupted (SIGINT)"
            report.exit_code = exitcodes.INTERRUPTED
            raise
        except BaseException as exc:
            report.outcome, report.error = "failed", f"{type(exc).__name__}: {exc}"
            report.exit_code = exitcodes.CONFIG_ERROR if isinstance(exc, SettingsMismatch) else exitcodes.FAILED
            raise
        finally:
            report.seconds = time.perf_counter() - started
            report.finished = utc_now()
            _kill_point("report")
            try:
                report.save(state_dir)
            except OSError:
                if report.outcome == "completed":
                    raise
    return report


def _begin(raw_dir, clean_dir, state_dir, config: PipelineConfig) -> tuple:
    raw_dir = location(raw_dir)
    clean_dir, state_dir = _begin_paths(clean_dir, state_dir)
    check_folders(raw_dir, clean_dir, state_dir)
    report = RunReport(raw_dir=describe(raw_dir), clean_dir=describe(clean_dir), state_dir=str(state_dir),
                       config=as_dict(config), new_clean_folder=not has_earlier_runs(state_dir))
    return raw_dir, clean_dir, state_dir, report


def _begin_paths(clean_dir, state_dir) -> tuple:
    """The clean folder's location and its state folder, which must be on a filesystem."""
    clean_dir = location(clean_dir)
    if state_dir is not None and is_url(str(state_dir)):
        raise ConfigError(f"the state folder {describe(location(state_dir))} must be a filesystem path: "
                          "the input ledger, dedup index and lock do not work on an object store")
    if state_dir is None and isinstance(clean_dir, ObjectFolder):
        raise ConfigError(f"the clean folder {describe(clean_dir)} is in an object store; give a "
                          "filesystem folder for the run state (ledger, dedup index, lock) with --state-dir")
    return clean_dir, local_path(state_dir) if state_dir else default_state_dir(clean_dir)


def run_locks(clean_dir, state_dir: Path) -> list[Path]:
    # An object store has no locks; the state folder's lock guards its clean folder too.
    if isinstance(clean_dir, ObjectFolder):
        return [state_dir / STATE_LOCK]
    return [state_dir / STATE_LOCK, clean_dir / CLEAN_LOCK]


def clean_temp_folders(clean_dir, state_dir: Path) -> list[Path]:
    """Folders where a killed run may have left temp files."""
    return temp_folders(clean_dir) + [state_dir, state_dir / RUNS_DIR]


def _run_locked(raw_dir: Location, clean_dir: Location, state_dir: Path, config: PipelineConfig,
                report: RunReport, on_document: Callable[[Document], None] | None, workers: int = 1,
                progress: Progress | None = None) -> None:
    progress = progress or Progress("run", shown=False)
    for folder in clean_temp_folders(clean_dir, state_dir):
        remove_stale_temps(folder)  # left by a killed run; safe while we hold the lock
    progress.phase("plan")
    ledger = Ledger(state_dir / LEDGER)
    inputs = plan(raw_dir, ledger, config.read)
    # Opening the index checks its settings: a clash fails here, before anything is written.
    with open_index(state_dir / INDEX, config) as index:
        existing, rebuild = start(clean_dir, ledger, index, inputs, report, describe(raw_dir))
        if rebuild:
            inputs = plan(raw_dir, ledger, config.read)
        _count_inputs(report, inputs)
        recorded = {rec["id"]: (rec.get("source"), rec.get("offset")) for rec in existing}
        todo = [item for item in inputs if item.state != KNOWN]

        def documents() -> Iterator[Document]:
            for position, item in enumerate(inputs):
                if item.state != KNOWN:
                    receipt = Receipt()
                    yield from read_input(raw_dir, item.path, config.read, receipt)
                    if receipt.digest and receipt.digest != item.key:
                        # Changed since the listing: the ledger records the bytes that were read.
                        inputs[position] = dataclasses.replace(item, key=receipt.digest)
                    progress.advance(1, work=item.size)

        timings = Timings()
        deferred = DeferredIndex(index)
        # The workers' cores sign and verify each batch too (its pools are forked
        # for the batch and gone before it is written).
        dedup = Dedup(config.dedup, index=deferred, workers=workers)
        commits = Commits(clean_dir, ledger, inputs, existing, report, _kill_point,
                          partial(document_ids, raw_dir, config=config))
        stream = prepared(_unrecorded(documents(), recorded, report, commits.again), config, timings, workers)
        updates = Supersede(config.supersede, existing)  # off by default: passes documents through
        number, dedup_seconds = 0, Counter()
        timings.direct.append(dedup_seconds)
        # Files read tell how far the run is (the time left follows their bytes);
        # the stage at work is the timed step reading, or the batch's step.
        step: list[str | None] = [None]
        progress.phase("process", total=len(todo), unit="files", work_total=sum(item.size for item in todo))
        progress.where = lambda: step[0] or timings.current
        progress.docs_from = lambda: timings.counts[POOLED]  # documents through extract, strip, normalize
        # The last batch is committed with the records of copied inputs, in
        # one sorted append, as a run of one batch would.
        for batch, last, whole in batches(stream, config.run):
            started = time.perf_counter()
            step[0] = "dedup"
            decided = list(updates(dedup.decide(batch)))
            dedup_seconds["dedup"] += time.perf_counter() - started
            commits.add_records(updates.records)  # earlier documents' "superseded" records
            updates.records = []
            step[0] = "write"
            for doc in decided:
                commits.write(doc)
                report.count(doc)
                if on_document:
                    on_document(doc)
                number += 1
                _kill_point(f"document:{number}")
            step[0] = "commit"
            commits.commit(batch[-1].source, deferred.commit, final=last, whole=whole)
            step[0] = None
        if not commits.count:  # nothing to process: the copies alone
            commits.commit(index_commit=deferred.commit, final=True)
        report.commits = commits.count
        report.stage_seconds = timings.own(STAGE_ORDER)


def document_ids(raw_dir, item: Input, config: PipelineConfig) -> list[tuple[str, int | None]]:
    """``(id, offset)`` of each document of an input: read, not processed."""
    return [(doc.id, doc.offset) for doc in read_input(raw_dir, item.path, config.read)]


@contextlib.contextmanager
def open_index(path: Path, config: PipelineConfig) -> Iterator[DedupIndex]:
    """The run's dedup index; one that is not an index stops the run with one line."""
    try:
        index = DedupIndex(path, config.dedup)
    except sqlite3.DatabaseError as exc:
        raise StateMismatch(f"the dedup index {path} cannot be read ({exc}): restore it from a backup, "
                            "or move the clean folder and its state folder away to start again") from None
    try:
        yield index
    finally:
        index.close()


def _count_inputs(report: RunReport, inputs: list[Input]) -> None:
    report.inputs_seen = len(inputs)
    for item in inputs:
        if item.state == KNOWN:
            report.inputs_known += 1
        else:
            (report.inputs_new if item.state == "new" else report.inputs_changed).append(item.source)
            report.input_bytes += item.size


def _unrecorded(docs: Iterable[Document], recorded: dict, report: RunReport,
                again: dict | None = None) -> Iterator[Document]:
    """Drop documents the manifest already has; give repeated ids ids of their own.

    A document read again from the same place (a killed run's work, or the
    unchanged part of a changed file) was decided before and is left alone;
    ``again`` (source -> ids) collects them, as records of this run's inputs.
    The same bytes from another place become an exact duplicate with an id
    of its own, so the manifest never holds two records under one id.
    """
    where: dict[str, tuple] = dict(recorded)
    for doc in docs:
        here = (doc.source, doc.offset)
        first = where.get(doc.id)
        if first is None:
            where[doc.id] = here
            yield doc
            continue
        if first == here:
            report.already_recorded += 1
            if again is not None:
                again.setdefault(doc.source, []).append(doc.id)
            continue
        unique = content_id(f"{doc.id}:{doc.source}:{doc.offset}".encode())
        if unique in where:
            report.already_recorded += 1
            if again is not None:
                again.setdefault(doc.source, []).append(unique)
            continue
        where[unique] = here
        if doc.pending:
            yield doc.evolve(id=unique, status=DUPLICATE, duplicate_of=doc.id, similarity=1.0, rule="exact",
                             reason=f"identical to input {first[0]}", content="")
        else:
            yield doc.evolve(id=unique)


def _kill_point(name: str) -> None:
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
