"""From verified pairs to kept documents and their duplicates.

Verified pairs are the edges of a graph. Plain connected components
(union-find) would chain: with A ~ B and B ~ C but A !~ C, all three would
end up in one group. Instead the kept documents are chosen greedily, "star"
style: a group is its kept copy and the documents with a verified edge to
it (one exception across runs, below).

Documents are visited in rank order. A document not yet assigned is kept and
claims every unassigned neighbour as its duplicate. The rank is

1. kept in an earlier run (it is in the index) first: such a document stays
   kept and is never replaced by a later one;
2. then more verified neighbours first: the copy at the centre of a group
   (typically the original that the others were derived from) is kept, which
   lets the most copies verify against it directly;
3. then the longer text (more distinct shingles: the most complete copy);
4. then the earlier position in the input (equal texts: the first seen).

Across runs the star cannot always be centred where one run over all the
documents would centre it: a document kept earlier stays kept even when a
later copy of it has more neighbours (a fuller version of a story kept from
its first paragraphs, say). So the direct copies of a document kept in an
earlier run, after it has claimed them, claim their own unassigned
neighbours for its group, with the similarity of that edge. One step only:
the group is the star that one run would have centred on such a copy.
The direct copies of earlier runs (``members``: fixed too, stored in the
index with their group) claim their unassigned neighbours for their group in
the same way, and the documents they claim claim nothing further.

A document made of two stories (a story with paragraphs of another one
added, a digest of two items) has verified neighbours of both, and those
share next to nothing with each other. With ``stories`` (whether two
documents are one story, how much of one another covers), a document claims
only the neighbours of one story: the one with most of them, then the one
covering most of its text, then the first; the others stay free for the
rest of the visit: one story is not merged into another through a document
made of both.

``components`` is still exposed: it gives the near-duplicate groups (an
engine can use it to split the work of ``resolve``, which never crosses a
component boundary). Node numbers are the last tie-break, so number the
documents as the stage does: the index's kept documents first, then the
batch in input order; a group keeps the relative order of its members.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from .verify import Stories


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
    with_via: bool = False,
    members: Sequence[bool] | None = None,
    stories: Stories | None = None,
):
    """Choose kept documents among ``n`` documents.

    ``edges`` are verified pairs ``(i, j)`` with similarity ``scores[k]``,
    ``sizes[i]`` the length used as tie-break, ``fixed[i]`` marks documents
    decided in earlier runs, ``members[i]`` those of them that are direct
    copies in a group (not kept). Returns ``keeper`` (``keeper[i] == i`` for
    kept documents and members; a document a member claims has the member
    as its keeper, for the caller to name the member's group) and ``score``
    (similarity of the verified edge that put the document in its group, NaN
    for kept ones); with ``with_via`` also ``via``, the document at the
    other end of that edge (``keeper[i]`` itself for a direct copy).
    """
    keeper = np.arange(n, dtype=np.int64)
    via = np.arange(n, dtype=np.int64)
    score = np.full(n, np.nan)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) == 0:
        return (keeper, score, via) if with_via else (keeper, score)
    fixed_arr = np.zeros(n, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    member_arr = np.zeros(n, dtype=bool) if members is None else np.asarray(members, dtype=bool)
    neighbours: dict[int, dict[int, float]] = {}
    for (a, b), s in zip(edges.tolist(), np.asarray(scores, dtype=float).tolist()):
        if a == b:
            continue
        neighbours.setdefault(a, {})[b] = s
        neighbours.setdefault(b, {})[a] = s
    sizes = np.asarray(sizes)
    # Kept documents claim before members: a direct edge to a kept copy wins.
    order = sorted(neighbours, key=lambda i: (not fixed_arr[i], bool(member_arr[i]), -len(neighbours[i]),
                                              -int(sizes[i]), i))
    assigned = set()

    def claim(node: int, owner: int) -> list[int]:
        free = [other for other in sorted(neighbours[node]) if other not in assigned and not fixed_arr[other]]
        if stories is not None and len(free) > 1:
            free = one_story(neighbours, node, free, stories)
        for other in free:
            assigned.add(other)
            keeper[other] = owner
            via[other] = node
            score[other] = neighbours[node][other]
        return free

    joined: list[int] = []
    for node in order:
        if fixed_arr[node]:
            assigned.add(node)
            claimed = claim(node, node)
            if not member_arr[node]:
                joined += claimed
    # A group fixed in an earlier run cannot change its kept copy, though a
    # run over all documents at once might have centred it on one of its
    # copies: so the direct copies of a fixed document claim their own
    # neighbours for the group too. One step only: those claim nothing.
    rank = {node: k for k, node in enumerate(order)}
    for member in sorted(joined, key=rank.__getitem__):
        claim(member, int(keeper[member]))
    for node in order:
        if node not in assigned:
            assigned.add(node)
            claim(node, node)
    return (keeper, score, via) if with_via else (keeper, score)


# Members of each of two stories compared before they are called apart.
_LOOKS = 3


def one_story(neighbours: dict[int, dict[int, float]], node: int, free: list[int], stories: Stories) -> list[int]:
    """The neighbours of ``node`` (sorted) that make its main story: those
    joined by a verified edge or that ``stories`` calls together form a
    story; the story with most members wins, then the one covering most of
    ``node``'s text."""
    label = {other: other for other in free}

    def find(x: int) -> int:
        while label[x] != x:
            label[x] = label[label[x]]
            x = label[x]
        return x

    def by_story() -> dict[int, list[int]]:
        groups: dict[int, list[int]] = {}
        for other in free:
            groups.setdefault(find(other), []).append(other)
        return groups

    for other in free:
        for peer in neighbours[other]:
            if peer in label and find(peer) != find(other):
                label[find(peer)] = find(other)
    groups = by_story()
    if len(groups) == 1:
        return free
    # Stories no verified edge joins may still share their text.
    heads = list(groups)
    for i, a in enumerate(heads):
        for b in heads[i + 1 :]:
            if find(a) != find(b) and any(stories.together(x, y)
                                          for x in groups[a][:_LOOKS] for y in groups[b][:_LOOKS]):
                label[find(b)] = find(a)
    merged = by_story()
    if len(merged) == 1:
        return free
    return max(merged.values(),
               key=lambda story: (len(story), max(stories.cover(node, x) for x in story), -story[0]))
