"""The authors' nearest-neighbour distance against a direct computation; the memorisation check
(exact search, its spaces) and its picture."""

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.spatial.distance import cdist

from dcgan.config import ModelConfig
from dcgan.evaluation.classify.features import DiscriminatorFeatures
from dcgan.evaluation.neighbours import (
    Space,
    discriminator_space,
    memorisation_check,
    nearest,
    neighbours_figure,
    nnd_score,
    pixel_space,
)
from dcgan.models import build_models


def test_nnd_matches_direct_definition():
    g = torch.Generator().manual_seed(0)
    samples = torch.randint(0, 256, (40, 1, 6, 6), dtype=torch.uint8, generator=g)
    heldout = torch.randint(0, 256, (25, 1, 6, 6), dtype=torch.uint8, generator=g)
    flat = lambda x: x.reshape(len(x), -1).numpy() / 255.0
    want = cdist(flat(heldout), flat(samples)).min(axis=1).mean()  # held-out -> nearest sample
    assert nnd_score(samples, heldout) == pytest.approx(want, rel=1e-5)
    assert nnd_score(heldout, heldout) == pytest.approx(0.0, abs=1e-6)
    # More samples can only bring the nearest one closer.
    assert nnd_score(torch.cat([samples, heldout[:5]]), heldout) <= nnd_score(samples, heldout)


def test_nearest_is_exact_across_chunks():
    gen = torch.Generator().manual_seed(0)
    bank = torch.randn(300, 20, generator=gen)
    queries = torch.cat([bank[[7, 250]], torch.randn(5, 20, generator=gen)])
    dist, idx = nearest(queries, bank, k=4, chunk=64)
    brute = torch.cdist(queries.double(), bank.double())
    expected_d, expected_i = torch.topk(brute, 4, largest=False)
    assert torch.equal(idx, expected_i)
    assert torch.allclose(dist, expected_d, atol=1e-9)
    assert idx[0, 0] == 7 and idx[1, 0] == 250 and dist[0, 0] < 1e-6
    assert nearest(queries, bank, k=500)[1].shape == (7, 300)  # k is capped at the bank size


def test_exact_copies_are_at_distance_zero_in_full_size_images():
    """float32 |q|^2 - 2 q.b + |b|^2 leaves a copy of a 28x28 image about 1e-2 away; float64 does not."""
    train = torch.randint(0, 256, (3000, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(2))
    dist, idx = nearest(pixel_space().embed(train[[5, 2999]]), pixel_space().embed(train), k=1)
    assert idx[:, 0].tolist() == [5, 2999] and dist.max() < 1e-6


def test_memorisation_check_spaces_and_held_out_baseline():
    g = torch.Generator().manual_seed(3)
    train = torch.randint(0, 256, (50, 1, 8, 8), dtype=torch.uint8, generator=g)
    samples = train[[4, 9, 30]].clone()
    held_out = torch.randint(0, 256, (6, 1, 8, 8), dtype=torch.uint8, generator=g)
    flat = lambda x: x.reshape(len(x), -1).double() / 255
    mean_space = Space("mean", "mean brightness", lambda x: x.float().mean((1, 2, 3))[:, None])
    found = memorisation_check(samples, train, [pixel_space(), mean_space], k=3, reference_uint8=held_out)
    assert list(found) == ["pixel", "mean"]
    pixel = found["pixel"]
    assert pixel.indices[:, 0].tolist() == [4, 9, 30] and pixel.distances[:, 0].abs().max() < 1e-6
    want = torch.cdist(flat(held_out), flat(train)).min(1).values
    torch.testing.assert_close(pixel.held_out, want)
    summary = pixel.summary()
    assert summary["held_out_images"] == 6 and len(summary["samples"]) == 3
    assert summary["held_out_mean_nearest_distance"] == pytest.approx(float(want.mean()))
    precomputed = Space("given", "precomputed", sample_features=flat(samples), train_features=flat(train))
    assert torch.equal(memorisation_check(samples, train, [precomputed], k=3)["given"].indices, pixel.indices)


def test_discriminator_space_is_pooled_population_features_normalised():
    cfg = ModelConfig(resolution=32, channels=1, g_width=8, d_width=8, z_dim=8)
    _, d = build_models(cfg, seed=0)
    real = torch.randint(0, 256, (64, 1, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    space = discriminator_space(d.eval(), real, batch_size=16)
    feats = space.embed(real[:5])
    assert feats.shape == (5, (8 + 16 + 32) * 16)
    assert torch.allclose(feats.norm(dim=1), torch.ones(5), atol=1e-5)
    population = DiscriminatorFeatures(d, batch_size=16).fit(real).transform(real[:5])
    assert torch.allclose(feats, torch.nn.functional.normalize(torch.from_numpy(population), dim=1))
    assert space.name == "discriminator" and "population statistics of 64" in space.description


def test_picture_puts_exact_copies_first(tmp_path):
    g = torch.Generator().manual_seed(1)
    train = torch.randint(0, 256, (30, 1, 8, 8), dtype=torch.uint8, generator=g)
    samples = train[[3, 17]].clone()
    feats = train.reshape(30, -1).float().numpy()
    spaces = [pixel_space(), Space("f", "flattened", sample_features=feats[[3, 17]], train_features=feats)]
    found = memorisation_check(samples, train, spaces, k=4)
    path = neighbours_figure(samples, train, [n.indices for n in found.values()], tmp_path / "nn.png", scale=1)
    grid = np.asarray(Image.open(path))
    pad, size = 2, 8
    assert grid.shape == (2 * (size + pad) + pad, 11 * (size + pad) + pad)  # 1 + 2 groups x (gap + 4)
    for row, index in enumerate((3, 17)):
        y = pad + row * (size + pad)
        tile = lambda col, y=y: grid[y : y + size, pad + col * (size + pad) : pad + col * (size + pad) + size]
        assert np.array_equal(tile(0), train[index, 0].numpy())
        assert (tile(1) == 128).all()  # the grey tile between groups
        assert np.array_equal(tile(2), train[index, 0].numpy())  # nearest in pixels: itself
        assert np.array_equal(tile(7), train[index, 0].numpy())  # nearest in features: itself
    scaled = np.asarray(Image.open(neighbours_figure(samples, train, [found["pixel"].indices], tmp_path / "s.png", 3)))
    assert scaled.shape == (2 * (3 * size + pad) + pad, 6 * (3 * size + pad) + pad)
