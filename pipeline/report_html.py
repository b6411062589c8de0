"""A static HTML report of a clean folder: what the pipeline did, for people.

One self-contained file (styles, script and data inline, no network): runs
over time as small SVG charts, rejections by reason, removed lines by rule,
the largest duplicate groups with the kept text beside each copy and the
differences marked, and a searchable list of documents with a panel per
document showing the text as it came in, the removed lines struck through
with their rule, and the metadata.

Counts and charts cover every record. The document list holds every record
up to ``max_documents``; past that, a sample: within each status, the
records with the smallest ids (ids are hashes, so this is a uniform sample
that stays the same from one report to the next), in proportion to the
status's share. The first ``max_texts`` kept documents of the list carry
their texts. Copies' texts and the texts as they came in are read again
from the raw folder (the last run's, or ``raw_dir``) when it is there.
"""
from __future__ import annotations

import difflib
import html
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from . import manifest, storage
from .config import PipelineConfig
from .document import DUPLICATE, EMPTY, KEPT, REJECTED, Document
from .report import load_reports, reason_kind
from .write import read_audit, read_clean_text

SUPERSEDED = "superseded"
STATUSES = (KEPT, DUPLICATE, REJECTED, EMPTY, SUPERSEDED)
_WORDS_SHOWN = 3000  # words of each side of a duplicate pair


@dataclass(frozen=True)
class ReportConfig:
    max_documents: int = 5000  # records in the document list
    max_texts: int = 300  # of which carry their texts
    duplicate_groups: int = 10  # largest groups shown
    copies_per_group: int = 3  # copies shown beside the kept text, least similar first
    runs: int = 100  # most recent runs charted


def build(clean_dir, state_dir: Path | None = None, raw_dir: Path | None = None,
          config: ReportConfig = ReportConfig()) -> str:
    """The report of ``clean_dir`` as one HTML string."""
    clean = storage.location(clean_dir)
    if state_dir is None and isinstance(clean, Path):
        state_dir = clean / ".state"
    records = manifest.read_manifest(clean)
    runs = load_reports(state_dir, 0) if state_dir is not None else []
    raw = _raw_folder(raw_dir, runs)
    reader = Rereader(raw, _run_config(runs))
    superseded = {rec["id"] for rec in records if rec.get("status") == SUPERSEDED}
    current = _current(records)
    groups = duplicate_groups(records, config)
    listed = sample(current, config.max_documents)
    with_text = [rec for rec in listed if rec["status"] == KEPT][: config.max_texts]
    reader.load([rec for rec in with_text] + [copy for _, copies in groups for copy in copies])
    texts = {rec["id"]: document_text(clean, rec, reader) for rec in with_text}
    data = {
        "docs": [_row(rec) for rec in listed],
        "texts": texts,
        "total": len(current),
    }
    counts = Counter(rec.get("status") for rec in current)
    counts[SUPERSEDED] = len(superseded)
    reasons = Counter(reason_kind(rec["reason"]) for rec in current
                      if rec.get("status") in (REJECTED, EMPTY) and rec.get("reason"))
    rules: Counter = Counter()
    for rec in current:
        rules.update(rec.get("removed_lines") or {})
    body = "\n".join([
        _summary(counts, len(current), len(runs), describe_sample(len(listed), len(current), len(texts))),
        _runs_section(runs[-config.runs:], len(runs)),
        _bars_section("rejections", "Rejected and empty, by reason", reasons, "reason"),
        _bars_section("rules", "Removed lines, by rule", rules, "rule"),
        _groups_section(clean, groups, reader),
        _documents_section(rules, reasons),
    ])
    return _page(body, data)


# -- data ----------------------------------------------------------------------
def _current(records: list[dict]) -> list[dict]:
    """One record per id: the latest (a superseded record replaces the kept one)."""
    latest: dict[str, dict] = {}
    for rec in records:
        latest[rec["id"]] = rec
    return list(latest.values())


def duplicate_groups(records: list[dict], config: ReportConfig) -> list[tuple[dict, list[dict]]]:
    """The largest groups: (kept record, its copies shown, least similar first)."""
    by_id: dict[str, dict] = {}
    for rec in records:  # the first record: a superseded document's has its path
        by_id.setdefault(rec["id"], rec)
    copies: dict[str, list[dict]] = defaultdict(list)
    for rec in records:
        if rec.get("status") == DUPLICATE and rec.get("duplicate_of") in by_id:
            copies[rec["duplicate_of"]].append(rec)
    largest = sorted(copies, key=lambda k: (-len(copies[k]), k))[: config.duplicate_groups]
    out = []
    for kept in largest:
        members = sorted(copies[kept], key=lambda r: (r.get("similarity") or 0, r["id"]))
        out.append((dict(by_id[kept], copies=len(members)), members[: config.copies_per_group]))
    return out


def sample(records: list[dict], limit: int) -> list[dict]:
    """Every record up to ``limit``; past it, the smallest ids of each status, in proportion."""
    if len(records) <= limit:
        return records
    by_status: dict[str, list[dict]] = defaultdict(list)
    for rec in records:
        by_status[rec.get("status")].append(rec)
    chosen = set()
    for status, members in by_status.items():
        quota = max(min(50, len(members)), round(limit * len(members) / len(records)))
        chosen.update(rec["id"] for rec in sorted(members, key=lambda r: r["id"])[:quota])
    return [rec for rec in records if rec["id"] in chosen]


def describe_sample(listed: int, total: int, texts: int) -> str:
    if listed == total:
        return f"The document list holds all {total:,} records; {texts:,} kept documents carry their texts."
    return (f"The document list holds a sample of {listed:,} of {total:,} records (within each status, the "
            f"smallest ids, in proportion); {texts:,} kept documents carry their texts. Counts and charts "
            f"cover every record.")


def _row(rec: dict) -> list:
    return [rec["id"], rec.get("source", ""), rec.get("status", ""), rec.get("title") or "",
            sorted(rec.get("removed_lines") or {}), rec.get("reason") or rec.get("duplicate_of")
            or rec.get("superseded_by") or ""]


def _raw_folder(raw_dir, runs: list[dict]) -> Path | None:
    if raw_dir is not None:
        return Path(raw_dir)
    for data in reversed(runs):
        folder = data.get("raw_dir")
        if folder and not storage.is_url(folder) and Path(folder).is_dir():
            return Path(folder)
    return None


def _run_config(runs: list[dict]) -> PipelineConfig:
    """The configuration of the last run, so that texts are read again as it read them."""
    from . import settings

    for data in reversed(runs):
        if data.get("config"):
            try:
                return settings.apply(PipelineConfig(), data["config"], origin="run report")
            except settings.ConfigError:
                break
    return PipelineConfig()


class Rereader:
    """Documents read again from the raw folder: as extracted, and as cleaned."""

    def __init__(self, raw: Path | None, config: PipelineConfig):
        self.raw, self.config = raw, config
        self.docs: dict[str, Document] = {}

    def load(self, records: list[dict]) -> None:
        if self.raw is None:
            return
        from .document import content_id
        from .sources import read_input

        wanted: dict[str, set] = defaultdict(set)
        for rec in records:
            wanted[rec.get("source", "")].add(rec["id"])
        for source, ids in wanted.items():
            path = self.raw / source
            if not path.is_file():
                continue
            try:
                for doc in read_input(self.raw, path, self.config.read):
                    # A repeated record got an id of its own when it was recorded.
                    unique = content_id(f"{doc.id}:{doc.source}:{doc.offset}".encode())
                    for key in (doc.id, unique):
                        if key in ids:
                            self.docs[key] = doc
            except (OSError, ValueError):
                continue

    def extracted(self, doc_id: str) -> str | None:
        """The text as extract gave it to strip."""
        doc = self.docs.get(doc_id)
        if doc is None:
            return None
        from .extract import Extract

        out = next(iter(Extract(self.config.extract)([doc])))
        return out.text if out.pending else None

    def cleaned(self, doc_id: str) -> str | None:
        """The text the copy would have had if kept (extract, strip, normalize)."""
        doc = self.docs.get(doc_id)
        if doc is None:
            return None
        from .runner import document_stages

        docs = iter([doc])
        for stage in document_stages(self.config):
            docs = stage(docs)
        out = next(docs)
        return out.text if out.pending else None


def audit(clean, doc_id: str) -> list[tuple[str, str]]:
    return [(item["line"], item["rule"]) for item in read_audit(clean, doc_id) or []]


def document_text(clean, rec: dict, reader: Rereader) -> dict:
    """What the panel shows: the lines as they came in, each with the rule that
    removed it or None; without the raw file, the kept text and the removed
    lines apart."""
    removed = audit(clean, rec["id"]) if rec.get("removed_lines") else []
    incoming = reader.extracted(rec["id"])
    if incoming is not None:
        lines, j = [], 0
        for line in incoming.split("\n"):
            text = line.strip()
            if not text:
                continue
            if j < len(removed) and removed[j][0] == text:
                lines.append([text, removed[j][1]])
                j += 1
            else:
                lines.append([text, None])
        if j == len(removed):  # every removal found in place
            return {"lines": lines}
    kept = (read_clean_text(clean, rec) or "") if rec.get("path") else ""
    return {"lines": [[p, None] for p in kept.split("\n") if p.strip()],
            "removed": [list(r) for r in removed]}


# -- rendering -----------------------------------------------------------------
def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _summary(counts: Counter, total: int, runs: int, note: str) -> str:
    cards = [("records", total)] + [(s, counts.get(s, 0)) for s in STATUSES] + [("runs", runs)]
    items = "".join(f'<div class="card" data-count="{_e(k)}"><b>{v:,}</b><span>{_e(k)}</span></div>'
                    for k, v in cards)
    return f'<section id="summary"><h2>Summary</h2><div class="cards">{items}</div><p class="note">{_e(note)}</p></section>'


def _runs_section(runs: list[dict], total: int) -> str:
    if not runs:
        return '<section id="runs"><h2>Runs</h2><p class="note">No run reports in the state folder.</p></section>'
    series = [
        ("inputs (new + changed)", lambda d: d["inputs"]["new"] + d["inputs"]["changed"]),
        ("kept", lambda d: d["documents"]["kept"]),
        ("duplicates", lambda d: d["documents"]["duplicate"]),
        ("rejected + empty", lambda d: d["documents"]["rejected"] + d["documents"]["empty"]),
        ("documents / s", lambda d: d.get("documents_per_second") or 0),
    ]
    charts = "".join(_chart(name, [(d["started"], fn(d)) for d in runs]) for name, fn in series)
    shown = f"the last {len(runs)} of {total} runs" if total > len(runs) else f"{total} runs"
    return (f'<section id="runs"><h2>Runs over time</h2><p class="note">{_e(shown)}, oldest left; '
            f'hover a bar for its run.</p><div class="charts">{charts}</div></section>')


def _chart(name: str, points: list[tuple[str, float]], width: int = 260, height: int = 70) -> str:
    top = max((v for _, v in points), default=0) or 1
    step = width / max(len(points), 1)
    bars = []
    for i, (when, value) in enumerate(points):
        h = 0 if not value else max(1.0, (height - 14) * value / top)
        bars.append(f'<rect x="{i * step + step * 0.1:.1f}" y="{height - h:.1f}" width="{max(step * 0.8, 0.5):.1f}" '
                    f'height="{h:.1f}"><title>{_e(when)}: {_e(_num(value))}</title></rect>')
    return (f'<figure class="chart"><svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="{_e(name)}">{"".join(bars)}</svg><figcaption>{_e(name)} '
            f'<span>max {_e(_num(top))}, last {_e(_num(points[-1][1]))}</span></figcaption></figure>')


def _num(value: float) -> str:
    return f"{value:,.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"


def _bars_section(key: str, title: str, counts: Counter, label: str) -> str:
    if not counts:
        return f'<section id="{key}"><h2>{_e(title)}</h2><p class="note">None.</p></section>'
    top = max(counts.values())
    rows = "".join(
        f'<tr data-{label}="{_e(name)}"><td>{_e(name)}</td><td class="n">{n:,}</td>'
        f'<td class="bar"><span style="width:{100 * n / top:.1f}%"></span></td></tr>'
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return (f'<section id="{key}"><h2>{_e(title)}</h2><table class="bars"><thead><tr><th>{_e(label)}</th>'
            f'<th>count</th><th></th></tr></thead><tbody>{rows}</tbody></table></section>')


def _groups_section(clean, groups, reader: Rereader) -> str:
    if not groups:
        return '<section id="duplicates"><h2>Largest duplicate groups</h2><p class="note">No duplicates.</p></section>'
    parts = []
    for kept, copies in groups:
        kept_text = (read_clean_text(clean, kept) or "") if kept.get("path") else ""
        pairs = []
        for copy in copies:
            text = reader.cleaned(copy["id"])
            if text is None:
                right = '<p class="note">The copy\'s text is not available (its raw file was not found).</p>'
                left = _e(kept_text)
            else:
                left, right = diff_marked(kept_text, text)
            pairs.append(
                f'<div class="pair" data-copy="{_e(copy["id"])}"><div class="side kept"><h4>kept '
                f'<code>{_e(kept["id"])}</code></h4><div class="text">{left}</div></div><div class="side copy">'
                f'<h4>copy <code>{_e(copy["id"])}</code> from {_e(copy.get("source", ""))}, similarity '
                f'{_e(copy.get("similarity"))}</h4><div class="text">{right}</div></div></div>')
        title = kept.get("title") or kept.get("source", "")
        parts.append(f'<div class="group" data-kept="{_e(kept["id"])}" data-copies="{kept["copies"]}"><h3>'
                     f'{_e(title)}: {kept["copies"]} {"copy" if kept["copies"] == 1 else "copies"}</h3>{"".join(pairs)}</div>')
    return ('<section id="duplicates"><h2>Largest duplicate groups</h2><p class="note">Words only in the kept '
            'text are marked <del class="diff">so</del>, words only in the copy <ins class="diff">so</ins>; '
            f'the least similar copies first.</p>{"".join(parts)}</section>')


_TOKEN = re.compile(r"\n\s*\n|\S+")


def diff_marked(left: str, right: str) -> tuple[str, str]:
    """Both texts as HTML, the words each has that the other lacks marked."""
    a = _TOKEN.findall(left)[:_WORDS_SHOWN]
    b = _TOKEN.findall(right)[:_WORDS_SHOWN]
    out_a, out_b = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out_a.append(_words(a[i1:i2]))
            out_b.append(_words(b[j1:j2]))
            continue
        if i2 > i1:
            out_a.append(f'<del class="diff">{_words(a[i1:i2])}</del>')
        if j2 > j1:
            out_b.append(f'<ins class="diff">{_words(b[j1:j2])}</ins>')
    return _paragraphs(" ".join(out_a)), _paragraphs(" ".join(out_b))


def _paragraphs(marked: str) -> str:
    return re.sub(r" ?\n\n ?", "\n\n", marked)


def _words(tokens: list[str]) -> str:
    return " ".join("\n\n" if t.startswith("\n") else _e(t) for t in tokens)


def _documents_section(rules: Counter, reasons: Counter) -> str:
    status = "".join(f'<option value="{s}">{s}</option>' for s in STATUSES)
    rule = "".join(f'<option value="{_e(r)}">{_e(r)}</option>' for r in sorted(rules))
    return (
        '<section id="documents"><h2>Documents</h2><div class="filters">'
        '<input id="q" type="search" placeholder="source, title or id" aria-label="search">'
        f'<select id="status" aria-label="status"><option value="">any status</option>{status}</select>'
        f'<select id="rule" aria-label="rule"><option value="">any rule</option>{rule}</select>'
        '<span id="shown"></span></div><table id="doclist"><thead><tr><th>id</th><th>source</th><th>status</th>'
        '<th>title</th><th>removed by</th><th>reason / of</th></tr></thead><tbody></tbody></table>'
        '<div id="pager"><button id="prev">&larr;</button> <span id="page"></span> <button id="next">&rarr;'
        '</button></div><div id="panel" hidden></div></section>')


def _page(body: str, data: dict) -> str:
    assets = resources.files("pipeline") / "data"
    css = (assets / "report.css").read_text(encoding="utf-8")
    js = (assets / "report.js").read_text(encoding="utf-8")
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
        'script-src \'unsafe-inline\'">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>pipeline report</title>'
        f'<style>{css}</style></head><body><header><h1>Clean corpus report</h1></header><main>{body}</main>'
        f'<script type="application/json" id="report-data">{payload}</script><script>{js}</script></body></html>\n')


def write(clean_dir, out: Path, **options) -> int:
    """Write the report to ``out``; return its size in bytes."""
    from .atomic import atomic_write_text

    text = build(clean_dir, **options)
    atomic_write_text(Path(out), text)
    Path(out).chmod(0o644)
    return len(text.encode("utf-8"))
