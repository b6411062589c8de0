"""From verified pairs to kept documents and their duplicates.

Verified pairs are the edges of a graph. Plain connected components
(union-find) would chain: with A ~ B and B ~ C but A !~ C, all three would
end up in one group. Instead the kept documents are chosen greedily, "star"
style, and a duplicate is always a document with a verified edge to its kept
copy:

Documents are visited in rank order. A document not yet assigned is kept and
claims every unassigned neighbour as its duplicate. The rank is

1. kept in an earlier run (it is in the index) first: such a document stays
   kept and is never replaced by a later one;
2. then more verified neighbours first: the copy at the centre of a group
   (typically the original that the others were derived from) is kept, which
   lets the most copies verify against it directly;
3. then the longer text (more distinct shingles: the most complete copy);
4. then the earlier position in the input (equal texts: the first seen).

``components`` is still exposed: it gives the near-duplicate groups (an
engine can use it to split the work of ``resolve``, which never crosses a
component boundary). Node numbers are the last tie-break, so number the
documents as the stage does: the index's kept documents first, then the
batch in input order; a group keeps the relative order of its members.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def components(n: int, edges: np.ndarray) -> np.ndarray:
    """Component label (smallest member index) of each of ``n`` nodes."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in np.asarray(edges, dtype=np.int64).reshape(-1, 2).tolist():
        ra, rb = find(a), find(b)
        if ra != rb:
            if ra < rb:
                parent[rb] = ra
            else:
                parent[ra] = rb
    return np.array([find(x) for x in range(n)], dtype=np.int64)


def resolve(
    n: int,
    edges: np.ndarray,
    scores: Sequence[float],
    sizes: Sequence[int],
    fixed: Sequence[bool] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose kept documents among ``n`` documents.

    ``edges`` are verified pairs ``(i, j)`` with similarity ``scores[k]``,
    ``sizes[i]`` the length used as tie-break, ``fixed[i]`` marks documents
    kept in earlier runs. Returns ``keeper`` (``keeper[i] == i`` for kept
    documents) and ``score`` (similarity to the keeper, NaN for kept ones).
    """
    keeper = np.arange(n, dtype=np.int64)
    score = np.full(n, np.nan)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) == 0:
        return keeper, score
    fixed_arr = np.zeros(n, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    neighbours: dict[int, dict[int, float]] = {}
    for (a, b), s in zip(edges.tolist(), np.asarray(scores, dtype=float).tolist()):
        if a == b:
            continue
        neighbours.setdefault(a, {})[b] = s
        neighbours.setdefault(b, {})[a] = s
    sizes = np.asarray(sizes)
    order = sorted(neighbours, key=lambda i: (not fixed_arr[i], -len(neighbours[i]), -int(sizes[i]), i))
    assigned = set()
    for node in order:
        if node in assigned:
            continue
        assigned.add(node)
        for other, s in sorted(neighbours[node].items()):
            if other not in assigned and not fixed_arr[other]:
                assigned.add(other)
                keeper[other] = node
                score[other] = s
    return keeper, score
