"""Nearest neighbours: the authors' memorisation/fit measure and a picture to look at.

- ``nnd_score``: as ``nnd_score(gX, vaX, metric='euclidean')`` in the authors' released code
  (Newmu/dcgan_code, ``lib/metrics.py``, logged as ``1k_va_nnd``/``10k_va_nnd``/``100k_va_nnd``):
  for every held-out real image, the Euclidean distance to its nearest generated sample, in
  pixel space with images flattened and scaled to [0, 1] (their MNIST script divides by 255),
  averaged over the held-out images. Lower means the samples come closer to unseen data; it
  falls as more samples are drawn, so the sample count is part of its name.
- ``nearest_neighbour_grid``: each sample followed by its nearest training images in pixel
  space and then in feature space (the paper's §6 warns small transforms fool pixel distances,
  hence both) — a visual memorisation check, not a score.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from dcgan.images import make_grid, to_pil


def _flat_unit(images_uint8: torch.Tensor) -> torch.Tensor:
    return images_uint8.reshape(len(images_uint8), -1).float() / 255.0


def nearest(queries: torch.Tensor, pool: torch.Tensor, k: int = 1, chunk: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """For each query row, the distances and indices of its k nearest rows of ``pool`` (Euclidean)."""
    dists, idxs = [], []
    for i in range(0, len(queries), chunk):
        d = torch.cdist(queries[i : i + chunk], pool)
        top = d.topk(min(k, len(pool)), dim=1, largest=False)
        dists.append(top.values)
        idxs.append(top.indices)
    return torch.cat(dists), torch.cat(idxs)


def nnd_score(samples_uint8: torch.Tensor, heldout_uint8: torch.Tensor) -> float:
    """Mean over held-out images of the [0,1]-pixel Euclidean distance to the nearest sample."""
    if samples_uint8.shape[1:] != heldout_uint8.shape[1:]:
        raise ValueError(f"image shapes differ: {tuple(samples_uint8.shape[1:])} vs {tuple(heldout_uint8.shape[1:])}")
    d, _ = nearest(_flat_unit(heldout_uint8), _flat_unit(samples_uint8))
    return float(d[:, 0].double().mean())


def nearest_neighbour_grid(
    samples_uint8: torch.Tensor,
    train_uint8: torch.Tensor,
    path: str | Path,
    sample_features: np.ndarray | None = None,
    train_features: np.ndarray | None = None,
    k: int = 4,
    scale: int = 2,
) -> Path:
    """PNG: one row per sample: [sample | k nearest training images (pixels) | k nearest (features)].

    A mid-grey tile separates the groups. Feature-space neighbours are skipped when no features are given."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _, pix_idx = nearest(_flat_unit(samples_uint8), _flat_unit(train_uint8), k)
    groups = [pix_idx]
    if sample_features is not None and train_features is not None:
        _, feat_idx = nearest(torch.as_tensor(sample_features, dtype=torch.float32),
                              torch.as_tensor(train_features, dtype=torch.float32), k)
        groups.append(feat_idx)
    blank = torch.full_like(samples_uint8[:1], 128)  # mid-grey: visible on black and white backgrounds
    tiles = []
    for i in range(len(samples_uint8)):
        tiles.append(samples_uint8[i : i + 1])
        for idx in groups:
            tiles.append(blank)
            tiles.append(train_uint8[idx[i]])
    row_len = 1 + len(groups) * (k + 1)
    grid = make_grid(torch.cat(tiles), nrow=row_len)
    img = to_pil(grid)
    if scale > 1:
        from PIL import Image

        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    img.save(path)
    return path
