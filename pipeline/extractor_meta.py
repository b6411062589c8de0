"""trafilatura's metadata of a page, only the fields the pipeline keeps.

``bare_extraction(with_metadata=True)`` also looks for the page's
categories, tags, licence and host name, which nothing here reads (about a
tenth of the extractor's time on news pages), and for an author and a date
even when they are not going to be used: the input states them already, or
(the author) the page's JSON-LD names one, which pagemeta.py prefers. Here
the same trafilatura functions run in the same order for the fields asked
for, so each field comes out as ``bare_extraction`` gives it
(tests/test_extractor_meta.py holds the two side by side).
"""
from __future__ import annotations

FIELDS = ("title", "date", "author", "url", "sitename", "language")


def extractor_metadata(tree, url: str | None = None, skip: frozenset = frozenset()) -> dict:
    """Title, date, author, URL and site name as trafilatura finds them in
    ``tree`` (a parsed page it only reads), None for a field in ``skip``.

    Raises what trafilatura's own metadata step raises; ``bare_extraction``
    turns a ValueError or TypeError into "no result" (the caller does too).
    """
    from htmldate import find_date
    from trafilatura import metadata as tm
    from trafilatura.settings import DEFAULT_CONFIG, set_date_params

    found = tm.examine_meta(tree)
    # A one-word author in the meta tags is a handle, not a name (trafilatura's rule).
    if found.author and " " not in found.author:
        found.author = None
    try:
        found = tm.extract_meta_json(tree, found)
    except Exception:  # trafilatura logs its JSON-LD reader's bugs and goes on
        pass
    if not found.title:
        found.title = tm.extract_title(tree)
    if "author" in skip:
        found.author = None
    elif not found.author:
        found.author = tm.extract_author(tree)
    if not found.url:
        found.url = tm.extract_url(tree, url)
    if "date" in skip:
        found.date = None
    else:
        # The extractor's own date settings: today as the latest date.
        params = set_date_params(DEFAULT_CONFIG.getboolean("DEFAULT", "EXTENSIVE_DATE_SEARCH"))
        found.date = find_date(tree, **params, url=found.url)
    if not found.sitename:
        found.sitename = tm.extract_sitename(tree)
    if found.sitename:
        found.sitename = found.sitename.lstrip("@")
        if found.sitename and "." not in found.sitename and not found.sitename[0].isupper():
            found.sitename = found.sitename.title()
    elif found.url:
        host = tm.META_URL.match(found.url)
        if host:
            found.sitename = host[1]
    found.clean_and_trim()
    return {name: getattr(found, name, None) for name in FIELDS}
