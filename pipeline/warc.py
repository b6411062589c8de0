"""A small, forgiving WARC reader.

WARC is simple: a block of ``Name: value`` header lines, a blank line, then
exactly Content-Length bytes of payload. Writing the parser here (rather than
depending on a library) lets a truncated or malformed file yield every intact
record and then one clear error, instead of an exception that loses the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator


class WarcError(ValueError):
    pass


@dataclass
class WarcRecord:
    offset: int
    headers: dict[str, str]
    payload: bytes
    # A broken record (a Content-Length that is no length or does not fit
    # the bytes, a block that is not a WARC header): why; payload is empty.
    problem: str = ""

    @property
    def type(self) -> str:
        return self.headers.get("warc-type", "").lower()


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


_STEP = 1 << 20
_LENGTH = re.compile(r"[0-9]{1,19}")
_RECORD_START = re.compile(rb"(?:^|\n)(WARC/[0-9]\.[0-9]+\r?\n)")


class _Reader:
    """The stream, with bytes that can be put back (to read a region again
    after a record turned out to be broken) and a count of bytes consumed,
    which serves as the offset of every record on any kind of stream."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.back, self.pos = stream, bytearray(), 0

    def unread(self, data: bytes) -> None:
        self.back[:0] = data
        self.pos -= len(data)

    def read(self, size: int) -> bytes:
        if self.back:
            data = bytes(self.back[:size])
            del self.back[:size]
            if len(data) < size:
                data += self.stream.read(size - len(data))
        else:
            data = self.stream.read(size)
        self.pos += len(data)
        return data

    def rewind(self, pos: int) -> bool:
        """Go back to ``pos`` on a stream that can seek; False on one that cannot."""
        try:
            if not self.stream.seekable():
                return False
            here = self.stream.tell() - len(self.back)
            self.stream.seek(here - (self.pos - pos))
        except (OSError, ValueError):
            return False
        self.back.clear()
        self.pos = pos
        return True

    def readline(self, limit: int) -> bytes:
        if self.back:
            end = self.back.find(b"\n", 0, limit)
            if end >= 0 or len(self.back) >= limit:
                size = end + 1 if end >= 0 else limit
                data = bytes(self.back[:size])
                del self.back[:size]
                self.pos += len(data)
                return data
            data = bytes(self.back)
            self.back.clear()
            data += self.stream.readline(limit - len(data))
        else:
            data = self.stream.readline(limit)
        self.pos += len(data)
        return data


def _read_header_block(reader: _Reader, max_bytes: int = 65536) -> list[bytes] | None:
    """The header lines of the next record, with their line ends."""
    lines: list[bytes] = []
    size = 0
    while True:
        line = reader.readline(max_bytes)
        if not line:
            if lines:
                raise WarcError("truncated WARC header")
            return None
        size += len(line)
        if size > max_bytes:
            raise WarcError("WARC header too large")
        if line in (b"\r\n", b"\n"):
            if not lines:  # blank lines between records
                continue
            return lines
        lines.append(line)


def _parse_fields(lines: list[bytes]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw in lines:
        name, sep, value = raw.decode("utf-8", "replace").partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def iter_records(stream: BinaryIO, max_record_bytes: int) -> Iterator[WarcRecord]:
    """Yield records; a broken record in the middle comes with its ``problem``
    and reading goes on at the next record header. Raise WarcError when the
    file ends broken (nothing more to read after it).

    A Content-Length is checked against what follows it: a negative or
    absurd length, or one that runs into the next record's header, cannot
    swallow the records after it.
    """
    reader = _Reader(stream)
    while True:
        offset = reader.pos
        block = _read_header_block(reader)
        if block is None:
            return
        if not block[0].startswith(b"WARC/"):
            reader.unread(b"".join(block[1:]))
            problem = f"not a WARC record at byte {offset}"
            headers: dict[str, str] = {}
        else:
            headers = _parse_fields([line.rstrip(b"\r\n") for line in block[1:]])
            record = _framed(reader, offset, headers, max_record_bytes)
            if isinstance(record, WarcRecord):
                yield record
                continue
            problem = record
        if not _resync(reader):
            raise WarcError(problem)
        yield WarcRecord(offset, headers, b"", problem)


def _framed(reader: _Reader, offset: int, headers: dict, limit: int) -> "WarcRecord | str":
    """The record whose headers were just read, or why its framing is broken
    (the reader then stands where its payload began)."""
    text = headers.get("content-length", "")
    length = int(text) if _LENGTH.fullmatch(text) else -1
    if length < 0:
        return f"record at byte {offset} has no valid Content-Length ({text[:40] or 'none'})"
    start = reader.pos
    if length > limit:
        found_at, kept = _skip(reader, length, limit)
        if reader.pos - start == length and _at_boundary(reader):
            return WarcRecord(offset, headers | {"x-oversize": str(length)}, b"")
        if kept is not None:
            reader.unread(kept)
        elif not reader.rewind(found_at):  # too many bytes to keep, and a stream that cannot seek
            raise WarcError(f"record at byte {offset}: Content-Length {length} does not fit the file, "
                            "and the rest of the file cannot be read again")
        return f"record at byte {offset}: Content-Length {length} does not fit the file"
    payload = reader.read(length)
    if len(payload) < length:
        reader.unread(payload)
        if _RECORD_START.search(payload):  # records follow: the length is a lie
            return f"record at byte {offset}: Content-Length {length} runs into the next record"
        return f"truncated WARC record at byte {offset}"
    if _at_boundary(reader) or not _RECORD_START.search(payload):
        # Bytes that are no record after a whole one are reported on their own.
        return WarcRecord(offset, headers, payload)
    reader.unread(payload)  # a length that swallows the next record header
    return f"record at byte {offset}: Content-Length {length} runs into the next record"


def _skip(reader: _Reader, length: int, keep_limit: int) -> tuple[int, bytes | None]:
    """Read past ``length`` bytes a step at a time (never all at once).

    Keeps the bytes from the first line that looks like a record header on
    (at most ``keep_limit`` of them), so that a length that turns out to be
    a lie can be read again from there: returns where that line is and the
    bytes (b"" when no such line was seen, None when they were too many).
    """
    kept, found, overflow, found_at = bytearray(), False, False, reader.pos
    left, tail = length, b""
    while left > 0:
        chunk = reader.read(min(left, _STEP))
        if not chunk:
            break
        left -= len(chunk)
        if not found:
            window = tail + chunk
            match = _RECORD_START.search(window)
            if match:
                found = True
                kept += window[match.start(1):]
                found_at = reader.pos - len(kept)
            tail = window[-16:]
        elif not overflow:
            kept += chunk
        if len(kept) > keep_limit:
            overflow = True
            kept.clear()
    return found_at, None if overflow else bytes(kept)


def _at_boundary(reader: _Reader) -> bool:
    """Whether the bytes after a payload are line ends and then a record or the end."""
    ahead = reader.read(64)
    reader.unread(ahead)
    rest = ahead.lstrip(b"\r\n")
    if not rest:
        return True
    return rest.startswith(b"WARC/") or (len(ahead) < 64 and b"WARC/".startswith(rest))


def _resync(reader: _Reader) -> bool:
    """Move to the next line that starts a WARC record; False at the end of the file."""
    tail = b""
    while True:
        chunk = reader.read(_STEP)
        if not chunk:
            return False
        window = tail + chunk
        match = _RECORD_START.search(window)
        if match:
            reader.unread(window[match.start(1):])
            return True
        tail = window[-16:]


def parse_http_response(payload: bytes) -> HttpResponse:
    head, sep, body = payload.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = payload.partition(b"\n\n")
    if not sep:
        raise WarcError("HTTP response without header end")
    lines = head.split(b"\n")
    parts = lines[0].split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise WarcError("malformed HTTP status line")
    try:
        status = int(parts[1])
    except ValueError:
        raise WarcError("malformed HTTP status code") from None
    headers = _parse_fields([line.rstrip(b"\r") for line in lines[1:]])
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    return HttpResponse(status, headers, body)


def _dechunk(body: bytes) -> bytes:
    out, pos = bytearray(), 0
    while pos < len(body):
        end = body.find(b"\r\n", pos)
        if end < 0:
            if pos == 0:
                return body  # no chunk framing at all: stored already de-chunked
            break
        try:
            size = int(body[pos:end].split(b";")[0], 16)
        except ValueError:
            return body  # not really chunked; keep the bytes as they are
        if size == 0:
            break
        out += body[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2
    return bytes(out)
