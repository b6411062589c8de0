"""The dedup stage's work in several processes: the same answers as in one."""
from __future__ import annotations

import random
import sqlite3

import numpy as np
from dedup_fixtures import ARTICLES

from pipeline.dedup import Dedup, DedupConfig
from pipeline.dedup import stage as stage_module
from pipeline.dedup.template import lead_text
from pipeline.dedup.verify import verify_many
from pipeline.document import Document


def texts(n: int = 120, seed: int = 3) -> list[str]:
    """Copies of the fixture articles, cut, with words changed or a figure
    replaced: exact copies, near ones and other issues of one report."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = ARTICLES[i % len(ARTICLES)].split()
        words = words[: rng.randint(30, len(words))]
        for _ in range(rng.randint(0, 3)):
            words[rng.randrange(len(words))] = rng.choice(["Tuesday", "Friday", "410", "520", "north", "the"])
        out.append(" ".join(words))
    return out


def test_signing_finds_where_each_lead_ends():
    config = DedupConfig()
    signed = stage_module.sign(texts(), config, leads=True)
    assert [t[:end] for t, end in zip(texts(), signed.lead_ends)] == [lead_text(t, config.template_lead_words)
                                                                      for t in texts()]
    assert stage_module.sign(texts(), config).lead_ends is None


def test_verifying_in_worker_processes_gives_the_same_arrays(monkeypatch):
    monkeypatch.setattr(stage_module, "_PARALLEL_PAIRS", 1)
    config = DedupConfig()
    batch = texts()
    signed = stage_module.sign(batch, config)
    pairs = np.array([(i, j) for i in range(len(batch)) for j in range(i + 1, len(batch)) if (i + j) % 3], np.int64)

    def lead(i: int) -> str:
        return batch[i]

    args = (pairs, signed.shingles, signed.offsets, config)
    kwargs = dict(numbers=(signed.numbers, signed.number_offsets), leads=lead)
    accepted, similarity, rule = verify_many(*args, **kwargs)
    assert accepted.any() and not accepted.all()  # some pairs pass, some not
    want = (np.flatnonzero(accepted), similarity[accepted], rule[accepted])
    for workers in (1, 2):
        got = stage_module.verify_parallel(*args, workers=workers, **kwargs)
        for a, b in zip(want, got):
            assert a.dtype == b.dtype and np.array_equal(a, b)


def index_rows(path) -> list:
    db = sqlite3.connect(path)
    try:
        return [db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in ("kept", "duplicates")]
    finally:
        db.close()


def test_a_batch_decided_with_workers_is_decided_as_in_one_process(monkeypatch, tmp_path):
    monkeypatch.setattr(stage_module, "_CHUNK", 8)
    monkeypatch.setattr(stage_module, "_PARALLEL_PAIRS", 1)
    docs = [Document(id=f"d{i}", source=f"d{i}.txt", content=t) for i, t in enumerate(texts())]
    answers, rows = [], []
    for workers in (1, 2):
        stage = Dedup(DedupConfig(), index_path=tmp_path / f"{workers}.sqlite", workers=workers)
        answers.append([(d.id, d.status, d.duplicate_of, d.similarity, d.rule) for d in stage(docs)])
        stage.close()
        rows.append(index_rows(tmp_path / f"{workers}.sqlite"))
    assert answers[0] == answers[1]
    assert rows[0] == rows[1]
    assert any(status == "duplicate" for _, status, *_ in answers[0])


def test_readings_kept_over_slices_give_the_answers_of_one_call():
    from pipeline.dedup.verify import Readings

    config = DedupConfig()
    batch = texts()
    signed = stage_module.sign(batch, config)
    pairs = np.array([(i, j) for i in range(len(batch)) for j in range(i + 1, len(batch)) if (i + j) % 3], np.int64)
    args = (signed.shingles, signed.offsets, config)
    kwargs = dict(numbers=(signed.numbers, signed.number_offsets), leads=batch.__getitem__, texts=batch.__getitem__)
    whole = verify_many(pairs, *args, **kwargs)
    readings = Readings(config, batch.__getitem__, batch.__getitem__)
    parts = [verify_many(pairs[k::5], *args, readings=readings, **kwargs) for k in range(5)]
    for column, want in zip(zip(*parts), whole):
        got = np.empty_like(want)
        for k, part in enumerate(column):
            got[k::5] = part
        assert np.array_equal(got, want)
    assert whole[0].any()


def _sign_slowly(folder: str, args):
    import os
    import time
    from pathlib import Path

    Path(folder, str(os.getpid())).touch()
    time.sleep(20)


def _sign_then_hang(folder: str) -> None:
    from functools import partial

    stage_module._sign_part = partial(_sign_slowly, folder)
    stage_module._CHUNK = 4
    stage_module.sign_parallel(texts(40), DedupConfig(), workers=2)


def test_signing_workers_end_with_a_killed_run(tmp_path):
    """A forked worker holds what the run held (its lock among them): killed
    with -9, the run must not leave it waiting on its queue for ever."""
    import multiprocessing

    from killed import workers_left

    proc = multiprocessing.get_context("fork").Process(target=_sign_then_hang, args=(str(tmp_path),))
    proc.start()
    # Killed once the pool has settled, its workers waiting.
    workers, left = workers_left(proc, tmp_path, 2, start_within=30, settle=1)
    assert len(workers) == 2
    assert not left
