"""The Table 1 model (arch imagenet32): the authors' ImageNet 32x32 architecture, layer by layer."""

import pytest
import torch
from torch import nn

from dcgan.config import resolve_config
from dcgan.evaluation.classify.features import feature_dimension
from dcgan.models import build_models


def test_defaults_are_the_released_model():
    m = resolve_config({}, {"model.arch": "imagenet32"}).model
    assert (m.resolution, m.channels, m.kernel_size, m.z_dim, m.z_dist) == (32, 3, 3, 256, "uniform")
    assert (m.g_width, m.d_width, m.project_bn, m.bn_eps) == (128, 128, "unit", 1e-8)


def test_layers_match_the_release_and_give_28672_features():
    cfg = resolve_config({}, {"model.arch": "imagenet32"}).model
    g, d = build_models(cfg)
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)][:-1]  # the last is the 4x4 head
    assert [(c.in_channels, c.out_channels, c.stride[0]) for c in convs] == [
        (3, 128, 1), (128, 128, 2), (128, 256, 1), (256, 256, 2), (256, 512, 1), (512, 512, 2)]
    assert all(c.kernel_size == (3, 3) for c in convs)
    assert [type(m) for m in d.blocks[0]] == [nn.Conv2d, nn.LeakyReLU]  # no BN on the input layer
    assert feature_dimension(d.eval(), (3, 32, 32)) == 28_672  # Table 1's count
    layers = [m for b in g.blocks for m in b if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    assert [(type(m).__name__, m.out_channels, m.stride[0]) for m in layers] == [
        ("ConvTranspose2d", 512, 2), ("Conv2d", 256, 1), ("ConvTranspose2d", 256, 2), ("Conv2d", 128, 1),
        ("ConvTranspose2d", 128, 2), ("Conv2d", 3, 1)]
    assert g.project.out_features == 8192 and isinstance(g.project_bn, nn.BatchNorm1d)
    assert [type(m) for m in g.blocks[-1]] == [nn.Conv2d, nn.Tanh]  # no BN on the output


@pytest.mark.parametrize("res", [16, 64])
def test_other_resolutions_build_and_run(res):
    cfg = resolve_config({}, {"model.arch": "imagenet32", "model.resolution": res, "model.g_width": 8,
                              "model.d_width": 8, "model.z_dim": 16}).model
    g, d = build_models(cfg)
    x = g(torch.rand(4, 16) * 2 - 1)
    assert x.shape == (4, 3, res, res) and d(x).shape == (4,)
