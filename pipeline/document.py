"""The document record that flows between stages.

Documents are immutable: a stage returns a new record (``doc.evolve(...)``)
instead of editing one in place, so a stage can never corrupt the input of
another and any intermediate state can be written out and read back.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping

# Life cycle of a document. Everything starts PENDING; each input ends in one
# of the four final states, which is what the manifest records.
PENDING = "pending"
KEPT = "kept"
DUPLICATE = "duplicate"
REJECTED = "rejected"
EMPTY = "empty"
FINAL_STATES = (KEPT, DUPLICATE, REJECTED, EMPTY)

# What a document's payload is: raw HTML still to be extracted, or text.
HTML = "html"
TEXT = "text"

META_KEYS = ("title", "date", "author", "url", "sitename", "language", "repaired")


@dataclass(frozen=True)
class Removal:
    """One line taken out by the strip stage, and why."""

    line: str
    rule: str

    def to_dict(self) -> dict:
        return {"line": self.line, "rule": self.rule}


@dataclass(frozen=True)
class Hint:
    """How the page showed one paragraph: the HTML element it came from
    ("p", "li", "h1", ..., "" when not found) and the share of its characters
    inside links."""

    tag: str = ""
    links: float = 0.0

    def to_list(self) -> list:
        return [self.tag, round(self.links, 3)]


@dataclass(frozen=True)
class Document:
    id: str
    source: str  # path relative to the raw folder
    kind: str = TEXT  # HTML or TEXT: what `content` holds
    content: str = ""
    offset: int | None = None  # record number when one file holds many
    meta: Mapping[str, Any] = field(default_factory=dict)
    status: str = PENDING
    reason: str | None = None
    duplicate_of: str | None = None
    similarity: float | None = None
    # Why the dedup stage called it a duplicate: "exact", "jaccard",
    # "containment", "first_version", "rewrite" or "char" (see pipeline.dedup.verify).
    rule: str | None = None
    removed: tuple[Removal, ...] = ()
    # Layout of each paragraph of ``content`` as the page showed it
    # (``Hint``), set by extract and used by strip; () when unknown. A stage
    # that changes the paragraphs drops them.
    hints: tuple["Hint", ...] = ()

    @property
    def text(self) -> str:
        """The text payload ('' while the document is still HTML)."""
        return self.content if self.kind == TEXT else ""

    @property
    def pending(self) -> bool:
        return self.status == PENDING

    def evolve(self, **changes: Any) -> "Document":
        # A copy of the fields with some replaced: what dataclasses.replace
        # does, without running __init__ again (a fifth of the cost; every
        # stage evolves every document).
        unknown = changes.keys() - _FIELD_NAMES
        if unknown:
            raise TypeError(f"Document has no field {sorted(unknown)[0]!r}")
        new = object.__new__(type(self))
        fields = vars(new)
        fields.update(vars(self))
        fields.update(changes)
        return new

    def with_meta(self, **values: Any) -> "Document":
        merged = dict(self.meta)
        merged.update({k: v for k, v in values.items() if v not in (None, "")})
        return self.evolve(meta=merged)

    def reject(self, reason: str) -> "Document":
        return self.evolve(status=REJECTED, reason=reason, content="", kind=TEXT)

    def mark_empty(self, reason: str) -> "Document":
        return self.evolve(status=EMPTY, reason=reason, content="", kind=TEXT)

    # -- serialisation (JSONL between CLI stages) ---------------------------
    def to_dict(self) -> dict:
        out = {
            "id": self.id,
            "source": self.source,
            "kind": self.kind,
            "content": self.content,
            "status": self.status,
        }
        if self.offset is not None:
            out["offset"] = self.offset
        if self.meta:
            out["meta"] = dict(self.meta)
        for name in ("reason", "duplicate_of", "similarity", "rule"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.removed:
            out["removed"] = [r.to_dict() for r in self.removed]
        if self.hints:
            out["hints"] = [h.to_list() for h in self.hints]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Document":
        if "id" not in data or "source" not in data:
            raise ValueError("document record needs 'id' and 'source'")
        return cls(
            id=str(data["id"]),
            source=str(data["source"]),
            kind=data.get("kind", TEXT),
            content=data.get("content", ""),
            offset=data.get("offset"),
            meta=dict(data.get("meta") or {}),
            status=data.get("status", PENDING),
            reason=data.get("reason"),
            duplicate_of=data.get("duplicate_of"),
            similarity=data.get("similarity"),
            rule=data.get("rule"),
            removed=tuple(Removal(**r) for r in data.get("removed", ())),
            hints=tuple(Hint(str(h[0]), float(h[1])) for h in data.get("hints", ())),
        )


def content_id(payload: bytes) -> str:
    """Stable id of an input record: the same bytes always get the same id."""
    return hashlib.sha256(payload).hexdigest()[:16]


def pending_only(docs: Iterable[Document], fn) -> Iterator[Document]:
    """Apply ``fn`` to pending documents; finished ones pass through unchanged."""
    for doc in docs:
        yield fn(doc) if doc.pending else doc


_FIELD_NAMES = frozenset(f.name for f in dataclasses.fields(Document))
