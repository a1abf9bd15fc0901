"""The authors' ImageNet 32x32 model, whose discriminator features give Table 1 (§5).

Known from their release (``imagenet_gan_pretrain_128f_relu_lrelu_7l_3x3_256z``, see
``shared/PAPER.md``, "The model of Table 1"): every kernel 3x3, and at every scale a stride-1
convolution beside the stride-2 one, so both networks have twice as many conv layers as the
plain DCGAN.

D (d_width 128 at 32 px): conv 3->128 /1 (no BN) -> 128 /2 -> 256 /1 -> 256 /2 -> 512 /1 -> 512 /2,
LeakyReLU(0.2), BatchNorm on all but the first; one logit from the flattened 512x4x4 map. Its six
conv layers have 1,792 channels: max-pooled to 4x4 each, 28,672 features, Table 1's count.

G (g_width 128, z 256-d uniform): linear 256 -> 8192 with per-unit BatchNorm, ReLU -> 512x4x4 ->
fractionally-strided 512 /2 (8x8) -> 256 /1 -> 256 /2 (16x16) -> 128 /1 -> 128 /2 (32x32), each
BN + ReLU -> conv to the image channels /1, Tanh. A stride-1 "fractionally-strided" convolution is
an ordinary convolution, and is written as one (``nn.Conv2d``); ``interop/authors.py`` converts
either array layout the authors could have stored for it.
"""

from __future__ import annotations

from torch import nn

from dcgan.config import ModelConfig
from dcgan.models.dcgan import (
    LEAKY_SLOPE,
    Discriminator,
    _padding,
    assert_shape,
    num_scale_layers,
    project,
    projection_norm,
)


def _bn_relu(channels: int, eps: float) -> list[nn.Module]:
    return [nn.BatchNorm2d(channels, eps=eps), nn.ReLU(inplace=True)]


class Table1Generator(nn.Module):
    """z (N, z_dim) -> images (N, channels, res, res) in [-1, 1]; ``blocks`` holds one conv layer each."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        n = num_scale_layers(cfg.resolution)
        k = cfg.kernel_size
        pad, out_pad = _padding(k)
        widths = [cfg.g_width * 2 ** (n - 1 - i) for i in range(n)]  # 512, 256, 128 at 32 px
        self.base_channels = widths[0]
        self.project = nn.Linear(cfg.z_dim, widths[0] * 4 * 4, bias=cfg.bias)
        self.project_bn = projection_norm(widths[0], cfg.project_bn, cfg.bn_eps)
        blocks: list[nn.Module] = []
        for i, width in enumerate(widths):
            up = nn.ConvTranspose2d(width, width, k, 2, pad, out_pad, bias=cfg.bias)  # resolution doubles
            blocks.append(nn.Sequential(up, *_bn_relu(width, cfg.bn_eps)))
            if i < n - 1:  # stride 1: channels halve towards the next scale
                same = nn.Conv2d(width, widths[i + 1], k, 1, k // 2, bias=cfg.bias)
                blocks.append(nn.Sequential(same, *_bn_relu(widths[i + 1], cfg.bn_eps)))
        # Output: stride-1 conv to the image, no BatchNorm (§3), Tanh.
        blocks.append(nn.Sequential(nn.Conv2d(widths[-1], cfg.channels, k, 1, k // 2, bias=cfg.bias), nn.Tanh()))
        self.blocks = nn.ModuleList(blocks)

    def forward(self, z):
        assert_shape(z, (None, self.cfg.z_dim))
        x = project(z, self.project, self.project_bn, self.base_channels)  # 512 x 4 x 4 at 32 px
        for block in self.blocks:
            x = block(x)
        return x


class Table1Discriminator(Discriminator):
    """images (N, channels, res, res) -> logits (N,); ``features`` gives every conv layer's output."""

    def __init__(self, cfg: ModelConfig):
        n = num_scale_layers(cfg.resolution)
        k = cfg.kernel_size
        blocks: list[nn.Module] = []
        c_in = cfg.channels
        for width in (cfg.d_width * 2**i for i in range(n)):  # 128, 256, 512 at 32 px
            for stride in (1, 2):  # same size, then halve
                layers: list[nn.Module] = [nn.Conv2d(c_in, width, k, stride, k // 2, bias=cfg.bias)]
                if blocks:  # no BatchNorm on the input layer (§3)
                    layers.append(nn.BatchNorm2d(width, eps=cfg.bn_eps))
                layers.append(nn.LeakyReLU(LEAKY_SLOPE, inplace=True))
                blocks.append(nn.Sequential(*layers))
                c_in = width
        super().__init__(cfg, blocks)
