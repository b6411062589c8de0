#!/usr/bin/env python3
"""Rebuild the strip stage's line model (pipeline/strip/data/model.json).

    .venv/bin/python bench/train_strip.py [--trees N] [--cap N] [--out PATH]

Training pages: text dumps of wcxb_dev (the WCXB development split, seven
page types) and of the Scrapinghub article benchmark (in both render
styles), each unit labelled against the gold main text. The model is used on
text dumps only (extracted HTML runs on the rules). Stacking folds and the
threshold are grouped by domain, so no out-of-fold score comes from a model
that saw the page's site. bench_text.py's grouped cross-validation rows
train the same way without the scored folds.

The shipped model.json is trained so that each dataset weighs the same
however many pages it has (--unbalanced: each page does). In grouped CV
(bench_text.py --cv-only --folds-only, which trains the same way) that gave
wcxb_dev 0.809 and scrapinghub_aeb 0.909, against 0.813 / 0.894 unweighted
and 0.778 / 0.900 for a model of scrapinghub_aeb alone.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import strip_data as sd  # noqa: E402
from pipeline.strip.features import FEATURE_NAMES, doc_short_share, model_inputs, second_stage, unit_text  # noqa: E402
from pipeline.strip.model import LineModel, ModelSet, fit_logistic, profile_of
from pipeline.strip.trees import fit_trees  # noqa: E402
from pipeline.strip.score import corpus_score  # noqa: E402
from pipeline.strip.stage import assemble  # noqa: E402

DEFAULT_OUT = sd.REPO / "pipeline" / "strip" / "data" / "model.json"


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


TREE_OPTIONS: dict = {"n_trees": 100, "depth": 4, "rate": 0.2, "min_hess": 5.0}
# Units of a page used for training, at most: long pages do not swamp the rest.
CAP = 100


def fit(rows: list[dict], l2: float, kind: str = "trees", folds: int = 5) -> tuple:
    """Stage one, then stage two on out-of-fold stage-one scores."""
    def stack(idx, extra=None):
        xs, ys, ws = [], [], []
        for i in idx:
            r = rows[i]
            x = r["x"] if extra is None else np.hstack([r["x"], second_stage(extra[i], np.expm1(r["x"][:, 0]))])
            xs.append(x[r["free"]]); ys.append(r["y"][r["free"]])
            ws.append(_weights(r["x"])[r["free"]] * r.get("weight", 1.0))
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


# How a dataset is scored: WCXB's mean per-page bag-of-words F1, or the
# Scrapinghub word 4-gram F1 (precision and recall averaged over pages).
METRIC = {"wcxb": "words", "sh": "shingles", "sh_other": "shingles"}
_TOKEN = re.compile(r"\w+")


def words_f1(gold: str, pred: str) -> float:
    g, p = Counter(_TOKEN.findall(gold.lower())), Counter(_TOKEN.findall(pred.lower()))
    if not g:
        return 0.0 if p else 1.0
    o = sum((g & p).values())
    return 2 * o / (sum(g.values()) + sum(p.values())) if o else 0.0


def set_score(rows: list[dict], texts: list[str]) -> float:
    """The mean over metrics (one per dataset kind) of each one's score:
    neither set's figure may be bought with the other's."""
    by_metric: dict = {}
    for r, text in zip(rows, texts):
        by_metric.setdefault(r.get("metric", "shingles"), []).append((r["gold"], text))
    scores = []
    for metric, pairs in by_metric.items():
        if metric == "words":
            scores.append(sum(words_f1(g, t) for g, t in pairs) / len(pairs))
        else:
            scores.append(corpus_score(pairs)["f1"])
    return sum(scores) / len(scores) if scores else 0.0


def tune_threshold(rows: list[dict], scores: dict, log=print) -> tuple[float, float, float]:
    """The threshold with the best score over ``rows`` (``set_score``), judged
    on out-of-fold ``scores``, that score, and the rules' alone (threshold 0)."""
    best = (-1.0, 0.5)
    rules_only = 0.0
    for t in (0.0, 0.05, *np.arange(0.1, 0.91, 0.05)):
        texts = []
        for i, r in enumerate(rows):
            s = scores.get(i)
            reasons = list(r["reasons"])
            if s is not None:
                for k, gi in enumerate(r["free_idx"]):
                    if s[k] < t:
                        reasons[gi] = "m"
            texts.append(assemble(r["lines"], r["groups"], reasons)[0])
        f1 = set_score(rows, texts)
        log(f"  threshold {t:.2f}: score {f1:.4f}")
        if t == 0.0:
            rules_only = f1
        if f1 > best[0]:
            best = (f1, float(t))
    return best[1], best[0], rules_only


def balance_sets(rows: list[dict]) -> None:
    """Weigh rows so that every dataset (``row["set"]``) counts the same in
    training, however many pages each has."""
    counts = Counter(r.get("set", "") for r in rows)
    for r in rows:
        r["weight"] = len(rows) / (len(counts) * counts[r.get("set", "")])


def train_rows(rows: list[dict], groups: list[str], trees: int = 0, profiles=("dump",),
               min_gain: float = 0.005, info: dict | None = None, log=lambda *a: None,
               folds: int = 2, balance: bool = False) -> ModelSet:
    """A ModelSet trained on prepared ``rows`` (see ``prepare``); ``groups``
    (one per row, e.g. the page's domain) keep a group's rows out of the
    folds that score it, inside the stacking and the threshold tuning.
    ``balance``: every dataset weighs the same (``balance_sets``)."""
    if trees:
        TREE_OPTIONS["n_trees"] = trees
    if balance:
        balance_sets(rows)
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


def dump_page(strip, text: str, gold: str, cap: int = 300, seed: int = 0):
    """(units, model inputs, training row) of one text dump, or None when it
    has no lines. The units and inputs are what ``Strip`` itself computes."""
    units = strip.analyse(text)
    if units is None:
        return None
    inputs = model_inputs(units.lines, units.groups, list(units.reasons))
    row = prepare_units(units.lines, units.groups, list(units.reasons), gold, inputs=inputs, cap=cap, seed=seed)
    return units, inputs, row


def training_dumps(limit: int = 0) -> list[tuple[str, str, str, str, str]]:
    """(dataset, page id, domain, text, gold) of every text dump training may
    see: wcxb_dev (the development split only) and scrapinghub_aeb, in the
    style its shared dump uses and in the other one."""
    import text_data as td

    out = []
    if td.wcxb_available():
        gold = td.wcxb_gold()
        texts = td.wcxb_dumps()
        for pid, text in list(texts.items())[:limit or None]:
            g = gold[pid]
            out.append(("wcxb", pid, g.get("domain") or td.domain_of(g["url"]), text, g.get("text") or ""))
    if sd.available():
        gold = td.sh_gold()
        texts = sd.text_dumps()
        other = sd.other_style_dumps()
        for pid, text in list(texts.items())[:limit or None]:
            domain = td.domain_of(gold[pid]["url"])
            out.append(("sh", pid, domain, text, gold[pid]["text"]))
            if pid in other:
                out.append(("sh_other", pid, domain, other[pid], gold[pid]["text"]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-gain", type=float, default=0.005,
                    help="ship the model only if it beats the rules alone by this F1")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--trees", type=int, default=TREE_OPTIONS["n_trees"])
    ap.add_argument("--depth", type=int, default=TREE_OPTIONS["depth"])
    ap.add_argument("--rate", type=float, default=TREE_OPTIONS["rate"])
    ap.add_argument("--min-hess", type=float, default=TREE_OPTIONS["min_hess"],
                    help="least weight (hessian) a tree leaf may hold: higher, smoother trees")
    ap.add_argument("--cap", type=int, default=CAP, help="units of a page used for training, at most")
    ap.add_argument("--limit", type=int, default=0, help="first N pages of each set (quick runs)")
    ap.add_argument("--unbalanced", action="store_true",
                    help="every page weighs the same in training (by default every dataset does, whatever its pages)")
    args = ap.parse_args()
    TREE_OPTIONS.update(n_trees=args.trees, depth=args.depth, rate=args.rate, min_hess=args.min_hess)
    from pipeline.strip import Strip

    pages = training_dumps(args.limit)
    if not pages:
        print(f"benchmark data not found under {sd.DATA}; nothing to train on")
        return 0
    strip = Strip()
    rows, groups = [], []
    for k, (name, pid, domain, text, gold) in enumerate(pages):
        page = dump_page(strip, text, gold, args.cap, seed=k)
        if page is not None:
            page[2]["metric"] = METRIC[name]
            page[2]["set"] = "sh" if name == "sh_other" else name
            rows.append(page[2])
            groups.append(domain)
    print(f"training on {len(rows)} text dumps of {len(set(groups))} domains")
    model = train_rows(rows, groups, info={"features": list(FEATURE_NAMES), "trained_on": "wcxb_dev + "
                       "scrapinghub_aeb text dumps, all pages", "cap": args.cap, "balanced": not args.unbalanced},
                       min_gain=args.min_gain, log=print, balance=not args.unbalanced)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
