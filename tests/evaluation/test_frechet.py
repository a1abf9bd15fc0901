"""Fréchet distance against the closed form for Gaussians (computed here by eigendecomposition,
independently of scipy's sqrtm), self-distance, singular covariances."""

import numpy as np
import pytest

from dcgan.evaluation.frechet import GaussianStats, frechet_between, frechet_distance


def _sqrt_psd(a):
    w, v = np.linalg.eigh(a)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def closed_form(mu1, s1, mu2, s2):
    # Tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2): the symmetric form, equal to Tr((S1 S2)^1/2).
    r1 = _sqrt_psd(s1)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * _sqrt_psd(r1 @ s2 @ r1)))


def random_spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def test_one_dimensional_gaussians():
    # (m1 - m2)^2 + (s1 - s2)^2 for N(m, s^2)
    assert frechet_distance([1.0], [[4.0]], [-2.0], [[9.0]]) == pytest.approx(9 + 1, rel=1e-9)


@pytest.mark.parametrize("d", [2, 8, 64])
def test_matches_closed_form_for_full_covariances(d):
    rng = np.random.default_rng(d)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = random_spd(rng, d), random_spd(rng, d)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(closed_form(mu1, s1, mu2, s2), rel=1e-6, abs=1e-8)


def test_sample_estimate_approaches_population_value():
    rng = np.random.default_rng(0)
    d = 4
    mu1, mu2 = np.zeros(d), np.full(d, 0.5)
    s1, s2 = random_spd(rng, d), random_spd(rng, d)
    x = rng.multivariate_normal(mu1, s1, 50_000)
    y = rng.multivariate_normal(mu2, s2, 50_000)
    estimate = frechet_between(GaussianStats.of(x), GaussianStats.of(y))
    assert estimate == pytest.approx(closed_form(mu1, s1, mu2, s2), rel=0.05)


def test_set_against_itself_is_zero():
    feats = np.random.default_rng(1).normal(size=(500, 32))
    stats = GaussianStats.of(feats)
    assert abs(frechet_between(stats, stats)) < 1e-6


def test_dead_units_still_match_closed_form():
    rng = np.random.default_rng(3)
    a, b = np.maximum(rng.normal(size=(3000, 32)), 0), np.maximum(rng.normal(0.2, 1.1, size=(3000, 32)), 0)
    a[:, :6] = b[:, :6] = 0.0  # dead ReLU units: singular covariances, as the classifier's features have
    sa, sb = GaussianStats.of(a), GaussianStats.of(b)
    assert frechet_between(sa, sb) == pytest.approx(closed_form(sa.mu, sa.sigma, sb.mu, sb.sigma), rel=1e-6)


def test_singular_covariances_give_a_finite_value():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(20, 64)), rng.normal(size=(20, 64)) + 1.0  # rank 19 < 64
    a[:, :8] = 0.0  # dead units, as ReLU features have
    value = frechet_between(GaussianStats.of(a), GaussianStats.of(b))
    assert np.isfinite(value) and value > 0


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
