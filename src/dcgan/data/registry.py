"""One registry for every dataset: by name (``fashion-mnist``) or by path (format detected).

A reader is ``loader(path, split, resolution, channels) -> ImageDataset``. Named datasets bind a
reader to a default location; formats bind a reader to a detector so any path works.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from dcgan import DcganError
from dcgan.data.mnist import FASHION_MNIST_CLASSES, load_idx_folder
from dcgan.data.multi import concat_datasets, relabel, split_names
from dcgan.data.types import ImageDataset, InMemoryImages

Loader = Callable[[Path, str, int, int], ImageDataset]

FASHION_MNIST_ROOT = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist


@dataclass
class DatasetEntry:
    loader: Loader
    default_path: str = ""
    about: str = ""


@dataclass
class FormatEntry:
    name: str
    detect: Callable[[Path], bool]
    loader: Loader


DATASETS: dict[str, DatasetEntry] = {}
FORMATS: list[FormatEntry] = []


def register_dataset(name: str, loader: Loader, default_path: str = "", about: str = "") -> None:
    DATASETS[name] = DatasetEntry(loader, default_path, about)


def register_format(name: str, detect: Callable[[Path], bool], loader: Loader) -> None:
    FORMATS.append(FormatEntry(name, detect, loader))


def _is_idx_folder(path: Path) -> bool:
    return path.is_dir() and any(p.name.startswith(("train-images-idx3", "t10k-images-idx3")) for p in path.iterdir())


register_dataset(
    "fashion-mnist",
    lambda p, split, res, ch: load_idx_folder(p, split, res, ch, FASHION_MNIST_CLASSES),
    os.environ.get("DCGAN_FASHION_MNIST", FASHION_MNIST_ROOT),
    "Fashion-MNIST (Debian package dataset-fashion-mnist): 60k train / 10k test, 28x28 grey, 10 classes",
)
register_dataset(
    "mnist",
    lambda p, split, res, ch: load_idx_folder(p, split, res, ch),
    "",
    "MNIST IDX files (give data.path)",
)
register_format("idx", _is_idx_folder, lambda p, split, res, ch: load_idx_folder(p, split, res, ch))


def detect_format(path: Path) -> FormatEntry:
    for entry in FORMATS:
        try:
            if entry.detect(path):
                return entry
        except OSError:
            continue
    raise DcganError(
        f"'{path}': no reader recognises this path (known formats: {', '.join(f.name for f in FORMATS)}; "
        f"known dataset names: {', '.join(sorted(DATASETS))})"
    )


def open_dataset(
    name: str, *, resolution: int, channels: int, split: str = "train", path: str = "", keep_list: str = "",
    label: str = "",
) -> ImageDataset:
    """Open ``name`` (a registered name, or a path) at the model's resolution and channel count.

    ``name`` may list several sources, comma-separated (``utkface-64.zip,celeba-10k.zip``): each is
    opened with ``split`` and they are concatenated (``data.multi``; ``path`` is then not allowed).
    ``label`` picks an attribute as the label (``data.label``: e.g. ``gender``, ``age_group``);
    ``keep_list`` indexes the combined dataset."""
    if "," in name and not Path(name).exists():
        if path:
            raise DcganError(f"data '{name}' lists several sources: give each as a path, not data.path")
        names = split_names(name)
        parts = [open_dataset(n, resolution=resolution, channels=channels, split=split) for n in names]
        dataset = concat_datasets(parts, names)
        return _finish(dataset, keep_list, label)
    return _finish(_open_one(name, resolution, channels, split, path), keep_list, label)


def _finish(dataset: ImageDataset, keep_list: str, label: str) -> ImageDataset:
    dataset = relabel(dataset, label)
    return apply_keep_list(dataset, keep_list) if keep_list else dataset


def named_path(name: str, path: str = "") -> tuple[str, str]:
    """``'utkface:/my/faces.zip'`` -> ``('utkface', '/my/faces.zip')``: a dataset's reader on a path
    of the user's. Formats that read meaning into file names (UTKFace's labels and split) apply only
    when named like this (or as ``data.name=utkface`` with ``data.path``), never to a plain path."""
    prefix, _, rest = name.partition(":")
    if rest and prefix in DATASETS and not Path(name).exists():
        if path:
            raise DcganError(f"data '{name}' already names its path; leave data.path empty")
        return prefix, rest
    return name, path


def _open_one(name: str, resolution: int, channels: int, split: str, path: str) -> ImageDataset:
    name, path = named_path(name, path)
    if name in DATASETS:
        entry = DATASETS[name]
        root = Path(path or entry.default_path)
        if not str(root) or str(root) == ".":
            raise DcganError(f"dataset '{name}' needs data.path (where its files are)")
        if not root.exists():
            hint = " (install Debian's dataset-fashion-mnist: apt-get install dataset-fashion-mnist)" if name == "fashion-mnist" else ""
            raise DcganError(f"dataset '{name}': path '{root}' does not exist{hint}")
        dataset = entry.loader(root, split, resolution, channels)
    else:
        root = Path(path or name)
        if not root.exists():
            raise DcganError(
                f"data '{name}' is neither a known dataset ({', '.join(sorted(DATASETS))}) nor an existing path"
            )
        dataset = detect_format(root).loader(root, split, resolution, channels)
    if len(dataset) == 0:
        raise DcganError(f"data '{name}' ({root}) holds no images")
    return dataset


def apply_keep_list(dataset: ImageDataset, keep_list: str) -> ImageDataset:
    """Restrict to the indices in ``keep_list`` (one integer a line, as ``dcgan dedup`` writes)."""
    path = Path(keep_list)
    if not path.is_file():
        raise DcganError(f"data.keep_list '{path}' does not exist")
    try:
        indices = [int(line.split()[0]) for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    except ValueError:
        raise DcganError(f"data.keep_list '{path}' must hold one integer index a line") from None
    if any(i < 0 or i >= len(dataset) for i in indices):
        raise DcganError(f"data.keep_list '{path}' has indices outside 0..{len(dataset) - 1}")
    index = torch.tensor(indices, dtype=torch.long)
    if isinstance(dataset, InMemoryImages):
        return dataset.subset(index)
    subset = torch.utils.data.Subset(dataset, indices)
    subset.description = getattr(dataset, "description", "") + f" [kept {len(indices)}]"  # type: ignore[attr-defined]
    subset.class_names = getattr(dataset, "class_names", None)  # type: ignore[attr-defined]
    return subset  # type: ignore[return-value]
