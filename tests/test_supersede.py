"""Updated articles: a re-scraped version of a kept article supersedes it, when asked."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from batch_inputs import article, near_copy
from hypothesis import given
from hypothesis import strategies as st

from pipeline import settings
from pipeline.batch import run
from pipeline.document import Document
from pipeline.export import ExportConfig, export
from pipeline.manifest import read_manifest
from pipeline.supersede import Supersede, SupersedeConfig, url_key

ON = settings.load(overrides=["supersede.enabled=true"])


def feed(raw: Path, name: str, *items: dict) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    (raw / name).write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")


def story(seed: int, url: str, title: str, text: str | None = None) -> dict:
    return {"url": url, "title": title, "text": text or article(seed, paragraphs=5)}


@pytest.fixture
def first(tmp_path):
    raw = tmp_path / "raw"
    feed(raw, "a.jsonl", story(1, "https://www.harbour.example/ferry", "Ferry v1"),
         story(2, "https://harbour.example/bridge", "Bridge"),
         story(3, "https://valley.example/frost", "Frost"))
    return raw, tmp_path / "clean"


def by_title(clean: Path) -> dict:
    return {rec.get("title"): rec for rec in read_manifest(clean) if rec.get("title")}


def test_url_key_ignores_what_does_not_change_the_page():
    assert url_key("https://www.Harbour.example/ferry/#top") == url_key("http://harbour.example/ferry")
    assert url_key("https://harbour.example/ferry?page=2") != url_key("https://harbour.example/ferry")
    assert url_key("") is None and url_key("not a url") is None


def test_off_by_default_the_earlier_copy_stays_kept(first):
    raw, clean = first
    run(raw, clean)
    text = near_copy(article(1, paragraphs=5), 7)
    feed(raw, "b.jsonl", story(0, "https://harbour.example/ferry-updated", "Ferry v2", text))
    run(raw, clean)
    titles = by_title(clean)
    assert titles["Ferry v1"]["status"] == "kept"
    assert titles["Ferry v2"]["status"] == "duplicate"
    assert not any(rec["status"] == "superseded" for rec in read_manifest(clean))


def test_a_new_version_at_the_same_url_supersedes_the_kept_one(first, tmp_path):
    raw, clean = first
    run(raw, clean, ON)
    export(clean, tmp_path / "out")
    before = (clean / "manifest.jsonl").read_bytes()
    old = by_title(clean)["Ferry v1"]
    feed(raw, "b.jsonl", story(40, "http://harbour.example/ferry/", "Ferry rewritten"))
    run(raw, clean, ON)
    after = (clean / "manifest.jsonl").read_bytes()
    assert after.startswith(before)  # history is appended, never rewritten
    records = read_manifest(clean)
    new = by_title(clean)["Ferry rewritten"]
    assert new["status"] == "kept"
    [marker] = [rec for rec in records if rec["status"] == "superseded"]
    assert marker["id"] == old["id"] and marker["superseded_by"] == new["id"]
    assert marker["reason"].startswith("updated: a newer version at the same URL")
    # The export shows the current version only; the earlier shard is written again without it.
    result = export(clean, tmp_path / "out")
    assert result.shards_rewritten == ["documents-00000.parquet"]
    pq = pytest.importorskip("pyarrow.parquet")
    ids = pq.read_table(sorted((tmp_path / "out").glob("*.parquet"))).column("id").to_pylist()
    assert new["id"] in ids and old["id"] not in ids
    assert len(ids) == sum(1 for rec in records if rec["status"] == "kept") - 1
    export(clean, tmp_path / "again")
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == \
        {p.name: p.read_bytes() for p in (tmp_path / "again").iterdir()}


def test_a_near_duplicate_from_the_same_site_supersedes_one_from_another_does_not(first):
    raw, clean = first
    run(raw, clean, ON)
    feed(raw, "b.jsonl",
         story(0, "https://harbour.example/ferry-corrected", "Ferry v2", near_copy(article(1, paragraphs=5), 7)),
         story(0, "https://mirror.example/bridge", "Bridge mirror", near_copy(article(2, paragraphs=5), 8)))
    run(raw, clean, ON)
    titles = by_title(clean)
    assert titles["Ferry v2"]["status"] == "kept"
    assert titles["Bridge mirror"]["status"] == "duplicate"
    assert titles["Bridge mirror"]["duplicate_of"] == titles["Bridge"]["id"]
    marker = [rec for rec in read_manifest(clean) if rec["status"] == "superseded"]
    assert [(m["id"], m["superseded_by"]) for m in marker] == [(titles["Ferry v1"]["id"], titles["Ferry v2"]["id"])]
    assert 0.4 <= marker[0]["similarity"] < 1
    assert (clean / f"{titles['Ferry v2']['id']}.txt").exists()


def test_later_copies_follow_the_current_version(first):
    raw, clean = first
    run(raw, clean, ON)
    base = article(1, paragraphs=5)
    feed(raw, "b.jsonl", story(0, "https://harbour.example/ferry", "Ferry v2", near_copy(base, 7)))
    run(raw, clean, ON)
    feed(raw, "c.jsonl", story(0, "https://elsewhere.example/ferry", "Ferry syndicated", near_copy(base, 9)))
    run(raw, clean, ON)
    titles = by_title(clean)
    assert titles["Ferry syndicated"]["status"] == "duplicate"
    assert titles["Ferry syndicated"]["duplicate_of"] == titles["Ferry v2"]["id"]


def test_the_ray_engine_refuses_the_option():
    pytest.importorskip("ray")
    from pipeline.engines import EngineRefused
    from pipeline.engines.ray_engine import check_supported

    with pytest.raises(EngineRefused, match="supersede"):
        check_supported(ON)


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans()), min_size=1, max_size=12))
def test_one_current_version_per_url_and_none_superseded_twice(versions):
    """However versions of a few pages arrive, each id is superseded at most once and
    every URL has one current document."""
    earlier = [{"id": "k-a", "source": "s", "status": "kept", "url": "https://x.example/a"}]
    stage = Supersede(SupersedeConfig(enabled=True), earlier)
    docs = []
    for i, (page, copy) in enumerate(versions):
        meta = {"url": f"https://x.example/{page}"}
        if copy:
            docs.append(Document(id=f"d{i}", source="s", content="t", meta=meta, status="duplicate",
                                 duplicate_of="k-a", similarity=0.8))
        else:
            docs.append(Document(id=f"d{i}", source="s", content="t", meta=meta, status="kept"))
    out = list(stage(docs))
    superseded = [rec["id"] for rec in stage.records]
    assert len(superseded) == len(set(superseded))
    current = {stage.current(doc_id) for doc_id in ["k-a"] + [d.id for d in out if d.status == "kept"]}
    assert all(doc_id not in stage.newer for doc_id in current)
    for doc in out:
        if doc.status == "duplicate":
            assert doc.duplicate_of not in stage.newer
