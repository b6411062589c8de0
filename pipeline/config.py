"""The pipeline's configuration: one small frozen config per stage."""
from __future__ import annotations

from dataclasses import dataclass, field

from .dedup.config import DedupConfig
from .extract import ExtractConfig
from .normalize import NormalizeConfig
from .sources import ReadConfig
from .strip import StripConfig
from .supersede import SupersedeConfig


@dataclass(frozen=True)
class RunConfig:
    """How a run treats each document and when it commits."""

    # Wall-clock bound per document across extract, strip and normalize
    # (0: none); a document over it is rejected, naming the stage.
    document_seconds: float = 30.0
    # A run commits (documents, dedup index, manifest, input ledger) every
    # this many documents (0: once, at the end) ...
    checkpoint_documents: int = 10_000
    # ... or this many seconds after the last commit (0: never by time).
    # Dedup decides among the documents of one commit, so where commits fall
    # decides which near-copies are compared within a batch: counted in
    # documents, commits fall at the same places whether or not a run was
    # interrupted; timed, they do not.
    checkpoint_seconds: float = 0.0

    def __post_init__(self):
        if self.document_seconds < 0 or self.checkpoint_documents < 0 or self.checkpoint_seconds < 0:
            raise ValueError("run limits cannot be negative")


@dataclass(frozen=True)
class PipelineConfig:
    read: ReadConfig = field(default_factory=ReadConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    strip: StripConfig = field(default_factory=StripConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    run: RunConfig = field(default_factory=RunConfig)
    supersede: SupersedeConfig = field(default_factory=SupersedeConfig)
