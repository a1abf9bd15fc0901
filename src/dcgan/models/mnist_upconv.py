"""The compact upsample+conv MNIST GAN of the Keras tutorials (reading notes), ``model.arch=upconv``.

Not the paper's model: it is here to be compared with it (``studies/variants.py``). The
paper's generator learns its own upsampling with fractionally-strided convolutions (§3); this
one upsamples by nearest-neighbour repetition and then convolves, and its discriminator ends in
a dense layer after dropout, as the tutorial (Keras-GAN ``dcgan.py``) has it::

    G: z -> Dense(2*g_width * r/4 * r/4), ReLU -> reshape (2*g_width) x r/4 x r/4   # 128 x 7 x 7
         -> [Upsample x2 (nearest), Conv3x3(2*g_width), BN, ReLU]                    # 128 x 14 x 14
         -> [Upsample x2 (nearest), Conv3x3(g_width),   BN, ReLU]                    #  64 x 28 x 28
         -> Conv3x3(channels), Tanh                                                  #   1 x 28 x 28
    D: x -> [Conv3x3/2(d_width/2), LReLU(0.2), Dropout(0.25)]                        #  32 x 14 x 14
         -> [Conv3x3/2(d_width), ZeroPad((0,1),(0,1)), BN, LReLU, Dropout]           #  64 x  8 x  8
         -> [Conv3x3/2(2*d_width), BN, LReLU, Dropout]                               # 128 x  4 x  4
         -> [Conv3x3/1(4*d_width), BN, LReLU, Dropout]                               # 256 x  4 x  4
         -> Flatten -> Dense(1) logit (the tutorial's sigmoid lives in the loss)

With the default widths (``g_width=d_width=64``, the ``pytorch`` preset) the layer sizes are
exactly the tutorial's (shape comments above are for 28x28, the tutorial's only size). Other
multiples of 4 also build; the zero-padding layer exists only where it is needed, i.e. when the
map after the second conv is odd (7 at 28 px), as it turns 7 into 8.

Faithfulness notes (each a place where ports of this model often go wrong):

- **BatchNorm momentum.** Keras ``BatchNormalization(momentum=0.8)`` updates
  ``moving = 0.8 * moving + 0.2 * batch``; PyTorch's ``momentum`` is the weight of the *new*
  batch, so the same rule is ``nn.BatchNorm2d(c, momentum=0.2)``. Many PyTorch ports write
  ``nn.BatchNorm2d(c, 0.8)``, whose second positional argument is ``eps``: that sets
  eps=0.8 (a huge variance floor) and leaves momentum at 0.1. We set ``momentum=0.2`` and
  Keras' default ``eps=1e-3`` by keyword.
- **"same" padding.** Keras pads a stride-2 3x3 conv on an even input asymmetrically (0 before,
  1 after); ``padding=1`` here pads 1 on both sides. Output sizes are identical; the sampling
  grid is shifted by one pixel, which no result depends on.
- **Biases.** Keras layers have biases by default, so every conv/dense layer here has one
  (``model.bias`` and ``model.kernel_size`` are the paper model's options and do not apply).
- **Initialisation** is the loop's N(0, 0.02) (``models.init``), not Keras' Glorot-uniform, so the
  side-by-side comparison with the paper's model differs in architecture only.
"""

from __future__ import annotations

import torch
from torch import nn

from dcgan.config import ModelConfig
from dcgan.models.dcgan import LEAKY_SLOPE, assert_shape

KERAS_BN_MOMENTUM = 0.8  # as written in the tutorial (Keras convention: weight of the old average)
BN_MOMENTUM = 1.0 - KERAS_BN_MOMENTUM  # the same rule in PyTorch's convention (weight of the new batch)
BN_EPS = 1e-3  # Keras' default epsilon
DROPOUT = 0.25
KERNEL = 3


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


def check_resolution(resolution: int) -> None:
    if resolution % 4 or not 8 <= resolution <= 128:
        raise ValueError(f"upconv needs a resolution that is a multiple of 4 in 8..128 (28 as the tutorial), got {resolution}")


class UpconvGenerator(nn.Module):
    """z (N, z_dim) -> images (N, channels, resolution, resolution) in [-1, 1]."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        check_resolution(cfg.resolution)
        self.cfg = cfg
        self.base_size = cfg.resolution // 4
        self.base_channels = 2 * cfg.g_width  # 128 in the tutorial
        self.project = nn.Linear(cfg.z_dim, self.base_channels * self.base_size**2)
        widths = [self.base_channels, 2 * cfg.g_width, cfg.g_width]
        blocks: list[nn.Module] = []
        for c_in, c_out in zip(widths, widths[1:]):
            blocks.append(nn.Sequential(
                nn.Upsample(scale_factor=2, mode="nearest"),
                nn.Conv2d(c_in, c_out, KERNEL, 1, 1),
                _bn(c_out),
                nn.ReLU(inplace=True),
            ))
        blocks.append(nn.Sequential(nn.Conv2d(widths[-1], cfg.channels, KERNEL, 1, 1), nn.Tanh()))
        self.blocks = nn.ModuleList(blocks)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        assert_shape(z, (None, self.cfg.z_dim))
        s = self.base_size
        x = torch.relu(self.project(z)).view(z.shape[0], self.base_channels, s, s)  # 128 x 7 x 7
        for block in self.blocks:
            x = block(x)
        assert_shape(x, (None, self.cfg.channels, self.cfg.resolution, self.cfg.resolution))
        return x


class UpconvDiscriminator(nn.Module):
    """images (N, channels, res, res) in [-1, 1] -> logits (N,); ``head`` maps the last feature map to the logit."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        check_resolution(cfg.resolution)
        self.cfg = cfg
        w = cfg.d_width
        widths = [max(1, w // 2), w, 2 * w, 4 * w]  # 32, 64, 128, 256 in the tutorial
        strides = [2, 2, 2, 1]
        size = cfg.resolution
        blocks: list[nn.Module] = []
        c_in = cfg.channels
        for i, (c_out, stride) in enumerate(zip(widths, strides)):
            layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, KERNEL, stride, 1)]
            size = (size + 1) // 2 if stride == 2 else size
            if i == 1 and size % 2:  # the tutorial's ZeroPadding2D(((0, 1), (0, 1))): 7 -> 8
                layers.append(nn.ZeroPad2d((0, 1, 0, 1)))
                size += 1
            if i > 0:  # no BatchNorm on the input layer, as the tutorial (and §3)
                layers.append(_bn(c_out))
            layers += [nn.LeakyReLU(LEAKY_SLOPE, inplace=True), nn.Dropout(DROPOUT)]
            blocks.append(nn.Sequential(*layers))
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        self.final_size = size
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c_in * size * size, 1))

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Activations after each conv block (post-LeakyReLU; dropout is the identity in eval mode)."""
        res = self.cfg.resolution
        assert_shape(x, (None, self.cfg.channels, res, res))
        feats = []
        for block in self.blocks:
            x = block(x)
            feats.append(x)
        return feats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = self.features(x)[-1]  # 256 x 4 x 4
        return self.head(last).flatten()
