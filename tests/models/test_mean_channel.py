"""The batch-mean channel: D sees [x, x - mean(x)], computed on each forward's own batch."""

import torch
from torch import nn

from dcgan.config import resolve_config
from dcgan.models import build_models
from dcgan.models.mean_channel import MeanChannelDiscriminator, with_mean_channel


def test_identical_images_give_a_zero_extra_channel():
    x = torch.rand(1, 3, 8, 8).expand(5, -1, -1, -1)
    out = with_mean_channel(x)
    assert out.shape == (5, 6, 8, 8)
    assert torch.equal(out[:, :3], x) and out[:, 3:].abs().max() < 1e-6  # zero up to float rounding of the mean
    varied = with_mean_channel(torch.rand(5, 3, 8, 8))
    assert varied[:, 3:].abs().mean() > 0.1
    assert torch.allclose(varied[:, 3:].sum(0), torch.zeros(3, 8, 8), atol=1e-5)  # differences from the mean sum to 0


def test_d_input_gets_the_extra_channel_per_forward_batch():
    cfg = resolve_config({}, {"model.resolution": 16, "model.channels": 1, "model.d_width": 8, "model.mean_channel": True}).model
    _, d = build_models(cfg, seed=0)
    assert isinstance(d, MeanChannelDiscriminator)
    first = d.blocks[0][0]
    assert isinstance(first, nn.Conv2d) and first.in_channels == 2 * cfg.channels
    seen = []
    first.register_forward_hook(lambda m, inp, out: seen.append(inp[0].detach().clone()))
    real = torch.rand(4, 1, 16, 16) * 2 - 1
    collapsed = torch.full((4, 1, 16, 16), 0.3)
    assert d(real).shape == (4,)
    d(collapsed)
    assert torch.allclose(seen[0][:, 1:], real - real.mean(0, keepdim=True))
    assert seen[1][:, 1:].abs().max() < 1e-6  # the fake batch's mean is its own, not the real one's
    assert len(d.features(real)) == len(d.blocks)
