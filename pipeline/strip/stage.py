"""The strip stage: remove boilerplate lines from text, recording why."""
from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator

import numpy as np

from ..document import HTML, TEXT, Document, Removal
from ..stage import MapStage
from . import context, layout
from .config import StripConfig
from .features import FEATURE_NAMES, doc_short_share, model_inputs, unit_text
from .lines import WORD, Line, blocks, split_lines
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
                 templates: TemplateIndex | None = None):
        self.config = config
        self.model = model if model is not None else (default_model() if config.use_model else None)
        self.templates = templates
        self.rules = tuple(r for r in RULES if r.name not in config.disabled_rules)

    # -- per document ------------------------------------------------------
    def process(self, doc: Document) -> Document:
        if doc.kind != TEXT:
            return doc
        model = self.config.model_on_html or doc.meta.get("extracted_from") != HTML
        kept, removed = self.clean(doc.text, site_of(doc) if self.templates else "",
                                   hints=doc.hints, title=doc.meta.get("title"), use_model=model)
        if not kept.strip():
            return doc.mark_empty("no main text left after boilerplate removal").evolve(
                removed=doc.removed + removed, hints=()
            )
        return doc.evolve(content=kept, removed=doc.removed + removed, hints=())

    def clean(self, text: str, site: str = "", hints=(), title: str | None = None,
              use_model: bool = True) -> tuple[str, tuple[Removal, ...]]:
        """The text with boilerplate removed, and the removed lines with reasons.
        ``hints`` (one per paragraph, from extract) and ``title`` are optional;
        ``use_model=False`` leaves the line model out for this text."""
        lines = split_lines(text)
        if not lines:
            return "", ()
        groups = blocks(lines)
        texts = [unit_text(lines, g) for g in groups]
        counts = [len(WORD.findall(t)) for t in texts]
        reasons = reasons_of(texts, counts, self.rules, marked_texts(lines, groups))
        if self.templates is not None:
            for gi, g in enumerate(groups):
                if reasons[gi] is None and all(self.templates.is_template(site, lines[i].text) for i in g):
                    reasons[gi] = "site_template"
        if self.model is not None and self.config.use_model and use_model:
            self._apply_model(lines, groups, reasons, counts)
        # After the model, which was trained on text alone and sees the page
        # as the text rules left it.
        layout.apply_all(texts, reasons, counts, layout.unit_hints(lines, groups, hints), title)
        return assemble(lines, groups, reasons)

    def _apply_model(self, lines, groups, reasons, counts=None) -> None:
        # Word counts of the joined units equal the sums over their lines.
        short_share = (sum(1 for c in counts if c < 5) / len(counts) if counts
                       else doc_short_share(lines, groups))
        model = self.model.pick(short_share)
        if model is None:
            return
        free, x = model_inputs(lines, groups, reasons)
        if not free:
            return
        words = np.expm1(x[:, 0])
        scores = model.scores(x, words)
        threshold = self.config.threshold if self.config.threshold is not None else model.threshold
        guard = self.config.keep_prose_words if profile_of(short_share, self.model.cut) == "extracted" else 0
        terminal = x[:, FEATURE_NAMES.index("terminal")]
        for k, gi in enumerate(free):
            if scores[k] < threshold:
                if guard and words[k] >= guard and terminal[k]:
                    continue
                reasons[gi] = MODEL_RULE

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
            stage = Strip(self.config, self.model, index)
            for doc in batch:
                yield stage.safe_process(doc)


def assemble(lines, groups, reasons) -> tuple[str, tuple[Removal, ...]]:
    parts: list[str] = []
    removed: list[Removal] = []
    prev_index = None
    for g, reason in zip(groups, reasons):
        for i in g:
            line = lines[i]
            if reason is not None:
                removed.append(Removal(line.text, reason))
                prev_index = None
                continue
            if parts:
                parts.append("\n" if prev_index is not None and prev_index + 1 == line.index else "\n\n")
            parts.append(line.text)
            prev_index = line.index
    return "".join(parts), tuple(removed)
