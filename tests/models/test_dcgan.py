"""Paper §3 rules checked on the built modules, for every resolution, channel count and preset."""

import dataclasses

import pytest
import torch
from torch import nn

from dcgan import DcganError
from dcgan.config import resolve_config
from dcgan.models import build_models
from dcgan.models.dcgan import Discriminator, Generator, num_scale_layers

CASES = [(res, ch, preset) for res in (16, 32, 64, 128) for ch in (1, 3) for preset in ("paper", "pytorch")]


def small(res, ch, preset, **extra):
    # Widths shrunk so 128 px stays fast; structure is what is under test.
    return resolve_config({}, {"preset": preset, "model.resolution": res, "model.channels": ch,
                               "model.g_width": 4, "model.d_width": 4, **extra}).model


@pytest.mark.parametrize("res,ch,preset", CASES)
def test_shapes(res, ch, preset):
    cfg = small(res, ch, preset)
    g, d = build_models(cfg, seed=0)
    z = torch.randn(3, cfg.z_dim)
    x = g(z)
    assert x.shape == (3, ch, res, res)
    assert x.min() >= -1 and x.max() <= 1
    assert d(x).shape == (3,)
    feats = d.features(x)
    assert len(feats) == num_scale_layers(res)
    assert feats[-1].shape[-2:] == (4, 4)
    # channels double towards the 4x4 map, resolution halves
    for a, b in zip(feats, feats[1:]):
        assert b.shape[1] == 2 * a.shape[1] and b.shape[-1] * 2 == a.shape[-1]


def test_figure1_widths_paper_preset_64px():
    cfg = resolve_config({}, {"preset": "paper", "model.resolution": 64, "model.channels": 3}).model
    g = Generator(cfg)
    convs = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert g.project.out_features == 1024 * 4 * 4
    assert [c.out_channels for c in convs] == [512, 256, 128, 3]
    assert all(c.kernel_size == (5, 5) and c.stride == (2, 2) for c in convs)


@pytest.mark.parametrize("preset", ["paper", "pytorch"])
def test_batchnorm_and_activation_placement(preset):
    cfg = small(64, 3, preset)
    g, d = Generator(cfg), Discriminator(cfg)
    # G: BN + ReLU after the projection and every hidden block; output block = convT + Tanh only.
    for block in g.blocks[:-1]:
        kinds = [type(m) for m in block]
        assert kinds == [nn.ConvTranspose2d, nn.BatchNorm2d, nn.ReLU]
    assert [type(m) for m in g.blocks[-1]] == [nn.ConvTranspose2d, nn.Tanh]
    # The projection's BatchNorm: per unit of the vector (authors) or per channel (PyTorch example).
    if preset == "paper":
        assert isinstance(g.project_bn, nn.BatchNorm1d) and g.project_bn.num_features == g.project.out_features
    else:
        assert isinstance(g.project_bn, nn.BatchNorm2d) and g.project_bn.num_features == g.project.out_features // 16
    # D: first block without BN, all with LeakyReLU(0.2).
    assert [type(m) for m in d.blocks[0]] == [nn.Conv2d, nn.LeakyReLU]
    for block in d.blocks[1:]:
        assert [type(m) for m in block] == [nn.Conv2d, nn.BatchNorm2d, nn.LeakyReLU]
    assert all(m.negative_slope == 0.2 for m in d.modules() if isinstance(m, nn.LeakyReLU))
    # No pooling and no hidden fully connected layers anywhere.
    for net in (g, d):
        assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d)) for m in net.modules())
    assert [m for m in d.modules() if isinstance(m, nn.Linear)] == []
    assert [m for m in g.modules() if isinstance(m, nn.Linear)] == [g.project]
    # strided convolutions in D, fractionally-strided in G
    assert all(m.stride == (2, 2) for blk in d.blocks for m in blk if isinstance(m, nn.Conv2d))


@pytest.mark.parametrize("preset,kernel,z_dist", [("paper", 5, "uniform"), ("pytorch", 4, "normal")])
def test_presets(preset, kernel, z_dist):
    cfg = resolve_config({}, {"preset": preset, "model.channels": 1})
    assert cfg.model.kernel_size == kernel and cfg.model.z_dist == z_dist
    assert cfg.train.lr_d == cfg.train.lr_g == 2e-4 and cfg.train.beta1 == 0.5 and cfg.train.batch_size == 128
    g, _ = build_models(cfg.model)
    assert all(p.ndim > 1 or "bn" in n or "blocks" in n for n, p in g.named_parameters())
    assert not any(getattr(m, "bias", None) is not None for m in g.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)))
    if preset == "paper":
        assert cfg.train.weight_decay == 1e-5 and cfg.model.g_width == 128


def test_init_statistics():
    cfg = resolve_config({}, {"preset": "paper", "model.resolution": 64, "model.channels": 3}).model
    g, d = build_models(cfg, seed=3)
    weights = torch.cat([m.weight.flatten() for net in (g, d) for m in net.modules()
                         if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))])
    assert abs(weights.mean().item()) < 1e-3
    assert abs(weights.std().item() - 0.02) < 5e-4
    gains = torch.cat([m.weight for net in (g, d) for m in net.modules() if isinstance(m, nn.BatchNorm2d)])
    assert abs(gains.mean().item() - 1.0) < 5e-3 and abs(gains.std().item() - 0.02) < 5e-3
    g2, _ = build_models(cfg, seed=3)
    assert torch.equal(g.project.weight, g2.project.weight)  # seeded


@pytest.mark.parametrize("key,value,word", [
    ("model.resolution", "48", "model.resolution"),
    ("model.resolution", "256", "model.resolution"),
    ("model.channels", "2", "model.channels"),
    ("model.kernel_size", "7", "model.kernel_size"),
    ("model.project_bn", "layer", "model.project_bn"),
    ("model.bn_eps", "0", "model.bn_eps"),
    ("train.batch_size", "1", "train.batch_size"),
    ("train.batch_size", "many", "train.batch_size"),
    ("model.nonsense", "1", "model.nonsense"),
])
def test_invalid_config_names_the_option(key, value, word):
    with pytest.raises(DcganError, match=word.replace(".", r"\.")):
        resolve_config({}, {key: value})


def test_unit_projection_normalises_each_projected_unit_before_the_reshape():
    cfg = small(32, 1, "paper")
    g = Generator(cfg).train()
    z = torch.randn(64, cfg.z_dim)
    with torch.no_grad():
        maps = torch.relu(g.project_bn(g.project(z))).view(64, -1, 4, 4)
        # every unit (channel, row, col) has zero mean over the batch before ReLU: per-unit statistics
        pre = g.project_bn(g.project(z)).view(64, -1, 4, 4)
    assert pre.mean(0).abs().max() < 1e-4
    channel_cfg = dataclasses.replace(cfg, project_bn="channel")
    g2 = Generator(channel_cfg).train()
    with torch.no_grad():
        pre2 = g2.project_bn(g2.project(z).view(64, -1, 4, 4))
    assert pre2.mean((0, 2, 3)).abs().max() < 1e-4 and pre2.mean(0).abs().max() > 1e-3  # per channel only
    assert torch.equal(torch.relu(pre), maps)
