"""SVHN cropped digits (format 2): ``{train,test,extra}_32x32.mat`` as distributed (MATLAB v5).

``X`` is uint8 (32, 32, 3, N), ``y`` is (N, 1) with digits 1..9 and **10 meaning 0**, mapped
here to 0..9. The paper reports SVHN classification with 1000 labels (§5.2, Table 2).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from dcgan import DcganError
from dcgan.data.transforms import prepare_images
from dcgan.data.types import InMemoryImages

SVHN_SPLITS = ("train", "test", "extra")


def svhn_file(root: Path, split: str) -> Path:
    if root.is_file():
        return root
    if split not in SVHN_SPLITS:
        raise DcganError(f"SVHN has splits {list(SVHN_SPLITS)}, not '{split}'")
    path = root / f"{split}_32x32.mat"
    if not path.is_file():
        raise DcganError(f"'{root}' has no '{path.name}' (SVHN cropped digits, format 2)")
    return path


def load_svhn(root: str | Path, split: str, resolution: int, channels: int) -> InMemoryImages:
    from scipy.io import loadmat

    path = svhn_file(Path(root), split)
    try:
        mat = loadmat(path, variable_names=["X", "y"])
    except Exception as exc:  # noqa: BLE001 - scipy raises several types for bad files
        raise DcganError(f"'{path}' is not a MATLAB .mat file scipy can read: {exc}") from None
    if "X" not in mat or "y" not in mat:
        raise DcganError(f"'{path}' lacks the SVHN variables X and y (has {sorted(k for k in mat if not k.startswith('__'))})")
    x, y = mat["X"], np.asarray(mat["y"]).reshape(-1)
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.dtype != np.uint8:
        raise DcganError(f"'{path}': X is {x.dtype} {x.shape}, expected uint8 (32, 32, 3, N)")
    if len(y) != x.shape[3]:
        raise DcganError(f"'{path}': {x.shape[3]} images but {len(y)} labels")
    labels = y.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() > 10):
        raise DcganError(f"'{path}': labels outside 0..10")
    labels[labels == 10] = 0  # SVHN stores digit 0 as label 10
    images = torch.from_numpy(np.ascontiguousarray(x.transpose(3, 2, 0, 1)))
    return InMemoryImages(
        prepare_images(images, resolution, channels),
        torch.from_numpy(labels),
        f"SVHN '{path}' ({x.shape[3]} images, 32x32 -> {resolution}x{resolution})",
        [str(i) for i in range(10)],
    )


def is_svhn(path: Path) -> bool:
    if path.is_file():
        return path.suffix == ".mat"
    return path.is_dir() and any((path / f"{s}_32x32.mat").is_file() for s in SVHN_SPLITS)
