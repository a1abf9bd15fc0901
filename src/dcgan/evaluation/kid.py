"""Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs", §4).

Unbiased estimate of the squared MMD with the cubic polynomial kernel
``k(x, y) = (x.y / d + 1)^3``, computed on ``num_subsets`` random subsets of ``subset_size``
rows drawn without replacement from each set; reports the mean and the standard deviation over
subsets. Defaults (100 subsets of 1000) and the estimator match clean-fid's
``kernel_distance`` and torch-fidelity's KID (which also report mean/std this way);
subsets come from a seeded ``numpy.random.Generator`` so numbers are reproducible.
"""

from __future__ import annotations

import numpy as np


def polynomial_kernel(x: np.ndarray, y: np.ndarray, degree: int = 3, coef0: float = 1.0) -> np.ndarray:
    return (x @ y.T / x.shape[1] + coef0) ** degree


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 between equal-sized sets x, y (m, d): off-diagonal means of k(x,x), k(y,y)
    minus twice the mean of k(x,y)."""
    m = x.shape[0]
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(within - 2 * kxy.sum() / (m * m))


def kernel_distance(
    real: np.ndarray, fake: np.ndarray, num_subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> dict[str, float]:
    """KID between feature sets (N, d) and (M, d): {'kid_mean', 'kid_std', 'kid_subset_size', 'kid_subsets'}."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    m = min(len(real), len(fake), subset_size)
    if m < 2:
        raise ValueError("KID needs at least 2 rows in each set")
    rng = np.random.default_rng(seed)
    values = np.array([
        mmd2_unbiased(fake[rng.choice(len(fake), m, replace=False)], real[rng.choice(len(real), m, replace=False)])
        for _ in range(num_subsets)
    ])
    return {"kid_mean": float(values.mean()), "kid_std": float(values.std()), "kid_subset_size": m,
            "kid_subsets": num_subsets}
