"""Near-duplicate detection: MinHash signatures, banded LSH, exact
verification, star clustering and a persistent SQLite index.

Each piece is a plain function so that an engine can run them separately
(signatures per document, band keys grouped by a shuffle, verification per
candidate pair, clustering per component); ``Dedup`` runs them all in one
process.

The names below are imported on first use: the settings (``DedupConfig``)
are needed by every command, numpy and the rest only by the ones that dedup.
"""
from __future__ import annotations

import importlib
import sys
import types

_WHERE = {
    "config": ("DedupConfig", "SettingsMismatch"),
    "lsh": ("band_keys", "candidate_pairs", "pairs_in_bucket"),
    "minhash": ("from_datasketch", "signature", "signatures", "to_datasketch"),
    "shingles": ("normalise", "number_batch", "shingle_batch", "shingle_set", "tokens"),
    "verify": ("Match", "numbers_agree", "overlap", "overlap_many", "verify", "verify_many"),
    "cluster": ("components", "resolve"),
    "index": ("DedupIndex",),
    "stage": ("Dedup", "sign"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = list(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """``verify`` names both a module and its main function; importing the
    module must not replace the function the package offers under that name."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and _MODULE_OF.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
