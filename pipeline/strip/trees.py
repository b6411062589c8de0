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
    width = n_bins + 1
    size = d * width
    # Each (row, feature) cell as its index in a flat (feature, bin) histogram.
    cells = (binned + np.arange(d) * width).astype(np.int32)
    # A split at bin b is valid only where the feature has an edge there.
    valid = np.arange(n_bins)[None, :] < np.array([len(e) for e in edges])[:, None]
    rows = np.arange(n)
    for t in range(n_trees):
        p = 1.0 / (1.0 + np.exp(-margin))
        g = w * (p - y)
        h = w * p * (1 - p)
        sample = np.nonzero(rng.random(n) < subsample)[0]
        s_cells, s_g, s_h = cells[sample], g[sample], h[sample]
        node = np.zeros(n, dtype=np.int64)  # node id within the current level, every row
        s_node = np.zeros(len(sample), dtype=np.int64)
        hist = None  # (nodes of the level, 2 [g, h], d, width)
        for level in range(depth):
            first = 2 ** level - 1
            k_nodes = 2 ** level
            if hist is None:
                hist = _histogram(s_cells, s_g, s_h, np.zeros(len(s_node), dtype=np.int64), 1, size, d, width)
            else:
                # Histograms of the left children only; a right child is its
                # parent's minus its sibling's (half the counting).
                left = np.nonzero(s_node % 2 == 0)[0]
                lh = _histogram(s_cells[left], s_g[left], s_h[left], s_node[left] // 2, k_nodes // 2, size, d, width)
                both = np.empty((k_nodes,) + lh.shape[1:])
                both[0::2] = lh
                both[1::2] = hist - lh
                hist = both
            counts = np.bincount(s_node, minlength=k_nodes)
            gh, hh = hist[:, 0], hist[:, 1]
            gl, hl = np.cumsum(gh, axis=2)[:, :, :-1], np.cumsum(hh, axis=2)[:, :, :-1]
            G, H = gh.sum(axis=2)[:, :, None], hh.sum(axis=2)[:, :, None]
            gr, hr = G - gl, H - hl
            gain = gl ** 2 / (hl + l2) + gr ** 2 / (hr + l2) - G ** 2 / (H + l2)
            gain[(hl < min_hess) | (hr < min_hess) | ~valid[None]] = -np.inf
            for k in range(k_nodes):
                if counts[k] < 2:
                    continue
                j, b = np.unravel_index(np.argmax(gain[k]), gain[k].shape)
                if not np.isfinite(gain[k, j, b]) or gain[k, j, b] <= 1e-9:
                    continue
                feature[t, first + k] = j
                threshold[t, first + k] = edges[j][b]
            # Route every row (not only the subsample) to the next level.
            f = feature[t, first + node]
            node = 2 * node + (x[rows, f] > threshold[t, first + node])
            s_node = node[sample]
        gs = np.bincount(s_node, weights=s_g, minlength=n_leaves)
        hs = np.bincount(s_node, weights=s_h, minlength=n_leaves)
        leaf[t] = -rate * gs / (hs + l2)
        margin += leaf[t][node]
    return Trees(feature, threshold, leaf, base)


def _histogram(cells, g, h, node, k_nodes, size, d, width) -> np.ndarray:
    """Sums of g and h per (node, feature, bin): shape (k_nodes, 2, d, width)."""
    key = cells.ravel() if k_nodes == 1 else (cells + (node * size).astype(np.int32)[:, None]).ravel()
    total = k_nodes * size
    hg = np.bincount(key, weights=np.repeat(g, d), minlength=total)
    hh = np.bincount(key, weights=np.repeat(h, d), minlength=total)
    return np.stack([hg.reshape(k_nodes, d, width), hh.reshape(k_nodes, d, width)], axis=1)
