"""Bytes to text: detect the encoding instead of assuming it.

Order of evidence: a byte-order mark, then strict UTF-8 (by far the most
common, and a strict decode almost never succeeds by accident on legacy
bytes), then a charset declared in an HTML <meta> or HTTP header, then
UTF-8 with a few broken bytes replaced (``replaced`` counts them, for the
record), then a statistical guess. Binary data is refused rather than
turned into noise.
"""
from __future__ import annotations

import codecs
import re


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
# Text keeps tabs, newlines, carriage returns and form feeds; any other C0
# control byte in quantity means this is not text.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can recognise."""


def looks_binary(data: bytes, sample: int = 8192) -> bool:
    """Binary by proportion: control bytes (NUL among them) in more than 5%
    of the first ``sample`` bytes. A page with a stray NUL is still text."""
    head = data[:sample]
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL))
    return controls / len(head) > 0.05


def declared_charset(data: bytes, header: str | None = None) -> str | None:
    """Charset named by an HTTP Content-Type header or an HTML <meta> tag."""
    if header:
        m = re.search(r"charset\s*=\s*[\"']?([\w:.\-]+)", header, re.I)
        if m:
            return _known(m.group(1))
    m = _META_CHARSET.search(data[:4096])
    return _known(m.group(1).decode("ascii", "ignore")) if m else None


def _known(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _utf8_evidence(data: bytes) -> tuple[int, int]:
    """(valid multi-byte characters, broken sequences) of the bytes read as UTF-8."""
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd") - data.count("\ufffd".encode())
    valid = len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")
    return valid, broken


def _mostly_utf8(data: bytes, declared: str | None = None, per_mille: float = 2.0) -> bool:
    """UTF-8 with a few broken bytes (a bad splice, a truncated character,
    a stray byte of another charset).

    Text in a legacy encoding has a broken sequence at nearly every
    non-ASCII letter and hardly ever a valid multi-byte character (those
    read as mojibake: "Ã©"). So a few broken sequences next to valid UTF-8
    characters are repairs to make, not evidence of another charset; so are
    a few in a page that declares UTF-8.
    """
    valid, broken = _utf8_evidence(data)
    few = max(len(data) * per_mille / 1000, 2)
    if valid >= broken and broken <= few:
        return True
    return declared in ("utf-8", "utf_8") and broken <= max(few, 8)


def _utf8_with_strays(data: bytes) -> bool:
    """UTF-8 with a few stray bytes of another charset (cp1252 quotes pasted
    in) that fits no rule by counts when the page is small.

    Valid multi-byte characters are evidence of UTF-8: legacy text hardly
    ever has them (they read as mojibake, "cafÃ©"). Legacy text has its
    broken bytes side by side, in the letters of its words; stray bytes
    stand alone.
    """
    text = data.decode("utf-8", errors="replace")
    valid, broken = _utf8_evidence(data)
    return valid > 0 and broken <= 2 * valid + 8 and "\ufffd\ufffd" not in text


def replaced(text: str, data: bytes) -> int:
    """How many replacement characters decoding put into ``text``."""
    return text.count("\ufffd") - data.count("\ufffd".encode())


def _guess(sample: bytes):
    """charset_normalizer's best match, with ties going to windows-1252.

    Western text with a few accents or a pound sign fits cp1250 and cp1252
    equally well by the detector's measures; cp1252 is by far the more
    common on the web (and is what browsers read "latin-1" as).
    """
    from charset_normalizer import from_bytes  # imported when a guess is needed

    results = from_bytes(sample)
    best = results.best()
    if best is not None and best.encoding != "cp1252":
        for match in results:
            if match.encoding == "cp1252" and match.chaos <= best.chaos:
                return match
    return best


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Raise DecodeError for binary or hopeless input."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise DecodeError(f"broken {enc} text after byte-order mark") from exc
    if looks_binary(data):
        raise DecodeError("binary content, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared and declared not in ("utf-8", "utf_8"):
        try:
            return data.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass
    if _mostly_utf8(data, declared):
        return data.decode("utf-8", errors="replace"), "utf-8"
    best = _guess(data[:200_000])
    if best is None or best.encoding is None:
        if _mostly_utf8(data, declared, per_mille=10):
            return data.decode("utf-8", errors="replace"), "utf-8"
        raise DecodeError("undecodable bytes: no text encoding fits")
    try:
        text = data.decode(best.encoding)
    except UnicodeDecodeError:
        pass
    else:
        if _utf8_with_strays(data):
            return data.decode("utf-8", errors="replace"), "utf-8"
        return text, best.encoding
    # The guess fitted the sample but not the whole: keep what is text.
    return data.decode(best.encoding, errors="replace"), best.encoding
