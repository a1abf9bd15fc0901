"""Weight initialisation of §4: every weight from N(0, 0.02); BatchNorm gains N(1, 0.02), biases 0."""

from __future__ import annotations

import torch
from torch import nn

INIT_STD = 0.02


@torch.no_grad()
def init_weights(module: nn.Module, generator: torch.Generator | None = None) -> None:
    """Initialise ``module`` in place, drawing from ``generator`` so runs are seeded explicitly."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            m.weight.normal_(0.0, INIT_STD, generator=generator)
            if getattr(m, "bias", None) is not None:
                m.bias.zero_()
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            if m.weight is not None:
                m.weight.normal_(1.0, INIT_STD, generator=generator)
                m.bias.zero_()
