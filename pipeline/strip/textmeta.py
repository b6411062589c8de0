"""Metadata of text input: the headline, byline and date printed in the text.

A page's headline, byline ("By Jane Doe | 9 March 2026") and date line are
metadata, not article text. HTML carries them in its markup, which extract
reads; a text dump or a plain newswire story only prints them. Here they
are found among the units of the text and returned as ``title``, ``author``
and ``date`` (ISO ``YYYY-MM-DD``), and the headline is taken out of the text,
as extract does for HTML: the title lives in the metadata. A text that is
only a headline keeps it (a brief).
"""
from __future__ import annotations

import re
from datetime import date

from .lines import ends_sentence

_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_MONTH = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATES = (
    # 2026-03-09, 2026/03/09
    (re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), "ymd"),
    # 9 March 2026, 9. März is not handled: English month names only. A
    # dump may glue a date to the words around it ("Jane DoeMarch 9,
    # 2026Updated"): a capitalised month after a small letter, a year before
    # a letter.
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?" + _MONTH + r",?\s+(\d{4})(?!\d)", re.I), "dMy"),
    # March 9, 2026; Mar. 9th 2026
    (re.compile(r"(?:\b|(?-i:(?<=[a-z])(?=[A-Z])))" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)",
                re.I), "Mdy"),
    # 09.03.2026 (day first), 03/09/2026 (month first unless it cannot be)
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), "dmy"),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), "mdy"),
)


def parse_date(text: str) -> str | None:
    """The first date written in ``text``, as YYYY-MM-DD, or None."""
    best = None
    for pattern, order in _DATES:
        m = pattern.search(text)
        if m is None or (best is not None and m.start() >= best[0]):
            continue
        g = m.groups()
        try:
            if order == "ymd":
                y, mo, d = int(g[0]), int(g[1]), int(g[2])
            elif order == "dMy":
                d, mo, y = int(g[0]), _MONTHS[g[1][:3].lower()], int(g[2])
            elif order == "Mdy":
                mo, d, y = _MONTHS[g[0][:3].lower()], int(g[1]), int(g[2])
            elif order == "dmy":
                d, mo, y = int(g[0]), int(g[1]), int(g[2])
            else:
                mo, d, y = int(g[0]), int(g[1]), int(g[2])
                if mo > 12:
                    mo, d = d, mo
            value = date(y, mo, d)
        except (ValueError, KeyError):
            continue
        if 1900 <= value.year <= 2100:
            best = (m.start(), value.isoformat())
    return best[1] if best else None


# "By Jane Doe", "by Jane Doe and Raj Patel | 9 March 2026", "Von Anna Weber".
_BYLINE = re.compile(
    r"^(?:written\s+)?(?:by|von|par|por|автор)\s*:?\s+"
    r"(?P<name>[^|·•,–—\d(]+?(?:\s*(?:,|and|&)\s*[^|·•,–—\d(]+?)?)"
    r"\s*(?:$|[|·•(]|[–—-]\s|,\s*(?:\d|" + _MONTH + r"|updated|published|posted|mon|tue|wed|thu|fri|sat|sun))",
    re.I)
_NAME_WORD = re.compile(r"^[A-ZÀ-ÖØ-ÞА-Я][\w.'’-]*$")
_NAME_LINKS = frozenset(("and", "&", "de", "van", "von", "der", "da", "di", "del", "la", "le", "bin", "al"))


def byline_author(text: str) -> str | None:
    """The name in a byline, or None when the line is not one."""
    m = _BYLINE.match(text.strip())
    if m is None:
        return None
    name = m.group("name").strip(" ,.:;")
    words = name.replace(",", " ").split()
    if not 1 <= len(words) <= 8:
        return None
    if not all(_NAME_WORD.match(w) or w.lower() in _NAME_LINKS for w in words):
        return None
    if not _NAME_WORD.match(words[0]):
        return None
    return name


# What a date line says about the date: published beats updated.
_UPDATED = re.compile(r"\b(updated|modified|aktualisiert|mis à jour|actualizado)\b", re.I)

# A dateline opening a wire story: "MOSCOW —", "LONDON, March 3 (Reuters) -".
DATELINE = re.compile(r"^[A-ZÀ-Ö][A-ZÀ-Ö .'-]{1,30}(,[^—–]{0,40})?\s*[—–-]\s*$")


def find(texts: list[str], counts: list[int], reasons: list, body: int | None) -> dict:
    """Title, author and date found in the units (``reasons`` as decided so
    far; ``body``: index of the first kept unit of the article, None when
    nothing is kept). Returns {"title": (unit, text), "author": (unit, name),
    "date": (unit, iso)}, each key only when found."""
    out: dict = {}
    if body is None:
        return out
    m = len(texts)
    # Bylines and date lines: the ones nearest the start of the article,
    # before it first, then inside its first units.
    order = list(range(body - 1, max(-1, body - 12), -1)) + list(range(body, min(m, body + 6)))
    for i in order:
        if counts[i] > 16:
            continue
        t = texts[i]
        if "author" not in out and reasons[i] in ("byline", None, "line_model"):
            name = byline_author(t)
            if name:
                out["author"] = (i, name)
        if "date" not in out and reasons[i] in ("byline", "date_line", "line_model", None):
            d = parse_date(t)
            if d and (reasons[i] in ("byline", "date_line") or counts[i] <= 8) and not _UPDATED.search(t):
                out["date"] = (i, d)
    # The headline: the nearest heading-like unit above the article (past
    # its byline and date), not a menu or a share bar.
    meta_units = {v[0] for v in out.values()}
    for i in range(body - 1, max(-1, body - 10), -1):
        if i in meta_units or reasons[i] not in (None, "line_model"):
            continue  # a byline, a share bar, a credit between headline and text
        t = texts[i]
        if 3 <= counts[i] <= 30 and (not ends_sentence(t) or t.endswith(("?", "!", "\"", "”", "'", "’"))) \
                and not t.endswith(":") and not DATELINE.match(t):
            out["title"] = (i, t)
        break
    return out
