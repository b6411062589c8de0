"""Who a wire story is about, by the tickers of its headline.

Wire services tag the company a story is about in its headline, as a
ticker or a name in angle brackets ("PHILLIPS <P> RAISES CRUDE OIL PRICES",
"<QINTEX AMERICA LTD> EXTENDS OFFER"). Two companies' notices of one kind
(a dividend, a convertible issue, a crude price raise) share nearly every
word, and the names of the companies are all that differ. So:

* two texts whose headlines both tag issuers, none of them common to both,
  are about different companies and not duplicates;
* a first version (``verify``'s first-version rule) is about the story's
  company: every issuer its headline tags is tagged in the other's lead;
* two texts whose headlines tag the same issuers and that are dated the
  same day are one company's report sent again (a correction of its
  figures, often without saying so): the template guard lets them be. A
  company does not issue two results, two dividends or two rating
  actions of one kind in a day; a correction does change the figures
  (among 519 judged newswire pairs, the 34 of this kind are all true).

A ticker is compared without its exchange suffix ("<IRDV>" and "<IRDV.O>"
are one), and a slip of one letter ("<KEN>" and "<KEr>", "<GY>" and "<Y>")
or a near spelling of a long name is taken for the same tag: an OCR error
or a typo, not another company. A text that calls itself a correction or a repeat may correct
the ticker: it is not held to either rule.
"""
from __future__ import annotations

import difflib
import re

from .template import _MARKERS, _one_edit

_TAG = re.compile(r"<([^<>\n]{1,40})>")
_SUFFIX = re.compile(r"\.[A-Z]{1,2}$")
_WORD = re.compile(r"\w+")


def tagged(text: str, headline: bool = True) -> frozenset[str]:
    """The issuers tagged in a text's headline (``headline``: its first line,
    when a line follows; a text of one line has none) or in all of it."""
    if headline:
        part, rest = text.split("\n", 1) if "\n" in text.strip() else ("", "")
    else:
        part = text
    if "<" not in part:
        return frozenset()
    return frozenset(_SUFFIX.sub("", tag.strip()).casefold() for tag in _TAG.findall(part))


def marked(text: str) -> bool:
    """Whether a lead calls itself a correction or a repeat."""
    return any(word in _MARKERS for word in _WORD.findall(text.casefold()))


def _alike(a: str, b: str) -> bool:
    a, b = sorted((a, b))  # difflib's ratio may depend on the order
    return a == b or _one_edit(a, b) or (
        min(len(a), len(b)) >= 10 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.9)


def other_issuers(a: str, b: str) -> bool:
    """Whether two leads' headlines tag different issuers (first rule above)."""
    one, two = tagged(a), tagged(b)
    if not one or not two or marked(a) or marked(b):
        return False
    return not any(_alike(x, y) for x in one for y in two)


def one_issuer(a: str, b: str) -> bool:
    """Whether two leads' headlines tag the same issuers (third rule above)."""
    one, two = tagged(a), tagged(b)
    return bool(one) and bool(two) and all(any(_alike(x, y) for y in two) for x in one) \
        and all(any(_alike(x, y) for x in one) for y in two)


def same_issuers(short: str, long: str) -> bool:
    """Whether every issuer the short text's headline tags is in the long one's lead (second rule)."""
    one = tagged(short)
    if not one or marked(short) or marked(long):
        return True
    two = tagged(long, headline=False)
    return all(any(_alike(x, y) for y in two) for x in one)
