"""Geometry and colour conversion to the model's input, one policy for every reader.

Policy (as the paper did for ImageNet-1k): resize so the *shorter* side equals the target
resolution, then take the centre crop. Resampling is bicubic with antialiasing
(``torch.nn.functional.interpolate(mode="bicubic", antialias=True)``, which follows PIL's
``Image.BICUBIC`` for downscaling). Colour: RGB -> grey by ITU-R 601-2 luma
(0.299 R + 0.587 G + 0.114 B, as PIL's ``convert("L")``); grey -> RGB by repetition.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

LUMA = (0.299, 0.587, 0.114)


def convert_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """uint8 (N, C, H, W) with C in {1, 3, 4} -> uint8 (N, channels, H, W)."""
    c = images.shape[1]
    if c == 4:  # drop alpha
        images, c = images[:, :3], 3
    if c == channels:
        return images
    if c == 1 and channels == 3:
        return images.expand(-1, 3, -1, -1).contiguous()
    if c == 3 and channels == 1:
        weights = torch.tensor(LUMA, dtype=torch.float32).view(1, 3, 1, 1)
        grey = (images.float() * weights).sum(1, keepdim=True)
        return grey.round_().clamp_(0, 255).to(torch.uint8)
    raise ValueError(f"cannot convert {c} channels to {channels}")


def resize_center_crop(images: torch.Tensor, size: int, source_hw: tuple[int, int] | None = None) -> torch.Tensor:
    """uint8 (N, C, H, W) -> uint8 (N, C, size, size): short side to ``size``, centre crop.

    ``source_hw``: when ``images`` is a pre-reduced copy of a larger original (JPEG draft,
    ``Image.reduce``), the original's (H, W), so the output geometry is the original's exactly.
    """
    n, c, h, w = images.shape
    if h == size and w == size:
        return images
    if source_hw is not None:
        h, w = source_hw
    scale = size / min(h, w)
    new_h, new_w = max(size, round(h * scale)), max(size, round(w * scale))
    out = images
    if (new_h, new_w) != (h, w):
        out = F.interpolate(images.float(), size=(new_h, new_w), mode="bicubic", antialias=True, align_corners=False)
        out = out.round_().clamp_(0, 255).to(torch.uint8)
    top, left = (new_h - size) // 2, (new_w - size) // 2
    return out[:, :, top : top + size, left : left + size].contiguous()


def prepare_images(images: torch.Tensor, resolution: int, channels: int, chunk: int = 4096) -> torch.Tensor:
    """Resize/crop and convert a whole uint8 (N, C, H, W) array, in chunks to bound memory."""
    parts = [
        convert_channels(resize_center_crop(images[i : i + chunk], resolution), channels)
        for i in range(0, images.shape[0], chunk)
    ]
    return torch.cat(parts) if parts else images.new_zeros((0, channels, resolution, resolution))
