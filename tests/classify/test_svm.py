"""The L2-SVM: same objective as scikit-learn's LinearSVC, and it solves a separable problem."""

from __future__ import annotations

import numpy as np
import pytest

from dcgan.evaluation.classify.svm import LinearSVM, one_vs_rest_targets, primal_objective


def problem(n=600, d=40, k=4, noise=2.0, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(d, k))
    # Columns on very different scales and offsets, like pooled activations of different layers.
    x = (rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d) + rng.normal(0, 5, d)).astype(np.float32)
    y = np.argmax(x @ w + rng.normal(0, noise, (n, k)), 1)
    return x, y


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("C", [1e-3, 1e-1])
def test_lbfgs_reaches_liblinear_optimum(standardize, C):
    x, y = problem()
    ours = LinearSVM(C=C, standardize=standardize, tol=1e-6, max_iter=5000).fit(x, y)
    reference = LinearSVM(C=C, standardize=standardize, solver="liblinear", tol=1e-8, max_iter=200_000).fit(x, y)
    targets = one_vs_rest_targets(y, ours.classes_)
    f_ours = primal_objective(x, targets, ours.coef_, ours.intercept_, C, ours.mean_, ours.scale_)
    f_ref = primal_objective(x, targets, reference.coef_, reference.intercept_, C, reference.mean_, reference.scale_)
    assert f_ours <= f_ref * (1 + 1e-3)
    assert np.mean(ours.predict(x) == reference.predict(x)) > 0.98


def test_standardised_fit_matches_sklearn_pipeline():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    x, y = problem(seed=1)
    ours = LinearSVM(C=0.01, tol=1e-6).fit(x, y)
    sk = make_pipeline(StandardScaler(), LinearSVC(C=0.01, tol=1e-8, max_iter=100_000)).fit(x, y)
    assert np.mean(ours.predict(x) == sk.predict(x)) > 0.98
    # Same decision values up to solver tolerance (coef_ is reported in the original space).
    np.testing.assert_allclose(ours.decision_function(x), sk.decision_function(x), atol=0.05)


def test_separable_problem_is_solved_and_binary_works():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 10)).astype(np.float32)
    w = rng.normal(size=10)
    keep = np.abs(x @ w) > 0.3  # a margin around the true hyperplane
    x, y = x[keep], np.where(x[keep] @ w > 0, "pos", "neg")
    model = LinearSVM(C=10.0).fit(x, y)
    assert model.score(x, y) == 1.0
    assert model.decision_function(x).shape == (len(y),)
    cos = model.coef_[0] @ w / np.linalg.norm(model.coef_[0]) / np.linalg.norm(w)
    assert cos > 0.9 if model.classes_[1] == "pos" else cos < -0.9


def test_warm_start_reaches_the_same_solution():
    x, y = problem(seed=2)
    cold = LinearSVM(C=0.1, tol=1e-6).fit(x, y)
    warm = LinearSVM(C=0.001, tol=1e-6, warm_start=True).fit(x, y).set_params(C=0.1).fit(x, y)
    np.testing.assert_allclose(warm.decision_function(x), cold.decision_function(x), atol=1e-2)


# Issue #18: fitting must never reuse statistics of another matrix (or of this one before it changed).

def _assert_same_fit(model, fresh, x):
    np.testing.assert_allclose(model.mean_, fresh.mean_, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(model.scale_, fresh.scale_, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(model.decision_function(x), fresh.decision_function(x), atol=1e-4)


def test_refit_after_the_matrix_changed_in_place_matches_a_fresh_fit():
    x, y = problem(seed=4)
    other, y_other = problem(seed=5)
    model = LinearSVM(C=0.1, tol=1e-6).fit(x, y)
    x[:] = other  # same array, same address, same shape, other values
    model.fit(x, y_other)
    _assert_same_fit(model, LinearSVM(C=0.1, tol=1e-6).fit(other, y_other), other)


def test_refit_on_a_torch_buffer_reused_for_another_matrix_matches_a_fresh_fit():
    import torch

    x, y = problem(seed=6)
    other, y_other = problem(seed=7)
    buffer = torch.from_numpy(x.copy())
    model = LinearSVM(C=0.01, tol=1e-6).fit(buffer, y)
    buffer.copy_(torch.from_numpy(other * 3.0 + 1.0))  # what a feature extractor writing into one buffer does
    model.fit(buffer, y_other)
    _assert_same_fit(model, LinearSVM(C=0.01, tol=1e-6).fit(other * 3.0 + 1.0, y_other), other * 3.0 + 1.0)


def test_a_prepared_matrix_fits_like_the_plain_one_and_refuses_torch_in_place_changes():
    import torch

    x, y = problem(seed=8)
    model = LinearSVM(C=0.1, tol=1e-6)
    prepared = model.prepare(x)
    assert np.shares_memory(np.asarray(prepared), x) and prepared.shape == x.shape
    for C in (0.01, 0.1):
        model.set_params(C=C).fit(prepared, y)
        _assert_same_fit(model, LinearSVM(C=C, tol=1e-6).fit(x, y), x)
    tensor = torch.from_numpy(x.copy())
    prepared = model.prepare(tensor)
    tensor.mul_(2.0)
    with pytest.raises(ValueError, match="modified in place"):
        model.fit(prepared, y)
    with pytest.raises(ValueError, match="standardize"):
        LinearSVM(standardize=False).fit(LinearSVM(standardize=True).prepare(x), y)


def test_copies_of_a_fitted_model_hold_no_matrix_statistics():
    import copy

    x, y = problem(seed=9)
    model = LinearSVM(C=0.1).fit(x, y)
    assert not any(getattr(v, "ndim", 1) == 2 and v.shape[0] > x.shape[1] for v in vars(copy.deepcopy(model)).values())


# Issue #15: the Table 1 model's 28,672 features are past the Cholesky preconditioner's size; the
# low-rank one must reach the same optimum, and in far fewer passes than no preconditioner.

def correlated_problem(n=800, d=300, factors=12, seed=10):
    """Columns driven by a few shared factors (as pooled conv activations are): a Hessian with a
    handful of huge eigenvalues, the case where plain L-BFGS needs hundreds of passes."""
    rng = np.random.default_rng(seed)
    hidden = rng.normal(size=(n, factors))
    x = (hidden @ rng.normal(size=(factors, d)) * 3 + rng.normal(size=(n, d)) * 0.3).astype(np.float32)
    y = np.argmax(hidden[:, :3] + rng.normal(0, 0.5, (n, 3)), 1)
    return x, y


@pytest.mark.parametrize("C", [1e-2, 1.0])
def test_lowrank_preconditioner_reaches_the_optimum_in_fewer_passes(C):
    x, y = correlated_problem()
    fits = {kind: LinearSVM(C=C, tol=1e-7, max_iter=5000, precondition=kind, precondition_rank=24).fit(x, y)
            for kind in ("cholesky", "lowrank", False)}
    assert fits["lowrank"].preconditioner_ == "lowrank" and fits[False].preconditioner_ == "none"
    targets = one_vs_rest_targets(y, fits["cholesky"].classes_)
    objective = {kind: primal_objective(x, targets, m.coef_, m.intercept_, C, m.mean_, m.scale_) for kind, m in fits.items()}
    assert objective["lowrank"] <= objective["cholesky"] * (1 + 1e-4)
    # At large C the Hessian is the features' own, badly conditioned: plain L-BFGS needs many more passes.
    assert fits["lowrank"].n_evals_ * (3 if C >= 1 else 1) < fits[False].n_evals_


def test_auto_takes_the_lowrank_preconditioner_past_the_cholesky_size(monkeypatch):
    from dcgan.evaluation.classify import svm

    x, y = correlated_problem(n=200, d=60)
    monkeypatch.setattr(svm, "PRECONDITION_MAX_DIM", 50)
    assert LinearSVM(C=0.01).fit(x, y).preconditioner_ == "lowrank"
    assert LinearSVM(C=0.01).fit(x[:, :50], y).preconditioner_ == "cholesky"


def test_the_fixed_rows_product_has_the_gradient_of_a_matrix_product():
    import torch

    from dcgan.evaluation.classify.svm import _FixedRowsProduct

    X = torch.randn(7, 5, dtype=torch.float64)
    w = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda w: _FixedRowsProduct.apply(X, w), (w,))
    torch.testing.assert_close(_FixedRowsProduct.apply(X, w), X @ w)
