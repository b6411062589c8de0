"""Splitting text into lines and hard-wrapped lines into blocks."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

WORD = re.compile(r"\w+")
# Text browsers (lynx, links) print each link as its reference number glued to
# the link text: "[3]News". A footnote mark ("text.[3] More") has a space after.
LINK_MARKER = re.compile(r"(?:^|(?<=[\s(|/>*]))\[\d{1,4}\](?=[^\s\[\]])")


def unmark(text: str) -> str:
    """``text`` without text-browser link markers."""
    return LINK_MARKER.sub("", text) if "[" in text else text
# Sentence-final punctuation in the scripts we meet, plus closing quotes/brackets.
TERMINAL = tuple(".!?…。！？\"'”’»)]")


@dataclass(frozen=True)
class Line:
    index: int  # position among the input's lines, blank ones included
    text: str  # without surrounding whitespace
    indent: int
    blank_before: bool
    blank_after: bool

    @cached_property  # asked for several times per line while blocks are formed
    def words(self) -> int:
        return len(WORD.findall(self.text))


def split_lines(text: str) -> list[Line]:
    """Non-blank lines of ``text`` with their indentation and blank-line context."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[Line] = []
    for i, line in enumerate(raw):
        stripped = line.strip()
        if not stripped:
            continue
        expanded = line.expandtabs(4)
        out.append(
            Line(
                index=i,
                text=stripped,
                indent=len(expanded) - len(expanded.lstrip()),
                blank_before=i == 0 or not raw[i - 1].strip(),
                blank_after=i + 1 >= len(raw) or not raw[i + 1].strip(),
            )
        )
    return out


def ends_sentence(text: str) -> bool:
    return text.endswith(TERMINAL)


def wrap_width(lines: list[Line]) -> int | None:
    """The column a hard-wrapped text was wrapped at, or None when it was
    not: several lines end within a few columns of the longest one."""
    if len(lines) < 4:
        return None
    ends = sorted((line.indent + len(line.text) for line in lines), reverse=True)
    width = ends[min(2, len(ends) - 1)]  # the odd overlong line (a URL) aside
    if not 40 <= width <= 200:
        return None
    near = sum(1 for e in ends if width - 12 <= e <= width + 2)
    return width if near >= max(3, len(ends) // 5) else None


def is_dateline(line: Line) -> bool:
    """A dateline such as "PARIS —" on its own line: it opens the paragraph below it."""
    return line.text.endswith(("—", "–", " -")) and line.words <= 4


def is_continuation(prev: Line, cur: Line, width: int | None = None) -> bool:
    """True when ``cur`` carries on a hard-wrapped sentence from ``prev``."""
    if is_dateline(prev):
        return True
    if prev.blank_after or prev.index + 1 != cur.index:
        return False
    first = cur.text[0]
    if ends_sentence(prev.text) or prev.text.endswith(":"):
        # In wrapped text, a full line ending in an abbreviation ("General
        # Electric Co.") goes on in small letters on the next.
        return (width is not None and prev.text.endswith(".") and first.islower()
                and not _ITEM.match(cur.text) and cur.indent <= prev.indent and _filled(prev, cur, width))
    if first.islower() and (prev.words >= 6 or cur.words >= 6):
        return True
    if width is None or _ITEM.match(cur.text) or cur.indent > prev.indent:
        return False
    return _filled(prev, cur, width)


def _filled(prev: Line, cur: Line, width: int) -> bool:
    """The next line's first word would not have fitted on this one."""
    word = cur.text.split(" ", 1)[0]
    return prev.indent + len(prev.text) + 1 + len(word) > width


_ITEM = re.compile(r"^(?:[-*+•·▪►]|\d{1,3}[.)]|\[\d{1,4}\])\s?")


def blocks(lines: list[Line]) -> list[list[int]]:
    """Group positions in ``lines`` into blocks: a line plus its wrapped continuations."""
    width = wrap_width(lines)
    groups: list[list[int]] = []
    for pos, line in enumerate(lines):
        if groups and is_continuation(lines[pos - 1], line, width):
            groups[-1].append(pos)
        else:
            groups.append([pos])
    return groups
