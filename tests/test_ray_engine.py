"""The Ray engine gives the local engine's output, byte for byte.

Ray runs on this machine (2 CPUs). Inputs: the samples (tests/samples),
and a few thousand generated news-like documents with exact repeats and
near-duplicates of several kinds (light edits, truncations, additions),
spread over JSONL, text and HTML files. Incremental runs are compared too:
the second run dedups against the index the first one left.
"""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

pytest.importorskip("ray.data", reason="the Ray engine needs: pip install 'pipeline[ray]'")


from pipeline.batch import run as run_local  # noqa: E402
from pipeline.config import PipelineConfig  # noqa: E402
from pipeline.engines import EngineRefused  # noqa: E402
from pipeline.engines import ray_engine  # noqa: E402
from pipeline.strip import StripConfig  # noqa: E402

SAMPLES = Path(__file__).resolve().parent / "samples"


pytestmark = pytest.mark.usefixtures("ray_local")  # Ray on this machine, one session per module


# -- comparing two clean folders ---------------------------------------------

def outputs(clean: Path) -> dict[str, bytes]:
    """Every output file by relative path; run reports and locks left out."""
    found = {}
    for path in sorted(clean.rglob("*")):
        rel = path.relative_to(clean).as_posix()
        if path.is_file() and not rel.startswith(".state/runs/") and not path.name.endswith("lock"):
            found[rel] = path.read_bytes()
    return found


def _ledger(data: bytes) -> tuple:
    ledger = json.loads(data)
    return ledger["hashes"], ledger["paths"]


def assert_same(local: Path, distributed: Path) -> list[dict]:
    mine, theirs = outputs(local), outputs(distributed)
    index = ".state/index.sqlite"
    mine.pop(index, None), theirs.pop(index, None)  # compared through the next run instead
    ledger = ".state/inputs.json"  # the ledger also caches file stats and its save time
    assert _ledger(mine.pop(ledger)) == _ledger(theirs.pop(ledger))
    assert sorted(mine) == sorted(theirs)
    for name in mine:
        assert mine[name] == theirs[name], f"{name} differs"
    return [json.loads(line) for line in (local / "manifest.jsonl").read_text().splitlines()]


def run_both(raw: Path, tmp: Path, config: PipelineConfig = PipelineConfig()):
    local, distributed = tmp / "local", tmp / "ray"
    a = run_local(raw, local, config)
    b = ray_engine.run(raw, distributed, config)
    assert a.documents == b.documents
    assert a.removed_by_rule == b.removed_by_rule
    assert a.rejected_by_reason == b.rejected_by_reason
    assert a.already_recorded == b.already_recorded
    return assert_same(local, distributed)


# -- synthetic news ------------------------------------------------------------

def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    syllables = ["ka", "lo", "mi", "ter", "an", "su", "vel", "dor", "in", "ra", "po", "seth", "ul", "ne"]
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def _article(rng: random.Random, vocab: list[str]) -> list[str]:
    paragraphs = []
    for _ in range(rng.randint(3, 7)):
        sentences = []
        for _ in range(rng.randint(2, 5)):
            words = [rng.choice(vocab) for _ in range(rng.randint(8, 22))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sentences))
    return paragraphs


def _near_copy(rng: random.Random, paragraphs: list[str], vocab: list[str]) -> list[str]:
    kind = rng.choice(["edit", "truncate", "extend", "same"])
    if kind == "edit":  # a few words changed: high Jaccard
        out = []
        for p in paragraphs:
            words = p.split(" ")
            for _ in range(max(1, len(words) // 40)):
                words[rng.randrange(len(words))] = rng.choice(vocab)
            out.append(" ".join(words))
        return out
    if kind == "truncate":  # the start of the article: containment
        return paragraphs[: max(1, (len(paragraphs) * 2) // 3)]
    if kind == "extend":
        return paragraphs + _article(rng, vocab)[:1]
    return list(paragraphs)


def generate(root: Path, documents: int, seed: int = 7) -> None:
    """``documents`` news-like texts in JSONL, text and HTML files.

    About a third are near-copies of an earlier text; some JSONL lines are
    repeated byte for byte in another file, which makes exact repeats.
    """
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    texts: list[list[str]] = []
    feeds: list[list[str]] = [[] for _ in range(12)]
    for number in range(documents):
        if texts and rng.random() < 0.35:
            paragraphs = _near_copy(rng, rng.choice(texts), vocab)
        else:
            paragraphs = _article(rng, vocab)
        texts.append(paragraphs)
        body = "\n\n".join(paragraphs)
        where = rng.random()
        if where < 0.85:
            record = {"url": f"https://site{number % 9}.example/a/{number}", "title": paragraphs[0][:40],
                      "text": body}
            feed = feeds[number % len(feeds)]
            feed.append(json.dumps(record))
            if rng.random() < 0.03:  # the same record again, elsewhere
                feeds[(number + 5) % len(feeds)].append(feed[-1])
        elif where < 0.95:
            (root / "dumps").mkdir(parents=True, exist_ok=True)
            (root / "dumps" / f"d{number:05d}.txt").write_text(body + "\n", encoding="utf-8")
        else:
            (root / "pages").mkdir(parents=True, exist_ok=True)
            html = "".join(f"<p>{p}</p>" for p in paragraphs)
            (root / "pages" / f"p{number:05d}.html").write_text(
                f"<html><head><title>{paragraphs[0][:30]}</title></head><body><article>"
                f"<h1>{paragraphs[0][:30]}</h1>{html}</article></body></html>", encoding="utf-8")
    (root / "feeds").mkdir(parents=True, exist_ok=True)
    for number, lines in enumerate(feeds):
        (root / "feeds" / f"feed{number:02d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- tests -------------------------------------------------------------------

def test_repository_samples(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw)
    records = run_both(raw, tmp_path)
    assert records


def test_generated_documents(tmp_path):
    raw = tmp_path / "raw"
    generate(raw, 3000)
    records = run_both(raw, tmp_path)
    statuses = {rec["status"] for rec in records}
    assert len(records) >= 3000
    assert {"kept", "duplicate"} <= statuses


def test_incremental_run_uses_the_index(tmp_path):
    raw = tmp_path / "raw"
    generate(raw, 1200, seed=11)
    later = tmp_path / "later"
    later.mkdir()
    for path in sorted((raw / "feeds").iterdir())[6:]:
        path.rename(later / path.name)
    run_both(raw, tmp_path)
    for path in later.iterdir():  # more feeds arrive: near-copies of what is kept already
        path.rename(raw / "feeds" / path.name)
    records = run_both(raw, tmp_path)
    assert any(rec["status"] == "duplicate" for rec in records)
    # Both indexes now hold the same documents: a third run sees them alike.
    (raw / "feeds" / "again.jsonl").write_text((raw / "feeds" / "feed00.jsonl").read_text().replace(
        "https://", "http://mirror."), encoding="utf-8")
    run_both(raw, tmp_path)


def test_template_learning_is_refused(tmp_path):
    config = PipelineConfig(strip=StripConfig(template_batch=50))
    with pytest.raises(EngineRefused, match="template_batch"):
        ray_engine.run(tmp_path, tmp_path / "clean", config)


def test_cli_engine_option(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    raw = tmp_path / "raw"
    generate(raw, 60, seed=3)
    result = CliRunner().invoke(cli, ["run", "--engine", "ray", str(raw), str(tmp_path / "clean")])
    assert result.exit_code == 0, result.output
    run_local(raw, tmp_path / "local")
    assert_same(tmp_path / "local", tmp_path / "clean")
    # The same run bookkeeping as the local engine: one report, its exit code.
    [saved] = (tmp_path / "clean" / ".state" / "runs").glob("*.json")
    report = json.loads(saved.read_text(encoding="utf-8"))
    assert (report["outcome"], report["exit_code"]) == ("completed", 0)


def test_object_store_locations(s3, tmp_path, monkeypatch):
    """Raw files hashed, read from and clean files written to S3 by the workers."""
    monkeypatch.setattr(ray_engine, "HASH_IN_TASKS_FROM", 0)
    raw = tmp_path / "raw"
    generate(raw, 500, seed=5)
    shutil.copytree(SAMPLES / "news", raw / "news")
    prefix = s3.fresh()
    raw_url = s3.upload(raw, f"{prefix}/raw")
    a = run_local(raw, tmp_path / "local")
    b = ray_engine.run(raw_url, s3.url(f"{prefix}/clean"), state_dir=tmp_path / "state")
    assert a.documents == b.documents and b.raw_dir == f"s3://bucket/{prefix}/raw"
    local = {name: data for name, data in outputs(tmp_path / "local").items() if not name.startswith(".state")}
    assert s3.files(f"{prefix}/clean") == local
    assert _ledger((tmp_path / "state" / "inputs.json").read_bytes()) == \
        _ledger((tmp_path / "local" / ".state" / "inputs.json").read_bytes())


def test_character_check_gives_the_same_decisions(tmp_path):
    """With dedup.char_jaccard_threshold on, OCR copies join alike, within a run and across runs."""
    from dedup_fixtures import ARTICLES, ocr_noise

    from pipeline.dedup import DedupConfig

    config = PipelineConfig(dedup=DedupConfig(char_jaccard_threshold=0.5))
    raw = tmp_path / "raw"
    raw.mkdir()
    generate(raw / "gen", 200, seed=13)
    lines = [json.dumps({"url": f"https://a.example/{i}", "text": a}) for i, a in enumerate(ARTICLES)]
    (raw / "articles.jsonl").write_text("\n".join(lines[:2] + [json.dumps({"text": ocr_noise(ARTICLES[0], 0.3, 3)})])
                                        + "\n", encoding="utf-8")
    records = run_both(raw, tmp_path, config)
    assert any(rec.get("duplicate_of") and rec["source"] == "articles.jsonl" for rec in records)
    (raw / "scans.jsonl").write_text("\n".join(json.dumps({"text": ocr_noise(a, 0.3, 3)}) for a in ARTICLES) + "\n",
                                     encoding="utf-8")
    records = run_both(raw, tmp_path, config)  # the scans meet the earlier run's articles in the index
    assert sum(rec["source"] == "scans.jsonl" and rec["status"] == "duplicate" for rec in records) >= 2
