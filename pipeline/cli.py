"""Command line: one command per stage, plus ``run`` for all of them.

Stage commands read and write document records as JSON lines (``-`` is
stdin/stdout), so they compose through pipes or files:

    pipeline extract raw/ | pipeline strip | pipeline normalize \\
        | pipeline dedup | pipeline write clean/

The CLI only parses options, opens files and turns errors into messages and
exit codes; all the work is in the stage objects. Those are imported inside
the commands that use them: ``--help`` and ``--version`` import click and
little else, and each command only what it runs.
"""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Iterator

import click

from . import __version__, exitcodes
from .engines import ENGINES, EngineRefused, EngineUnavailable, check_engine, run_function

PROGRESS_EVERY = 60.0  # seconds between progress lines in a log


# The library's entry points the commands share, imported on first call.
def read_documents(stream):
    from .jsonl import read_documents

    return read_documents(stream)


def write_documents(stream, docs) -> None:
    from .jsonl import write_documents

    write_documents(stream, docs)


def is_url(value) -> bool:
    from .storage import is_url

    return is_url(value)


def local_path(value):
    from .storage import local_path

    return local_path(value)


def location(value):
    from .storage import location

    return location(value)


class Context:
    def __init__(self, verbosity: int, progress_every: float = PROGRESS_EVERY):
        self.verbosity = verbosity
        self.progress_every = progress_every
        self._config = None

    @property
    def config(self):
        """The settings: defaults, then --config, then --set (see ``use_settings``)."""
        if self._config is None:
            from .config import PipelineConfig

            self._config = PipelineConfig()
        return self._config

    def use_settings(self, config_file: Path | None, overrides: tuple[str, ...]) -> None:
        from . import settings

        try:
            self._config = settings.load(config_file, overrides)
        except settings.ConfigError as exc:
            raise UserError(str(exc), exitcodes.CONFIG_ERROR) from exc

    def progress(self, label: str):
        """Progress on stderr: a live line on a terminal, a log line now and then elsewhere, none with -q."""
        from .progress import Progress

        return Progress(label, shown=self.verbosity >= 0, detail=self.verbosity > 0, every=self.progress_every)


def _count_records_later(stream, progress) -> None:
    """Give ``progress`` the number of records of a file input, counted on the side."""
    name = getattr(stream, "name", None)
    if not isinstance(name, str) or not os.path.isfile(name):
        return  # stdin or a pipe: no total

    def count() -> None:
        try:
            with open(name, "rb") as fh:
                progress.total = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
        except OSError:
            pass

    threading.Thread(target=count, name="count-records", daemon=True).start()


class LocationType(click.ParamType):
    """A folder path, or an object-store URL (s3://bucket/prefix), taken as given."""

    name = "folder"

    def __init__(self, exists: bool = False, file_okay: bool = False):
        self.folder = click.Path(exists=exists, file_okay=file_okay, path_type=Path)

    def convert(self, value, param, ctx):
        if isinstance(value, str) and is_url(value):
            return value
        return self.folder.convert(local_path(value), param, ctx)


@contextlib.contextmanager
def _failures(what: str) -> Iterator[None]:
    """A folder or object store that fails under a command: one line, exit code 1."""
    try:
        yield
    except BrokenPipeError:
        raise  # downstream closed early: not a failure (see PipelineGroup)
    except OSError as exc:
        raise UserError(f"{what} failed: {exc}", exitcodes.FAILED) from exc


class UserError(click.ClickException):
    """An error the user can fix, shown as one line with a chosen exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class PipelineGroup(click.Group):
    """Turns the library's errors into clear messages and exit codes, at the edge."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (ValueError, RuntimeError) as exc:
            if not type(exc).__module__.startswith(f"{__package__}."):
                raise  # click's own (--help exits through one), or not ours
            # Imported here, not at start-up: a command imports what it uses.
            from .commit import StateMismatch
            from .dedup.config import SettingsMismatch
            from .jsonl import RecordError
            from .manifest import ManifestError
            from .stage import StageFailure
            from .storage import StorageError

            if isinstance(exc, (SettingsMismatch, StorageError)):
                raise UserError(str(exc), exitcodes.CONFIG_ERROR) from exc
            if isinstance(exc, (RecordError, StateMismatch, ManifestError)):
                raise UserError(str(exc), exitcodes.FAILED) from exc
            if isinstance(exc, StageFailure):
                # Not the input's fault: nothing is recorded for it, and the
                # next run tries it again.
                raise UserError(f"{exc} (not recorded; it is tried again next time)", exitcodes.FAILED) from exc
            raise
        except ImportError as exc:  # an incomplete installation, whatever the input
            raise UserError(f"a module is missing from this installation: {exc}", exitcodes.FAILED) from exc
        except BrokenPipeError:
            sys.stderr.close()  # downstream closed early (e.g. `| head`): not an error
            ctx.exit(exitcodes.OK)
        except KeyboardInterrupt:  # Ctrl-C: like a shell, 130; a run's report says "interrupted"
            click.echo("\ninterrupted", err=True)
            ctx.exit(exitcodes.INTERRUPTED)
        except Exception as exc:
            import sqlite3  # only once something failed: start-up stays light

            if isinstance(exc, sqlite3.Error):  # the index on a full or failing disk
                raise UserError(f"the dedup index failed: {exc}; nothing was committed", exitcodes.FAILED) from exc
            raise


@click.group(cls=PipelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More detail on stderr (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr (no progress either).")
@click.option("--progress-every", type=click.FloatRange(min=0), default=PROGRESS_EVERY, show_default=True,
              metavar="SECONDS", help="Off a terminal, one progress line in the log this often.")
@click.version_option(version=__version__, prog_name="pipeline")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, progress_every: float) -> None:
    """Clean, normalise and near-deduplicate scraped news and web articles."""
    verbosity = -1 if quiet else verbose
    from .progress import LineAwareHandler

    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = LineAwareHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    ctx.obj = Context(verbosity, progress_every)


def engine_options(command):
    """``--engine`` and ``--address``, for the commands that can run on Ray."""
    command = click.option(
        "--address", metavar="ADDRESS",
        help="With --engine ray: the cluster to join (auto, ray://HOST:10001); default: Ray on this machine.",
    )(command)
    return click.option(
        "--engine", type=click.Choice(ENGINES), default="local", show_default=True,
        help="Where the work runs: this process, or a Ray cluster (pip install 'pipeline[ray]').",
    )(command)


def _on_ray(engine: str, address: str | None) -> bool:
    """Whether to run on Ray; a wrong choice is refused before any work."""
    try:
        return check_engine(engine, address) is not None
    except (EngineUnavailable, EngineRefused) as exc:
        raise UserError(str(exc), exitcodes.CONFIG_ERROR) from exc


def _stage_command(name: str, make_stage, help_text: str):
    @cli.command(name, help=help_text)
    @click.argument("input", type=click.File("r", encoding="utf-8"), default="-")
    @click.option("-o", "--output", type=click.File("w", encoding="utf-8", atomic=True), default="-",
                  help="Where to write document records (default: stdout).")
    @click.pass_obj
    def command(ctx: Context, input, output) -> None:
        stage = make_stage(ctx.config)
        with ctx.progress(name) as progress:
            _count_records_later(input, progress)
            write_documents(output, stage(progress.counted(read_documents(input))))

    return command


@cli.command()
@click.argument("raw", nargs=-1, required=True, type=LocationType(exists=True, file_okay=True))
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", atomic=True), default="-",
              help="Where to write document records (default: stdout).")
@engine_options
@click.pass_obj
def extract(ctx: Context, raw: tuple, output, engine: str, address: str | None) -> None:
    """Read raw files or folders and extract main text from HTML.

    RAW may also be an object-store URL (s3://bucket/raw): every object under it.

    Accepts .html, .txt, .warc, .jsonl, each optionally .gz. Text dumps pass
    through unchanged; HTML gets main text and metadata. Writes one document
    record per input document, including rejected ones with their reason.

    With --engine ray, files are read and pages extracted in Ray tasks; the
    records are the same, in the same order.
    """
    from .sources import listed, read_input

    raw = tuple(location(item) for item in raw)
    with ctx.progress("extract") as progress:
        if _on_ray(engine, address):
            from .engines import ray_stages

            docs = ray_stages.extract(raw, ctx.config, address)
        else:
            from .extract import Extract
            from .runner import mark_repeats

            with _failures("extract"):
                files = list(listed(raw))
            progress.phase("extract", total=len(files), unit="files")

            def documents():
                for path, root in files:
                    yield from read_input(root, path, ctx.config.read)
                    progress.advance()

            docs = Extract(ctx.config.extract)(mark_repeats(documents()))
        with _failures("extract"):
            write_documents(output, progress.counted(docs, units=False))


def _strip(config):
    from .strip import Strip

    return Strip(config.strip)


def _normalize(config):
    from .normalize import Normalize

    return Normalize(config.normalize)


_stage_command("strip", _strip, """Remove boilerplate lines, recording each with its reason.

    Navigation, share widgets, ads, captions and credits, related links,
    newsletter and cookie boxes, comment forms, spam footers, aggregator
    chrome and repeated teasers. INPUT is a file of document records (default stdin).""")

_stage_command("normalize", _normalize, """Normalise Unicode, mojibake, whitespace and paragraphs.

    Rejoins hard-wrapped lines; paragraphs end up separated by one blank line.
    INPUT is a file of document records (default stdin).""")


@cli.command()
@click.argument("input", type=click.File("r", encoding="utf-8"), default="-")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", atomic=True), default="-",
              help="Where to write document records (default: stdout).")
@click.option("--index", "index_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Persistent index of earlier kept documents (SQLite); updated by this run.")
@engine_options
@click.pass_obj
def dedup(ctx: Context, input, output, index_path: Path | None, engine: str, address: str | None) -> None:
    """Find near-duplicates with MinHash, verify and cluster them.

    One copy per cluster is kept; the others are marked duplicate, with the
    id of the kept copy and their similarity to it. With --index, documents
    are also compared with everything kept by earlier runs.

    With --engine ray, signatures, candidate pairs and verification run in
    Ray tasks; this command reads and writes the records and the index, and
    the decisions are the same.
    """
    with ctx.progress("dedup") as progress:
        _count_records_later(input, progress)
        docs = progress.counted(read_documents(input))
        if _on_ray(engine, address):
            from .engines import ray_stages

            decided = ray_stages.dedup(docs, ctx.config.dedup, index_path, address)
        else:
            from .dedup import Dedup

            decided = Dedup(ctx.config.dedup, index_path=index_path)(docs)
        write_documents(output, _written(decided, progress))


def _written(docs, progress):
    """The output of a stage that reads everything first: a phase of its own."""
    for number, doc in enumerate(docs):
        if number == 0:
            progress.phase("write", total=progress.docs)
        progress.done += 1
        yield doc


@cli.command()
@click.argument("clean_dir", type=LocationType())
@click.argument("input", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
              help="If a run holds CLEAN_DIR, wait this long for it before giving up.")
@click.pass_obj
def write(ctx: Context, clean_dir, input, wait: float) -> None:
    """Write kept documents to CLEAN_DIR/<id>.txt and update CLEAN_DIR/manifest.jsonl.

    CLEAN_DIR may be an object-store URL (s3://bucket/clean). Takes the same
    lock as a run on a folder CLEAN_DIR (exit code 4 while one holds it).
    Every record must be decided (through dedup): one still pending is
    refused and nothing is written.
    """
    from .document import REJECTED
    from .lock import Locked
    from .write import Unfinished, write_all, write_lock

    try:
        with ctx.progress("write") as progress, _failures("write"), write_lock(clean_dir, wait):
            _count_records_later(input, progress)
            counts = write_all(clean_dir, progress.counted(read_documents(input)))
    except Locked as exc:
        raise UserError(str(exc), exitcodes.LOCKED) from exc
    except Unfinished as exc:
        raise UserError(str(exc), exitcodes.FAILED) from exc
    _summary(ctx, counts)
    if counts.get(REJECTED):
        sys.exit(exitcodes.SOME_REJECTED)


@cli.command()
@click.argument("raw_dir", type=LocationType(exists=True))
@click.argument("clean_dir", type=LocationType())
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where run state and the dedup index live (default: CLEAN_DIR/.state; "
                   "required when CLEAN_DIR is a URL).")
@click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
              help="If another run holds CLEAN_DIR, wait this long for it before giving up.")
@click.option("--dry-run", is_flag=True,
              help="Show what would be processed, and what the run would refuse; write nothing.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False, path_type=Path),
              help="After the run, add its documents to the shards in this folder (see `pipeline export`).")
@click.option("--export-format", type=click.Choice(["parquet", "jsonl"]), default="parquet", show_default=True,
              help="With --export: the shards' format.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Processes for extract, strip and normalize (default: the cores available; "
                   "1: all in this process). Local engine only.")
@engine_options
@click.pass_obj
def run(ctx: Context, raw_dir, clean_dir, state_dir: Path | None, wait: float, dry_run: bool,
        export_dir: Path | None, export_format: str, workers: int | None, engine: str, address: str | None) -> None:
    """Run every stage over the new files in RAW_DIR, writing to CLEAN_DIR.

    Each may be a folder or an object-store URL (s3://bucket/raw, gs://...);
    with a URL for CLEAN_DIR, --state-dir names a folder for the run state.

    Files processed by an earlier run (same bytes) are skipped; changed files
    are processed again; new documents are deduplicated against everything
    kept before. One run at a time per CLEAN_DIR. A report of the run is saved
    in the state folder (runs/<time>.json) and summarised on stderr.

    Exit codes: 0 done, 3 done but some inputs rejected (see the manifest),
    4 another run holds the folder, 2 configuration error, 1 failure.
    """
    from .batch import has_earlier_runs
    from .dedup.config import SettingsMismatch
    from .document import REJECTED
    from .ledger import LedgerError
    from .lock import Locked
    from .report import summary
    from .settings import ConfigError

    export_config = _export_config(export_format, False, 256) if export_dir and not dry_run else None
    try:
        run_engine = run_function(engine, address)
        if engine == "local":
            from .pool import available_cores

            run_engine = functools.partial(run_engine, workers=workers or available_cores())
        elif workers is not None:
            raise EngineRefused("--workers is for the local engine; Ray runs tasks on the cluster's CPUs")
        state = _state_dir(clean_dir, state_dir, required=False)
        if state is not None and not has_earlier_runs(state) and ctx.verbosity >= 0 and not dry_run:
            click.echo(f"{clean_dir}: new clean folder, no earlier runs", err=True)
        with _failures("run"):
            if dry_run:
                report = run_engine(raw_dir, clean_dir, ctx.config, state_dir, dry_run=True)
            else:
                with ctx.progress("run") as progress:
                    report = run_engine(raw_dir, clean_dir, ctx.config, state_dir, wait=wait,
                                        progress=progress)
    except (ConfigError, EngineUnavailable, EngineRefused) as exc:
        raise UserError(str(exc), exitcodes.CONFIG_ERROR) from exc
    except SettingsMismatch as exc:
        raise UserError(f"{exc}\n{REBUILD_HINT}", exitcodes.CONFIG_ERROR) from exc
    except Locked as exc:
        raise UserError(str(exc), exitcodes.LOCKED) from exc
    except LedgerError as exc:
        raise UserError(str(exc), exitcodes.FAILED) from exc
    if dry_run:
        _show_plan(report)
        if report.refusals:
            sys.exit(report.refusals[0][0])
        return
    data = report.to_dict()
    if ctx.verbosity >= 0:
        click.echo(summary(data), err=True)
    if ctx.verbosity > 0:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False), err=True)
    if export_config is not None:
        _run_export(ctx, clean_dir, export_dir, export_config, state_dir)
    if report.documents.get(REJECTED):
        sys.exit(exitcodes.SOME_REJECTED)


REBUILD_HINT = ("To change these settings for good, rebuild the index with them first: "
                "pipeline index rebuild CLEAN_DIR --set ... (or --config FILE)")


def _show_plan(report) -> None:
    click.echo(f"dry run: {report.inputs_seen} raw files, {len(report.inputs_new)} new, "
               f"{len(report.inputs_changed)} changed, {report.inputs_known} already processed")
    if report.new_clean_folder:
        click.echo(f"  {report.clean_dir}: new clean folder, no earlier runs")
    for label, names in (("new", report.inputs_new), ("changed", report.inputs_changed)):
        for name in names:
            click.echo(f"  would process ({label}): {name}")
    for code, message in report.refusals:
        click.echo(f"  the run would refuse (exit code {code}): {message}")
    if not report.inputs_todo and not report.refusals:
        click.echo("  nothing to do")


def _state_dir(clean_dir, state_dir: Path | None, required: bool = True) -> Path | None:
    """The state folder of CLEAN_DIR: --state-dir, or CLEAN_DIR/.state on a filesystem."""
    if state_dir is not None:
        return local_path(state_dir)
    if is_url(str(clean_dir)):
        if required:
            raise UserError(f"{clean_dir} is in an object store: give its state folder with --state-dir",
                            exitcodes.CONFIG_ERROR)
        return None
    from .batch import default_state_dir

    return default_state_dir(clean_dir)


@cli.command()
@click.argument("clean_dir", type=LocationType(exists=True))
@click.option("--raw", "raw_dir", type=LocationType(exists=True),
              help="Also list the files of this raw folder (or URL) still to be processed.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The state folder, if not CLEAN_DIR/.state (required when CLEAN_DIR is a URL).")
@click.option("-n", "--last", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many recent runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs and pending files as JSON.")
@click.pass_obj
def status(ctx: Context, clean_dir, raw_dir, state_dir: Path | None, last: int,
           as_json: bool) -> None:
    """Show the last runs on CLEAN_DIR and, with --raw, what is still pending."""
    from .batch import STATE_LOCK, dry_run_report
    from .ledger import LedgerError
    from .lock import holder
    from .report import load_reports
    from .settings import ConfigError

    state_dir = _state_dir(clean_dir, state_dir)
    reports = load_reports(state_dir, last)
    busy = holder(state_dir / STATE_LOCK)
    pending = None
    if raw_dir is not None:
        try:
            planned = dry_run_report(raw_dir, clean_dir, ctx.config, state_dir)
        except (LedgerError, OSError) as exc:
            raise UserError(str(exc), exitcodes.FAILED) from exc
        except ConfigError as exc:
            raise UserError(str(exc), exitcodes.CONFIG_ERROR) from exc
        pending = {"new": planned.inputs_new, "changed": planned.inputs_changed,
                   "unchanged": planned.inputs_known}
    lost = _lost_outputs(clean_dir)
    if as_json:
        click.echo(json.dumps({"running": busy, "runs": reports, "pending": pending, "missing_outputs": lost},
                              indent=2, ensure_ascii=False))
        return
    if lost:
        click.echo(f"{len(lost)} outputs named by the manifest are missing (first: {lost[0]}): "
                   "'pipeline verify' tells more, and --raw RAW --restore writes them again")
    if busy is not None:
        click.echo(f"a run is in progress ({busy or 'holder unknown'})")
    if not reports:
        click.echo(f"no runs recorded in {state_dir}")
    for data in reports:
        docs, inputs = data["documents"], data["inputs"]
        click.echo(f"{data['started']}  {data['outcome']:9s}  inputs {inputs['new']} new, "
                   f"{inputs['changed']} changed  documents {docs['kept']} kept, {docs['duplicate']} duplicate, "
                   f"{docs['rejected']} rejected, {docs['empty']} empty  {data['seconds']:.1f} s"
                   + (f"  ({data['error']})" if data.get("error") else ""))
    if pending is not None:
        click.echo(f"pending in {raw_dir}: {len(pending['new'])} new, {len(pending['changed'])} changed, "
                   f"{pending['unchanged']} already processed")
        for label in ("new", "changed"):
            for name in pending[label][:20]:
                click.echo(f"  {label}: {name}")
            if len(pending[label]) > 20:
                click.echo(f"  ... and {len(pending[label]) - 20} more {label}")


# -- export and report -------------------------------------------------------
def _export_options(command):
    command = click.option("--max-shard-mb", type=click.FloatRange(min=0.001), default=256, show_default=True,
                           help="Largest shard, in MB of rows before compression.")(command)
    command = click.option("--all", "all_records", is_flag=True,
                           help="Every manifest record (duplicates, rejections, ...), not only kept documents.")(command)
    return click.option("--format", "fmt", type=click.Choice(["parquet", "jsonl"]), default="parquet",
                        show_default=True, help="Parquet (zstd, needs pipeline[export]) or gzipped JSON lines.")(command)


def _export_config(fmt: str, all_records: bool, max_shard_mb: float):
    """The export's settings; a format whose library is missing is refused here, before any work."""
    from .export import ExportConfig, ExportError, check_available

    config = ExportConfig(format=fmt, all_records=all_records, max_shard_bytes=int(max_shard_mb * 1e6))
    try:
        check_available(config)
    except ExportError as exc:
        raise UserError(str(exc), exitcodes.CONFIG_ERROR) from exc
    return config


def _run_export(ctx: Context, clean_dir, out_dir: Path, config, state_dir: Path | None) -> None:
    from .export import ExportError, export

    try:
        with _failures("export"):
            result = export(clean_dir, out_dir, config, state_dir)
    except ExportError as exc:
        raise UserError(str(exc), exitcodes.CONFIG_ERROR) from exc
    if ctx.verbosity >= 0:
        rewritten = f", {len(result.shards_rewritten)} rewritten" if result.shards_rewritten else ""
        click.echo(f"export: {result.records_read} new manifest records, {result.rows_added} rows in "
                   f"{len(result.shards_added)} new shards{rewritten} ({result.bytes_written:,} bytes) in {out_dir}",
                   err=True)


@cli.command("export")
@click.argument("clean_dir", type=LocationType(exists=True))
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@_export_options
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The state folder with the run reports, if not CLEAN_DIR/.state.")
@click.pass_obj
def export_command(ctx: Context, clean_dir, out_dir: Path, fmt: str, all_records: bool, max_shard_mb: float,
                   state_dir: Path | None) -> None:
    """Export the kept documents of CLEAN_DIR as shards in OUT_DIR.

    One row per document (id, text, source, added, created, metadata), as in
    Dolma documents. Incremental: only the records added since the last
    export to OUT_DIR become new shards; exporting again is byte-identical.
    """
    _run_export(ctx, clean_dir, out_dir, _export_config(fmt, all_records, max_shard_mb), state_dir)


@cli.command("report")
@click.argument("clean_dir", type=LocationType(exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.html"),
              show_default=True, help="The HTML file to write.")
@click.option("--raw", "raw_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="The raw folder, to show texts as they came in and copies' texts (default: the last run's).")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The state folder with the run reports, if not CLEAN_DIR/.state.")
@click.option("--max-documents", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Records in the document list; past this, a sample (counts and charts cover all).")
@click.option("--max-texts", type=click.IntRange(min=0), default=300, show_default=True,
              help="Kept documents of the list whose texts the report carries.")
@click.pass_obj
def report_command(ctx: Context, clean_dir, output: Path, raw_dir: Path | None, state_dir: Path | None,
                   max_documents: int, max_texts: int) -> None:
    """Write a self-contained HTML report of CLEAN_DIR (no server, no network).

    Runs over time, rejections by reason, removed lines by rule, the largest
    duplicate groups side by side with their differences marked, and a
    searchable list of documents with their removed lines struck through.
    """
    from . import report_html

    config = report_html.ReportConfig(max_documents=max_documents, max_texts=max_texts)
    with _failures("report"):
        size = report_html.write(clean_dir, output, state_dir=state_dir, raw_dir=raw_dir, config=config)
    if ctx.verbosity >= 0:
        click.echo(f"report: {output} ({size:,} bytes)", err=True)


@cli.command()
@click.argument("clean_dir", type=LocationType(exists=True))
@click.option("--raw", "raw_dir", type=LocationType(exists=True),
              help="The raw folder (or URL) the outputs were made from: also find changed outputs.")
@click.option("--restore", is_flag=True, help="With --raw: write missing and changed outputs again.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The state folder, if not CLEAN_DIR/.state (required when CLEAN_DIR is a URL).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Settings to make outputs again with (default: those of the last completed run).")
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE", help="Override one setting.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_obj
def verify(ctx: Context, clean_dir, raw_dir, restore: bool, state_dir: Path | None, config_file: Path | None,
           overrides: tuple[str, ...], as_json: bool) -> None:
    """Check that every clean text and audit file the manifest names is there.

    With --raw, each is also made again from its raw file and compared (a
    changed file is found), and with --restore, missing and changed ones are
    written again, under the run lock. Exit code 0 when nothing is missing
    or changed (or all of it was restored), 1 otherwise.
    """
    from . import settings
    from .batch import default_state_dir, run_locks
    from .lock import Locked, hold
    from .verify import verify as check

    if restore and raw_dir is None:
        raise UserError("--restore needs --raw: outputs are made again from the raw files", exitcodes.CONFIG_ERROR)
    if state_dir is None and is_url(clean_dir):
        if raw_dir is not None:
            raise UserError(f"{clean_dir} is in an object store: give its state folder with --state-dir",
                            exitcodes.CONFIG_ERROR)
    state_dir = state_dir or (None if is_url(clean_dir) else default_state_dir(clean_dir))
    try:
        config = settings.load(config_file, overrides, base=_last_config(state_dir, ctx.config))
        lock = hold(run_locks(location(clean_dir), state_dir)) if restore else contextlib.nullcontext()
        with _failures("verify"), lock:
            found = check(clean_dir, raw_dir, config, restore=restore)
    except settings.ConfigError as exc:
        raise UserError(str(exc), exitcodes.CONFIG_ERROR) from exc
    except Locked as exc:
        raise UserError(str(exc), exitcodes.LOCKED) from exc
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
    else:
        _show_findings(found, raw_dir is not None)
    if found.damaged:
        sys.exit(exitcodes.FAILED)


def _lost_outputs(clean_dir) -> list[str] | None:
    """Clean texts and audit files the manifest names that are not there (None: not looked at)."""
    from .manifest import read_manifest
    from .verify import missing_outputs

    if is_url(clean_dir):
        return None  # one request per object: 'pipeline verify' does that on purpose
    with _failures("status"):
        return [out.name for out in missing_outputs(clean_dir, read_manifest(clean_dir))]


def _last_config(state_dir: Path | None, base):
    """The settings of the last completed run, which made the outputs."""
    from . import settings
    from .report import load_reports

    if state_dir is None:
        return base
    for data in reversed(load_reports(state_dir, 0)):
        if data.get("outcome") == "completed" and isinstance(data.get("config"), dict):
            try:
                return settings.apply(base, data["config"], origin=f"the run report {data.get('file')}")
            except settings.ConfigError as exc:  # a report of an older version
                logging.getLogger(__name__).warning("default settings used: %s", exc)
                return base
    return base


def _show_findings(found, checked: bool) -> None:
    what = "missing or changed" if checked else "missing"
    click.echo(f"{found.outputs} outputs named by the manifest: {len(found.missing)} missing"
               + (f", {len(found.changed)} changed, {len(found.unchecked)} not checked" if checked else "")
               + (f"; {len(found.restored)} restored" if found.restored else ""))
    restored = {out.name for out in found.restored}
    for label, outs in (("missing", found.missing), ("changed", found.changed)):
        for out in outs[:50]:
            click.echo(f"  {label}: {out.name} ({out.source})" + (" - restored" if out.name in restored else ""))
        if len(outs) > 50:
            click.echo(f"  ... and {len(outs) - 50} more {label}")
    for out, why in found.unchecked[:20]:
        click.echo(f"  not checked: {out.name} ({out.source}): {why}")
    if found.damaged and not found.restored:
        click.echo(f"{len(found.damaged)} {what}: 'pipeline verify CLEAN --raw RAW --restore' writes them again"
                   if checked else f"{len(found.damaged)} {what}: add --raw RAW --restore to write them again")


def _summary(ctx: Context, counts) -> None:
    if ctx.verbosity >= 0:
        parts = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("kept", "duplicate", "rejected", "empty"))
        click.echo(f"{sum(counts.values())} documents: {parts}", err=True)


def _settings_options(command: click.Command) -> None:
    """--config and --set on a command; the settings are loaded before it runs."""
    command.params += [
        click.Option(["--config", "config_file"], type=click.Path(dir_okay=False, path_type=Path),
                     help="TOML file of settings, one table per stage ([extract], [dedup], ...)."),
        click.Option(["--set", "overrides"], multiple=True, metavar="SECTION.KEY=VALUE",
                     help="Override one setting, e.g. --set dedup.jaccard_threshold=0.6 (repeatable; "
                          "checked together, after the file)."),
    ]
    callback = command.callback

    @functools.wraps(callback)
    def with_settings(*args, config_file=None, overrides=(), **kwargs):
        click.get_current_context().find_object(Context).use_settings(config_file, overrides)
        return callback(*args, **kwargs)

    command.callback = with_settings


def _every_command(group: click.Group) -> Iterator[click.Command]:
    for command in group.commands.values():
        if isinstance(command, click.Group):
            yield from _every_command(command)
        else:
            yield command


@cli.group()
def index() -> None:
    """The dedup index of a clean folder."""


@index.command("rebuild")
@click.argument("clean_dir", type=LocationType(exists=True))
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The state folder, if not CLEAN_DIR/.state (required when CLEAN_DIR is a URL).")
@click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
              help="If a run holds CLEAN_DIR, wait this long for it before giving up.")
@click.pass_obj
def index_rebuild(ctx: Context, clean_dir, state_dir: Path | None, wait: float) -> None:
    """Build the dedup index again with the current dedup settings.

    For a change of shingles, permutations, bands, rows or seed, which a run
    refuses against the old index: every kept document's clean text is
    signed with the new settings, and the manifest's duplicates are recorded
    again; no decision changes. Give the same settings to later runs.
    """
    from .lock import Locked
    from .reindex import rebuild_index
    from .settings import ConfigError

    try:
        with _failures("index rebuild"):
            done = rebuild_index(clean_dir, ctx.config.dedup, state_dir, wait)
    except ConfigError as exc:
        raise UserError(str(exc), exitcodes.CONFIG_ERROR) from exc
    except Locked as exc:
        raise UserError(str(exc), exitcodes.LOCKED) from exc
    if ctx.verbosity >= 0:
        dropped = (f"; {done.direct_copies_dropped:,} direct copies of earlier runs not kept (their texts are "
                   "not in the clean folder)" if done.direct_copies_dropped else "")
        click.echo(f"{done.path}: rebuilt with {done.fingerprint}: {done.kept:,} kept documents, "
                   f"{done.duplicates:,} duplicates{dropped}", err=True)


# Every command takes the settings, including any defined above this line.
for _command in _every_command(cli):
    if not any(param.name == "config_file" for param in _command.params):
        _settings_options(_command)


def main() -> None:
    cli(prog_name="pipeline")
