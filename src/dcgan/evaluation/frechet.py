"""Fréchet distance between Gaussians fitted to two feature sets (the "FID" when the features
are InceptionV3 pool3; Heusel et al. 2017, "GANs trained by a two time-scale update rule").

    d^2 = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2})

Matches pytorch-fid's ``calculate_frechet_distance`` (and TTUR's ``fid.py``): float64 means and
``np.cov(rowvar=False)`` (unbiased) covariances, ``scipy.linalg.sqrtm`` of the product; if the
square root is not finite (singular product), ``eps`` is added to both diagonals and it is
recomputed; a complex result whose diagonal imaginary part exceeds 1e-3 is an error, otherwise
the real part is kept.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import linalg


@dataclass
class GaussianStats:
    """Mean (d,) and covariance (d, d) of a feature set, float64, and how many rows made them."""

    mu: np.ndarray
    sigma: np.ndarray
    count: int

    @classmethod
    def of(cls, features: np.ndarray) -> GaussianStats:
        feats = np.asarray(features, dtype=np.float64)
        if feats.ndim != 2 or feats.shape[0] < 2:
            raise ValueError(f"need a (N >= 2, d) feature array, got shape {feats.shape}")
        return cls(feats.mean(axis=0), np.cov(feats, rowvar=False), feats.shape[0])


def frechet_distance(mu1, sigma1, mu2, sigma2, eps: float = 1e-6) -> float:
    """Squared Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2) (pytorch-fid's formula)."""
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    sigma1, sigma2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (mu1.size, mu1.size):
        raise ValueError(f"shapes differ: mu {mu1.shape} vs {mu2.shape}, sigma {sigma1.shape} vs {sigma2.shape}")
    diff = mu1 - mu2
    with warnings.catch_warnings():
        # Dead ReLU units make covariances singular; scipy then warns, but the root of the
        # product stays accurate (tests compare with an eigendecomposition), as in pytorch-fid.
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        # Singular product (e.g. fewer samples than dimensions, or dead units): regularise as pytorch-fid.
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"Fréchet distance: imaginary component {np.max(np.abs(covmean.imag)):.3g} in sqrtm")
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def frechet_between(a: GaussianStats, b: GaussianStats) -> float:
    return frechet_distance(a.mu, a.sigma, b.mu, b.sigma)
