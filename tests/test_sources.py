"""sources.py: every input kind, gzip, kind sniffing, JSONL records, empty files, offsets, stable ids."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import make_warc as mw
from pipeline.document import EMPTY, HTML, PENDING, REJECTED, TEXT
from pipeline.sources import ReadConfig, discover, read_file, read_tree, relative_source

PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Quay</title></head>"
        "<body><p>The quay at Porthallow reopened on Friday after repairs.</p></body></html>")
DUMP = "Home | News | Sport\n\nQuay reopens\n\nThe quay at Porthallow reopened on Friday.\n"


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read(folder: Path, name: str, data: bytes | str, **config) -> list:
    return list(read_file(write(folder, name, data), folder, ReadConfig(**config)))


def jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


# -- one document per file -------------------------------------------------------

@pytest.mark.parametrize("name", ["page.html", "page.htm", "page.xhtml", "page.shtml", "PAGE.HTML"])
def test_html_files(tmp_path, name):
    (doc,) = read(tmp_path, name, PAGE)
    assert (doc.kind, doc.status, doc.source) == (HTML, PENDING, name)
    assert doc.content == PAGE
    assert doc.meta["encoding"] == "utf-8"
    assert doc.offset is None


@pytest.mark.parametrize("name", ["dump.txt", "dump.text", "notes.md"])
def test_text_files(tmp_path, name):
    (doc,) = read(tmp_path, name, DUMP)
    assert (doc.kind, doc.status, doc.content) == (TEXT, PENDING, DUMP)


def test_suffix_wins_over_content(tmp_path):
    # A text dump that happens to start with markup is still a text dump.
    (doc,) = read(tmp_path, "odd.txt", PAGE)
    assert doc.kind == TEXT


def test_html_with_declared_legacy_charset(tmp_path):
    page = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'></head>"
            "<body><p>\u201cWe saved the top of the hill\u201d \u2013 Highmoor Farm\u2019s owner.</p></body></html>")
    (doc,) = read(tmp_path, "legacy.html", page.encode("cp1252"))
    assert doc.content == page
    assert doc.meta["encoding"] == "cp1252"


@pytest.mark.parametrize("data, kind", [
    (PAGE, HTML),
    ("  \n<html><body><p>x</p></body></html>", HTML),
    ("<?xml version='1.0'?><html><body>x</body></html>", HTML),
    ("<div>fragment</div>\n<body><p>Late body tag</p></body>", HTML),
    (DUMP, TEXT),
    ("Plain words, no markup at all.", TEXT),
])
def test_kind_is_sniffed_without_a_known_suffix(tmp_path, data, kind):
    (doc,) = read(tmp_path, "download-0001", data)
    assert doc.kind == kind


def test_warc_is_sniffed_without_a_suffix(tmp_path):
    docs = read(tmp_path, "crawl.dat", b"".join(mw.sample_records()))
    assert len(docs) == 1 and docs[0].kind == HTML and docs[0].offset == 1


def test_empty_file_is_empty(tmp_path):
    (doc,) = read(tmp_path, "blank.html", b"")
    assert doc.status == EMPTY and doc.reason == "empty file"


def test_empty_gzip_file_is_empty(tmp_path):
    (doc,) = read(tmp_path, "blank.txt.gz", gzip.compress(b""))
    assert doc.status == EMPTY


def test_binary_file_is_rejected(tmp_path):
    (doc,) = read(tmp_path, "photo.html", mw.PNG_BYTES * 20)
    assert doc.status == REJECTED and "binary" in doc.reason
    assert doc.content == ""


def test_oversized_document_is_rejected(tmp_path):
    (doc,) = read(tmp_path, "huge.txt", "word " * 1000, max_document_bytes=1000)
    assert doc.status == REJECTED and "too large" in doc.reason


def test_oversized_file_is_rejected_before_reading(tmp_path):
    (doc,) = read(tmp_path, "huge.txt", "word " * 1000, max_file_bytes=100)
    assert doc.status == REJECTED and "file too large" in doc.reason


# -- gzip ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, data, kinds", [
    ("page.html.gz", PAGE, [HTML]),
    ("dump.txt.gz", DUMP, [TEXT]),
    ("feed.jsonl.gz", jsonl({"text": "one"}, {"html": PAGE}), [TEXT, HTML]),
    ("crawl.warc.gz", b"".join(mw.sample_records()), [HTML]),
    ("mystery.gz", PAGE, [HTML]),
])
def test_gzipped_inputs(tmp_path, name, data, kinds):
    raw = data.encode() if isinstance(data, str) else data
    docs = read(tmp_path, name, gzip.compress(raw, mtime=0))
    assert [d.kind for d in docs] == kinds
    assert all(d.status == PENDING for d in docs)
    assert all(d.source == name for d in docs)


def test_gzip_id_is_the_id_of_the_uncompressed_bytes(tmp_path):
    (plain,) = read(tmp_path, "a.html", PAGE)
    (packed,) = read(tmp_path, "b.html.gz", gzip.compress(PAGE.encode(), mtime=0))
    assert plain.id == packed.id


def test_not_gzip_despite_the_name(tmp_path):
    (doc,) = read(tmp_path, "page.html.gz", PAGE)
    assert doc.status == REJECTED and "gzip" in doc.reason


def test_truncated_gzip(tmp_path):
    packed = gzip.compress((DUMP * 50).encode(), mtime=0)
    (doc,) = read(tmp_path, "dump.txt.gz", packed[: len(packed) // 2])
    assert doc.status == REJECTED and "gzip" in doc.reason


def test_gzip_bomb_is_refused(tmp_path):
    bomb = gzip.compress(b"\0" * (4 << 20), mtime=0)
    docs = read(tmp_path, "bomb.txt.gz", bomb, max_document_bytes=1 << 20, max_decompressed_bytes=2 << 20)
    assert docs[-1].status == REJECTED


# -- JSONL --------------------------------------------------------------------------

def test_jsonl_records_and_line_offsets(tmp_path):
    data = jsonl(
        {"text": "First story.", "url": "https://a.example/1", "title": "One", "author": "A. Writer"},
        "",
        {"html": PAGE, "url": "https://a.example/2", "date": "2026-03-01"},
        {"content": "Third story, in a 'content' field."},
    )
    docs = read(tmp_path, "feed.jsonl", data)
    assert [d.offset for d in docs] == [1, 3, 4]
    assert [d.kind for d in docs] == [TEXT, HTML, TEXT]
    assert docs[0].meta == {"url": "https://a.example/1", "title": "One", "author": "A. Writer"}
    assert docs[1].meta["date"] == "2026-03-01"
    assert docs[2].content == "Third story, in a 'content' field."
    assert len({d.id for d in docs}) == 3


def test_jsonl_html_wins_over_text(tmp_path):
    (doc,) = read(tmp_path, "feed.jsonl", jsonl({"html": PAGE, "text": "plain"}))
    assert doc.kind == HTML


@pytest.mark.parametrize("line, status, words", [
    ('{"url": "https://a.example/"}', REJECTED, "no 'text' or 'html'"),
    ('{"text": 42}', REJECTED, "no 'text' or 'html'"),
    ('{"text": "   "}', EMPTY, "empty 'text'"),
    ('["a", "list"]', REJECTED, "not a JSON object"),
    ('"just a string"', REJECTED, "not a JSON object"),
    ('{"text": "unterminated', REJECTED, "invalid JSON"),
    ("not json at all", REJECTED, "invalid JSON"),
])
def test_jsonl_bad_records(tmp_path, line, status, words):
    docs = read(tmp_path, "feed.jsonl", jsonl({"text": "good one"}, line, {"text": "good two"}))
    assert [d.status for d in docs] == [PENDING, status, PENDING]
    assert words in docs[1].reason
    assert docs[1].reason.startswith("line 2:")
    assert docs[1].offset == 2


def test_jsonl_line_with_invalid_utf8(tmp_path):
    data = b'{"text": "ok"}\n{"text": "caf\xe9"}\n'
    docs = read(tmp_path, "feed.jsonl", data)
    assert [d.status for d in docs] == [PENDING, REJECTED]


def test_jsonl_missing_final_newline(tmp_path):
    docs = read(tmp_path, "feed.jsonl", '{"text": "one"}\n{"text": "two"}')
    assert [d.content for d in docs] == ["one", "two"]


def test_jsonl_with_crlf_line_ends(tmp_path):
    docs = read(tmp_path, "feed.jsonl", '{"text": "one"}\r\n{"text": "two"}\r\n')
    assert [d.content for d in docs] == ["one", "two"]


def test_empty_jsonl_has_no_documents(tmp_path):
    assert read(tmp_path, "feed.jsonl", "") == []
    assert read(tmp_path, "feed2.jsonl", "\n\n  \n") == []


def test_oversized_jsonl_line_is_rejected_and_the_rest_read(tmp_path):
    data = jsonl({"text": "x" * 5000}, {"text": "small"})
    docs = read(tmp_path, "feed.jsonl", data, max_document_bytes=1000)
    assert [d.status for d in docs] == [REJECTED, PENDING]
    assert docs[1].content == "small"


def test_identical_jsonl_lines_get_the_same_id(tmp_path):
    docs = read(tmp_path, "feed.jsonl", jsonl({"text": "same"}, {"text": "same"}))
    assert docs[0].id == docs[1].id  # exact repeats are resolved later, by the runner


# -- ids, discovery, sources ---------------------------------------------------

def test_ids_depend_on_bytes_not_names(tmp_path):
    (a,) = read(tmp_path, "a.html", PAGE)
    (b,) = read(tmp_path, "sub/b.html", PAGE)
    (c,) = read(tmp_path, "c.html", PAGE + " ")
    assert a.id == b.id != c.id
    assert len(a.id) == 16 and int(a.id, 16) >= 0


def test_rejections_have_stable_distinct_ids(tmp_path):
    (a,) = read(tmp_path, "a.html.gz", b"not gzip")
    (b,) = read(tmp_path, "b.html.gz", b"not gzip")
    (a2,) = list(read_file(tmp_path / "a.html.gz", tmp_path))
    assert a.id == a2.id
    assert a.id != b.id


def test_discover_is_sorted_recursive_and_skips_hidden(tmp_path):
    for name in ["b.txt", "a.txt", "sub/c.html", ".hidden.txt", ".git/config", "sub/.cache/x.txt"]:
        write(tmp_path, name, "x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["a.txt", "b.txt", "sub/c.html"]


def test_relative_source():
    root = Path("/data/raw")
    assert relative_source(root / "news" / "a.html", root) == "news/a.html"
    assert relative_source(Path("/elsewhere/b.txt"), root) == "b.txt"


def test_read_tree_over_the_samples(raw_copy):
    docs = list(read_tree(raw_copy))
    files = discover(raw_copy)
    sources = {d.source for d in docs}
    assert sources == {relative_source(p, raw_copy) for p in files}
    assert all(d.status == PENDING for d in docs), [(d.source, d.reason) for d in docs if not d.pending]
    assert len({d.id for d in docs}) == len(docs)
    by_source = {}
    for d in docs:
        by_source.setdefault(d.source, []).append(d)
    assert [d.offset for d in by_source["feeds/sample.jsonl"]] == [1, 2, 3]
    assert len(by_source["crawl/sample.warc.gz"]) == 1
    assert by_source["dumps/riverside-courier-bridge-closure.txt"][0].kind == TEXT
    lakeland = by_source["news/lakeland-observer-snowfield.html"][0]
    assert lakeland.meta["encoding"] == "cp1252" and "\u201cthe mountain\u2019s thermometer\u201d" in lakeland.content


# -- repairs: recorded in the manifest, not done silently ----------------------

def test_stray_bytes_in_a_utf8_page_are_replaced_and_the_repair_recorded(tmp_path):
    from pipeline.manifest import record_of

    path = tmp_path / "cafe.txt"
    path.write_bytes("Le café du port rouvre vendredi. ".encode() + b"It\x92s open again. " * 5)
    (doc,) = read_file(path, tmp_path)
    assert doc.meta["encoding"] == "utf-8" and "café" in doc.content
    assert doc.meta["repaired"] == "5 invalid utf-8 byte sequences replaced"
    assert record_of(doc.evolve(status="kept"))["repaired"] == doc.meta["repaired"]


def test_gzip_with_trailing_junk_keeps_its_members(tmp_path):
    members = gzip.compress(b"<p>The quay reopened.</p>\n") + gzip.compress(b"<p>The ferry runs.</p>\n")
    path = tmp_path / "page.html.gz"
    path.write_bytes(members + b"\r\n<!-- appended by the server -->\r\n")
    (doc,) = read_file(path, tmp_path)
    assert doc.pending and "quay" in doc.content and "ferry" in doc.content
    assert doc.meta["repaired"] == "bytes after the gzip data ignored"
    records = tmp_path / "feed.jsonl.gz"
    records.write_bytes(gzip.compress(b'{"text": "one"}\n{"text": "two"}\n') + b"junk")
    assert [d.content for d in read_file(records, tmp_path)] == ["one", "two"]


def test_junk_instead_of_gzip_is_still_not_gzip(tmp_path):
    path = tmp_path / "page.html.gz"
    path.write_bytes(b"<p>plain</p>")
    (doc,) = read_file(path, tmp_path)
    assert doc.status == REJECTED and "not a gzip file" in doc.reason
