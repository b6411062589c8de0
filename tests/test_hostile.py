"""Bad and hostile raw input: each case is rejected or read, with a clear reason.

Inputs are generated in tmp folders by each test. Time and memory are
bounded per document; the run-level guarantees (nothing written outside
the clean and state folders, reasons in the manifest) are checked in
test_batch_hostile.py.
"""
from __future__ import annotations

import ast
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from make_warc import http_response, response_record, warcinfo_record

from pipeline.document import EMPTY, HTML, PENDING, REJECTED, TEXT, Document
from pipeline.extract import Extract, ExtractConfig
from pipeline.sources import MB, read_file, read_tree

ROOT = Path(__file__).resolve().parents[1]

ARTICLE = (
    "The council approved the new budget on Wednesday after a long debate. "
    "Most of the money will go to road repairs and to the two schools in the east of the town. "
    "The mayor said the work would start in spring and end before the autumn. "
)
FRENCH = (
    "Le maire a annoncé mercredi que la rénovation du pont coûtera près de quatre millions d’euros. "
    "« C’est une décision difficile », a-t-il déclaré devant le conseil municipal réuni en séance. "
    "Les travaux débuteront à l’été et dureront jusqu’à la fin de l’année prochaine. "
) * 8
JAPANESE = (
    "東京都は水曜日、来年度の予算案を発表した。教育と防災に重点を置き、総額は過去最大となる見通しだ。"
    "知事は記者会見で「都民の安全を最優先に考えた」と述べ、議会での早期成立に期待を示した。"
) * 8
RUSSIAN = (
    "Городской совет в среду утвердил бюджет на следующий год после долгого обсуждения. "
    "Основные средства будут направлены на ремонт дорог и двух школ в восточной части города. "
    "Мэр заявил, что работы начнутся весной и завершатся к осени. "
) * 8


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head><title>Budget</title>{head}</head><body><article>{body}</article></body></html>"


def read_one(path: Path, root: Path | None = None) -> Document:
    docs = list(read_file(path, root or path.parent))
    assert len(docs) == 1, docs
    return docs[0]


# -- binary, empty, encodings ------------------------------------------------

def test_binary_file_is_rejected(tmp_path):
    path = tmp_path / "image.html"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)
    doc = read_one(path)
    assert doc.status == REJECTED and "binary" in doc.reason


def test_zero_byte_file_is_empty_with_a_reason(tmp_path):
    path = tmp_path / "nothing.html"
    path.write_bytes(b"")
    doc = read_one(path)
    assert doc.status == EMPTY and doc.reason == "empty file"


def test_zero_byte_gzip_member_and_jsonl(tmp_path):
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(b""))
    (tmp_path / "b.jsonl").write_bytes(b"")
    docs = {d.source: d for d in read_tree(tmp_path)}
    assert docs["a.html.gz"].status == EMPTY
    assert "b.jsonl" not in docs  # no lines, no documents


@pytest.mark.parametrize("encoding, text", [
    ("cp1252", FRENCH), ("shift_jis", JAPANESE), ("koi8_r", RUSSIAN),
])
def test_legacy_encodings_without_declaration(tmp_path, encoding, text):
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode(encoding))
    doc = read_one(path)
    assert doc.pending and doc.kind == TEXT
    assert doc.content == text


@pytest.mark.parametrize("encoding, text", [
    ("cp1252", FRENCH), ("shift_jis", JAPANESE), ("koi8_r", RUSSIAN),
])
def test_legacy_encodings_declared_in_html(tmp_path, encoding, text):
    html = page(f"<p>{text}</p>", head=f'<meta charset="{encoding}">')
    path = tmp_path / "article.html"
    path.write_bytes(html.encode(encoding))
    doc = read_one(path)
    assert doc.pending and doc.kind == HTML
    assert text in doc.content


def test_mostly_utf8_with_broken_bytes_is_read_as_utf8(tmp_path):
    data = FRENCH.encode("utf-8")
    data = data[:200] + b"\xff\xfe" + data[200:700] + b"\xc3" + data[700:]
    path = tmp_path / "broken.txt"
    path.write_bytes(data)
    doc = read_one(path)
    assert doc.pending
    assert doc.meta["encoding"] == "utf-8"
    assert "rénovation" in doc.content and "\ufffd" in doc.content


def test_random_invalid_utf8_is_rejected_or_decoded_not_crashing(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes((i * 37 + 128) % 256 for i in range(4096)))
    doc = read_one(path)
    assert doc.status in (REJECTED, PENDING)
    if doc.status == REJECTED:
        assert doc.reason


# -- size -------------------------------------------------------------------

MEMORY_PROBE = """
import resource, sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from pipeline.sources import read_file
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
docs = [(d.status, d.reason) for d in read_file(Path(sys.argv[1]), Path(sys.argv[1]).parent)]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(repr(docs)); print((after - before) // 1024)
"""


@pytest.mark.parametrize("name", ["huge.html", "huge.jsonl"])
def test_100_mb_file_is_rejected_with_bounded_memory(tmp_path, name):
    path = tmp_path / name
    line = (b'{"text": "' + ARTICLE.encode() * 20) if name.endswith(".jsonl") else b"<p>" + ARTICLE.encode()
    with open(path, "wb") as fh:
        while fh.tell() < 100 * MB:
            fh.write(line * 64)
        if name.endswith(".jsonl"):
            fh.write(b'"}\n{"text": "a short record after the huge one"}\n')
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path), str(ROOT)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    docs, grown_mb = ast.literal_eval(out[0]), int(out[1])
    assert docs[0][0] == REJECTED and "too large" in docs[0][1]
    if name.endswith(".jsonl"):
        assert docs[1] == (PENDING, None)  # the next record is still read
    assert grown_mb < 100  # reads at most one document's worth (16 MB), never the file


# -- compression and containers -----------------------------------------------

def gzip_bomb(expanded_mb: int) -> bytes:
    # gzip allows concatenated members: one small member repeated expands fast.
    member = gzip.compress(b"\0" * MB, 9)
    return member * expanded_mb


@pytest.mark.parametrize("name", ["bomb.jsonl.gz", "bomb.html.gz", "bomb.warc.gz", "bomb.txt.gz"])
def test_gzip_bomb(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(gzip_bomb(1024))  # 1 KB per MB: 1 GB from 1 MB
    start = time.perf_counter()
    doc = read_one(path)
    assert time.perf_counter() - start < 10
    assert doc.status == REJECTED
    assert any(word in doc.reason for word in ("gzip bomb", "too large", "binary", "WARC"))


def test_truncated_gzip(tmp_path):
    full = gzip.compress(page(f"<p>{ARTICLE}</p>").encode() * 50)
    path = tmp_path / "cut.html.gz"
    path.write_bytes(full[: len(full) // 2])
    doc = read_one(path)
    assert doc.status == REJECTED and "truncated or corrupt gzip" in doc.reason


def test_truncated_gzip_jsonl_keeps_the_records_before_the_cut(tmp_path):
    lines = b"".join(json.dumps({"text": f"{i} {ARTICLE}"}).encode() + b"\n" for i in range(400))
    full = gzip.compress(lines)
    path = tmp_path / "feed.jsonl.gz"
    path.write_bytes(full[: len(full) * 3 // 4])
    docs = list(read_file(path, tmp_path))
    assert len(docs) > 10
    assert all(d.pending for d in docs[:-1])
    assert docs[-1].status == REJECTED and "truncated or corrupt gzip" in docs[-1].reason


def test_not_gzip_despite_the_name(tmp_path):
    path = tmp_path / "plain.html.gz"
    path.write_bytes(page(f"<p>{ARTICLE}</p>").encode())
    doc = read_one(path)
    assert doc.status == REJECTED and "gzip" in doc.reason


def warc_bytes(n: int) -> bytes:
    records = [warcinfo_record()]
    for i in range(n):
        html = page(f"<h1>Story {i}</h1><p>{i} {ARTICLE}</p>").encode()
        records.append(response_record(f"https://news.example/{i}", http_response(html)))
    return b"".join(records)


@pytest.mark.parametrize("gzipped", [False, True])
def test_truncated_warc_keeps_intact_records_and_says_where_it_broke(tmp_path, gzipped):
    data = warc_bytes(4)
    cut = data[: len(data) - 200]
    path = tmp_path / ("crawl.warc.gz" if gzipped else "crawl.warc")
    path.write_bytes(gzip.compress(cut) if gzipped else cut)
    docs = list(read_file(path, tmp_path))
    assert [d.status for d in docs] == [PENDING, PENDING, PENDING, REJECTED]
    assert "malformed WARC after 3 records" in docs[-1].reason and "truncated" in docs[-1].reason


def test_warc_gzip_encoded_body_bomb(tmp_path):
    bomb = gzip.compress(b"<p>" + b"a" * (64 * MB), 9)
    http = http_response(bomb, headers={"Content-Encoding": "gzip"})
    path = tmp_path / "crawl.warc"
    path.write_bytes(warcinfo_record() + response_record("https://news.example/bomb", http))
    doc = read_one(path)
    assert doc.status == REJECTED and "decompresses to over" in doc.reason


def test_jsonl_with_broken_lines(tmp_path):
    good = json.dumps({"text": ARTICLE, "title": "Budget"})
    lines = [good, '{"text": "unterminated', "not json at all", "[1, 2, 3]", '{"title": "no body"}',
             "\x00\x01\x02", "", '{"text": ""}', "[" * 100_000, good.replace("Budget", "Budget 2")]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs = list(read_file(path, tmp_path))
    by_line = {d.offset: d for d in docs}
    assert by_line[1].pending and by_line[10].pending
    assert "invalid JSON" in by_line[2].reason and "invalid JSON" in by_line[3].reason
    assert "not a JSON object" in by_line[4].reason
    assert "no 'text' or 'html' field" in by_line[5].reason
    assert by_line[6].status == REJECTED
    assert 7 not in by_line  # blank lines are not records
    assert by_line[8].status == EMPTY
    assert by_line[9].status == REJECTED  # 100,000 open brackets
    assert all(d.reason.startswith(f"line {d.offset}:") for d in docs if not d.pending)


# -- HTML that attacks the parser ---------------------------------------------

def extract(html: str, **config) -> Document:
    stage = Extract(ExtractConfig(**config))
    return stage.safe_process(Document(id="x", source="page.html", kind=HTML, content=html))


def test_deeply_nested_html_is_rejected_quickly():
    html = page("<div>" * 100_000 + f"<p>{ARTICLE}</p>" + "</div>" * 100_000)
    start = time.perf_counter()
    doc = extract(html)
    assert time.perf_counter() - start < 5
    assert doc.status == REJECTED and "nested deeper than" in doc.reason


def test_deep_implied_nesting_hits_the_time_limit():
    # <td> and <li> have optional end tags, so the nesting guard does not
    # count them; 100,000 of them keep trafilatura busy for seconds.
    html = page("<td>" * 100_000 + f"<p>{ARTICLE}</p>")
    start = time.perf_counter()
    doc = extract(html, timeout_seconds=0.5)
    assert time.perf_counter() - start < 5
    assert doc.status == REJECTED and doc.reason == "extraction took longer than 0.5 s"


def test_time_limit_leaves_no_timer_behind():
    import signal

    doc = extract(page(f"<p>{ARTICLE * 3}</p>"), timeout_seconds=0.2)
    assert doc.status == PENDING and doc.kind == TEXT
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    time.sleep(0.3)  # a leftover timer would fire here


def billion_laughs() -> str:
    entities = ['<!ENTITY lol "lol">']
    entities += [f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html [\n' + "\n".join(entities) + "\n]>\n"
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Budget</title></head>'
        f"<body><article><p>&lol9;</p><p>{ARTICLE}</p><p>{ARTICLE}</p></article></body></html>"
    )


def test_entity_expansion_bomb_is_not_expanded(tmp_path):
    path = tmp_path / "laughs.xhtml"
    path.write_text(billion_laughs(), encoding="utf-8")
    doc = read_one(path)
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    doc = Extract().safe_process(doc)
    assert time.perf_counter() - start < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KiB
    assert doc.status in (PENDING, EMPTY, REJECTED)
    assert "lollollol" not in doc.content  # 10^9 "lol"s would be 3 GB


# -- names and links -----------------------------------------------------------

def test_odd_file_names_are_read_and_named_faithfully(tmp_path):
    raw = tmp_path / "raw"
    names = ["with space.txt", "ünïcødé 新聞.txt", "..txt", "..", "...", "..%2F..%2Fetc.txt",
             "-rf.txt", "a\\..\\b.txt", "line\nbreak.txt"]
    raw.mkdir()
    for i, name in enumerate(names):
        target = raw / ("dotdot" if name == ".." else name)
        target.write_text(f"{i} {ARTICLE}", encoding="utf-8")
    os.rename(raw / "dotdot", raw / "..dotdot")
    (raw / os.fsdecode(b"latin1-\xe9t\xe9.txt")).write_text(ARTICLE + "x", encoding="utf-8")
    docs = list(read_tree(raw))
    assert all(d.pending for d in docs), [(d.source, d.reason) for d in docs]
    sources = {d.source for d in docs}
    assert "with space.txt" in sources and "ünïcødé 新聞.txt" in sources
    assert "latin1-\\xe9t\\xe9.txt" in sources  # not UTF-8: escaped, so it can be written
    assert all(not s.startswith("/") and "/" not in s for s in sources)
    for s in sources:
        s.encode("utf-8")  # every name is writable to the manifest


def test_symlinks_leading_outside_raw_are_rejected(tmp_path):
    raw, outside = tmp_path / "raw", tmp_path / "outside"
    raw.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("not for the pipeline " * 20, encoding="utf-8")
    (raw / "inside.txt").write_text(ARTICLE, encoding="utf-8")
    (raw / "to-secret.txt").symlink_to(outside / "secret.txt")
    (raw / "to-etc").symlink_to("/etc")
    (raw / "to-zero.txt").symlink_to("/dev/zero")
    (raw / "escape.txt").symlink_to("../outside/secret.txt")
    (raw / "to-inside.txt").symlink_to("inside.txt")
    (raw / "loop-a.txt").symlink_to("loop-b.txt")
    (raw / "loop-b.txt").symlink_to("loop-a.txt")
    (raw / "dangling.txt").symlink_to("missing.txt")
    (raw / "fifo").mkdir()
    os.mkfifo(raw / "fifo" / "pipe.txt")
    docs = {d.source: d for d in read_tree(raw)}
    outside_reason = "symbolic link leading outside the raw folder"
    for name in ("to-secret.txt", "to-etc", "to-zero.txt", "escape.txt"):
        assert docs[name].status == REJECTED and docs[name].reason == outside_reason, name
    assert docs["loop-a.txt"].reason == "symbolic link loop"
    assert docs["dangling.txt"].status == REJECTED
    assert docs["fifo/pipe.txt"].reason == "not a regular file"
    assert docs["to-inside.txt"].pending and docs["inside.txt"].pending
    assert all("not for the pipeline" not in d.content for d in docs.values())


def test_oversized_warc_record_is_skipped_without_reading_it_into_memory(tmp_path):
    path = tmp_path / "big.warc"
    html = page(f"<p>{ARTICLE * 3}</p>").encode()
    with open(path, "wb") as fh:
        fh.write(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: %d\r\n\r\n" % (90 * MB))
        fh.write(b"x" * (90 * MB) + b"\r\n\r\n")
        fh.write(response_record("https://news.example/after", http_response(html)))
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path), str(ROOT)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    docs, grown_mb = ast.literal_eval(out[0]), int(out[1])
    assert docs[0][0] == REJECTED and "too large" in docs[0][1]
    assert docs[1] == (PENDING, None)  # the record after it is read
    assert grown_mb < 40


def test_text_of_a_million_short_lines_is_rejected_at_once(tmp_path):
    (tmp_path / "lines.txt").write_bytes(b"x\n" * 1_000_000)
    (tmp_path / "feed.jsonl").write_text(json.dumps({"text": "y\n" * 60_000}) + "\n", encoding="utf-8")
    docs = {d.source: d for d in read_tree(tmp_path)}
    assert docs["lines.txt"].status == REJECTED and "too many lines" in docs["lines.txt"].reason
    assert docs["feed.jsonl"].reason.startswith("line 1: text has too many lines")


def test_extracted_text_of_too_many_paragraphs_is_rejected():
    doc = extract(page("<p>word</p>" * 200), max_paragraphs=100)
    assert doc.status == REJECTED and "too many paragraphs" in doc.reason
