"""The paper's classifier (§5): a regularised linear L2-SVM, one-vs-rest.

For every class k, with y_ik = +1 for class k and -1 otherwise, minimise (LinearSVC's objective,
liblinear's L2-regularised L2-loss SVC, bias as a constant feature of value 1):

    0.5 * (||w_k||^2 + b_k^2) + C * sum_i max(0, 1 - y_ik * (w_k . x_i + b_k))^2

Two solvers of the same objective:
- ``lbfgs`` (default): full-batch L-BFGS in float32 PyTorch, all classes at once. A pass over the
  data is one (N, D) x (D, K) matrix product, so 60,000 x 7,168 features take seconds a pass on
  two CPU cores, memory stays at the float32 feature matrix (no float64 copy, no liblinear sparse
  copy at 16 bytes a value), and a CUDA device is used when given. The test suite checks it
  against scikit-learn's ``LinearSVC``.
- ``liblinear``: scikit-learn's ``LinearSVC(loss="squared_hinge", penalty="l2", dual="auto")``,
  what the authors' script used; fine for small problems.

``standardize=True`` (the default here; the paper does not say) fits on features shifted and
scaled to zero mean and unit variance over the training rows (done implicitly, without copying
the matrix). Pooled activations of different layers differ in scale by orders of magnitude, and
standardising makes the problem well conditioned, so the solver converges in far fewer passes and
one C grid serves every feature type. ``coef_``/``intercept_`` are reported in the original space.

What a fit derives from the matrix alone (column mean/std, the preconditioner's Gram matrix) is
computed by every ``fit(X, y)`` from ``X`` as it is then: there is no hidden cache, so a matrix
changed in place, or another one at a reused address, is never fitted with stale statistics. A
caller that fits one matrix many times (the C search, ``protocol.select_c``) computes them once,
explicitly: ``prepared = model.prepare(X)``, then ``model.fit(prepared, y)`` at every C. The
prepared object is the caller's promise not to change ``X`` while it uses it (torch in-place
writes to the prepared tensor are detected and refused; writes through a NumPy view cannot be).
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin

SOLVERS = ("lbfgs", "liblinear")
PRECONDITIONERS = (True, False, "auto", "cholesky", "lowrank")
# ``precondition="auto"`` uses the Gram-Cholesky preconditioner up to this many features. Its cost
# is a D x D Gram matrix and a float64 Cholesky per fit (~D^3 / 3): seconds at the 7,168 features
# of a 4x4 DCGAN, minutes per C value at the Table 1 model's 28,672 (several per C search). Above
# it "auto" takes the low-rank preconditioner: the top ``precondition_rank`` eigenvectors of the
# same second-moment matrix by randomized SVD (``torch.svd_lowrank`` of the sampled rows), once
# per prepared matrix, then each pass costs two (D, rank) x (rank, K) products more.
PRECONDITION_MAX_DIM = 12_288


def column_stats(X: torch.Tensor, chunk: int = 8192) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-column mean and std of (N, D) float32 ``X``, accumulated in float64 chunk by chunk."""
    total = torch.zeros(X.shape[1], dtype=torch.float64, device=X.device)
    squares = torch.zeros_like(total)
    for i in range(0, X.shape[0], chunk):
        part = X[i : i + chunk].double()
        total += part.sum(0)
        squares += (part * part).sum(0)
    mean = total / X.shape[0]
    var = (squares / X.shape[0] - mean * mean).clamp_min(0)
    std = var.sqrt()
    std[std < 1e-12] = 1.0  # constant columns: leave unscaled (their weight is then 0 anyway)
    return mean.float(), std.float()


def one_vs_rest_targets(y: np.ndarray, classes: np.ndarray) -> torch.Tensor:
    """(N,) labels -> (N, K) of +1/-1; a single column (+1 = classes[1]) when K == 2."""
    index = np.searchsorted(classes, y)
    if len(classes) == 2:
        return torch.from_numpy(np.where(index == 1, 1.0, -1.0).astype(np.float32)).unsqueeze(1)
    targets = -np.ones((len(y), len(classes)), dtype=np.float32)
    targets[np.arange(len(y)), index] = 1.0
    return torch.from_numpy(targets)


def primal_objective(X, targets, coef, intercept, C: float, mean=None, std=None) -> float:
    """LinearSVC's objective (summed over one-vs-rest columns) at ``coef`` (K, D), ``intercept`` (K,),
    with the weights and bias measured in the standardised space when ``mean``/``std`` are given."""
    X, targets = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(targets, dtype=torch.float32)
    coef, intercept = torch.as_tensor(coef, dtype=torch.float32), torch.as_tensor(intercept, dtype=torch.float32)
    scores = X @ coef.T + intercept
    if mean is not None:
        v = coef * torch.as_tensor(std)  # weights in the standardised space
        c = intercept + coef @ torch.as_tensor(mean)
    else:
        v, c = coef, intercept
    hinge = torch.relu(1 - targets * scores)
    return float(0.5 * (v.pow(2).sum() + c.pow(2).sum()) + C * hinge.pow(2).sum())


class _FixedRowsProduct(torch.autograd.Function):
    """``X @ w`` for a fixed (N, D) matrix ``X`` and a narrow (D, K) ``w``, differentiable in ``w`` only.

    Written out because autograd's own backward of ``X @ w`` is ``X.T @ grad``, a product with the
    transposed view of ``X`` that runs ~8x slower on a CPU than the same numbers computed as
    ``(grad.T @ X).T`` (measured at 10,000 x 28,672, K = 10, one thread: 7.8 s vs 0.4 s); the
    forward is taken the same way round ((w.T @ X.T).T: 0.46 s vs 0.78 s). Both read ``X`` row by row."""

    @staticmethod
    def forward(ctx, X, w):
        ctx.save_for_backward(X)
        return (w.T @ X.T).T

    @staticmethod
    def backward(ctx, grad):
        (X,) = ctx.saved_tensors
        return None, (grad.T @ X).T


def _as_float_tensor(X, device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(X, dtype=np.float32) if not torch.is_tensor(X) else X).float().to(device)


class PreparedFeatures:
    """A float32 feature matrix on its device with the statistics ``LinearSVM.fit`` derives from it
    (column mean/std; Gram matrices on first use), computed once for many fits of the same matrix.

    Made with ``LinearSVM.prepare(X)`` by the code that owns ``X`` and fits it repeatedly, and
    passed to ``fit`` in place of ``X``. The statistics describe ``X`` as it was when prepared: the
    tensor's in-place version counter is recorded and ``fit`` refuses the object once torch has
    written to the tensor; changing it through a NumPy array sharing its memory is not detectable,
    so do not modify ``X`` while a prepared object for it is in use. ``np.asarray(prepared)`` is
    the matrix itself (no copy on CPU)."""

    def __init__(self, X, standardize: bool = True, device: str | torch.device = "cpu"):
        self.X = _as_float_tensor(X, torch.device(device))
        self.standardize = bool(standardize)
        if self.standardize:
            self.mean, self.std = column_stats(self.X)
        else:
            self.mean = torch.zeros(self.X.shape[1], device=self.X.device)
            self.std = torch.ones(self.X.shape[1], device=self.X.device)
        self._grams: dict[int, torch.Tensor] = {}
        self._spectra: dict[tuple[int, int], tuple[torch.Tensor, torch.Tensor]] = {}
        self._version = self.X._version

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.X.shape)

    def __len__(self) -> int:
        return self.X.shape[0]

    def __array__(self, dtype=None, copy=None):
        array = self.X.detach().cpu().numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def check_unchanged(self) -> None:
        if self.X._version != self._version:
            raise ValueError("the feature matrix was modified in place after LinearSVM.prepare(); prepare it again")

    def _sampled_rows(self, precondition_rows: int) -> torch.Tensor:
        """At most ``precondition_rows`` evenly spaced rows (all when 0), standardised, with a
        constant bias column: what both preconditioners estimate the Hessian from."""
        step = max(1, self.X.shape[0] // precondition_rows) if precondition_rows else 1
        Z = (self.X[::step] - self.mean) / self.std
        return torch.cat([Z, torch.ones(Z.shape[0], 1, device=Z.device)], dim=1)

    def gram(self, precondition_rows: int) -> torch.Tensor:
        """Second moment (D+1, D+1) of the standardised features with a constant bias column, from
        at most ``precondition_rows`` evenly spaced rows (all rows when 0)."""
        if precondition_rows not in self._grams:
            Z = self._sampled_rows(precondition_rows)
            self._grams[precondition_rows] = (Z.T @ Z).double() / Z.shape[0]
        return self._grams[precondition_rows]

    def spectrum(self, precondition_rows: int, rank: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Top ``rank`` eigenpairs of the matrix ``gram`` describes, without forming it: (D+1, r)
        orthonormal vectors and their r eigenvalues (descending), by randomized SVD of the sampled
        standardised rows (with the bias column); seeded, so a prepared matrix always gives the same."""
        key = (precondition_rows, rank)
        if key not in self._spectra:
            Z = self._sampled_rows(precondition_rows)
            rank = min(rank, *Z.shape)
            with torch.random.fork_rng(devices=[Z.device] if Z.device.type == "cuda" else []):
                torch.manual_seed(0)
                _, singular, vectors = torch.svd_lowrank(Z, q=rank, niter=2)
            self._spectra[key] = (vectors.contiguous(), singular.double().pow(2) / Z.shape[0])
        return self._spectra[key]


def _same_device(asked: torch.device, actual: torch.device) -> bool:
    return asked.type == actual.type and (asked.index is None or asked.index == actual.index)


class LinearSVM(ClassifierMixin, BaseEstimator):
    """Squared-hinge, L2-penalised linear SVM, one-vs-rest. ``X``: float (N, D); ``y``: (N,) labels."""

    def __init__(self, C: float = 1.0, standardize: bool = True, solver: str = "lbfgs", tol: float = 1e-4,
                 max_iter: int = 1000, device: str = "cpu", warm_start: bool = False, precondition: bool | str = "auto",
                 precondition_rows: int = 8192, precondition_rank: int = 256):
        self.C = C
        self.standardize = standardize
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.device = device
        self.warm_start = warm_start
        self.precondition = precondition
        self.precondition_rows = precondition_rows
        self.precondition_rank = precondition_rank

    def prepare(self, X) -> PreparedFeatures:
        """``X`` with its statistics for this estimator's ``standardize`` and ``device``, for many
        ``fit(prepared, y)`` calls on the same matrix (see ``PreparedFeatures``)."""
        return PreparedFeatures(X, self.standardize, self.device)

    def fit(self, X, y):
        """Fit on ``X`` (N, D): an array or tensor (statistics computed from it now), or a
        ``PreparedFeatures`` from ``prepare`` (statistics computed when it was prepared)."""
        if self.solver not in SOLVERS:
            raise ValueError(f"solver='{self.solver}': use one of {SOLVERS}")
        if self.C <= 0:
            raise ValueError(f"C must be positive, got {self.C}")
        if self.precondition not in PRECONDITIONERS:
            raise ValueError(f"precondition={self.precondition!r}: use one of {PRECONDITIONERS}")
        y = np.asarray(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError("need at least two classes to train a classifier")
        device = torch.device(self.device)
        if isinstance(X, PreparedFeatures):
            if X.standardize != bool(self.standardize) or not _same_device(device, X.X.device):
                raise ValueError(f"features prepared with standardize={X.standardize} on {X.X.device}, but this "
                                 f"LinearSVM has standardize={self.standardize}, device='{self.device}'")
            X.check_unchanged()
            prepared = X
        else:
            prepared = PreparedFeatures(X, self.standardize, device)  # this fit only: nothing kept
        Xt, mean, std = prepared.X, prepared.mean, prepared.std
        targets = one_vs_rest_targets(y, classes).to(device)
        previous = (getattr(self, "_v", None), getattr(self, "_c", None))
        if not (self.warm_start and previous[0] is not None and previous[0].shape == (Xt.shape[1], targets.shape[1])):
            previous = (None, None)
        if self.solver == "liblinear":
            v, c = self._fit_liblinear(Xt, y, mean, std)
        else:
            v, c = self._fit_lbfgs(Xt, targets, mean, std, *previous, prepared=prepared)
        self.classes_ = classes
        self._v, self._c = v, c  # standardised-space solution (for warm starts)
        coef = (v / std.unsqueeze(1)).T  # (K, D) in the original feature space
        self.coef_ = coef.cpu().numpy()
        self.intercept_ = (c - coef @ mean).cpu().numpy()
        self.mean_, self.scale_ = mean.cpu().numpy(), std.cpu().numpy()
        self.n_features_in_ = Xt.shape[1]
        return self

    def preconditioner(self, n_features: int) -> str:
        """Which preconditioner a fit with ``n_features`` columns uses: "cholesky", "lowrank" or "none"."""
        if self.precondition in (True, "cholesky"):
            return "cholesky"
        if self.precondition == "auto":
            return "cholesky" if n_features <= PRECONDITION_MAX_DIM else "lowrank"
        return "lowrank" if self.precondition == "lowrank" else "none"

    def _fit_lbfgs(self, X, targets, mean, std, v0=None, c0=None, *, prepared: PreparedFeatures):
        n, d, k = X.shape[0], X.shape[1], targets.shape[1]
        theta0 = torch.zeros(d + 1, k, device=X.device)  # rows: weights (standardised space), then bias
        if v0 is not None:
            theta0 = torch.cat([v0, c0.unsqueeze(0)])
        inv_std = 1.0 / std

        def scores_of(theta):
            w = theta[:-1] * inv_std.unsqueeze(1)
            return _FixedRowsProduct.apply(X, w) + (theta[-1] - mean @ w)

        # The objective divided by C * N: same minimiser, gradients of order one for any C and N.
        reg = 0.5 / (self.C * n)
        # Change of variables theta = P u with P^-2 ~ the Hessian, I / (C N) + 2 rho E[z z^T] (rho:
        # fraction of margin violators at the start), so L-BFGS sees a well-conditioned problem:
        # tens of passes over the data instead of hundreds, whatever C.
        kind = self.preconditioner(d)
        self.preconditioner_ = kind
        with torch.no_grad():
            rho = max(float((targets * scores_of(theta0) < 1).float().mean()) if v0 is not None else 1.0, 0.05)
        if kind == "cholesky":  # P = L^-T with L L^T the Hessian estimate
            with torch.no_grad():
                hessian = 2 * rho * prepared.gram(self.precondition_rows)
                hessian.diagonal().add_(2 * reg)
                upper = torch.linalg.cholesky(hessian).T.float().contiguous()  # L^T
                u0 = upper @ theta0

            def theta_of(u):
                return torch.linalg.solve_triangular(upper, u, upper=True)
        elif kind == "lowrank":
            # Hessian estimate H = V diag(a) V^T + b (I - V V^T): its top eigenpairs (a) exactly,
            # every other direction at the smallest eigenvalue found (b); P = H^-1/2 in closed form.
            vectors, values = prepared.spectrum(self.precondition_rows, self.precondition_rank)
            a = 2 * rho * values + 2 * reg
            b = 2 * rho * float(values[-1]) + 2 * reg
            shrink = (a.rsqrt() - b**-0.5).float().unsqueeze(1)  # P = V diag(shrink) V^T + b^-1/2 I
            grow = (a.sqrt() - b**0.5).float().unsqueeze(1)  # P^-1, the same way
            with torch.no_grad():
                u0 = vectors @ (grow * (vectors.T @ theta0)) + b**0.5 * theta0

            def theta_of(u):
                return vectors @ (shrink * (vectors.T @ u)) + b**-0.5 * u
        else:
            u0 = theta0

            def theta_of(u):
                return u
        u = u0.clone().requires_grad_(True)
        optimizer = torch.optim.LBFGS([u], lr=1, max_iter=self.max_iter, history_size=20,
                                      tolerance_grad=self.tol, tolerance_change=1e-12,
                                      line_search_fn="strong_wolfe")

        def closure():
            optimizer.zero_grad()
            theta = theta_of(u)
            hinge = torch.relu(1 - targets * scores_of(theta))
            loss = hinge.pow(2).sum() / n + reg * theta.pow(2).sum()
            loss.backward()
            return loss

        optimizer.step(closure)
        state = optimizer.state[optimizer._params[0]]
        self.n_iter_ = int(state.get("n_iter", 0))
        self.n_evals_ = int(state.get("func_evals", 0))
        with torch.no_grad():
            theta = theta_of(u).detach()
        return theta[:-1], theta[-1]

    def _fit_liblinear(self, X, y, mean, std):
        from sklearn.svm import LinearSVC

        Z = ((X - mean) / std).cpu().numpy()
        svc = LinearSVC(C=self.C, loss="squared_hinge", penalty="l2", dual="auto", tol=self.tol,
                        max_iter=self.max_iter, intercept_scaling=1.0).fit(Z, y)
        self.n_iter_ = int(np.max(svc.n_iter_))
        v = torch.as_tensor(svc.coef_.T.copy(), dtype=torch.float32, device=X.device)
        c = torch.as_tensor(svc.intercept_.copy(), dtype=torch.float32, device=X.device)
        return v, c

    def decision_function(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        if len(self.classes_) == 2:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
