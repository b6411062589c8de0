"""Configuration layers: defaults, TOML file, --set overrides; typos refused."""
from __future__ import annotations

import json

import pytest

from pipeline.config import PipelineConfig
from pipeline.settings import ConfigError, as_dict, load, parse_override


def write(tmp_path, text):
    path = tmp_path / "pipeline.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file():
    assert load() == PipelineConfig()


def test_file_then_overrides(tmp_path):
    path = write(tmp_path, "[extract]\ntimeout_seconds = 5\nfast = true\n[dedup]\njaccard_threshold = 0.7\n")
    config = load(path, ["dedup.jaccard_threshold=0.65"])
    assert config.extract.timeout_seconds == 5.0
    assert isinstance(config.extract.timeout_seconds, float)
    assert config.extract.fast is True
    assert config.dedup.jaccard_threshold == 0.65
    assert config.read == PipelineConfig().read  # untouched sections keep defaults


@pytest.mark.parametrize("text, words", [
    ("[extrct]\nfast = true\n", ["unknown section [extrct]", "extract"]),
    ("[extract]\nfastt = true\n", ["unknown setting extract.fastt", "fast"]),
    ("[extract]\nfast = 'yes'\n", ["extract.fast", "true or false"]),
    ("[read]\nmax_file_bytes = 1.5\n", ["read.max_file_bytes", "integer"]),
    ("[dedup]\nbands = 7\n", ["invalid [dedup]", "num_perm"]),
    ("extract = 3\n", ["must be a table"]),
    ("[extract\n", ["not valid TOML"]),
])
def test_bad_files_are_refused_with_a_clear_message(tmp_path, text, words):
    with pytest.raises(ConfigError) as err:
        load(write(tmp_path, text))
    for word in words:
        assert word in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load(tmp_path / "nope.toml")


def test_override_syntax():
    assert parse_override("dedup.seed=3") == {"dedup": {"seed": 3}}
    assert parse_override("dedup.shingle=char") == {"dedup": {"shingle": "char"}}
    assert parse_override("strip.disabled_rules=['byline']") == {"strip": {"disabled_rules": ["byline"]}}
    with pytest.raises(ConfigError, match="section.key=value"):
        parse_override("seed=3")


def test_toml_arrays_become_tuples(tmp_path):
    config = load(write(tmp_path, "[strip]\ndisabled_rules = ['byline']\n"))
    assert config.strip.disabled_rules == ("byline",)


def test_effective_config_is_json():
    data = as_dict(load(overrides=["extract.timeout_seconds=2"]))
    assert json.loads(json.dumps(data))["extract"]["timeout_seconds"] == 2.0
    assert set(data) == {"read", "extract", "strip", "normalize", "dedup", "run", "supersede"}


def test_overrides_are_checked_together():
    # Each alone breaks num_perm == bands * rows; together they are valid.
    config = load(overrides=["dedup.num_perm=128", "dedup.bands=32"])
    assert (config.dedup.num_perm, config.dedup.bands, config.dedup.rows) == (128, 32, 4)
    with pytest.raises(ConfigError, match="invalid \\[dedup\\]"):
        load(overrides=["dedup.num_perm=128"])


def test_file_and_overrides_are_checked_together(tmp_path):
    path = write(tmp_path, "[dedup]\nnum_perm = 128\n")
    assert load(path, ["dedup.bands=32"]).dedup.num_perm == 128
    with pytest.raises(ConfigError) as err:
        load(path, ["dedup.bands=16"])
    assert str(path) in str(err.value) and "--set" in str(err.value)


def test_a_later_override_wins():
    assert load(overrides=["dedup.seed=3", "dedup.seed=4"]).dedup.seed == 4
