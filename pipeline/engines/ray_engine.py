"""The Ray engine: ``pipeline run`` on a Ray cluster, with Ray Data.

Same inputs, same stage code, same outputs as the local engine
(``pipeline.batch``); only where the work happens changes.

On the driver (small, or inherently one place):
  planning (``batch.plan``: listing raw files, the ledger; the files to
  hash are hashed in tasks), the
  lock, the connected components of the candidate-pair graph, the dedup
  index, and the manifest, ledger and run report at the end.

In tasks:
  1. scan: read the new files, keep only each document's identity;
  2. identity rules (manifest already has it, exact repeats), grouped by id
     with a shuffle;
  3. read again and run every per-document stage (extract, strip, normalize)
     and compute MinHash signatures and band keys;
  4. dedup: candidate pairs per band key (shuffle on band key), then
     verification and choice of the kept copies per near-duplicate group
     (shuffle on group); see ``ray_dedup``;
  5. write each document's files (clean text, audit) to the shared folder.

Documents are read twice (steps 1 and 3) so that raw HTML is never held in
the object store: only the identity (step 1) and the cleaned text (step 3)
travel.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from ..atomic import remove_stale_temps
from ..batch import (INDEX, LEDGER, _count_inputs, _kill_point, clean_temp_folders, document_ids, hash_here,
                     open_index, plan, supervised)
from ..batch import run as run_local
from ..commit import Commits, start
from ..config import PipelineConfig
from ..document import Document
from ..ledger import KNOWN, Ledger
from ..progress import Progress
from ..report import RunReport
from ..storage import ObjectFolder
from . import EngineRefused, require_ray, tasks

log = logging.getLogger(__name__)
# Bytes to hash from which tasks do it: starting them costs seconds, in which
# the driver hashes a gigabyte or so itself.
HASH_IN_TASKS_FROM = 1 << 30


def run(
    raw_dir: Path | str,
    clean_dir: Path | str,
    config: PipelineConfig = PipelineConfig(),
    state_dir: Path | None = None,
    on_document: Callable[[Document], None] | None = None,
    wait: float = 0.0,
    dry_run: bool = False,
    address: str | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """``batch.run`` on Ray. ``address``: a cluster to join ("auto", "ray://host:10001");
    None starts Ray on this machine unless it is already initialised.

    ``on_document`` sees each finished document without its text;
    ``progress`` follows the run's steps and the documents written.
    """
    progress = progress or Progress("run", shown=False)
    ray = require_ray()
    check_supported(config)
    if dry_run:  # planning is the driver's work in both engines
        return run_local(raw_dir, clean_dir, config, state_dir, dry_run=True)

    def work(raw: Path, clean: Path, state: Path, report: RunReport) -> None:
        with session(ray, address):
            _run_locked(ray, _absolute(raw), _absolute(clean), _absolute(state), config, report, on_document,
                        progress)

    return supervised(raw_dir, clean_dir, config, state_dir, wait, work)


def check_supported(config: PipelineConfig) -> None:
    """Refuse settings whose result depends on one process seeing every document in order."""
    if config.strip.template_batch > 0:
        raise EngineRefused(
            "strip.template_batch learns site templates from runs of consecutive documents, "
            "which the Ray engine does not reproduce; set it to 0 or use --engine local"
        )
    if config.supersede.enabled:
        raise EngineRefused("supersede.enabled is not supported by the Ray engine yet; use --engine local")


def _absolute(where):
    # Workers do not share the driver's working folder; URLs are absolute.
    return where if isinstance(where, ObjectFolder) else Path(os.path.abspath(where))


@contextlib.contextmanager
def session(ray, address: str | None) -> Iterator[None]:
    """Join or start Ray for one run; leave an existing session as it was."""
    started = False
    if not ray.is_initialized():
        options = {"include_dashboard": False, "logging_level": logging.WARNING}
        if address:
            # Ship this package's code to the workers, so they run the
            # driver's version; its dependencies must be installed there.
            options["runtime_env"] = {"py_modules": [str(Path(__file__).resolve().parents[1])]}
        ray.init(address=address, **options)
        started = True
    context = ray.data.DataContext.get_current()
    saved = (context.shuffle_strategy, context.enable_progress_bars)
    # Sort-based shuffles run as plain tasks; the hash shuffle starts actor
    # pools, which costs seconds per shuffle and gains nothing at our sizes.
    strategies = getattr(ray.data.context, "ShuffleStrategy", None)
    if strategies is not None:
        context.shuffle_strategy = strategies.SORT_SHUFFLE_PULL_BASED
    context.enable_progress_bars = log.isEnabledFor(logging.INFO)
    # Ray Data logs every dataset it runs at INFO; show that only with -v.
    data_log = logging.getLogger("ray.data")
    saved_level = data_log.level
    data_log.setLevel(logging.NOTSET if log.isEnabledFor(logging.INFO) else logging.WARNING)
    try:
        yield
    finally:
        context.shuffle_strategy, context.enable_progress_bars = saved
        data_log.setLevel(saved_level)
        if started:
            ray.shutdown()


def _run_locked(ray, raw_dir, clean_dir, state_dir: Path, config: PipelineConfig,
                report: RunReport, on_document, progress: Progress) -> None:
    for folder in clean_temp_folders(clean_dir, state_dir):
        remove_stale_temps(folder)
    progress.phase("plan")
    clock = _Clock()
    workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
    ledger = Ledger(state_dir / LEDGER)
    hash_files = partial(_hash_files, ray, workers)
    inputs = plan(raw_dir, ledger, config.read, hash_files=hash_files)
    with open_index(state_dir / INDEX, config) as index:
        existing, rebuild = start(clean_dir, ledger, index, inputs, report, str(raw_dir))
    if rebuild:
        inputs = plan(raw_dir, ledger, config.read, hash_files=hash_files)
    _count_inputs(report, inputs)
    clock.lap("plan")

    todo = [(number, item) for number, item in enumerate(inputs) if item.state != KNOWN]
    progress.phase(f"identities of {len(todo):,} files (Ray)")
    shards = 4 * workers
    files = ray.data.from_items(
        [{"file": number, "path": tasks.path_column([item.path])[0]} for number, item in todo]
        or [{"file": 0, "path": b""}],
        override_num_blocks=max(1, min(len(todo), 8 * workers)),
    )
    if not todo:
        files = files.limit(0)

    # 1-2: identities, shuffled by id.
    scan = files.map_batches(tasks.scan_files, batch_size=1, batch_format="numpy",
                             fn_kwargs={"raw_dir": raw_dir, "config": config, "shards": shards})
    recorded = tasks.recorded_by_shard(existing, shards)
    changed = scan.groupby("shard").map_groups(tasks.identities, batch_format="numpy",
                                               fn_kwargs={"recorded": recorded})
    changes = {}
    for batch in changed.iter_batches(batch_format="numpy", batch_size=None):
        changes.update(zip(batch["seq"].tolist(), batch["change"]))
    report.already_recorded = sum(1 for c in changes.values() if tasks.unpack(c) is None)
    clock.lap("identities")
    progress.phase(f"extract, strip, normalize, sign {len(todo):,} files (Ray)")

    # 3: the per-document stages, signatures alongside.
    from . import ray_dedup

    docs = files.map_batches(tasks.process_files, batch_size=1, batch_format="numpy",
                             fn_kwargs={"raw_dir": raw_dir, "config": config,
                                        "changes": changes})
    docs = ray_dedup.signed(docs, config.dedup).materialize()
    clock.lap("stages")
    progress.phase("dedup (Ray)")

    # 4: dedup, against the index of earlier runs.
    decisions = ray_dedup.decide(ray, docs, config.dedup, state_dir / INDEX, shards)
    clock.lap("dedup")
    progress.phase("write (Ray)")

    # 5: write, then commit: manifest, ledger.
    written = docs.map_batches(tasks.write_docs, batch_format="numpy",
                               fn_kwargs={"clean_dir": clean_dir, "decisions": decisions})
    # The engine commits once, at the end: its tasks wrote (and synced) the files.
    commits = Commits(clean_dir, ledger, inputs, existing, report, _kill_point,
                      partial(document_ids, raw_dir, config=config))
    for batch in written.iter_batches(batch_format="numpy", batch_size=None):
        for record, light in zip(batch["record"], batch["light"]):
            commits.add_records([tasks.unpack(record)])
            doc = tasks.unpack(light)
            report.count(doc)
            progress.advance()
            progress.docs += 1
            if on_document:
                on_document(doc)
    clock.lap("write")
    progress.phase("commit")
    commits.commit(index_commit=partial(ray_dedup.commit, decisions), final=True)
    report.commits = commits.count
    clock.lap("commit")
    report.stage_seconds = _stage_seconds(docs, config, clock)


def _hash_files(ray, workers: int, raw_dir, paths: list, sizes: list) -> list[str | None]:
    """``batch.plan``'s hashing in tasks: raw bytes are read where they are, not
    pulled through the driver; a small amount is quicker to hash here."""
    if sum(sizes) < HASH_IN_TASKS_FROM:
        return hash_here(raw_dir, paths)
    rows = ray.data.from_items([{"n": n, "path": p} for n, p in enumerate(tasks.path_column(paths))],
                               override_num_blocks=min(len(paths), 8 * workers))
    digests: list[str | None] = [None] * len(paths)
    hashed = rows.map_batches(tasks.hash_files, batch_format="numpy", fn_kwargs={"raw_dir": raw_dir})
    for batch in hashed.iter_batches(batch_format="numpy", batch_size=None):
        for n, digest in zip(batch["n"].tolist(), batch["digest"]):
            digests[n] = digest or None
    return digests


def _stage_seconds(docs, config: PipelineConfig, clock: "_Clock") -> dict:
    """Seconds per stage summed over all tasks, and wall time of each phase."""
    names = ["read"] + tasks.stage_names(config) + ["signature"]
    columns = [f"t_{name}" for name in names]
    sums = docs.sum(columns) if docs.count() else {}
    out = {name: round(float(sums.get(f"sum(t_{name})") or 0.0), 4) for name in names}
    out.update({f"wall_{phase}": round(seconds, 4) for phase, seconds in clock.laps.items()})
    return out


class _Clock:
    def __init__(self):
        self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now
        log.info("ray engine: %s took %.2f s", name, self.laps[name])
