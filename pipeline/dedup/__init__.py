"""Near-duplicate detection: MinHash signatures, banded LSH, exact
verification, star clustering and a persistent SQLite index.

Each piece is a plain function so that an engine can run them separately
(signatures per document, band keys grouped by a shuffle, verification per
candidate pair, clustering per component); ``Dedup`` runs them all in one
process.
"""
from .config import DedupConfig, SettingsMismatch
from .lsh import band_keys, candidate_pairs, pairs_in_bucket
from .minhash import from_datasketch, signature, signatures, to_datasketch
from .shingles import normalise, number_batch, shingle_batch, shingle_set, tokens
from .verify import Match, numbers_agree, overlap, overlap_many, verify, verify_many
from .cluster import components, resolve

__all__ = [
    "DedupConfig", "SettingsMismatch", "band_keys", "candidate_pairs", "pairs_in_bucket",
    "from_datasketch", "signature", "signatures", "to_datasketch", "normalise", "shingle_batch", "shingle_set",
    "tokens", "number_batch", "Match", "numbers_agree", "overlap", "overlap_many", "verify", "verify_many",
    "components", "resolve",
]
from .index import DedupIndex
from .stage import Dedup, sign

__all__ += ["DedupIndex", "Dedup", "sign"]
