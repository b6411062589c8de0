"""Benchmark data for the strip stage: loading, the tuning/held-out split, line labels.

The data lives outside the repository (``../shared`` next to it) and is read
from there only. Pages are split by a hash of their id, so the split never
depends on file order and a page stays on its side forever.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from pipeline.strip.score import shingles
from pipeline.strip.lines import WORD

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PIPELINE_SHARED", REPO.parent / "shared"))
DATA = SHARED / "data"
SH_HTML = DATA / "scrapinghub_aeb"
SH_TEXT = DATA / "scrapinghub_aeb_text"
TRAF_EVAL = DATA / "trafilatura_eval"
CACHE = Path(os.environ.get("PIPELINE_BENCH_CACHE", "/tmp/pipeline-bench-cache"))

# trafilatura's own defaults: the reference the extract stage is compared
# with, and the training input of the strip model (which adds favor_precision).
EXTRACT_OPTIONS = {"include_comments": False}


def available() -> bool:
    return SH_HTML.is_dir() and SH_TEXT.is_dir()


def is_heldout(page_id: str) -> bool:
    """One page in three is never used for training or tuning."""
    return int(hashlib.sha1(page_id.encode()).hexdigest(), 16) % 3 == 0


def split_name(page_id: str) -> str:
    return "heldout" if is_heldout(page_id) else "tuning"


def load_gold(folder: Path) -> dict[str, dict]:
    rows = {}
    with open(folder / "gold.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            rows[row["id"]] = row
    return rows


def _pages(folder: Path, sub: str, suffix: str) -> dict[str, str]:
    """The page files of ``folder/sub`` that have gold text, by page id."""
    out = {}
    for pid in load_gold(folder):
        p = folder / sub / f"{pid}{suffix}"
        if p.exists():
            out[pid] = p.read_text(encoding="utf-8", errors="replace")
    return out


def text_dumps() -> dict[str, str]:
    return _pages(SH_TEXT, "text", ".txt")


def html_pages(folder: Path) -> dict[str, str]:
    return _pages(folder, "html", ".html")


def extract_text(html: str, options: dict) -> str:
    """trafilatura's text, paragraphs separated by blank lines (the extract stage's form)."""
    import trafilatura

    text = trafilatura.extract(html, **options) or ""
    return "\n\n".join(p.strip() for p in text.split("\n") if p.strip())


def extracted(folder: Path, options: dict = EXTRACT_OPTIONS) -> dict[str, str]:
    """trafilatura output for every page of ``folder``, cached on disk by settings."""
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    key = hashlib.sha1(json.dumps([str(folder), sorted(options.items())]).encode()).hexdigest()[:12]
    path = CACHE / f"extract-{folder.name}-{key}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    out = {pid: extract_text(html, options) for pid, html in html_pages(folder).items()}
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out), encoding="utf-8")
    return out


def label_units(unit_texts: list[str], gold_text: str, n: int = 4) -> list[float]:
    """1.0 for units whose word 4-grams are mostly in the gold text, else 0.0.

    A unit shorter than four words is judged by the 4-grams it forms with the
    end of the unit before it or the start of the unit after it: a short
    heading inside the article forms gold 4-grams with its neighbours, a
    "Share" button does not.
    """
    gold = set(shingles(gold_text, n))
    toks = [WORD.findall(t) for t in unit_texts]
    labels = []
    for i, tk in enumerate(toks):
        if len(tk) >= n:
            grams = [tuple(tk[j:j + n]) for j in range(len(tk) - n + 1)]
            labels.append(1.0 if sum(g in gold for g in grams) / len(grams) >= 0.5 else 0.0)
            continue
        if not tk:
            labels.append(0.0)
            continue
        ok = False
        for side in (-1, 1):
            k = i + side
            ctx: list[str] = []
            while 0 <= k < len(toks) and len(ctx) < n:
                ctx = (toks[k] + ctx) if side < 0 else (ctx + toks[k])
                k += side
            seq = (ctx[-(n - 1):] + tk) if side < 0 else (tk + ctx[: n - 1])
            if len(seq) < n:
                continue
            grams = [tuple(seq[j:j + n]) for j in range(len(seq) - n + 1)]
            if sum(g in gold for g in grams) / len(grams) >= 0.5:
                ok = True
        if not ok and len(toks) == 1:
            ok = tuple(tk) in set(shingles(gold_text, len(tk)))
        labels.append(1.0 if ok else 0.0)
    return labels


def _renderer():
    """The benchmark's own page-to-text renderer (../shared/bench/render_text.py)."""
    import importlib.util

    path = SHARED / "bench" / "render_text.py"
    spec = importlib.util.spec_from_file_location("render_text", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shipped_style(page_id: str) -> str:
    """The style the shared text dump of this page was rendered in."""
    return "layout" if int(hashlib.sha1(page_id.encode()).hexdigest(), 16) % 2 else "blocks"


def other_style_dumps() -> dict[str, str]:
    """Every page rendered in the style its shared dump does *not* use.

    Same pages, a different text layout: more training material for the
    tuning split and unseen renderings for the held-out split. Needs
    inscriptis; returns {} without it.
    """
    path = CACHE / "dumps-other-style.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    try:
        from inscriptis import get_text
        render = _renderer()
    except ImportError:
        return {}
    out = {}
    for pid, html in html_pages(SH_HTML).items():
        try:
            out[pid] = render.blocks(html) if shipped_style(pid) == "layout" else get_text(html)
        except Exception:  # noqa: BLE001 - a page the renderer cannot parse is left out
            continue
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out), encoding="utf-8")
    return out
