"""Manifest records for raw files that repeat the bytes of another.

A mirror, a renamed or a re-downloaded file is not processed again (the
input ledger knows its bytes), but it is an input like any other and the
manifest must account for it.
"""
from __future__ import annotations

from typing import Callable, Iterable

from .document import DUPLICATE, KEPT, META_KEYS, content_id
from .ledger import KNOWN, Input, Ledger


def copy_records(inputs: list[Input], ledger: Ledger, existing: list[dict], records: list[dict],
                 read_ids: Callable[[Input], list[tuple[str, int | None]]] | None = None) -> list[dict]:
    """Manifest records for files holding the bytes of a file processed before.

    Such a copy (a mirror, a renamed or re-downloaded file) is not processed
    again, but it is an input like any other: each of its documents is
    recorded with the outcome of the document at the same place in the first
    file, as an exact duplicate of it when that one was kept.

    When the first file has changed since, the manifest holds records of
    several of its versions at one place; ``read_ids(copy)`` (the ``(id,
    offset)`` of each document of the copy, read but not processed) then
    tells which are of the version copied.
    """
    first_here = {item.key: item.source for item in inputs if item.state != KNOWN}
    copies = [item for item in inputs
              if item.state == KNOWN and ledger.paths.get(item.source) != item.key]  # else: this file, seen before
    if not copies:
        return []
    this_run, earlier = _by_source(records), _by_source(existing)
    out = []
    for item in copies:
        if item.key in first_here:
            originals = this_run.get(first_here[item.key], [])
        else:
            originals = earlier.get(ledger.hashes.get(item.key), [])
            if read_ids is not None and _versions(originals):
                originals = _of_version(originals, read_ids(item))
        out.extend(_copy_of(rec, item.source) for rec in _first_per_place(originals))
    return out


def _versions(recs: list[dict]) -> bool:
    """Whether several records share a place (several versions of a file)."""
    places = [rec.get("offset") for rec in recs]
    return len(set(places)) < len(places)


def _of_version(recs: list[dict], ids: list[tuple[str, int | None]]) -> list[dict]:
    """The records of the version whose documents have these ids (others
    when a place has none of them: those decided from the place alone)."""
    wanted = set()
    for doc_id, offset in ids:
        wanted.add(doc_id)
        wanted.add(content_id(f"{doc_id}:{recs[0]['source']}:{offset}".encode()))
    matching = [rec for rec in recs if rec["id"] in wanted]
    found = {rec.get("offset") for rec in matching}
    return matching + [rec for rec in recs if rec.get("offset") not in found]


def _by_source(recs: Iterable[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for rec in recs:
        out.setdefault(rec.get("source"), []).append(rec)
    return out


def _first_per_place(recs: Iterable[dict]) -> list[dict]:
    firsts: dict = {}
    for rec in recs:
        firsts.setdefault(rec.get("offset"), rec)
    return list(firsts.values())


def _copy_of(rec: dict, source: str) -> dict:
    offset = rec.get("offset")
    copy = {"id": content_id(f"{rec['id']}:{source}:{offset}".encode()), "source": source}
    if offset is not None:
        copy["offset"] = offset
    status = rec["status"]
    if status == KEPT:
        copy.update(status=DUPLICATE, duplicate_of=rec["id"], similarity=1.0, rule="exact")
    elif status == DUPLICATE:
        copy.update(status=DUPLICATE, duplicate_of=rec["duplicate_of"], similarity=rec["similarity"])
        if rec.get("rule"):
            copy["rule"] = rec["rule"]
    else:  # rejected or empty, for the same reason
        copy.update(status=status, reason=f"{rec.get('reason', '')} (same bytes as {rec['source']})".lstrip())
    copy.setdefault("reason", f"identical to input {rec['source']}")
    copy.update({key: rec[key] for key in META_KEYS if rec.get(key)})
    return copy
