"""Line features for the boilerplate model.

Each unit (a line, or a hard-wrapped paragraph made of several lines) gets a
row of numbers: what the unit looks like on its own (length, punctuation,
function words, link or menu likeness) and what surrounds it (is it inside a
run of prose, how long is the run of short lines it sits in, where is it in
the page). Article text comes in runs of long, punctuated, function-word-rich
lines; navigation, share bars and footers come in runs of short ones.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from .lines import WORD, Line, ends_sentence, unmark
from .stopwords import LANGS, WORD_LANGS, ZH_FUNCTION_CHARS

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_BULLET = re.compile(r"^([*+•·▪►–-]|\d{1,3}[.)])\s")
_GLUE = re.compile(r"[a-zäöüéèàç][A-ZÄÖÜ]")
_URLISH = re.compile(r"https?://|www\.|\.(com|org|net|html?)\b", re.IGNORECASE)
_SEPARATOR = re.compile(r"[|»›·]")
_QUOTE = re.compile("[\"“”«»„]")
# Headings that open a reader-comment section.
_COMMENT_HEAD = re.compile(
    r"^\[?\s*(\d+\s+)?(comments?|responses?|replies|reactions|thoughts|kommentare|commentaires|"
    r"comentarios|комментарии|reader comments|discussion)\b(\s*\(\d+\))?\s*\]?"
    r"(\s+(to|on)\b.*)?$|^(leave|post|add|write) a (reply|comment)\b|^join the (discussion|conversation)\b",
    re.IGNORECASE,
)
_SENT = re.compile(r"[.!?。！？]\s+\S")
_KEYWORDS = frozenset(
    """share subscribe subscription login log sign cookie cookies newsletter comment comments
    follow related advertisement advertising sponsored privacy terms copyright reserved menu
    click download app apps contact search register account password email home navigation
    trending popular recommended video videos photos gallery podcast tags topics more next
    previous print teilen anmelden abonnieren werbung datenschutz impressum kommentare
    partager connexion abonner publicité commentaires compartir suscribir publicidad comentarios
    поделиться подписаться реклама комментарии войти""".split()
)

PROSE_WORDS = 10

BASE_NAMES = (
    "log_words", "log_chars", "terminal", "colon_end", "bullet", "stop_ratio", "alpha_ratio",
    "digit_ratio", "upper_words", "title_words", "commas", "separators", "urlish", "rule_hit",
    "glued", "log_indent", "blank_before", "blank_after", "position", "wrapped", "sentences",
    "repeated", "keywords", "starts_lower", "quotes", "prose", "word_len", "at_hash",
)
CONTEXT_NAMES = (
    "short_share_doc", "log_units", "indent_off_prose",
    "prose_w2", "prose_w5", "prose_w15", "words_w2", "words_w5",
    "prev_words", "prev_terminal", "prev_rule", "prev_stop",
    "next_words", "next_terminal", "next_rule", "next_stop",
    "prose_before", "prose_after", "inside_span", "dist_prose", "short_run",
    "same_indent_prev", "same_indent_next", "rule_w3", "after_comments",
    "in_main_loose", "main_dist_loose", "in_main_strict", "main_dist_strict",
)
FEATURE_NAMES = BASE_NAMES + CONTEXT_NAMES


def stop_ratio(text: str, tokens: list[str]) -> float:
    """Share of function words, for whichever listed language fits best."""
    cjk = () if text.isascii() else _CJK.findall(text)
    if len(cjk) > max(4, len(tokens)):
        return min(1.0, 2.5 * sum(1 for c in cjk if c in ZH_FUNCTION_CHARS) / len(cjk))
    if not tokens:
        return 0.0
    hits = [0] * len(LANGS)
    for t in tokens:
        for i in WORD_LANGS.get(t.lower(), ()):
            hits[i] += 1
    return max(hits) / len(tokens)


def unit_text(lines: list[Line], group: list[int]) -> str:
    """The unit's lines joined, link markers dropped: rules and features see
    the link text ("[3]News" reads "News")."""
    return unmark(" ".join(lines[i].text for i in group))


def base_row(text: str, first: Line, last: Line, wrapped: bool, rule_hit: bool,
             position: float, repeated: bool) -> list[float]:
    tokens = WORD.findall(text)
    n = len(tokens)
    chars = len(text)
    cjk = 0 if text.isascii() else len(_CJK.findall(text))
    # A CJK sentence is one \w+ run; count its characters as words instead.
    words = n + cjk // 2
    # Character classes counted over the tokens: close enough, and cheap.
    digits = sum(len(t) for t in tokens if t.isdigit())
    letters = sum(len(t) for t in tokens) - digits
    terminal = ends_sentence(text)
    upper = sum(1 for t in tokens if len(t) > 1 and t.isupper())
    title = sum(1 for t in tokens if t[:1].isupper())
    prose = 1.0 if words >= PROSE_WORDS and (terminal or words >= 30) else 0.0
    return [
        math.log1p(words),
        math.log1p(chars),
        1.0 if terminal else 0.0,
        1.0 if text.endswith(":") else 0.0,
        1.0 if _BULLET.match(text) else 0.0,
        stop_ratio(text, tokens),
        letters / chars if chars else 0.0,
        digits / chars if chars else 0.0,
        upper / n if n else 0.0,
        title / n if n else 0.0,
        min(1.0, text.count(",") / max(1, n) * 5),
        1.0 if _SEPARATOR.search(text) else 0.0,
        1.0 if _URLISH.search(text) else 0.0,
        1.0 if rule_hit else 0.0,
        1.0 if _GLUE.search(text) else 0.0,
        math.log1p(first.indent),
        1.0 if first.blank_before else 0.0,
        1.0 if last.blank_after else 0.0,
        position,
        1.0 if wrapped else 0.0,
        math.log1p(len(_SENT.findall(text))),
        1.0 if repeated else 0.0,
        min(3, sum(1 for t in tokens if t.lower() in _KEYWORDS)) / 3,
        1.0 if text[:1].islower() else 0.0,
        1.0 if _QUOTE.search(text) else 0.0,
        prose,
        min(12.0, letters / max(1, n)) / 12,
        1.0 if ("@" in text or "#" in text) else 0.0,
    ]


def _window_mean(x: np.ndarray, k: int) -> np.ndarray:
    if len(x) == 0:
        return x
    c = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(len(x))
    lo = np.maximum(0, idx - k)
    hi = np.minimum(len(x), idx + k + 1)
    return (c[hi] - c[lo]) / (hi - lo)


def _shift(x: np.ndarray, by: int, fill: float) -> np.ndarray:
    out = np.full_like(x, fill)
    if by > 0:
        out[by:] = x[:-by]
    elif by < 0:
        out[:by] = x[-by:]
    else:
        out[:] = x
    return out


def feature_matrix(lines: list[Line], groups: list[list[int]], rule_hits: list[bool]) -> np.ndarray:
    """One row per group of lines; ``rule_hits`` says which groups a rule claimed."""
    m = len(groups)
    if m == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    texts = [unit_text(lines, g) for g in groups]
    counts = Counter(t.lower() for t in texts)
    rows = [
        base_row(t, lines[g[0]], lines[g[-1]], len(g) > 1, hit, i / max(1, m - 1), counts[t.lower()] > 1)
        for i, (t, g, hit) in enumerate(zip(texts, groups, rule_hits))
    ]
    base = np.asarray(rows, dtype=float)
    col = {name: base[:, i] for i, name in enumerate(BASE_NAMES)}
    words = np.expm1(col["log_words"])
    prose = col["prose"]
    rule = col["rule_hit"]
    indent = col["log_indent"]

    short_share = float(np.mean(words < 5))
    if prose.any():
        prose_indent = float(np.median(indent[prose > 0]))
    else:
        prose_indent = float(np.median(indent))
    prose_words = words * prose
    total = prose_words.sum()
    cum = np.cumsum(prose_words)
    before = (cum - prose_words) / total if total else np.zeros(m)
    after = (total - cum) / total if total else np.zeros(m)

    # Distance (in units) to the nearest prose unit, both directions.
    dist = np.full(m, float(m))
    last = -10**9
    for i in range(m):
        if prose[i]:
            last = i
        dist[i] = i - last
    last = 10**9
    for i in range(m - 1, -1, -1):
        if prose[i]:
            last = i
        dist[i] = min(dist[i], last - i)

    # Length of the run of consecutive short units each unit belongs to.
    short = words < 6
    run = np.zeros(m)
    i = 0
    while i < m:
        j = i
        while j < m and short[j] == short[i]:
            j += 1
        run[i:j] = (j - i) if short[i] else 0
        i = j

    ctx = np.column_stack([
        np.full(m, short_share),
        np.full(m, math.log1p(m)),
        np.abs(indent - prose_indent),
        _window_mean(prose, 2), _window_mean(prose, 5), _window_mean(prose, 15),
        _window_mean(col["log_words"], 2), _window_mean(col["log_words"], 5),
        _shift(col["log_words"], 1, 0.0), _shift(col["terminal"], 1, 0.0),
        _shift(rule, 1, 1.0), _shift(col["stop_ratio"], 1, 0.0),
        _shift(col["log_words"], -1, 0.0), _shift(col["terminal"], -1, 0.0),
        _shift(rule, -1, 1.0), _shift(col["stop_ratio"], -1, 0.0),
        before, after, np.minimum(before, after) * 4,
        np.log1p(dist), np.log1p(run),
        (indent == _shift(indent, 1, -1.0)).astype(float),
        (indent == _shift(indent, -1, -1.0)).astype(float),
        _window_mean(rule, 3),
        _after_comment_head(texts, prose),
        *_main_block(words, prose, rule, penalty=3.0),
        *_main_block(words, prose, rule, penalty=20.0),
    ])
    return np.hstack([base, ctx])


def _main_block(words, prose, rule, penalty: float) -> tuple[np.ndarray, np.ndarray]:
    """The contiguous run of units with the most prose words, net of a cost
    per non-prose unit (maximum-sum segment). Returns membership and the log
    distance, in units, to the run."""
    gain = np.where(prose > 0, words, -penalty * (1.0 + rule))
    best, best_span = -np.inf, (0, 0)
    total, start = 0.0, 0
    for i, g in enumerate(gain):
        if total <= 0:
            total, start = 0.0, i
        total += g
        if total > best:
            best, best_span = total, (start, i)
    lo, hi = best_span
    idx = np.arange(len(words))
    inside = ((idx >= lo) & (idx <= hi)).astype(float)
    dist = np.where(idx < lo, lo - idx, np.where(idx > hi, idx - hi, 0))
    return inside, np.log1p(dist)


def _after_comment_head(texts: list[str], prose: np.ndarray) -> np.ndarray:
    """1 for units after a comment-section heading that follows some prose."""
    out = np.zeros(len(texts))
    seen_prose = 0
    for i, t in enumerate(texts):
        if seen_prose >= 2 and len(t) < 120 and _COMMENT_HEAD.search(t):
            out[i + 1:] = 1.0
            break
        seen_prose += int(prose[i])
    return out


def second_stage(prob: np.ndarray, words: np.ndarray) -> np.ndarray:
    """Context of the first-stage scores: a unit amid likely article text is likely text."""
    m = len(prob)
    if m == 0:
        return np.zeros((0, 9))
    body_words = words * (prob > 0.5)
    total = body_words.sum()
    cum = np.cumsum(body_words)
    before = (cum - body_words) / total if total else np.zeros(m)
    after = (total - cum) / total if total else np.zeros(m)
    return np.column_stack([
        prob,
        _shift(prob, 1, 0.0), _shift(prob, -1, 0.0),
        _window_mean(prob, 2), _window_mean(prob, 5), _window_mean(prob, 12),
        before, after, np.minimum(before, after) * 4,
    ])


def doc_short_share(lines: list[Line], groups: list[list[int]]) -> float:
    """Share of units under five words: high for raw page dumps."""
    if not groups:
        return 0.0
    return sum(1 for g in groups if sum(lines[i].words for i in g) < 5) / len(groups)


def model_inputs(lines: list[Line], groups: list[list[int]],
                 reasons: list[str | None]) -> tuple[list[int], np.ndarray]:
    """Features of the units no rule claimed, computed as if the claimed ones
    were already gone, so an advert or a "read more" line between two
    paragraphs does not break the run of article text. The ``rule_hit``
    column then says whether a removed unit stood right before this one."""
    free = [i for i, r in enumerate(reasons) if r is None]
    after_removed = [i > 0 and reasons[i - 1] is not None for i in free]
    return free, feature_matrix(lines, [groups[i] for i in free], after_removed)
