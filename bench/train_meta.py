#!/usr/bin/env python3
"""Rebuild the metadata rankers of text input (pipeline/strip/data/meta.json).

    .venv/bin/python bench/train_meta.py [--folds K] [--out PATH]

Training pages: wcxb_dev text dumps (the development split only), whose gold
gives each page's title, author and date. Each page is cut into units and
judged by the rules and the shipped line model, as the strip stage does; the
candidates of each field (``pipeline/strip/metarank.py``) are labelled by
whether their value is the gold one. Boosted trees per field score them;
its threshold is chosen on out-of-fold scores with folds grouped by domain,
and those out-of-fold exact-match rates are printed. The shipped rankers are
then fitted on every page with that threshold.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import strip_data as sd  # noqa: E402
import text_data as td  # noqa: E402
from pipeline.strip import metarank  # noqa: E402
from pipeline.strip.trees import fit_trees  # noqa: E402
from pipeline.strip.stage import body_start  # noqa: E402

DEFAULT_OUT = sd.REPO / "pipeline" / "strip" / "data" / "meta.json"
_TOK = re.compile(r"\w+")
# A wrong value costs more than a missing one: the headline leaves the text.
WRONG_COST = 0.5
# Boosted trees: on the candidates' few features a logistic model cannot
# weigh one against another ("the nearest heading above the article" matters
# only for a heading); out of fold, titles 0.263 -> 0.400 exact.
TREES = dict(n_trees=120, depth=4)


def fit(x: np.ndarray, y: np.ndarray):
    return fit_trees(x, y, **TREES)


def toks(text) -> list[str]:
    return _TOK.findall((text or "").lower())


def matches(field: str, value, gold) -> bool:
    if not gold or not value:
        return False
    if field == "date":
        return str(value)[:10] == str(gold)[:10]
    return toks(value) == toks(gold)


def page_candidates(strip, units, model=None, inputs=None) -> dict:
    """The candidates of each field on a page, as the stage would see them."""
    removes = strip.model_scores(units, model, inputs)
    reasons = strip.unit_reasons(units, removes)
    return metarank.candidates(units.texts, units.counts, reasons, body_start(units, reasons))


def _picks(cands: list, scores: np.ndarray) -> list[tuple[int, float]]:
    """Per page: (index of its best candidate in the page's list, score), or None."""
    out, at = [], 0
    for c in cands:
        if not c:
            out.append(None)
            continue
        s = scores[at:at + len(c)]
        k = int(np.argmax(s))
        out.append((k, float(s[k])))
        at += len(c)
    return out


def evaluate(field: str, cands: list, golds: list, picks: list, threshold: float) -> tuple[int, int]:
    correct = wrong = 0
    for c, g, p in zip(cands, golds, picks):
        if p is None or p[1] < threshold:
            continue
        if matches(field, c[p[0]][1], g):
            correct += 1
        else:
            wrong += 1
    return correct, wrong


def fit_field(field: str, cands: list, golds: list, groups: list, folds: int = 5, log=print):
    """A ranker for one field and its out-of-fold (exact-match rate, wrong picks)."""
    xs = [np.asarray([c[2] for c in page], dtype=float) for page in cands if page]
    if not xs:
        return None, (0.0, 0)
    x = np.vstack(xs)
    y = np.concatenate([[1.0 if matches(field, c[1], g) else 0.0 for c in page]
                        for page, g in zip(cands, golds) if page])
    page_of = np.concatenate([[i] * len(page) for i, page in enumerate(cands) if page])
    fold = np.array([td.fold_of(groups[i], folds) for i in page_of])
    oof = np.zeros(len(y))
    for f in range(folds):
        train = fold != f
        if train.all() or not train.any() or y[train].sum() == 0:
            continue
        oof[~train] = fit(x[train], y[train]).predict(x[~train])
    picks = _picks(cands, oof)
    n_gold = sum(1 for g in golds if g)
    best = None
    for t in np.arange(0.0, 0.91, 0.05):
        correct, wrong = evaluate(field, cands, golds, picks, t)
        gain = correct - WRONG_COST * wrong
        if best is None or gain > best[0]:
            best = (gain, float(t), correct, wrong)
    _, threshold, correct, wrong = best
    log(f"{field}: {len(y)} candidates on {len(xs)} pages; threshold {threshold:.2f}: out-of-fold exact "
        f"match {correct / max(1, n_gold):.3f} of {n_gold} pages with a gold {field}, {wrong} wrong picks")
    return metarank.Ranker(fit(x, y), threshold), (correct / max(1, n_gold), wrong)


def fit_rankers(pages: list[tuple[dict, dict]], groups: list[str], folds: int = 5, log=print) -> dict:
    """``pages``: (candidates by field, gold row) per page."""
    out = {}
    for field in metarank.FIELDS:
        ranker, _ = fit_field(field, [c[field] for c, _ in pages], [g.get(field) for _, g in pages],
                              groups, folds, log)
        if ranker is not None:
            out[field] = ranker
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    if not td.wcxb_available():
        print(f"benchmark data not found under {sd.DATA}; nothing to train on")
        return 0
    from pipeline.strip import Strip

    strip = Strip(rankers={})
    gold = td.wcxb_gold()
    texts = td.wcxb_dumps()
    pages, groups = [], []
    for pid, text in list(texts.items())[:args.limit or None]:
        units = strip.analyse(text)
        if units is None:
            continue
        pages.append((page_candidates(strip, units), gold[pid]))
        groups.append(gold[pid].get("domain") or td.domain_of(gold[pid]["url"]))
    rankers = fit_rankers(pages, groups, args.folds)
    metarank.save(rankers, args.out, {"trained_on": f"wcxb_dev text dumps, {len(pages)} pages",
                                      "features": "pipeline/strip/metarank.py candidates()"})
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
