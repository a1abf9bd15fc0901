"""The evaluation protocol of the paper's §5: C on a validation split, few-label draws, mean ± std.

- A validation split is carved from the *training* set (stratified, seeded), as the authors did
  for SVHN (10,000 validation images). It chooses the SVM's C; the test set is only ever scored
  with the already-chosen model.
- Full-label setting: C chosen by training on the rest of the training set and scoring the
  validation split; the model is then refitted on the whole training set with that C.
- Few-label setting (Table 1's "400 per class", Table 2's 1000 labels): exactly N images per class
  drawn at random from the non-validation part of the training set, R seeded draws, C chosen on
  the validation split for each draw, test accuracy reported as mean ± std over the draws.

Training rows are passed with the validation split *last* (see ``order_for_validation``), so the
fitting part is a view of the feature matrix and no 60,000-row matrix is ever copied.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import train_test_split

from dcgan import DcganError

# Decades around the authors' {1e-4 .. 1e-2} grid, widened on both sides. Downwards because on
# standardised 7,168-d discriminator features at 50,000 rows the validation optimum sat at 1e-4
# or below (results/classify_cifar10); upwards for small, low-dimensional feature sets.
DEFAULT_C_GRID = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)


def validation_split(labels: np.ndarray, fraction: float = 0.1, max_size: int = 10_000, seed: int = 0):
    """Stratified, seeded (fit_indices, val_indices) of the training set; val has
    ``min(max_size, round(fraction * N))`` rows."""
    labels = np.asarray(labels)
    n_val = min(max_size, int(round(fraction * len(labels))))
    n_classes = len(np.unique(labels))
    if n_val < n_classes or len(labels) - n_val < n_classes:
        raise DcganError(f"{len(labels)} labelled training images are too few for a validation split of {n_val} "
                         f"over {n_classes} classes")
    fit_idx, val_idx = train_test_split(np.arange(len(labels)), test_size=n_val, stratify=labels, random_state=seed)
    return np.sort(fit_idx), np.sort(val_idx)


def order_for_validation(labels: np.ndarray, fraction: float = 0.1, max_size: int = 10_000, seed: int = 0):
    """A permutation of the training rows with the validation split last, and its size."""
    fit_idx, val_idx = validation_split(labels, fraction, max_size, seed)
    return np.concatenate([fit_idx, val_idx]), len(val_idx)


def few_label_indices(labels: np.ndarray, n_per_class: int, seed: int) -> np.ndarray:
    """Exactly ``n_per_class`` indices of every class, drawn without replacement (seeded), sorted."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        if len(members) < n_per_class:
            raise DcganError(f"class {cls} has {len(members)} training images outside the validation split; "
                             f"cannot draw {n_per_class} per class")
        chosen.append(rng.choice(members, n_per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def accuracy(model, X, y) -> float:
    return float(np.mean(model.predict(X) == np.asarray(y)))


def select_c(make_classifier: Callable[[], object], X_fit, y_fit, X_val, y_val, grid=DEFAULT_C_GRID):
    """Fit at every C (increasing, warm-started) on the fitting rows, score the validation rows.

    Returns ``(best_C, {C: validation accuracy}, model fitted at best C)``. Ties go to the smaller
    C (the more regularised model). Sees no test data: it is not given any.

    A classifier with ``prepare`` (``LinearSVM``) gets ``X_fit`` prepared once: its column
    statistics and Gram matrix are computed for the first C and reused for the others. That is
    safe because this function holds the prepared matrix only for this loop, in which nothing
    writes to ``X_fit``; it is dropped on return (the returned model keeps no reference to it).
    """
    scores: dict[float, float] = {}
    best = None
    model = make_classifier()
    prepare = getattr(model, "prepare", None)
    features = prepare(X_fit) if callable(prepare) else X_fit
    for C in sorted(grid):
        model.set_params(C=C).fit(features, y_fit)
        scores[C] = accuracy(model, X_val, y_val)
        if best is None or scores[C] > scores[best[0]]:
            best = (C, _snapshot(model))
    return best[0], scores, best[1]


def _snapshot(model):
    import copy

    return copy.deepcopy(model)


@dataclass
class ProtocolResult:
    """One method's row: full-label test accuracy and few-label accuracies over draws."""

    accuracy: float | None = None
    C: float | None = None
    val_scores: dict = field(default_factory=dict)
    few_label: list[float] = field(default_factory=list)
    few_label_C: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def few_label_mean(self) -> float | None:
        return float(np.mean(self.few_label)) if self.few_label else None

    @property
    def few_label_std(self) -> float | None:
        return float(np.std(self.few_label)) if self.few_label else None


def svm_protocol(X, y, X_test, y_test, n_val: int, make_classifier: Callable[[], object], *,
                 labels_per_class: int = 0, draws: int = 0, grid=DEFAULT_C_GRID, seed: int = 0,
                 full: bool = True, refit: bool = True) -> ProtocolResult:
    """Run the §5 protocol on features ``X`` (N, D) whose last ``n_val`` rows are the validation split."""
    y = np.asarray(y)
    n_fit = len(y) - n_val
    X_fit, y_fit, X_val, y_val = X[:n_fit], y[:n_fit], X[n_fit:], y[n_fit:]
    result = ProtocolResult()
    start = time.perf_counter()
    if full:
        result.C, result.val_scores, model = select_c(make_classifier, X_fit, y_fit, X_val, y_val, grid)
        if refit:  # the chosen C, refitted on the whole training set (warm-started from the split fit)
            model.set_params(C=result.C, warm_start=True).fit(X, y)
        result.accuracy = accuracy(model, X_test, y_test)
    for r in range(draws if labels_per_class > 0 else 0):
        idx = few_label_indices(y_fit, labels_per_class, seed=seed + 1000 + r)
        C, _, model = select_c(make_classifier, X_fit[idx], y_fit[idx], X_val, y_val, grid)
        result.few_label.append(accuracy(model, X_test, y_test))
        result.few_label_C.append(C)
    result.seconds = time.perf_counter() - start
    return result
