"""Settings of the strip stage (apart from the stage, so that reading them is cheap)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StripConfig:
    use_model: bool = True
    # None: the threshold the model was tuned with. Higher keeps less.
    threshold: float | None = None
    # Rules (by name) to leave out, e.g. ("byline",) to keep bylines.
    disabled_rules: tuple[str, ...] = ()
    # Batch hook: when > 0, documents are read in batches of this size and
    # lines recurring across a site's documents in the batch are removed.
    template_batch: int = 0
    template_min_docs: int = 3
    template_min_share: float = 0.5
    # In already-extracted text the model may not remove a punctuated
    # paragraph of at least this many words; 0 turns the guard off.
    keep_prose_words: int = 20
    # The line model was trained on page dumps. On text extract took from
    # HTML it removes real content of forums, listings and service pages
    # (bench/bench_wcxb.py): there only the rules run, unless this is set.
    model_on_html: bool = False
    # The model runs only on texts where some rule found boilerplate (a text
    # with none is not a page dump), and its verdict is dropped when it
    # would keep fewer words than this: it found no article, and a short
    # text of its own is one ("a brief is an article").
    model_min_words: int = 60
    # Text input (no layout hints) gives its headline, byline and date line
    # to the metadata (title, author, date) when the document has none.
    text_meta: bool = True
