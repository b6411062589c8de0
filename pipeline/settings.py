"""Configuration from three layers: defaults in code, a TOML file, CLI flags.

The defaults are the frozen dataclasses of ``pipeline.config``. A TOML file
has one table per stage, named like the fields of ``PipelineConfig``::

    [extract]
    timeout_seconds = 20

    [dedup]
    jaccard_threshold = 0.6

``--set dedup.jaccard_threshold=0.6`` overrides a single value on the
command line. Unknown tables or keys and values of the wrong type are
refused with a message that names them: a typo must not silently fall back
to a default. Rules between settings (``dedup.num_perm`` must equal
``bands * rows``) are checked once every layer is in, so that
``--set dedup.num_perm=128 --set dedup.bands=32`` is taken as one change.
"""
from __future__ import annotations

import dataclasses
import tomllib
import typing
from pathlib import Path
from typing import Any, Iterable, Mapping

from .config import PipelineConfig


class ConfigError(ValueError):
    """The configuration cannot be used as given."""


def load(path: Path | None = None, overrides: Iterable[str] = (),
         base: PipelineConfig | None = None) -> PipelineConfig:
    """Defaults, then the TOML file at ``path``, then ``section.key=value`` overrides."""
    layers = [(str(path), read_toml(Path(path)))] if path is not None else []
    layers += [("--set", parse_override(item)) for item in overrides]
    return apply_layers(base or PipelineConfig(), layers)


def read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def parse_override(item: str) -> dict:
    """``dedup.seed=3`` -> ``{"dedup": {"seed": 3}}``; the value is read as TOML."""
    name, sep, raw = item.partition("=")
    section, dot, key = name.strip().partition(".")
    if not sep or not dot or not section or not key:
        raise ConfigError(f"override {item!r} should look like section.key=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()  # a bare word is a string
    return {section: {key.strip(): value}}


def apply(config: PipelineConfig, data: Mapping[str, Any], origin: str) -> PipelineConfig:
    return apply_layers(config, [(origin, data)])


def apply_layers(config: PipelineConfig, layers: Iterable[tuple[str, Mapping[str, Any]]]) -> PipelineConfig:
    """Each ``(origin, {section: {key: value}})`` in turn, later ones winning.

    Names and types are checked per value, naming where it came from; each
    section's own rules once, on the section with every layer applied.
    """
    sections = {f.name for f in dataclasses.fields(config)}
    merged: dict[str, dict[str, Any]] = {}
    origins: dict[str, list[str]] = {}
    for origin, data in layers:
        for section, values in data.items():
            if section not in sections:
                raise ConfigError(f"{origin}: unknown section [{section}]; known: {', '.join(sections)}")
            if not isinstance(values, Mapping):
                raise ConfigError(f"{origin}: [{section}] must be a table of settings")
            merged.setdefault(section, {}).update(_checked(getattr(config, section), section, values, origin))
            if origin not in origins.setdefault(section, []):
                origins[section].append(origin)
    changes = {}
    for section, values in merged.items():
        try:
            changes[section] = dataclasses.replace(getattr(config, section), **values)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{' with '.join(origins[section])}: invalid [{section}] settings: {exc}") from None
    return dataclasses.replace(config, **changes)


def _checked(current: Any, section: str, values: Mapping[str, Any], origin: str) -> dict[str, Any]:
    hints = typing.get_type_hints(type(current))
    fields = {f.name for f in dataclasses.fields(current)}
    checked = {}
    for key, value in values.items():
        if key not in fields:
            raise ConfigError(
                f"{origin}: unknown setting {section}.{key}; known in [{section}]: {', '.join(sorted(fields))}"
            )
        checked[key] = _coerce(value, hints.get(key), f"{section}.{key}", origin)
    return checked


def _coerce(value: Any, hint: Any, name: str, origin: str) -> Any:
    allowed = _allowed_types(hint)
    if not allowed:
        return value
    if isinstance(value, bool) and bool not in allowed:
        raise ConfigError(f"{origin}: {name} must be {_describe(allowed)}, got {value!r}")
    if float in allowed and isinstance(value, int) and not isinstance(value, bool):
        return float(value) if int not in allowed else value
    if isinstance(value, list):  # TOML arrays arrive as lists
        for kind in (tuple, frozenset, list):
            if kind in allowed:
                return kind(value)
    if isinstance(value, tuple(allowed)):
        return value
    if type(None) in allowed and value == "none":
        return None
    raise ConfigError(f"{origin}: {name} must be {_describe(allowed)}, got {value!r}")


def _allowed_types(hint: Any) -> list[type]:
    if hint is None:
        return []
    args = typing.get_args(hint)
    candidates = args if args and typing.get_origin(hint) in (typing.Union, _union_type()) else (hint,)
    out = []
    for c in candidates:
        origin = typing.get_origin(c) or c
        if isinstance(origin, type):
            out.append(origin)
    return out


def _union_type():
    import types

    return types.UnionType


def _describe(types_: list[type]) -> str:
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
             type(None): "none", tuple: "a list", list: "a list"}
    return " or ".join(names.get(t, t.__name__) for t in types_)


def as_dict(config: PipelineConfig) -> dict:
    """The effective configuration, JSON-ready (for the run report)."""
    return _jsonable(dataclasses.asdict(config))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)
