"""Named boilerplate rules: each one recognises one kind of non-article line.

A rule is data: a name (what the audit trail records), a few patterns and a
length limit. The limit matters: boilerplate lines are short, so a rule never
fires on a long line even if a pattern happens to match inside real prose.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, ClassVar

from .lines import WORD

_I = re.IGNORECASE


@dataclass(frozen=True)
class Rule:
    name: str
    patterns: tuple[str, ...]
    max_words: int = 30
    flags: int = _I
    # Only the last ``tail`` characters are searched (patterns anchored at the end).
    tail: int = 0
    # Cheap pre-check: at least one of these must occur in the lower-cased line.
    needs: tuple[str, ...] = ()
    # Pre-check of end-anchored patterns: the lower-cased line, closing
    # brackets dropped, must end with one of these.
    ends: tuple[str, ...] = ()
    _compiled: re.Pattern = field(init=False, repr=False, compare=False)

    _anchored: re.Pattern | None = field(init=False, repr=False, compare=False)
    # The rule's whole test when it is one regex call (no pre-check, no
    # tail): ``first_rule`` calls it directly, as most lines are tried on
    # every rule and match none.
    bare: Callable[[str], re.Match | None] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Patterns anchored at the start are tried once, at the start (a search
        # would retry the alternation at every position of the line); the rest
        # form one alternation: a single search per line instead of one per pattern.
        anchored = [p for p in self.patterns if _starts_anchored(p)]
        free = [p for p in self.patterns if not _starts_anchored(p)]
        join = lambda ps: "|".join(f"(?:{p})" for p in ps)  # noqa: E731
        object.__setattr__(self, "_anchored", re.compile(join(anchored), self.flags) if anchored else None)
        object.__setattr__(self, "_compiled", re.compile(join(free), self.flags) if free else None)
        bare = None
        if not (self.needs or self.ends or self.tail) and (self._anchored is None) != (self._compiled is None):
            bare = self._compiled.search if self._anchored is None else self._anchored.match
        object.__setattr__(self, "bare", bare)

    def matches(self, text: str, words: int, low: str | None = None) -> bool:
        """``low``: ``text`` lower-cased, when the caller has it already."""
        if words > self.max_words:
            return False
        if self.needs or self.ends:
            low = text.lower() if low is None else low
            if self.needs and not any(n in low for n in self.needs):
                return False
            if self.ends and not low.rstrip("])").endswith(self.ends):
                return False
        if self.tail and len(text) > self.tail:
            text = text[-self.tail:]
        if self._anchored is not None and self._anchored.match(text) is not None:
            return True
        return self._compiled is not None and self._compiled.search(text) is not None


def _top_level_branches(pattern: str) -> list[str]:
    """``pattern`` split at its top-level ``|`` (outside groups and classes)."""
    out, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


def _starts_anchored(pattern: str) -> bool:
    return all(b.startswith("^") for b in _top_level_branches(pattern))


@dataclass(frozen=True)
class TokenShareRule:
    """Fires when most tokens of a short line come from a small vocabulary."""

    name: str
    vocabulary: frozenset[str]
    share: float = 0.6
    max_words: int = 14
    bare: ClassVar[None] = None  # no single regex: see Rule.bare

    def matches(self, text: str, words: int, low: str | None = None) -> bool:
        if words == 0 or words > self.max_words:
            return False
        toks = [t.lower() for t in WORD.findall(text)]
        hits = sum(1 for t in toks if t in self.vocabulary)
        return hits >= 2 and hits / len(toks) >= self.share or (words <= 2 and hits == words)


_MONTH = (
    r"(?:jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|"
    r"aug(?:ust|\.)?|sept?(?:ember|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?)"
)


# A sentence of five words or more, or a figure with its unit: prose, or a
# line of a report ("Related companies earned 3.1 mln vs 1.4 mln.").
_PROSE = r"(?!(?=(\s+\S+){4,}).*(?-i:[a-z]{2})[.!?]$)(?!.*\d\s*(mln|bln|billion|million|pct|%|dlrs|cts)\b)"


def _headed(word: str) -> str:
    """``word`` heading a box of links ("Related", "Trending Threads",
    "Recommended for you!"), not the first word of prose."""
    return word + _PROSE


_NUMWORD = r"(?:\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_AGENCY = r"(?:AFP|Reuters|REUTERS|AP|EPA|Getty Images|Getty|Shutterstock|dpa|Xinhua|Pool|POOL|ANSA|Sputnik|IMAGO|picture alliance|iStock)"
_AGENCY_NAMES = tuple(a.lower() for a in _AGENCY[3:-1].split("|"))

SOCIAL = frozenset(
    """facebook twitter x whatsapp linkedin pinterest reddit telegram email e mail print
    share shares tweet messenger copy link flipboard tumblr vk mix pocket sms icon instagram
    youtube tiktok threads bluesky mastodon rss google plus comment comments save""".split()
)

RULES: tuple = (
    Rule("skip_link", (
        r"^(\d+\.\s*)?(skip|jump) to\b",
        r"^(\d+\.\s*)?(zum inhalt|zur navigation|direkt zum)",
        r"^(\d+\.\s*)?(aller au contenu|passer au contenu|aller à la navigation)",
        r"^(\d+\.\s*)?(saltar al contenido|ir al contenido)",
        r"^(\d+\.\s*)?перейти к",
    ), max_words=12),
    Rule("bare_url", (
        r"^(short ?link|permalink|url|link)?\s*:?\s*(https?://|www\.)\S+$",
        r"^[\w.-]+\.(com|org|net|de|fr|uk|ru|es|it|info|io)(/\S*)?$",
    ), max_words=20),
    TokenShareRule("share_widget", SOCIAL),
    Rule("share_widget", (
        r"\bicon-(facebook|twitter|whatsapp|linkedin|mail|email|share)\b",
        r"^share (this|the|on|via|article|story|post|page)\b",
        r"^(teilen|partager|compartir|поделиться)\b.{0,40}$",
        r"^\d+\s*(shares?|comments?|likes?)$",
    ), max_words=14),
    Rule("advertisement", (
        r"^(advertisement|advertisements|advertising|anzeige|werbung|publicité|publicidad|"
        r"pubblicità|реклама|sponsored( content)?|paid content|ad|ads)$",
        r"^(story|article) continues (below|after)",
        r"^continue reading (the main story|below)",
        r"^scroll (down )?to continue",
    ), max_words=8),
    # One rule in three parts, each behind the pre-check its patterns imply:
    # these run on long lines, where a bare search was the stage's main cost.
    Rule("photo_credit", (
        r"(image|photo|picture|foto|bild|credit|crédit|photograph)s?\s*(:|\.\.\.|…|by)\s*[^.!?]{2,80}$",
        r"\((photo|image|picture|foto)s?\s*(by|:|courtesy|credit)[^)]*\)?$",
        r"\b(getty images|shutterstock|istock(photo)?|imago images)\b[^.!?]{0,40}$",
    ), max_words=70, tail=160, needs=("image", "photo", "picture", "foto", "bild", "credit", "crédit",
                                      "shutterstock", "istock")),
    Rule("photo_credit", (
        r"\[[^\]]*\b" + _AGENCY + r"\b[^\]]*\]$",
    ), max_words=70, tail=160, needs=("]",)),
    Rule("photo_credit", (
        r"[/|]\s*" + _AGENCY + r"\)?$",
        r"\b(via|by|for) " + _AGENCY + r"\]?\)?$",
    ), max_words=70, tail=160, ends=_AGENCY_NAMES),
    Rule("photo_credit", (
        r"^(photo|image|picture|foto|bild)\s*:",
    ), max_words=70),
    Rule("photo_caption", (
        r",\s*" + _MONTH + r"\s+\d{1,2},\s+\d{4}\.?$",
    ), max_words=45, tail=40),
    Rule("byline", (
        # Not a sentence in small letters: "By contrast the costs rose." is prose.
        r"^by\s+(?!(?-i:[a-z])[^.!?]*[.!?]$)[\w.'’-]+(\s+[\w.'’-]+){0,3}(\s*(,|and|&)\s*[\w.'’-]+(\s+[\w.'’-]+){0,3})?$",
        # "By Jane Doe | Monday 9 March 2026": a byline with its date.
        r"^by\s+[\w.'’-]+(\s+[\w.'’-]+){0,3}\s*[|·•]\s*[\w ,.:/-]{0,40}$",
        # "by Jane Doe – 19 October 2025": the same after a dash.
        r"^by\s+(?-i:[A-Z][\w.'’-]+(\s+[A-Z][\w.'’-]+){0,3})\s+[–—-]\s+[\w ,.:/-]{0,40}\d[\w ,.:/-]*$",
        r"\|\s*(published|updated|posted)\b",
        # ... followed by what dates or names a post, not by a word of prose
        # ("Posted county prices", "Published risk provisions 865.9 mln").
        r"^(published|updated|posted|last updated|veröffentlicht|aktualisiert|publié|publicado)\b"
        r"(?!\s+(?!(on|at|by|in|for|with|from|ago|about|a|an|the|yesterday|today|last|this|just|"
        r"over|under|less|more|le|el|am)\b)(?-i:[a-z])).{0,60}$",
        # Names are capitalised: "Par Pharmaceutical Inc said" is no byline.
        r"^(von|par|por|автор)\s+(?-i:[A-ZÀ-ÖØ-ÞА-Я][\w.'-]+(\s+[A-ZÀ-ÖØ-ÞА-Я][\w.'-]+){0,3})$",
    ), max_words=12),
    Rule("signoff", (
        r"^[a-z]{2,4}(/[a-z]{2,4})+(\s*\([^)]*\))?$",
    ), max_words=8, flags=0),
    Rule("date_line", (
        r"^(\w+,?\s+)?" + _MONTH + r"\s+\d{1,2},?\s+\d{4}(\s*(at\s*)?\d{1,2}[:.]\d{2}\s*(am|pm)?(\s*\w{2,4})?)?$",
        r"^(\w+,?\s+)?\d{1,2}\.?\s+" + _MONTH + r"\.?\s+\d{4}$",
        r"^(mon|tue|wed|thu|fri|sat|sun)\w*,?\s+" + _MONTH + r"\s+\d{1,2},?\s+\d{4}$",
        # One separator throughout: "154.25/35" and "6-11/16" are figures.
        r"^\d{1,4}(\.\d{1,2}\.|/\d{1,2}/|-\d{1,2}-)\d{1,4}(\s+\d{1,2}:\d{2})?$",
    ), max_words=10),
    Rule("related_links", (
        r"^(" + _headed("related") + "|read more|read also|also read|see also|more on this|more from|more:|"
        r"you may also like|you might also like|" + _headed("recommended") + "|most popular|most read|"
        + _headed("trending") + "|"
        r"lesen sie auch|mehr zum thema|auch interessant|à lire aussi|lire aussi|sur le même sujet|"
        r"te puede interesar|lee también|leer más|читайте также|смотрите также)\b",
        r"^(related|more|watch|listen|read|also|see)\s*(articles?|stories|coverage|content|posts?|videos?)?\s*:",
    ), max_words=25),
    Rule("aggregator", (
        r"^read (the )?full (article|story)\b",
        r"^(continue|keep) reading\b.{0,40}$",
        r"^source\s*:\s*\S+(\s+\S+){0,3}$",
        r"^(source|quelle|fuente|источник)$",
        r"^view (original|source|comments?)\b",
        r"^click here\b",
    ), max_words=12),
    Rule("newsletter", (
        r"\b(sign up|subscribe|register)\b.{0,60}\b(newsletter|updates|alerts|email|inbox|digest)",
        r"\bnewsletter\b.{0,60}\b(sign up|subscribe|inbox|email)",
    ), max_words=40, needs=("sign up", "subscribe", "register", "newsletter")),
    Rule("newsletter", (
        r"^(enter|type) your e-?mail\b",
        r"^(stay|keep) (informed|up to date|updated|connected|in the loop)\b",
        r"^(follow us|follow .{1,30} on (twitter|facebook|instagram|linkedin|x|telegram))\b",
        r"^(reach|contact|email|write to) (the )?(reporter|writer|author|editor|newsroom)s?\b",
        r"^(get|receive) (the latest|our|breaking)\b.{0,60}\b(news|updates|newsletter|stories)",
        r"^(newsletter abonnieren|jetzt abonnieren|s'abonner|abonnez-vous|suscríbete|подписаться)\b",
        r"^(subscribe|sign in|log in|login|register|sign up)(\s*(now|today|here))?$",
    ), max_words=40),
    Rule("cookie_notice", (
        r"\bcookies?\b.{0,120}\b(use|using|accept|consent|policy|settings|experience|agree)\b",
        r"\b(accept|reject|manage) (all )?cookies\b",
        r"\bprivacy (policy|settings)\b.{0,80}\b(agree|accept|consent)\b",
    ), max_words=80, needs=("cookie", "privacy")),
    Rule("comment_form", (
        r"^(leave|post|add|write) a (reply|comment|response)\b",
        r"^cancel reply$",
        r"^save my name, email",
        r"^notify me of (follow-up|new) ",
        r"^comments are closed",
        r"^(be the first to comment|no comments yet|\d+\s+comments?|comments?\s*\(\d+\))\b",
        r"^(view|show|load|hide|read) (all )?(\d+ )?comments\b",
        r"^(join|start) the (discussion|conversation)\b",
        r"^(kommentar (schreiben|verfassen|abgeben)|schreibe einen kommentar)",
        r"^(laisser|ajouter) un commentaire",
        r"^(deja|dejar|añadir) un comentario",
        r"^оставить комментарий",
        r"^(name|email|e-mail|website|comment)\s*\*?$",
    ), max_words=30),
    Rule("comment_form", (
        r"your email address will not be published",
        r"required fields are marked",
        r"you must be logged in to post a comment",
    ), max_words=30, needs=("your email", "required fields", "you must be")),
    Rule("decoration", (
        r"^[\W_]+$",
    ), max_words=1),
    Rule("comment_meta", (
        r"^\d+\s+(second|minute|min|hour|hr|day|week|month|year)s?\s+ago\b.{0,30}$",
        r"^(rating|votes?|likes?|points?|score)\s*:?\s*[-+]?\d+(\s+(votes?|points?|likes?))?$",
        r"^\[?\s*\d+\s+(comments?|responses?|replies)\s*\]?$",
        r"^\(?view all\)?$",
        r"^(reply|report|report abuse|flag|quote|upvote|downvote|like|likes|vote up|vote down)$",
        r"^(in reply to|replying to|reply to)\b.{0,60}$",
    ), max_words=12),
    Rule("captcha", (
        r"^" + _NUMWORD + r"\s*[-−–+×x*÷]\s*" + _NUMWORD + r"\s*=\s*(\d+|_+|\?)?\s*\.?$",
    ), max_words=6),
    Rule("spam_footer", (
        r"\b(slot\s*(online|gacor|login|daftar)?|togel|judi|gacor|sbobet|maxwin|casino online|"
        r"bandar|daftar|rtp slot|situs|poker online|bocoran)\b",
    ), max_words=8),
    Rule("copyright", (
        r"©",
        r"^\(c\)\s*\d{4}",
        r"\ball rights reserved\b",
        r"^copyright\b",
        r"\bfor your personal,? non-?commercial use\b",
        r"\b(alle rechte vorbehalten|tous droits réservés|todos los derechos reservados|все права защищены)\b",
    ), max_words=40, needs=("©", "(c)", "rights reserved", "copyright", "rechte vorbehalten",
                            "droits réservés", "derechos reservados", "права защищены",
                            "commercial use")),
    Rule("breadcrumb", (
        # A slash counts with spaces around it: "Oct/Dec", "ore/bulk/oil"
        # and "5 5/8" are words and figures.
        r"^[\w&' -]{1,30}((\s*[›»>|·]|\s/\s)\s*[\w&' -]{1,30}){2,}$",
        r"^([A-Z][a-z]+){2,4}$",
    ), max_words=12, flags=0),
    Rule("menu_chrome", (
        r"^(menu|search|home|sections|close|open|toggle navigation|main menu|navigation|more|"
        r"back to top|top|next|previous|prev|print|email|share|login|log in|sign in|log out|"
        r"my account|account|contact|contact us|about|about us|imprint|impressum|privacy policy|"
        r"terms of (use|service)|terms and conditions|datenschutz|mentions légales)$",
        r"^(next|previous) (article|post|story)\b",
        r"^(order|buy) reprints?$|^reprints?( & permissions)?$|^print (this )?(article|page|story)$",
        r"^(tags?|topics?|categories|category|filed under|schlagworte|themen)\s*:",
    ), max_words=8),
)


_BULLET = re.compile(r"^(?:[-*+•·▪►]|\d{1,2}\.)\s+(?=\S)")
_BULLET_CHARS = "-*+•·▪►"


def first_rule(text: str, words: int, rules=RULES) -> str | None:
    """Name of the first rule that recognises ``text``, or None.

    A list marker ("- ", "* ", "3. ") in front of the line is ignored.
    """
    first = text[:1]
    if first and (first in _BULLET_CHARS or first.isdigit()):
        text = _BULLET.sub("", text, count=1)
    low = None
    for rule in rules:
        if words > rule.max_words:
            continue
        if rule.bare is not None:
            if rule.bare(text) is not None:
                return rule.name
            continue
        if low is None:
            low = text.lower()
        if rule.matches(text, words, low):
            return rule.name
    return None
