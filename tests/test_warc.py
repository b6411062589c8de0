"""warc.py and WARC reading in sources.py: records, truncation, oversize, chunked bodies, non-HTML."""
from __future__ import annotations

import codecs
import gzip
import io
from pathlib import Path

import pytest

import make_warc as mw
from pipeline import warc
from pipeline.document import HTML, PENDING, REJECTED
from pipeline.sources import ReadConfig, read_file

PAGE = b"<html><head><title>Quay</title></head><body><p>The quay reopened on Friday.</p></body></html>"
URL = "https://example.org/quay"


def records(data: bytes, limit: int = 1 << 20) -> list[warc.WarcRecord]:
    return list(warc.iter_records(io.BytesIO(data), limit))


def read(tmp_path: Path, data: bytes, name: str = "crawl.warc", **config) -> list:
    path = tmp_path / name
    path.write_bytes(data)
    return list(read_file(path, tmp_path, ReadConfig(**config)))


# -- the record reader ----------------------------------------------------------

def test_iter_records_reads_every_record_type():
    data = b"".join(mw.sample_records(non_html=True))
    recs = records(data)
    assert [r.type for r in recs] == ["warcinfo", "request", "response", "metadata", "request", "response"]
    response = recs[2]
    assert response.headers["warc-target-uri"] == mw.ARTICLE_URL
    assert response.payload.startswith(b"HTTP/1.1 200 OK")
    assert int(response.headers["content-length"]) == len(response.payload)


def test_offsets_point_at_record_starts():
    # An offset may include the blank lines that end the record before it.
    data = b"".join(mw.sample_records())
    for rec in records(data):
        assert data[rec.offset:].lstrip(b"\r\n").startswith(b"WARC/1.1")


def test_blank_lines_between_records_are_tolerated():
    one = mw.response_record(URL, mw.http_response(PAGE))
    assert len(records(b"\r\n\r\n" + one + b"\n\n\n" + one)) == 2


def test_header_names_are_case_insensitive():
    rec = mw.response_record(URL, mw.http_response(PAGE)).replace(b"WARC-Type", b"warc-TYPE")
    assert records(rec)[0].type == "response"


def test_truncated_payload_raises_after_intact_records():
    good = mw.response_record(URL, mw.http_response(PAGE))
    cut = mw.response_record(URL + "/2", mw.http_response(PAGE))[:-60]
    it = warc.iter_records(io.BytesIO(good + cut), 1 << 20)
    assert next(it).payload.endswith(PAGE)
    with pytest.raises(warc.WarcError, match="truncated"):
        next(it)


def test_truncated_header_raises():
    with pytest.raises(warc.WarcError, match="truncated WARC header"):
        records(b"WARC/1.1\r\nWARC-Type: response\r\n")


def test_missing_content_length_raises():
    with pytest.raises(warc.WarcError, match="Content-Length"):
        records(b"WARC/1.1\r\nWARC-Type: response\r\n\r\npayload")


def test_garbage_is_not_a_record():
    with pytest.raises(warc.WarcError, match="not a WARC record"):
        records(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")


def test_oversize_record_is_skipped_and_reading_goes_on():
    big = mw.response_record(URL, mw.http_response(b"<p>" + b"x" * 5000 + b"</p>"))
    small = mw.response_record(URL + "/small", mw.http_response(PAGE))
    recs = records(big + small, limit=2000)
    assert recs[0].headers["x-oversize"] and recs[0].payload == b""
    assert recs[1].payload.endswith(PAGE)


def test_empty_stream_has_no_records():
    assert records(b"") == []


# -- HTTP payloads -------------------------------------------------------------

def test_parse_http_response():
    resp = warc.parse_http_response(mw.http_response(PAGE, headers={"X-Test": "yes"}))
    assert resp.status == 200
    assert resp.content_type == "text/html; charset=utf-8"
    assert resp.headers["x-test"] == "yes"
    assert resp.body == PAGE


def test_parse_http_response_with_bare_newlines():
    resp = warc.parse_http_response(b"HTTP/1.0 200 OK\nContent-Type: text/html\n\n" + PAGE)
    assert resp.body == PAGE and resp.content_type == "text/html"


def test_chunked_body_is_reassembled():
    body = PAGE * 20
    resp = warc.parse_http_response(mw.http_response(body, chunked=True))
    assert resp.body == body


def test_chunk_extensions_are_ignored():
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=v\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    assert warc.parse_http_response(raw).body == b"hello world"


def test_body_claiming_chunked_but_not_is_kept_as_is():
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + PAGE
    assert warc.parse_http_response(raw).body == PAGE


@pytest.mark.parametrize("payload, message", [
    (b"no header end at all", "header end"),
    (b"HTTP/1.1\r\n\r\nbody", "status line"),
    (b"ICY 200 OK\r\n\r\nbody", "status line"),
    (b"HTTP/1.1 abc OK\r\n\r\nbody", "status code"),
])
def test_malformed_http(payload, message):
    with pytest.raises(warc.WarcError, match=message):
        warc.parse_http_response(payload)


# -- WARC files through sources.read_file --------------------------------------

def test_sample_crawl_gives_one_html_document(tmp_path):
    docs = read(tmp_path, mw.gzip_members(mw.sample_records()), "sample.warc.gz")
    assert len(docs) == 1
    doc = docs[0]
    assert doc.status == PENDING and doc.kind == HTML
    assert doc.offset == 1
    assert doc.meta["url"] == mw.ARTICLE_URL
    assert "Market hall traders win six-month rent freeze" in doc.content


def test_non_html_response_is_rejected_with_its_content_type(tmp_path):
    docs = read(tmp_path, b"".join(mw.sample_records(non_html=True)))
    assert [d.status for d in docs] == [PENDING, REJECTED]
    assert "image/png" in docs[1].reason
    assert docs[1].meta["url"] == mw.PNG_URL
    assert docs[1].offset == 2


def test_http_error_status_is_rejected(tmp_path):
    rec = mw.response_record(URL, mw.http_response(PAGE, status=404, reason="Not Found"))
    (doc,) = read(tmp_path, rec)
    assert doc.status == REJECTED and "404" in doc.reason


def test_chunked_and_gzip_encoded_response(tmp_path):
    body = gzip.compress(PAGE, mtime=0)
    rec = mw.response_record(URL, mw.http_response(body, headers={"Content-Encoding": "gzip"}, chunked=True))
    (doc,) = read(tmp_path, rec)
    assert doc.status == PENDING and doc.content == PAGE.decode()


def test_body_claiming_gzip_but_not(tmp_path):
    rec = mw.response_record(URL, mw.http_response(PAGE, headers={"Content-Encoding": "gzip"}))
    (doc,) = read(tmp_path, rec)
    assert doc.status == REJECTED and "gzip" in doc.reason


def test_declared_charset_of_the_response_is_used(tmp_path):
    page = "<html><body><p>Городской совет одобрил новую велосипедную дорожку.</p></body></html>"
    rec = mw.response_record(URL, mw.http_response(page.encode("koi8-r"), content_type="text/html; charset=koi8-r"))
    (doc,) = read(tmp_path, rec)
    assert doc.content == page
    assert codecs.lookup(doc.meta["encoding"]).name == "koi8-r"


def test_empty_body_is_empty(tmp_path):
    (doc,) = read(tmp_path, mw.response_record(URL, mw.http_response(b"  \r\n")))
    assert doc.status == "empty"


def test_truncated_crawl_keeps_earlier_pages_and_reports_the_rest(tmp_path):
    good = mw.response_record(URL, mw.http_response(PAGE))
    cut = mw.response_record(URL + "/2", mw.http_response(PAGE * 3))[:-100]
    docs = read(tmp_path, good + cut)
    assert [d.status for d in docs] == [PENDING, REJECTED]
    assert "malformed WARC after 1 records" in docs[1].reason
    assert docs[1].offset == 2


def test_truncated_gzip_crawl(tmp_path):
    data = mw.gzip_members(mw.sample_records())
    docs = read(tmp_path, data[: len(data) - 40], "cut.warc.gz")
    assert docs and docs[-1].status == REJECTED
    assert "gzip" in docs[-1].reason or "WARC" in docs[-1].reason


def test_oversize_response_is_rejected_and_the_next_is_read(tmp_path):
    big = mw.response_record(URL, mw.http_response(b"<p>" + b"x" * 5000 + b"</p>"))
    small = mw.response_record(URL + "/small", mw.http_response(PAGE))
    docs = read(tmp_path, big + small, max_document_bytes=2000)
    assert [d.status for d in docs] == [REJECTED, PENDING]
    assert "too large" in docs[0].reason


def test_record_ids_are_stable_and_distinct(tmp_path):
    data = b"".join(mw.sample_records(non_html=True))
    first = [d.id for d in read(tmp_path, data)]
    again = [d.id for d in read(tmp_path, data, "copy.warc")]
    assert first == again
    assert len(set(first)) == len(first)


def test_warc_without_suffix_is_sniffed(tmp_path):
    docs = read(tmp_path, b"".join(mw.sample_records()), "crawl-0001")
    assert len(docs) == 1 and docs[0].kind == HTML


def test_generator_is_deterministic(tmp_path):
    a, b = tmp_path / "a.warc.gz", tmp_path / "b.warc.gz"
    assert mw.main(["make_warc.py", str(a)]) == 0
    assert mw.main(["make_warc.py", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_committed_sample_matches_the_generator(tmp_path):
    sample = Path(__file__).resolve().parent / "samples" / "crawl" / "sample.warc.gz"
    assert gzip.decompress(sample.read_bytes()) == b"".join(mw.sample_records())


# -- broken framing in the middle of a crawl: reported, and reading goes on -----

def story(i: int, length: int | None = None) -> bytes:
    body = mw.http_response(b"<html><body><p>Story %d: the quay reopened on Friday.</p></body></html>" % i)
    return mw.warc_record("response", body, f"{URL}/{i}", content_type="application/http; msgtype=response",
                          length=length)


@pytest.mark.parametrize("broken, why", [
    (story(1, -1), "no valid Content-Length (-1)"),
    (story(1, 10**15), "does not fit the file"),
    (story(1, 5 * len(story(1))), "runs into the next record"),
    (story(1).replace(b"Content-Length", b"X-Length"), "no valid Content-Length (none)"),
    (story(1).replace(b"Content-Length: ", b"Content-Length: 1_"), "no valid Content-Length"),
    (b"junk that is no record\r\nmore junk\r\n\r\n", "not a WARC record"),
])
@pytest.mark.parametrize("gzipped", [False, True])
def test_a_broken_record_is_reported_and_every_later_record_is_read(tmp_path, broken, why, gzipped):
    data = story(0) + broken + story(2) + story(3)
    docs = read(tmp_path, gzip.compress(data) if gzipped else data, "crawl.warc.gz" if gzipped else "crawl.warc")
    assert [d.status for d in docs] == [PENDING, REJECTED, PENDING, PENDING]
    assert docs[1].reason.startswith("broken WARC record") and why in docs[1].reason
    assert [d.meta.get("url") for d in docs[2:]] == [f"{URL}/2", f"{URL}/3"]
    assert [d.offset for d in docs] == [1, 2, 3, 4] and len({d.id for d in docs}) == 4


def test_absurd_length_in_a_large_crawl_rereads_what_it_skipped(tmp_path):
    # More bytes after the lie than the reader keeps in memory: read again from disk.
    data = story(0) + story(1, 10**12) + b"".join(story(i) for i in range(2, 400))
    docs = read(tmp_path, data, max_document_bytes=4096)
    assert docs[1].status == REJECTED and "does not fit the file" in docs[1].reason
    assert [d.status for d in docs].count(PENDING) == 399


def test_a_record_swallowing_the_next_is_not_passed_off_as_whole():
    recs = records(story(0) + story(1, 3 * len(story(1))) + story(2))
    assert [bool(r.problem) for r in recs] == [False, True, False]
    assert recs[1].payload == b"" and recs[2].headers["warc-target-uri"] == f"{URL}/2"


def test_broken_request_records_are_not_documents(tmp_path):
    request = mw.warc_record("request", b"GET / HTTP/1.1\r\n\r\n", URL, length=-1)
    docs = read(tmp_path, story(0) + request + story(2))
    assert [d.status for d in docs] == [PENDING, PENDING]
