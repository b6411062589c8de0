"""Settings on every command, dry runs that say what a run would refuse, and
rebuilding the dedup index when its settings must change."""
from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from pipeline import exitcodes
from pipeline.cli import _every_command, cli

SMALLER = ["--set", "dedup.num_perm=128", "--set", "dedup.bands=32"]


def invoke(*args, code: int = 0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def manifest(clean):
    return [json.loads(line) for line in (clean / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("command", sorted(c.name for c in _every_command(cli)))
def test_every_command_takes_config_and_set(command):
    names = {p.name for c in _every_command(cli) if c.name == command for p in c.params}
    assert {"config_file", "overrides"} <= names


def test_stage_command_refuses_a_bad_setting(tmp_path):
    records = tmp_path / "in.jsonl"
    records.write_text("", encoding="utf-8")
    result = invoke("normalize", records, "--set", "normalize.fix_mojibak=false", code=exitcodes.CONFIG_ERROR)
    assert "unknown setting normalize.fix_mojibak" in result.output


def test_stage_command_uses_its_settings(raw_copy, tmp_path):
    records = tmp_path / "extracted.jsonl"
    invoke("extract", raw_copy, "-o", records)
    kept = tmp_path / "kept.jsonl"
    invoke("strip", records, "-o", kept, "--set", "strip.disabled_rules=['bare_url', 'link_line']")
    config = tmp_path / "strip.toml"
    config.write_text("[strip]\ndisabled_rules = ['bare_url', 'link_line']\n", encoding="utf-8")
    invoke("strip", records, "-o", tmp_path / "from_file.jsonl", "--config", config)
    assert (tmp_path / "from_file.jsonl").read_bytes() == kept.read_bytes()
    invoke("strip", records, "-o", tmp_path / "default.jsonl")
    assert (tmp_path / "default.jsonl").read_bytes() != kept.read_bytes()


def test_dry_run_reports_what_the_run_would_refuse(raw_copy, tmp_path):
    clean = tmp_path / "clean"
    invoke("run", raw_copy, clean)
    (raw_copy / "late.txt").write_text("A late story about the harbour ferry and its timetable.\n", encoding="utf-8")
    dry = invoke("run", "--dry-run", raw_copy, clean, *SMALLER, code=exitcodes.CONFIG_ERROR)
    assert "would process (new): late.txt" in dry.output
    assert "the run would refuse (exit code 2)" in dry.output and "perm128" in dry.output
    real = invoke("run", raw_copy, clean, *SMALLER, code=exitcodes.CONFIG_ERROR)
    assert "pipeline index rebuild" in real.output
    assert "late.txt" not in (clean / "manifest.jsonl").read_text(encoding="utf-8")
    assert "would refuse" not in invoke("run", "--dry-run", raw_copy, clean).output


def test_index_rebuild_lets_the_settings_change(raw_copy, tmp_path):
    clean = tmp_path / "clean"
    invoke("run", raw_copy, clean)
    before = manifest(clean)
    done = invoke("index", "rebuild", clean, *SMALLER)
    kept = sum(rec["status"] == "kept" for rec in before)
    assert f"{kept} kept documents" in done.output and "perm128" in done.output
    with sqlite3.connect(clean / ".state" / "index.sqlite") as db:  # leads and dates kept as a run keeps them
        stored = dict(db.execute("SELECT doc_id, lead IS NOT NULL FROM kept").fetchall())
    assert len(stored) == kept and all(stored.values())
    # The syndicated story again, under a new name: still found, against the rebuilt index.
    original = next(rec for rec in before if rec["status"] == "kept" and rec["source"].startswith("news/capital"))
    (raw_copy / "again").mkdir()
    text = (clean / original["path"]).read_text(encoding="utf-8")
    (raw_copy / "again" / "copy.txt").write_text(text.replace("cycle", "bicycle", 1), encoding="utf-8")
    invoke("run", raw_copy, clean, *SMALLER)
    after = manifest(clean)
    assert after[: len(before)] == before  # earlier decisions unchanged
    (new,) = [rec for rec in after[len(before):] if rec["source"] == "again/copy.txt"]
    assert new["status"] == "duplicate" and new["duplicate_of"] == original["id"]
    # The old settings are now the ones refused.
    invoke("run", raw_copy, clean, code=exitcodes.CONFIG_ERROR)


def test_index_rebuild_stores_what_a_run_stores(raw_copy, tmp_path):
    clean = tmp_path / "clean"
    invoke("run", raw_copy, clean)
    assert any("headline" in rec.get("removed_lines", {}) for rec in manifest(clean) if rec["status"] == "kept")

    def kept_rows():
        with sqlite3.connect(clean / ".state" / "index.sqlite") as db:
            return {row[0]: row[1:] for row in db.execute(
                "SELECT doc_id, size, band_keys, shingles, numbers, text, lead, day FROM kept WHERE owner IS NULL")}

    by_run = kept_rows()
    invoke("index", "rebuild", clean)
    # Each text compared with its headline, read back from its audit file.
    assert kept_rows() == by_run


def test_index_rebuild_refuses_bad_settings(raw_copy, tmp_path):
    clean = tmp_path / "clean"
    invoke("run", raw_copy, clean)
    index = clean / ".state" / "index.sqlite"
    before = index.read_bytes()
    invoke("index", "rebuild", clean, "--set", "dedup.num_perm=128", code=exitcodes.CONFIG_ERROR)
    assert index.read_bytes() == before


def test_a_new_clean_folder_is_announced(raw_copy, tmp_path):
    first = invoke("run", raw_copy, tmp_path / "clean")
    assert "new clean folder, no earlier runs" in first.stderr
    assert "new clean folder" not in invoke("run", raw_copy, tmp_path / "clean").stderr
    typo = invoke("run", "--dry-run", raw_copy, tmp_path / "claen")
    assert "new clean folder, no earlier runs" in typo.output and "would process (new)" in typo.output


def test_summary_lists_every_strip_rule():
    from pipeline.report import RunReport, summary

    report = RunReport()
    for number in range(12):
        report.removed_by_rule[f"rule{number:02d}"] = 20 - number
    for number in range(13):
        report.rejected_by_reason[f"reason {chr(97 + number)}"] = 1
    text = summary(report.to_dict())
    assert all(f"rule{number:02d}" in text for number in range(12))
    assert "and 3 more reasons" in text
