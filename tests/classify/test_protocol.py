"""The §5 protocol: validation split from train, C search blind to the test set, few-label draws."""

from __future__ import annotations

import numpy as np
import pytest

from dcgan import DcganError
from dcgan.evaluation.classify.protocol import (
    few_label_indices,
    order_for_validation,
    select_c,
    svm_protocol,
    validation_split,
)
from dcgan.evaluation.classify.svm import LinearSVM

GRID = (1e-4, 1e-2, 1.0, 100.0)


def labels(n=1000, k=10, seed=0):
    return np.random.default_rng(seed).integers(0, k, n)


def test_few_label_sampler_draws_exactly_n_per_class_and_is_seeded():
    y = labels()
    idx = few_label_indices(y, 17, seed=5)
    assert len(np.unique(idx)) == len(idx) == 170
    assert np.array_equal(np.bincount(y[idx], minlength=10), np.full(10, 17))
    assert np.array_equal(idx, few_label_indices(y, 17, seed=5))
    assert not np.array_equal(idx, few_label_indices(y, 17, seed=6))
    with pytest.raises(DcganError, match="cannot draw"):
        few_label_indices(y, 1000, seed=0)


def test_validation_split_is_stratified_disjoint_and_seeded():
    y = labels(2000)
    fit, val = validation_split(y, fraction=0.1, seed=3)
    assert len(val) == 200 and len(fit) == 1800 and not set(fit) & set(val)
    assert np.abs(np.bincount(y[val], minlength=10) / 200 - np.bincount(y, minlength=10) / 2000).max() < 0.01
    assert np.array_equal(val, validation_split(y, fraction=0.1, seed=3)[1])
    order, n_val = order_for_validation(y, 0.1, seed=3)
    assert np.array_equal(np.sort(order[-n_val:]), val) and np.array_equal(np.sort(order), np.arange(2000))


def blobs(n, seed, d=20, k=3, spread=2.5):
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(0).normal(0, 1, (k, d))
    y = rng.integers(0, k, n)
    return (centres[y] + rng.normal(0, spread, (n, d))).astype(np.float32), y


class Spy(LinearSVM):
    """Records every matrix the classifier is fitted on or asked to predict."""

    seen: list = []

    def fit(self, X, y):
        Spy.seen.append(("fit", np.asarray(X)))
        return super().fit(X, y)

    def predict(self, X):
        Spy.seen.append(("predict", np.asarray(X)))
        return super().predict(X)


def test_c_search_never_sees_test_data():
    x, y = blobs(600, seed=1)
    x_test, y_test = blobs(300, seed=2)
    Spy.seen = []
    result = svm_protocol(x, y, x_test, y_test, 100, lambda: Spy(tol=1e-5), grid=GRID, labels_per_class=10, draws=3)
    calls = Spy.seen
    assert len(result.few_label) == 3 and result.C in GRID
    assert not any(kind == "fit" and np.shares_memory(a, x_test) for kind, a in calls)
    # Test data is only ever predicted by a model whose C is already chosen: once per setting.
    assert sum(kind == "predict" and a is x_test for kind, a in calls) == 1 + 3
    # Scrambled test labels and random test features change nothing about the choices.
    rng = np.random.default_rng(0)
    other = svm_protocol(x, y, rng.normal(size=x_test.shape).astype(np.float32), rng.permutation(y_test), 100,
                         lambda: LinearSVM(tol=1e-5), grid=GRID, labels_per_class=10, draws=3)
    assert other.C == result.C and other.val_scores == result.val_scores
    assert other.few_label_C == result.few_label_C


def test_select_c_prefers_validation_accuracy():
    x, y = blobs(400, seed=4)
    xv, yv = blobs(400, seed=5)
    best, scores, model = select_c(lambda: LinearSVM(tol=1e-5), x, y, xv, yv, GRID)
    assert scores[best] == max(scores.values())
    assert model.C == best and model.score(xv, yv) == pytest.approx(scores[best])


def test_pipeline_solves_a_linearly_separable_problem():
    # Two classes split by a known hyperplane, with a margin: the protocol must get the test set right.
    rng = np.random.default_rng(7)
    w = rng.normal(size=30)

    def sample(n):
        x = rng.normal(size=(3 * n, 30)).astype(np.float32)
        x = x[np.abs(x @ w) > 1.0][:n]
        return x, (x @ w > 0).astype(int)

    x, y = sample(500)
    x_test, y_test = sample(300)
    order, n_val = order_for_validation(y, 0.2)
    result = svm_protocol(x[order], y[order], x_test, y_test, n_val, lambda: LinearSVM(tol=1e-6), grid=GRID,
                          labels_per_class=50, draws=2)
    assert result.accuracy >= 0.99
    assert min(result.few_label) >= 0.9  # 50 labels per class in 30 dimensions


def test_select_c_computes_the_matrix_statistics_once_and_matches_plain_fits(monkeypatch):
    from dcgan.evaluation.classify import svm

    x, y = blobs(400, seed=8)
    xv, yv = blobs(200, seed=9)
    calls = []
    real = svm.column_stats
    monkeypatch.setattr(svm, "column_stats", lambda X, *a, **k: calls.append(X.shape) or real(X, *a, **k))
    best, scores, model = select_c(lambda: LinearSVM(tol=1e-5), x, y, xv, yv, GRID)
    assert calls == [x.shape]  # once for the whole grid, not once per C
    for C in GRID:  # the same numbers as fitting the plain matrix afresh at each C
        assert LinearSVM(C=C, tol=1e-5).fit(x, y).score(xv, yv) == scores[C]
