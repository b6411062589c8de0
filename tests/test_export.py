"""Export: Parquet and gzipped JSONL shards, read back and compared with the manifest."""
from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

import pytest
from batch_inputs import article, make_raw
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.batch import run
from pipeline.cli import cli
from pipeline.document import Document
from pipeline.export import ExportConfig, ExportError, export
from pipeline.manifest import read_manifest
from pipeline.write import write_all

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A clean folder grown by two runs, exported after each run and once at the end."""
    root = tmp_path_factory.mktemp("export")
    raw = make_raw(root / "raw")
    later = raw.parent / "later"
    later.mkdir()
    for i in range(3):  # held back for the second run
        shutil.move(raw / "gen" / f"story-{i:02d}.txt", later / f"story-{i:02d}.txt")
    clean = root / "clean"
    run(raw, clean)
    first = export(clean, root / "inc")
    after_first = {p.name: p.read_bytes() for p in (root / "inc").iterdir()}
    for path in later.iterdir():
        shutil.move(path, raw / "gen" / path.name)
    (raw / "gen" / "extra.txt").write_text(f"Extra\n\n{article(77)}\n", encoding="utf-8")
    run(raw, clean)
    second = export(clean, root / "inc")
    whole = export(clean, root / "whole")
    return clean, root, after_first, (first, second, whole)


def kept_records(clean: Path) -> list[dict]:
    return [rec for rec in read_manifest(clean) if rec["status"] == "kept"]


def clean_text(clean: Path, rec: dict) -> str:
    return (clean / rec["path"]).read_text(encoding="utf-8").rstrip("\n")


def test_parquet_rows_are_the_kept_documents_of_the_manifest(two_runs):
    clean, root, _, _ = two_runs
    table = pq.read_table(sorted((root / "whole").glob("*.parquet")))
    rows = table.to_pylist()
    kept = kept_records(clean)
    assert [row["id"] for row in rows] == [rec["id"] for rec in kept]
    for row, rec in zip(rows, kept):
        assert row["text"] == clean_text(clean, rec)
        assert row["source"] == rec["source"]
        assert row["created"] == rec.get("date")
        meta = row["metadata"]
        assert meta["status"] == "kept"
        assert meta["title"] == rec.get("title")
        assert {r["rule"]: r["lines"] for r in meta["removed_lines"]} == rec.get("removed_lines", {})
        assert 0 < meta["kept_share"] <= 1
        assert (meta["kept_share"] < 1) == bool(rec.get("removed_lines"))
    # Copies recorded up to the run that added the document: later copies
    # would change shards already written.
    records = read_manifest(clean)
    ends = [json.loads(p.read_text())["manifest_records"] for p in sorted((clean / ".state" / "runs").glob("*"))]
    copies = {}
    for end in ends:
        known = records[:end]
        for i, rec in enumerate(known):
            if rec["status"] == "kept" and rec["id"] not in copies:
                copies[rec["id"]] = sum(1 for r in known if r.get("duplicate_of") == rec["id"])
    assert {row["id"]: row["metadata"]["duplicates"] for row in rows} == copies
    assert sum(copies.values()) > 0
    later = sum(1 for r in records if r.get("duplicate_of") in copies)
    assert later > sum(copies.values())  # the fixture has a later copy of an earlier document
    assert table.schema.field("metadata").type.get_field_index("superseded_by") >= 0


def test_added_is_the_time_of_the_run_that_recorded_the_document(two_runs):
    clean, root, _, _ = two_runs
    reports = sorted((clean / ".state" / "runs").glob("*.json"))
    finished = [json.loads(p.read_text())["finished"] for p in reports]
    rows = pq.read_table(sorted((root / "whole").glob("*.parquet"))).to_pylist()
    by_id = {row["id"]: row["added"] for row in rows}
    held_back = {rec["id"] for rec in kept_records(clean)
                 if rec["source"] in {"gen/story-00.txt", "gen/story-01.txt", "gen/story-02.txt", "gen/extra.txt"}}
    assert held_back
    assert {by_id[i] for i in held_back} == {finished[1]}
    assert {added for i, added in by_id.items() if i not in held_back} == {finished[0]}


def test_duckdb_reads_the_shards(two_runs):
    duckdb = pytest.importorskip("duckdb")
    clean, root, _, _ = two_runs
    pattern = str(root / "whole" / "*.parquet")
    con = duckdb.connect()
    [(count, titled)] = con.execute(
        f"select count(*), count(metadata.title) from read_parquet('{pattern}')").fetchall()
    kept = kept_records(clean)
    assert count == len(kept)
    assert titled == sum(1 for rec in kept if rec.get("title"))
    rules = dict(con.execute(
        f"select r.rule, sum(r.lines) from (select unnest(metadata.removed_lines) as r "
        f"from read_parquet('{pattern}')) group by r.rule").fetchall())
    expected: dict = {}
    for rec in kept:
        for rule, n in rec.get("removed_lines", {}).items():
            expected[rule] = expected.get(rule, 0) + n
    assert rules == expected


def test_hugging_face_datasets_reads_the_shards(two_runs, tmp_path):
    datasets = pytest.importorskip("datasets")
    clean, root, _, _ = two_runs
    files = [str(p) for p in sorted((root / "whole").glob("*.parquet"))]
    data = datasets.load_dataset("parquet", data_files=files, split="train", cache_dir=str(tmp_path))
    assert data["id"] == [rec["id"] for rec in kept_records(clean)]


def test_exporting_after_each_run_adds_shards_and_equals_one_export(two_runs):
    clean, root, after_first, (first, second, whole) = two_runs
    assert first.shards_added and second.shards_added
    assert not set(first.shards_added) & set(second.shards_added)
    now = {p.name: p.read_bytes() for p in (root / "inc").iterdir()}
    for name in first.shards_added:  # the first run's shards were left alone
        assert now[name] == after_first[name]
    assert now == {p.name: p.read_bytes() for p in (root / "whole").iterdir()}
    assert len(whole.shards_added) == len(first.shards_added) + len(second.shards_added)


def test_exporting_again_changes_nothing(two_runs, tmp_path):
    clean, root, _, _ = two_runs
    target = tmp_path / "again"
    shutil.copytree(root / "whole", target)
    result = export(clean, target)
    assert result.shards_added == [] and result.rows_added == 0
    assert {p.name: p.read_bytes() for p in target.iterdir()} == \
        {p.name: p.read_bytes() for p in (root / "whole").iterdir()}


def test_an_export_killed_before_its_state_was_written_is_done_again(two_runs, tmp_path):
    clean, root, _, _ = two_runs
    target = tmp_path / "killed"
    shutil.copytree(root / "whole", target)
    (target / "export.json").unlink()  # killed after the shards, before the state
    (target / "documents-00099.parquet").write_bytes(b"left by a killed export with other data")
    export(clean, target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == \
        {p.name: p.read_bytes() for p in (root / "whole").iterdir()}


def test_jsonl_shards_hold_the_same_rows_as_parquet(two_runs, tmp_path):
    clean, root, _, _ = two_runs
    export(clean, tmp_path / "jsonl", ExportConfig(format="jsonl"))
    shards = sorted((tmp_path / "jsonl").glob("*.jsonl.gz"))
    assert [p.name.split(".")[0] for p in shards] == \
        [p.name.split(".")[0] for p in sorted((root / "whole").glob("*.parquet"))]
    rows = [json.loads(line) for p in shards for line in gzip.decompress(p.read_bytes()).splitlines()]
    assert rows == pq.read_table(sorted((root / "whole").glob("*.parquet"))).to_pylist()
    again = tmp_path / "jsonl2"
    export(clean, again, ExportConfig(format="jsonl"))
    assert [p.read_bytes() for p in sorted(again.glob("*.gz"))] == [p.read_bytes() for p in shards]


def test_all_records_are_the_manifest(two_runs, tmp_path):
    clean, _, _, _ = two_runs
    export(clean, tmp_path / "all", ExportConfig(all_records=True))
    rows = pq.read_table(sorted((tmp_path / "all").glob("records-*.parquet"))).to_pylist()
    records = read_manifest(clean)
    assert [(r["id"], r["metadata"]["status"]) for r in rows] == [(r["id"], r["status"]) for r in records]
    for row, rec in zip(rows, records):
        assert row["metadata"]["reason"] == rec.get("reason")
        assert row["metadata"]["duplicate_of"] == rec.get("duplicate_of")
        if rec["status"] == "duplicate":
            assert row["metadata"]["duplicate_rule"] == rec["rule"]
        assert (row["text"] != "") == (rec["status"] == "kept")


def test_shards_are_bounded(two_runs, tmp_path):
    clean, _, _, _ = two_runs
    bound = 3000
    result = export(clean, tmp_path / "small", ExportConfig(format="jsonl", max_shard_bytes=bound))
    shards = sorted((tmp_path / "small").glob("*.gz"))
    assert len(shards) == len(result.shards_added) > 3
    for path in shards:
        rows = gzip.decompress(path.read_bytes()).splitlines()
        texts = sum(len(json.loads(line)["text"].encode()) for line in rows)
        assert len(rows) == 1 or texts <= bound


def test_other_options_need_another_folder(two_runs, tmp_path):
    clean, _, _, _ = two_runs
    export(clean, tmp_path / "out", ExportConfig(format="jsonl"))
    with pytest.raises(ExportError, match="another folder"):
        export(clean, tmp_path / "out", ExportConfig(format="parquet"))
    result = CliRunner().invoke(cli, ["export", str(clean), str(tmp_path / "out"), "--all", "--format", "jsonl"])
    assert result.exit_code == 2 and "another folder" in result.output


def test_parquet_without_pyarrow_says_how_to_get_it(two_runs, tmp_path, monkeypatch):
    clean, _, _, _ = two_runs
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    result = CliRunner().invoke(cli, ["export", str(clean), str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "pip install 'pipeline[export]'" in result.output
    assert not (tmp_path / "out").exists()
    result = CliRunner().invoke(cli, ["export", str(clean), str(tmp_path / "out"), "--format", "jsonl"])
    assert result.exit_code == 0, result.output


def test_run_exports_as_it_goes(tmp_path):
    raw = make_raw(tmp_path / "raw", articles=4, with_samples=False)
    args = ["run", str(raw), str(tmp_path / "clean"), "--export", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3, result.output  # the planted bad inputs
    ids = pq.read_table(sorted((tmp_path / "out").glob("*.parquet"))).column("id").to_pylist()
    assert ids == [rec["id"] for rec in kept_records(tmp_path / "clean")]
    (raw / "gen" / "new.txt").write_text(f"New\n\n{article(500)}\n", encoding="utf-8")
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert len(list((tmp_path / "out").glob("*.parquet"))) == 2


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=25),
       bound=st.integers(min_value=1, max_value=2000))
def test_every_kept_document_is_in_exactly_one_shard(tmp_path_factory, sizes, bound):
    root = tmp_path_factory.mktemp("prop")
    docs = [Document(id=f"d{i:03d}", source=f"s{i}.txt", content="w" * n, status="kept")
            for i, n in enumerate(sizes)]
    write_all(root / "clean", docs)
    result = export(root / "clean", root / "out", ExportConfig(format="jsonl", max_shard_bytes=bound))
    seen = []
    for name in result.shards_added:
        rows = [json.loads(x) for x in gzip.decompress((root / "out" / name).read_bytes()).splitlines()]
        assert rows
        seen += [row["id"] for row in rows]
        assert len(rows) == 1 or sum(200 + len(r["text"]) + 1 for r in rows) <= bound
    assert seen == [doc.id for doc in docs]
