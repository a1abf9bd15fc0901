"""Architectures by name (``model.arch``), so variants plug into the one training loop."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from dcgan import DcganError
from dcgan.config import ModelConfig
from dcgan.models.dcgan import Discriminator, Generator
from dcgan.models.init import init_weights

# name -> (generator factory, discriminator factory)
ARCHITECTURES: dict[str, tuple[Callable[[ModelConfig], nn.Module], Callable[[ModelConfig], nn.Module]]] = {
    "dcgan": (Generator, Discriminator),
}


def register_arch(name: str, make_g: Callable[[ModelConfig], nn.Module], make_d: Callable[[ModelConfig], nn.Module]):
    ARCHITECTURES[name] = (make_g, make_d)


def _factories(cfg: ModelConfig):
    if cfg.arch not in ARCHITECTURES:
        raise DcganError(f"model.arch='{cfg.arch}' is unknown; choose one of {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[cfg.arch]


def build_generator(cfg: ModelConfig) -> nn.Module:
    return _factories(cfg)[0](cfg)


def build_discriminator(cfg: ModelConfig) -> nn.Module:
    return _factories(cfg)[1](cfg)


def build_models(cfg: ModelConfig, seed: int = 0) -> tuple[nn.Module, nn.Module]:
    """Both networks, initialised N(0, 0.02) from a generator seeded by ``seed``."""
    rng = torch.Generator().manual_seed(seed)
    g, d = build_generator(cfg), build_discriminator(cfg)
    init_weights(g, rng)
    init_weights(d, rng)
    return g, d
