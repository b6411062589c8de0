"""The dedup stage: pending documents end KEPT or DUPLICATE.

The stage needs the whole batch before it can decide anything, so it reads
its input to the end, then yields every document in input order:

* finished documents (rejected, empty, already decided) and pending ones
  whose text is blank pass through unchanged (the writer deals with them);
* a document whose id the index already knows gets the recorded answer
  (kept, or duplicate of its recorded kept copy): re-running a batch never
  turns a document into a duplicate of itself;
* the rest are signed, banded, verified and clustered (see ``cluster``)
  together with the documents kept by earlier runs; a duplicate gets
  ``duplicate_of`` (the kept copy's id) and ``similarity`` (see ``verify``;
  to the kept copy, or for a copy joining a group kept in an earlier run
  through one of its direct copies, to that copy: see ``cluster``).

With an index the decisions are committed to it in one transaction once the
input is exhausted and before the first document is yielded.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from ..document import DUPLICATE, KEPT, Document
from ..pool import exit_when_gone
from .cluster import resolve
from .config import DedupConfig
from .dates import day_of
from .index import DedupIndex, pack_lead, pack_text, unpack_text
from .anchors import anchor_keys, plain_pairs
from .lsh import band_keys, candidates
from .minhash import minhash_csr
from .shingles import shingles_and_numbers, unique_segments
from .template import lead_end, lead_text
from .verify import RULES, Readings, edge_values, set_bitmaps, stories_of, verify_many

# Documents signed per step: bounds the scratch memory of a step.
_CHUNK = 8192


@dataclass
class Signed:
    """Band keys, shingle sets and number sets of a list of texts (sets in CSR form)."""

    keys: np.ndarray  # (n, bands + lead_bands) uint32
    shingles: np.ndarray  # flat uint32, sorted and distinct per document
    offsets: np.ndarray  # int64, n + 1
    numbers: np.ndarray  # flat uint32, number-token hashes
    number_offsets: np.ndarray
    lead_ends: np.ndarray | None = None  # ``lead_end`` of each text, when asked for

    def set_of(self, i: int) -> np.ndarray:
        return self.shingles[self.offsets[i] : self.offsets[i + 1]]

    def numbers_of(self, i: int) -> np.ndarray:
        return self.numbers[self.number_offsets[i] : self.number_offsets[i + 1]]

    @cached_property
    def sizes(self) -> np.ndarray:
        # Cached: a pass over the whole batch, read once per stored document.
        return np.diff(self.offsets)


def in_work(doc: Document) -> bool:
    """The documents the stage decides (the others pass through unchanged)."""
    return doc.pending and bool(doc.text.strip())


def compared_text(doc: Document) -> str:
    """What the stage compares: the text with the headline the strip stage
    took out of it into the metadata (lines it removed with the rule
    "headline"). Notices written on one template (a dividend, a quarter's
    results) often differ only there, in the company's name; syndicated
    copies keep it."""
    return with_headline(doc.text, (r.line for r in headline_of(doc)))


def headline_of(doc: Document) -> tuple:
    """The lines the strip stage removed from ``doc`` as its headline."""
    return tuple(r for r in doc.removed if r.rule == "headline")


def with_headline(text: str, headlines: Iterable[str]) -> str:
    headline = "\n".join(headlines)
    return f"{headline}\n\n{text}" if headline else text


def _join(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate CSR arrays."""
    if not parts:
        return np.zeros(0, np.uint32), np.zeros(1, np.int64)
    sizes = np.concatenate([np.diff(off) for _, off in parts])
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return np.concatenate([flat for flat, _ in parts]), offsets


def sign(texts: Sequence[str], config: DedupConfig, leads: bool = False) -> Signed:
    """Band keys, distinct shingles and number sets of texts (one process);
    with ``leads``, also where each text's lead ends (the index keeps the lead)."""
    keys, sets, numbers = [], [], []
    for start in range(0, len(texts), _CHUNK):
        part = texts[start : start + _CHUNK]
        flat, offsets, *part_numbers = shingles_and_numbers(part, config.shingle, config.shingle_size)
        part_keys = [band_keys(minhash_csr(*unique_segments(*_heads(flat, offsets, config.lead_shingles)),
                                           config.lead_bands * config.lead_rows, config.seed + 1),
                               config.lead_bands, config.lead_rows)] if config.lead_bands else []
        flat, offsets = unique_segments(flat, offsets)
        sigs = minhash_csr(flat, offsets, config.num_perm, config.seed)
        part_keys.append(anchor_keys(flat, offsets, config.anchor_count, config.seed + 2,
                                     plain_pairs() if config.plain_anchors_last else None))
        keys.append(np.hstack([band_keys(sigs, config.bands, config.rows)] + part_keys))
        sets.append((flat, offsets))
        numbers.append(tuple(part_numbers))
    all_keys = np.concatenate(keys) if keys else np.zeros((0, config.all_bands), np.uint32)
    ends = np.array([lead_end(text, config.template_lead_words) for text in texts], dtype=np.int64) \
        if leads else None
    return Signed(all_keys, *_join(sets), *_join(numbers), ends)


def _heads(flat: np.ndarray, offsets: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``size`` shingles of each document (CSR, in text order)."""
    lengths = np.minimum(np.diff(offsets), size)
    heads = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=heads[1:])
    index = np.arange(heads[-1], dtype=np.int64) - np.repeat(heads[:-1] - offsets[:-1], lengths)
    return flat[index], heads


def _sign_part(args: tuple[list[str], DedupConfig, bool]) -> Signed:
    return sign(*args)


def sign_parallel(texts: Sequence[str], config: DedupConfig, workers: int, leads: bool = False) -> Signed:
    """``sign`` spread over worker processes (same result as ``sign``)."""
    if workers <= 1 or len(texts) < _CHUNK:
        return sign(texts, config, leads)
    # A part per worker for a batch of a run (10,000 documents), parts of
    # 4 steps for larger sets, so that parts come back as others are signed.
    step = min(_CHUNK * 4, -(-len(texts) // workers))
    keys = np.empty((len(texts), config.all_bands), dtype=np.uint32)
    sets, numbers = [], []
    ends = np.empty(len(texts), dtype=np.int64) if leads else None
    parts = ((texts[i : i + step], config, leads) for i in range(0, len(texts), step))
    with ProcessPoolExecutor(max_workers=workers, initializer=_watch, initargs=(os.getpid(),)) as pool:
        # Parts come back in order; each is copied out and dropped at once.
        for number, part in enumerate(pool.map(_sign_part, parts)):
            keys[number * step : number * step + len(part.keys)] = part.keys
            sets.append((part.shingles, part.offsets))
            numbers.append((part.numbers, part.number_offsets))
            if ends is not None:
                ends[number * step : number * step + len(part.keys)] = part.lead_ends
    return Signed(keys, *_join(sets), *_join(numbers), ends)


def _watch(parent: int) -> None:
    """In a worker: end with the process that started it. A forked worker
    holds what its parent held (a run's lock among them) and, its parent
    killed with -9, would otherwise wait on its queue for ever."""
    threading.Thread(target=exit_when_gone, args=(parent,), daemon=True).start()


# What forked verification workers read: (pairs, verify_many's other arguments).
_VERIFYING: tuple | None = None
# A worker's readings of texts and leads, kept over the slices it verifies
# (its pool lives for one batch: it starts empty in each new worker).
_READINGS: Readings | None = None


def _verify_part(bounds: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    global _READINGS
    pairs, args, kwargs = _VERIFYING
    if _READINGS is None:
        _READINGS = Readings(args[2], kwargs.get("texts"), kwargs.get("leads"), kwargs.get("cut_below", 0))
    return _accepted(*verify_many(pairs[bounds[0] : bounds[1]], *args, readings=_READINGS, **kwargs),
                     shift=bounds[0])


def _accepted(accepted: np.ndarray, similarity: np.ndarray, rule: np.ndarray,
              shift: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keep = np.flatnonzero(accepted)
    return keep + shift, similarity[keep], rule[keep]


def verify_parallel(pairs: np.ndarray, *args, workers: int = 1, **kwargs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs ``verify_many`` accepts: their positions in ``pairs``,
    similarity and rule (most candidate pairs are refused: only the
    accepted ones are sent back and kept). Large batches are verified in
    slices in forked worker processes (the same arrays: each pair is
    judged on its own). The workers inherit the sets and the callables
    reading texts and leads instead of having them sent. Earlier texts
    have more copies, so slices cost unlike amounts: there are many, handed
    out as workers come free, and each worker reads a lead once for all
    the slices it takes."""
    global _VERIFYING
    kwargs.setdefault("chunk", _VERIFY_CHUNK)
    if workers <= 1 or len(pairs) < _PARALLEL_PAIRS:
        return _accepted(*verify_many(pairs, *args, **kwargs))
    step = -(-len(pairs) // (_SLICES * workers))
    bounds = [(start, min(start + step, len(pairs))) for start in range(0, len(pairs), step)]
    if kwargs.get("screen", True):  # made once, for every slice
        kwargs["bitmaps"] = set_bitmaps(args[0], args[1])
    _VERIFYING = (pairs, args, kwargs)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_watch, initargs=(os.getpid(),)) as pool:
            parts = list(pool.map(_verify_part, bounds))
    finally:
        _VERIFYING = None
    return tuple(np.concatenate(column) for column in zip(*parts))


# Pairs verified per step: their gathered shingle sets then stay in cache
# (measured 1.7x quicker set intersections than 100,000 at a time).
_VERIFY_CHUNK = 8192
# Fewer candidate pairs are verified in the process at hand: starting workers costs more.
_PARALLEL_PAIRS = 50_000
# Slices per worker: enough that the last ones to finish are short.
_SLICES = 8


class Dedup:
    """Near-duplicate detection over a whole batch, optionally incremental.

    ``index_path`` (or an open ``index``) makes runs incremental: documents
    kept by earlier runs take part and stay kept. Opening an index built
    with other settings raises ``SettingsMismatch`` here, before any work.
    ``workers`` > 1 signs and verifies large batches in that many processes.
    """

    name = "dedup"

    def __init__(
        self,
        config: DedupConfig | None = None,
        index_path: str | Path | None = None,
        index: DedupIndex | None = None,
        workers: int = 1,
    ) -> None:
        self.config = config or DedupConfig()
        if index is not None:
            self.config.check(index.config.fingerprint, what=f"the dedup index {index.path}")
        elif index_path is not None:
            index = DedupIndex(index_path, self.config)
        self.index = index
        self.workers = workers

    def close(self) -> None:
        if self.index is not None:
            self.index.close()

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        yield from self.decide(docs)

    def decide(self, docs: Iterable[Document]) -> list[Document]:
        """The whole batch, decided, in input order."""
        # Decided documents replace their input in place, so the old records
        # can be freed as the batch is answered.
        docs = list(docs)
        with _collector_paused():
            return self._decide_all(docs)

    def _decide_all(self, docs: list[Document]) -> list[Document]:
        out = docs
        work = [i for i, d in enumerate(docs) if in_work(d)]
        if self.index is not None and work:
            known = self.index.known([docs[i].id for i in work])
            fresh = []
            for i in work:
                if docs[i].id in known:
                    kept_id, sim, rule = known[docs[i].id]
                    out[i] = _kept(docs[i]) if kept_id is None else _duplicate(docs[i], kept_id, sim, rule)
                else:
                    fresh.append(i)
            work = fresh
        if work:
            self._decide(docs, work, out)
        return out

    def _decide(self, docs: list[Document], work: list[int], out: list[Document]) -> None:
        config = self.config
        # With an index, every new text's lead is stored: cut and packed with the signatures.
        texts = [compared_text(docs[i]) for i in work]
        signed = sign_parallel(texts, config, self.workers,
                               leads=self.index is not None and _keeps_leads(config))
        if self.index is not None:
            old_rows, old_keys, old_sizes, old_members = self.index.load_keys()
        else:
            old_rows = np.zeros(0, np.int64)
            old_keys = np.zeros((0, config.all_bands), np.uint32)
            old_sizes = np.zeros(0, np.int64)
            old_members = np.zeros(0, bool)
        n_old, n_new = len(old_rows), len(work)
        all_keys = np.concatenate([old_keys, signed.keys]) if n_old else signed.keys
        pairs = candidates(all_keys, config, min_right=n_old)
        del all_keys
        del old_keys
        # One CSR of shingle sets: this batch's, then the index's candidates.
        sets = (signed.shingles, signed.offsets)
        numbers = (signed.numbers, signed.number_offsets)
        position = np.full(n_old + n_new, -1, dtype=np.int64)
        position[n_old:] = np.arange(n_new)
        old_texts: list = []
        old_leads: list = []
        old_days: list = []
        if n_old and len(pairs):
            needed = np.unique(pairs[pairs[:, 0] < n_old, 0])
            found = self.index.sets(old_rows[needed])
            old = [found[int(old_rows[k])] for k in needed]
            sets = _append(sets, [x[0] for x in old])
            numbers = _append(numbers, [x[1] for x in old])
            old_texts = [x[2] for x in old]
            old_leads = [x[3] for x in old]
            old_days = [x[4] for x in old]
            position[needed] = n_new + np.arange(len(needed))

        def text_of(p: int) -> str | None:  # by position in ``sets``
            return texts[p] if p < n_new else unpack_text(old_texts[p - n_new])

        # Each new text's lead is cut once, when first needed (verify_many keeps it).
        keeps_leads = _keeps_leads(config)

        def lead_of(p: int) -> str | None:
            if p >= n_new:
                return unpack_text(old_leads[p - n_new])
            if signed.lead_ends is not None:
                return texts[p][: signed.lead_ends[p]]
            return lead_text(texts[p], config.template_lead_words)

        days = None
        if config.max_days_apart > 0:
            days = np.array([day_of(docs[i].meta.get("date")) for i in work] + old_days, dtype=float)
        # With no document of earlier runs, positions are node numbers: no copy of the pairs.
        accepted, scores, rules = verify_parallel(position[pairs] if n_old else pairs, *sets, config,
                                                  workers=self.workers, numbers=numbers, texts=text_of,
                                                  leads=lead_of if keeps_leads else None, cut_below=n_new, days=days)
        edges = pairs[accepted]
        del pairs, accepted  # the candidate pairs are most of the stage's memory
        sizes = np.concatenate([old_sizes, signed.sizes])
        fixed = np.zeros(n_old + n_new, dtype=bool)
        fixed[:n_old] = True
        members = np.zeros(n_old + n_new, dtype=bool)
        members[:n_old] = old_members
        stories = stories_of(*sets, config, position if n_old else None)
        keeper, score, via = resolve(n_old + n_new, edges, scores, sizes, fixed, with_via=True, members=members,
                                     stories=stories)
        del sets, position, stories
        rule = np.zeros(n_old + n_new, dtype=np.int8)
        joined = np.flatnonzero(via != np.arange(n_old + n_new))
        rule[joined] = edge_values(edges, rules, joined, via[joined])

        # Old documents keep this run's documents: name their groups.
        old_keepers = keeper[n_old:][keeper[n_old:] < n_old]
        old_ids = self.index.keepers_of(old_rows[np.unique(old_keepers)]) if n_old else {}

        def id_of(k: int) -> str:
            return old_ids[int(old_rows[k])] if k < n_old else docs[work[k - n_old]].id

        decisions = []
        for pos, i in enumerate(work):
            node = n_old + pos
            k = int(keeper[node])
            if k == node:
                out[i] = _kept(docs[i])
                decisions.append((pos, None, None, None, False))
            else:
                sim, why = round(float(score[node]), 4), RULES[rule[node]]
                out[i] = _duplicate(docs[i], id_of(k), sim, why)
                decisions.append((pos, id_of(k), sim, why, is_direct(node, keeper, via, members)))
        if self.index is not None:
            self._record(docs, work, texts, signed, decisions)

    def _record(self, docs, work, texts: list[str], signed: Signed, decisions) -> None:
        sizes = signed.sizes  # once: it is a pass over the whole batch
        ends = signed.lead_ends

        def stored(pos: int):
            text = texts[pos]
            return (sizes[pos], signed.keys[pos], signed.set_of(pos), signed.numbers_of(pos),
                    stored_text(text, self.config), None if ends is None else pack_lead(text[: ends[pos]]),
                    day_of(docs[work[pos]].meta.get("date")))

        self.index.record(_Decided(decisions, lambda pos: docs[work[pos]].id, stored))


class _Decided:
    """``DedupIndex.record``'s rows, made as they are read (it reads them
    twice): a list of a million rows and their callables would be the
    stage's largest allocation at its end."""

    def __init__(self, decisions: list, id_of, stored) -> None:
        self._decisions, self._id_of, self._stored = decisions, id_of, stored

    def __len__(self) -> int:
        return len(self._decisions)

    def __iter__(self):
        for pos, kept_id, sim, why, direct in self._decisions:
            yield self._id_of(pos), kept_id, sim, why, direct, partial(self._stored, pos)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the stage works: the batch is a
    million or so small objects that live until it returns, and each full
    collection would walk them all (in forked workers, it would also copy
    every page they are on). The stage makes no garbage cycles to speak of."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def stored_text(text: str, config: DedupConfig) -> bytes | None:
    """What the index keeps of a text: only what the character check needs."""
    return pack_text(text) if config.char_jaccard_threshold > 0 else None


def stored_lead(text: str, config: DedupConfig) -> bytes | None:
    """The lead the index keeps for the template guard, the first-version
    and the rewrite rules (None with all off)."""
    return pack_lead(lead_text(text, config.template_lead_words)) if _keeps_leads(config) else None


def _keeps_leads(config: DedupConfig) -> bool:
    return config.template_guard or config.first_version_containment > 0 or config.rewrite_containment > 0


def is_direct(node: int, keeper: np.ndarray, via: np.ndarray, members: np.ndarray) -> bool:
    """Whether a duplicate was verified against its kept copy itself (not
    through another copy): such a copy is stored in the index as a member."""
    k = int(keeper[node])
    return k != node and not members[k] and int(via[node]) == k


def _append(csr: tuple[np.ndarray, np.ndarray], more: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    flat, offsets = csr
    extra = np.cumsum([len(x) for x in more], dtype=np.int64) + offsets[-1]
    return np.concatenate([flat] + more), np.concatenate([offsets, extra])


def _kept(doc: Document) -> Document:
    return doc.evolve(status=KEPT, duplicate_of=None, similarity=None, rule=None)


def _duplicate(doc: Document, kept_id: str, similarity: float | None, rule: str | None) -> Document:
    return doc.evolve(status=DUPLICATE, duplicate_of=kept_id, similarity=similarity, rule=rule or None)
