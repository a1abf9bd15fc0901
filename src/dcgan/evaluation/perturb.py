"""Controlled degradations of real images, for sanity checks of the metrics (Heusel et al.
2017, Fig. 1, show FID growing with noise, blur and other disturbances of real images).

All take and return uint8 (N, C, H, W) and are seeded where random.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def add_noise(images: torch.Tensor, sigma: float, seed: int = 0) -> torch.Tensor:
    """Additive Gaussian noise of std ``sigma`` in [0, 1] pixel units, clipped."""
    g = torch.Generator().manual_seed(seed)
    noisy = images.float() + torch.randn(images.shape, generator=g) * (255.0 * sigma)
    return noisy.round_().clamp_(0, 255).to(torch.uint8)


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of std ``sigma`` pixels (kernel radius 3 sigma, reflect padding)."""
    if sigma <= 0:
        return images.clone()
    radius = max(1, math.ceil(3 * sigma))
    radius = min(radius, images.shape[-1] - 1, images.shape[-2] - 1)
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    k = k / k.sum()
    c = images.shape[1]
    out = F.pad(images.float(), (radius, radius, radius, radius), mode="reflect")
    out = F.conv2d(out, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    out = F.conv2d(out, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)
    return out.round_().clamp_(0, 255).to(torch.uint8)


def uniform_noise_images(n: int, like: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """``n`` images of i.i.d. uniform pixels with ``like``'s (C, H, W)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, *like.shape[1:]), generator=g, dtype=torch.uint8)


def repeated_image(images: torch.Tensor, n: int, index: int = 0) -> torch.Tensor:
    """One real image repeated ``n`` times (a completely collapsed generator)."""
    return images[index : index + 1].expand(n, -1, -1, -1).contiguous()


def one_mode(images: torch.Tensor, labels: torch.Tensor, n: int, label: int = 0, seed: int = 0) -> torch.Tensor:
    """``n`` real images of a single class (a generator that collapsed onto one mode)."""
    pool = images[labels == label]
    g = torch.Generator().manual_seed(seed)
    return pool[torch.randint(0, len(pool), (n,), generator=g)]
