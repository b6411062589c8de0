"""``pipeline extract`` and ``pipeline dedup`` with ``--engine ray`` write the
local commands' records, byte for byte.

Ray runs on this machine (2 CPUs), one session for the module.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("ray.data", reason="the Ray engine needs: pip install 'pipeline[ray]'")

from click.testing import CliRunner  # noqa: E402

from pipeline.cli import cli  # noqa: E402
from pipeline.config import PipelineConfig  # noqa: E402
from pipeline.jsonl import write_documents  # noqa: E402
from pipeline.runner import document_stages, mark_repeats  # noqa: E402
from pipeline.sources import read_tree  # noqa: E402
from test_ray_engine import generate  # noqa: E402

SAMPLES = Path(__file__).resolve().parent / "samples"


pytestmark = pytest.mark.usefixtures("ray_local")  # Ray on this machine, one session per module


def invoke(*args: str) -> None:
    result = CliRunner().invoke(cli, ["-q", *args])
    assert result.exit_code == 0, result.output
    assert result.exception is None


def both(command: str, out: Path, *args: str) -> tuple[bytes, list[dict]]:
    """Run a command locally and on Ray; their outputs, which must be equal."""
    invoke(command, "-o", str(out.with_suffix(".local.jsonl")), *args)
    invoke(command, "--engine", "ray", "-o", str(out.with_suffix(".ray.jsonl")), *args)
    local = out.with_suffix(".local.jsonl").read_bytes()
    assert out.with_suffix(".ray.jsonl").read_bytes() == local
    return local, [json.loads(line) for line in local.decode("utf-8").splitlines()]


# -- extract ------------------------------------------------------------------

def test_extract_repository_samples(tmp_path):
    # A folder, a single file and another folder: each named relative to its own root.
    args = [str(SAMPLES / "news"), str(SAMPLES / "feeds" / "sample.jsonl"), str(SAMPLES)]
    _, records = both("extract", tmp_path / "out", *args)
    assert {"feeds/sample.jsonl", "sample.jsonl"} <= {rec["source"] for rec in records}
    assert any(rec["status"] == "duplicate" for rec in records)  # news/ read twice


PAGE = """<html><head><title>Ferry timetable changes</title></head><body>
<nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>Ferry timetable changes from Monday</h1>
<p>The harbour ferry will run every twenty minutes from Monday, the operator said, after a year of complaints about crowded boats in the morning.</p>
<p>Evening services will end an hour later on weekdays, and a second boat will be added on Saturdays during the summer months.</p>
<p>The council, which pays part of the cost, said passenger numbers had grown by a quarter since the new bridge closed for repairs.</p>
</article></body></html>"""


def test_extract_generated_folder(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    (raw / "copies").mkdir(parents=True)
    (raw / "page.html").write_text(PAGE, encoding="utf-8")
    (raw / "copies" / "page.html").write_text(PAGE, encoding="utf-8")  # an exact repeat
    # No main text: extraction makes the first EMPTY; the copy is still a repeat of it.
    blank = "<html><body><div><span></span></div></body></html>"
    (raw / "blank.html").write_text(blank, encoding="utf-8")
    (raw / "copies" / "blank.html").write_text(blank, encoding="utf-8")
    (raw / "binary.html").write_bytes(bytes(range(256)) * 8)
    (raw / "notes.txt").write_text("A plain text dump.\n\nTwo paragraphs long.\n", encoding="utf-8")
    lines = [
        json.dumps({"url": "https://a.example/1", "title": "One", "text": "First record text."}),
        json.dumps({"html": PAGE}),
        json.dumps({"text": "Third record text."}),
        "not json",
        json.dumps({"url": "https://a.example/1", "title": "One", "text": "First record text."}),
        json.dumps({"text": ""}),
    ]
    (raw / "feed.jsonl").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    extra = tmp_path / "extra"
    extra.mkdir()
    generate(extra, 120, seed=5)
    # Relative paths: the tasks do not run in this folder.
    monkeypatch.chdir(tmp_path)
    _, records = both("extract", tmp_path / "out", "raw", "extra", "raw/feed.jsonl")
    by_source = {(rec["source"], rec.get("offset")): rec for rec in records}
    assert by_source[("copies/page.html", None)]["status"] == "duplicate"
    assert by_source[("page.html", None)]["status"] == "pending"
    assert by_source[("page.html", None)]["kind"] == "text"
    assert by_source[("blank.html", None)]["status"] == "empty"
    assert by_source[("copies/blank.html", None)]["status"] == "duplicate"
    assert by_source[("binary.html", None)]["status"] == "rejected"
    assert by_source[("feed.jsonl", 5)]["status"] == "duplicate"
    assert by_source[("feed.jsonl", 4)]["status"] == "rejected"
    assert len(records) > 120


def test_extract_only_rejected_files(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.html").write_bytes(b"\0" * 100)
    _, records = both("extract", tmp_path / "out", str(raw))
    assert [rec["status"] for rec in records] == ["rejected"]


# -- dedup --------------------------------------------------------------------

@pytest.fixture(scope="module")
def records(tmp_path_factory) -> list[str]:
    """Records after strip and normalize, as ``pipeline dedup`` reads them."""
    raw = tmp_path_factory.mktemp("news") / "raw"
    generate(raw, 900, seed=13)
    docs = mark_repeats(read_tree(raw))
    for stage in document_stages(PipelineConfig()):
        docs = stage(docs)
    out = raw.parent / "records.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        write_documents(fh, docs)
    return out.read_text(encoding="utf-8").splitlines(keepends=True)


def test_dedup(tmp_path, records):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(records), encoding="utf-8")
    _, out = both("dedup", tmp_path / "out", str(source))
    statuses = [rec["status"] for rec in out]
    assert len(out) == len(records)
    assert {"kept", "duplicate"} <= set(statuses)
    assert any(rec.get("similarity", 1.0) < 1.0 for rec in out if rec["status"] == "duplicate")


def test_dedup_with_index(tmp_path, records):
    third = len(records) // 3
    parts = [records[:third], records[third:2 * third], records[2 * third:] + records[:40]]
    for number, part in enumerate(parts):
        (tmp_path / f"part{number}.jsonl").write_text("".join(part), encoding="utf-8")
    local, distributed = tmp_path / "local.sqlite", tmp_path / "ray.sqlite"
    first_ids = set()
    for number in (0, 1):
        source = str(tmp_path / f"part{number}.jsonl")
        invoke("dedup", "--index", str(local), "-o", str(tmp_path / f"local{number}.jsonl"), source)
        invoke("dedup", "--engine", "ray", "--index", str(distributed),
               "-o", str(tmp_path / f"ray{number}.jsonl"), source)
        mine = (tmp_path / f"local{number}.jsonl").read_bytes()
        assert (tmp_path / f"ray{number}.jsonl").read_bytes() == mine
        out = [json.loads(line) for line in mine.decode("utf-8").splitlines()]
        if number == 0:
            first_ids = {rec["id"] for rec in out if rec["status"] == "kept"}
    # The second run found copies of what the first one kept.
    assert any(rec.get("duplicate_of") in first_ids for rec in out)
    assert _tables(local) == _tables(distributed)
    with sqlite3.connect(local) as db:  # direct copies stored as members of their group
        assert db.execute("SELECT COUNT(*) FROM kept WHERE owner IS NOT NULL").fetchone()[0] > 0
    # A third run answers alike from either index, on either engine.
    shutil.copy(distributed, tmp_path / "ray-copy.sqlite")
    for name, index in (("local", local), ("ray", distributed)):
        invoke("dedup", "--index", str(index), "-o", str(tmp_path / f"{name}2.jsonl"), str(tmp_path / "part2.jsonl"))
    invoke("dedup", "--engine", "ray", "--index", str(tmp_path / "ray-copy.sqlite"),
           "-o", str(tmp_path / "ray-engine2.jsonl"), str(tmp_path / "part2.jsonl"))
    third = (tmp_path / "local2.jsonl").read_bytes()
    assert (tmp_path / "ray2.jsonl").read_bytes() == third == (tmp_path / "ray-engine2.jsonl").read_bytes()
    assert _tables(local) == _tables(tmp_path / "ray-copy.sqlite")


def _tables(path: Path) -> tuple[list, list]:
    with sqlite3.connect(path) as db:
        return (db.execute("SELECT * FROM kept ORDER BY row").fetchall(),
                db.execute("SELECT * FROM duplicates ORDER BY doc_id").fetchall())


def test_dedup_with_nothing_to_decide(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a1", "source": "a.html", "status": "rejected", "reason": "x"}) + "\n",
                      encoding="utf-8")
    for name, engine in (("local", "local"), ("ray", "ray")):
        invoke("dedup", "--engine", engine, "--index", str(tmp_path / f"{name}.sqlite"),
               "-o", str(tmp_path / f"{name}.jsonl"), str(source))
        assert _tables(tmp_path / f"{name}.sqlite") == ([], [])
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert json.loads((tmp_path / "ray.jsonl").read_text(encoding="utf-8"))["status"] == "rejected"


def test_extract_from_object_store(s3, tmp_path):
    """Objects read by the workers: the records of the same files read from disk."""
    raw = tmp_path / "raw"
    generate(raw, 150, seed=3)
    prefix = s3.fresh()
    url = s3.upload(raw, f"{prefix}/raw")
    invoke("extract", "-o", str(tmp_path / "disk.jsonl"), str(raw))
    invoke("extract", "--engine", "ray", "-o", str(tmp_path / "s3.jsonl"), url)
    assert (tmp_path / "s3.jsonl").read_bytes() == (tmp_path / "disk.jsonl").read_bytes()


def test_dedup_reads_dates_and_headlines_as_the_local_command(tmp_path):
    from pipeline.document import Document, Removal

    story = ("The harbour council voted on Tuesday to rebuild the old ferry pier, ending a debate that had "
             "divided the town for almost a decade, and work will begin in the spring.")
    notice = "Qtly div 35 cts vs 35 cts prior\nPay April One\nRecord March 14"

    def record(doc_id, text, date, headline=None):
        removed = (Removal(headline, "headline"),) if headline else ()
        return Document(id=doc_id, source=f"{doc_id}.txt", content=text, meta={"date": date}, removed=removed)

    docs = [record("a", story, "2026-03-03"), record("b", story, "2026-03-03"), record("c", story, "2026-03-20"),
            record("d", notice, "2026-03-03", "HARBOUR FERRIES INC <HFT> SETS PAYOUT"),
            record("e", notice, "2026-03-03", "NORTHWIND MILLS CORP <NWM> SETS PAYOUT")]
    source = tmp_path / "in.jsonl"
    with open(source, "w", encoding="utf-8") as fh:
        write_documents(fh, docs)
    _, out = both("dedup", tmp_path / "out", str(source))
    status = {rec["id"]: rec["status"] for rec in out}
    # A copy sent the same day is one; a copy weeks later is a story of its own,
    # and two companies' notices are two notices.
    assert status == {"a": "kept", "b": "duplicate", "c": "kept", "d": "kept", "e": "kept"}
