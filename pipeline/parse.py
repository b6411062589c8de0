"""The page parsed once, as trafilatura parses it, for every reading of it.

trafilatura's parser is lxml.html's, whose element classes are chosen by a
Python method each time lxml hands an element to Python: thousands of calls
per page, since every walk over the tree (trafilatura's, and ours) creates
element objects afresh. That choice only tells form controls apart (a
<form>, an <input> get classes of their own, with form helpers no reader of
the page uses), so this parser gives every element lxml.html's HtmlElement,
chosen in C. Parsing is otherwise the same: the same options, the same
decoding and repairs, the same fallback to bytes and the same refusal of
text that is not HTML (``load_html`` in trafilatura.utils).
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _parser():
    from lxml import etree
    from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction

    parser = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                        remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity))
    return parser


def parse_page(html: str | bytes):
    """The page's tree (an lxml.html HtmlElement), or None when it is not HTML."""
    from lxml.html import fromstring
    from trafilatura.utils import decode_file, is_dubious_html, repair_faulty_html

    text = decode_file(html)
    head = text[:50].lower()
    text = repair_faulty_html(text, head)
    tree, tried_bytes = None, False
    try:
        tree = fromstring(text, parser=_parser())
    except ValueError:  # a str with an encoding declaration: lxml wants bytes
        tree, tried_bytes = _from_bytes(text), True
    except Exception:  # noqa: BLE001 - as trafilatura: an unparsable page is not HTML
        tree = None
    if (tree is None or len(tree) < 1) and not tried_bytes:
        tree = _from_bytes(text)
    if tree is not None and is_dubious_html(head) and len(tree) < 2:
        return None  # no <html> in its first characters and next to nothing parsed
    return tree


def _from_bytes(text: str):
    from lxml.html import fromstring

    try:
        return fromstring(text.encode("utf8", "surrogatepass"), parser=_parser())
    except Exception:  # noqa: BLE001
        return None
