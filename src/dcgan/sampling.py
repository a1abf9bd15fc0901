"""Noise and generation: randomness is an argument (a seed or a ``torch.Generator``).

Noise is drawn on the CPU from an explicit generator and then moved, so a seed gives the
same z on every device. ``generate`` runs G with BatchNorm in inference mode (running
statistics), so each image depends on its own z only; ``bn="batch"`` reproduces the
authors' code, which always normalised with the statistics of the sampled batch.

A class-conditional G (``model.num_classes = K > 0``) also needs labels; every command that
samples one without being told a class uses ``class_labels``: image ``i`` is class ``i % K``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dcgan.atomic import atomic_path
from dcgan.data.types import to_uint8


def sample_z(n: int, z_dim: int, dist: str, generator: torch.Generator | None = None) -> torch.Tensor:
    """(n, z_dim) float32 noise on the CPU: U[-1, 1] (paper) or N(0, 1)."""
    if dist == "uniform":
        return torch.rand(n, z_dim, generator=generator).mul_(2).sub_(1)
    if dist == "normal":
        return torch.randn(n, z_dim, generator=generator)
    raise ValueError(f"unknown z distribution '{dist}'")


def seeded_z(seed: int, n: int, z_dim: int, dist: str) -> torch.Tensor:
    return sample_z(n, z_dim, dist, torch.Generator().manual_seed(seed))


def class_labels(n: int, num_classes: int) -> torch.Tensor | None:
    """The labels of ``n`` samples of a class-conditional G: ``arange(n) % num_classes`` (int64,
    CPU); ``None`` when ``num_classes`` is 0 (an unconditional G takes none).

    The one policy of ``dcgan sample``, ``dcgan evaluate --checkpoint``, the in-training Fréchet
    distance and ``generate`` (and G's own default, ``models.conditional.default_labels``). Why
    this one: it is *balanced* (each class ``n // K`` or ``n // K + 1`` times, so a metric does not
    depend on how many of each class a draw happened to get, and matches the near-balanced test
    splits used as references); *deterministic* and draws no random numbers, so the noise of a
    seed is the same z as for an unconditional G and a seed names one sample set on every path;
    and sample ``i``'s label depends on ``i`` only (not on ``n`` or the batch size).
    (Uniform random labels, which ``dcgan evaluate`` drew before, have none of these.)"""
    if num_classes <= 0:
        return None
    return torch.arange(n, dtype=torch.int64) % num_classes


@contextlib.contextmanager
def bn_mode(module: nn.Module, bn: str):
    """Run ``module`` in eval mode (``running``) or with batch statistics (``batch``), restoring
    its mode and every BatchNorm buffer afterwards so sampling never changes a training state."""
    was_training = module.training
    saved = {k: v.clone() for k, v in module.state_dict().items() if "running_" in k or "num_batches" in k}
    module.train(bn == "batch")
    try:
        yield module
    finally:
        module.train(was_training)
        if saved:
            with torch.no_grad():
                state = module.state_dict()
                for k, v in saved.items():
                    state[k].copy_(v)


@torch.no_grad()
def generate(
    generator: nn.Module, z: torch.Tensor, batch_size: int = 256, bn: str = "running", labels: torch.Tensor | None = None
) -> torch.Tensor:
    """z (N, z_dim) -> uint8 images (N, C, H, W) on the CPU. A class-conditional G (one with
    ``num_classes > 0``) given no ``labels`` gets ``class_labels(N, num_classes)`` over all of z, so
    image ``i`` is class ``i % K`` whatever ``batch_size`` is."""
    device = next(generator.parameters()).device
    if labels is None:
        labels = class_labels(z.shape[0], getattr(generator, "num_classes", 0))
    out = []
    with bn_mode(generator, bn):
        for i in range(0, z.shape[0], batch_size):
            zb = z[i : i + batch_size].to(device)
            if labels is not None:
                images = generator(zb, labels[i : i + batch_size].to(device))
            else:
                images = generator(zb)
            out.append(to_uint8(images).cpu())
    return torch.cat(out)


def save_npz(images: torch.Tensor, path: str | Path, compressed: bool = False, **per_image: np.ndarray) -> Path:
    """uint8 (N, C, H, W) -> ``.npz`` with ``arr_0`` uint8 NHWC, the convention of public GAN
    evaluation tools (e.g. the TTUR/FID and guided-diffusion evaluators), plus any ``per_image``
    arrays beside it (labels, tags). Written atomically."""
    path = Path(path)
    write = np.savez_compressed if compressed else np.savez
    with atomic_path(path) as tmp:
        write(tmp, arr_0=images.permute(0, 2, 3, 1).contiguous().numpy(), **per_image)
    return path
