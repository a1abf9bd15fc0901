"""Guided backpropagation (§6.2): the rectifier rule and a hand-computed network."""

import pytest
import torch
from torch import nn

from dcgan.config import ModelConfig
from dcgan.experiments.guided_backprop import GuidedRectifier, guided_copy, guided_gradients, strongest_responses
from dcgan.models import build_models


def test_rectifier_passes_only_positive_gradients_where_input_was_positive():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(1000, generator=gen, requires_grad=True)
    upstream = torch.randn(1000, generator=gen)
    for slope in (0.0, 0.2):
        (grad,) = torch.autograd.grad(GuidedRectifier.apply(x, slope), x, upstream)
        assert torch.equal(grad, upstream.clamp(min=0) * (x > 0))
        assert (grad >= 0).all() and (grad > 0).any()
        with torch.no_grad():
            assert torch.equal(GuidedRectifier.apply(x, slope), nn.functional.leaky_relu(x, slope))


@pytest.mark.parametrize("activation, plain_grad, output", [
    (nn.ReLU(), [-3.0, -1.5], -6.0),
    (nn.LeakyReLU(0.2), [-2.4, -2.1], -6.6),
])
def test_hand_computed_network(activation, plain_grad, output):
    # h = W1 x = [-1, 4, 2] for x = [1, 2]; y = w2 . act(h) with w2 = [3, -2, 1].
    # Upstream gradient at the rectifier: w2 = [3, -2, 1]. Guided: keep where h > 0 and grad > 0,
    # i.e. only unit 3 -> dy/dx = W1[2] = [1, 0.5]. Plain ReLU: [0, -2, 1] -> W1^T = [-3, -1.5];
    # LeakyReLU(0.2): [0.6, -2, 1] -> [-2.4, -2.1].
    net = nn.Sequential(nn.Linear(2, 3, bias=False), activation, nn.Linear(3, 1, bias=False))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, -1.0], [2.0, 1.0], [1.0, 0.5]]))
        net[2].weight.copy_(torch.tensor([[3.0, -2.0, 1.0]]))
    x = torch.tensor([[1.0, 2.0]], requires_grad=True)
    guided = guided_copy(net)
    y_guided = guided(x)
    assert y_guided.item() == pytest.approx(output)
    (g,) = torch.autograd.grad(y_guided.sum(), x)
    assert torch.allclose(g, torch.tensor([[1.0, 0.5]]))
    (plain,) = torch.autograd.grad(net(x).sum(), x)
    assert torch.allclose(plain, torch.tensor([plain_grad]))
    assert isinstance(net[1], type(activation))  # the original is untouched


def test_discriminator_guided_gradients_for_top_responses():
    cfg = ModelConfig(resolution=16, channels=1, g_width=8, d_width=8, z_dim=8)
    _, d = build_models(cfg, seed=0)
    d.eval()
    images = torch.rand(10, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    responses = strongest_responses(d, images, k=3, per_channel=2)
    assert len(responses) == 3
    maxima = [r["max_activation"] for r in responses]
    assert maxima == sorted(maxima, reverse=True)
    with torch.no_grad():
        acts = d.features(images)[-1]
    assert maxima[0] == pytest.approx(float(acts.max()))
    targets = [(p["image"], r["channel"], p["y"], p["x"]) for r in responses for p in r["responses"]]
    grads = guided_gradients(d, images, targets)
    assert grads.shape == (6, 1, 16, 16)
    # each target's map equals the guided gradient computed alone
    t = targets[1]
    alone = guided_gradients(d, images, [t])
    assert torch.allclose(grads[1], alone[0], atol=1e-6)
    # and differs from the plain gradient (the rectifier rule matters)
    x = images[t[0] : t[0] + 1].clone().requires_grad_(True)
    (plain,) = torch.autograd.grad(d.features(x)[-1][0, t[1], t[2], t[3]], x)
    assert not torch.allclose(plain[0], grads[1], atol=1e-6)
    assert any(isinstance(m, nn.LeakyReLU) for m in d.modules())  # the original D keeps its rectifiers
