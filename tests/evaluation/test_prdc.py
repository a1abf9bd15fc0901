"""Precision/recall/density/coverage against a direct transcription of the papers' definitions
(scipy cdist, explicit loops), plus the behaviour a collapsed set must show."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from dcgan.evaluation.prdc import knn_radii, prdc


def reference_prdc(real, fake, k_pr=3, k_dc=5):
    drr, dff, drf = cdist(real, real), cdist(fake, fake), cdist(real, fake)
    kth = lambda d, k: np.sort(d, axis=1)[:, k]  # column 0 is the point itself
    r_pr, r_dc, f_pr = kth(drr, k_pr), kth(drr, k_dc), kth(dff, k_pr)
    precision = np.mean([any(drf[i, j] < r_pr[i] for i in range(len(real))) for j in range(len(fake))])
    recall = np.mean([any(drf[i, j] < f_pr[j] for j in range(len(fake))) for i in range(len(real))])
    density = np.mean([sum(drf[i, j] < r_dc[i] for i in range(len(real))) for j in range(len(fake))]) / k_dc
    coverage = np.mean([drf[i].min() < r_dc[i] for i in range(len(real))])
    return precision, recall, density, coverage


@pytest.mark.parametrize("shift", [0.0, 0.7])
def test_matches_definition(shift):
    rng = np.random.default_rng(int(shift * 10))
    real, fake = rng.normal(size=(70, 5)), rng.normal(shift, 0.8, size=(55, 5))
    got = prdc(real, fake, chunk=16)  # small chunks exercise the chunked accumulation
    want = reference_prdc(real, fake)
    assert (got["precision"], got["recall"], got["density"], got["coverage"]) == pytest.approx(want, abs=1e-9)


def test_radii_exclude_the_point_itself():
    x = np.array([[0.0], [1.0], [3.0], [6.0]])
    assert knn_radii(x, (1, 2))[1].tolist() == [1.0, 1.0, 2.0, 3.0]
    assert knn_radii(x, (1, 2))[2].tolist() == [3.0, 2.0, 3.0, 5.0]


def test_collapsed_samples_lose_recall_and_coverage():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(400, 8))
    fresh = rng.normal(size=(400, 8))
    collapsed = real[:1] + 0.01 * rng.normal(size=(400, 8))
    good, bad = prdc(real, fresh), prdc(real, collapsed)
    assert bad["recall"] < 0.1 < good["recall"]
    assert bad["coverage"] < 0.1 < good["coverage"]
