"""A small, forgiving WARC reader.

WARC is simple: a block of ``Name: value`` header lines, a blank line, then
exactly Content-Length bytes of payload. Writing the parser here (rather than
depending on a library) lets a truncated or malformed file yield every intact
record and then one clear error, instead of an exception that loses the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO, Iterator


class WarcError(ValueError):
    pass


@dataclass
class WarcRecord:
    offset: int
    headers: dict[str, str]
    payload: bytes

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


def _read_header_block(stream: BinaryIO, max_bytes: int = 65536) -> list[bytes] | None:
    lines: list[bytes] = []
    size = 0
    while True:
        line = stream.readline(max_bytes)
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
        lines.append(line.rstrip(b"\r\n"))


def _parse_fields(lines: list[bytes]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw in lines:
        name, sep, value = raw.decode("utf-8", "replace").partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def iter_records(stream: BinaryIO, max_record_bytes: int) -> Iterator[WarcRecord]:
    """Yield records; raise WarcError at the first broken one."""
    while True:
        offset = stream.tell() if stream.seekable() else -1
        block = _read_header_block(stream)
        if block is None:
            return
        if not block[0].startswith(b"WARC/"):
            raise WarcError(f"not a WARC record at byte {offset}")
        headers = _parse_fields(block[1:])
        try:
            length = int(headers.get("content-length", ""))
        except ValueError:
            raise WarcError(f"record at byte {offset} has no valid Content-Length") from None
        if length > max_record_bytes:
            _skip(stream, length)  # the next record may be fine
            yield WarcRecord(offset, headers | {"x-oversize": str(length)}, b"")
            continue
        payload = stream.read(length)
        if len(payload) < length:
            raise WarcError(f"truncated WARC record at byte {offset}")
        yield WarcRecord(offset, headers, payload)


def _skip(stream: BinaryIO, length: int, step: int = 1 << 20) -> None:
    """Read past ``length`` bytes a step at a time (never all at once)."""
    while length > 0:
        chunk = stream.read(min(length, step))
        if not chunk:
            return
        length -= len(chunk)


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
