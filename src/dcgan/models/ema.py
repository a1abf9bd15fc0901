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

BatchNorm: the average's weights are not the raw G's, so the raw G's running statistics do not
describe the average's own activations (a mismatch that grows with the decay). Before the average
is sampled or saved, every BatchNorm's statistics are re-estimated as the plain mean over a few
seeded batches of its own activations: the "standing statistics" of BigGAN (Brock et al. 2019),
which also sampled an EMA generator. ``standing_batchnorm_stats_`` does it; it is deterministic.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn

from dcgan.sampling import sample_z

STANDING_STATS_BATCHES = 16
STANDING_STATS_BATCH_SIZE = 128
STANDING_STATS_SEED = 0


def effective_decay(decay: float, num_updates: int, warmup: bool = True) -> float:
    """The decay used at update number ``num_updates`` (1-based)."""
    if not warmup:
        return decay
    return min(decay, (1.0 + num_updates) / (10.0 + num_updates))


@torch.no_grad()
def ema_update_(averages: list[torch.Tensor], values: list[torch.Tensor], decay: float) -> None:
    """In place: ``a <- decay * a + (1 - decay) * v`` for every pair (one fused call per list)."""
    torch._foreach_lerp_(averages, values, 1.0 - decay)


@torch.no_grad()
def standing_batchnorm_stats_(generator: nn.Module, z_dim: int, z_dist: str, batches: int = STANDING_STATS_BATCHES,
                              batch_size: int = STANDING_STATS_BATCH_SIZE, seed: int = STANDING_STATS_SEED) -> nn.Module:
    """In place: every BatchNorm's running mean/var := the mean over ``batches`` seeded batches of
    G's own activations (momentum ``None`` = cumulative average). G's mode and momenta are restored."""
    norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
    if not norms:
        return generator
    device = next(generator.parameters()).device
    was_training, momenta = generator.training, [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    generator.train()
    rng = torch.Generator().manual_seed(seed)
    try:
        for _ in range(batches):
            generator(sample_z(batch_size, z_dim, z_dist, rng).to(device))
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        generator.train(was_training)
    return generator


class GeneratorEMA:
    """Holds ``module``, a frozen copy of G in eval mode, updated by ``update(G)`` after each G step.

    ``standing_stats(module)``, when given, re-estimates the copy's BatchNorm statistics; it runs
    lazily, once per batch of updates, when the copy is next sampled (``for_sampling``) or saved.
    """

    def __init__(self, generator: nn.Module, decay: float, warmup: bool = True,
                 standing_stats: Callable[[nn.Module], object] | None = None):
        if not 0 <= decay < 1:
            raise ValueError(f"EMA decay must lie in [0, 1), got {decay}")
        self.decay, self.warmup = decay, warmup
        self.num_updates = 0
        self.module = copy.deepcopy(generator).eval().requires_grad_(False)
        self.standing_stats = standing_stats
        self._stats_stale = standing_stats is not None

    @torch.no_grad()
    def update(self, generator: nn.Module) -> None:
        self.num_updates += 1
        decay = effective_decay(self.decay, self.num_updates, self.warmup)
        averages = list(self.module.parameters())
        values = [p.detach() for p in generator.parameters()]
        ema_update_(averages, values, decay)
        for b_ema, b in zip(self.module.buffers(), generator.buffers()):
            b_ema.copy_(b)
        self._stats_stale = self.standing_stats is not None

    def for_sampling(self) -> nn.Module:
        """The averaged G, its BatchNorm statistics re-estimated if it changed since last time."""
        if self._stats_stale:
            self.standing_stats(self.module)
            self.module.eval()
            self._stats_stale = False
        return self.module

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.for_sampling().state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor], num_updates: int) -> None:
        self.module.load_state_dict(state)
        self.num_updates = num_updates
        self._stats_stale = self.standing_stats is not None
