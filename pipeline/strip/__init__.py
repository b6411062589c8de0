"""Boilerplate removal on text.

``Strip`` takes a TEXT document and removes the lines that are not article
text, recording each removed line with the name of the rule that removed it:

1. Named rules (``rules.py``) recognise one kind of line each: skip links,
   bare and short URLs, share widgets, advert slots, photo credits and
   captions, bylines and date lines, related/read-more links, aggregator
   chrome, newsletter and cookie boxes, comment forms and captchas, spam link
   footers, copyright lines, breadcrumbs, menu words.
2. Context rules (``context.py``) look at neighbours: truncated teasers that
   repeat the start of the next paragraph, repeated fragments and lines,
   alt text next to its caption, the brand lines of a spam footer. In dumps
   from text browsers, where a link prints as "[3]News", rules and features
   read the text without the markers, and short lines opening with a link
   or made mostly of links go as navigation (with the "References" list).
3. A line model (``model.py``, boosted trees over ``features.py``, trained
   on text dumps of wcxb_dev and scrapinghub_aeb) judges the rest, for raw
   page dumps. Already-extracted text (few short lines) runs
   on the rules alone: there the model did not beat them. Text that extract
   took from HTML (``meta["extracted_from"] == "html"``) runs on the rules
   alone too, whatever its lines look like (``StripConfig.model_on_html``).
4. Layout rules (``layout.py``) use what extract knew about the page, when
   the document carries it: the title (a headline repeating it goes) and
   per-paragraph hints (``Document.hints``: element and link share) for
   top-level headlines, runs of other articles' headlines and link lists
   after the article. Text without hints is judged on the text alone.
5. On text input, the headline, byline and date found in the text go to
   the metadata (``metarank.py``: a small model per field picks among
   candidate units; ``textmeta.py``: dates, bylines, the rules used when
   the models are not installed).
6. Optionally, lines that recur across many documents of one site in a batch
   (``templates.py``) are removed as site templates.

``bench/train_strip.py`` rebuilds the model; ``bench/bench_extraction.py``
measures the stage.
"""
from .config import StripConfig

__all__ = ["MODEL_RULE", "Strip", "StripConfig"]


def __getattr__(name: str):
    # The stage (numpy, the model, the rules) is imported on first use: the
    # settings alone are needed by every command.
    if name in ("MODEL_RULE", "Strip"):
        from . import stage

        return getattr(stage, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
