"""Image grids and files without torchvision: uint8 (N, C, H, W) -> one PNG."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from dcgan.atomic import atomic_path


def make_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2, pad_value: int = 255) -> np.ndarray:
    """uint8 (N, C, H, W) -> uint8 (H', W', C) with ``nrow`` images a row (default: square-ish)."""
    if images.dtype != torch.uint8 or images.dim() != 4:
        raise ValueError(f"make_grid expects uint8 (N, C, H, W), got {images.dtype} {tuple(images.shape)}")
    n, c, h, w = images.shape
    nrow = nrow or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / nrow)
    grid = np.full((rows * (h + padding) + padding, nrow * (w + padding) + padding, c), pad_value, np.uint8)
    arr = images.permute(0, 2, 3, 1).cpu().numpy()
    for i in range(n):
        r, col = divmod(i, nrow)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y : y + h, x : x + w] = arr[i]
    return grid


def to_pil(array_hwc: np.ndarray) -> Image.Image:
    return Image.fromarray(array_hwc[:, :, 0] if array_hwc.shape[2] == 1 else array_hwc)


def save_grid(images: torch.Tensor, path: str | Path, nrow: int | None = None, scale: int = 1) -> Path:
    """Write a grid PNG (optionally upscaled by ``scale`` with nearest neighbour, for small images)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    img = to_pil(make_grid(images, nrow))
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    with atomic_path(path) as tmp:
        img.save(tmp)
    return path


def save_animation(frames: list[np.ndarray], path: str | Path, duration_ms: int = 300) -> Path:
    """Frames (H, W, C) uint8 -> an animated GIF that loops."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pil = [to_pil(f).convert("P", palette=Image.ADAPTIVE) if f.shape[2] == 3 else to_pil(f) for f in frames]
    with atomic_path(path) as tmp:
        pil[0].save(tmp, save_all=True, append_images=pil[1:], duration=duration_ms, loop=0)
    return path
