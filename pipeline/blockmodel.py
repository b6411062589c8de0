"""A second opinion on the extractor's choice, block by block.

trafilatura keeps one main container. On pages made of many containers (a
forum thread, a listing, a service page in sections, a product page with a
specification table) it leaves content out, and now and then it keeps a box
of links. The block model scores every block of the page (blocks.py) from
its own features, its neighbours', its containers' and how much of it the
extractor kept; blocks the extractor left out and the model is sure of are
added in page order, and extracted paragraphs whose block the model is sure
is boilerplate are dropped. The rest of the extractor's text stands as it
is, formatting included.

The boosted trees ship in ``data/blocks.json``; ``bench/train_blocks.py``
rebuilds them from wcxb_dev and scrapinghub_aeb and reports grouped
cross-validation.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from functools import lru_cache
from importlib import resources

import numpy as np

from .blocks import KINDS, STRUCTURE, Block, page_blocks

_TOKEN = re.compile(r"\w+")
_SENTENCE_END = frozenset(".!?:")
_SHORT = 6  # blocks of fewer tokens are matched whole, not by trigrams


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _sentence_marks(text: str) -> int:
    """How many of the characters of ``text`` are ".", "!" or "?"."""
    return text.count(".") + text.count("!") + text.count("?")


def _digits(text: str) -> int:
    """How many characters of ``text`` are digits (str.isdigit), counted
    without a loop over every character: the ASCII digits, then any others."""
    ascii_digits = sum(map(text.count, "0123456789"))
    if text.isascii():
        return ascii_digits
    return ascii_digits + sum(ch.isdigit() for ch in _NON_ASCII.findall(text))


class Reference:
    """How much of a block a reference text (the extraction, or gold) holds."""

    def __init__(self, text: str):
        toks = tokens(text)
        self._joined = " " + " ".join(toks) + " "
        self._trigrams = set(zip(toks, toks[1:], toks[2:]))
        self._words = set(toks)

    def share(self, toks: list[str]) -> float:
        if not toks:
            return 0.0
        if len(toks) < _SHORT:
            if (" " + " ".join(toks) + " ") in self._joined:
                return 1.0
            return 0.5 * sum(t in self._words for t in toks) / len(toks)
        tri = list(zip(toks, toks[1:], toks[2:]))
        return sum(t in self._trigrams for t in tri) / len(tri)


def features(blocks: list[Block], extracted: str, declares_article: bool,
             toks: list[list[str]] | None = None) -> np.ndarray:
    """One row per block; the columns are described in FEATURES. ``toks``:
    the blocks' ``tokens``, when already known."""
    n = len(blocks)
    if not n:
        return np.zeros((0, len(FEATURES)))
    ref = Reference(extracted)
    toks = toks if toks is not None else [tokens(b.text) for b in blocks]
    words = np.array([len(t) for t in toks], float)
    total = max(words.sum(), 1.0)
    kept = np.array([ref.share(t) for t in toks])
    link = np.array([min(b.link_words / max(b.words, 1), 1.0) for b in blocks])
    contexts = [b.context for b in blocks]
    x = np.empty((n, len(FEATURES)))
    x[:, 0] = [math.log1p(w) for w in words.tolist()]
    x[:, 1] = link
    x[:, 2] = [c.depth for c in contexts]
    x[:, 3] = np.arange(n) / n
    x[:, 4] = (np.cumsum(words) - words) / total
    x[:, 5] = kept
    col = 6
    x[:, col:col + 3] = [c.marks for c in contexts]
    col += 3
    for s in STRUCTURE:
        x[:, col] = [s in c.inside for c in contexts]
        col += 1
    x[:, col] = [c.heading for c in contexts]
    col += 1
    for k in KINDS:
        x[:, col] = [c.kind == k for c in contexts]
        col += 1
    texts = [b.text for b in blocks]
    x[:, col] = [100 * _sentence_marks(t) / len(t) for t in texts]
    x[:, col + 1] = [_digits(t) / len(t) for t in texts]
    x[:, col + 2] = [t[-1] in _SENTENCE_END for t in texts]
    x[:, col + 3] = [sum(map(len, split)) / len(split) for split in map(str.split, texts)]
    x[:, col + 4] = ["©" in t or "copyright" in t.lower() for t in texts]
    shape = [(c.depth, c.kind, c.heading) for c in contexts]
    shapes = Counter(shape)
    x[:, col + 5] = [math.log1p(shapes[s]) for s in shape]
    col += 6
    # The blocks two before to two after: their extracted share, log words and link share (-1: none).
    neighbours = np.stack([kept, x[:, 0], link], axis=1)
    for d in (-2, -1, 1, 2):
        part = x[:, col:col + 3]
        part[:] = -1.0
        if d < 0:
            part[-d:] = neighbours[:n + d]
        else:
            part[:n - d] = neighbours[d:]
        col += 3
    x[:, col:col + 5] = [math.log1p(total), len(tokens(extracted)) / total,
                         float((link * words).sum() / total), math.log1p(n), float(declares_article)]
    col += 5
    x[:, col:] = _container_columns(words.tolist(), kept.tolist(), contexts)
    return x


def _container_columns(words: list[float], kept: list[float], contexts: list) -> list[list[float]]:
    """Per block: of its four nearest containers, the share of their words
    extracted, their log words and log blocks (-1: none); then how many
    blocks share its path, and their mean extracted share. Sums run block
    by block in page order, in Python floats."""
    held, held_kept, held_blocks = defaultdict(float), defaultdict(float), defaultdict(int)
    paths, paths_kept = defaultdict(int), defaultdict(float)
    for w, k, c in zip(words, kept, contexts):
        wk = w * k
        for a in c.ancestors:
            held[a] += w
            held_kept[a] += wk
            held_blocks[a] += 1
        paths[c.path] += 1
        paths_kept[c.path] += k
    container = {a: (held_kept[a] / max(held[a], 1), math.log1p(held[a]), math.log1p(held_blocks[a]))
                 for a in held}
    none = (-1.0, -1.0, -1.0)
    rows = []
    for c in contexts:
        up = c.ancestors[-2:-6:-1]  # parent first; the block's own element is not a container
        row = [v for level in range(4) for v in (container[up[level]] if level < len(up) else none)]
        row += [math.log1p(paths[c.path]), paths_kept[c.path] / paths[c.path]]
        rows.append(row)
    return rows


FEATURES = (
    ["log words", "link share", "depth", "position", "words before", "extracted share",
     "chrome marks", "content marks", "comment marks"]
    + [f"in {s}" for s in STRUCTURE] + ["heading level"] + [f"kind {k}" for k in KINDS]
    + ["sentence marks per 100 chars", "digit share", "ends a sentence", "mean word length",
       "copyright", "blocks of the same shape"]
    + [f"{name} {d:+d}" for d in (-2, -1, 1, 2) for name in ("extracted share", "log words", "link share")]
    + ["page log words", "page extracted share", "page link share", "page log blocks", "page declares article"]
    + [f"{name} {level}" for level in (1, 2, 3, 4)
       for name in ("container extracted share", "container log words", "container log blocks")]
    + ["same path blocks", "same path extracted share"]
)
EXTRACTED = FEATURES.index("extracted share")
# Drops are for boxes of links and chrome. A paragraph this long that the
# extractor chose stays whatever the score: on pages unlike its training
# pages the model was now and then sure a whole one-paragraph story was
# boilerplate, and the page came out empty.
KEEP_WORDS = 30


def merge(paragraphs: list[str], blocks: list[Block], scores: np.ndarray, extracted_share: np.ndarray,
          add_at: float, drop_below: float, keep_words: int = KEEP_WORDS,
          toks: list[list[str]] | None = None) -> list[str]:
    """The extractor's paragraphs, without those whose block scores under
    ``drop_below`` (unless the block has ``keep_words`` words or more), plus
    the blocks it left out that score ``add_at`` or more, in page order.
    ``toks``: the blocks' ``tokens``, when already known."""
    at = {}
    for i, t in enumerate(toks if toks is not None else (tokens(b.text) for b in blocks)):
        at.setdefault(" ".join(t), i)
    drop = {i for i, (b, s, k) in enumerate(zip(blocks, scores, extracted_share))
            if k >= 0.5 and s < drop_below and b.words < keep_words}
    placed, last = [], -1
    for p in paragraphs:
        i = at.get(" ".join(tokens(p)))
        if i is not None:
            if i in drop:
                continue
            # A running maximum: the extractor's own order stands.
            last = max(last, i)
        placed.append((last, 0, p))
    added = [(i, 1, b.text) for i, (b, s, k) in enumerate(zip(blocks, scores, extracted_share))
             if k < 0.5 and s >= add_at]
    if not added and len(placed) == len(paragraphs):
        return paragraphs
    return [p for _, _, p in sorted(placed + added, key=lambda t: (t[0], t[1]))]


@lru_cache(maxsize=1)
def shipped_model():
    from .strip.trees import Trees

    raw = resources.files("pipeline").joinpath("data/blocks.json").read_text("utf-8")
    data = json.loads(raw)
    if data.get("features") != FEATURES:
        raise RuntimeError("data/blocks.json was trained on other features; rebuild it (bench/train_blocks.py)")
    return Trees.from_dict(data["trees"]), {k: tuple(v) for k, v in data["thresholds"].items()}


# Thresholds are chosen per kind of page: on a page that calls itself an
# article (og:type, JSON-LD) the extractor's one main text is right more
# often, and adds that help wcxb_dev articles cost scrapinghub_aeb ones; on
# product pages most blocks left out are cards of other products, so only
# the surest are added.
KINDS_OF_PAGE = ("page", "article", "product")


def kind_of_page(declares_article: bool, declares_product: bool) -> str:
    return "article" if declares_article else "product" if declares_product else "page"


def second_opinion(tree, paragraphs: list[str], declares_article: bool, declares_product: bool = False) -> list[str]:
    """``paragraphs`` (the extractor's) as the shipped block model amends them."""
    model, thresholds = shipped_model()
    add_at, drop_below = thresholds[kind_of_page(declares_article, declares_product)]
    if add_at > 1 and drop_below < 0:  # the model may neither add nor drop here
        return paragraphs
    blocks = page_blocks(tree)
    if not blocks:
        return paragraphs
    toks = [tokens(b.text) for b in blocks]
    x = features(blocks, "\n".join(paragraphs), declares_article, toks)
    return merge(paragraphs, blocks, model.predict(x), x[:, EXTRACTED], add_at, drop_below, toks=toks)
