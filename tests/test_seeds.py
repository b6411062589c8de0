"""Strip on the five seed text dumps: body kept, boilerplate gone."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.document import Document
from pipeline.strip import Strip

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"

if not SEEDS.is_dir():
    pytest.skip(f"seed dumps not found at {SEEDS}", allow_module_level=True)


def _strip(prefix: str) -> str:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    doc = Document(id=prefix, source=path.name, content=path.read_text(encoding="utf-8"))
    out = Strip().process(doc)
    assert out.pending, out.reason
    return out.content


def _paragraphs(prefix: str, min_words: int = 12) -> list[str]:
    """Every long, punctuated paragraph of the seed: these are the article."""
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if len(line.split()) >= min_words and line.endswith((".", "”", '"', "?")):
            out.append(line)
    return out


# Lines that are article body although they are short or look like captions.
KEEP = {
    "000": ["What the leaders have said", "Kremlin hails growing ties",
            "Pezeshkian said the agreement formed a \"solid foundation for our forward movement.\""],
    "001": ["Western sanctions"],
    "002": ["Decades of Iran-Russia cooperation", "The drone debate", "Tehran vehemently denies these allegations."],
    "003": [],
    "004": [],
}

DROP = {
    "000": ["Skip to content", "Skip to main menu", "Skip to more DW sites", "PoliticsIran",
            "https://p.dw.com/p/4pH7C", "Image: Evgenia Novozhenina/REUTERS",
            "shake hands as they meet in Moscow\n",
            "Anne Applebaum: What Assad's fall means for other autocrats"],
    "001": ["icon-facebook", "icon-twitter", "icon-whatsapp"],
    "002": ["READ FULL ARTICLE", "SOURCE:", "RELATED:", "Be the first to comment",
            "| Published", "shake hands as they meet in Moscow, Jan. 17, 2025.",
            "has made building ties with Iran, China and North Korea a cornerstone of his foreign policy"],
    "003": ["Advertisement", "(Photo by", "[Vyacheslav Prokofyev/Pool via AFP]"],
    "004": ["Leave a Reply", "Your email address will not be published", "Required fields",
            "13 − four =", "LIGA711", "SLOT ONLINE", "DAFTAR"],
}

# Captions and site notices are long and punctuated too; DROP checks them instead.
CAPTIONS = ("Stay informed on all the", "Image:", "(Photo by", "via AFP]", "shake hands as they meet in Moscow, Jan.")


@pytest.mark.parametrize("prefix", sorted(KEEP))
def test_body_paragraphs_kept(prefix):
    text = _strip(prefix)
    for para in _paragraphs(prefix):
        if any(c in para for c in CAPTIONS):
            continue
        assert para in text, para
    for line in KEEP[prefix]:
        assert line in text, line


@pytest.mark.parametrize("prefix", sorted(DROP))
def test_boilerplate_removed(prefix):
    text = _strip(prefix) + "\n"
    for bad in DROP[prefix]:
        assert bad not in text, bad


def test_truncated_teaser_appears_once():
    text = _strip("004")
    start = "Russian President Vladimir Putin and his Iranian counterpart, Masoud Pezeshkian, held talks"
    assert text.count(start) == 1
    assert "before signing a broad cooperation pact" in text
