"""Where raw inputs and clean outputs live: a folder on disk or an object store.

A location is a path, or a URL such as ``s3://bucket/corpus/raw`` or
``gs://bucket/raw``. URLs are opened with pyarrow's filesystems, the ones
Ray Data itself reads and writes through, so a URL that works for Ray Data
works here, on the driver and on every worker alike; credentials and
endpoints come from the usual environment (``AWS_*``, ``GOOGLE_*``) or from
the URL itself (``s3://KEY:SECRET@bucket/raw?endpoint_override=HOST:PORT``). ``file://`` URLs are plain
paths.

Only raw inputs and clean outputs may be in an object store. The run state
(input ledger, dedup index, lock) needs a filesystem folder: SQLite and
file locks do not work on objects.

Writes to an object store are atomic without a temporary file: an object
appears whole when its upload completes, or not at all.
"""
from __future__ import annotations

import contextlib
import io
import posixpath
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Iterator
from urllib.parse import unquote, urlsplit

from .atomic import atomic_open

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+)://")


class StorageError(ValueError):
    """A location that cannot be used (unknown scheme, missing library)."""


def is_url(location) -> bool:
    """An object-store URL (``file://`` URLs are paths, see ``local_path``)."""
    match = _SCHEME.match(str(location)) if isinstance(location, str) else None
    return bool(match) and match.group(1).lower() != "file"


def local_path(location) -> Path:
    text = str(location)
    if text.lower().startswith("file://"):
        return Path(unquote(urlsplit(text).path))
    return Path(location)


def location(value) -> "Path | ObjectFolder":
    """A path for a local location, an ``ObjectFolder`` for an object-store URL."""
    if isinstance(value, ObjectFolder):
        return value
    return ObjectFolder(str(value)) if is_url(value) else local_path(value)


def describe(where) -> str:
    """The location as text for reports and messages: a URL without its
    credentials (``s3://KEY:SECRET@bucket``) or query."""
    if isinstance(where, ObjectFolder):
        parts = urlsplit(where.url)
        host = parts.netloc.rpartition("@")[2]
        return f"{parts.scheme}://{host}{parts.path}"
    return str(where)


@dataclass(frozen=True)
class ObjectEntry:
    """One object below the folder, as listed."""

    path: str  # the filesystem path, e.g. "bucket/raw/a/b.html"
    source: str  # relative to the folder, "/"-separated
    size: int
    mtime_ns: int


class ObjectFolder:
    """A "folder" of an object store: every object under one prefix.

    Picklable (it travels to Ray tasks by its URL); the filesystem client is
    made again on first use in each process.
    """

    def __init__(self, url: str):
        self.url = url

    def __reduce__(self):
        return ObjectFolder, (self.url,)

    def __eq__(self, other) -> bool:
        return isinstance(other, ObjectFolder) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    def __repr__(self) -> str:
        return f"ObjectFolder({describe(self)!r})"

    def __str__(self) -> str:
        return describe(self)

    @cached_property
    def _opened(self):
        try:
            from pyarrow import fs
        except ImportError:
            raise StorageError(f"{describe(self)}: object-store locations need pyarrow "
                               "(pip install pyarrow, or pip install 'pipeline[ray]')") from None
        try:
            return fs.FileSystem.from_uri(self.url)
        except Exception as exc:  # pyarrow raises ValueError, ArrowInvalid, OSError...
            raise StorageError(f"cannot open {describe(self)}: {exc}") from None

    @property
    def fs(self):
        return self._opened[0]

    @property
    def root(self) -> str:
        return self._opened[1].rstrip("/")

    def is_inside(self, other: "ObjectFolder") -> bool:
        mine, theirs = describe(self).rstrip("/") + "/", describe(other).rstrip("/") + "/"
        return mine.startswith(theirs)

    def _key(self, name: str) -> str:
        return posixpath.join(self.root, name) if self.root else name

    # -- reading ---------------------------------------------------------

    def files(self) -> list[ObjectEntry]:
        """Every object below the folder, by name; hidden names (".x") skipped, as on disk."""
        from pyarrow import fs

        info = self.fs.get_file_info(self.root)
        if info.type == fs.FileType.NotFound:
            # Like a missing folder: a typo must not pass for an empty input.
            raise FileNotFoundError(f"nothing at {describe(self)} (no such bucket, or no object under it)")
        if info.type == fs.FileType.File:  # the URL names one object
            return [self.entry(self.root)]
        selector = fs.FileSelector(self.root, recursive=True)
        found = []
        for info in self.fs.get_file_info(selector):
            if info.type != fs.FileType.File:
                continue
            source = self._source(info.path)
            if any(part.startswith(".") for part in source.split("/")):
                continue
            found.append(ObjectEntry(info.path, source, int(info.size or 0), int(info.mtime_ns or 0)))
        return sorted(found, key=lambda entry: entry.source)

    def entry(self, path: str) -> ObjectEntry:
        """The listing entry of one object, looked up again (e.g. in a task)."""
        info = self.fs.get_file_info(path)
        return ObjectEntry(path, self._source(path), int(info.size or 0), int(info.mtime_ns or 0))

    def _source(self, path: str) -> str:
        if path == self.root:  # the folder is one object: named by its own name
            return posixpath.basename(path)
        return posixpath.relpath(path, self.root) if self.root else path

    def open_path(self, path: str) -> IO[bytes]:
        return self.fs.open_input_stream(path)

    def read_bytes(self, name: str) -> bytes | None:
        from pyarrow import fs

        key = self._key(name)
        if self.fs.get_file_info(key).type != fs.FileType.File:
            return None
        with self.fs.open_input_stream(key) as stream:
            return stream.read()

    # -- writing ---------------------------------------------------------

    @contextlib.contextmanager
    def open_write(self, name: str, binary: bool = False) -> Iterator[IO]:
        """Write an object whole: nothing is uploaded unless the block ends without error."""
        buffer = io.BytesIO() if binary else io.StringIO()
        yield buffer
        data = buffer.getvalue()
        with self.fs.open_output_stream(self._key(name)) as out:
            out.write(data if binary else data.encode("utf-8"))


Location = Path | ObjectFolder  # what ``location`` returns


# -- the same operations on either kind of location ------------------------------

def open_write(where, name: str, binary: bool = False, sync: bool = True) -> contextlib.AbstractContextManager[IO]:
    """An atomic write of ``name`` below ``where`` (text, or bytes with ``binary``).

    ``sync=False``: on disk, not yet made durable (see ``atomic.sync_written``);
    an object is durable once uploaded.
    """
    if isinstance(where, ObjectFolder):
        return where.open_write(name, binary=binary)
    return atomic_open(Path(where) / name, "wb" if binary else "w", sync=sync)


def write_text(where, name: str, text: str, sync: bool = True) -> None:
    with open_write(where, name, sync=sync) as fh:
        fh.write(text)


def read_text(where, name: str) -> str | None:
    """The file's text, or None when there is none."""
    if isinstance(where, ObjectFolder):
        data = where.read_bytes(name)
        return None if data is None else data.decode("utf-8")
    path = Path(where) / name
    return path.read_text(encoding="utf-8") if path.exists() else None
