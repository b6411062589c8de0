"""Text-input benchmark data: text dumps of wcxb_dev and scrapinghub_aeb pages,
and Reuters-21578 newswire, read from ../shared (never copied here).

wcxb_dev dumps are rendered once with ../shared/bench/render_text.py and
cached under bench/out/ (gitignored). Every page carries its domain, the
group cross-validation folds are built on.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import strip_data as sd

WCXB = sd.DATA / "wcxb_dev"
REUTERS = sd.DATA / "reuters21578" / "docs.jsonl"
OUT = sd.REPO / "bench" / "out"
WCXB_TEXT = OUT / "wcxb_dev_text"


def domain_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wcxb_scorer():
    """../shared/bench/score_wcxb.py, for its per-page F1 and snippet checks."""
    return _load_module("score_wcxb", sd.SHARED / "bench" / "score_wcxb.py")


def wcxb_available() -> bool:
    return (WCXB / "gold.jsonl").exists()


def wcxb_dumps() -> dict[str, str]:
    """{page id: text dump}, rendering the pages on first use."""
    text = WCXB_TEXT / "text"
    gold = sd.load_gold(WCXB)
    if not text.is_dir() or len(list(text.glob("*.txt"))) < len(gold) * 0.95:
        print(f"rendering wcxb_dev text dumps into {WCXB_TEXT} ...", file=sys.stderr)
        done = subprocess.run([sys.executable, str(sd.SHARED / "bench" / "render_text.py"), str(WCXB),
                               str(WCXB_TEXT)], stdout=subprocess.DEVNULL)
        if done.returncode != 0:  # most often: inscriptis is not installed
            print("could not render the wcxb_dev dumps (pip install inscriptis); skipping them", file=sys.stderr)
            return {}
    out = {}
    for pid in gold:
        p = text / f"{pid}.txt"
        if p.exists():
            out[pid] = p.read_text(encoding="utf-8", errors="replace")
    return out


def wcxb_gold() -> dict[str, dict]:
    return sd.load_gold(WCXB)


def sh_gold() -> dict[str, dict]:
    return sd.load_gold(sd.SH_TEXT)


def reuters_docs() -> list[dict]:
    if not REUTERS.exists():
        return []
    with open(REUTERS, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def fold_of(group: str, folds: int) -> int:
    return int(hashlib.sha1(group.encode()).hexdigest(), 16) % folds
