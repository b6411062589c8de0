"""Headline, byline and date of a text dump, chosen among candidate units.

A page dump prints its headline, author and date somewhere near the start of
the article, among menus, share bars and teasers that look much the same.
For each field the units near the article's start that could hold it become
candidates (a heading-like line; a name or a "By ..." line; a line with a
date in it), each described by a few numbers: how far it is from the
article, what it looks like, whether a rule or the line model removed it,
whether the page repeats it. Small boosted trees per field score the
candidates; the best one is taken when its score reaches the field's
threshold. The weights ship in ``data/meta.json`` (``bench/train_meta.py``
rebuilds them, with folds grouped by domain).
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .lines import ends_sentence
from .model import Logistic, scorer_from_dict
from .stopwords import ALL_STOPWORDS
from .textmeta import DATELINE, _UPDATED, byline_author, parse_date
from .trees import Trees

FIELDS = ("title", "author", "date")
# Units looked at before and after the start of the article.
BEFORE, AFTER = 25, 12

_TOKEN = re.compile(r"\w+")
_BULLET = re.compile(r"^([*+•·▪►–-]|\d{1,3}[.)])\s")
# A byline's lead-in: "By Jane", "Written by Jane", "Author: Jane", and "ByJane"
# glued as a page's markup may print it (a capitalised "By" only: "PARLUX"
# and "BYRNE" hold no lead-in).
_LEAD = re.compile(r"(?:^|(?<=\s))(?:(?:(?:written|posted|published|reviewed|story|words)\s*by|by|about the author|"
                   r"von|par|por)(?:\s*:\s*|\s+)|author\s*:\s*|(?-i:[Bb]y)(?=[A-ZÀ-ÖØ-Þ][a-zß-ÿ]))"
                   r"(?=[A-ZÀ-ÖØ-Þ])", re.I)
_NAME_WORD = re.compile(r"^[A-ZÀ-ÖØ-ÞА-Я][\w.'’-]*,?$")
_NAME_LINKS = frozenset(("and", "&", "de", "van", "von", "der", "da", "di", "del", "la", "le", "bin", "al"))
# Where a name ends: a separator, a date, "Published ...", " on Tuesday", " in Travel".
_NAME_END = re.compile(
    r"\s+[|·•–—]|\s+-\s|\s*\||\s+(?:published|updated|posted|last updated|fact[- ]checked|reviewed|on|in|at)\b|"
    r"(?<=[a-z])(?-i:Published|Updated|Posted|Last|Fact|Reviewed)|"
    r"(?:(?<=[a-z])(?-i:[JFMASOND])|\s+[jfmasond])(?:an|eb|ar|pr|ay|un|ul|ug|ep|ct|ov|ec)[a-z]*\.?\s*\d|\s*\d", re.I)
_DATE_HINT = re.compile(r"\b(published|posted|on|date|dated)\b", re.I)
_MENU = frozenset("""home menu login log sign search contact about subscribe share follow cart shop account
    register privacy terms cookie cookies blog news careers help support more next previous back top""".split())
_SEP = re.compile(r"^\s*[|:–—-]")
# A breadcrumb's separators: "Home » Recipes » Bread", "Docs / Guides / Install".
_CRUMB = re.compile(r"\s(?:[»›>/|]|::)\s|^[»›>/]\s")


def _name_like(text: str, most: int) -> bool:
    words = [w for w in text.replace(",", " , ").split() if w != ","]
    if not 1 <= len(words) <= most or len(text) > 80 or any(c.isdigit() for c in text):
        return False
    if not _NAME_WORD.match(words[0]):
        return False
    return all(_NAME_WORD.match(w) or w.lower() in _NAME_LINKS for w in words)


def _cut_name(text: str) -> str:
    m = _NAME_END.search(text)
    return (text[:m.start()] if m else text).strip(" ,.:;")


# Separators between a byline's parts; a lead-in before a user name; a signature's dash.
_PARTS = re.compile(r"\s+[|·•]\s+")
_LEAD_USER = re.compile(r"(?:(?:written|posted|published)\s+)?by\s+(?=[a-z0-9])", re.I)
_DASH = re.compile(r"^[—–―-]\s*(?=[A-ZÀ-ÖØ-Þ])")
_USER = re.compile(r"[A-Za-z0-9][\w.-]{2,29}")


def user_name(text: str) -> bool:
    """A forum's user name: one token with small letters, starting with one
    or holding a digit, a dot, a dash ("piizog", "hayley.p", "JWoodguy13")."""
    if not _USER.fullmatch(text) or not any(c.islower() for c in text) or text.lower() in _MENU:
        return False
    return text[0].islower() or any(c.isdigit() or c in "._-" for c in text)


def author_value(text: str) -> tuple[str, int] | None:
    """The name a unit gives as its author and where its lead-in stands
    (0: none, 1: at the start, 2: inside the unit: "... by Jane Doe");
    None when the unit holds no name."""
    name = byline_author(text)
    if name:
        return name, 1
    t = text.strip()
    bullet = _BULLET.match(t)
    if bullet and bullet.group(1)[0].isdigit():
        return None  # an item of a numbered list ("1. Make A Budget") is no byline
    t = t[bullet.end():].strip() if bullet else t
    m = _LEAD.search(t)
    # Inside a headline in capitals, "BY" names who acted ("DEBT DOWNGRADED BY MOODY'S").
    if m is not None and not (m.start() > 0 and t == t.upper()):
        name = _cut_name(t[m.end():])
        if name and _name_like(name, 10):
            return name, 1 if m.start() == 0 else 2
    t = _DASH.sub("", t)  # a signature: "— Jane Doe"
    # A bare name, or else one between separators: "Dec 26, 2025 • Jane Doe in Travel".
    name = _bare_name(t, users=True) or next(
        (found for part in _PARTS.split(t)[1:] if (found := _bare_name(part, users=False))), None)
    if name:
        return name, 0
    # A user name after a lead-in: "Posted by jdoe on 07/03/24".
    m = _LEAD_USER.match(t)
    if m is not None:
        name = _cut_name(t[m.end():])
        if user_name(name):
            return name, 1
    # A name and its role: "Jane Doe, Managing Editor".
    head, comma, role = t.partition(",")
    head = head.strip()
    if comma and t != t.upper() and _name_like(head, 4) and 1 <= len(role.split()) <= 8 \
            and not any(c.isdigit() for c in role):
        return head, 0
    return None


def _bare_name(text: str, users: bool) -> str | None:
    """The name a text starts with, given without a lead-in ("Jane Doe |
    May 2, 2025"; a user name too when ``users``), when what follows it is
    what follows a byline."""
    name = _cut_name(text)
    if name and (_name_like(name, 5) or (users and user_name(name))) \
            and _byline_rest(text[text.find(name) + len(name):]):
        return name
    return None


_REST = re.compile(r"\s*(?:[|·•–—,]|-\s|published|updated|posted|last updated|fact[- ]checked|reviewed)", re.I)


def _byline_rest(rest: str) -> bool:
    """Whether what follows a name given without a lead-in is what follows a
    byline: nothing, a date, a separator ("Tom Talbot October 14, 2025");
    not the rest of a headline ("AGENCY REPORTS 39 SHIPS WAITING")."""
    rest = rest.strip(" ,.:;")
    return not rest or bool(_REST.match(rest)) or (parse_date(rest) is not None and len(rest.split()) <= 6)


def _title_words(tokens: list[str]) -> float:
    return sum(1 for t in tokens if t[:1].isupper()) / len(tokens) if tokens else 0.0


def _reason_code(reason) -> tuple[float, float, float]:
    """(kept, removed by the line model, removed by a rule)."""
    if reason is None:
        return 1.0, 0.0, 0.0
    if reason == "line_model":
        return 0.0, 1.0, 0.0
    return 0.0, 0.0, 1.0


# The names of the features, in the order ``candidates`` gives them.
COMMON_FEATURES = ("log_units_before", "log_units_after", "before_body", "log_words", "kept",
                   "removed_by_model", "removed_by_rule", "log_repeats", "position", "bullet")
FEATURES = {
    "title": COMMON_FEATURES + (
        "heading", "sentence", "title_case_share", "capitals_share", "starts_a_title_line", "lead_overlap",
        "first_heading", "dateline", "near_date", "menu_share", "breadcrumb_tail", "tail_of_a_unit",
        "breadcrumb", "has_date", "has_author", "log_heading_rank", "ends_in_function_word"),
    "author": COMMON_FEATURES + (
        "lead_at_start", "lead_inside", "log_name_words", "one_word", "whole_unit", "near_date",
        "byline_rule", "menu_share", "sentence", "user_name", "small_word_share", "capitals"),
    "date": COMMON_FEATURES + (
        "date_rule", "updated", "date_hint", "byline", "log_dates", "first_date", "after_2030"),
}


def candidates(texts: list[str], counts: list[int], reasons: list, body: int | None) -> dict:
    """{field: [(unit, value, features), ...]} for the units near ``body``
    (the first unit of the article)."""
    out: dict = {f: [] for f in FIELDS}
    if body is None or not texts:
        return out
    m = len(texts)
    lo, hi = max(0, body - BEFORE), min(m, body + AFTER + 1)
    seen = Counter(t.lower() for t in texts)
    # The article's first words: a headline's words come back in it.
    lead_words: set[str] = set()
    for i in range(body, m):
        if reasons[i] is None:
            lead_words.update(w.lower() for w in _TOKEN.findall(texts[i]))
            if len(lead_words) > 150:
                break
    low = [t.lower() for t in texts[lo:hi]]
    # Words the page also writes in small letters are words, not names
    # ("Design Style", "Premium Member"): a person's name is always capitalised.
    small: set[str] | None = None  # found for the first author candidate
    dates = [parse_date(texts[i]) if counts[i] <= 20 else None for i in range(lo, hi)]
    n_dates = sum(1 for d in dates if d)
    heading_rank = 0
    date_rank = 0
    for i in range(lo, hi):
        t = texts[i]
        n = counts[i]
        tokens = _TOKEN.findall(t)
        before = max(0, body - i)
        after = max(0, i - body)
        kept, model, rule = _reason_code(reasons[i])
        found = author_value(t) if n <= 16 else None  # a headline's feature and the author's candidate
        common = [
            math.log1p(before), math.log1p(after), 1.0 if i < body else 0.0,
            math.log1p(n), kept, model, rule, math.log1p(seen[t.lower()] - 1), i / max(1, m - 1),
            1.0 if _BULLET.match(t) else 0.0,
        ]
        near_date = any(dates[k - lo] for k in range(max(lo, i - 2), min(hi, i + 3)) if k != i)
        # Title: a heading-like line.
        if 2 <= n <= 40 and not t.endswith(":"):
            heading = not ends_sentence(t) or t.endswith(("?", "!", "\"", "”", "'", "’"))
            if i < body and heading:
                heading_rank += 1
            tl = t.lower()
            in_title_line = any(u != tl and u.startswith(tl) and _SEP.match(u[len(tl):]) for u in low)
            overlap = sum(1 for w in tokens if w.lower() in lead_words) / len(tokens) if tokens else 0.0
            # The last step of a breadcrumb names the page: "Home » Bread » Sourdough".
            tails = [u for u in low if u != tl and u.endswith(tl)]
            crumb_tail = any(_CRUMB.search(u[-len(tl) - 3:]) for u in tails)
            out["title"].append((i, t, common + [
                1.0 if heading else 0.0, 1.0 if ends_sentence(t) and not heading else 0.0,
                _title_words(tokens), sum(1 for w in tokens if len(w) > 1 and w.isupper()) / max(1, len(tokens)),
                1.0 if in_title_line else 0.0, overlap,
                1.0 if (i < body and heading and heading_rank == 1) else 0.0,
                1.0 if DATELINE.match(t) else 0.0, 1.0 if near_date else 0.0,
                sum(1 for w in tokens if w.lower() in _MENU) / max(1, len(tokens)),
                1.0 if crumb_tail else 0.0, 1.0 if tails else 0.0, 1.0 if _CRUMB.search(t) else 0.0,
                1.0 if dates[i - lo] else 0.0, 1.0 if found else 0.0,
                math.log1p(heading_rank) if i < body else 0.0,
                # A hard-wrapped line ends with a function word ("a subsidiary of"); a headline rarely.
                1.0 if tokens and tokens[-1].lower() in ALL_STOPWORDS else 0.0,
            ]))
        # Author: a name, with or without "By".
        if n <= 16:
            if found:
                name, lead = found
                name_words = len(name.split())
                if small is None:
                    small = {w for u in texts for w in _TOKEN.findall(u) if w.islower()}
                out["author"].append((i, name, common + [
                    1.0 if lead == 1 else 0.0, 1.0 if lead == 2 else 0.0, math.log1p(name_words), 1.0 if name_words == 1 else 0.0,
                    1.0 if name == t.strip() else 0.0, 1.0 if near_date else 0.0,
                    1.0 if reasons[i] == "byline" else 0.0,
                    sum(1 for w in name.split() if w.lower() in _MENU) / name_words,
                    1.0 if ends_sentence(t) else 0.0, 1.0 if user_name(name) else 0.0,
                    sum(1 for w in name.split() if w.lower() in small and w.lower() not in _NAME_LINKS) / name_words,
                    1.0 if name == name.upper() else 0.0,
                ]))
        # Date: a short unit with a date in it.
        d = dates[i - lo]
        if d:
            date_rank += i >= body - 12
            out["date"].append((i, d, common + [
                1.0 if reasons[i] in ("date_line", "byline") else 0.0,
                1.0 if _UPDATED.search(t) else 0.0, 1.0 if _DATE_HINT.search(t) else 0.0,
                1.0 if byline_author(t) or _LEAD.match(t.strip()) else 0.0,
                math.log1p(n_dates), 1.0 if date_rank == 1 else 0.0,
                1.0 if d > "2030" else 0.0,
            ]))
    return out


@dataclass(frozen=True)
class Ranker:
    """A scorer of one field's candidates (boosted trees, or a logistic
    model in rankers saved before them) and the score to reach."""

    scorer: Logistic | Trees
    threshold: float

    def scores(self, x: np.ndarray) -> np.ndarray:
        return self.scorer.predict(x)

    def pick(self, cands: list) -> tuple[int, str, float] | None:
        """The best candidate (unit, value, score), when it reaches the threshold."""
        if not cands:
            return None
        s = self.scores(np.asarray([c[2] for c in cands], dtype=float))
        k = int(np.argmax(s))
        if s[k] < self.threshold:
            return None
        return cands[k][0], cands[k][1], float(s[k])

    def to_dict(self) -> dict:
        return {"scorer": self.scorer.to_dict(), "threshold": round(float(self.threshold), 4)}

    @classmethod
    def from_dict(cls, d: dict) -> "Ranker":
        if "scorer" in d:
            return cls(scorer_from_dict(d["scorer"]), float(d["threshold"]))
        return cls(Logistic.from_dict(d), float(d["threshold"]))  # the earlier layout: a logistic model's fields


def save(rankers: dict, path, info: dict | None = None) -> None:
    """The rankers as JSON: one line per field (trees are long lists of numbers)."""
    parts = [f'"info": {json.dumps(info or {})}'] + [f"{json.dumps(k)}: {json.dumps(r.to_dict())}"
                                                    for k, r in rankers.items()]
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(parts) + "\n}\n")


@lru_cache(maxsize=1)
def default_rankers() -> dict:
    """The shipped rankers ({} when the package was installed without them)."""
    try:
        raw = resources.files("pipeline.strip").joinpath("data/meta.json").read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return {}
    data = json.loads(raw)
    return {k: Ranker.from_dict(v) for k, v in data.items() if k in FIELDS}


def find(texts: list[str], counts: list[int], reasons: list, body: int | None, rankers: dict) -> dict:
    """{field: (unit, value)} chosen by ``rankers``. A byline may hold the
    author and the date; the headline is neither."""
    cands = candidates(texts, counts, reasons, body)
    out: dict = {}
    taken: set[int] = set()
    for field in ("date", "author", "title"):
        r = rankers.get(field)
        if r is None:
            continue
        pick = r.pick([c for c in cands[field] if field != "title" or c[0] not in taken])
        if pick is not None:
            out[field] = (pick[0], pick[1])
            taken.add(pick[0])
    return out
