"""Reference features of real data, cached on disk.

Cache key: dataset (name and resolved path), split, count, subset seed, resolution, channels and
feature space (its name includes the weights' hash). The file is ``<cache_dir>/<readable
key>-<hash>.npz`` holding the features (float32) and the indices of the images used, so
Fréchet, KID and precision/recall all reuse it. ``cache_dir`` defaults to
``$DCGAN_CACHE_DIR`` or ``~/.cache/dcgan/reference``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from dcgan.data import open_dataset
from dcgan.data.materialise import materialise
from dcgan.data.registry import DATASETS
from dcgan.evaluation.features import FeatureExtractor


def default_cache_dir() -> Path:
    return Path(os.environ.get("DCGAN_CACHE_DIR", Path.home() / ".cache" / "dcgan" / "reference"))


def subset_indices(total: int, n: int, seed: int = 0) -> np.ndarray:
    """All indices when ``n >= total`` (or n <= 0), else ``n`` sorted indices drawn without replacement."""
    if n <= 0 or n >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, n, replace=False))


@dataclass
class Reference:
    """Real images (uint8 NCHW), their features and what they are."""

    images: torch.Tensor
    features: np.ndarray
    labels: torch.Tensor | None
    info: dict


def _dataset_root(name: str, path: str) -> str:
    if name in DATASETS:
        return str(Path(path or DATASETS[name].default_path).resolve())
    return str(Path(path or name).resolve())


def load_reference(
    extractor: FeatureExtractor,
    dataset: str,
    *,
    split: str,
    n: int,
    resolution: int,
    channels: int,
    path: str = "",
    seed: int = 0,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
) -> Reference:
    """Open ``dataset`` at the samples' resolution/channels, take ``n`` images (all if fewer), and
    return their features, from the cache when present."""
    data = open_dataset(dataset, resolution=resolution, channels=channels, split=split, path=path)
    index = subset_indices(len(data), n, seed)
    # Only the chosen images are decoded (references are at most tens of thousands of images).
    images, labels = materialise(data, torch.from_numpy(index))
    if (labels < 0).all():
        labels = None
    key = {
        "dataset": dataset, "root": _dataset_root(dataset, path), "split": split, "n": int(len(index)),
        "seed": seed if len(index) < len(data) else None, "resolution": resolution, "channels": channels,
        "features": extractor.name,
    }
    info = {
        "dataset": dataset, "split": split, "count": int(len(index)), "of": int(len(data)),
        "subset_seed": key["seed"], "resolution": resolution, "channels": channels,
        "description": getattr(data, "description", ""),
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{Path(dataset).name}-{split}-{resolution}px-n{len(index)}-{extractor.name}")
    cache_file = Path(cache_dir or default_cache_dir()) / f"{slug}-{digest}.npz"
    features = None
    if use_cache and cache_file.is_file():
        try:
            with np.load(cache_file) as z:
                if np.array_equal(z["indices"], index):
                    features = z["features"]
        except (OSError, KeyError, ValueError):
            features = None  # unreadable cache entry: recompute and overwrite
    if features is None:
        print(f"computing {extractor.name} features of {len(index)} {dataset}/{split} images ...", file=sys.stderr)
        features = extractor(images)
        if use_cache:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_name(cache_file.name + ".tmp.npz")
            np.savez(tmp, features=features, indices=index, key=json.dumps(key))
            tmp.replace(cache_file)
    info["cache_file"] = str(cache_file) if use_cache else None
    return Reference(images, features, labels, info)
