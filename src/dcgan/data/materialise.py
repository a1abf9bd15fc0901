"""A dataset (or a chosen part of it) as one uint8 tensor: what evaluation, classification, the
experiments, de-duplication and the diversity monitor need when they hold real images in memory.

In-memory datasets are indexed directly (no copy of the rest); streaming ones are decoded item
by item, in index order, so the same indices give the same images whichever reader is behind.
"""

from __future__ import annotations

import torch

from dcgan.data.types import ImageDataset, InMemoryImages


def materialise(dataset: ImageDataset, indices: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(images uint8 (N, C, H, W), labels int64 (N,), -1 where unlabelled) for ``indices`` (all if None)."""
    if isinstance(dataset, InMemoryImages):
        images = dataset.images if indices is None else dataset.images[indices]
        if dataset.labels is None:
            return images, torch.full((len(images),), -1, dtype=torch.int64)
        labels = dataset.labels if indices is None else dataset.labels[indices]
        return images, labels.to(torch.int64)
    order = range(len(dataset)) if indices is None else (int(i) for i in indices)
    items = [dataset[i] for i in order]
    if not items:
        raise ValueError("materialise: no images selected")
    images = torch.stack([torch.as_tensor(image) for image, _ in items])
    labels = torch.tensor([int(label) for _, label in items], dtype=torch.int64)
    return images, labels


def random_indices(total: int, count: int, seed: int) -> torch.Tensor:
    """``count`` distinct indices of ``range(total)`` drawn with ``seed``, sorted; all of them when
    ``count`` <= 0 or >= ``total``."""
    if count <= 0 or count >= total:
        return torch.arange(total)
    return torch.randperm(total, generator=torch.Generator().manual_seed(seed))[:count].sort().values
