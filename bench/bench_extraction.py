#!/usr/bin/env python3
"""Extraction benchmark: trafilatura alone vs extract + strip, and strip on text dumps.

    .venv/bin/python bench/bench_extraction.py [--focus F] [--fast] [--model M.json] [--json OUT]

Reads the benchmark data from ../shared (next to the repository; override
with PIPELINE_SHARED) and exits cleanly when it is not there. Prints F1 /
precision / recall (Scrapinghub word 4-gram metric; the snippet metric for
trafilatura_eval) for every dataset, mode and split, and pages per second of
each step. HTML mode runs the pipeline's own Extract, Strip and Normalize
stages. Held-out pages (one in three, by hash of the id) were never used to
train or tune the strip model. trafilatura output and extra renderings are
cached under PIPELINE_BENCH_CACHE (default /tmp/pipeline-bench-cache).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import strip_data as sd  # noqa: E402
from pipeline.document import HTML, TEXT, Document  # noqa: E402
from pipeline.strip import Strip  # noqa: E402
from pipeline.strip.model import ModelSet  # noqa: E402
from pipeline.strip.score import corpus_score  # noqa: E402

SPLITS = ("all", "tuning", "heldout")


def extractor(options: dict):
    """The pipeline's extract stage when present, else trafilatura called the same way."""
    try:
        from pipeline.extract import Extract, ExtractConfig
    except ImportError:
        return lambda doc: doc.evolve(kind=TEXT, content=sd.extract_text(doc.content, options))
    stage = Extract(ExtractConfig(**{k: v for k, v in options.items() if hasattr(ExtractConfig, k)}))
    return stage.safe_process


def normaliser():
    """The pipeline's normalise stage when present, else whitespace clean-up only."""
    try:
        from pipeline.normalize import Normalize
    except ImportError:
        return lambda doc: doc.evolve(content=light_normalise(doc.text))
    return Normalize().safe_process


def timed_map(fn, docs: list[Document]) -> tuple[list[Document], float]:
    start = time.perf_counter()
    out = [fn(d) for d in docs]
    return out, time.perf_counter() - start


def light_normalise(text: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


def scores_by_split(gold: dict, preds: dict) -> dict:
    out = {}
    for split in SPLITS:
        ids = [i for i in preds if split == "all" or sd.split_name(i) == split]
        out[split] = corpus_score((gold[i]["text"], preds[i]) for i in ids)
    return out


def snippet_score(gold: dict, preds: dict) -> dict:
    tp = fp = fn = 0
    for pid, text in preds.items():
        text = " ".join(text.split())
        for s in gold[pid]["with"]:
            if text and " ".join(s.split()) in text:
                tp += 1
            else:
                fn += 1
        fp += sum(1 for s in gold[pid]["without"] if text and " ".join(s.split()) in text)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"f1": 2 * p * r / (p + r) if p + r else 0.0, "precision": p, "recall": r, "n": len(preds)}


def html_mode(folder: Path, strip: Strip, options: dict, snippets: bool = False) -> dict:
    gold = sd.load_gold(folder)
    pages = sd.html_pages(folder)
    docs = [Document(id=pid, source=f"{pid}.html", kind=HTML, content=html) for pid, html in pages.items()]
    extract = extractor(options)
    extract(docs[0])  # warm-up: imports and caches
    texts, t_extract = timed_map(extract, docs)
    stripped, t_strip = timed_map(strip.safe_process, texts)
    normalised, t_norm = timed_map(normaliser(), stripped)
    alone = {d.id: light_normalise(d.text) for d in texts}
    both = {d.id: light_normalise(d.text) for d in normalised}
    # The reference: trafilatura.extract with its default settings.
    plain = {pid: light_normalise(t) for pid, t in sd.extracted(folder).items()}
    score = (lambda preds: {"all": snippet_score(gold, preds)}) if snippets else (lambda preds: scores_by_split(gold, preds))
    res = {"trafilatura defaults": score(plain), "extract": score(alone), "extract+strip+normalize": score(both)}
    res["pages_per_s"] = {"extract": len(docs) / t_extract, "strip": len(docs) / t_strip,
                          "normalize": len(docs) / t_norm}
    res["strip_share_of_extract_time"] = t_strip / t_extract
    res["strip_normalize_share_of_extract_time"] = (t_strip + t_norm) / t_extract
    return res


def text_mode(strip: Strip) -> dict:
    gold = sd.load_gold(sd.SH_TEXT)
    dumps = sd.text_dumps()
    docs = [Document(id=pid, source=f"{pid}.txt", content=t) for pid, t in dumps.items()]
    stripped, t_strip = timed_map(strip.safe_process, docs)
    res = {
        "keep everything": scores_by_split(gold, dumps),
        "strip": scores_by_split(gold, {d.id: light_normalise(d.text) for d in stripped}),
    }
    res["pages_per_s"] = {"strip": len(docs) / t_strip}
    # The same pages rendered in the other text style (needs inscriptis).
    other = sd.other_style_dumps()
    if other:
        res["strip, other render style"] = scores_by_split(
            gold, {pid: light_normalise(strip.clean(t)[0]) for pid, t in other.items()})
    return res


def table(results: dict) -> str:
    rows = ["| dataset | mode | method | split | F1 | P | R | n |", "|---|---|---|---|---|---|---|---|"]
    for (dataset, mode), res in results.items():
        for method, by_split in res.items():
            if method in ("pages_per_s", "strip_share_of_extract_time", "strip_normalize_share_of_extract_time"):
                continue
            for split, s in by_split.items():
                rows.append(f"| {dataset} | {mode} | {method} | {split} | {s['f1']:.3f} | "
                            f"{s['precision']:.3f} | {s['recall']:.3f} | {s['n']} |")
    rows.append("")
    rows.append("| dataset | mode | step | pages/s |")
    rows.append("|---|---|---|---|")
    for (dataset, mode), res in results.items():
        for step, v in res["pages_per_s"].items():
            rows.append(f"| {dataset} | {mode} | {step} | {v:.1f} |")
        if "strip_share_of_extract_time" in res:
            rows.append(f"| {dataset} | {mode} | strip time / extract time | {res['strip_share_of_extract_time']:.1%} |")
            rows.append(f"| {dataset} | {mode} | (strip + normalize) time / extract time | "
                        f"{res['strip_normalize_share_of_extract_time']:.1%} |")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="write the results here as JSON")
    ap.add_argument("--focus", choices=("precision", "balanced", "recall"), default="balanced",
                    help="trafilatura favor_precision / default settings / favor_recall (extract's default: balanced)")
    ap.add_argument("--fast", action="store_true", help="trafilatura fast=True")
    ap.add_argument("--model", type=Path, help="strip model JSON (default: the shipped one)")
    args = ap.parse_args()
    if not sd.available():
        print(f"benchmark data not found under {sd.DATA}; skipping")
        return 0
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    options = dict(sd.EXTRACT_OPTIONS, favor_precision=args.focus == "precision",
                   favor_recall=args.focus == "recall", fast=args.fast)
    model = ModelSet.from_dict(json.loads(args.model.read_text())) if args.model else None
    strip = Strip(model=model)
    results = {
        ("scrapinghub_aeb", "html"): html_mode(sd.SH_HTML, strip, options),
        ("scrapinghub_aeb_text", "text"): text_mode(strip),
    }
    if sd.TRAF_EVAL.is_dir():
        results[("trafilatura_eval", "html")] = html_mode(sd.TRAF_EVAL, strip, options, snippets=True)
    print(f"trafilatura options: {options}")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps({f"{d}/{m}": r for (d, m), r in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
