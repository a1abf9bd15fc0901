"""The batch-mean channel for D (reading notes, "catching a lazy generator"), ``model.mean_channel``.

A generator that maps every z to one plausible image fools a discriminator that judges
images one at a time. Here D also sees, for each image, its difference from the mean image of
the batch it came in: for a varied real batch that difference is an image-sized signal, for a
collapsed fake batch it is (nearly) zero everywhere, which D can learn to spot.

``MeanChannelDiscriminator`` wraps any registered discriminator built for ``2 * channels``
inputs and feeds it ``cat([x, x - mean_batch(x)], dim=1)``. The mean is taken over the batch
of *each forward call*: the loop calls D separately on the real and on the fake batch (and on
the fake batch again in the G step), so real images are compared with real ones and fakes with
fakes, never mixed. Under DDP the mean is over each process's local batch. At sampling time D is
not used, so nothing changes for ``dcgan sample``.
"""

from __future__ import annotations

import torch
from torch import nn

from dcgan.config import ModelConfig


def with_mean_channel(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, 2C, H, W): the images, then each image minus the batch mean image."""
    return torch.cat([x, x - x.mean(dim=0, keepdim=True)], dim=1)


class MeanChannelDiscriminator(nn.Module):
    """D(x) = inner([x, x - mean(x)]); ``features`` and ``head`` are the inner network's."""

    def __init__(self, cfg: ModelConfig, inner: nn.Module):
        super().__init__()
        self.cfg = cfg
        self.inner = inner  # built for 2 * cfg.channels input channels

    @property
    def blocks(self) -> nn.ModuleList:
        return self.inner.blocks

    @property
    def head(self) -> nn.Module:
        return self.inner.head

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.inner.features(with_mean_channel(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(with_mean_channel(x))
