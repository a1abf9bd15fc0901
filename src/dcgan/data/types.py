"""The dataset contract every reader follows.

``dataset[i]`` returns ``(image, label)``: ``image`` a uint8 tensor (C, H, W) already at the
model's resolution and channel count, ``label`` an int (-1 when the data has no labels, or for
the images of an unlabelled source in a multi-source dataset). Scaling to [-1, 1] (§4: the only
preprocessing) happens on the device, in ``to_model_range``.

A reader may also give per-image ``attributes`` (name -> long tensor, -1 = unknown; e.g.
UTKFace's gender, age, race from its file names) with ``attribute_names`` (name -> class names,
or None for a numeric attribute such as age in years). ``data.label`` picks one of them as the
label (``registry.relabel``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


class ImageDataset(torch.utils.data.Dataset):
    """Base class: readers set ``description`` and may set ``labels``/``class_names``."""

    description: str = ""
    class_names: list[str] | None = None

    @property
    def num_classes(self) -> int:
        return len(self.class_names) if self.class_names else 0


@dataclass
class InMemoryImages(ImageDataset):
    """All images decoded in one uint8 tensor (N, C, H, W); batches are gathered by indexing."""

    images: torch.Tensor
    labels: torch.Tensor | None = None
    description: str = ""
    class_names: list[str] | None = field(default=None)
    attributes: dict[str, torch.Tensor] | None = field(default=None)
    attribute_names: dict[str, list[str] | None] | None = field(default=None)

    def __post_init__(self):
        if self.images.dtype != torch.uint8 or self.images.dim() != 4:
            raise ValueError(f"images must be uint8 (N, C, H, W), got {self.images.dtype} {tuple(self.images.shape)}")
        if self.labels is not None and len(self.labels) != len(self.images):
            raise ValueError("labels and images differ in length")
        for name, values in (self.attributes or {}).items():
            if len(values) != len(self.images):
                raise ValueError(f"attribute '{name}' and images differ in length")

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int):
        label = int(self.labels[index]) if self.labels is not None else -1
        return self.images[index], label

    def subset(self, indices: torch.Tensor) -> InMemoryImages:
        labels = self.labels[indices] if self.labels is not None else None
        attributes = {k: v[indices] for k, v in self.attributes.items()} if self.attributes else None
        return InMemoryImages(self.images[indices], labels, self.description + f" [subset of {len(indices)}]",
                              self.class_names, attributes, self.attribute_names)


def to_model_range(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float32 [-1, 1], the Tanh range (§4)."""
    return images_uint8.float().div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float [-1, 1] (N, C, H, W) -> uint8 [0, 255], rounding to nearest."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round_().to(torch.uint8)
