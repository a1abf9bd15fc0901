"""Augmentation of what D sees (training/augment.py): shapes, gradients, ADA's p, determinism."""

from __future__ import annotations

import pytest
import torch

from dcgan.training.augment import ADA_ADJUST_EVERY, Augment, cutout, translate


def _images(n=8, c=3, size=16, seed=0):
    return torch.rand(n, c, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.mark.parametrize("kind", ["diffaug", "ada"])
@pytest.mark.parametrize("channels", [1, 3])
def test_shape_and_dtype_kept_and_images_changed(kind, channels):
    x = _images(c=channels)
    aug = Augment(kind, seed=0)
    aug.p.fill_(1.0)  # ADA at p=1: every transform on every image
    y = aug(x)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert not torch.allclose(y, x)


def test_none_is_the_identity():
    x = _images()
    assert Augment("none")(x) is x


@pytest.mark.parametrize("kind", ["diffaug", "ada"])
def test_gradient_reaches_every_input_image(kind):
    """G learns through the augmentation: every image gets a non-zero gradient."""
    x = _images().requires_grad_()
    aug = Augment(kind, seed=1)
    aug.p.fill_(0.8)
    (aug(x) * torch.randn(x.shape, generator=torch.Generator().manual_seed(2))).sum().backward()
    assert x.grad is not None and (x.grad.abs().flatten(1).sum(1) > 0).all()


def test_ada_at_p_zero_changes_nothing():
    x = _images()
    torch.testing.assert_close(Augment("ada", seed=0)(x), x, atol=1e-6, rtol=0)  # up to float rounding


@pytest.mark.parametrize("kind", ["diffaug", "ada"])
def test_same_seed_same_augmentation_and_state_round_trip(kind):
    x = _images()
    a, b = Augment(kind, seed=3), Augment(kind, seed=3)
    a.p.fill_(0.5), b.p.fill_(0.5)
    assert torch.equal(a(x), b(x))
    other = Augment(kind, seed=4)
    other.p.fill_(0.5)
    assert not torch.equal(a(x), other(x))
    saved = a.state_dict()
    expected = a(x)
    c = Augment(kind, seed=99)
    c.load_state_dict(saved)
    assert torch.equal(c(x), expected)


def test_ada_p_rises_while_d_is_sure_of_the_reals_and_falls_when_not():
    aug = Augment("ada", seed=0, ada_target=0.6, ada_kimg=1.0, batch_size=10)  # p moves 0.04 per adjustment
    sure = torch.full((10, 1), 5.0)  # sign(D(real)) = +1: r_t = 1 > 0.6
    for _ in range(ADA_ADJUST_EVERY * 5):
        aug.observe(sure)
    assert float(aug.p) == pytest.approx(5 * ADA_ADJUST_EVERY * 10 / 1000)
    unsure = torch.cat([torch.full((5, 1), 1.0), torch.full((5, 1), -1.0)])  # r_t = 0 < 0.6
    for _ in range(ADA_ADJUST_EVERY * 2):
        aug.observe(unsure)
    assert float(aug.p) == pytest.approx(3 * ADA_ADJUST_EVERY * 10 / 1000)
    for _ in range(ADA_ADJUST_EVERY * 100):
        aug.observe(unsure)
    assert float(aug.p) == 0.0  # clamped at 0


def test_other_kinds_ignore_observe():
    aug = Augment("diffaug")
    aug.observe(torch.ones(4, 1))
    assert float(aug.p) == 0.0


def test_translate_moves_content_by_whole_pixels_and_fills_with_zero():
    x = torch.zeros(1, 1, 16, 16)
    x[0, 0, 8, 8] = 1.0
    gen = torch.Generator().manual_seed(0)
    y = translate(x, gen)
    assert y.sum() in (0.0, 1.0)  # moved (or off the edge), never blurred
    if y.sum() == 1.0:
        r, c = (y[0, 0] == 1).nonzero()[0].tolist()
        assert abs(r - 8) <= 2 and abs(c - 8) <= 2  # at most 1/8 of 16


def test_cutout_zeroes_a_square_of_half_the_side():
    x = torch.ones(64, 1, 16, 16)
    y = cutout(x, torch.Generator().manual_seed(0))
    holes = (y == 0).flatten(1).sum(1)
    assert (holes <= 64).all() and (holes > 0).all() and (holes == 64).any()  # 8x8 when it does not overhang
