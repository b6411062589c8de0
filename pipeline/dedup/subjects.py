"""Who or where a report is about, by the start of its headline.

A headline opens with its subject: the market, the place, the company
("ST JOSEPH HOGS UP 1.00 DLR - USDA", "JOLIET HOGS UP 1.00 DLR - USDA").
Two reports on one template for two markets share the rest of the
headline and nearly all of the text, and the template guard sees no name
in the subject when the headline is in capitals and the text never
writes the name again. So two texts whose headlines begin with other
words and then agree (the first run of two or more tokens the headlines
share, or the first word of two letters or more that both have, comes
after a run of each), where each text's opening words appear
nowhere in the other's headline and first sentence (where a story names
its own subject, not the others it cites: "... following Citibank, Chase
Manhattan and ..."), and none is a near spelling or abbreviation
of the other's ("INT'L" and "INTERNATIONAL"), are two reports, not copies,
unless all the rest of their leads is the same (a copy whose opening
words were respelt or garbled: "S. AFRICA" and "SOUTH AFRICA").
A text that calls itself a correction or a repeat may change its
headline. A text of one long line has no headline to tell; a flash (a
text shorter than a lead, of one paragraph, opening with a line in
capitals) is all headline, and there the same rest says nothing: two
banks' flashes on one rate change differ only in the bank ("CITIBANK
RAISES PRIME RATE TO 7-3/4 PCT", "CHASE MANHATTAN RAISES PRIME RATE TO
7-3/4 PCT"), so their opening words must be respellings of each other
for the two to be one flash.
"""
from __future__ import annotations

from .template import Lead, _anchors, _near


def other_subjects(a: Lead, b: Lead) -> bool:
    """Whether two leads' headlines open with subjects of their own (see above)."""
    if a.marked or b.marked or not (_headlined(a) and _headlined(b)):
        return False
    head_a, head_b = a.tokens[: a.head], b.tokens[: b.head]
    runs = _anchors(head_a, head_b)
    if not runs or runs[0][0] == 0 or runs[0][1] == 0:
        return False  # the headlines begin alike, or one only adds words before the other
    i, j, _ = runs[0]
    # The subject ends at the first word the other headline has too, when
    # that comes before the shared run ("JOLIET HOGS UP" and "ST JOSEPH HOGS
    # OPEN UP"); a letter alone is a piece of an abbreviation ("U.S.", "ITALY'S").
    in_a, in_b = set(head_a), set(head_b)
    i = next((k for k, t in enumerate(head_a[:i]) if t in in_b and len(t) > 1), i)
    j = next((k for k, t in enumerate(head_b[:j]) if t in in_a and len(t) > 1), j)
    if i == 0 or j == 0:
        return False  # the headlines begin with a word they share
    # Named where the other story names its own subject, not among others further on.
    words_a, words_b = a.opening_words, b.opening_words
    own_a = [t for t in head_a[:i] if t not in words_b]
    own_b = [t for t in head_b[:j] if t not in words_a]
    if len(own_a) < i or len(own_b) < j:
        return False  # the other text mentions it: a re-headlined re-send
    rest_a, rest_b = a.tokens[i:], b.tokens[j:]
    size = min(len(rest_a), len(rest_b))
    if rest_a[:size] == rest_b[:size]:
        if not (a.flash or b.flash):
            return False  # the same text with its opening words respelt ("S. AFRICA", "SOUTH AFRICA")
        return not any(_near(x, y) or x.startswith(y) or y.startswith(x) for x in own_a for y in own_b)
    return not any(_near(x, y) for x in own_a for y in own_b)


def _headlined(lead: Lead) -> bool:
    """Whether the lead has a headline: a first line and more, or a flash (all headline)."""
    return 0 < lead.head < len(lead.tokens) or lead.flash
