"""Discriminator features for classification, as in the paper's §5 (Table 1 and Table 2).

"We use the discriminator's convolutional features from all layers, max-pooling each layer's
representation to produce a 4 x 4 spatial grid. These features are then flattened and
concatenated" (§5.1). Following the authors' released SVHN analysis script, extraction runs the
discriminator in inference mode with BatchNorm *population* statistics: the mean and variance of
every BatchNorm layer averaged over batches of training images (not the running averages left by
GAN training, which mix real and generated batches, and not per-batch statistics, which would make
an image's features depend on its batch-mates). Features are the post-LeakyReLU maps of every conv
layer (``Discriminator.features``), each adaptive-max-pooled to ``grid x grid``.

``DiscriminatorFeatures`` is a scikit-learn transformer: ``fit`` (unsupervised) estimates the
population statistics on the images it is given, ``transform`` maps uint8 images (N, C, H, W) to
float32 features (N, sum(widths) * grid**2), batched and without gradients.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, TransformerMixin
from torch import nn

from dcgan import DcganError
from dcgan.config import Config
from dcgan.core.device import resolve_device
from dcgan.core.run import open_run
from dcgan.data.types import to_model_range

BN_MODES = ("population", "running", "batch")


def load_discriminator(checkpoint: str | Path) -> tuple[nn.Module, Config]:
    """D (eval mode, CPU) of a checkpoint file or run directory, with its config."""
    run = open_run(checkpoint, generator=False, discriminator=True)
    return run.discriminator, run.config


def as_uint8_images(images) -> torch.Tensor:
    """uint8 numpy array or tensor (N, C, H, W) -> CPU uint8 tensor, refusing anything else."""
    tensor = torch.as_tensor(images)
    if tensor.dtype != torch.uint8 or tensor.dim() != 4:
        raise ValueError(f"expected uint8 images (N, C, H, W), got {tensor.dtype} {tuple(tensor.shape)}")
    return tensor


def pool_to_grid(maps: Iterable[torch.Tensor], grid: int) -> torch.Tensor:
    """Max-pool each (N, C_l, H_l, W_l) map to (N, C_l, grid, grid), flatten, concatenate -> (N, D)."""
    return torch.cat([F.adaptive_max_pool2d(m, grid).flatten(1) for m in maps], dim=1)


def batches(images: torch.Tensor, batch_size: int, device: torch.device) -> Iterable[torch.Tensor]:
    """uint8 CPU images -> float [-1, 1] batches on ``device`` (scaling on the device, §4)."""
    for i in range(0, images.shape[0], batch_size):
        yield to_model_range(images[i : i + batch_size].to(device, non_blocking=True))


def batchnorm_layers(module: nn.Module) -> list[nn.modules.batchnorm._BatchNorm]:
    return [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


@torch.no_grad()
def estimate_population_statistics(
    module: nn.Module, forward: Callable[[torch.Tensor], object], inputs: Iterable[torch.Tensor]
) -> int:
    """Replace every BatchNorm's running statistics by their average over ``inputs`` batches.

    Each BatchNorm layer normalises with its batch statistics while the batches run (as in training
    and in the authors' ``bnorm_statistics``); ``momentum=None`` makes PyTorch keep the cumulative
    (equal-weight) average of those batch means and variances. Returns the number of batches used
    and leaves ``module`` in eval mode, so later passes use the population statistics.
    """
    layers = batchnorm_layers(module)
    momenta = [bn.momentum for bn in layers]
    module.eval()
    for bn in layers:
        bn.reset_running_stats()
        bn.momentum = None
        bn.train()
    count = 0
    try:
        for x in inputs:
            forward(x)
            count += 1
    finally:
        for bn, momentum in zip(layers, momenta):
            bn.momentum = momentum
        module.eval()
    return count


@torch.no_grad()
def feature_dimension(discriminator: nn.Module, image_shape: tuple[int, int, int], grid: int = 4) -> int:
    """Length of the concatenated feature vector, (sum of conv widths) * grid**2 for the DCGAN D,
    found by one pass in eval mode (so any registered architecture with ``features`` works)."""
    was_training = discriminator.training
    discriminator.eval()
    device = next(discriminator.parameters()).device
    dim = pool_to_grid(discriminator.features(torch.zeros(2, *image_shape, device=device)), grid).shape[1]
    discriminator.train(was_training)
    return dim


class DiscriminatorFeatures(TransformerMixin, BaseEstimator):
    """uint8 images (N, C, H, W) -> float32 pooled discriminator features (N, D).

    Parameters
    ----------
    discriminator: a checkpoint file / run directory, or an ``nn.Module`` with ``features(x)``
        (copied, never modified).
    grid: each layer's map is adaptive-max-pooled to ``grid x grid`` (the paper: 4).
    bn_stats: ``population`` (the paper; estimated in ``fit`` on the images given), ``running``
        (the averages left by GAN training) or ``batch`` (per-batch statistics at transform time);
        the last two exist for comparison only.
    bn_images: at most this many images (a seeded random subset) for the population statistics;
        0 uses all. Images are shuffled first: data stored class by class would otherwise give
        one-class batches, whose averaged variance misses the between-class part.
    batch_size, device, seed: batching, where to run (``auto``: CUDA when present), shuffling seed.
    """

    def __init__(self, discriminator=None, grid: int = 4, bn_stats: str = "population", bn_images: int = 0,
                 batch_size: int = 256, device: str = "cpu", seed: int = 0):
        self.discriminator = discriminator
        self.grid = grid
        self.bn_stats = bn_stats
        self.bn_images = bn_images
        self.batch_size = batch_size
        self.device = device
        self.seed = seed

    def _device(self) -> torch.device:
        return resolve_device(self.device)

    def fit(self, X, y=None):
        if self.bn_stats not in BN_MODES:
            raise DcganError(f"bn_stats='{self.bn_stats}': use one of {', '.join(BN_MODES)}")
        if self.discriminator is None:
            raise DcganError("DiscriminatorFeatures needs a discriminator (checkpoint path or module)")
        if isinstance(self.discriminator, nn.Module):
            module = copy.deepcopy(self.discriminator)
        else:
            module, _ = load_discriminator(self.discriminator)
        device = self._device()
        module = module.to(device).eval()
        images = as_uint8_images(X)
        if self.bn_stats == "population" and batchnorm_layers(module):
            order = torch.randperm(images.shape[0], generator=torch.Generator().manual_seed(self.seed))
            if self.bn_images:
                order = order[: self.bn_images]
            # Drop a short last batch: its statistics would count as much as a full batch's.
            usable = max(self.batch_size, len(order) - len(order) % self.batch_size)
            self.bn_batches_ = estimate_population_statistics(
                module, module.features, batches(images[order[:usable]], self.batch_size, device)
            )
        self.discriminator_ = module
        self.n_features_out_ = feature_dimension(module, tuple(images.shape[1:]), self.grid)
        return self

    @torch.no_grad()
    def transform(self, X) -> np.ndarray:
        module = self.discriminator_
        images = as_uint8_images(X)
        device = next(module.parameters()).device
        out = np.empty((images.shape[0], self.n_features_out_), dtype=np.float32)
        layers = batchnorm_layers(module)
        momenta = [bn.momentum for bn in layers]
        if self.bn_stats == "batch":
            for bn in layers:
                bn.momentum = 0.0  # normalise with batch statistics, leave the stored ones untouched
            module.train()
        try:
            start = 0
            for x in batches(images, self.batch_size, device):
                feats = pool_to_grid(module.features(x), self.grid)
                out[start : start + len(feats)] = feats.float().cpu().numpy()
                start += len(feats)
        finally:
            for bn, momentum in zip(layers, momenta):
                bn.momentum = momentum
            module.eval()
        return out

    def get_feature_names_out(self, input_features=None):
        return np.array([f"dfeat{i}" for i in range(self.n_features_out_)], dtype=object)
