"""Persistent dedup index: one SQLite file, no server.

What it holds, per document kept in earlier runs: its id, its cluster id,
its size (distinct shingles, the tie-break of the kept choice), its LSH band
keys, its sorted shingle hashes and number-token hashes (what verification
needs), its text, compressed, for the character check of pairs the
word rules reject, and its lead (uncompressed: it is short), for the template guard
and the first-version rule (``verify``). Duplicates are recorded by id with their
cluster and kept copy, so a document seen again is answered from the index
instead of being compared with itself.

A duplicate verified directly against its kept copy (a *direct copy*) is
also stored with its band keys and sets, as a member of that copy's group
(``owner``): a later document that resembles only such a copy (the fuller
version of a story kept from its first paragraphs, say) joins the group
through it, one step, as it would have had both come in one run.

* Settings: the file records the fingerprint of the settings it was built
  with; opening it with other settings raises ``SettingsMismatch``.
* Atomicity: a run writes everything in one transaction (``write``). A
  process killed before the commit leaves the file exactly as it was:
  SQLite rolls the journal back on the next open.
* Stability: a kept document's cluster id is its own id and never changes;
  later runs only add rows.

Loading costs ``bands * 4`` bytes of memory per stored document (the band keys);
shingle sets are read only for documents that are candidates.
"""
from __future__ import annotations

import sqlite3
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Sequence, Sized

import numpy as np

from .config import DedupConfig, SettingsMismatch

# 4: leads stored uncompressed (``pack_lead``); a schema-3 index reads as it is.
SCHEMA_VERSION = "4"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kept (
    row INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    cluster TEXT NOT NULL,
    size INTEGER NOT NULL,
    band_keys BLOB NOT NULL,
    shingles BLOB NOT NULL,
    numbers BLOB NOT NULL,
    owner TEXT,
    text BLOB,
    lead BLOB,
    day INTEGER
);
CREATE TABLE IF NOT EXISTS duplicates (
    doc_id TEXT PRIMARY KEY,
    cluster TEXT NOT NULL,
    kept_id TEXT NOT NULL,
    similarity REAL,
    rule TEXT
);
"""


def pack_text(text: str) -> bytes:
    """A text as stored in the index (and carried between tasks): compressed UTF-8."""
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 6)


def pack_lead(lead: str) -> bytes:
    """A lead as stored (schema 4): a zero byte, then its UTF-8, uncompressed.
    A lead is a few hundred bytes, which zlib makes a quarter smaller for
    about 20 us each, two fifths of what signing a short document costs;
    a zlib stream never begins with a zero byte (``unpack_text``)."""
    return b"\0" + lead.encode("utf-8", "surrogatepass")


def unpack_text(data: bytes | None) -> str | None:
    """The text of ``pack_text`` or ``pack_lead`` (leads of schema 3 are compressed too)."""
    if data is None:
        return None
    if data[:1] == b"\0":
        return data[1:].decode("utf-8", "surrogatepass")
    return zlib.decompress(data).decode("utf-8", "surrogatepass")


class DedupIndex:
    """Documents kept by earlier runs, for one set of dedup settings."""

    def __init__(self, path: str | Path, config: DedupConfig) -> None:
        self.path = Path(path)
        self.config = config
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are opened explicitly in ``write``.
        self._db = sqlite3.connect(str(self.path), isolation_level=None)
        try:
            self._open(config)
        except BaseException:
            self._db.close()
            raise

    def _open(self, config: DedupConfig) -> None:
        self._db.execute("PRAGMA journal_mode=DELETE")
        with self._transaction():
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    self._db.execute(statement)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(kept)")}
            if "owner" not in columns:  # an index from before direct copies were stored
                self._db.execute("ALTER TABLE kept ADD COLUMN owner TEXT")
            if "text" not in columns:  # ... or texts (its rows get no character check)
                self._db.execute("ALTER TABLE kept ADD COLUMN text BLOB")
            if "lead" not in columns:  # ... or leads (its rows get no template guard, no first-version rule)
                self._db.execute("ALTER TABLE kept ADD COLUMN lead BLOB")
            if "day" not in columns:  # ... or dates (its rows are compared on their texts alone)
                self._db.execute("ALTER TABLE kept ADD COLUMN day INTEGER")
            if "rule" not in {row[1] for row in self._db.execute("PRAGMA table_info(duplicates)")}:
                self._db.execute("ALTER TABLE duplicates ADD COLUMN rule TEXT")  # ... or rules
            found = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            if not found:
                self._db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("fingerprint", config.fingerprint), ("schema", SCHEMA_VERSION)],
                )
            else:
                config.check(found.get("fingerprint", "?"), what=f"the dedup index {self.path}")
                if found.get("schema") != SCHEMA_VERSION:  # earlier rows read as they are
                    self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "DedupIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:  # a failed COMMIT (disk full) may have ended it already
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- reading ---------------------------------------------------------
    def __len__(self) -> int:
        """Kept documents (direct copies not counted)."""
        return self._db.execute("SELECT COUNT(*) FROM kept WHERE owner IS NULL").fetchone()[0]

    def load_keys(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(rows, band_keys (n, bands), sizes, member)`` of every stored
        document; ``member`` marks the direct copies."""
        bands = self.config.all_bands
        cur = self._db.execute("SELECT row, size, band_keys, owner IS NOT NULL FROM kept ORDER BY row")
        rows, sizes, blobs, member = [], [], [], []
        for row, size, blob, is_member in cur:
            rows.append(row)
            sizes.append(size)
            blobs.append(blob)
            member.append(bool(is_member))
        keys = np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(rows), bands)
        return (np.array(rows, dtype=np.int64), keys.astype(np.uint32), np.array(sizes, dtype=np.int64),
                np.array(member, dtype=bool))

    def sets(self, rows: Iterable[int]) -> dict[int, tuple[np.ndarray, np.ndarray, bytes | None, bytes | None,
                                                          int | None]]:
        """``row -> (shingle set, number set, packed text or None, packed lead
        or None, day of its date or None)`` of some stored documents
        (``unpack_text`` gives the texts back)."""
        out: dict[int, tuple] = {}
        wanted = sorted(set(int(r) for r in rows))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT row, shingles, numbers, text, lead, day FROM kept WHERE row IN ({marks})"
            for row, shingles, numbers, text, lead, day in self._db.execute(query, chunk):
                out[row] = (
                    np.frombuffer(shingles, dtype="<u4").astype(np.uint32),
                    np.frombuffer(numbers, dtype="<u4").astype(np.uint32),
                    text,
                    lead,
                    day,
                )
        return out

    def keepers_of(self, rows: Iterable[int]) -> dict[int, str]:
        """``row -> id of the kept document of its group`` (its own id, or a direct copy's owner)."""
        out: dict[int, str] = {}
        wanted = sorted(set(int(r) for r in rows))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            out.update(self._db.execute(f"SELECT row, COALESCE(owner, doc_id) FROM kept WHERE row IN ({marks})",
                                        chunk))
        return out

    def known(self, doc_ids: Sequence[str]) -> dict[str, tuple[str | None, float | None, str | None]]:
        """Ids already in the index: ``id -> (kept_id or None if kept, similarity, rule)``."""
        out: dict[str, tuple[str | None, float | None, str | None]] = {}
        ids = list(dict.fromkeys(doc_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT doc_id FROM kept WHERE owner IS NULL AND doc_id IN ({marks})"
            for (doc_id,) in self._db.execute(query, chunk):
                out[doc_id] = (None, None, None)
            for doc_id, kept_id, sim, rule in self._db.execute(
                f"SELECT doc_id, kept_id, similarity, rule FROM duplicates WHERE doc_id IN ({marks})", chunk
            ):
                out[doc_id] = (kept_id, sim, rule)
        return out

    def stored_ids(self) -> tuple[set[str], set[str]]:
        """``(kept, others)``: ids of the kept documents, and of every other
        document the index knows (duplicates, direct copies)."""
        kept = {doc_id for (doc_id,) in self._db.execute("SELECT doc_id FROM kept WHERE owner IS NULL")}
        others = {doc_id for (doc_id,) in self._db.execute("SELECT doc_id FROM duplicates")}
        others |= {doc_id for (doc_id,) in self._db.execute("SELECT doc_id FROM kept WHERE owner IS NOT NULL")}
        return kept, others

    def forget(self, doc_ids: Iterable[str]) -> None:
        """Remove documents, and what was recorded against them, in one
        transaction: decisions whose records never reached the manifest."""
        ids = sorted(set(doc_ids))
        with self._transaction():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                self._db.execute(f"DELETE FROM kept WHERE doc_id IN ({marks}) OR owner IN ({marks})", chunk * 2)
                self._db.execute(f"DELETE FROM duplicates WHERE doc_id IN ({marks}) OR kept_id IN ({marks})",
                                 chunk * 2)

    def cluster_of(self, doc_id: str) -> str | None:
        row = self._db.execute(
            "SELECT cluster FROM duplicates WHERE doc_id = ? UNION ALL SELECT cluster FROM kept WHERE doc_id = ?",
            (doc_id, doc_id),
        ).fetchone()
        return row[0] if row else None

    # -- writing ---------------------------------------------------------
    def record(self, decided: Iterable[tuple]) -> None:
        """Add one run's decisions in one transaction, the same way for every engine.

        ``decided``, in input order: ``(doc_id, kept_id or None, similarity,
        rule, direct, stored)``, where ``stored()`` gives ``(size, band_keys,
        shingles, numbers, packed text or None, packed lead or None, day or
        None)``. Kept documents are added
        first (their duplicates refer to them); a repeated id is answered by
        its first occurrence; direct copies are stored as members.
        """
        if not isinstance(decided, Sized):  # read twice below: a list, or rows made as they are read
            decided = list(decided)
        with self.write() as writer:
            seen = set()
            for doc_id, kept_id, _, _, _, stored in decided:
                if kept_id is None and doc_id not in seen:
                    seen.add(doc_id)
                    writer.add_kept(doc_id, *stored())
            for doc_id, kept_id, similarity, rule, direct, stored in decided:
                if kept_id is not None and doc_id not in seen:
                    writer.add_duplicate(doc_id, kept_id, similarity, rule)
                    if direct:
                        seen.add(doc_id)
                        writer.add_member(doc_id, kept_id, *stored())

    @contextmanager
    def write(self) -> Iterator["_Writer"]:
        """One transaction: everything added inside commits together or not at all."""
        with self._transaction():
            writer = _Writer(self._db, self.config)
            yield writer
            writer.flush()


_INSERT_KEPT = ("INSERT INTO kept (doc_id, cluster, size, band_keys, shingles, numbers, owner, text, lead, day)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_DUPLICATE = "INSERT OR REPLACE INTO duplicates (doc_id, cluster, kept_id, similarity, rule) VALUES (?, ?, ?, ?, ?)"


class _Writer:
    """Adds rows to one transaction. Rows go to SQLite in batches, in the
    order they were added (a kept document's row number is its place in
    the next run), and before any read; a kept document's cluster is
    remembered once added or read, instead of being read back per copy."""

    _BATCH = 4096

    def __init__(self, db: sqlite3.Connection, config: DedupConfig) -> None:
        self._db = db
        self._config = config
        self._kept: list[tuple] = []
        self._duplicates: list[tuple] = []
        self._clusters: dict[str, str] = {}

    def flush(self) -> None:
        """Send the rows held so far."""
        if self._kept:
            self._db.executemany(_INSERT_KEPT, self._kept)
            self._kept = []
        if self._duplicates:
            self._db.executemany(_INSERT_DUPLICATE, self._duplicates)
            self._duplicates = []

    def add_kept(self, doc_id: str, size: int, band_keys: np.ndarray, shingles: np.ndarray, numbers: np.ndarray,
                 text: bytes | None = None, lead: bytes | None = None, day: int | None = None) -> None:
        """``text``, ``lead``: ``pack_text`` of the document's text and
        ``pack_lead`` of its lead; ``day``: the day of its date (``dates.day_of``)."""
        self._add(doc_id, doc_id, None, size, band_keys, shingles, numbers, text, lead, day)

    def add_member(self, doc_id: str, kept_id: str, size: int, band_keys: np.ndarray, shingles: np.ndarray,
                   numbers: np.ndarray, text: bytes | None = None, lead: bytes | None = None,
                   day: int | None = None) -> None:
        """A direct copy of ``kept_id``, stored so that later documents can join its group through it."""
        self._add(doc_id, self._cluster(kept_id), kept_id, size, band_keys, shingles, numbers, text, lead, day)

    def _add(self, doc_id, cluster, owner, size, band_keys, shingles, numbers, text, lead=None, day=None) -> None:
        if len(band_keys) != self._config.all_bands:
            raise SettingsMismatch(f"{len(band_keys)} band keys given, settings have {self._config.all_bands} bands")
        self._kept.append((
            doc_id,
            cluster,
            int(size),
            np.asarray(band_keys, dtype="<u4").tobytes(),
            np.asarray(shingles, dtype="<u4").tobytes(),
            np.asarray(numbers, dtype="<u4").tobytes(),
            owner,
            text,
            lead,
            None if day is None else int(day),
        ))
        if owner is None:
            self._clusters[doc_id] = cluster
        if len(self._kept) >= self._BATCH:
            self.flush()

    def add_duplicate(self, doc_id: str, kept_id: str, similarity: float | None, rule: str | None = None) -> None:
        cluster = self._cluster(kept_id)  # first: it may send the rows held
        self._duplicates.append((doc_id, cluster, kept_id, None if similarity is None else float(similarity), rule))
        if len(self._duplicates) >= self._BATCH:
            self.flush()

    def _cluster(self, kept_id: str) -> str:
        if kept_id in self._clusters:
            return self._clusters[kept_id]
        self.flush()
        cluster = self._db.execute(
            "SELECT cluster FROM kept WHERE doc_id = ? AND owner IS NULL", (kept_id,)
        ).fetchone()
        if cluster is None:
            raise KeyError(f"kept document {kept_id!r} is not in the index")
        self._clusters[kept_id] = cluster[0]
        return cluster[0]


def stored_fingerprint(path: str | Path) -> str | None:
    """The settings fingerprint an index file was built with (None if it has
    none yet), read without changing the file."""
    db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    except sqlite3.DatabaseError:
        row = None
    finally:
        db.close()
    return row[0] if row else None
