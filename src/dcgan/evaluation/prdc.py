"""Precision/recall of k-NN manifolds and density/coverage.

- Precision and recall: Kynkäänniemi et al. 2019, "Improved precision and recall metric for
  assessing generative models" (k = 3): each set's manifold is the union of balls around its
  points with radius the distance to the k-th nearest neighbour in the same set; precision is
  the fraction of generated points inside the real manifold, recall the fraction of real points
  inside the generated one.
- Density and coverage: Naeem et al. 2020, "Reliable fidelity and diversity metrics for
  generative models" (k = 5): density = (1/k) * mean over generated points of how many real
  balls contain them; coverage = fraction of real balls that contain at least one generated point.

Matches the authors' reference code (clovaai/generative-evaluation-prdc ``compute_prdc``):
Euclidean distances, strict ``<`` against the radius, the k-th neighbour excluding the point
itself. Distances are computed in float32 chunks so 10k x 10k never sits in memory at once.
"""

from __future__ import annotations

import numpy as np
import torch


def _as_tensor(x) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x, dtype=np.float32))


def knn_radii(features, ks: tuple[int, ...], chunk: int = 2048) -> dict[int, np.ndarray]:
    """Distance from each row to its k-th nearest *other* row, for each k in ``ks``."""
    x = _as_tensor(features)
    kmax = max(ks)
    if len(x) <= kmax:
        raise ValueError(f"need more than k={kmax} points, got {len(x)}")
    parts = []
    for i in range(0, len(x), chunk):
        d = torch.cdist(x[i : i + chunk], x)
        # k+1 smallest includes the point itself at distance 0 (as the reference code).
        parts.append(d.topk(kmax + 1, dim=1, largest=False).values)
    nearest = torch.cat(parts).numpy()
    return {k: nearest[:, k] for k in ks}


def prdc(real, fake, k_pr: int = 3, k_dc: int = 5, chunk: int = 2048) -> dict[str, float]:
    """{'precision', 'recall' (k_pr), 'density', 'coverage' (k_dc)} for feature sets (N, d), (M, d)."""
    r, f = _as_tensor(real), _as_tensor(fake)
    real_radii = {k: torch.from_numpy(v) for k, v in knn_radii(r, (k_pr, k_dc), chunk).items()}
    fake_radii = torch.from_numpy(knn_radii(f, (k_pr,), chunk)[k_pr])
    in_real_pr = torch.zeros(len(f), dtype=torch.bool)
    density_count = torch.zeros(len(f), dtype=torch.float64)
    real_in_fake = torch.zeros(len(r), dtype=torch.bool)
    nearest_fake = torch.full((len(r),), float("inf"))
    for j in range(0, len(f), chunk):
        d = torch.cdist(f[j : j + chunk], r)  # (fake chunk, real)
        in_real_pr[j : j + chunk] = (d < real_radii[k_pr][None, :]).any(1)
        density_count[j : j + chunk] = (d < real_radii[k_dc][None, :]).sum(1).double()
        real_in_fake |= (d < fake_radii[j : j + chunk, None]).any(0)
        nearest_fake = torch.minimum(nearest_fake, d.min(0).values)
    return {
        "precision": float(in_real_pr.double().mean()),
        "recall": float(real_in_fake.double().mean()),
        "density": float(density_count.mean() / k_dc),
        "coverage": float((nearest_fake < real_radii[k_dc]).double().mean()),
        "prdc_k_precision_recall": k_pr,
        "prdc_k_density_coverage": k_dc,
    }
