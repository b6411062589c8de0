"""The article-extraction score: word 4-gram overlap with gold text.

Tokens are ``\\w+`` runs; each page contributes precision and recall of its
4-gram multiset; the corpus precision (recall) is the mean over pages with a
non-empty prediction (gold), and F1 combines the two means. Small enough to
keep in the package so tests and benchmarks need nothing else.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    toks = _WORD.findall(text or "")
    if not toks:
        return Counter()
    if len(toks) < n:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


def page_counts(gold: str, pred: str, n: int = 4) -> tuple[int, int, int]:
    g, p = shingles(gold, n), shingles(pred, n)
    tp = sum((g & p).values())
    return tp, sum(p.values()) - tp, sum(g.values()) - tp


def corpus_score(pairs: Iterable[tuple[str, str]], n: int = 4) -> dict:
    """``pairs`` of (gold, prediction) -> {"f1", "precision", "recall", "n"}."""
    precs, recs, count = [], [], 0
    for gold, pred in pairs:
        tp, fp, fn = page_counts(gold, pred, n)
        count += 1
        if tp + fp:
            precs.append(tp / (tp + fp))
        if tp + fn:
            recs.append(tp / (tp + fn))
    p = sum(precs) / len(precs) if precs else 0.0
    r = sum(recs) / len(recs) if recs else 0.0
    return {"f1": 2 * p * r / (p + r) if p + r else 0.0, "precision": p, "recall": r, "n": count}
