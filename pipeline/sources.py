"""Read raw inputs into documents.

Input kinds, by file name (after an optional ``.gz``), else by sniffing:
``.html/.htm/.xhtml`` pages, ``.txt`` text dumps, ``.warc`` crawls (HTML
responses), ``.jsonl`` (one document a line, with ``text`` or ``html``).
Nothing here raises for bad input: a file that cannot be read becomes a
REJECTED document whose reason says why, and the run goes on.
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import math
import os
import posixpath
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from . import warc
from .decode import DecodeError, declared_charset, decode, replaced
from .document import HTML, TEXT, Document, content_id
from .storage import ObjectFolder

MB = 1024 * 1024
UNREADABLE_REASON = "unreadable file"  # an I/O error: the next run tries the file again
UNREADABLE_FOLDER = "unreadable folder"  # and every file in it
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}
WARC_SUFFIXES = {".warc", ".arc"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}


@dataclass(frozen=True)
class ReadConfig:
    max_file_bytes: int = 256 * MB  # a raw file on disk
    max_document_bytes: int = 16 * MB  # one page or record, decompressed
    max_decompressed_bytes: int = 1024 * MB  # all of one .gz (gzip bombs)
    # Text and HTML compress 3-30 times; far more than that is a bomb. Small
    # files may expand up to max_document_bytes whatever their ratio.
    max_gzip_ratio: int = 200
    max_document_lines: int = 50_000  # of a text document


class _Bounded(io.RawIOBase):
    """A read-only stream that refuses to yield more than ``limit`` bytes."""

    def __init__(self, inner: BinaryIO, limit: float):
        self.inner, self.limit, self.count, self.junk = inner, limit, 0, False

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        try:
            # One gzip member at a time (read1), so that data read before
            # a bad member header is not lost with the exception.
            data = self.inner.read1(len(buf)) if isinstance(self.inner, gzip.GzipFile) else self.inner.read(len(buf))
        except gzip.BadGzipFile:
            if not self.count:
                raise
            # Bytes after the last whole gzip member that are no gzip member
            # (junk appended by a server or a copy): the members stand.
            self.junk = True
            return 0
        self.count += len(data)
        if self.count > self.limit:
            raise _TooLarge(f"decompresses to more than {self.limit / MB:.0f} MB")
        buf[: len(data)] = data
        return len(data)


class _TooLarge(Exception):
    pass


@dataclass
class Receipt:
    """What reading one file actually read: the SHA-256 of all its bytes, or
    None when they could not all be read. A file can change or vanish
    between the listing and the reading; the input ledger records this
    hash, not the listing's."""

    digest: str | None = None


class _Hashing(io.RawIOBase):
    """A file descriptor read through a running SHA-256 of its bytes.

    Seekable (the WARC reader may go back over a broken record); bytes read
    a second time are hashed once.
    """

    def __init__(self, fd: int):
        self.fd, self.sha, self.pos, self.hashed = fd, hashlib.sha256(), 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self.pos = os.lseek(self.fd, offset, whence)
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buf) -> int:
        count = os.readv(self.fd, [buf])
        end = self.pos + count
        if end > self.hashed:
            if self.pos > self.hashed:  # a seek forward skipped bytes: hash them too
                os.lseek(self.fd, self.hashed, os.SEEK_SET)
                self.sha.update(os.read(self.fd, self.pos - self.hashed))
                os.lseek(self.fd, end, os.SEEK_SET)
            self.sha.update(memoryview(buf)[max(self.hashed - self.pos, 0):count])
            self.hashed = end
        self.pos = end
        return count

    def drain(self) -> str:
        """Hash what nobody read (a reader may stop early), then the digest."""
        os.lseek(self.fd, self.hashed, os.SEEK_SET)
        for chunk in iter(lambda: os.read(self.fd, 1 << 20), b""):
            self.sha.update(chunk)
            self.hashed += len(chunk)
        self.pos = self.hashed
        return self.sha.hexdigest()

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


class _Outside(Exception):
    pass


def discover(raw_dir: Path) -> list[Path]:
    """Every file below raw_dir, in a stable order; hidden files skipped.

    Symbolic links to folders are listed (not followed), so that they are
    reported rather than silently ignored; so are folders that cannot be
    read (``path_problem`` says why).
    """
    found = []
    unreadable: list[Path] = []

    def failed(exc: OSError) -> None:
        if exc.filename is not None and Path(exc.filename) != Path(raw_dir):
            unreadable.append(Path(exc.filename))
        else:
            raise exc  # the raw folder itself: the run cannot go on

    for dirpath, dirnames, filenames in os.walk(raw_dir, onerror=failed):
        visible = sorted(d for d in dirnames if not d.startswith("."))
        linked = [d for d in visible if os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = [d for d in visible if d not in linked]
        names = sorted([f for f in filenames if not f.startswith(".")] + linked)
        found.extend(Path(dirpath) / f for f in names)
    return found + unreadable


def relative_source(path: Path, root: Path) -> str:
    whole, top = str(path), str(root)
    if os.sep == "/" and top not in ("", ".", "/") and whole.startswith(top + "/"):
        name = whole[len(top) + 1:]  # what relative_to gives, without building paths
    else:
        try:
            name = path.relative_to(root).as_posix()
        except ValueError:
            name = path.name
    # File names are bytes; one that is not UTF-8 is shown with escapes so
    # that it can be written into the manifest.
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def listed(items: Iterable) -> Iterator[tuple]:
    """The files named on a command line, each with the root its source name is relative to.

    A folder stands for every file below it (``discover``), named relative to
    the folder; a file is named by its own name. An ``ObjectFolder`` stands
    for every object under its prefix: (object path, the folder). Read each
    with ``read_input(root, path)``.
    """
    for item in items:
        if isinstance(item, ObjectFolder):
            for entry in item.files():
                yield entry.path, item
        elif item.is_dir():
            for path in discover(item):
                yield path, item
        else:
            yield item, item.parent


def read_tree(raw_dir: Path, config: ReadConfig = ReadConfig()) -> Iterator[Document]:
    for path in discover(raw_dir):
        yield from read_file(path, raw_dir, config)


def read_file(path: Path, root: Path, config: ReadConfig = ReadConfig(),
              receipt: Receipt | None = None) -> Iterator[Document]:
    for doc in _read_file(path, root, config, receipt if receipt is not None else Receipt()):
        yield _check_lines(doc, config)


def _check_lines(doc: Document, config: ReadConfig) -> Document:
    # Later stages work line by line; a "text" of a million short lines is
    # not an article and would keep them busy for minutes.
    if doc.pending and doc.kind == TEXT and doc.content.count("\n") >= config.max_document_lines:
        where = f"line {doc.offset}: " if doc.offset is not None else ""  # JSONL records
        return doc.reject(f"{where}text has too many lines (over {config.max_document_lines:,})")
    return doc


def _read_file(path: Path, root: Path, config: ReadConfig, receipt: Receipt) -> Iterator[Document]:
    source = relative_source(path, root)
    problem = path_problem(path, root, config)
    raw = None
    if not problem:
        try:
            raw = _open_inside(path, root)
            problem = _size_problem(os.fstat(raw.fd).st_size, config)
        except _Outside as exc:
            problem = str(exc)
        except OSError as exc:
            problem = f"{UNREADABLE_REASON} ({exc.strerror or exc})"
    if problem:
        if raw is not None:
            raw.close()
        yield Document(id=content_id(f"{source}:{problem}".encode()), source=source).reject(problem)
        return

    @contextlib.contextmanager
    def opened() -> Iterator[BinaryIO]:
        with raw, io.BufferedReader(raw) as stream:
            try:
                yield stream
            finally:  # also when the reader gave up on the file (a gzip bomb)
                with contextlib.suppress(OSError):
                    receipt.digest = raw.drain()

    yield from _read_stream(opened, path.name, lambda: os.fstat(raw.fd).st_size, source, config)


def _open_inside(path: Path, root: Path) -> _Hashing:
    """Open a raw file for reading, checking what was opened, not the name.

    A folder on the way may have been swapped for a link to somewhere else
    since the listing: the real path of the open file must still be inside
    the raw folder, and it must be a regular file (a FIFO would block).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        real = _real_path(fd, path, info)
        if real is None or not _inside(real, os.path.realpath(root)):
            raise _Outside("symbolic link leading outside the raw folder")
        if not stat.S_ISREG(info.st_mode):
            raise _Outside("not a regular file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return _Hashing(fd)


def _inside(real: str, root: str) -> bool:
    """Whether the absolute path ``real`` is ``root`` or below it (both real paths)."""
    return real == root or real.startswith(root if root.endswith(os.sep) else root + os.sep)


def _real_path(fd: int, path: Path, info: os.stat_result) -> str | None:
    """Where the open file really is (None if that cannot be told)."""
    with contextlib.suppress(OSError):
        return os.readlink(f"/proc/self/fd/{fd}")  # Linux: the kernel's own answer
    real = os.path.realpath(path)
    with contextlib.suppress(OSError):
        now = os.stat(real)
        if (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino):
            return real
    return None


def read_input(raw, path, config: ReadConfig = ReadConfig(), receipt: Receipt | None = None) -> Iterator[Document]:
    """Documents of one raw file of ``raw``, a folder path or a ``storage.ObjectFolder``.

    With a ``receipt``, a file on disk leaves there the hash of the bytes read.
    """
    if isinstance(raw, ObjectFolder):
        return read_object(raw, raw.entry(str(path)), config)
    return read_file(Path(path), Path(raw), config, receipt)


def read_object(folder: ObjectFolder, entry, config: ReadConfig = ReadConfig()) -> Iterator[Document]:
    """Documents of one object of an object store (``storage.ObjectEntry``)."""
    problem = path_problem_of_object(entry, config)
    if problem:
        doc = Document(id=content_id(f"{entry.source}:{problem}".encode()), source=entry.source)
        yield doc.reject(problem)
        return
    opener = lambda: folder.open_path(entry.path)  # noqa: E731
    for doc in _read_stream(opener, posixpath.basename(entry.path), lambda: entry.size, entry.source, config):
        yield _check_lines(doc, config)


def _read_stream(opener, name: str, size, source: str, config: ReadConfig) -> Iterator[Document]:
    """Documents of one file, whatever holds it; ``size()`` is its size on disk."""
    name = name.lower()
    gzipped = name.endswith(".gz")
    suffix = Path(name[:-3] if gzipped else name).suffix
    try:
        with opener() as fh:
            stream: BinaryIO = fh
            bounded = None
            if gzipped:
                bounded = _Bounded(gzip.GzipFile(fileobj=fh), _gzip_limit(size(), config))
                stream = io.BufferedReader(bounded)
            elif not hasattr(fh, "peek"):  # an object store's stream: buffered, to peek at it
                stream = io.BufferedReader(_Bounded(fh, math.inf))
            if suffix in WARC_SUFFIXES or _peek(stream).startswith(b"WARC/"):
                yield from _read_warc(stream, source, config)
            elif suffix in JSONL_SUFFIXES:
                yield from _read_jsonl(stream, source, config)
            else:
                data = stream.read(config.max_document_bytes + 1)
                doc = _one_document(data, source, suffix, config)
                if bounded is not None and bounded.junk and doc.pending:
                    doc = doc.evolve(meta=dict(doc.meta, repaired="bytes after the gzip data ignored"))
                yield doc
    except _TooLarge as exc:
        yield _failed(source, f"gzip bomb or oversized archive: {exc}")
    except (EOFError, zlib.error) as exc:
        yield _failed(source, f"truncated or corrupt gzip ({exc})")
    except gzip.BadGzipFile:
        yield _failed(source, "not a gzip file despite the .gz name")
    except OSError as exc:
        yield _failed(source, f"{UNREADABLE_REASON} ({exc.strerror or exc})")


def path_problem(path: Path, root: Path, config: ReadConfig = ReadConfig()) -> str | None:
    """Why a path must not be read (None when it may be)."""
    try:
        return _path_problem(path, root, config)
    except RuntimeError:  # pathlib's "symlink loop"
        return "symbolic link loop"
    except OSError as exc:
        return f"{UNREADABLE_REASON} ({exc.strerror or exc})"


def _path_problem(path: Path, root: Path, config: ReadConfig) -> str | None:
    # A file gone since the listing is unreadable, not "not a regular file".
    info = os.lstat(path)
    if stat.S_ISREG(info.st_mode):  # the common case, from the one system call
        return _size_problem(info.st_size, config)
    if path.is_dir() and not path.is_symlink():  # listed because it cannot be read
        try:
            with os.scandir(path):
                pass
        except OSError as exc:
            return f"{UNREADABLE_FOLDER} ({exc.strerror or exc})"
        return "a folder, not a file"
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root.resolve()):
            return "symbolic link leading outside the raw folder"
        if target.is_dir():
            return "symbolic link to a folder (not followed)"
    if not path.is_file():
        return "not a regular file"
    return _size_problem(path.stat().st_size, config)


def path_problem_of_object(entry, config: ReadConfig = ReadConfig()) -> str | None:
    """Why an object must not be read (None when it may be)."""
    return _size_problem(entry.size, config)


def _size_problem(size: int, config: ReadConfig) -> str | None:
    if size > config.max_file_bytes:
        return f"file too large ({size // MB} MB > {config.max_file_bytes // MB} MB limit)"
    return None


def _gzip_limit(size: int, config: ReadConfig) -> int:
    by_ratio = max(size * config.max_gzip_ratio, config.max_document_bytes + 1)
    return min(config.max_decompressed_bytes, by_ratio)


def _peek(stream: BinaryIO) -> bytes:
    return stream.peek(16)[:16] if hasattr(stream, "peek") else b""


def _failed(source: str, reason: str) -> Document:
    return Document(id=content_id(f"{source}:{reason}".encode()), source=source).reject(reason)


def _kind_of(data: bytes, suffix: str) -> str:
    if suffix in HTML_SUFFIXES:
        return HTML
    if suffix in TEXT_SUFFIXES:
        return TEXT
    head = data[:1024].lstrip().lower()
    return HTML if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head else TEXT


def _one_document(data: bytes, source: str, suffix: str, config: ReadConfig) -> Document:
    if not data:
        return Document(id=content_id(f"{source}:empty".encode()), source=source).mark_empty("empty file")
    doc = Document(id=content_id(data[: config.max_document_bytes]), source=source)
    if len(data) > config.max_document_bytes:
        return doc.reject(f"document too large (over {config.max_document_bytes // MB} MB)")
    kind = _kind_of(data, suffix)
    try:
        text, encoding = decode(data, declared_charset(data) if kind == HTML else None)
    except DecodeError as exc:
        return doc.reject(str(exc))
    return doc.evolve(kind=kind, content=text, meta=_decoded_meta({}, text, data, encoding))


def _decoded_meta(meta: dict, text: str, data: bytes, encoding: str) -> dict:
    """The encoding used, and the repair when bytes had to be replaced."""
    meta = dict(meta, encoding=encoding)
    count = replaced(text, data)
    if count:
        meta["repaired"] = f"{count} invalid {encoding} byte sequence{'s' if count > 1 else ''} replaced"
    return meta


def _read_jsonl(stream: BinaryIO, source: str, config: ReadConfig) -> Iterator[Document]:
    for number, line in enumerate(_lines(stream, config.max_document_bytes), start=1):
        if not line.strip():
            continue
        doc = Document(id=content_id(line), source=source, offset=number)
        if len(line) > config.max_document_bytes:
            yield doc.reject(f"line {number}: record too large")
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield doc.reject(f"line {number}: invalid JSON ({str(exc)[:80]})")
            continue
        yield _from_record(doc, record, number)


def _lines(stream: BinaryIO, limit: int) -> Iterable[bytes]:
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # drain the rest of an oversized line
                rest = stream.readline(limit)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line


def _from_record(doc: Document, record, number: int) -> Document:
    if not isinstance(record, dict):
        return doc.reject(f"line {number}: not a JSON object")
    meta = {k: str(record[k]) for k in ("url", "title", "date", "author") if record.get(k)}
    for field, kind in (("html", HTML), ("text", TEXT), ("content", TEXT)):
        value = record.get(field)
        if isinstance(value, str):
            doc = doc.evolve(kind=kind, content=value, meta=meta)
            return doc if value.strip() else doc.mark_empty(f"line {number}: empty '{field}'")
    return doc.reject(f"line {number}: no 'text' or 'html' field")


def _read_warc(stream: BinaryIO, source: str, config: ReadConfig) -> Iterator[Document]:
    number = 0
    try:
        for record in warc.iter_records(stream, config.max_document_bytes):
            if record.problem and record.type in ("response", ""):
                # A broken record that may have been a page: recorded, and
                # reading goes on at the next record.
                number += 1
                reason = f"broken WARC record: {record.problem}"
                doc_id = content_id(f"{source}:{number}:{reason}".encode())
                yield Document(id=doc_id, source=source, offset=number).reject(reason)
                continue
            if record.type != "response" or record.problem:
                continue  # requests, metadata and warcinfo are not documents
            number += 1
            yield _from_warc_record(record, source, number, config)
    except warc.WarcError as exc:
        reason = f"malformed WARC after {number} records: {exc}"
        yield Document(id=content_id(f"{source}:{reason}".encode()), source=source, offset=number + 1).reject(reason)


def _from_warc_record(record: warc.WarcRecord, source: str, number: int, config: ReadConfig) -> Document:
    url = record.headers.get("warc-target-uri", "")
    doc = Document(
        id=content_id(record.headers.get("warc-record-id", "").encode() + record.payload),
        source=source,
        offset=number,
        meta={k: v for k, v in (("url", url), ("fetched", record.headers.get("warc-date", ""))) if v},
    )
    if "x-oversize" in record.headers:
        return doc.reject(f"WARC record too large ({int(record.headers['x-oversize']) // MB} MB)")
    try:
        response = warc.parse_http_response(record.payload)
    except warc.WarcError as exc:
        return doc.reject(f"WARC record {number}: {exc}")
    if "html" not in response.content_type.lower():
        return doc.reject(f"not HTML ({response.content_type or 'no content type'})")
    if response.status >= 300:
        return doc.reject(f"HTTP status {response.status}")
    body = response.body
    if "gzip" in response.headers.get("content-encoding", "").lower():
        try:
            body = _gunzip_bounded(body, config.max_document_bytes)
        except (OSError, EOFError, zlib.error):
            return doc.reject("HTTP body claims gzip but is not")
        if len(body) > config.max_document_bytes:
            return doc.reject(f"gzip-encoded HTTP body decompresses to over {config.max_document_bytes // MB} MB")
    if not body.strip():
        return doc.mark_empty("empty HTTP body")
    try:
        text, encoding = decode(body, declared_charset(body, response.content_type))
    except DecodeError as exc:
        return doc.reject(str(exc))
    return doc.evolve(kind=HTML, content=text, meta=_decoded_meta(doc.meta, text, body, encoding))


def _gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Decompress at most ``limit + 1`` bytes: never inflate a bomb in memory."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, limit + 1)
    if len(out) <= limit and not inflater.eof:
        raise EOFError("truncated gzip body")
    return out
