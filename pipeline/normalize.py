"""Normalise stage: one canonical form of the text.

Mojibake repaired, Unicode in NFC, control and invisible characters removed,
spaces collapsed, hard-wrapped lines rejoined, and paragraphs separated by
exactly one blank line. The output is a fixed point: normalising it again
changes nothing (a property test holds us to that).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .document import HTML, Document
from .stage import MapStage

# Spaces of every width become one ordinary space; invisible characters go.
_SPACES = re.compile(r"[\t\x0b\x0c\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000 ]+")
# What _SPACES would change: most blocks have single spaces only.
_ODD_SPACES = re.compile(r"[\t\x0b\x0c\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]|  ")
_INVISIBLE = re.compile(r"[\u200b\u200e\u200f\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# A line that ends a sentence or a clause cannot be the first half of a wrap.
_ENDS_CLOSED = re.compile(r"""[.!?:;…"”’'»)\]]$""")
_HYPHEN_WRAP = re.compile(r"[^\W\d_]-$")
# A line that starts a list item ("* News", "- item", "2. item") is never
# the second half of a wrap, however even the widths of the lines.
_LIST_ITEM = re.compile(r"^(?:[*•·▪‣◦+-]|\d{1,3}[.)])\s")



@lru_cache(maxsize=1)
def _ftfy():
    """ftfy and its settings, imported on first use (ftfy takes a while to import)."""
    import ftfy

    return ftfy.fix_text, ftfy.TextFixerConfig(
        unescape_html=False,  # entity decoding is not idempotent ("&amp;amp;")
        uncurl_quotes=False,  # typographic quotes are content, not damage
        fix_line_breaks=True,
        normalization="NFC",
        explain=False,
    )


@dataclass(frozen=True)
class NormalizeConfig:
    fix_mojibake: bool = True
    rejoin_wrapped: bool = True


def normalize_text(text: str, config: NormalizeConfig = NormalizeConfig()) -> str:
    # ftfy, like any repair, can expose a second layer of damage once the
    # first is gone; repeating until nothing changes makes the result stable.
    for _ in range(4):
        fixed = _normalize_once(text, config)
        if fixed == text:
            break
        if text.isascii() and "\x1b" not in text:
            # ftfy never ran, and the other steps reach their fixed point in
            # one pass (test_normalize checks it): no second pass to confirm.
            return fixed
        text = fixed
    return text


_LINES = re.compile(r"[^\n]*\n|[^\n]+")


@lru_cache(maxsize=1)
def _ftfy_untouched():
    """A test that ftfy (as _ftfy sets it up) leaves a line as it is, in
    under half the time ftfy takes: it finds no mojibake (ftfy's own test,
    after which its encoding step stops), none of the characters its other
    fixers replace or remove (C1 controls, ligatures, full- and half-width
    forms, line separators, surrogates, terminal escapes, control
    characters), and the line is in NFC already. Longer lines than ftfy
    reads at once go to ftfy."""
    from ftfy import TextFixerConfig, chardata
    from ftfy.badness import is_bad

    touched = set(range(0x80, 0xA0)) | set(chardata.LIGATURES) | set(chardata.WIDTH_MAP)
    touched |= set(chardata.CONTROL_CHARS) | {ord(c) for c in "\r\u2028\u2029\x85\x1b"}
    replaced = re.compile("[%s\ud800-\udfff]" % "".join(re.escape(chr(c)) for c in sorted(touched)))
    longest = TextFixerConfig().max_decode_length

    def untouched(line: str) -> bool:
        return (len(line) <= longest and replaced.search(line) is None
                and unicodedata.is_normalized("NFC", line) and not is_bad(line))

    return untouched


def _fix_text(text: str) -> str:
    """ftfy on the lines that can need it. ftfy repairs each line on its own;
    a plain ASCII line (no terminal escape) has nothing for it to repair, nor
    has a line that passes _ftfy_untouched."""
    if text.isascii() and "\x1b" not in text:
        return text
    fix_text, settings = _ftfy()
    untouched = _ftfy_untouched()
    return "".join(
        line if (line.isascii() and "\x1b" not in line) or untouched(line) else fix_text(line, settings)
        for line in _LINES.findall(text)
    )


def _normalize_once(text: str, config: NormalizeConfig) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if config.fix_mojibake:
        text = _fix_text(text)
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        if _ODD_SPACES.search(block) is not None:
            block = _SPACES.sub(" ", block)
        lines = [line for line in (line.strip() for line in block.split("\n")) if line]
        if lines:
            paragraphs.extend(_rejoin(lines) if config.rejoin_wrapped else lines)
    return "\n\n".join(paragraphs)


def _rejoin(lines: list[str]) -> list[str]:
    """Merge the pieces of hard-wrapped paragraphs; keep real line breaks.

    Linear in the length of the block: a paragraph grows as a list of parts,
    and the rules look only at its last few characters (``tail``), never
    at the whole paragraph joined so far.
    """
    wrapped = _looks_wrapped(lines)
    out: list[str] = []
    parts, tail, length = [lines[0]], lines[0][-_TAIL:], len(lines[0])
    for line in lines[1:]:
        if _HYPHEN_WRAP.search(tail) and line[:1].islower():
            parts[-1] = parts[-1][:-1]
            parts.append(line)
            tail, length = (tail[:-1] + line)[-_TAIL:], length - 1 + len(line)
        # Wrapped, a line goes on after an open one, and after an
        # abbreviation ("General Electric Co." + "and SNECMA").
        elif not _LIST_ITEM.match(line) and (
                wrapped and (not _ENDS_CLOSED.search(tail) or (tail.endswith(".") and line[:1].islower()))
                or _continues(tail, length, line)):
            parts += [" ", line]
            tail, length = (tail + " " + line)[-_TAIL:], length + 1 + len(line)
        else:
            out.append("".join(parts))
            parts, tail, length = [line], line[-_TAIL:], len(line)
    out.append("".join(parts))
    return out


# Characters at the end of a paragraph the rules look at (they need two).
_TAIL = 8


def _continues(tail: str, length: int, line: str) -> bool:
    # "...all areas of" + "our cooperation." : an open line, then lower case.
    return not _ENDS_CLOSED.search(tail) and line[:1].islower() and length >= 30


def _looks_wrapped(lines: list[str]) -> bool:
    """A block whose lines (but the last) share one width was wrapped by a tool."""
    if len(lines) < 3:
        return False
    body = [len(line) for line in lines[:-1]]
    width = max(body)
    return 40 <= width <= 100 and min(body) >= 0.7 * width


class Normalize(MapStage):
    name = "normalize"

    def __init__(self, config: NormalizeConfig = NormalizeConfig()):
        self.config = config

    def process(self, doc: Document) -> Document:
        if doc.kind == HTML:  # its text is not known yet: not "empty"
            return doc.reject("HTML that was never extracted (run the extract stage first)")
        text = normalize_text(doc.text, self.config)
        if not text:
            return doc.mark_empty("no text left after normalisation")
        return doc.evolve(content=text)
