"""Engines: where the stages run.

``local`` runs everything in this process (``pipeline.batch``); ``ray``
spreads the same stage code over a Ray cluster (``pipeline.engines.ray_engine``
for ``pipeline run``, ``ray_stages`` for the ``extract`` and ``dedup`` commands).
Ray is an optional dependency, imported only when that engine is chosen.
"""
from __future__ import annotations

ENGINES = ("local", "ray")
RAY_INSTALL_HINT = "pip install 'pipeline[ray]'  (or: pip install 'ray[data]')"


class EngineUnavailable(RuntimeError):
    """The chosen engine cannot run here (a missing optional dependency)."""


class EngineRefused(ValueError):
    """The chosen engine does not support these settings."""


def require_ray():
    """Import Ray lazily, or say how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401 - the engine needs Ray Data, not only Ray core
    except ImportError as exc:
        raise EngineUnavailable(
            f"--engine ray needs Ray Data, which is not installed ({exc.name or exc}); "
            f"install it with: {RAY_INSTALL_HINT}"
        ) from None
    return ray


def check_engine(engine: str = "local", address: str | None = None):
    """Refuse a wrong choice before any work: Ray for ``ray`` (or how to
    install it), None for ``local``."""
    if engine == "local":
        if address:
            raise EngineRefused("--address is for --engine ray; the local engine runs in this process")
        return None
    if engine == "ray":
        return require_ray()
    raise EngineRefused(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def run_function(engine: str = "local", address: str | None = None):
    """The ``batch.run``-shaped function of an engine."""
    if check_engine(engine, address) is None:
        from ..batch import run

        return run
    from functools import partial

    from .ray_engine import run

    return partial(run, address=address)
