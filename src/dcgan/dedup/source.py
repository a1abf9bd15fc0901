"""Images for de-duplication (§4.1.1): any project dataset as 32x32x3 uint8 batches.

The paper hashes "32x32 downsampled center-crops"; ``open_dataset(..., resolution=32,
channels=3)`` gives exactly that (short side to 32, centre crop). One-channel data (e.g.
Fashion-MNIST) is repeated to three identical channels by the data layer's ``convert_channels``,
so the 3072-input autoencoder of the paper is used unchanged for grey images.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from dcgan import DcganError
from dcgan.data import open_dataset
from dcgan.data.materialise import materialise
from dcgan.data.types import ImageDataset

HASH_RESOLUTION = 32
HASH_CHANNELS = 3


def open_for_dedup(name: str, split: str = "train", path: str = "") -> ImageDataset:
    """Open a dataset by name or path at the hash's 32x32x3 (no keep list: indices are the full dataset's)."""
    return open_dataset(name, resolution=HASH_RESOLUTION, channels=HASH_CHANNELS, split=split, path=path)


def gather(dataset: ImageDataset, indices: torch.Tensor) -> torch.Tensor:
    """uint8 (len(indices), 3, 32, 32) for the given dataset indices."""
    images = materialise(dataset, indices)[0]
    if images.dtype != torch.uint8 or tuple(images.shape[1:]) != (HASH_CHANNELS, HASH_RESOLUTION, HASH_RESOLUTION):
        raise DcganError(f"dedup needs uint8 images (3, 32, 32), the dataset gave {images.dtype} {tuple(images.shape[1:])}")
    return images


def iter_batches(dataset: ImageDataset, batch_size: int, indices: torch.Tensor | None = None) -> Iterator[torch.Tensor]:
    """uint8 batches in index order (all images, or ``indices``)."""
    indices = torch.arange(len(dataset)) if indices is None else indices
    for start in range(0, len(indices), batch_size):
        yield gather(dataset, indices[start : start + batch_size])
