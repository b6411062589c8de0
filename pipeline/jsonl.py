"""Documents as JSON lines: how stage commands hand work to each other."""
from __future__ import annotations

import json
from typing import IO, Iterable, Iterator

from .document import Document


class RecordError(ValueError):
    pass


def read_documents(stream: IO[str]) -> Iterator[Document]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield Document.from_dict(json.loads(line))
        except (ValueError, TypeError) as exc:
            raise RecordError(f"input line {number} is not a document record: {exc}") from exc


def write_documents(stream: IO[str], docs: Iterable[Document]) -> int:
    count = 0
    for doc in docs:
        stream.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
        count += 1
    stream.flush()
    return count
