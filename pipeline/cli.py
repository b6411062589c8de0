"""Command line: one command per stage, plus ``run`` for all of them.

Stage commands read and write document records as JSON lines (``-`` is
stdin/stdout), so they compose through pipes or files:

    pipeline extract raw/ | pipeline strip | pipeline normalize \\
        | pipeline dedup | pipeline write clean/

The CLI only parses options, opens files and turns errors into messages and
exit codes; all the work is in the stage objects.
"""
from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import sys
from functools import partial
from pathlib import Path
from typing import Iterable, Iterator

import click

from . import exitcodes, settings
from .batch import STATE_LOCK, default_state_dir, run_locks
from .batch import run as run_batch
from .commit import StateMismatch
from .config import PipelineConfig
from .dedup import Dedup
from .dedup.config import SettingsMismatch
from .document import REJECTED, Document
from .engines import ENGINES, EngineRefused, EngineUnavailable, check_engine, run_function
from .extract import Extract
from .jsonl import RecordError, read_documents, write_documents
from .ledger import LedgerError
from .lock import Locked, hold, holder
from .manifest import ManifestError, read_manifest
from .normalize import Normalize
from .pool import available_cores
from .report import load_reports, summary
from .runner import mark_repeats
from .sources import listed, read_input
from .stage import StageFailure
from .storage import StorageError, is_url, local_path, location
from .strip import Strip
from .write import Unfinished, write_all, write_lock


class Context:
    def __init__(self, verbosity: int):
        self.verbosity = verbosity
        self.config = PipelineConfig()


def _progress(docs: Iterable[Document], label: str, ctx: Context) -> Iterator[Document]:
    """A progress counter on stderr when it is a terminal, silence otherwise."""
    if ctx.verbosity < 0 or not sys.stderr.isatty():
        yield from docs
        return
    with click.progressbar(docs, label=label, file=sys.stderr, show_pos=True) as bar:
        yield from bar


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
        except (SettingsMismatch, StorageError) as exc:
            raise UserError(str(exc), exitcodes.CONFIG_ERROR) from exc
        except (RecordError, ManifestError) as exc:
            raise UserError(str(exc), exitcodes.FAILED) from exc
        except (StateMismatch, ManifestError) as exc:
            raise UserError(str(exc), exitcodes.FAILED) from exc
        except StageFailure as exc:
            # Not the input's fault: nothing is recorded for it, and the
            # next run tries it again.
            raise UserError(f"{exc} (not recorded; it is tried again next time)", exitcodes.FAILED) from exc
        except sqlite3.Error as exc:  # the index on a full or failing disk
            raise UserError(f"the dedup index failed: {exc}; nothing was committed", exitcodes.FAILED) from exc
        except BrokenPipeError:
            sys.stderr.close()  # downstream closed early (e.g. `| head`): not an error
            ctx.exit(exitcodes.OK)
        except KeyboardInterrupt:  # Ctrl-C: like a shell, 130; a run's report says "interrupted"
            click.echo("\ninterrupted", err=True)
            ctx.exit(exitcodes.INTERRUPTED)


@click.group(cls=PipelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More detail on stderr (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(package_name="pipeline")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Clean, normalise and near-deduplicate scraped news and web articles."""
    verbosity = -1 if quiet else verbose
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = Context(verbosity)


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
        write_documents(output, stage(_progress(read_documents(input), name, ctx)))

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
    raw = tuple(location(item) for item in raw)
    if _on_ray(engine, address):
        from .engines import ray_stages

        docs = ray_stages.extract(raw, ctx.config, address)
    else:
        def documents() -> Iterator[Document]:
            for path, root in listed(raw):
                yield from read_input(root, path, ctx.config.read)

        docs = Extract(ctx.config.extract)(mark_repeats(documents()))
    with _failures("extract"):
        write_documents(output, _progress(docs, "extract", ctx))


_stage_command("strip", lambda c: Strip(c.strip), """Remove boilerplate lines, recording each with its reason.

    Navigation, share widgets, ads, captions and credits, related links,
    newsletter and cookie boxes, comment forms, spam footers, aggregator
    chrome and repeated teasers. INPUT is a file of document records (default stdin).""")

_stage_command("normalize", lambda c: Normalize(c.normalize), """Normalise Unicode, mojibake, whitespace and paragraphs.

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
    docs = _progress(read_documents(input), "dedup", ctx)
    if _on_ray(engine, address):
        from .engines import ray_stages

        write_documents(output, ray_stages.dedup(docs, ctx.config.dedup, index_path, address))
        return
    stage = Dedup(ctx.config.dedup, index_path=index_path)
    write_documents(output, stage(docs))


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
    try:
        with _failures("write"), write_lock(clean_dir, wait):
            counts = write_all(clean_dir, _progress(read_documents(input), "write", ctx))
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
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file of settings, one table per stage ([extract], [dedup], ...).")
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE",
              help="Override one setting, e.g. --set dedup.jaccard_threshold=0.6 (repeatable).")
@click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
              help="If another run holds CLEAN_DIR, wait this long for it before giving up.")
@click.option("--dry-run", is_flag=True, help="Show what would be processed; write nothing.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False, path_type=Path),
              help="After the run, add its documents to the shards in this folder (see `pipeline export`).")
@click.option("--export-format", type=click.Choice(["parquet", "jsonl"]), default="parquet", show_default=True,
              help="With --export: the shards' format.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Processes for extract, strip and normalize (default: the cores available; "
                   "1: all in this process). Local engine only.")
@engine_options
@click.pass_obj
def run(ctx: Context, raw_dir, clean_dir, state_dir: Path | None, config_file: Path | None,
        overrides: tuple[str, ...], wait: float, dry_run: bool, export_dir: Path | None, export_format: str,
        workers: int | None, engine: str, address: str | None) -> None:
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
    export_config = _export_config(export_format, False, 256) if export_dir and not dry_run else None
    try:
        config = settings.load(config_file, overrides, base=ctx.config)
        run_engine = run_function(engine, address)
        if engine == "local":
            run_engine = partial(run_engine, workers=workers or available_cores())
        elif workers is not None:
            raise EngineRefused("--workers is for the local engine; Ray runs tasks on the cluster's CPUs")
        with _failures("run"):
            report = run_engine(raw_dir, clean_dir, config, state_dir, wait=wait, dry_run=dry_run)
    except (settings.ConfigError, EngineUnavailable, EngineRefused) as exc:
        raise UserError(str(exc), exitcodes.CONFIG_ERROR) from exc
    except Locked as exc:
        raise UserError(str(exc), exitcodes.LOCKED) from exc
    except LedgerError as exc:
        raise UserError(str(exc), exitcodes.FAILED) from exc
    if dry_run:
        _show_plan(report)
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


def _show_plan(report) -> None:
    click.echo(f"dry run: {report.inputs_seen} raw files, {len(report.inputs_new)} new, "
               f"{len(report.inputs_changed)} changed, {report.inputs_known} already processed")
    for label, names in (("new", report.inputs_new), ("changed", report.inputs_changed)):
        for name in names:
            click.echo(f"  would process ({label}): {name}")
    if not report.inputs_todo:
        click.echo("  nothing to do")


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
    if state_dir is None and is_url(clean_dir):
        raise UserError(f"{clean_dir} is in an object store: give its state folder with --state-dir",
                        exitcodes.CONFIG_ERROR)
    state_dir = state_dir or default_state_dir(clean_dir)
    reports = load_reports(state_dir, last)
    busy = holder(state_dir / STATE_LOCK)
    pending = None
    if raw_dir is not None:
        try:
            planned = run_batch(raw_dir, clean_dir, ctx.config, state_dir, dry_run=True)
        except (LedgerError, OSError) as exc:
            raise UserError(str(exc), exitcodes.FAILED) from exc
        except settings.ConfigError as exc:
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
    from .verify import missing_outputs

    if is_url(clean_dir):
        return None  # one request per object: 'pipeline verify' does that on purpose
    with _failures("status"):
        return [out.name for out in missing_outputs(clean_dir, read_manifest(clean_dir))]


def _last_config(state_dir: Path | None, base: PipelineConfig) -> PipelineConfig:
    """The settings of the last completed run, which made the outputs."""
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


def main() -> None:
    cli(prog_name="pipeline")
