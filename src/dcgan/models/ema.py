"""Exponential moving average of G's weights, ``train.ema_decay > 0`` (off by default).

Not in the paper: modern GAN toolkits (Progressive GAN, StyleGAN; Yazıcı et al. 2019, "The
Unusual Effectiveness of Averaging in GAN Training") sample from an average of the generator's
recent weights, which smooths the oscillation of the adversarial game. After each G step::

    ema <- decay * ema + (1 - decay) * weights          (every parameter)
    ema buffers <- G's buffers                          (BatchNorm running statistics, copied)

so after n updates from ``ema_0`` with weights ``w_1 .. w_n``:
``ema_n = decay^n ema_0 + (1 - decay) * sum_t decay^(n - t) w_t``.

Warm-up: with decay 0.999 the average would remember the random initialisation for thousands
of steps, which dominates short runs. As TensorFlow's ``ExponentialMovingAverage(num_updates=)``,
update ``t`` (1-based) uses ``min(decay, (1 + t) / (10 + t))``; ``warmup=False`` turns it off.
The copy is saved in checkpoints as ``generator_ema`` and preferred by ``load_generator``.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def effective_decay(decay: float, num_updates: int, warmup: bool = True) -> float:
    """The decay used at update number ``num_updates`` (1-based)."""
    if not warmup:
        return decay
    return min(decay, (1.0 + num_updates) / (10.0 + num_updates))


@torch.no_grad()
def ema_update_(averages: list[torch.Tensor], values: list[torch.Tensor], decay: float) -> None:
    """In place: ``a <- decay * a + (1 - decay) * v`` for every pair (one fused call per list)."""
    torch._foreach_lerp_(averages, values, 1.0 - decay)


class GeneratorEMA:
    """Holds ``module``, a frozen copy of G in eval mode, updated by ``update(G)`` after each G step."""

    def __init__(self, generator: nn.Module, decay: float, warmup: bool = True):
        if not 0 <= decay < 1:
            raise ValueError(f"EMA decay must lie in [0, 1), got {decay}")
        self.decay, self.warmup = decay, warmup
        self.num_updates = 0
        self.module = copy.deepcopy(generator).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, generator: nn.Module) -> None:
        self.num_updates += 1
        decay = effective_decay(self.decay, self.num_updates, self.warmup)
        averages = list(self.module.parameters())
        values = [p.detach() for p in generator.parameters()]
        ema_update_(averages, values, decay)
        for b_ema, b in zip(self.module.buffers(), generator.buffers()):
            b_ema.copy_(b)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.module.state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor], num_updates: int) -> None:
        self.module.load_state_dict(state)
        self.num_updates = num_updates
