"""Class-aware GAN (AC-GAN): labels reach G and D's auxiliary head; the aux loss learns."""

import pytest
import torch

from dcgan.config import resolve_config
from dcgan.core.device import resolve_precision
from dcgan.models import build_models
from dcgan.models.conditional import ConditionalGenerator, default_labels, sampling_labels, split_logits
from dcgan.training import step as step_module
from dcgan.training.step import GANStep


def cond_cfg(**extra):
    values = {"model.resolution": 16, "model.g_width": 8, "model.d_width": 8, "model.z_dim": 8, "model.num_classes": 3}
    return resolve_config({}, {"model.channels": 1, **values, **extra}).model


@pytest.mark.parametrize("extra", [{}, {"model.arch": "upconv"}, {"model.mean_channel": True}])
def test_shapes_and_label_use(extra):
    cfg = cond_cfg(**extra)
    g, d = build_models(cfg, seed=0)
    assert isinstance(g, ConditionalGenerator)
    g.eval()
    z = torch.randn(6, cfg.z_dim)
    x0, x1 = g(z, torch.zeros(6, dtype=torch.long)), g(z, torch.ones(6, dtype=torch.long))
    assert x0.shape == (6, 1, cfg.resolution, cfg.resolution)
    assert not torch.allclose(x0, x1), "the label must change the image"
    assert torch.equal(g(z), g(z, default_labels(6, 3)))
    out = d(x0)
    assert out.shape == (6, 1 + 3)
    source, classes = split_logits(out)
    assert source.shape == (6,) and classes.shape == (6, 3)
    assert len(d.features(x0)) == len(d.blocks)


def test_unconditional_d_keeps_one_logit():
    _, d = build_models(cond_cfg(**{"model.num_classes": 0}), seed=0)
    assert d(torch.zeros(2, 1, 16, 16)).shape == (2,)
    assert split_logits(torch.zeros(2))[1] is None


def test_sampling_labels():
    assert sampling_labels(3, 5) is None
    assert sampling_labels(3, 5, class_index=2).tolist() == [2] * 5
    assert sampling_labels(3, 5, per_class=2).tolist() == [0, 0, 1, 1, 2, 2]
    with pytest.raises(ValueError, match="out of range"):
        sampling_labels(3, 5, class_index=3)
    with pytest.raises(ValueError, match="not class-conditional"):
        sampling_labels(0, 5, per_class=2)


def _separable_batches(n, generator):
    """Two classes that a classifier separates by brightness: class 0 dark, class 1 bright."""
    y = torch.randint(0, 2, (n,), generator=generator)
    x = torch.where(y.view(-1, 1, 1, 1) == 1, 0.6, -0.6) + 0.1 * torch.randn(n, 1, 16, 16, generator=generator)
    return x, y


def test_labels_reach_g_and_the_aux_head(monkeypatch):
    cfg = cond_cfg(**{"model.num_classes": 2})
    g, d = build_models(cfg, seed=0)
    seen_g, seen_loss = [], []
    inner_forward = g.forward
    monkeypatch.setattr(g, "forward", lambda z, labels=None: seen_g.append(labels) or inner_forward(z, labels))
    real_cls_loss = step_module.classification_loss

    def spy_loss(logits, y):
        seen_loss.append((logits.shape, y))
        return real_cls_loss(logits, y)

    monkeypatch.setattr(step_module, "classification_loss", spy_loss)
    opt_g, opt_d = torch.optim.Adam(g.parameters(), 2e-4), torch.optim.Adam(d.parameters(), 2e-4)
    step = GANStep(g, d, opt_g, opt_d, resolve_precision("fp32", torch.device("cpu")), num_classes=2)
    rng = torch.Generator().manual_seed(0)
    x, y = _separable_batches(8, rng)
    y_fake = torch.tensor([1, 0, 1, 1, 0, 0, 1, 0])
    stats = step([x], [torch.randn(8, cfg.z_dim, generator=rng)], [y], [y_fake])
    assert len(seen_g) == 1 and torch.equal(seen_g[0], y_fake)
    # D step: real logits with real labels, fake logits with fake labels; G step: fake labels again
    assert [s for s, _ in seen_loss] == [(8, 2)] * 3
    assert torch.equal(seen_loss[0][1], y) and torch.equal(seen_loss[1][1], y_fake) and torch.equal(seen_loss[2][1], y_fake)
    assert stats.as_tensor().shape == (len(step.stat_names),) == (6,)
    with pytest.raises(ValueError, match="needs label_batches"):
        step([x], [torch.randn(8, cfg.z_dim)])


def test_aux_loss_decreases_on_a_separable_problem():
    torch.manual_seed(0)
    cfg = cond_cfg(**{"model.num_classes": 2})
    g, d = build_models(cfg, seed=0)
    opt_g, opt_d = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999)), torch.optim.Adam(d.parameters(), 1e-3, betas=(0.5, 0.999))
    step = GANStep(g, d, opt_g, opt_d, resolve_precision("fp32", torch.device("cpu")), num_classes=2)
    rng = torch.Generator().manual_seed(1)
    losses, accs = [], []
    for _ in range(40):
        x, y = _separable_batches(16, rng)
        stats = step([x], [torch.randn(16, cfg.z_dim, generator=rng)], [y], [torch.randint(0, 2, (16,), generator=rng)])
        losses.append(float(stats.loss_cls))
        accs.append(float(stats.acc_real))
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5
    assert sum(accs[-5:]) / 5 > 0.9
