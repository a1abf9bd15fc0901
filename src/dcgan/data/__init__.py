"""Data: one registry of readers, images delivered as uint8 (C, H, W) and scaled to [-1, 1] on device."""

from dcgan.data import formats as _formats  # noqa: F401 - the readers of users' data register on import
from dcgan.data.registry import DATASETS, open_dataset, register_dataset
from dcgan.data.types import ImageDataset, InMemoryImages

__all__ = ["DATASETS", "ImageDataset", "InMemoryImages", "open_dataset", "register_dataset"]
