#!/usr/bin/env python3
"""WCXB benchmark: the pipeline's HTML mode against trafilatura on many page types.

    .venv/bin/python bench/bench_wcxb.py [--limit N] [--json OUT] [--no-cv] [--no-sh]

Reads ../shared/data/wcxb_dev (1,497 pages of 7 types, gold main text,
`with`/`without` snippets, title/author/date) and scores, with the WCXB
metric of ../shared/bench/score_wcxb.py (mean per page of bag-of-words F1):

* the pipeline (extract + strip + normalize, shipped settings) and its
  candidate variants, beside trafilatura 2.x `extract()` with its defaults
  and with include_comments=False, overall and per page type, with the
  `with`/`without` snippet rates and title/author/date exact-match rates;
* scrapinghub_aeb (Scrapinghub word 4-gram metric) for the same variants;
* grouped cross-validation over wcxb_dev + scrapinghub_aeb: folds by domain,
  and one "choose on the other dataset, score this one" row per dataset. What
  is chosen is the variant (the settings of extract and strip): on each fold
  the variant with the best mean F1 on the other folds is scored.

trafilatura's outputs and the pipeline's extract outputs are cached under
bench/out/wcxb/ (gitignored), keyed by settings and by the source of the
extract modules, so a rerun after a change to strip only re-runs strip.
Exits 0 with a message when the data is absent.
"""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import importlib.util
import json
import logging
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.document import HTML, Document  # noqa: E402
from pipeline.extract import Extract, ExtractConfig  # noqa: E402
from pipeline.normalize import Normalize  # noqa: E402
from pipeline.strip import Strip, StripConfig  # noqa: E402

SHARED = Path(os.environ.get("PIPELINE_SHARED", REPO.parent / "shared"))
WCXB = SHARED / "data" / "wcxb_dev"
SH = SHARED / "data" / "scrapinghub_aeb"
CACHE = REPO / "bench" / "out" / "wcxb"
FOLDS = 5
TYPES = ("article", "collection", "documentation", "forum", "listing", "product", "service")

# The variants the pipeline can run as: (extract settings, strip settings).
# "shipped" is the default configuration; cross-validation chooses among all.
VARIANTS = {
    "shipped": (ExtractConfig(), StripConfig()),
    "no strip": (ExtractConfig(), None),
    "no block model": (ExtractConfig(block_model=False), StripConfig()),
    "line model on HTML": (ExtractConfig(), StripConfig(model_on_html=True)),
    "no sibling chunks": (ExtractConfig(sibling_chunks=False), StripConfig()),
    "no whole-page rescue": (ExtractConfig(rescue_words=0), StripConfig()),
    "precision + line model (before)": (ExtractConfig(favor_precision=True), StripConfig(model_on_html=True)),
}


def _load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_rows(folder: Path) -> list[dict]:
    with open(folder / "gold.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_page(folder: Path, pid: str) -> str:
    gz = folder / "html" / f"{pid}.html.gz"
    if gz.exists():
        with gzip.open(gz, "rt", encoding="utf-8", errors="replace") as f:
            return f.read()
    return (folder / "html" / f"{pid}.html").read_text(encoding="utf-8", errors="replace")


def domain_of(row: dict) -> str:
    if row.get("domain"):
        return row["domain"]
    host = (row.get("url") or "").split("//")[-1].split("/")[0].lower()
    return host[4:] if host.startswith("www.") else host


def fold_of(domain: str) -> int:
    return int(hashlib.sha1(domain.encode()).hexdigest(), 16) % FOLDS


# -- outputs ----------------------------------------------------------------

def _cached(path: Path, ids: list[str], compute_one) -> dict:
    """{id: compute_one(id)} for ``ids``, kept in ``path`` page by page, so
    a short run (--limit) warms the cache of a full one."""
    have = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    missing = [i for i in ids if i not in have]
    for n, pid in enumerate(missing, 1):
        have[pid] = compute_one(pid)
        if n % 200 == 0 or n == len(missing):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(have), encoding="utf-8")
            tmp.replace(path)
    return {i: have[i] for i in ids}


def trafilatura_outputs(folder: Path, rows: list[dict], setting: str) -> dict:
    """{id: {"text", "title", "author", "date"}} of trafilatura.extract with
    its defaults (text and comments, as extract() prints them, and its
    metadata) or with include_comments=False."""
    import trafilatura

    def one(pid):
        html = read_page(folder, pid)
        if setting == "no_comments":
            return {"text": trafilatura.extract(html, include_comments=False) or ""}
        out = trafilatura.extract(html, output_format="json", with_metadata=True)
        data = json.loads(out) if out else {}
        text = "\n".join(filter(None, (data.get("text"), data.get("comments"))))
        return {"text": text, **{k: data.get(k) for k in ("title", "author", "date")}}

    name = f"trafilatura-{trafilatura.__version__}-{folder.name}-{setting}.json"
    return _cached(CACHE / name, [r["id"] for r in rows], one)


def _read_sources(modules) -> bytes:
    return b"".join((REPO / "pipeline" / m).read_bytes() for m in modules
                    if (REPO / "pipeline" / m).exists())


# Read when the modules are imported, so that the key matches the code that runs.
EXTRACT_MODULES = ("extract.py", "hints.py", "pagemeta.py", "fallback.py")
# What the block model's output depends on: keyed only where it runs, so a
# retrained model does not re-extract the pages it was trained on.
BLOCK_MODULES = ("blocks.py", "blockmodel.py", "data/blocks.json")
_SOURCES = _read_sources(EXTRACT_MODULES)
_BLOCK_SOURCES = _read_sources(BLOCK_MODULES)


def _source_key(*parts) -> str:
    import trafilatura

    h = hashlib.sha1(_SOURCES)
    h.update(trafilatura.__version__.encode())
    for p in parts:
        h.update(repr(p).encode())
        if getattr(p, "block_model", False):
            h.update(_BLOCK_SOURCES)
    return h.hexdigest()[:12]


def extracted(folder: Path, rows: list[dict], config: ExtractConfig) -> tuple[list[Document], float]:
    """The extract stage's records for every page (cached), and seconds per
    page of the pages extracted in this run (None when all were cached)."""
    stage = Extract(config)
    spent = [0.0, 0]

    def one(pid):
        html = read_page(folder, pid)
        start = time.perf_counter()
        doc = stage.safe_process(Document(id=pid, source=f"{pid}.html", kind=HTML, content=html))
        spent[0] += time.perf_counter() - start
        spent[1] += 1
        return doc.to_dict()

    data = _cached(CACHE / f"extract-{folder.name}-{_source_key(config)}.json", [r["id"] for r in rows], one)
    return [Document.from_dict(d) for d in data.values()], (spent[0] / spent[1] if spent[1] else None)


def pipeline_outputs(docs: list[Document], config: StripConfig | None) -> dict:
    """Strip (unless ``config`` is None) and normalize after extract."""
    strip, norm = (Strip(config) if config is not None else None), Normalize()
    out = {}
    for doc in docs:
        done = norm.safe_process(strip.safe_process(doc) if strip is not None else doc)
        rec = {"text": done.text if done.pending or done.status == "kept" else ""}
        rec.update({k: doc.meta.get(k) for k in ("title", "author", "date")})
        if "quality" in done.meta:
            rec["quality"] = done.meta["quality"]
        out[doc.id] = rec
    return out


# -- scores ----------------------------------------------------------------

def page_scores(scorer, rows: list[dict], preds: dict) -> dict:
    """Per page: p, r, f1, with/without shares, metadata hits."""
    out = {}
    for row in rows:
        pred = preds.get(row["id"], {})
        text = pred.get("text") or ""
        p, r, f = scorer.f1(text, row.get("text") or "")
        rec = {"p": p, "r": r, "f1": f, "w": scorer.snip(text, row.get("with")),
               "wo": scorer.snip(text, row.get("without"))}
        for key in ("title", "author", "date"):
            gold = row.get(key)
            if gold:
                got = pred.get(key) or ""
                if key == "date":
                    rec[key] = str(got)[:10] == str(gold)[:10]
                else:
                    rec[key] = " ".join(scorer.toks(got)) == " ".join(scorer.toks(gold))
        out[row["id"]] = rec
    return out


def aggregate(scores: list[dict]) -> dict:
    n = max(len(scores), 1)
    res = {"n": len(scores)}
    for k in ("f1", "p", "r"):
        res[k] = sum(s[k] for s in scores) / n
    for k in ("w", "wo"):
        vals = [s[k] for s in scores if s.get(k) is not None]
        res[k] = sum(vals) / max(len(vals), 1)
    for k in ("title", "author", "date"):
        vals = [s[k] for s in scores if k in s]
        res[k] = sum(vals) / max(len(vals), 1) if vals else None
    return res


def sh_scores(scorer, rows: list[dict], preds: dict) -> dict:
    """Per page Scrapinghub counts (word 4-grams): tp, fp, fn."""
    out = {}
    for row in rows:
        text = (preds.get(row["id"]) or {}).get("text") or ""
        out[row["id"]] = scorer.page_counts(row["text"], text)
    return out


def sh_aggregate(counts: list[tuple]) -> dict:
    """The Scrapinghub metric as bench_extraction.py computes it: precision
    averaged over pages with output, recall over pages with gold text."""
    ps = [tp / (tp + fp) for tp, fp, fn in counts if tp + fp]
    rs = [tp / (tp + fn) for tp, fp, fn in counts if tp + fn]
    p = sum(ps) / max(len(ps), 1)
    r = sum(rs) / max(len(rs), 1)
    return {"n": len(counts), "f1": 2 * p * r / (p + r) if p + r else 0.0, "p": p, "r": r}


# -- cross-validation --------------------------------------------------------

def cross_validate(wc_rows, wc_scores, sh_rows, sh_counts, baseline_wc, baseline_sh) -> list[str]:
    """Grouped CV over the variants: folds by domain over both datasets, then
    one dataset against the other. Each side's figure is its own metric."""
    names = list(wc_scores)
    wc_fold = {r["id"]: fold_of(domain_of(r)) for r in wc_rows}
    sh_fold = {r["id"]: fold_of(domain_of(r)) for r in sh_rows}

    def wc_mean(name, ids):
        return sum(wc_scores[name][i]["f1"] for i in ids) / max(len(ids), 1)

    def sh_mean(name, ids):
        return sh_aggregate([sh_counts[name][i] for i in ids])["f1"] if ids else 0.0

    def choose(wc_ids, sh_ids):
        # Mean of the two datasets' figures, each weighted alike.
        def value(name):
            parts = ([wc_mean(name, wc_ids)] if wc_ids else []) + ([sh_mean(name, sh_ids)] if sh_ids else [])
            return sum(parts) / len(parts)
        return max(names, key=value)

    lines = ["| held out | chosen on the rest | wcxb F1 (traf. no comments) | scrapinghub F1 (traf. no comments) |",
             "|---|---|---|---|"]
    wc_all, sh_all = [], []
    for k in range(FOLDS):
        wc_in = [i for i, f in wc_fold.items() if f == k]
        sh_in = [i for i, f in sh_fold.items() if f == k]
        pick = choose([i for i, f in wc_fold.items() if f != k], [i for i, f in sh_fold.items() if f != k])
        wc_all += [wc_scores[pick][i]["f1"] for i in wc_in]
        sh_all += [sh_counts[pick][i] for i in sh_in]
        lines.append(f"| domain fold {k} ({len(wc_in)}+{len(sh_in)} pages) | {pick} | "
                     f"{wc_mean(pick, wc_in):.3f} ({_mean(baseline_wc, wc_in):.3f}) | "
                     f"{sh_mean(pick, sh_in):.3f} ({sh_aggregate([baseline_sh[i] for i in sh_in])['f1']:.3f}) |")
    lines.append(f"| all domain folds | - | {sum(wc_all) / max(len(wc_all), 1):.3f} "
                 f"({_mean(baseline_wc, list(wc_fold)):.3f}) | {sh_aggregate(sh_all)['f1']:.3f} "
                 f"({sh_aggregate(list(baseline_sh.values()))['f1']:.3f}) |")
    pick = choose([], list(sh_fold))
    lines.append(f"| wcxb_dev (chosen on scrapinghub_aeb) | {pick} | {wc_mean(pick, list(wc_fold)):.3f} "
                 f"({_mean(baseline_wc, list(wc_fold)):.3f}) | - |")
    pick = choose(list(wc_fold), [])
    lines.append(f"| scrapinghub_aeb (chosen on wcxb_dev) | {pick} | - | {sh_mean(pick, list(sh_fold)):.3f} "
                 f"({sh_aggregate(list(baseline_sh.values()))['f1']:.3f}) |")
    return lines


def _mean(scores: dict, ids) -> float:
    ids = list(ids)
    return sum(scores[i]["f1"] for i in ids) / max(len(ids), 1)


# -- report ----------------------------------------------------------------

def _fmt(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def wcxb_table(results: dict, rows: list[dict]) -> list[str]:
    by_type = defaultdict(list)
    for r in rows:
        by_type[r["page_type"]].append(r["id"])
    out = ["| method | pages | F1 | P | R | with | without | title | author | date |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for name, scores in results.items():
        a = aggregate(list(scores.values()))
        out.append(f"| {name} | {a['n']} | {a['f1']:.3f} | {a['p']:.3f} | {a['r']:.3f} | {a['w']:.3f} | "
                   f"{a['wo']:.3f} | {_fmt(a['title'])} | {_fmt(a['author'])} | {_fmt(a['date'])} |")
    out += ["", "| page type | pages | " + " | ".join(results) + " |",
            "|---|---|" + "---|" * len(results)]
    for t in sorted(by_type):
        cells = []
        for scores in results.values():
            a = aggregate([scores[i] for i in by_type[t]])
            cells.append(f"{a['f1']:.3f} (P {a['p']:.3f} R {a['r']:.3f}, without {a['wo']:.3f})")
        out.append(f"| {t} | {len(by_type[t])} | " + " | ".join(cells) + " |")
    return out


def quality_bands(results: dict, preds: dict, bands=(0.2, 0.5, 0.8, 0.9)) -> list[str]:
    """Mean F1 of the pages in each band of extract's quality estimate."""
    edges = (0.0,) + bands + (1.01,)
    out = ["| quality | pages | F1 |", "|---|---|---|"]
    for lo, hi in zip(edges, edges[1:]):
        ids = [i for i, p in preds.items() if p.get("quality") is not None and lo <= p["quality"] < hi]
        if ids:
            out.append(f"| {lo:.1f} to {min(hi, 1.0):.1f} | {len(ids)} | "
                       f"{sum(results[i]['f1'] for i in ids) / len(ids):.3f} |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages of wcxb_dev (quick runs)")
    cheap = [n for n, (e, _) in VARIANTS.items() if e == VARIANTS["shipped"][0]]
    ap.add_argument("--variants", default=",".join(cheap),
                    help=f"comma-separated, of: {', '.join(VARIANTS)} (default: those that share "
                         "the shipped extract settings, one extract pass)")
    ap.add_argument("--no-sh", action="store_true", help="leave out scrapinghub_aeb (and cross-validation)")
    ap.add_argument("--json", type=Path, help="write per-method aggregates here")
    args = ap.parse_args()
    if not (WCXB / "gold.jsonl").exists() or not (SHARED / "bench" / "score_wcxb.py").exists():
        print(f"WCXB data not found under {WCXB}; skipping")
        return 0
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    scorer = _load_module("score_wcxb", SHARED / "bench" / "score_wcxb.py")
    variants = {n: VARIANTS[n] for n in args.variants.split(",") if n}
    wc_rows = load_rows(WCXB)
    if args.limit:
        wc_rows = wc_rows[:args.limit]
    use_sh = not args.no_sh and (SH / "gold.jsonl").exists()
    sh_rows = load_rows(SH) if use_sh else []
    if use_sh:
        from pipeline.strip.score import page_counts
        sh_scorer = type("SH", (), {"page_counts": staticmethod(page_counts)})

    results, sh_results, speed, shipped_preds = {}, {}, {}, {}
    for setting in ("defaults", "no_comments"):
        name = f"trafilatura {'defaults' if setting == 'defaults' else 'include_comments=False'}"
        results[name] = page_scores(scorer, wc_rows, trafilatura_outputs(WCXB, wc_rows, setting))
        if use_sh:
            sh_results[name] = sh_scores(sh_scorer, sh_rows, trafilatura_outputs(SH, sh_rows, setting))
    for name, (econf, sconf) in variants.items():
        docs, per_page = extracted(WCXB, wc_rows, econf)
        speed[name] = per_page
        preds = pipeline_outputs(docs, sconf)
        results[f"pipeline: {name}"] = page_scores(scorer, wc_rows, preds)
        if name == "shipped":
            shipped_preds = preds
        if use_sh:
            sh_docs, _ = extracted(SH, sh_rows, econf)
            sh_results[f"pipeline: {name}"] = sh_scores(sh_scorer, sh_rows, pipeline_outputs(sh_docs, sconf))

    print(f"## wcxb_dev HTML ({len(wc_rows)} pages; WCXB metric, mean per page of word F1)\n")
    print("\n".join(wcxb_table(results, wc_rows)))
    bands = quality_bands(results.get("pipeline: shipped", {}), shipped_preds)
    if len(bands) > 2:
        print("\n## wcxb_dev F1 by extract's quality estimate (shipped)\n")
        print("\n".join(bands))
    if use_sh:
        print(f"\n## scrapinghub_aeb HTML ({len(sh_rows)} pages; Scrapinghub word 4-gram metric)\n")
        print("| method | F1 | P | R |\n|---|---|---|---|")
        for name, counts in sh_results.items():
            a = sh_aggregate(list(counts.values()))
            print(f"| {name} | {a['f1']:.3f} | {a['p']:.3f} | {a['r']:.3f} |")
        print("\n## grouped cross-validation (variant chosen on the other folds)\n")
        pipe = {k[len("pipeline: "):]: v for k, v in results.items() if k.startswith("pipeline: ")}
        pipe_sh = {k[len("pipeline: "):]: v for k, v in sh_results.items() if k.startswith("pipeline: ")}
        print("\n".join(cross_validate(wc_rows, pipe, sh_rows, pipe_sh,
                                       results["trafilatura include_comments=False"],
                                       sh_results["trafilatura include_comments=False"])))
    print("\nextract seconds per page (pages not cached): " +
          ", ".join(f"{k} {v:.3f}" for k, v in speed.items() if v is not None))
    if args.json:
        summary = {"wcxb_dev": {k: aggregate(list(v.values())) for k, v in results.items()},
                   "scrapinghub_aeb": {k: sh_aggregate(list(v.values())) for k, v in sh_results.items()}}
        args.json.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
