"""A whole run over a raw folder full of bad and hostile input.

Every raw file ends up in the manifest, rejected or processed, each
rejection with its reason; the run finishes in bounded time; and nothing
outside the clean and state folders is written.
"""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import time
from pathlib import Path

from make_warc import http_response, response_record, warcinfo_record
from test_hostile import ARTICLE, FRENCH, JAPANESE, RUSSIAN, billion_laughs, gzip_bomb, page

from pipeline.batch import run
from pipeline.config import PipelineConfig
from pipeline.extract import ExtractConfig
from pipeline.manifest import read_manifest
from pipeline.sources import MB


def hostile_raw(raw: Path, outside: Path) -> dict[str, str | None]:
    """Write the inputs; return source -> expected words in its reason (None: kept or empty)."""
    raw.mkdir(parents=True)
    outside.mkdir(parents=True)
    expect: dict[str, str | None] = {}

    def put(name: str, data: bytes, reason: str | None) -> None:
        path = raw / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expect[name] = reason

    put("binary.html", b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 32, "binary content")
    put("zero.txt", b"", "empty file")
    put("legacy/french.txt", FRENCH.encode("cp1252"), None)
    put("legacy/japanese.html", page(f"<p>{JAPANESE}</p>", '<meta charset="shift_jis">').encode("shift_jis"), None)
    put("legacy/russian.txt", RUSSIAN.encode("koi8_r"), None)
    broken = (ARTICLE * 10).encode()
    put("legacy/broken-utf8.txt", broken[:300] + b"\xff" + broken[300:], None)
    with open(raw / "huge.txt", "wb") as fh:
        fh.truncate(100 * MB)  # sparse: 100 MB of zero bytes
    expect["huge.txt"] = "too large"
    put("deep.html", page("<div>" * 100_000 + f"<p>{ARTICLE}</p>").encode(), "nested deeper than")
    put("slow.html", page("<td>" * 100_000 + f"<p>{ARTICLE}</p>").encode(), "extraction took longer than")
    put("laughs.xhtml", billion_laughs().encode(), None)
    put("bomb.jsonl.gz", gzip_bomb(512), "gzip bomb")
    whole = gzip.compress(page(f"<p>{ARTICLE}</p>").encode() * 40)
    put("cut.html.gz", whole[: len(whole) // 2], "truncated or corrupt gzip")
    records = [warcinfo_record()] + [
        response_record(f"https://news.example/{i}", http_response(page(f"<p>{i} {ARTICLE * 3}</p>").encode()))
        for i in range(3)]
    crawl = b"".join(records)
    put("crawl.warc", crawl[:-300], "malformed WARC after 2 records")
    lines = [json.dumps({"text": "A feed story. " + ARTICLE}), '{"text": "cut', "[1]", json.dumps({"html": page(f"<p>{ARTICLE}</p>")})]
    put("feed.jsonl", ("\n".join(lines) + "\n").encode(), "invalid JSON")
    put("names/with space.txt", f"space {ARTICLE * 3}".encode(), None)
    put("names/ünïcødé 新聞.txt", f"unicode {ARTICLE * 3}".encode(), None)
    # Names starting with a dot are hidden (partial downloads, editor files)
    # and skipped by design; these look like paths but are plain names.
    put("names/%2E%2E%2F%2E%2E%2Fescape.txt", f"dots {ARTICLE * 3}".encode(), None)
    put("names/up\\..\\..\\escape.txt", f"backslashes {ARTICLE * 3}".encode(), None)
    put("names/-n --dry-run.txt", f"options {ARTICLE * 3}".encode(), None)
    (outside / "secret.txt").write_text("outside the raw folder " * 30, encoding="utf-8")
    (raw / "links").mkdir()
    (raw / "links" / "secret.txt").symlink_to(outside / "secret.txt")
    (raw / "links" / "up").symlink_to("../..")
    (raw / "links" / "loop").symlink_to("loop")
    expect.update({"links/secret.txt": "leading outside", "links/up": "leading outside",
                   "links/loop": "symbolic link loop"})
    return expect


def tree_state(root: Path, skip: set[Path]) -> dict[str, tuple]:
    """Every path under root (not following links) with its content hash and mtime."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d not in skip]
        for name in filenames + dirnames:
            path = here / name
            st = path.lstat()
            digest = ""
            if path.is_file() and not path.is_symlink() and st.st_size < 10 * MB:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            out[str(path.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return out


def test_hostile_raw_folder(tmp_path, monkeypatch):
    raw, clean, state = tmp_path / "raw", tmp_path / "clean", tmp_path / "state"
    expect = hostile_raw(raw, tmp_path / "outside")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = tree_state(tmp_path, skip={clean, state})
    config = dataclasses.replace(PipelineConfig(), extract=ExtractConfig(timeout_seconds=1.0))

    start = time.perf_counter()
    report = run(raw, clean, config, state_dir=state)
    assert time.perf_counter() - start < 60

    assert tree_state(tmp_path, skip={clean, state}) == before  # nothing written elsewhere
    records = read_manifest(clean)
    by_source: dict[str, list[dict]] = {}
    for rec in records:
        by_source.setdefault(rec["source"], []).append(rec)
    assert set(by_source) == set(expect)
    for source, reason in expect.items():
        recs = by_source[source]
        if reason is None:
            assert all(r["status"] in ("kept", "duplicate", "empty") for r in recs), (source, recs)
        else:
            assert any(reason in (r.get("reason") or "") for r in recs), (source, recs)
    for rec in records:
        assert rec["status"] == "kept" or rec.get("reason") or rec.get("duplicate_of"), rec
    kept = {r["source"]: (clean / r["path"]).read_text(encoding="utf-8") for r in records if r["status"] == "kept"}
    assert "rénovation" in kept["legacy/french.txt"]
    assert "東京都" in kept["legacy/japanese.html"]
    assert "бюджет" in kept["legacy/russian.txt"]
    assert "outside the raw folder" not in "".join(kept.values())
    assert {p.name for p in clean.iterdir()} <= {"manifest.jsonl", "audit", ".lock"} | {f"{r['id']}.txt" for r in records}
    assert report.documents["rejected"] >= 10
    assert report.rejected_by_reason
