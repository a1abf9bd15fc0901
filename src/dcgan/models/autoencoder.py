"""The de-duplication autoencoder of §4.1.1: 3072-128-3072, ReLU code, denoising and dropout.

The paper: "a 3072-128-3072 de-noising dropout regularized RELU autoencoder on 32x32
downsampled center-crops of training examples"; its code layer, binarised, is a semantic hash.

Here: input (N, 3, 32, 32) in [-1, 1], minus the mean image of the fit data (a buffer set by the
fit loop), flattened to 3072 -> Linear -> ReLU (the 128-unit code)
-> Dropout (training only) -> Linear -> 3072 outputs, linear (the paper names no output
non-linearity; a linear output with a squared-error loss is the plain choice for [-1, 1] pixels),
plus the mean image back. Centring matters: on uncentred data (e.g. Fashion-MNIST, mostly
black) most ReLU units start, and stay, silent, and a silent unit is a constant bit of the hash.
The input corruption that makes it *denoising* is applied by the fit loop
(``dcgan.dedup.fit.corrupt``), so ``forward`` maps a (possibly corrupted) input to its
reconstruction and ``encode`` is the deterministic code used for hashing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class AutoencoderConfig:
    resolution: int = 32  # the paper's 32x32 center crops
    channels: int = 3  # one-channel data is repeated to 3 channels before it gets here
    code_units: int = 128
    dropout: float = 0.2  # on the code units, during training only
    noise_std: float = 0.2  # Gaussian input corruption, in [-1, 1] units (0.2 ~ 25/255), training only
    mask_prob: float = 0.1  # masking corruption: this fraction of input values set to 0 (mid-grey), training only

    @property
    def inputs(self) -> int:
        return self.channels * self.resolution * self.resolution

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> AutoencoderConfig:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def validate(self) -> None:
        if not 0 <= self.dropout < 1 or not 0 <= self.mask_prob < 1 or self.noise_std < 0:
            raise ValueError(f"autoencoder: need 0 <= dropout, mask_prob < 1 and noise_std >= 0, got {self}")
        if self.code_units < 1 or self.resolution < 1 or self.channels < 1:
            raise ValueError(f"autoencoder: sizes must be positive, got {self}")


class HashAutoencoder(nn.Module):
    """``encode``: (N, C, H, W) in [-1, 1] -> (N, code_units) >= 0; ``forward`` -> reconstruction, same shape as x."""

    def __init__(self, cfg: AutoencoderConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.encoder = nn.Linear(cfg.inputs, cfg.code_units)  # 3072 -> 128
        self.dropout = nn.Dropout(cfg.dropout)
        self.decoder = nn.Linear(cfg.code_units, cfg.inputs)  # 128 -> 3072
        self.register_buffer("mean", torch.zeros(cfg.channels, cfg.resolution, cfg.resolution))  # set by the fit

    def _check(self, x: torch.Tensor) -> None:
        c, r = self.cfg.channels, self.cfg.resolution
        if x.dim() != 4 or tuple(x.shape[1:]) != (c, r, r):
            raise ValueError(f"autoencoder expects (N, {c}, {r}, {r}), got {tuple(x.shape)}")

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        return F.relu(self.encoder((x - self.mean).flatten(1)))  # (N, 128), the code layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        code = self.encode(x)
        return self.decoder(self.dropout(code)).view_as(x) + self.mean  # (N, 3, 32, 32)
