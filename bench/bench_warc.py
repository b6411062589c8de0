"""The WARC reader (pipeline/warc.py) against maintained readers, on broken files and on speed.

For each hostile file (a Content-Length of -1, an absurd one, one too long or
too short, none, junk between records, a truncated end) it prints what each
reader makes of the records: read, broken (reported), lost (neither). Then
the speed of each on one generated crawl of intact records, in one process,
and the peak memory of reading a large file with a Content-Length of -1 in
its first record. FastWARC and warcio are measured when installed
(``pip install fastwarc warcio``); nothing here needs data from outside.

    python bench/bench_warc.py [--mb 64]
"""
from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

import make_warc as mw  # noqa: E402

from pipeline import warc  # noqa: E402

BODY = b"<html><body><p>" + b"The quay reopened on Friday after repairs. " * 60 + b"</p></body></html>"
HTTP = "application/http; msgtype=response"


def record(i: int, length: int | None = None, body: bytes = BODY) -> bytes:
    return mw.warc_record("response", mw.http_response(body), f"https://news.example/{i}",
                          content_type=HTTP, length=length)


def hostile() -> dict[str, tuple[bytes, set[int]]]:
    """name -> (file, the numbers of its intact records)."""
    r = record
    return {
        "Content-Length: -1": (r(0) + r(1, -1) + r(2) + r(3), {0, 2, 3}),
        "Content-Length: 10^15": (r(0) + r(1, 10**15) + r(2) + r(3), {0, 2, 3}),
        "Content-Length twice too long": (r(0) + r(1, 2 * len(r(1))) + r(2) + r(3) + r(4), {0, 2, 3, 4}),
        "Content-Length too short": (r(0) + r(1, 100) + r(2) + r(3), {0, 2, 3}),
        "no Content-Length": (r(0) + r(1).replace(b"Content-Length", b"X-Length", 1) + r(2) + r(3), {0, 2, 3}),
        "junk between records": (r(0) + b"junk line\r\nmore junk\r\n\r\n" + r(2) + r(3), {0, 2, 3}),
        "truncated last record": ((r(0) + r(1) + r(2))[:-300], {0, 1}),
    }


def ours(data: bytes) -> tuple[list[str], str]:
    urls, note = [], ""
    try:
        for rec in warc.iter_records(io.BytesIO(data), 1 << 24):
            urls.append("BROKEN" if rec.problem else rec.headers.get("warc-target-uri", ""))
    except warc.WarcError as exc:
        urls.append("BROKEN")
        note = str(exc)
    return urls, note


def fastwarc(data: bytes) -> tuple[list[str], str]:
    from fastwarc.warc import ArchiveIterator

    urls = []
    try:
        for rec in ArchiveIterator(io.BytesIO(data), parse_http=False):
            rec.reader.read()
            urls.append(rec.headers.get("WARC-Target-URI") or "")
    except Exception as exc:  # noqa: BLE001 - whatever it raises is the finding
        return urls + ["BROKEN"], repr(exc)
    return urls, ""


def warcio(data: bytes) -> tuple[list[str], str]:
    from warcio.archiveiterator import ArchiveIterator

    urls = []
    try:
        for rec in ArchiveIterator(io.BytesIO(data)):
            rec.content_stream().read()
            urls.append(rec.rec_headers.get_header("WARC-Target-URI") or "")
    except Exception as exc:  # noqa: BLE001
        return urls + ["BROKEN"], repr(exc)
    return urls, ""


def readers() -> dict:
    out = {"pipeline.warc": ours}
    for name, fn, module in (("fastwarc", fastwarc, "fastwarc"), ("warcio", warcio, "warcio")):
        try:
            __import__(module)
        except ImportError:
            print(f"({name} not installed: skipped)")
            continue
        out[name] = fn
    return out


def judge(urls: list[str], intact: set[int]) -> str:
    """Intact records read; broken ones passed off as whole; whether a break was reported."""
    read = {u for u in urls if u.startswith("https://")}
    good = {f"https://news.example/{i}" for i in intact}
    passed = len(read - good)
    lost = len(good - read)
    text = f"{len(read & good)}/{len(good)} read, " + ("break reported" if "BROKEN" in urls else "NOTHING reported")
    if lost:
        text += f", {lost} lost"
    if passed:
        text += f", {passed} broken record passed as whole"
    return text


def compare(found: dict) -> None:
    print("\nhostile files: records read of the intact ones, and whether the break was reported")
    for name, (data, intact) in hostile().items():
        print(f"  {name}")
        for label, fn in found.items():
            urls, _ = fn(data)
            print(f"    {label:14s} {judge(urls, intact)}")


def speed(found: dict, megabytes: int) -> None:
    one = record(0)
    data = one * max(1, megabytes * (1 << 20) // len(one))
    print(f"\nspeed on {len(data) / (1 << 20):.0f} MB of intact records ({len(one)} bytes each), best of 3:")
    for label, fn in found.items():
        best = min(_timed(fn, data) for _ in range(3))
        print(f"    {label:14s} {len(data) / (1 << 20) / best:8.0f} MB/s")


def _timed(fn, data: bytes) -> float:
    start = time.perf_counter()
    fn(data)
    return time.perf_counter() - start


MEMORY = """
import resource, sys
sys.path.insert(0, sys.argv[2])
from pipeline.sources import read_file
from pathlib import Path
path = Path(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
total = pages = 0
for doc in read_file(path, path.parent):  # counted, not kept: the reader's own memory
    total, pages = total + 1, pages + doc.pending
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(total, pages, (after - before) // 1024)
"""


def memory(megabytes: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "crawl.warc"
        one = record(9)
        with open(path, "wb") as fh:
            fh.write(record(0) + record(1, -1))
            for _ in range(megabytes * (1 << 20) // len(one)):
                fh.write(one)
        out = subprocess.run([sys.executable, "-c", MEMORY, str(path), str(ROOT)],
                             capture_output=True, text=True, check=True).stdout.split()
        print(f"\n{megabytes} MB crawl with Content-Length: -1 in its second record (pipeline.sources): "
              f"{out[0]} documents, {out[1]} pages read, peak memory grew {out[2]} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=64, help="size of the generated crawls")
    args = parser.parse_args()
    found = readers()
    compare(found)
    speed(found, args.mb)
    memory(args.mb)


if __name__ == "__main__":
    main()
