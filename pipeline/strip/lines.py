"""Splitting text into lines and hard-wrapped lines into blocks."""
from __future__ import annotations

import re
from dataclasses import dataclass

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

    @property
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


def is_continuation(prev: Line, cur: Line) -> bool:
    """True when ``cur`` carries on a hard-wrapped sentence from ``prev``."""
    if prev.text.endswith(("—", "–", " -")) and prev.words <= 4:
        return True  # a dateline such as "PARIS —" opens the paragraph below it
    if prev.blank_after or prev.index + 1 != cur.index:
        return False
    if ends_sentence(prev.text) or prev.text.endswith(":"):
        return False
    first = cur.text[0]
    return first.islower() and prev.words >= 6


def blocks(lines: list[Line]) -> list[list[int]]:
    """Group positions in ``lines`` into blocks: a line plus its wrapped continuations."""
    groups: list[list[int]] = []
    for pos, line in enumerate(lines):
        if groups and is_continuation(lines[pos - 1], line):
            groups[-1].append(pos)
        else:
            groups.append([pos])
    return groups
