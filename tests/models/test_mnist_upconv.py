"""The Keras-tutorial upsample+conv model (``model.arch=upconv``): sizes, layer rules, conventions."""

import pytest
import torch
from torch import nn

from dcgan import DcganError
from dcgan.config import resolve_config
from dcgan.models import build_models
from dcgan.models.mnist_upconv import UpconvDiscriminator, UpconvGenerator


def upconv_cfg(**extra):
    return resolve_config({}, {"model.arch": "upconv", "model.channels": 1, **extra}).model


def test_arch_defaults_to_the_tutorials_28px_and_rejects_other_sizes():
    assert upconv_cfg().resolution == 28
    assert upconv_cfg(**{"model.resolution": 32}).resolution == 32
    with pytest.raises(DcganError, match="model.resolution=30.*upconv"):
        upconv_cfg(**{"model.resolution": 30})
    with pytest.raises(DcganError, match="model.resolution=28"):  # the paper's model still refuses 28
        resolve_config({}, {"model.resolution": 28})


def test_default_widths_are_the_tutorials():
    cfg = upconv_cfg()  # pytorch preset: g_width = d_width = 64
    g, d = UpconvGenerator(cfg), UpconvDiscriminator(cfg)
    assert g.project.out_features == 128 * 7 * 7
    assert [m.out_channels for m in g.modules() if isinstance(m, nn.Conv2d)] == [128, 64, 1]
    d_convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in d_convs] == [32, 64, 128, 256]
    assert [c.stride for c in d_convs] == [(2, 2), (2, 2), (2, 2), (1, 1)]
    assert all(c.kernel_size == (3, 3) for c in d_convs + [m for m in g.modules() if isinstance(m, nn.Conv2d)])
    head = [m for m in d.head.modules() if isinstance(m, nn.Linear)]
    assert len(head) == 1 and head[0].in_features == 256 * 4 * 4 and head[0].out_features == 1


@pytest.mark.parametrize("res,channels", [(28, 1), (28, 3), (32, 1)])
def test_shapes(res, channels):
    cfg = upconv_cfg(**{"model.resolution": res, "model.channels": channels, "model.g_width": 8, "model.d_width": 8})
    g, d = build_models(cfg, seed=0)
    x = g(torch.randn(5, cfg.z_dim))
    assert x.shape == (5, channels, res, res) and x.min() >= -1 and x.max() <= 1
    assert d(x).shape == (5,)
    sizes = [f.shape[-1] for f in d.features(x)]
    assert sizes == ([14, 8, 4, 4] if res == 28 else [16, 8, 4, 4])


def test_layer_rules():
    cfg = upconv_cfg(**{"model.g_width": 8, "model.d_width": 8})
    g, d = UpconvGenerator(cfg), UpconvDiscriminator(cfg)
    for block in g.blocks[:-1]:
        assert [type(m) for m in block] == [nn.Upsample, nn.Conv2d, nn.BatchNorm2d, nn.ReLU]
        assert block[0].scale_factor == 2 and block[0].mode == "nearest"
    assert [type(m) for m in g.blocks[-1]] == [nn.Conv2d, nn.Tanh]
    kinds = [[type(m) for m in block] for block in d.blocks]
    assert kinds[0] == [nn.Conv2d, nn.LeakyReLU, nn.Dropout]  # no BN on the input layer
    assert kinds[1] == [nn.Conv2d, nn.ZeroPad2d, nn.BatchNorm2d, nn.LeakyReLU, nn.Dropout]
    assert kinds[2] == kinds[3] == [nn.Conv2d, nn.BatchNorm2d, nn.LeakyReLU, nn.Dropout]
    assert d.blocks[1][1].padding == (0, 1, 0, 1)  # ((top 0, bottom 1), (left 0, right 1)) in Keras terms
    assert all(m.p == 0.25 for m in d.modules() if isinstance(m, nn.Dropout))
    assert all(m.negative_slope == 0.2 for m in d.modules() if isinstance(m, nn.LeakyReLU))
    # the zero-pad exists only to turn an odd map into an even one: not at 32 px
    d32 = UpconvDiscriminator(upconv_cfg(**{"model.resolution": 32, "model.d_width": 8}))
    assert not any(isinstance(m, nn.ZeroPad2d) for m in d32.modules())


def test_batchnorm_uses_keras_momentum_0_8_in_pytorch_convention_not_eps_0_8():
    g = UpconvGenerator(upconv_cfg(**{"model.g_width": 8}))
    bns = [m for m in g.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and all(m.momentum == pytest.approx(0.2) and m.eps == pytest.approx(1e-3) for m in bns)
    # behaviour, Keras' rule: moving = 0.8 * moving + 0.2 * batch_mean
    bn = bns[0]
    bn.running_mean.fill_(1.0)
    x = torch.randn(4, bn.num_features, 5, 5) + 3.0
    bn.train()(x)
    expected = 0.8 * 1.0 + 0.2 * x.mean(dim=(0, 2, 3))
    assert torch.allclose(bn.running_mean, expected, atol=1e-6)


def test_dropout_is_on_in_training_and_off_in_eval():
    cfg = upconv_cfg(**{"model.g_width": 8, "model.d_width": 8})
    _, d = build_models(cfg, seed=0)
    x = torch.rand(6, 1, 28, 28) * 2 - 1
    torch.manual_seed(0)
    a, b = d.train()(x), d(x)
    assert not torch.allclose(a, b)
    d.eval()
    assert torch.equal(d(x), d(x))
