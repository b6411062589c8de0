"""The pipeline's configuration: one small frozen config per stage."""
from __future__ import annotations

from dataclasses import dataclass, field

from .dedup.config import DedupConfig
from .extract import ExtractConfig
from .normalize import NormalizeConfig
from .sources import ReadConfig
from .strip import StripConfig


@dataclass(frozen=True)
class PipelineConfig:
    read: ReadConfig = field(default_factory=ReadConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    strip: StripConfig = field(default_factory=StripConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
