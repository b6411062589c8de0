"""Export: the clean corpus as Parquet or gzipped JSONL shards.

One row per document, in the layout of Dolma documents (``id``, ``text``,
``source``, ``added``, ``created``, ``metadata``), which datatrove's Dolma
reader and writer also use. ``metadata`` holds the page's metadata and what
the pipeline decided about the document (see ``SCHEMA_DOC``).

Shards follow the manifest, which only grows: the records each run added
form one block, and a block is cut into shards of at most
``max_shard_bytes`` of rows before compression. A shard never spans two
runs, so exporting after every run and exporting everything at the end give
the same shards, byte for byte, and an export after a run only adds the
shards of that run's records. The one exception: a document that a later
run marked as superseded (see ``supersede``) leaves the shard it was in,
which is then written again without it.

``OUT/export.json`` records what has been exported (the options, the
manifest records consumed, the shards); it is written last, atomically, so
an export killed midway is simply done again.
"""
from __future__ import annotations

import gzip
import io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from . import manifest, storage
from .atomic import atomic_open, remove_stale_temps
from .document import DUPLICATE, KEPT
from .report import load_reports
from .write import read_audit, read_clean_text

FORMATS = ("parquet", "jsonl")
STATE_FILE = "export.json"
SUPERSEDED = "superseded"
DEFAULT_SHARD_BYTES = 256 * 1024 * 1024
_ROW_OVERHEAD = 200  # bytes a row's fixed fields add to its text, roughly

# What each field holds; written to OUT/export.json and the README.
SCHEMA_DOC = {
    "id": "string: the document id (a hash of the input record's bytes)",
    "text": "string: the clean text ('' for records that are not kept)",
    "source": "string: the raw file, relative to the raw folder",
    "added": "string: when the run that recorded the document finished, ISO-8601 UTC (null if unknown)",
    "created": "string: the page's date where known (as extracted, usually YYYY-MM-DD), else null",
    "metadata.status": "string: kept, or with --all: duplicate, rejected, empty, superseded",
    "metadata.title/author/url/sitename/language": "string: page metadata where known, else null",
    "metadata.offset": "int64: record number in a WARC or line in a JSONL input, else null",
    "metadata.duplicates": "int64: copies of this document recorded up to the run that added it",
    "metadata.removed_lines": "list<struct<rule: string, lines: int64>>: lines stripped, by rule",
    "metadata.kept_share": "double: share of the extracted text's characters left after stripping "
                           "(1.0 when nothing was removed; null for records without text)",
    "metadata.reason": "string: why a record was rejected or empty, else null",
    "metadata.duplicate_of": "string: the kept copy's id for duplicates, else null",
    "metadata.similarity": "double: verified similarity to duplicate_of or superseded_by, else null",
    "metadata.duplicate_rule": "string: for duplicates, the rule that matched "
                               "(exact, jaccard, containment, first_version, rewrite, char)",
    "metadata.superseded_by": "string: for superseded records, the id of the newer version",
}

_META_STRINGS = ("title", "author", "url", "sitename", "language")


class ExportError(ValueError):
    """The export cannot be done as asked (options clash with OUT, missing library)."""


@dataclass(frozen=True)
class ExportConfig:
    format: str = "parquet"
    all_records: bool = False  # every manifest record, not only the kept documents
    max_shard_bytes: int = DEFAULT_SHARD_BYTES

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ExportError(f"unknown export format {self.format!r}; known: {', '.join(FORMATS)}")
        if self.max_shard_bytes < 1:
            raise ExportError("max_shard_bytes must be positive")

    @property
    def suffix(self) -> str:
        return ".parquet" if self.format == "parquet" else ".jsonl.gz"

    @property
    def prefix(self) -> str:
        return "records" if self.all_records else "documents"

    def fingerprint(self) -> dict:
        return {"format": self.format, "all_records": self.all_records, "max_shard_bytes": self.max_shard_bytes}


@dataclass
class ExportResult:
    shards_added: list[str]
    shards_rewritten: list[str]
    rows_added: int
    records_read: int
    bytes_written: int


def arrow_schema():
    pa = _pyarrow()
    removed = pa.list_(pa.struct([("rule", pa.string()), ("lines", pa.int64())]))
    metadata = pa.struct(
        [("status", pa.string())]
        + [(key, pa.string()) for key in _META_STRINGS]
        + [("offset", pa.int64()), ("duplicates", pa.int64()), ("removed_lines", removed),
           ("kept_share", pa.float64()), ("reason", pa.string()), ("duplicate_of", pa.string()),
           ("similarity", pa.float64()), ("duplicate_rule", pa.string()), ("superseded_by", pa.string())]
    )
    return pa.schema([("id", pa.string()), ("text", pa.string()), ("source", pa.string()),
                      ("added", pa.string()), ("created", pa.string()), ("metadata", metadata)])


def check_available(config: ExportConfig) -> None:
    """Raise ``ExportError`` now if the format needs a library that is missing."""
    if config.format == "parquet":
        _pyarrow()


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401  (the writer)
    except ImportError:
        raise ExportError("Parquet export needs pyarrow: pip install 'pipeline[export]' "
                          "(or use --format jsonl, which needs nothing more)") from None
    return pyarrow


def run_blocks(state_dir: Path | None, total: int) -> list[tuple[int, int, str | None]]:
    """(first, end, added) of the manifest records each run added, in order.

    Run reports say how many records the manifest held after the run;
    records no report covers (a manifest grown by ``pipeline write``) form
    one last block with an unknown time.
    """
    blocks, start = [], 0
    reports = load_reports(state_dir, 0) if state_dir is not None else []
    for data in reports:
        end = data.get("manifest_records")
        if not isinstance(end, int) or end <= start:
            continue
        end = min(end, total)
        if end > start:
            blocks.append((start, end, data.get("finished") or data.get("started")))
            start = end
    if start < total:
        blocks.append((start, total, None))
    return blocks


class _Corpus:
    """The manifest, read once, with what rows need from the rest of the folder."""

    def __init__(self, clean_dir):
        self.clean_dir = storage.location(clean_dir)
        self.records = manifest.read_manifest(self.clean_dir)
        self.superseded: dict[str, dict] = {}
        for rec in self.records:
            if rec.get("status") == SUPERSEDED:
                self.superseded[rec["id"]] = rec

    def text(self, rec: dict) -> str:
        if rec.get("status") != KEPT or not rec.get("path"):
            return ""
        return read_clean_text(self.clean_dir, rec) or ""

    def removed_chars(self, doc_id: str) -> int:
        return sum(len(r["line"]) for r in read_audit(self.clean_dir, doc_id) or [])


def row_of(rec: dict, text: str, added: str | None, duplicates: int, removed_chars: int | None) -> dict:
    removed = rec.get("removed_lines") or {}
    kept_share = None
    if text:
        gone = removed_chars if removed else 0
        kept_share = round(len(text) / (len(text) + (gone or 0)), 4)
    meta = {"status": rec.get("status")}
    for key in _META_STRINGS:
        meta[key] = rec.get(key) or None
    meta.update(
        offset=rec.get("offset"),
        duplicates=duplicates,
        removed_lines=[{"rule": rule, "lines": n} for rule, n in sorted(removed.items())],
        kept_share=kept_share,
        reason=rec.get("reason"),
        duplicate_of=rec.get("duplicate_of"),
        similarity=rec.get("similarity"),
        duplicate_rule=rec.get("rule") if rec.get("status") == DUPLICATE else None,
        superseded_by=rec.get("superseded_by"),
    )
    return {"id": rec["id"], "text": text, "source": rec.get("source"), "added": added,
            "created": rec.get("date") or None, "metadata": meta}


def encode_shard(rows: list[dict], config: ExportConfig) -> bytes:
    """The bytes of one shard; the same rows always give the same bytes."""
    if config.format == "jsonl":
        data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
        return gzip.compress(data, compresslevel=6, mtime=0)
    pa = _pyarrow()
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=arrow_schema())
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", row_group_size=10_000)
    return buffer.getvalue()


def export(clean_dir, out_dir: Path, config: ExportConfig = ExportConfig(),
           state_dir: Path | None = None) -> ExportResult:
    """Export the records of ``clean_dir`` not exported to ``out_dir`` yet.

    ``state_dir`` holds the run reports (default: CLEAN/.state) that say
    which records each run added.
    """
    check_available(config)  # say so before any work
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(out_dir)
    state = _load_state(out_dir, config)
    corpus = _Corpus(clean_dir)
    if state_dir is None and not isinstance(corpus.clean_dir, storage.ObjectFolder):
        state_dir = Path(corpus.clean_dir) / ".state"
    records = corpus.records
    done = state["records"]
    if done > len(records):
        raise ExportError(f"{out_dir} holds {done} records but the manifest only {len(records)}: "
                          "it was exported from another clean folder; export to a new folder")
    blocks = run_blocks(state_dir, len(records))
    shards = state["shards"]
    # Copies counted per kept id, up to each block's end.
    copies: Counter = Counter()
    result = ExportResult([], [], 0, len(records) - done, 0)
    number = len(shards)
    for first, end, added in blocks:
        for rec in records[first:end]:
            if rec.get("status") == DUPLICATE and rec.get("duplicate_of"):
                copies[rec["duplicate_of"]] += 1
        if end <= done:
            continue
        first = max(first, done)
        for part in _cut(corpus, records, first, end, config):
            name = f"{config.prefix}-{number:05d}{config.suffix}"
            rows = _rows(corpus, records, part, added, copies, config)
            result.bytes_written += _write_shard(out_dir / name, rows, config)
            shards.append({"name": name, "first": part[0], "end": part[-1] + 1, "rows": len(rows),
                           "added": added})
            result.shards_added.append(name)
            result.rows_added += len(rows)
            number += 1
    if not config.all_records:
        result.bytes_written += _rewrite_superseded(corpus, records, shards, done, blocks, config, out_dir,
                                                    result)
    state["records"] = len(records)
    state["shards"] = shards
    with atomic_open(out_dir / STATE_FILE) as fh:
        fh.write(json.dumps(state, indent=1, ensure_ascii=False) + "\n")
    _remove_strays(out_dir, config, {shard["name"] for shard in shards})
    return result


def _remove_strays(out_dir: Path, config: ExportConfig, names: set[str]) -> None:
    """Shards a killed export wrote that this export did not (there are none otherwise)."""
    for path in out_dir.glob(f"{config.prefix}-*{config.suffix}"):
        if path.name not in names:
            path.unlink()


def _load_state(out_dir: Path, config: ExportConfig) -> dict:
    path = out_dir / STATE_FILE
    if not path.exists():
        # Shards without the state file: an export killed before its end,
        # whose shards are written again (the same names, the same bytes).
        return {"options": config.fingerprint(), "schema": SCHEMA_DOC, "records": 0, "shards": []}
    state = json.loads(path.read_text(encoding="utf-8"))
    if state.get("options") != config.fingerprint():
        raise ExportError(f"{out_dir} was exported with {state.get('options')}; these options "
                          f"({config.fingerprint()}) need another folder")
    return state


def _cut(corpus: _Corpus, records: list[dict], first: int, end: int, config: ExportConfig) -> Iterable[list[int]]:
    """Record numbers of each shard of one block, cut by size (texts read once more when written)."""
    part, size = [], 0
    for i in range(first, end):
        rec = records[i]
        if not config.all_records and rec.get("status") != KEPT:
            continue
        weight = _ROW_OVERHEAD + _text_bytes(corpus, rec)
        if part and size + weight > config.max_shard_bytes:
            yield part
            part, size = [], 0
        part.append(i)
        size += weight
    if part:
        yield part


def _text_bytes(corpus: _Corpus, rec: dict) -> int:
    if rec.get("status") != KEPT or not rec.get("path"):
        return 0
    if isinstance(corpus.clean_dir, Path):
        try:
            return (corpus.clean_dir / rec["path"]).stat().st_size
        except OSError:
            return 0
    return len(corpus.text(rec).encode("utf-8"))


def _rows(corpus: _Corpus, records: list[dict], part: list[int], added: str | None, copies: Counter,
          config: ExportConfig) -> list[dict]:
    rows = []
    for i in part:
        rec = records[i]
        if not config.all_records and rec["id"] in corpus.superseded:
            continue  # a newer version is exported in its place
        text = corpus.text(rec)
        removed = corpus.removed_chars(rec["id"]) if text and rec.get("removed_lines") else None
        rows.append(row_of(rec, text, added, copies.get(rec["id"], 0), removed))
    return rows


def _write_shard(path: Path, rows: list[dict], config: ExportConfig) -> int:
    data = encode_shard(rows, config)
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    path.chmod(0o644)  # shards are for others to read
    return len(data)


def _rewrite_superseded(corpus, records, shards, done, blocks, config, out_dir, result) -> int:
    """Write again the earlier shards holding a document superseded since the last export."""
    if not done:
        return 0
    where = {records[i]["id"]: i for i in range(done)}
    lines = sorted({where[rec["id"]] for rec in records[done:]
                    if rec.get("status") == SUPERSEDED and rec["id"] in where})
    if not lines:
        return 0
    written = 0
    for shard in shards:
        if not any(shard["first"] <= i < shard["end"] for i in lines):
            continue
        if shard["name"] in result.shards_added:
            continue
        block_end = next(end for first, end, _ in blocks if first <= shard["first"] < end)
        copies: Counter = Counter()
        for rec in records[:block_end]:
            if rec.get("status") == DUPLICATE and rec.get("duplicate_of"):
                copies[rec["duplicate_of"]] += 1
        part = [i for i in range(shard["first"], shard["end"]) if records[i].get("status") == KEPT]
        rows = _rows(corpus, records, part, shard.get("added"), copies, config)
        written += _write_shard(out_dir / shard["name"], rows, config)
        shard["rows"] = len(rows)
        result.shards_rewritten.append(shard["name"])
    return written
