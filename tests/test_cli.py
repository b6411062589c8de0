"""The command line, through click's CliRunner: help, each stage, chaining, run, exit codes."""
from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import exitcodes
from pipeline.cli import cli
from pipeline.document import Document

STATUSES = {"kept", "duplicate", "rejected", "empty"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args, input: str | None = None, code: int = 0):
    result = runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def records(text: str) -> list[Document]:
    return [Document.from_dict(json.loads(line)) for line in text.splitlines() if line.strip()]


def manifest(clean: Path) -> list[dict]:
    return [json.loads(line) for line in (clean / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


# -- help ---------------------------------------------------------------------------

def test_top_level_help_lists_every_command(runner):
    out = invoke(runner, "--help").output
    for name in cli.commands:
        assert name in out


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_help_of_every_command(runner, name):
    out = invoke(runner, name, "--help").output
    assert out.startswith(f"Usage: cli {name}") or "Usage:" in out
    assert len(out.splitlines()) > 3
    assert invoke(runner, name, "-h").output == out


def test_version(runner):
    try:
        importlib.metadata.version("pipeline")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("the package is not installed (make test installs it)")
    assert "version" in invoke(runner, "--version").output


# -- extract ------------------------------------------------------------------------

def test_extract_a_folder_writes_one_record_per_document(runner, raw_copy):
    docs = records(invoke(runner, "extract", raw_copy).stdout)
    sources = [d.source for d in docs]
    assert sources.count("feeds/sample.jsonl") == 3
    assert "crawl/sample.warc.gz" in sources
    assert "news/harbour-gazette-kelmouth-ferry.html" in sources
    assert len(docs) == 11
    assert all(d.status == "pending" and d.kind == "text" for d in docs)
    ferry = next(d for d in docs if d.source == "news/harbour-gazette-kelmouth-ferry.html")
    assert ferry.meta["author"] == "Morag Linton"
    assert "battery-electric boats" in ferry.content


def test_extract_single_files_and_output_file(runner, raw_copy, tmp_path):
    out = tmp_path / "extracted.jsonl"
    invoke(runner, "extract", raw_copy / "news" / "capital-wire-cycle-lanes.html",
           raw_copy / "feeds" / "sample.jsonl", "-o", out)
    docs = records(out.read_text(encoding="utf-8"))
    assert [d.source for d in docs] == ["capital-wire-cycle-lanes.html"] + ["sample.jsonl"] * 3


def test_extract_missing_path_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(cli, ["extract", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_extract_keeps_rejected_inputs_with_their_reason(runner, tmp_path):
    (tmp_path / "photo.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (doc,) = records(invoke(runner, "extract", tmp_path).stdout)
    assert doc.status == "rejected" and "binary" in doc.reason


# -- stages chained ----------------------------------------------------------------

def test_stages_chained_through_files(runner, raw_copy, tmp_path):
    work, clean = tmp_path / "work", tmp_path / "clean"
    work.mkdir()
    invoke(runner, "extract", raw_copy, "-o", work / "1.jsonl")
    invoke(runner, "strip", work / "1.jsonl", "-o", work / "2.jsonl")
    invoke(runner, "normalize", work / "2.jsonl", "-o", work / "3.jsonl")
    invoke(runner, "dedup", work / "3.jsonl", "-o", work / "4.jsonl", "--index", tmp_path / "index.sqlite")
    invoke(runner, "write", clean, work / "4.jsonl")

    stripped = records((work / "2.jsonl").read_text(encoding="utf-8"))
    assert any(d.removed for d in stripped), "the text dump loses its cookie notice"
    normalized = records((work / "3.jsonl").read_text(encoding="utf-8"))
    assert all("\n\n\n" not in d.content for d in normalized)
    deduped = records((work / "4.jsonl").read_text(encoding="utf-8"))
    assert {d.status for d in deduped} <= {"kept", "duplicate"}
    assert sum(d.status == "duplicate" for d in deduped) == 1

    rows = manifest(clean)
    assert len(rows) == 11 and {r["status"] for r in rows} <= STATUSES
    for row in rows:
        if row["status"] == "kept":
            assert (clean / row["path"]).is_file()


def test_stages_chained_through_stdin(runner, raw_copy, tmp_path):
    text = invoke(runner, "extract", raw_copy).stdout
    for stage in ("strip", "normalize", "dedup"):
        text = invoke(runner, stage, input=text).stdout
    clean = tmp_path / "clean"
    result = invoke(runner, "write", clean, input=text)
    assert "11 documents: 10 kept, 1 duplicate, 0 rejected, 0 empty" in result.output
    assert len(manifest(clean)) == 11


def test_normalize_reads_stdin_by_default(runner):
    rec = Document(id="a", source="a.txt", content="CafÃ©  opens\u00a0today.\n\n\n\nSecond.").to_dict()
    (out,) = records(invoke(runner, "normalize", input=json.dumps(rec) + "\n").stdout)
    assert out.content == "Café opens today.\n\nSecond."


def test_stage_with_no_input_writes_nothing(runner):
    assert invoke(runner, "strip", input="").stdout == ""


# -- errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("content, words", [
    ("this is not json\n", "input line 1 is not a document record"),
    ('{"id": "a", "source": "a.txt"}\n{"content": "no id"}\n', "input line 2 is not a document record"),
    ('{"id": "a", "source": "a.txt", "removed": [{"bad": 1}]}\n', "input line 1"),
])
def test_malformed_record_file_is_a_clear_error(runner, tmp_path, content, words):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    result = runner.invoke(cli, ["normalize", str(bad)])
    assert result.exit_code == exitcodes.FAILED
    assert words in result.output
    assert "Traceback" not in result.output


def test_write_exits_3_when_a_record_is_rejected(runner, tmp_path):
    recs = [Document(id="a", source="a.txt", content="Kept text.", status="kept"),
            Document(id="b", source="b.html", status="rejected", reason="binary content, not text")]
    text = "".join(json.dumps(r.to_dict()) + "\n" for r in recs)
    invoke(runner, "write", tmp_path / "clean", input=text, code=exitcodes.SOME_REJECTED)
    assert [r["status"] for r in manifest(tmp_path / "clean")] == ["kept", "rejected"]


# -- run --------------------------------------------------------------------------------

def test_run_end_to_end(runner, raw_copy, tmp_path):
    clean = tmp_path / "clean"
    result = invoke(runner, "run", raw_copy, clean)
    assert "documents: 11 (10 kept, 1 duplicate, 0 rejected, 0 empty)" in result.output
    rows = manifest(clean)
    assert len(rows) == 11
    assert sum(r["status"] == "kept" for r in rows) == 10
    assert all((clean / r["path"]).is_file() for r in rows if r["status"] == "kept")
    again = invoke(runner, "run", raw_copy, clean)
    assert "documents: 0 (0 kept" in again.output
    assert manifest(clean) == rows


def test_run_exits_3_when_an_input_is_rejected(runner, raw_copy, tmp_path):
    (raw_copy / "broken.html.gz").write_bytes(b"this was never gzip")
    clean = tmp_path / "clean"
    invoke(runner, "run", raw_copy, clean, code=exitcodes.SOME_REJECTED)
    rows = manifest(clean)
    (bad,) = [r for r in rows if r["source"] == "broken.html.gz"]
    assert bad["status"] == "rejected" and "gzip" in bad["reason"]
    assert sum(r["status"] == "kept" for r in rows) == 10, "one bad file does not stop the others"


def test_run_missing_raw_dir_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(cli, ["run", str(tmp_path / "nowhere"), str(tmp_path / "clean")])
    assert result.exit_code == 2
