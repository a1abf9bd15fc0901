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


def _generator(seed, z_dim=5):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(z_dim, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3), nn.BatchNorm1d(3))


def test_standing_stats_are_the_average_of_the_models_own_activations():
    from dcgan.models.ema import standing_batchnorm_stats_
    from dcgan.sampling import sample_z

    g = _generator(3)
    g[1].running_mean.fill_(5.0)  # stale statistics, e.g. copied from another network
    g[1].momentum = 0.1
    standing_batchnorm_stats_(g.eval(), z_dim=5, z_dist="normal", batches=4, batch_size=32, seed=7)
    rng = torch.Generator().manual_seed(7)
    with torch.no_grad():
        pre_bn = torch.stack([g[0](sample_z(32, 5, "normal", rng)) for _ in range(4)])
    assert torch.allclose(g[1].running_mean, pre_bn.mean(dim=(0, 1)), atol=1e-5)
    assert torch.allclose(g[1].running_var, pre_bn.var(dim=1, unbiased=True).mean(0), atol=1e-5)
    assert g[1].momentum == 0.1 and not g.training  # mode and momentum restored


def test_ema_samples_with_its_own_statistics_not_the_raw_generators():
    from dcgan.models.ema import standing_batchnorm_stats_

    g = _generator(4)
    ema = GeneratorEMA(g, 0.9, standing_stats=lambda m: standing_batchnorm_stats_(m, 5, "normal", batches=2))
    with torch.no_grad():
        for p in g.parameters():
            p.mul_(3.0)  # the average now differs from G
        g[1].running_mean.fill_(100.0)
    ema.update(g)
    assert torch.equal(ema.module[1].running_mean, g[1].running_mean)  # copied until sampled
    module = ema.for_sampling()
    assert module[1].running_mean.abs().max() < 50  # re-estimated on the average's activations
    assert ema.state_dict()["1.running_mean"].abs().max() < 50  # and saved that way
