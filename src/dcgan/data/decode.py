"""Decoding one encoded image (JPEG, PNG, WebP, BMP, ...) into the model's input.

Every reader of encoded files (folders, zips, LSUN lmdb) goes through ``decode_image`` so they
share the policy of ``data.transforms`` (short side to the resolution with bicubic antialiased
resampling, centre crop, ITU-R 601-2 luma for grey). PIL decodes; JPEGs are decoded with
``draft`` (DCT-domain scaling by 1/2, 1/4 or 1/8) and other formats (LSUN's WebP) are
box-reduced by a power of two (``Image.reduce``) when the image is at least 8x the target
size, in both cases stopping at >= 4x the target; the bicubic antialiased resize then does
the final step on the original's exact geometry (``resize_center_crop(source_hw=...)``).
This makes large images cheap (a 436x356 WebP at 16 px: ~12 -> ~6 ms) and changes pixels by
about 0.1 grey level on average against a full-size bicubic resize.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import torch
from PIL import Image

from dcgan.data.transforms import convert_channels, resize_center_crop

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".ppm", ".pgm")


class CorruptImage(Exception):
    """Raised when bytes do not decode to an image (truncated, wrong format, empty)."""


def is_image_name(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS)


def pil_to_array(img: Image.Image) -> np.ndarray:
    """PIL image in any mode -> uint8 (H, W, 1) or (H, W, 3)."""
    if img.mode in ("L", "RGB"):
        pass
    elif img.mode in ("1", "I;16", "I;16B", "I;16L", "I", "F") or (img.mode == "P" and not _palette_has_colour(img)):
        img = img.convert("L")
    else:  # RGBA, LA, P, CMYK, YCbCr, ...: composite alpha onto black by dropping it (as convert does)
        img = img.convert("RGB")
    arr = np.array(img, dtype=np.uint8)  # a writable copy (torch.from_numpy refuses read-only views)
    return arr[:, :, None] if arr.ndim == 2 else arr


def _palette_has_colour(img: Image.Image) -> bool:
    palette = img.getpalette() or []
    rgb = np.asarray(palette[: 3 * 256], dtype=np.int32).reshape(-1, 3)
    return bool((rgb != rgb[:, :1]).any())


def open_image(data: bytes, size_hint: int = 0, return_source_size: bool = False):
    """Decode ``data`` fully (so truncation is detected here, not later) or raise ``CorruptImage``.

    With ``size_hint`` the result may be pre-reduced (see the module docstring); with
    ``return_source_size`` the original (W, H) is returned too, for the exact output geometry.
    """
    if not data:
        raise CorruptImage("empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PIL's DecompressionBomb/EXIF warnings are not ours to show
            img = Image.open(io.BytesIO(data))
            source_size = img.size
            if size_hint and img.format == "JPEG" and min(img.size) >= 8 * size_hint:
                # DCT-domain downscale by 2/4/8, stopping at >= 4x the target: the bicubic resize does the rest
                img.draft(img.mode, (4 * size_hint, 4 * size_hint))
            img.load()
    except Exception as exc:  # noqa: BLE001 - PIL raises many types for bad input
        raise CorruptImage(f"{type(exc).__name__}: {exc}") from None
    factor = 1 << ((min(img.size) // (4 * size_hint)).bit_length() - 1) if size_hint and min(img.size) >= 8 * size_hint else 1
    if factor >= 2 and img.mode in ("L", "RGB", "RGBA", "LA"):
        img = img.reduce(factor)  # box-average by an integer factor (what draft does for JPEG), still >= 2x target
    return (img, source_size) if return_source_size else img


def decode_image(data: bytes, resolution: int, channels: int) -> torch.Tensor:
    """Encoded bytes -> uint8 (channels, resolution, resolution); ``CorruptImage`` if undecodable."""
    img, source_size = open_image(data, resolution, return_source_size=True)
    tensor = torch.from_numpy(pil_to_array(img)).permute(2, 0, 1).unsqueeze(0).contiguous()
    source_hw = (source_size[1], source_size[0])
    return convert_channels(resize_center_crop(tensor, resolution, source_hw), channels)[0]


def decode_raw(data: bytes) -> np.ndarray:
    """Encoded bytes -> uint8 (H, W, C) at native size (for batch preparation of small images)."""
    return pil_to_array(open_image(data))


def decode_all(
    blobs, count: int, resolution: int, channels: int, chunk: int = 2048
) -> tuple[torch.Tensor, list[int], dict[int, str]]:
    """Decode an iterable of ``count`` encoded images into one uint8 (N, C, R, R) tensor.

    Images of equal native size are resized together (one ``prepare_images`` call per size in
    each chunk), which is what makes 50k small JPEGs take seconds. Returns the tensor of the
    decodable images, their positions in ``blobs`` and ``{position: reason}`` for the others.
    """
    out = torch.empty((count, channels, resolution, resolution), dtype=torch.uint8)
    good: list[int] = []
    bad: dict[int, str] = {}
    pending: dict[tuple[int, ...], list[tuple[int, np.ndarray]]] = {}

    def flush() -> None:
        for items in pending.values():
            # NCHW contiguous: bicubic interpolation is ~2.5x slower on a permuted (channels-last) view
            stacked = torch.from_numpy(np.stack([a for _, a in items])).permute(0, 3, 1, 2).contiguous()
            prepared = convert_channels(resize_center_crop(stacked, resolution), channels)
            rows = torch.tensor([i for i, _ in items], dtype=torch.long)
            out[rows] = prepared
        pending.clear()

    for i, data in enumerate(blobs):
        try:
            arr = decode_raw(data)
        except CorruptImage as exc:
            bad[i] = str(exc)
            continue
        pending.setdefault(arr.shape, []).append((i, arr))
        good.append(i)
        if len(good) % chunk == 0:
            flush()
    flush()
    if len(good) != count:
        out = out[torch.tensor(good, dtype=torch.long)]
    return out, good, bad
