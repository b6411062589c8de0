"""Raw files that change under a run: between the listing and the reading.

A run lists the raw folder (hashing what the input ledger does not know),
then reads the files one by one. Anything may happen in between: a file is
deleted, rewritten, or a folder on its path swapped for a link to somewhere
else. The tests make it happen at a chosen moment, by reading through a
wrapper that changes the folder just before a given file is read.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from pipeline import batch, sources
from pipeline.batch import run
from pipeline.document import REJECTED
from pipeline.ledger import Ledger
from pipeline.manifest import read_manifest

WORDS = ("quay ferry storm council budget school road bridge market tram museum river harbour station "
         "airport library hospital garden tunnel stadium mayor teacher driver farmer nurse police winter "
         "summer spring autumn rain snow wind flood fire power water bus train car bike boat plane shop "
         "bank court park church farm mill port dock canal lake hill valley forest beach castle tower").split()


def story(topic: str) -> bytes:
    """A short article of its own: two topics share few word pairs."""
    state = int(hashlib.sha256(topic.encode()).hexdigest(), 16)
    words = []
    for _ in range(160):
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        words.append(WORDS[(state >> 33) % len(WORDS)])
    sentences = [" ".join(words[i:i + 10]).capitalize() + "." for i in range(0, len(words), 10)]
    return (f"{topic.title()} report.\n\n" + " ".join(sentences) + "\n").encode()


def before_reading(monkeypatch, name: str, action) -> None:
    """Run ``action()`` once, just before the run reads the file named ``name``."""
    real = batch.read_input
    done = []

    def reading(raw, path, *args, **kwargs):
        if Path(path).name == name and not done:
            done.append(True)
            action()
        return real(raw, path, *args, **kwargs)

    monkeypatch.setattr(batch, "read_input", reading)


def records(clean: Path) -> dict[str, dict]:
    return {rec["source"]: rec for rec in read_manifest(clean)}


def ledger(clean: Path) -> Ledger:
    return Ledger(clean / ".state" / "inputs.json")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(story("harbour"))
    (raw / "b.txt").write_bytes(story("railway"))
    return raw


def test_a_file_deleted_after_the_listing_is_tried_again_when_it_is_back(tmp_path, raw, monkeypatch):
    clean, data = tmp_path / "clean", (raw / "b.txt").read_bytes()
    before_reading(monkeypatch, "b.txt", lambda: (raw / "b.txt").unlink())
    run(raw, clean)
    rec = records(clean)["b.txt"]
    assert rec["status"] == REJECTED and rec["reason"].startswith("unreadable file")
    assert not ledger(clean).seen(sha(data))  # its hash was taken, but it was never read
    monkeypatch.undo()
    (raw / "b.txt").write_bytes(data)
    again = run(raw, clean)
    assert again.inputs_todo == 1
    assert records(clean)["b.txt"]["status"] == "kept"  # its documents, after the rejection
    assert ledger(clean).seen(sha(data))


def test_a_file_rewritten_after_the_listing_is_recorded_by_the_bytes_read(tmp_path, raw, monkeypatch):
    clean, old = tmp_path / "clean", (raw / "b.txt").read_bytes()
    new = story("airport")
    before_reading(monkeypatch, "b.txt", lambda: (raw / "b.txt").write_bytes(new))
    run(raw, clean)
    state = ledger(clean)
    assert state.paths["b.txt"] == sha(new) and not state.seen(sha(old))
    # The listing's bytes, back under another name, are new: nothing was made of them.
    monkeypatch.undo()
    (raw / "c.txt").write_bytes(old)
    run(raw, clean)
    assert records(clean)["c.txt"]["status"] == "kept"


def test_a_folder_swapped_for_a_link_outside_after_the_listing_is_not_followed(tmp_path, monkeypatch):
    raw, outside = tmp_path / "raw", tmp_path / "outside"
    (raw / "sub").mkdir(parents=True)
    (raw / "a.txt").write_bytes(story("harbour"))
    (raw / "sub" / "news.txt").write_bytes(story("railway"))
    outside.mkdir()
    (outside / "news.txt").write_bytes(story("secret"))

    def swap() -> None:
        shutil.rmtree(raw / "sub")
        os.symlink(outside, raw / "sub")

    before_reading(monkeypatch, "news.txt", swap)
    clean = tmp_path / "clean"
    run(raw, clean)
    rec = records(clean)["sub/news.txt"]
    assert rec["status"] == REJECTED and "outside the raw folder" in rec["reason"]
    assert not any(b"Secret" in path.read_bytes() for path in clean.rglob("*.txt"))


def test_reading_checks_the_opened_file_not_the_name(tmp_path):
    raw, outside = tmp_path / "raw", tmp_path / "outside"
    (raw / "sub").mkdir(parents=True)
    (raw / "sub" / "x.txt").write_bytes(story("harbour"))
    listed = sources.discover(raw)
    outside.mkdir()
    (outside / "x.txt").write_bytes(story("secret"))
    shutil.rmtree(raw / "sub")
    os.symlink(outside, raw / "sub")
    (doc,) = sources.read_file(listed[0], raw)
    assert doc.status == REJECTED and "outside the raw folder" in doc.reason


def test_a_fifo_in_place_of_a_file_does_not_block(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    path = raw / "x.txt"
    path.write_bytes(story("harbour"))
    listed = sources.discover(raw)
    path.unlink()
    os.mkfifo(path)
    (doc,) = sources.read_file(listed[0], raw)
    assert doc.status == REJECTED and doc.reason == "not a regular file"


def test_the_receipt_holds_the_hash_of_the_bytes_read(tmp_path):
    path = tmp_path / "big.txt"
    data = story("harbour") * 2000
    path.write_bytes(data)
    receipt = sources.Receipt()
    docs = list(sources.read_file(path, tmp_path, sources.ReadConfig(max_document_bytes=1000), receipt))
    assert docs[0].status == REJECTED  # the reader stopped early; the hash covers every byte
    assert receipt.digest == sha(data)


def test_an_unreadable_subfolder_is_reported_and_tried_again(tmp_path, raw, monkeypatch):
    (raw / "locked").mkdir()
    (raw / "locked" / "c.txt").write_bytes(story("airport"))
    real_scandir = os.scandir
    locked = str(raw / "locked")

    def scandir(path="."):
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    # Root can read any folder: the refusal is simulated where os.walk meets it.
    monkeypatch.setattr(os, "scandir", scandir)
    clean = tmp_path / "clean"
    report = run(raw, clean)
    rec = records(clean)["locked"]
    assert rec["status"] == REJECTED and rec["reason"] == "unreadable folder (Permission denied)"
    assert "locked" in report.inputs_new
    assert run(raw, clean).inputs_new == ["locked"]  # still reported, not recorded twice
    assert [r["source"] for r in read_manifest(clean)].count("locked") == 1
    monkeypatch.undo()
    run(raw, clean)
    assert records(clean)["locked/c.txt"]["status"] == "kept"
