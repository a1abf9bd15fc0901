"""Architectures by name (``model.arch``), so variants plug into the one training loop."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import torch
from torch import nn

from dcgan import DcganError
from dcgan.config import ModelConfig
from dcgan.models.conditional import ClassAwareDiscriminator, ConditionalGenerator
from dcgan.models.dcgan import Discriminator, Generator
from dcgan.models.init import init_weights
from dcgan.models.mean_channel import MeanChannelDiscriminator
from dcgan.models.mnist_upconv import UpconvDiscriminator, UpconvGenerator
from dcgan.models.table1 import Table1Discriminator, Table1Generator

# name -> (generator factory, discriminator factory)
ARCHITECTURES: dict[str, tuple[Callable[[ModelConfig], nn.Module], Callable[[ModelConfig], nn.Module]]] = {
    "dcgan": (Generator, Discriminator),
    "upconv": (UpconvGenerator, UpconvDiscriminator),  # the Keras tutorials' MNIST model (mnist_upconv.py)
    "imagenet32": (Table1Generator, Table1Discriminator),  # the authors' ImageNet model of Table 1 (table1.py)
}


def register_arch(name: str, make_g: Callable[[ModelConfig], nn.Module], make_d: Callable[[ModelConfig], nn.Module]):
    ARCHITECTURES[name] = (make_g, make_d)


def _factories(cfg: ModelConfig):
    if cfg.channels not in (1, 3):  # 0 means "from the data": training/loop.with_data_defaults decides it
        raise DcganError(f"model.channels={cfg.channels}: a network needs 1 (grey) or 3 (RGB); 0 (from the data) "
                         "is decided when the data is opened, so set it when building networks without data")
    if cfg.arch not in ARCHITECTURES:
        raise DcganError(f"model.arch='{cfg.arch}' is unknown; choose one of {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[cfg.arch]


def build_generator(cfg: ModelConfig) -> nn.Module:
    """The arch's G; with ``num_classes > 0`` wrapped to take a label (models/conditional.py)."""
    make_g = _factories(cfg)[0]
    if cfg.num_classes > 0:
        return ConditionalGenerator(cfg, make_g(dataclasses.replace(cfg, z_dim=cfg.z_dim + cfg.num_classes)))
    return make_g(cfg)


def build_discriminator(cfg: ModelConfig) -> nn.Module:
    """The arch's D; optionally fed the batch-mean channel (models/mean_channel.py) and given an
    auxiliary class head (models/conditional.py). A registered D must offer ``features(x)`` and a
    ``head`` mapping the last feature map to one logit for these wrappers."""
    make_d = _factories(cfg)[1]
    if not cfg.mean_channel:
        d = make_d(cfg)
    else:
        d = MeanChannelDiscriminator(cfg, make_d(dataclasses.replace(cfg, channels=2 * cfg.channels)))
    if cfg.num_classes > 0:
        d = ClassAwareDiscriminator(cfg, d)
    return d


def build_models(cfg: ModelConfig, seed: int = 0) -> tuple[nn.Module, nn.Module]:
    """Both networks, initialised N(0, 0.02) from a generator seeded by ``seed``."""
    rng = torch.Generator().manual_seed(seed)
    g, d = build_generator(cfg), build_discriminator(cfg)
    init_weights(g, rng)
    init_weights(d, rng)
    return g, d
