"""``.npy``/``.npz`` arrays of uint8 images, and packs written by ``dcgan data prepare``.

Accepted layouts: (N, H, W) grey, (N, H, W, C) with C in {1, 3, 4} (what ``dcgan sample
--out`` writes, key ``arr_0``), or (N, C, H, W) when the last axis cannot be channels. In a
``.npz`` the images are under ``images``, ``arr_0``, ``x`` or ``data`` (or the only array);
optional labels under ``labels``/``y``, class names under ``class_names``. A file is one set,
so ``split`` is ignored. Arrays not at the model's size go through ``prepare_images``.

Packs (``dcgan data prepare``) are uncompressed ``.npz`` files with ``images`` (N, R, R, C) at
the training resolution, so they are *memory-mapped* straight out of the zip container rather
than read: opening a pack of any size is instant, and pages are read as batches touch them.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import torch

from dcgan import DcganError
from dcgan.data.transforms import prepare_images
from dcgan.data.types import InMemoryImages

IMAGE_KEYS = ("images", "arr_0", "x", "X", "data")
LABEL_KEYS = ("labels", "y", "Y")


def _mmap_npz_member(path: Path, name: str) -> np.ndarray | None:
    """Memory-map ``name``.npy inside an uncompressed npz, or None when it is compressed/odd."""
    with zipfile.ZipFile(path) as zf:
        try:
            info = zf.getinfo(name + ".npy")
        except KeyError:
            return None
        if info.compress_type != zipfile.ZIP_STORED:
            return None
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)
        if local[:4] != b"PK\x03\x04":
            return None
        name_len, extra_len = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        fmt = np.lib.format
        version = fmt.read_magic(fh)
        reader = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}.get(version)
        if reader is None:
            return None
        shape, fortran, dtype = reader(fh)
        offset = fh.tell()
    if fortran or dtype != np.uint8 or not shape or 0 in shape:
        return None
    # copy-on-write: lazily paged like read-only, but torch.from_numpy accepts it without a warning
    return np.memmap(path, dtype=np.uint8, mode="c", offset=offset, shape=shape)


def _pick(keys: list[str], wanted: tuple[str, ...], path: Path, what: str, required: bool) -> str | None:
    for k in wanted:
        if k in keys:
            return k
    if required and len(keys) == 1:
        return keys[0]
    if required:
        raise DcganError(f"'{path}' has no {what} array (looked for {', '.join(wanted)}; it has {', '.join(keys)})")
    return None


def to_nchw(arr: np.ndarray, path: Path) -> np.ndarray:
    """(N,H,W) / (N,H,W,C) / (N,C,H,W) uint8 -> (N,C,H,W) view."""
    if arr.dtype != np.uint8:
        raise DcganError(f"'{path}': images are {arr.dtype}; expected uint8 in [0, 255] (N, H, W[, C])")
    if arr.ndim == 3:
        return arr[:, None]
    if arr.ndim == 4 and arr.shape[3] in (1, 3, 4):
        return arr.transpose(0, 3, 1, 2)
    if arr.ndim == 4 and arr.shape[1] in (1, 3, 4):
        return arr
    raise DcganError(f"'{path}': images of shape {arr.shape}; expected (N, H, W), (N, H, W, C) or (N, C, H, W), C in 1/3/4")


def load_arrays(path: str | Path, split: str, resolution: int, channels: int) -> InMemoryImages:
    path = Path(path)
    labels = class_names = None
    meta: dict = {}
    mapped = False
    try:
        if path.suffix == ".npy":
            arr = np.load(path, mmap_mode="c")  # copy-on-write map: paged lazily, writable for torch
            mapped = True
        else:
            with np.load(path, allow_pickle=False) as npz:
                keys = list(npz.files)
                if not keys:
                    raise DcganError(f"'{path}' holds no arrays")
                image_key = _pick(keys, IMAGE_KEYS, path, "image", True)
                label_key = _pick(keys, LABEL_KEYS, path, "label", False)
                labels = npz[label_key].astype(np.int64).reshape(-1) if label_key else None
                class_names = [str(n) for n in npz["class_names"]] or None if "class_names" in keys else None
                meta = json.loads(str(npz["meta"])) if "meta" in keys else {}
                arr = _mmap_npz_member(path, image_key)
                mapped = arr is not None
                if arr is None:
                    arr = npz[image_key]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DcganError(f"'{path}' could not be read as a numpy array file: {str(exc).splitlines()[0][:160]}") from None
    if not isinstance(arr, np.ndarray):  # a zip member that is not a .npy array
        raise DcganError(f"'{path}': its images are not a numpy array (a zip of other files named .npz?)")
    nchw = to_nchw(arr, path)
    n, c, h, w = nchw.shape
    if labels is not None and len(labels) != n:
        raise DcganError(f"'{path}': {n} images but {len(labels)} labels")
    if meta.get("pack") and ((h, w) != (resolution, resolution) or c != channels):
        raise DcganError(
            f"pack '{path}' was prepared at {h}x{w} with {c} channel(s); the model wants {resolution}x{resolution} "
            f"with {channels}: run `dcgan data prepare` again with --resolution {resolution} --channels {channels}"
        )
    if (h, w) == (resolution, resolution) and c == channels and mapped:
        images = torch.from_numpy(arr).permute(0, 3, 1, 2) if arr.ndim == 4 and arr.shape[3] == c else torch.from_numpy(nchw)
        how = "memory-mapped"
    else:
        images = prepare_images(torch.from_numpy(np.ascontiguousarray(nchw)), resolution, channels)
        how = f"{h}x{w}x{c} -> {resolution}x{resolution}x{channels}"
    source = f", prepared from {meta['source']}" if "source" in meta else ""
    if labels is not None and class_names is None and n:
        class_names = [str(i) for i in range(int(labels.max()) + 1)] if labels.min() >= 0 else None
    return InMemoryImages(
        images,
        torch.from_numpy(labels) if labels is not None else None,
        f"arrays '{path}' ({n} images, {how}{source})",
        class_names,
    )


def is_array_file(path: Path) -> bool:
    return path.is_file() and path.suffix in (".npy", ".npz")
