"""What the data says about the model before anything is decoded in full: its channel count.

``model.channels=0`` (the default) asks the data: MNIST-format files are grey, the named colour
datasets (CIFAR-10, SVHN, LSUN, CelebA, UTKFace) are RGB, array files say it in their shape, and
a folder or zip of images is grey only when every image in a sample of ``SAMPLE`` files (spread
over the sorted list) is a single-band image or an RGB image whose three bands are equal. The
start line says what was found (``training/loop.py``), so a grey result is never silent.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from dcgan import DcganError
from dcgan.data.arrays import IMAGE_KEYS, _pick
from dcgan.data.decode import CorruptImage, open_image, pil_to_array
from dcgan.data.folder import list_images
from dcgan.data.multi import split_names
from dcgan.data.registry import DATASETS, detect_format, named_path
from dcgan.data.zipped import list_members, open_zip

SAMPLE = 16
GREY_DATASETS = {"fashion-mnist", "mnist"}
GREY_FORMATS = {"idx"}
COLOUR_FORMATS = {"cifar", "svhn", "lmdb"}


def _spread(items: list[str], n: int) -> list[str]:
    if len(items) <= n:
        return items
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def _image_is_grey(data: bytes) -> bool | None:
    """True/False for a decodable image, None for one that does not decode (it does not vote)."""
    try:
        arr = pil_to_array(open_image(data))
    except CorruptImage:
        return None
    return arr.shape[2] == 1 or bool((arr[:, :, 0] == arr[:, :, 1]).all() and (arr[:, :, 1] == arr[:, :, 2]).all())


def _files_are_grey(blobs: list[bytes]) -> bool:
    votes = [v for v in (_image_is_grey(b) for b in blobs) if v is not None]
    return bool(votes) and all(votes)


def _array_channels(path: Path) -> int:
    try:
        if path.suffix == ".npy":
            shape = np.load(path, mmap_mode="r", allow_pickle=False).shape
        else:
            with np.load(path, allow_pickle=False) as npz:
                if not isinstance(npz, np.lib.npyio.NpzFile):
                    raise ValueError("a single array, not an .npz archive")
                member = npz[_pick(list(npz.files), IMAGE_KEYS, path, "image", True)]
                if not isinstance(member, np.ndarray):
                    raise ValueError("its image member is not a numpy array")
                shape = member.shape
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DcganError(f"'{path}' could not be read as a numpy array file: {str(exc).splitlines()[0][:160]}") from None
    if len(shape) == 3:  # (N, H, W)
        return 1
    return 3 if 3 in (shape[1], shape[-1]) else 1


def _path_channels(root: Path) -> int:
    fmt = detect_format(root).name
    if fmt in GREY_FORMATS:
        return 1
    if fmt in COLOUR_FORMATS:
        return 3
    if fmt == "arrays":
        return _array_channels(root)
    if fmt == "zip":
        with open_zip(root) as zf:
            blobs = [zf.read(n) for n in _spread(list_members(zf), SAMPLE)]
    else:
        blobs = [(root / f).read_bytes() for f in _spread(list_images(root), SAMPLE)]
    return 1 if _files_are_grey(blobs) else 3


def probe_channels(name: str, path: str = "") -> int:
    """1 or 3: the channel count a model of ``name``'s images should have (see the module docstring)."""
    if "," in name and not Path(name).exists():
        return max(probe_channels(part) for part in split_names(name))
    name, path = named_path(name, path)
    if name in GREY_DATASETS:
        return 1
    if name in DATASETS:
        root = Path(path or DATASETS[name].default_path)
        if name in ("folder",) and root.exists():
            return _path_channels(root)
        return 3
    root = Path(path or name)
    if not root.exists():
        raise DcganError(f"data '{name}' is neither a known dataset ({', '.join(sorted(DATASETS))}) nor an existing path")
    return _path_channels(root)
