"""MNIST-format IDX files (MNIST, Fashion-MNIST, EMNIST), gzipped or not.

IDX: a big-endian header ``0x00 0x00 <dtype> <ndim>`` then ``ndim`` uint32 sizes, then data.
Images are ``0x00000803`` (uint8, 3 dims), labels ``0x00000801`` (uint8, 1 dim).
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import torch

from dcgan import DcganError
from dcgan.data.transforms import prepare_images
from dcgan.data.types import InMemoryImages

IDX_UBYTE = 0x08
SPLIT_PREFIX = {"train": "train", "test": "t10k"}
FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
DIGIT_CLASSES = [str(i) for i in range(10)]


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (``.gz`` or raw) into a numpy array, checking header and length."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise DcganError(f"'{path}' could not be read as an IDX file: {exc}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DcganError(f"'{path}' is not an IDX file (bad magic number)")
    dtype_code, ndim = data[2], data[3]
    if dtype_code != IDX_UBYTE:
        raise DcganError(f"'{path}': IDX data type 0x{dtype_code:02x} unsupported (expected unsigned byte 0x08)")
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(shape))
    if len(data) - header != expected:
        raise DcganError(f"'{path}' is truncated: header says {shape} ({expected} bytes), file has {len(data) - header}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _find(root: Path, stem: str) -> Path:
    for name in (f"{stem}.gz", stem, stem.replace("-idx", ".idx")):
        if (root / name).is_file():
            return root / name
    raise DcganError(f"'{root}' has no '{stem}[.gz]' (an MNIST-format folder needs it)")


def load_idx_folder(
    root: str | Path, split: str, resolution: int, channels: int, class_names: list[str] | None = None
) -> InMemoryImages:
    """``root/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`` -> in-memory dataset."""
    root = Path(root)
    if split not in SPLIT_PREFIX:
        raise DcganError(f"MNIST-format data has splits {list(SPLIT_PREFIX)}, not '{split}'")
    prefix = SPLIT_PREFIX[split]
    images = read_idx(_find(root, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_find(root, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DcganError(f"'{root}': images {images.shape} and labels {labels.shape} do not match")
    tensor = prepare_images(torch.from_numpy(images.copy()).unsqueeze(1), resolution, channels)
    n_classes = int(labels.max()) + 1 if len(labels) else 0
    names = class_names if class_names and len(class_names) >= n_classes else [str(i) for i in range(n_classes)]
    return InMemoryImages(
        tensor,
        torch.from_numpy(labels.astype(np.int64)),
        description=f"MNIST-format IDX '{root}' split={split} ({len(images)} images, 28x28 -> {resolution}x{resolution})",
        class_names=names,
    )
