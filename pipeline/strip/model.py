"""A two-stage line scorer (logistic regression or boosted trees), stored as JSON.

Stage one scores each unit from its own features and its neighbours'. Stage
two sees the same features plus the stage-one scores around the unit, which
lets a short line inside an article survive while the same line inside a
menu does not. Plain numpy; the weights ship in ``data/model.json`` and
``bench/train_strip.py`` rebuilds them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .features import second_stage
from .trees import Trees


@dataclass(frozen=True)
class Logistic:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    bias: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_dict(self) -> dict:
        return {
            "kind": "logistic",
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "bias": round(float(self.bias), 6),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Logistic":
        return cls(np.asarray(d["mean"]), np.asarray(d["scale"]), np.asarray(d["coef"]), float(d["bias"]))


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None,
                 l2: float = 1.0, iters: int = 30) -> Logistic:
    """Weighted L2-regularised logistic regression by Newton's method."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    n, d = z.shape
    w = np.ones(n) if w is None else w / w.mean()
    a = np.hstack([z, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ beta, -30, 30)))
        grad = a.T @ (w * (p - y)) + reg * beta
        hess = (a * (w * p * (1 - p))[:, None]).T @ a + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    return Logistic(mean, scale, beta[:-1], float(beta[-1]))


def scorer_from_dict(d: dict):
    return Trees.from_dict(d) if d.get("kind") == "trees" else Logistic.from_dict(d)


@dataclass(frozen=True)
class LineModel:
    first: Logistic | Trees
    second: Logistic | Trees
    threshold: float
    info: dict

    def scores(self, x: np.ndarray, words: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros(0)
        p1 = self.first.predict(x)
        return self.second.predict(np.hstack([x, second_stage(p1, words)]))

    def to_dict(self) -> dict:
        return {
            "info": self.info,
            "threshold": self.threshold,
            "first": self.first.to_dict(),
            "second": self.second.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "LineModel":
        return cls(scorer_from_dict(d["first"]), scorer_from_dict(d["second"]),
                   float(d["threshold"]), dict(d.get("info", {})))

    def save(self, path) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=1)
            f.write("\n")


# Documents whose share of short lines (under five words) reaches this are
# raw page dumps (menus, share bars, footers all present); the rest are
# already-extracted article text, where short lines are mostly headings.
DUMP_SHORT_SHARE = 0.4


def profile_of(short_share: float, cut: float = DUMP_SHORT_SHARE) -> str:
    return "dump" if short_share >= cut else "extracted"


@dataclass(frozen=True)
class ModelSet:
    """One line model per document profile."""

    profiles: dict
    cut: float = DUMP_SHORT_SHARE

    def pick(self, short_share: float) -> LineModel | None:
        return self.profiles.get(profile_of(short_share, self.cut))

    def save(self, path) -> None:
        data = {"dump_short_share": self.cut,
                "profiles": {k: m.to_dict() for k, m in self.profiles.items()}}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.write("\n")

    @classmethod
    def from_dict(cls, d: dict) -> "ModelSet":
        return cls({k: LineModel.from_dict(v) for k, v in d["profiles"].items()},
                   float(d.get("dump_short_share", DUMP_SHORT_SHARE)))


@lru_cache(maxsize=1)
def default_model() -> ModelSet | None:
    """The shipped models, or None when the package was installed without them."""
    try:
        raw = resources.files("pipeline.strip").joinpath("data/model.json").read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    return ModelSet.from_dict(json.loads(raw))
