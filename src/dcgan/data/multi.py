"""Several sources as one dataset (``data.name=a.zip,b.zip``), and choosing the label (``data.label``).

Each source is opened by its own reader at the same resolution and channel count, so every
image goes through the package's one resize policy (``data.transforms``: short side to the
resolution, bicubic antialiased, centre crop; CelebA's 89x109 becomes 64x78, then the centre
64x64). Sources are concatenated in the order given; item ``i`` of source ``k`` is item
``offset_k + i``.

Labels are kept where a source has them: class names are merged by name (the union, in order
of first appearance), and an image of a source without labels gets -1 ("unknown"). The same
holds for attributes (an attribute a source lacks is -1 for its images). Every multi-source
dataset also has the attribute ``source`` (the source's position in the list), so
``data.label=source`` labels each image by where it came from.
"""

from __future__ import annotations

import torch

from dcgan import DcganError
from dcgan.data.types import ImageDataset, InMemoryImages

DEFAULT_LABEL = ("", "default")


def split_names(name: str) -> list[str]:
    """'a.zip, b.zip' -> ['a.zip', 'b.zip']; a single name -> [name]."""
    parts = [p.strip() for p in str(name).split(",")]
    if any(not p for p in parts):
        raise DcganError(f"data.name '{name}': empty entry in the comma-separated list of sources")
    return parts


def _merged_names(datasets: list[ImageDataset]) -> list[str] | None:
    names: list[str] = []
    for d in datasets:
        for n in d.class_names or []:
            if n not in names:
                names.append(n)
    return names or None


def _remap(values: torch.Tensor | None, own: list[str] | None, merged: list[str] | None, n: int) -> torch.Tensor:
    if values is None:
        return torch.full((n,), -1, dtype=torch.long)
    if not own or not merged:
        return values.long()
    table = torch.tensor([merged.index(c) for c in own] + [-1], dtype=torch.long)  # index -1 -> last entry (-1)
    return table[values.long()]


class ConcatImages(ImageDataset):
    """Sources that are not all in memory: items are looked up in the source that holds them."""

    def __init__(self, datasets: list[ImageDataset], description: str):
        self.datasets = datasets
        self.offsets = torch.tensor([0] + [len(d) for d in datasets]).cumsum(0)
        self.class_names = _merged_names(datasets)
        self._tables = [_remap(torch.arange(len(d.class_names)), d.class_names, self.class_names, len(d.class_names))
                        if d.class_names else None for d in datasets]
        self.description = description

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, index: int):
        k = int(torch.searchsorted(self.offsets, torch.tensor(index), right=True)) - 1
        image, label = self.datasets[k][index - int(self.offsets[k])]
        table = self._tables[k]
        if table is None or label < 0:
            return image, -1
        return image, int(table[label])


def concat_datasets(datasets: list[ImageDataset], names: list[str]) -> ImageDataset:
    """One dataset from several (same resolution and channels); in memory when all sources are."""
    parts = "; ".join(getattr(d, "description", n) for d, n in zip(datasets, names))
    description = f"{len(datasets)} sources, {sum(len(d) for d in datasets)} images: {parts}"
    if not all(isinstance(d, InMemoryImages) for d in datasets):
        return ConcatImages(datasets, description)
    shapes = {tuple(d.images.shape[1:]) for d in datasets}
    if len(shapes) != 1:
        raise DcganError(f"sources {', '.join(names)} differ in image shape {sorted(shapes)}")
    merged = _merged_names(datasets)
    labels = torch.cat([_remap(d.labels, d.class_names, merged, len(d)) for d in datasets])
    keys = list(dict.fromkeys(k for d in datasets for k in (d.attributes or {})))
    attribute_names: dict[str, list[str] | None] = {}
    attributes = {}
    for key in keys:
        own = [(d.attribute_names or {}).get(key) for d in datasets if key in (d.attributes or {})]
        named = next((o for o in own if o), None)
        if any(o != named for o in own):
            raise DcganError(f"sources {', '.join(names)} code attribute '{key}' differently: {own}")
        attribute_names[key] = named
        attributes[key] = torch.cat([(d.attributes or {}).get(key, torch.full((len(d),), -1, dtype=torch.long))
                                     for d in datasets])
    attributes["source"] = torch.cat([torch.full((len(d),), k, dtype=torch.long) for k, d in enumerate(datasets)])
    attribute_names["source"] = list(names)
    return InMemoryImages(torch.cat([d.images for d in datasets]), labels if (labels >= 0).any() else None,
                          description, merged, attributes, attribute_names)


def relabel(dataset: ImageDataset, label: str) -> ImageDataset:
    """Make attribute ``label`` the dataset's label (``data.label``); '' or 'default' keeps the reader's."""
    if label in DEFAULT_LABEL:
        return dataset
    attributes = getattr(dataset, "attributes", None) or {}
    if label not in attributes:
        known = ", ".join(sorted(attributes)) or "none: its label is the reader's default (class folders, or none)"
        raise DcganError(f"data.label '{label}': this dataset has no such attribute (attributes: {known})")
    assert isinstance(dataset, InMemoryImages)
    names = (dataset.attribute_names or {}).get(label)
    values = attributes[label]
    return InMemoryImages(dataset.images, values.clone() if (values >= 0).any() else None,
                          f"{dataset.description} [label {label}]", names, dataset.attributes, dataset.attribute_names)
