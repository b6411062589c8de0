"""The persistent dedup index: incremental runs, settings, atomicity."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from dedup_fixtures import FLOOD, HARBOUR, MUSEUM, TRAINS, syndicated

from pipeline.document import DUPLICATE, KEPT, Document
from pipeline.dedup import Dedup, DedupConfig, DedupIndex, SettingsMismatch

REPO = Path(__file__).resolve().parents[1]


def doc(doc_id: str, text: str) -> Document:
    return Document(id=doc_id, source=f"{doc_id}.txt", content=text)


def by_id(docs) -> dict[str, Document]:
    return {d.id: d for d in docs}


def test_second_run_finds_duplicate_of_first_run_document(tmp_path):
    path = tmp_path / "index.sqlite"
    first = by_id(Dedup(DedupConfig(), index_path=path)([doc("h", HARBOUR), doc("f", FLOOD)]))
    assert first["h"].status == KEPT
    # The later copy is longer, yet the document kept earlier stays kept.
    longer = HARBOUR + "\nThe port will publish the full plans on its website next week."
    second = by_id(Dedup(DedupConfig(), index_path=path)([doc("h2", longer), doc("t", TRAINS)]))
    assert second["h2"].status == DUPLICATE and second["h2"].duplicate_of == "h"
    assert second["t"].status == KEPT
    with DedupIndex(path, DedupConfig()) as index:
        assert len(index) == 3
        assert index.cluster_of("h2") == index.cluster_of("h") == "h"


def test_rerun_of_the_same_documents_gives_the_same_answers(tmp_path):
    path = tmp_path / "index.sqlite"
    docs = [doc("m", MUSEUM), doc("m-copy", syndicated(MUSEUM, keep=1.0)), doc("f", FLOOD)]
    first = list(Dedup(index_path=path)(docs))
    again = list(Dedup(index_path=path)(docs))
    assert [(d.status, d.duplicate_of) for d in again] == [(d.status, d.duplicate_of) for d in first]
    with DedupIndex(path, DedupConfig()) as index:
        assert len(index) == 2


def test_cluster_ids_are_stable_across_runs(tmp_path):
    path = tmp_path / "index.sqlite"
    list(Dedup(index_path=path)([doc("t", TRAINS)]))
    list(Dedup(index_path=path)([doc("t-a", syndicated(TRAINS, keep=0.8))]))
    list(Dedup(index_path=path)([doc("t-b", syndicated(TRAINS, keep=1.0)), doc("h", HARBOUR)]))
    with DedupIndex(path, DedupConfig()) as index:
        assert {index.cluster_of(i) for i in ("t", "t-a", "t-b")} == {"t"}
        assert index.cluster_of("h") == "h"


@pytest.mark.parametrize("batch", [1, 2, 3, 4096])
def test_rows_sent_in_batches_are_all_recorded_in_order(tmp_path, monkeypatch, batch):
    """The index writer holds rows and sends them in batches: whatever the
    batch, every decision of both runs is recorded, kept rows in the order
    they came, and copies of documents kept in the first run (whose cluster
    is read back mid-batch) are not lost."""
    from pipeline.dedup import index as index_module

    monkeypatch.setattr(index_module._Writer, "_BATCH", batch)
    path = tmp_path / "index.sqlite"
    first = [doc("t", TRAINS), doc("h", HARBOUR), doc("f", FLOOD)]
    second = [doc("t-a", syndicated(TRAINS, keep=0.8)), doc("m", MUSEUM), doc("h-a", syndicated(HARBOUR, keep=1.0)),
              doc("f-a", syndicated(FLOOD, keep=0.9)), doc("m-a", syndicated(MUSEUM, keep=0.7))]
    decided = by_id(list(Dedup(index_path=path)(first)) + list(Dedup(index_path=path)(second)))
    museum = "m" if decided["m"].status == KEPT else "m-a"  # the longer of the two is kept
    assert {i for i, d in decided.items() if d.status == DUPLICATE} == {"t-a", "h-a", "f-a", "m", "m-a"} - {museum}
    with DedupIndex(path, DedupConfig()) as index:
        known = index.known(list(decided))
        assert set(known) == set(decided)
        assert {i: k for i, (k, _, _) in known.items() if k} == {i: d.duplicate_of for i, d in decided.items()
                                                                  if d.duplicate_of}
        order = [doc_id for (doc_id,) in index._db.execute("SELECT doc_id FROM kept WHERE owner IS NULL ORDER BY row")]
    assert order == ["t", "h", "f", museum]


def test_other_settings_are_refused(tmp_path):
    path = tmp_path / "index.sqlite"
    list(Dedup(index_path=path)([doc("h", HARBOUR)]))
    for other in (DedupConfig(seed=2), DedupConfig(shingle_size=3), DedupConfig(num_perm=128, bands=32, rows=4)):
        with pytest.raises(SettingsMismatch, match="dedup settings"):
            Dedup(other, index_path=path)
    # Thresholds are not part of the fingerprint: they may change between runs.
    Dedup(DedupConfig(jaccard_threshold=0.6), index_path=path)
    index = DedupIndex(path, DedupConfig())
    with pytest.raises(SettingsMismatch):
        Dedup(DedupConfig(seed=5), index=index)
    index.close()


_KILLED_RUN = """
import os, signal, sys
sys.path.insert(0, {repo!r})
sys.path.insert(0, {tests!r})
from dedup_fixtures import ARTICLES
from pipeline.document import Document
from pipeline.dedup import Dedup, DedupConfig, DedupIndex
from pipeline.dedup import index as index_module

real_add = index_module._Writer.add_kept
count = 0
def add_then_die(self, *args, **kwargs):
    global count
    real_add(self, *args, **kwargs)
    count += 1
    if count == 2:  # rows written, transaction not committed
        os.kill(os.getpid(), signal.SIGKILL)
index_module._Writer.add_kept = add_then_die
docs = [Document(id=f"new{{i}}", source="x", content=t + " Extra closing line.") for i, t in enumerate(ARTICLES)]
list(Dedup(DedupConfig(), index_path={path!r})(docs))
"""


def test_run_killed_before_commit_leaves_index_unchanged(tmp_path):
    path = tmp_path / "index.sqlite"
    list(Dedup(index_path=path)([doc("h", HARBOUR), doc("f", FLOOD)]))
    before = path.read_bytes()
    script = _KILLED_RUN.format(repo=str(REPO), tests=str(REPO / "tests"), path=str(path))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    # The next open rolls back the journal: as if the run never happened.
    with DedupIndex(path, DedupConfig()) as index:
        assert len(index) == 2
        assert index.cluster_of("new0") is None
    assert path.read_bytes() == before
    out = by_id(Dedup(index_path=path)([doc("h-again", HARBOUR + " Extra closing line."), doc("t", TRAINS)]))
    assert out["h-again"].duplicate_of == "h" and out["t"].status == KEPT
    assert path.read_bytes() != before


def test_index_without_runs_is_empty(tmp_path):
    with DedupIndex(tmp_path / "sub" / "index.sqlite", DedupConfig()) as index:
        assert len(index) == 0
        rows, keys, sizes, members = index.load_keys()
        assert keys.shape == (0, DedupConfig().all_bands) and len(rows) == len(sizes) == len(members) == 0


def test_repeated_id_in_one_batch_stays_kept_in_the_index(tmp_path):
    path = tmp_path / "index.sqlite"
    list(Dedup(index_path=path)([doc("same", FLOOD), doc("same", FLOOD)]))
    again = list(Dedup(index_path=path)([doc("same", FLOOD)]))
    assert again[0].status == KEPT


def test_copy_of_a_copy_joins_the_group_of_an_earlier_run(tmp_path):
    # Run 1 keeps the start of a story. Run 2 brings the whole story (a copy
    # of the kept one) and its end, which resembles the whole story but not
    # the start. In one run the whole story would be the kept copy with both
    # others as its duplicates; across runs the first copy stays kept, and
    # the end still joins its group through the whole story.
    lines = HARBOUR.split("\n")
    start, whole, end = "\n".join(lines[:5]), HARBOUR, "\n".join(lines[4:])
    path = tmp_path / "index.sqlite"
    assert by_id(Dedup(index_path=path)([doc("start", start)]))["start"].status == KEPT
    second = by_id(Dedup(index_path=path)([doc("whole", whole), doc("end", end), doc("f", FLOOD)]))
    assert second["whole"].duplicate_of == "start"
    assert second["end"].status == DUPLICATE and second["end"].duplicate_of == "start"
    assert second["f"].status == KEPT
    one_run = by_id(Dedup()([doc("start", start), doc("whole", whole), doc("end", end)]))
    assert one_run["whole"].status == KEPT and one_run["end"].duplicate_of == "whole"
    with DedupIndex(path, DedupConfig()) as index:
        assert {index.cluster_of(i) for i in ("start", "whole", "end")} == {"start"}


def test_copy_of_a_copy_joins_through_a_direct_copy_of_an_earlier_run(tmp_path):
    # As above, but the three parts come in three runs: the end meets only the
    # whole story, which run 2 made a duplicate of the start. The index keeps
    # such direct copies as members of their group, so the end still joins.
    lines = HARBOUR.split("\n")
    start, whole, end = "\n".join(lines[:5]), HARBOUR, "\n".join(lines[4:])
    path = tmp_path / "index.sqlite"
    list(Dedup(index_path=path)([doc("start", start)]))
    assert by_id(Dedup(index_path=path)([doc("whole", whole)]))["whole"].duplicate_of == "start"
    third = by_id(Dedup(index_path=path)([doc("end", end), doc("f", FLOOD)]))
    assert third["end"].status == DUPLICATE and third["end"].duplicate_of == "start"
    assert third["f"].status == KEPT
    with DedupIndex(path, DedupConfig()) as index:
        assert len(index) == 2  # start and f; the whole story is stored, not kept
        known = index.known(["whole", "end", "start"])
        assert known["start"] == (None, None, None)  # a stored direct copy is answered as a duplicate
        assert known["whole"][0] == known["end"][0] == "start" and known["whole"][1] > 0.5
        assert known["end"][1] == third["end"].similarity and known["end"][2] == third["end"].rule
        assert {index.cluster_of(i) for i in ("start", "whole", "end")} == {"start"}
    # Without the stored direct copy (an index from before), the end stays apart.
    plain = tmp_path / "plain.sqlite"
    list(Dedup(index_path=plain)([doc("start", start)]))
    list(Dedup(index_path=plain)([doc("whole", whole)]))
    with DedupIndex(plain, DedupConfig()) as index:
        index._db.execute("DELETE FROM kept WHERE owner IS NOT NULL")
    assert by_id(Dedup(index_path=plain)([doc("end", end)]))["end"].status == KEPT


def test_members_claim_one_step_only(tmp_path):
    # The end joined through a stored direct copy; it is not a direct copy
    # itself, so a text resembling only the end does not join in a later run.
    lines = HARBOUR.split("\n")
    start, whole, end = "\n".join(lines[:5]), HARBOUR, "\n".join(lines[4:])
    path = tmp_path / "index.sqlite"
    for batch in ([doc("start", start)], [doc("whole", whole)], [doc("end", end)]):
        list(Dedup(index_path=path)(batch))
    with DedupIndex(path, DedupConfig()) as index:
        rows, _, _, members = index.load_keys()
        assert members.tolist() == [False, True]  # start kept, whole stored as its member; end not stored


def test_character_check_across_runs_uses_stored_texts(tmp_path):
    from dedup_fixtures import ocr_noise

    config = DedupConfig(char_jaccard_threshold=0.5)
    path, plain = tmp_path / "index.sqlite", tmp_path / "plain.sqlite"
    list(Dedup(config, index_path=path)([doc("h", HARBOUR)]))
    later = by_id(Dedup(config, index_path=path)([doc("h-scan", ocr_noise(HARBOUR, 0.3, 3))]))
    assert later["h-scan"].duplicate_of == "h"
    # Without the check the index keeps no texts, and the scan stays apart.
    list(Dedup(index_path=plain)([doc("h", HARBOUR)]))
    with DedupIndex(plain, DedupConfig()) as index:
        assert [row[2] for row in index.sets([1]).values()] == [None]
    # A run with the check on, on that index: no text to compare, so no match.
    assert by_id(Dedup(config, index_path=plain)([doc("h-scan", ocr_noise(HARBOUR, 0.3, 3))]))["h-scan"].status == KEPT


def test_an_index_with_compressed_leads_reads_as_before(tmp_path):
    """Schema 3 kept leads compressed; schema 4 keeps them as they are. An
    index of schema 3 gives the same answers, and is marked schema 4 when
    opened (its rows stay as they are: both kinds read)."""
    import shutil
    import sqlite3
    import zlib

    first = [doc("t", TRAINS), doc("h", HARBOUR), doc("f", FLOOD)]
    second = [doc("t-a", syndicated(TRAINS, keep=0.8)), doc("h-a", syndicated(HARBOUR, keep=1.0)), doc("m", MUSEUM)]
    path, old = tmp_path / "index.sqlite", tmp_path / "schema3.sqlite"
    list(Dedup(index_path=path)(first))
    shutil.copy(path, old)
    db = sqlite3.connect(old)
    leads = db.execute("SELECT row, lead FROM kept").fetchall()
    assert leads and all(lead[:1] == b"\0" for _, lead in leads)
    with db:
        for row, lead in leads:
            db.execute("UPDATE kept SET lead = ? WHERE row = ?", (zlib.compress(lead[1:], 6), row))
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
    db.close()
    answers = [[(d.id, d.status, d.duplicate_of, d.similarity, d.rule) for d in Dedup(index_path=p)(second)]
               for p in (path, old)]
    assert answers[0] == answers[1]
    assert {d for d, status, *_ in answers[0] if status == DUPLICATE} == {"t-a", "h-a"}
    db = sqlite3.connect(old)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("4",)
    db.close()


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_packed_leads_and_texts_read_back(text):
    from pipeline.dedup.index import pack_lead, pack_text, unpack_text

    assert unpack_text(pack_lead(text)) == text
    assert unpack_text(pack_text(text)) == text
