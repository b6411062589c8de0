"""Publication dates, as the dedup stage compares them.

A re-send, a correction, a first version or a syndicated copy of a story
goes out the same day or within the next few; the same routine notice
(the central bank's weekly repurchases, a council's unchanged rates) sent
again weeks later is that week's news, word for word or nearly. So two
documents whose dates are more than ``max_days_apart`` calendar days apart
are not duplicates (``verify``), whatever their texts. The date is the one
the input gives (a JSONL record's ``date``) or the page declares
(``meta["date"]``); a document without one, or with one not read below,
is compared on its text alone.

Dates are read as calendar days (a time of day is ignored): ISO 8601
("2026-11-23", "2026-11-23T10:05:00Z"), day-month-year with the month's
abbreviation ("26-FEB-1987 15:01:01.79", "26 Feb 1987") and RFC 2822
("Thu, 26 Feb 1987 15:01:01 GMT").
"""
from __future__ import annotations

import datetime as dt
import email.utils
import re

_ISO = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T\s])")
_DMY = re.compile(r"\s*(?:[A-Za-z]{3},?\s+)?(\d{1,2})[-\s]([A-Za-z]{3})[A-Za-z]*\.?[-\s](\d{4})(?:$|[\s,T])")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


def day_of(value: object) -> int | None:
    """The calendar day of a date as a day number (``date.toordinal``), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        match = _ISO.match(value)
        if match:
            return dt.date(*map(int, match.groups())).toordinal()
        match = _DMY.match(value)
        if match and match.group(2).lower() in _MONTHS:
            return dt.date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1))).toordinal()
        return email.utils.parsedate_to_datetime(value).date().toordinal()
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
