"""The all-convolutional DCGAN of Radford et al. (2015), §3 and Figure 1.

Generator: z -> linear projection reshaped to a 4x4 map -> fractionally-strided (transposed)
convolutions, each halving the channels and doubling the resolution -> Tanh. BatchNorm and
ReLU on every layer but the output.

Discriminator: the mirror image with strided convolutions, LeakyReLU(0.2), BatchNorm on every
layer but the input, and one logit out. Its head is a 4x4 "valid" convolution to one channel,
which is exactly a dense layer on the flattened last conv map (the paper's "flattened and fed
into a single sigmoid output"), with no hidden fully connected layers and no pooling.

For 64x64 RGB with the ``paper`` preset (base width 128, 5x5 kernels) this is Figure 1:
z(100) -> 4x4x1024 -> 8x8x512 -> 16x16x256 -> 32x32x128 -> 64x64x3.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dcgan.config import ModelConfig

LEAKY_SLOPE = 0.2


def num_scale_layers(resolution: int) -> int:
    """Number of stride-2 layers between a 4x4 map and ``resolution`` (3 for 32, 4 for 64)."""
    return int(math.log2(resolution // 4))


def _padding(kernel_size: int) -> tuple[int, int]:
    """(padding, output_padding) that make a stride-2 (transposed) conv exactly halve (double).

    For odd kernels this is Theano's ``border_mode=k//2``: the authors' ``deconv`` is the input
    gradient of a stride-2 convolution, whose output is exactly twice the input size."""
    if kernel_size == 4:
        return 1, 0
    if kernel_size in (3, 5):
        return kernel_size // 2, 1
    raise ValueError(f"kernel_size {kernel_size} unsupported")


def projection_norm(channels: int, norm: str, eps: float) -> nn.Module:
    """BatchNorm of G's projection. ``unit``: one gain and bias per projected unit (C*16 of them),
    applied to the vector before the reshape, as the authors' ``relu(batchnorm(T.dot(Z, w), g, b))``.
    ``channel``: per channel after the reshape, as the PyTorch example (a 1x1 transposed conv)."""
    return nn.BatchNorm1d(channels * 16, eps=eps) if norm == "unit" else nn.BatchNorm2d(channels, eps=eps)


def project(z: torch.Tensor, linear: nn.Linear, norm: nn.Module, channels: int) -> torch.Tensor:
    """z (N, z_dim) -> ReLU(BatchNorm(z W)) reshaped to (N, channels, 4, 4), in the order ``norm`` needs."""
    x = linear(z)
    if isinstance(norm, nn.BatchNorm1d):
        return torch.relu(norm(x)).view(z.shape[0], channels, 4, 4)
    return torch.relu(norm(x.view(z.shape[0], channels, 4, 4)))


def assert_shape(x: torch.Tensor, shape: tuple[int | None, ...]) -> None:
    if x.dim() != len(shape) or any(s is not None and s != d for s, d in zip(shape, x.shape)):
        raise ValueError(f"expected shape {shape}, got {tuple(x.shape)}")


class Generator(nn.Module):
    """z (N, z_dim) -> images (N, channels, resolution, resolution) in [-1, 1]."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        n = num_scale_layers(cfg.resolution)
        pad, out_pad = _padding(cfg.kernel_size)
        widths = [cfg.g_width * 2 ** (n - 1 - i) for i in range(n)]  # e.g. 256,128,64 at 32 px
        self.base_channels = widths[0]
        # Projection: "a matrix multiplication ... reshaped into a 4-dimensional tensor" (§3).
        self.project = nn.Linear(cfg.z_dim, widths[0] * 4 * 4, bias=cfg.bias)
        self.project_bn = projection_norm(widths[0], cfg.project_bn, cfg.bn_eps)
        blocks: list[nn.Module] = []
        for i in range(n):
            c_in = widths[i]
            last = i == n - 1
            c_out = cfg.channels if last else widths[i + 1]
            layers: list[nn.Module] = [
                nn.ConvTranspose2d(c_in, c_out, cfg.kernel_size, 2, pad, out_pad, bias=cfg.bias)
            ]
            # No BatchNorm on the output layer (§3: it caused sample oscillation).
            layers += [nn.Tanh()] if last else [nn.BatchNorm2d(c_out, eps=cfg.bn_eps), nn.ReLU(inplace=True)]
            blocks.append(nn.Sequential(*layers))
        self.blocks = nn.ModuleList(blocks)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        assert_shape(z, (None, self.cfg.z_dim))
        x = project(z, self.project, self.project_bn, self.base_channels)  # (g_width*2^(n-1)) x 4 x 4
        for block in self.blocks:
            x = block(x)  # each: channels halve, resolution doubles
        return x


class Discriminator(nn.Module):
    """images (N, channels, res, res) in [-1, 1] -> logits (N,).

    ``blocks`` lets another all-convolutional D (e.g. the Table 1 model, ``table1.py``) reuse the
    features/head/forward contract the §5 features and the D wrappers rely on."""

    def __init__(self, cfg: ModelConfig, blocks: list[nn.Module] | None = None):
        super().__init__()
        self.cfg = cfg
        self.blocks = nn.ModuleList(self._strided_blocks(cfg) if blocks is None else blocks)
        c_last = [m for m in self.blocks[-1].modules() if isinstance(m, nn.Conv2d)][-1].out_channels
        # Dense layer on the flattened 4x4 map, written as a 4x4 valid convolution.
        self.head = nn.Conv2d(c_last, 1, 4, 1, 0, bias=cfg.bias)

    @staticmethod
    def _strided_blocks(cfg: ModelConfig) -> list[nn.Module]:
        n = num_scale_layers(cfg.resolution)
        pad, _ = _padding(cfg.kernel_size)
        widths = [cfg.d_width * 2**i for i in range(n)]  # e.g. 64,128,256 at 32 px
        blocks: list[nn.Module] = []
        c_in = cfg.channels
        for i, c_out in enumerate(widths):
            layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, cfg.kernel_size, 2, pad, bias=cfg.bias)]
            if i > 0:  # no BatchNorm on the input layer (§3)
                layers.append(nn.BatchNorm2d(c_out, eps=cfg.bn_eps))
            layers.append(nn.LeakyReLU(LEAKY_SLOPE, inplace=True))
            blocks.append(nn.Sequential(*layers))
            c_in = c_out
        return blocks

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Post-LeakyReLU activations of every conv layer (what §5 pools into features)."""
        res = self.cfg.resolution
        assert_shape(x, (None, self.cfg.channels, res, res))
        feats = []
        for block in self.blocks:
            x = block(x)
            feats.append(x)
        return feats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = self.features(x)[-1]  # (d_width*2^(n-1)) x 4 x 4
        return self.head(last).flatten()
