#!/usr/bin/env python3
"""Train the block model (pipeline/blockmodel.py) and report grouped cross-validation.

    .venv/bin/python bench/train_blocks.py [--no-write] [--rows N]

Pages: ../shared/data/wcxb_dev (1,497, 7 page types) and scrapinghub_aeb
(181 articles). Every block of a page is labelled content when the gold text
holds it (half its trigrams, or all of a short block). The extractor's text
comes from the extract stage with the block model off, as in the pipeline.

Cross-validation: five folds grouped by domain over both sets (a page is
never scored by a model that saw its domain), the thresholds of the merge
chosen on the other folds, one pair per kind of page (one that calls itself
an article, a product, any other); then one row per dataset trained on the
other only. As in the pipeline, pages that call themselves articles keep
the extractor's text; rows show the model on them too (its pair chosen as
the one whose smaller gain of the two sets over the extractor alone is
largest: adds that help wcxb_dev articles cost scrapinghub_aeb ones) and
the earlier scheme (declared products left to the extractor as well, one
pair for the rest). The shipped model is trained on
all pages with the thresholds chosen over the folds, and written to
pipeline/data/blocks.json.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import inspect
import json
import pickle
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import bench_wcxb as W  # noqa: E402
from pipeline.blockmodel import (EXTRACTED, FEATURES, KEEP_WORDS, KINDS_OF_PAGE, Reference,  # noqa: E402
                                 features, kind_of_page, merge, tokens)
from pipeline.blocks import page_blocks  # noqa: E402
from pipeline.pagemeta import declares_article, declares_product  # noqa: E402
from pipeline.strip.score import page_counts  # noqa: E402
from pipeline.strip.trees import fit_trees  # noqa: E402

MODEL = REPO / "pipeline" / "data" / "blocks.json"
ARTICLE = FEATURES.index("page declares article")
# add at 1.1: never add; drop below -1: never drop.
GRID = [(a, d) for a in (0.5, 0.6, 0.7, 0.8, 0.9, 1.1) for d in (-1.0, 0.1, 0.2, 0.3, 0.4, 0.5)]
TREES = dict(n_trees=100, depth=5, rate=0.1)
scorer = None  # WCXB's scorer, loaded by main()


def pages(folder: Path, dataset: str) -> list[dict]:
    """Per page: blocks' texts, features, labels and weights, cached."""
    from trafilatura.utils import load_html

    rows = W.load_rows(folder)
    config = dataclasses.replace(W.ExtractConfig(), block_model=False)
    docs, _ = W.extracted(folder, rows, config)
    text = {d.id: d.text if (d.pending or d.status == "kept") else "" for d in docs}
    # Keyed by what the features depend on, not by the merge or the model.
    sources = ((REPO / "pipeline" / "blocks.py").read_text() + inspect.getsource(features) + repr(FEATURES)
               + inspect.getsource(declares_product))
    key = hashlib.sha1((sources + W._source_key(config)).encode()).hexdigest()[:12]
    cache = W.CACHE / f"blocks-{dataset}-{key}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    out = []
    for row in rows:
        tree = load_html(W.read_page(folder, row["id"]))
        blocks = page_blocks(tree)
        extracted = text.get(row["id"], "")
        x = features(blocks, extracted, tree is not None and declares_article(tree))
        gold = Reference(row.get("text") or "")
        out.append({
            "id": row["id"], "set": dataset, "type": row.get("page_type", "article"),
            "domain": W.domain_of(row), "gold": row.get("text") or "", "extracted": extracted,
            "product": tree is not None and declares_product(tree),
            "texts": [b.text for b in blocks], "x": x,
            "y": np.array([gold.share(tokens(b.text)) >= 0.5 for b in blocks], float),
            "words": np.array([b.words for b in blocks], float),
        })
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(out))
    return out


def fit(train: list[dict], rows: int, seed: int = 0):
    """Trees on the blocks of ``train``: each page weighs the same, each
    block by its words; rows drawn by weight keep training cheap."""
    train = [p for p in train if len(p["y"])]
    x = np.vstack([p["x"] for p in train])
    y = np.concatenate([p["y"] for p in train])
    w = np.concatenate([p["words"] / max(p["words"].sum(), 1) + 0.02 / len(p["y"]) for p in train])
    if len(y) > rows:
        pick = np.random.default_rng(seed).choice(len(y), rows, replace=True, p=w / w.sum())
        x, y, w = x[pick], y[pick], np.ones(rows)
    return fit_trees(x, y, w, seed=seed, **TREES)


class _Blocks:  # what merge() needs of a block
    def __init__(self, text, words):
        self.text, self.words = text, words


def output(page: dict, scores: np.ndarray | None, add_at: float, drop_below: float) -> str:
    if scores is None or not len(page["texts"]):
        return page["extracted"]
    paragraphs = [p for p in page["extracted"].split("\n\n") if p.strip()]
    blocks = [_Blocks(t, w) for t, w in zip(page["texts"], page["words"])]
    return "\n\n".join(merge(paragraphs, blocks, scores, page["x"][:, EXTRACTED], add_at, drop_below))


def _parts(page: dict) -> dict:
    """What a page's merged output is made of, as bags of words: the
    extractor's paragraphs (with the block each one is) and the blocks it
    left out. Bag-of-words F1 adds up over parts, so a threshold's score
    needs no merge."""
    if "_parts" not in page:
        at = {}
        for i, t in enumerate(page["texts"]):
            at.setdefault(" ".join(tokens(t)), i)
        paragraphs = [p for p in page["extracted"].split("\n\n") if p.strip()]
        para = [(at.get(" ".join(tokens(p))), Counter(tokens(p))) for p in paragraphs]
        # Blocks merge() never drops, whatever their score.
        para = [(None if i is not None and page["words"][i] >= KEEP_WORDS else i, c) for i, c in para]
        kept = page["x"][:, EXTRACTED] if len(page["texts"]) else np.zeros(0)
        left_out = [(i, Counter(tokens(t))) for i, t in enumerate(page["texts"]) if kept[i] < 0.5]
        page["_parts"] = {"para": para, "left": left_out, "kept": kept, "gold": Counter(tokens(page["gold"]))}
    return page["_parts"]


def quick_f1(page: dict, scores: np.ndarray | None, add_at: float, drop_below: float) -> float:
    """Bag-of-words F1 of the merged output (WCXB's metric; a proxy for
    Scrapinghub's when choosing thresholds)."""
    parts = _parts(page)
    bag = Counter()
    for i, c in parts["para"]:
        if scores is not None and i is not None and parts["kept"][i] >= 0.5 and scores[i] < drop_below:
            continue
        bag.update(c)
    if scores is not None:
        for i, c in parts["left"]:
            if scores[i] >= add_at:
                bag.update(c)
    gold = parts["gold"]
    if not gold:
        return 1.0 if not bag else 0.0
    overlap = sum((bag & gold).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(bag.values()), overlap / sum(gold.values())
    return 2 * p * r / (p + r)


def kind(page: dict) -> str:
    return kind_of_page(bool(len(page["y"]) and page["x"][0, ARTICLE] > 0), page["product"])


def choose(pages_: list[dict], preds: dict, worst: bool = False) -> tuple[float, float]:
    """The grid point with the best mean of the two datasets' mean quick F1
    (``worst``: with the best smaller gain of the two over the extractor)."""
    if not pages_:
        return (1.1, -1.0)

    def value(g):
        means = []
        for name in ("wcxb", "sh"):
            vals = [quick_f1(p, preds.get((p["set"], p["id"])), *g) - (quick_f1(p, None, 0, 0) if worst else 0)
                    for p in pages_ if p["set"] == name]
            if vals:
                means.append(sum(vals) / len(vals))
        return min(means) if worst else sum(means) / len(means)
    return max(GRID, key=value)


def choose_kinds(pages_: list[dict], preds: dict) -> dict:
    """{kind of page: (add at, drop below)} chosen on ``pages_``."""
    return {k: choose([p for p in pages_ if kind(p) == k], preds, worst=k == "article") for k in KINDS_OF_PAGE}


def scores_of(pages_: list[dict], preds: dict, thresholds) -> dict:
    """{"wcxb": mean F1, "sh": Scrapinghub F1, per type...} of the merged
    outputs; ``thresholds``: (add at, drop below) of a page."""
    wc, sh, by_type = [], [], defaultdict(list)
    for p in pages_:
        text = output(p, preds.get((p["set"], p["id"])), *thresholds(p))
        if p["set"] == "wcxb":
            f = scorer.f1(text, p["gold"])[2]
            wc.append(f)
            by_type[p["type"]].append(f)
        else:
            sh.append(page_counts(p["gold"], text))
    res = {"wcxb": float(np.mean(wc)) if wc else None, "sh": W.sh_aggregate(sh)["f1"] if sh else None}
    res.update({t: float(np.mean(v)) for t, v in by_type.items()})
    return res


def out_of_fold(data: list[dict], fold: dict, rows: int) -> dict:
    """Each page's block scores from the model trained without its fold (cached)."""
    h = hashlib.sha1(repr((TREES, rows, W.FOLDS)).encode())
    for p in data:
        h.update(p["x"].tobytes())
    cache = W.CACHE / f"blocks-oof-{h.hexdigest()[:12]}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    oof = {}
    for k in range(W.FOLDS):
        model = fit([p for p in data if fold[(p["set"], p["id"])] != k], rows)
        for p in data:
            if fold[(p["set"], p["id"])] == k and len(p["y"]):
                oof[(p["set"], p["id"])] = model.predict(p["x"])
        print(f"fold {k} trained", file=sys.stderr, flush=True)
    cache.write_bytes(pickle.dumps(oof))
    return oof


def _pairs(chosen: dict) -> str:
    return ", ".join(f"{k} {a} / {d}" for k, (a, d) in chosen.items())


def main() -> int:
    global scorer
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=80_000, help="blocks drawn per training run")
    ap.add_argument("--no-write", action="store_true", help="report only; leave the shipped model")
    args = ap.parse_args()
    if not (W.WCXB / "gold.jsonl").exists() or not (W.SH / "gold.jsonl").exists():
        print("wcxb_dev or scrapinghub_aeb not found under ../shared/data; skipping")
        return 0
    scorer = W._load_module("score_wcxb", W.SHARED / "bench" / "score_wcxb.py")
    data = pages(W.WCXB, "wcxb") + pages(W.SH, "sh")
    fold = {(p["set"], p["id"]): W.fold_of(p["domain"]) for p in data}
    every = out_of_fold(data, fold, args.rows)
    articles = {(p["set"], p["id"]) for p in data if kind(p) == "article"}
    oof = {key: v for key, v in every.items() if key not in articles}
    none = {}

    def never(p):
        return (0, 0)

    print("| held out | add at / drop below per kind of page (chosen on the other folds) | wcxb F1 (extractor alone) | "
          "scrapinghub F1 (extractor alone) |\n|---|---|---|---|")
    held = {}
    for k in range(W.FOLDS):
        rest = [p for p in data if fold[(p["set"], p["id"])] != k]
        this = [p for p in data if fold[(p["set"], p["id"])] == k]
        chosen = choose_kinds(rest, every)
        for p in this:
            held[(p["set"], p["id"])] = chosen[kind(p)]
        got = scores_of(this, oof, lambda p: held[(p["set"], p["id"])])
        base = scores_of(this, none, never)
        print(f"| domain fold {k} ({len(this)} pages) | {_pairs(chosen)} | {got['wcxb']:.3f} "
              f"({base['wcxb']:.3f}) | {got['sh']:.3f} ({base['sh']:.3f}) |")

    # All held-out pages, each merged with its fold's thresholds.
    merged = scores_of(data, oof, lambda p: held[(p["set"], p["id"])])
    base = scores_of(data, none, never)
    print(f"| all domain folds | - | {merged['wcxb']:.3f} ({base['wcxb']:.3f}) | {merged['sh']:.3f} ({base['sh']:.3f}) |")
    too = scores_of(data, every, lambda p: held[(p["set"], p["id"])])
    print(f"| all domain folds, declared articles too | - | {too['wcxb']:.3f} | {too['sh']:.3f} |")
    # The earlier scheme: declared articles and products keep the extractor's text.
    products = {(p["set"], p["id"]) for p in data if kind(p) == "product"}
    gated = {key: v for key, v in oof.items() if key not in products}
    before = {}
    for k in range(W.FOLDS):
        g = choose([p for p in data if fold[(p["set"], p["id"])] != k], gated)
        before.update({(p["set"], p["id"]): g for p in data if fold[(p["set"], p["id"])] == k})
    earlier = scores_of(data, gated, lambda p: before[(p["set"], p["id"])])
    print(f"| all domain folds, declared products left to the extractor too, one pair for the rest | - | "
          f"{earlier['wcxb']:.3f} | {earlier['sh']:.3f} |")
    for held_out, other in (("wcxb", "sh"), ("sh", "wcxb")):
        model = fit([p for p in data if p["set"] == other], args.rows)
        this = [p for p in data if p["set"] == held_out]
        # Thresholds chosen on the training set's own out-of-fold scores.
        chosen = choose_kinds([p for p in data if p["set"] == other], every)
        for label, skip in (("", articles), (", declared articles too", set())):
            preds = {(p["set"], p["id"]): model.predict(p["x"]) for p in this
                     if len(p["y"]) and (p["set"], p["id"]) not in skip}
            got = scores_of(this, preds, lambda p: chosen[kind(p)])
            cell = f"{got[held_out]:.3f} ({base[held_out]:.3f})"
            print(f"| {held_out} (trained on the other set only{label}) | {_pairs(chosen)} | "
                  f"{cell if held_out == 'wcxb' else '-'} | {cell if held_out == 'sh' else '-'} |")
    print("\n| page type (wcxb_dev, domain folds) | pages | block model | earlier scheme | extractor alone |\n"
          "|---|---|---|---|---|")
    counts = Counter(p["type"] for p in data if p["set"] == "wcxb")
    for t in sorted(counts):
        print(f"| {t} | {counts[t]} | {merged[t]:.3f} | {earlier[t]:.3f} | {base[t]:.3f} |")

    if not args.no_write:
        chosen = choose_kinds(data, every)
        model = fit(data, args.rows)
        MODEL.write_text(json.dumps({"features": FEATURES, "thresholds": chosen, "trees": model.to_dict()}),
                         encoding="utf-8")
        print(f"\nwrote {MODEL.relative_to(REPO)} ({_pairs(chosen)}; {MODEL.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
