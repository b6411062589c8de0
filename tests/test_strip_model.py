"""The line model's parts: boosted trees and the line features."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from pipeline.strip.features import FEATURE_NAMES, feature_matrix
from pipeline.strip.lines import blocks, split_lines
from pipeline.strip.trees import Trees, fit_trees


def test_trees_learn_a_threshold_and_an_interaction():
    rng = np.random.default_rng(1)
    x = rng.random((4000, 5))
    y = ((x[:, 0] > 0.6) | ((x[:, 1] > 0.5) & (x[:, 2] < 0.3))).astype(float)
    model = fit_trees(x, y, n_trees=60, depth=3, rate=0.3)
    assert ((model.predict(x) > 0.5) == (y > 0.5)).mean() > 0.97
    # Stored and loaded, the trees score the same.
    again = Trees.from_dict(model.to_dict())
    assert np.allclose(again.margin(x), model.margin(x), atol=1e-4)


def test_a_feature_without_signal_is_never_split_on():
    rng = np.random.default_rng(2)
    x = np.column_stack([rng.random(3000), np.full(3000, 0.5)])
    y = (x[:, 0] > 0.3).astype(float)
    model = fit_trees(x, y, n_trees=20, depth=2)
    used = model.feature[np.isfinite(model.threshold)]
    assert set(used.tolist()) == {0}


_LINE = st.one_of(
    st.just(""), st.just("* Home"), st.just("    + Menu item"), st.just("Share"),
    st.text(alphabet="abc de.,", min_size=1, max_size=80),
    st.just("The council said on Tuesday that the bridge would reopen next month after repairs."),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=40))
def test_features_are_finite_and_one_row_per_unit(lines):
    parsed = split_lines("\n".join(lines))
    groups = blocks(parsed)
    x = feature_matrix(parsed, groups, [False] * len(groups))
    assert x.shape == (len(groups), len(FEATURE_NAMES))
    assert np.isfinite(x).all()
