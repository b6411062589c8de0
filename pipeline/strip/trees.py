"""Small gradient-boosted decision trees (logistic loss) in plain numpy.

Trees are complete binary trees of a fixed depth stored as arrays, so
scoring a document is a handful of vectorised look-ups. A node that was not
worth splitting sends everything left (threshold +inf), which keeps the
shape complete. Training bins each feature into quantiles and picks splits
from gradient histograms.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Trees:
    feature: np.ndarray  # (trees, internal nodes) int
    threshold: np.ndarray  # (trees, internal nodes) float
    leaf: np.ndarray  # (trees, leaves) float
    base: float

    @property
    def depth(self) -> int:
        return int(np.log2(self.leaf.shape[1]))

    def margin(self, x: np.ndarray) -> np.ndarray:
        # Flat indices and np.take: much cheaper than 2-D fancy indexing.
        n, d = x.shape
        n_trees, n_internal = self.feature.shape
        flat_x = np.ascontiguousarray(x).ravel()
        feat, thr = self.feature.ravel(), self.threshold.ravel()
        tree_base = (np.arange(n_trees) * n_internal)[:, None]
        row_base = (np.arange(n) * d)[None, :]
        node = np.zeros((n_trees, n), dtype=np.int64)
        for _ in range(self.depth):
            at = tree_base + node
            right = np.take(flat_x, row_base + np.take(feat, at)) > np.take(thr, at)
            node = 2 * node + 1 + right
        leaf_at = (np.arange(n_trees) * self.leaf.shape[1])[:, None] + node - n_internal
        return self.base + np.take(self.leaf.ravel(), leaf_at).sum(axis=0)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.margin(x), -30, 30)))

    def to_dict(self) -> dict:
        thr = [[None if not np.isfinite(v) else float(v) for v in row] for row in self.threshold]
        return {
            "kind": "trees",
            "feature": self.feature.tolist(),
            "threshold": thr,
            "leaf": np.round(self.leaf, 6).tolist(),
            "base": round(float(self.base), 6),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Trees":
        thr = np.array([[np.inf if v is None else v for v in row] for row in d["threshold"]], dtype=float)
        return cls(np.asarray(d["feature"], dtype=np.int64), thr, np.asarray(d["leaf"], dtype=float),
                   float(d["base"]))


def _bins(x: np.ndarray, n_bins: int) -> tuple[np.ndarray, list[np.ndarray]]:
    edges = []
    binned = np.zeros(x.shape, dtype=np.int64)
    for j in range(x.shape[1]):
        qs = np.unique(np.quantile(x[:, j], np.linspace(0, 1, n_bins + 1)[1:-1]))
        edges.append(qs)
        binned[:, j] = np.searchsorted(qs, x[:, j], side="left")
    return binned, edges


def fit_trees(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None, n_trees: int = 120,
              depth: int = 4, rate: float = 0.1, l2: float = 1.0, min_hess: float = 5.0,
              subsample: float = 0.7, n_bins: int = 32, seed: int = 0) -> Trees:
    """Boosted trees on (x, y) with sample weights w."""
    rng = np.random.default_rng(seed)
    n, d = x.shape
    w = np.ones(n) if w is None else w / w.mean()
    binned, edges = _bins(x, n_bins)
    n_internal, n_leaves = 2 ** depth - 1, 2 ** depth
    feature = np.zeros((n_trees, n_internal), dtype=np.int64)
    threshold = np.full((n_trees, n_internal), np.inf)
    leaf = np.zeros((n_trees, n_leaves))
    p0 = np.clip(np.average(y, weights=w), 1e-4, 1 - 1e-4)
    base = float(np.log(p0 / (1 - p0)))
    margin = np.full(n, base)
    offsets = np.arange(d) * (n_bins + 1)
    for t in range(n_trees):
        p = 1.0 / (1.0 + np.exp(-margin))
        g = w * (p - y)
        h = w * p * (1 - p)
        sample = rng.random(n) < subsample
        node = np.zeros(n, dtype=np.int64)  # node id within the current level
        for level in range(depth):
            first = 2 ** level - 1
            for k in range(2 ** level):
                idx = np.nonzero(sample & (node == k))[0]
                nid = first + k
                if len(idx) < 2:
                    continue
                flat = (binned[idx] + offsets).ravel()
                size = d * (n_bins + 1)
                gh = np.bincount(flat, weights=np.repeat(g[idx], d), minlength=size).reshape(d, -1)
                hh = np.bincount(flat, weights=np.repeat(h[idx], d), minlength=size).reshape(d, -1)
                gl, hl = np.cumsum(gh, axis=1)[:, :-1], np.cumsum(hh, axis=1)[:, :-1]
                G, H = gh.sum(axis=1)[:, None], hh.sum(axis=1)[:, None]
                gr, hr = G - gl, H - hl
                gain = gl ** 2 / (hl + l2) + gr ** 2 / (hr + l2) - G ** 2 / (H + l2)
                gain[(hl < min_hess) | (hr < min_hess)] = -np.inf
                j, b = np.unravel_index(np.argmax(gain), gain.shape)
                if not np.isfinite(gain[j, b]) or gain[j, b] <= 1e-9 or b >= len(edges[j]):
                    continue
                feature[t, nid] = j
                threshold[t, nid] = edges[j][b]
            # Route every sample (not only the subsample) to the next level.
            f = feature[t, first + node]
            right = x[np.arange(n), f] > threshold[t, first + node]
            node = 2 * node + right
        gs = np.bincount(node[sample], weights=g[sample], minlength=n_leaves)
        hs = np.bincount(node[sample], weights=h[sample], minlength=n_leaves)
        leaf[t] = -rate * gs / (hs + l2)
        margin += leaf[t][node]
    return Trees(feature, threshold, leaf, base)
