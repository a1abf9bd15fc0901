"""EMA of G's weights: decay 0 copies, the closed form after n updates, warm-up, buffers copied."""

import pytest
import torch
from torch import nn

from dcgan.models.ema import GeneratorEMA, effective_decay


def _net(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))


def test_decay_zero_is_a_copy():
    g = _net(0)
    ema = GeneratorEMA(g, 0.0, warmup=False)
    with torch.no_grad():
        for p in g.parameters():
            p.add_(torch.randn_like(p))
        g[1].running_mean.fill_(7.0)
    ema.update(g)
    for a, b in zip(ema.module.state_dict().values(), g.state_dict().values()):
        assert torch.equal(a, b)


def test_closed_form_after_n_updates():
    decay, n = 0.9, 5
    g = _net(1)
    w0 = g[0].weight.detach().clone()
    ema = GeneratorEMA(g, decay, warmup=False)
    history = []
    for t in range(1, n + 1):
        with torch.no_grad():
            g[0].weight.copy_(torch.full_like(w0, float(t)) + w0)
        history.append(g[0].weight.detach().clone())
        ema.update(g)
    expected = decay**n * w0 + (1 - decay) * sum(decay ** (n - t) * w for t, w in enumerate(history, start=1))
    assert torch.allclose(ema.module[0].weight, expected, atol=1e-6)
    assert not ema.module[0].weight.requires_grad and not ema.module.training
    assert ema.num_updates == n


def test_warmup_forgets_the_initialisation_fast():
    assert effective_decay(0.999, 1) == pytest.approx(2 / 11)
    assert effective_decay(0.999, 10**6) == 0.999
    assert effective_decay(0.999, 1, warmup=False) == 0.999
    g = _net(2)
    ema = GeneratorEMA(g, 0.999)
    with torch.no_grad():
        g[0].weight.fill_(1.0)
    for _ in range(50):
        ema.update(g)
    # without warm-up the average would still be ~95% initial weights after 50 updates
    assert (ema.module[0].weight - 1.0).abs().max() < 0.1


def test_rejects_bad_decay():
    with pytest.raises(ValueError):
        GeneratorEMA(_net(0), 1.0)
