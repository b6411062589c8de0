"""The strip stage: remove boilerplate lines from text, recording why."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Iterable, Iterator

import numpy as np

from ..document import HTML, TEXT, Document, Removal
from ..stage import MapStage
from . import context, layout, metarank, textmeta
from .config import StripConfig
from .features import FEATURE_NAMES, doc_short_share, model_inputs, unit_text
from .lines import WORD, Line, blocks, ends_sentence, is_dateline, split_lines
from .model import ModelSet, default_model, profile_of
from .rules import RULES, first_rule
from .templates import TemplateIndex, site_of

MODEL_RULE = "line_model"


def rule_reasons(lines: list[Line], groups: list[list[int]], rules=RULES) -> list[str | None]:
    """What the rules say about each group of lines (None: no rule fired)."""
    texts = [unit_text(lines, g) for g in groups]
    return reasons_of(texts, [len(WORD.findall(t)) for t in texts], rules, marked_texts(lines, groups))


def marked_texts(lines: list[Line], groups: list[list[int]]) -> list[str] | None:
    """The units as printed, link markers included; None when there are none."""
    if not any("[" in line.text for line in lines):
        return None
    return [" ".join(lines[i].text for i in g) for g in groups]


def reasons_of(texts: list[str], counts: list[int], rules=RULES,
               marked: list[str] | None = None) -> list[str | None]:
    reasons = [first_rule(t, n, rules) for t, n in zip(texts, counts)]
    if marked is not None:
        context.link_lines(marked, texts, reasons, counts)
    context.apply_all(texts, reasons, counts)
    return reasons


class Strip(MapStage):
    name = "strip"

    def __init__(self, config: StripConfig = StripConfig(), model: ModelSet | None = None,
                 templates: TemplateIndex | None = None, rankers: dict | None = None):
        self.config = config
        self.model = model if model is not None else (default_model() if config.use_model else None)
        # The metadata rankers (metarank.py); {}: the hand-written rules of textmeta.py.
        self.rankers = rankers if rankers is not None else (metarank.default_rankers() if config.text_meta else {})
        self.templates = templates
        self.rules = tuple(r for r in RULES if r.name not in config.disabled_rules)

    # -- per document ------------------------------------------------------
    def process(self, doc: Document) -> Document:
        if doc.kind != TEXT:
            return doc
        model = self.config.model_on_html or doc.meta.get("extracted_from") != HTML
        units = self.analyse(doc.text, site_of(doc) if self.templates else "")
        kept, removed, meta = ("", (), {}) if units is None else self.decide(
            units, self.model_scores(units, text_input=not doc.hints) if model else {}, doc.hints, doc.meta.get("title"),
            want_meta=self._wanted_meta(doc))
        if not kept.strip():
            return doc.mark_empty("no main text left after boilerplate removal").evolve(
                removed=doc.removed + removed, hints=()
            )
        return doc.evolve(content=kept, removed=doc.removed + removed, hints=()).with_meta(**meta)

    @staticmethod
    def _wanted_meta(doc: Document) -> tuple[str, ...]:
        """Metadata to look for in the text: none for HTML (extract read its
        markup) or JSON lines (their fields are the metadata)."""
        if doc.hints or ".jsonl" in doc.source.rsplit("/", 1)[-1]:
            return ()
        return tuple(k for k in TEXT_META if not doc.meta.get(k))

    def clean(self, text: str, site: str = "", hints=(), title: str | None = None,
              use_model: bool = True) -> tuple[str, tuple[Removal, ...]]:
        """The text with boilerplate removed, and the removed lines with reasons.
        ``hints`` (one per paragraph, from extract) and ``title`` are optional;
        ``use_model=False`` leaves the line model out for this text."""
        units = self.analyse(text, site)
        if units is None:
            return "", ()
        return self.decide(units, self.model_scores(units, text_input=not hints) if use_model else {}, hints, title)[:2]

    def analyse(self, text: str, site: str = "") -> "Units | None":
        """The text cut into units, with what the rules say about each."""
        lines = split_lines(text)
        if not lines:
            return None
        groups = blocks(lines)
        texts = [unit_text(lines, g) for g in groups]
        counts = [len(WORD.findall(t)) for t in texts]
        reasons = reasons_of(texts, counts, self.rules, marked_texts(lines, groups))
        if self.templates is not None:
            for gi, g in enumerate(groups):
                if reasons[gi] is None and all(self.templates.is_template(site, lines[i].text) for i in g):
                    reasons[gi] = "site_template"
        return Units(lines, groups, texts, counts, tuple(reasons))

    def model_scores(self, units: "Units", model: ModelSet | None = None, inputs=None,
                     text_input: bool = True) -> dict[int, float]:
        """The line model's verdict: {unit: score} for the units it would
        remove (score under the threshold). Empty without a model.
        ``inputs``: the (free units, features) of ``model_inputs``, when known.
        ``text_input``: the text came as text, not from extracted HTML: the
        model then needs a rule to have found boilerplate, and keeps at
        least ``model_min_words`` or nothing."""
        model = model if model is not None else self.model
        if model is None or not self.config.use_model:
            return {}
        if text_input and all(r is None for r in units.reasons):
            return {}
        counts = units.counts
        short_share = sum(1 for c in counts if c < 5) / len(counts) if counts else 0.0
        picked = model.pick(short_share)
        if picked is None:
            return {}
        free, x = inputs if inputs is not None else model_inputs(units.lines, units.groups, list(units.reasons))
        if not free:
            return {}
        words = np.expm1(x[:, 0])
        scores = picked.scores(x, words)
        threshold = self.config.threshold if self.config.threshold is not None else picked.threshold
        guard = self.config.keep_prose_words if profile_of(short_share, model.cut) == "extracted" else 0
        terminal = x[:, FEATURE_NAMES.index("terminal")]
        out = {}
        for k, gi in enumerate(free):
            if scores[k] < threshold:
                if guard and words[k] >= guard and terminal[k]:
                    continue
                out[gi] = float(scores[k] / threshold) if threshold > 0 else 0.0
        if text_input and sum(counts[gi] for gi in free if gi not in out) < self.config.model_min_words:
            return {}
        return out

    def decide(self, units: "Units", model_removes: dict[int, float], hints=(), title: str | None = None,
               want_meta: tuple[str, ...] = ()) -> tuple[str, tuple[Removal, ...], dict]:
        """The kept text, the removed lines and the metadata found in the text
        (only the keys in ``want_meta``), from the rules' reasons and the
        model's verdict (``model_scores``)."""
        reasons = self.unit_reasons(units, model_removes, hints, title)
        taken: dict = {}
        meta = text_metadata(units, reasons, want_meta, self.rankers, taken) \
            if want_meta and self.config.text_meta else {}
        if taken and all(r is not None for r in reasons):
            # The metadata lines were all there was: they are the text (a
            # headline-only brief), and a "byline" among them was none.
            for gi, key in taken.items():
                reasons[gi] = None
                if key == "author":
                    meta.pop("author", None)
        keep_headline(reasons)
        if meta.get("title") and all(r is not None for r in reasons):
            del meta["title"]  # the headline was all there was: it stays the text
        kept, removed = assemble(units.lines, units.groups, reasons)
        return kept, removed, meta

    @staticmethod
    def unit_reasons(units: "Units", model_removes: dict[int, float], hints=(), title: str | None = None) -> list:
        """Each unit's reason for removal (None: kept), metadata aside."""
        reasons = list(units.reasons)
        for gi in model_removes:
            reasons[gi] = MODEL_RULE
        # After the model, which was trained on text alone and sees the page
        # as the text rules left it.
        layout.apply_all(units.texts, reasons, units.counts,
                         layout.unit_hints(units.lines, units.groups, hints), title)
        return reasons

    # -- batch hook ----------------------------------------------------------
    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        size = self.config.template_batch
        if size <= 0:
            yield from super().__call__(docs)
            return
        it = iter(docs)
        while batch := list(islice(it, size)):
            index = TemplateIndex.learn(
                batch, min_docs=self.config.template_min_docs, min_share=self.config.template_min_share
            )
            stage = Strip(self.config, self.model, index, self.rankers)
            for doc in batch:
                yield stage.safe_process(doc)


@dataclass(frozen=True)
class Units:
    """A text cut into units (a line, or a hard-wrapped paragraph), and the
    rules' reason for removing each (None: no rule fired)."""

    lines: list[Line]
    groups: list[list[int]]
    texts: list[str]
    counts: list[int]
    reasons: tuple[str | None, ...]


TEXT_META = ("title", "author", "date")


def text_metadata(units: Units, reasons: list, want: tuple[str, ...], rankers: dict | None = None,
                  taken: dict | None = None) -> dict:
    """Headline, byline and date of a text, into the metadata; the headline
    and a byline the rules missed leave the text (``taken``, when given,
    gets {unit: field} of those). ``rankers``: the learned choice
    (metarank.py); without them, the rules of textmeta.py."""
    body = body_start(units, reasons)
    if rankers:
        found = metarank.find(units.texts, units.counts, reasons, body, rankers)
        if "title" not in found:
            # The ranker not sure of any headline: the heading-like unit right
            # above the article, as the rules see it, unless it holds another field.
            rule = textmeta.find(units.texts, units.counts, reasons, body).get("title")
            if rule and rule[0] not in {v[0] for v in found.values()}:
                found["title"] = rule
    else:
        found = textmeta.find(units.texts, units.counts, reasons, body)
    meta = {}
    for key, (gi, value) in found.items():
        if key not in want:
            continue
        meta[key] = value
        if reasons[gi] is None:
            reasons[gi] = "headline" if key == "title" else "byline"
            if taken is not None:
                taken[gi] = key
    return meta


def body_start(units: Units, reasons: list) -> int | None:
    """The first kept unit of article prose; else the second kept unit when
    the first looks like a headline; else the first kept unit."""
    kept = [i for i, r in enumerate(reasons) if r is None]
    if not kept:
        return None
    for i in kept:
        if units.counts[i] >= 20 or (units.counts[i] >= 8 and ends_sentence(units.texts[i])):
            return i
    if len(kept) > 1 and not ends_sentence(units.texts[kept[0]]):
        return kept[1]
    return kept[0]


def keep_headline(reasons: list) -> None:
    """A headline that is all the text has is the text (a brief)."""
    if "headline" in reasons and all(r is not None for r in reasons):
        for gi, r in enumerate(reasons):
            if r == "headline":
                reasons[gi] = None


def assemble(lines, groups, reasons) -> tuple[str, tuple[Removal, ...]]:
    parts: list[str] = []
    removed: list[Removal] = []
    prev_index = prev_index_pos = None
    for g, reason in zip(groups, reasons):
        for i in g:
            line = lines[i]
            if reason is not None:
                removed.append(Removal(line.text, reason))
                prev_index = None
                continue
            if parts:
                if prev_index is not None and is_dateline(lines[prev_index_pos]) and prev_index_pos + 1 == i:
                    parts.append(" ")  # "MOSCOW —" opens the paragraph, on its line
                else:
                    parts.append("\n" if prev_index is not None and prev_index + 1 == line.index else "\n\n")
            parts.append(line.text)
            prev_index = line.index
            prev_index_pos = i
    return "".join(parts), tuple(removed)
