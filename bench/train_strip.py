#!/usr/bin/env python3
"""Rebuild the strip stage's line model (pipeline/strip/data/model.json).

    .venv/bin/python bench/train_strip.py [--all] [--out PATH]

Training pages: the Scrapinghub article benchmark, both as raw text dumps and
as trafilatura output, labelled line by line against the gold article text.
By default only the tuning split is used (see ``strip_data.is_heldout``) so
the held-out figures in bench_extraction.py stay honest; ``--all`` trains on
every page for the shipped model once the held-out figures are recorded.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import strip_data as sd  # noqa: E402
from pipeline.strip.features import FEATURE_NAMES, doc_short_share, model_inputs, second_stage, unit_text  # noqa: E402
from pipeline.strip.lines import blocks, split_lines  # noqa: E402
from pipeline.strip.model import LineModel, ModelSet, fit_logistic, profile_of
from pipeline.strip.trees import fit_trees  # noqa: E402
from pipeline.strip.score import corpus_score  # noqa: E402
from pipeline.strip.stage import assemble, rule_reasons  # noqa: E402

DEFAULT_OUT = sd.REPO / "pipeline" / "strip" / "data" / "model.json"


def training_docs(use_all: bool) -> list[tuple[str, str, str, str]]:
    """(page id, mode, text, gold) for the pages training may see."""
    gold = sd.load_gold(sd.SH_HTML)
    docs = []
    sources = (
        ("text", sd.text_dumps()),
        ("text-other-style", sd.other_style_dumps()),
        ("html", sd.extracted(sd.SH_HTML)),
        ("html-precision", sd.extracted(sd.SH_HTML, dict(sd.EXTRACT_OPTIONS, favor_precision=True))),
    )
    for mode, texts in sources:
        for pid, text in sorted(texts.items()):
            if pid in gold and (use_all or not sd.is_heldout(pid)):
                docs.append((pid, mode, text, gold[pid]["text"]))
    return docs


def prepare(text: str, gold: str) -> dict:
    lines = split_lines(text)
    groups = blocks(lines)
    return prepare_units(lines, groups, rule_reasons(lines, groups), gold)


def prepare_units(lines, groups, reasons, gold: str, inputs=None, cap: int = 0, seed: int = 0) -> dict:
    """A training row: features of the units no rule claimed and their labels.
    ``inputs``: (free, x) when already computed. ``cap``: train on at most
    this many units of the page (drawn at random; 0: all), so long pages do
    not swamp the rest."""
    free, x = inputs if inputs is not None else model_inputs(lines, groups, list(reasons))
    y = np.asarray(sd.label_units([unit_text(lines, g) for g in groups], gold))[free]
    mask = np.ones(len(free), dtype=bool)
    if cap and len(free) > cap:
        mask[:] = False
        mask[np.random.default_rng(seed).choice(len(free), cap, replace=False)] = True
    return {"lines": lines, "groups": groups, "reasons": reasons, "x": x, "y": y,
            "free_idx": free, "free": mask,
            "profile": profile_of(doc_short_share(lines, groups)), "gold": gold}


def _weights(x: np.ndarray) -> np.ndarray:
    # The score counts words, and every page weighs the same.
    w = np.expm1(x[:, 0]) + 1.0
    return w / w.sum() * len(w)


TREE_OPTIONS: dict = {"n_trees": 300, "depth": 4, "rate": 0.1, "min_hess": 5.0}


def fit(rows: list[dict], l2: float, kind: str = "trees", folds: int = 5) -> tuple:
    """Stage one, then stage two on out-of-fold stage-one scores."""
    def stack(idx, extra=None):
        xs, ys, ws = [], [], []
        for i in idx:
            r = rows[i]
            x = r["x"] if extra is None else np.hstack([r["x"], second_stage(extra[i], np.expm1(r["x"][:, 0]))])
            xs.append(x[r["free"]]); ys.append(r["y"][r["free"]]); ws.append(_weights(r["x"])[r["free"]])
        return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)

    def learner(x, y, w):
        return fit_trees(x, y, w, **TREE_OPTIONS) if kind == "trees" else fit_logistic(x, y, w, l2=l2)

    idx = [i for i, r in enumerate(rows) if r["free"].any()]
    first = learner(*stack(idx))
    oof = {}
    for f in range(folds):
        train = [i for i in idx if rows[i]["fold"] != f]
        m = learner(*stack(train))
        for i in idx:
            if rows[i]["fold"] == f:
                oof[i] = m.predict(rows[i]["x"])
    second = learner(*stack(idx, oof))
    # Out-of-fold final scores, for an honest threshold and estimate.
    final_oof = {}
    for f in range(folds):
        train = [i for i in idx if rows[i]["fold"] != f]
        m = learner(*stack(train, oof))
        for i in idx:
            if rows[i]["fold"] == f:
                x = rows[i]["x"]
                final_oof[i] = m.predict(np.hstack([x, second_stage(oof[i], np.expm1(x[:, 0]))]))
    return first, second, final_oof


def tune_threshold(rows: list[dict], scores: dict, log=print) -> tuple[float, float, float]:
    """The threshold with the best F1 over ``rows``, judged on out-of-fold ``scores``,
    that F1, and the F1 of the rules alone (threshold 0)."""
    best = (-1.0, 0.5)
    rules_only = 0.0
    for t in (0.0, 0.05, *np.arange(0.1, 0.91, 0.05)):
        pairs = []
        for i, r in enumerate(rows):
            s = scores.get(i)
            if s is None:
                reasons = r["reasons"]
            else:
                reasons = list(r["reasons"])
                for k, gi in enumerate(r["free_idx"]):
                    if s[k] < t:
                        reasons[gi] = "m"
            pairs.append((r["gold"], assemble(r["lines"], r["groups"], reasons)[0]))
        f1 = corpus_score(pairs)["f1"]
        log(f"  threshold {t:.2f}: F1 {f1:.4f}")
        if t == 0.0:
            rules_only = f1
        if f1 > best[0]:
            best = (f1, float(t))
    return best[1], best[0], rules_only


def train_rows(rows: list[dict], groups: list[str], trees: int = 0, profiles=("dump",),
               min_gain: float = 0.005, info: dict | None = None, log=lambda *a: None,
               folds: int = 5) -> ModelSet:
    """A ModelSet trained on prepared ``rows`` (see ``prepare``); ``groups``
    (one per row, e.g. the page's domain) keep a group's rows out of the
    folds that score it, inside the stacking and the threshold tuning."""
    if trees:
        TREE_OPTIONS["n_trees"] = trees
    for row, group in zip(rows, groups):
        row["fold"] = int(hashlib.sha1(group.encode()).hexdigest(), 16) % folds
    out = {}
    for profile in profiles:
        part = [r for r in rows if r["profile"] == profile]
        if not part:
            continue
        first, second, oof = fit(part, 1.0, "trees", folds)
        threshold, f1, rules_f1 = tune_threshold(part, oof, log)
        log(f"profile {profile}: {len(part)} documents, threshold {threshold:.2f}, "
            f"cross-validated F1 {f1:.4f} (rules alone {rules_f1:.4f})")
        if f1 - rules_f1 < min_gain:
            log(f"profile {profile}: model gains less than {min_gain}; not shipped")
            continue
        out[profile] = LineModel(first, second, threshold, {
            **(info or {}), "documents": len(part), "kind": "trees", **TREE_OPTIONS,
            "cross_validated_f1": round(f1, 4), "rules_only_f1": round(rules_f1, 4)})
    return ModelSet(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true", help="train on held-out pages too")
    ap.add_argument("--l2", type=float, default=1.0, help="ridge penalty of the logistic model")
    ap.add_argument("--kind", choices=("trees", "logistic"), default="trees")
    ap.add_argument("--min-gain", type=float, default=0.005,
                    help="ship a profile's model only if it beats the rules alone by this F1")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--trees", type=int, default=300)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--rate", type=float, default=0.1)
    ap.add_argument("--min-hess", type=float, default=5.0,
                    help="least weight (hessian) a tree leaf may hold: higher, smoother trees")
    ap.add_argument("--profiles", default="dump,extracted", help="which profiles to train")
    args = ap.parse_args()
    TREE_OPTIONS.update(n_trees=args.trees, depth=args.depth, rate=args.rate, min_hess=args.min_hess)
    if not sd.available():
        print(f"benchmark data not found under {sd.DATA}; nothing to train on")
        return 0
    docs = training_docs(args.all)
    print(f"training on {len(docs)} documents ({'all pages' if args.all else 'tuning split'})")
    rows = []
    for pid, _, text, gold in docs:
        row = prepare(text, gold)
        # Folds go by page: renderings of one page never sit on both sides.
        row["fold"] = int(pid[:8], 16) % 5
        rows.append(row)
    profiles = {}
    for profile in args.profiles.split(","):
        part = [r for r in rows if r["profile"] == profile]
        first, second, oof = fit(part, args.l2, args.kind)
        info = {
            "features": list(FEATURE_NAMES),
            "trained_on": "all pages" if args.all else "tuning split",
            "documents": len(part),
            "kind": args.kind,
            **({"trees": args.trees, "depth": args.depth, "rate": args.rate, "min_hess": args.min_hess} if args.kind == "trees" else {"l2": args.l2}),
        }
        print(f"profile {profile}: {len(part)} documents")
        threshold, f1, rules_f1 = tune_threshold(part, oof)
        print(f"profile {profile}: threshold {threshold:.2f}, cross-validated F1 {f1:.4f} "
              f"(rules alone {rules_f1:.4f})")
        if f1 - rules_f1 < args.min_gain:
            # Not worth its cost or its risk: this profile runs on rules alone.
            print(f"profile {profile}: model gains less than {args.min_gain}; not shipped")
            continue
        profiles[profile] = LineModel(first, second, threshold, {
            **info, "cross_validated_f1": round(f1, 4), "rules_only_f1": round(rules_f1, 4)})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    ModelSet(profiles).save(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
