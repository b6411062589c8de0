"""Boilerplate removal on text: named rules, a small line model, optional site templates."""
from .stage import MODEL_RULE, Strip, StripConfig

__all__ = ["MODEL_RULE", "Strip", "StripConfig"]
