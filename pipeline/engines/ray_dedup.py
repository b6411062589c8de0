"""MinHash dedup on Ray Data, distributed by band.

1. signatures, band keys and shingle sets: a map over the documents;
2. candidate pairs: (band, key) rows shuffled so that each bucket lands in
   one task (groupby on a hash of the band key), ``pairs_in_bucket`` there;
3. candidate components: union-find over the candidate pairs **on the
   driver** (the pair list is small: about one pair per near-copy);
4. verification and choice of kept copies: members shuffled by component
   (groupby), ``verify_many`` and ``resolve`` per component in tasks;
5. the dedup index (SQLite, one file) is read and written on the driver:
   its band keys join step 2, its shingle sets step 4, and this run's kept
   documents and duplicates are added in one transaction, in input order.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pyarrow as pa

from ..dedup import DedupConfig, DedupIndex, components
from . import dedup_tasks
from .dedup_tasks import Decisions
from .tasks import pack, unpack


def signed(docs, config: DedupConfig):
    return docs.map_batches(dedup_tasks.sign_docs, batch_format="numpy", fn_kwargs={"config": config})


class Outcome(Decisions):
    """Decisions, plus what the driver must add to the index afterwards."""

    def __init__(self, seqs, kept_ids, similarities, rules, index: DedupIndex, new_docs, direct=()):
        super().__init__(seqs, kept_ids, similarities, rules)
        self.index = index
        self.new_docs = new_docs  # dataset rows of the documents decided here
        self.direct = set(int(s) for s in direct)  # seqs of the direct copies, stored as members

    def __reduce__(self):  # tasks get the decisions only
        return Decisions, (self.seq, self.kept_id, self.similarity, self.rule)


def decide(ray, docs, config: DedupConfig, index_path, shards: int) -> Outcome:
    index = DedupIndex(index_path, config)
    work = docs.map_batches(_work, batch_format="numpy")
    seqs, ids = _collect(work, ["seq", "id"])
    known = index.known(ids.tolist())
    decided = {int(s): known[i] for s, i in zip(seqs, ids) if i in known}
    fresh = np.array(sorted(set(seqs.tolist()) - set(decided)), dtype=np.int64)

    # 2: candidate pairs, index documents included (negative seq, index order).
    old_rows, old_keys, old_sizes, old_member = index.load_keys()
    n_old = len(old_rows)
    new_docs = docs.map_batches(_only, batch_format="numpy", fn_kwargs={"seqs": fresh})
    bands = new_docs.map_batches(_band_rows, batch_format="numpy",
                                 fn_kwargs={"shards": shards, "band_columns": config.band_columns})
    if n_old:
        old = dedup_tasks.band_rows(np.arange(n_old) - n_old, old_keys, shards, config.band_columns)
        bands = bands.union(ray.data.from_arrow(pa.table(old)))
    found = bands.groupby("shard").map_groups(dedup_tasks.bucket_pairs, batch_format="numpy",
                                              fn_kwargs={"anchor_cap": config.anchor_cap})
    a, b, anchor = _collect(found, ["a", "b", "anchor"])
    pairs = dedup_tasks.anchor_pairs(a, b, anchor, config.anchor_min_shared)
    known_seq = list(decided)
    known = (np.array(known_seq, dtype=np.int64), np.array([decided[s][0] for s in known_seq], dtype=object),
             np.array([_number(decided[s][1]) for s in known_seq]),
             np.array([decided[s][2] for s in known_seq], dtype=object))
    if not len(pairs):
        return Outcome(*known, index, new_docs)

    # 3: candidate components on the driver.
    nodes = np.unique(pairs)
    labels = components(len(nodes), np.searchsorted(nodes, pairs))
    pair_label = labels[np.searchsorted(nodes, pairs[:, 0])]
    order = np.argsort(pair_label, kind="stable")
    by_label = {"label": pair_label[order], "a": pairs[order, 0], "b": pairs[order, 1]}

    # 4: verify and resolve per component.
    members = new_docs.map_batches(_members, batch_format="numpy",
                                   fn_kwargs={"nodes": nodes, "labels": labels, "shards": shards})
    old_nodes = nodes[nodes < 0]
    if len(old_nodes):
        rows = old_rows[old_nodes + n_old]
        sets, names = index.sets(rows), index.keepers_of(rows)
        old_members = {
            "seq": old_nodes,
            "label": labels[np.searchsorted(nodes, old_nodes)],
            "id": np.array([names[int(r)] for r in rows], dtype=object),  # the kept id of its group
            "member": old_member[old_nodes + n_old],
            "sig": np.array([pack((int(old_sizes[k + n_old]), *sets[int(r)])) for k, r in zip(old_nodes, rows)],
                            dtype=object),
        }
        old_members["shard"] = old_members["label"] % shards
        members = members.union(ray.data.from_arrow(pa.table(old_members)))
    dups = members.groupby("shard").map_groups(dedup_tasks.resolve_groups, batch_format="numpy",
                                                fn_kwargs={"pairs": by_label, "config": config})
    dup_seq, kept_id, similarity, rule, direct = _collect(dups, ["seq", "kept_id", "similarity", "rule", "direct"])
    return Outcome(np.concatenate([dup_seq, known[0]]), np.concatenate([kept_id.astype(object), known[1]]),
                   np.concatenate([similarity, known[2]]), np.concatenate([rule.astype(object), known[3]]),
                   index, new_docs, dup_seq[direct.astype(bool)])


def commit(outcome: Outcome) -> None:
    """Add this run's decisions to the index, in input order, as the local stage does."""
    seqs, ids, sigs, keys = _collect(outcome.new_docs, ["seq", "id", "sig", "keys"])

    def stored(i: int):
        size, shingles, numbers, text, lead, day = unpack(sigs[i])
        return size, keys[i], shingles, numbers, text, lead, day

    def decided():
        for i in np.argsort(seqs, kind="stable"):
            kept_id, similarity, rule = outcome.lookup(int(seqs[i]))
            similarity = None if kept_id is None or np.isnan(similarity) else float(similarity)
            yield ids[i], kept_id, similarity, rule, int(seqs[i]) in outcome.direct, partial(stored, i)

    outcome.index.record(decided())
    outcome.index.close()


def _number(value) -> float:
    return np.nan if value is None else float(value)


def _collect(ds, columns: list[str]) -> list[np.ndarray]:
    parts = {c: [] for c in columns}
    for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
        for c in columns:
            parts[c].append(batch[c])
    return [np.concatenate(parts[c]) if parts[c] else np.zeros(0, dtype=np.int64) for c in columns]


def _work(batch) -> dict:
    return {"seq": batch["seq"][batch["work"]], "id": batch["id"][batch["work"]]}


def _only(batch, seqs: np.ndarray) -> dict:
    keep = np.isin(batch["seq"], seqs)
    return {c: batch[c][keep] for c in ("seq", "id", "keys", "sig")}


def _band_rows(batch, shards: int, band_columns: int) -> dict:
    return dedup_tasks.band_rows(batch["seq"], batch["keys"], shards, band_columns)


def _members(batch, nodes: np.ndarray, labels: np.ndarray, shards: int) -> dict:
    pos = np.searchsorted(nodes, batch["seq"])
    inside = (pos < len(nodes)) & (nodes[np.minimum(pos, len(nodes) - 1)] == batch["seq"]) if len(nodes) else \
        np.zeros(len(batch["seq"]), dtype=bool)
    label = labels[pos[inside]] if len(nodes) else np.zeros(0, dtype=np.int64)
    return {"seq": batch["seq"][inside], "label": label, "id": batch["id"][inside],
            "sig": batch["sig"][inside], "member": np.zeros(int(inside.sum()), dtype=bool), "shard": label % shards}
