"""Baselines of §5: K-means (Coates & Ng), raw pixels, random filters, the supervised CNN."""

from __future__ import annotations

import numpy as np
import torch

from dcgan.config import ModelConfig
from dcgan.evaluation.classify import kmeans as kmeans_module
from dcgan.evaluation.classify.baselines import PixelFeatures, random_discriminator
from dcgan.evaluation.classify.cnn import SupervisedCNN
from dcgan.evaluation.classify.kmeans import KMeansFeatures, kmeans, normalise_patches, quadrant_sum, zca


def test_zca_whitens_and_patches_are_contrast_normalised():
    rng = np.random.default_rng(0)
    mix = rng.normal(size=(12, 12))
    x = torch.from_numpy(rng.normal(size=(5000, 12)) @ mix).float()
    mean, P = zca(x, eps=0.0)
    cov = torch.cov(((x - mean) @ P).T)
    torch.testing.assert_close(cov, torch.eye(12), atol=1e-3, rtol=0)
    normed = normalise_patches(torch.rand(10, 36) * 255)
    torch.testing.assert_close(normed.mean(1), torch.zeros(10), atol=1e-5, rtol=0)


def test_kmeans_finds_separated_clusters():
    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x = torch.cat([c + torch.randn(200, 2, generator=g) * 0.3 for c in centres])
    found = kmeans(x, 3, 10, torch.Generator().manual_seed(1))
    dist = torch.cdist(centres, found).min(1).values
    assert dist.max() < 0.2


def test_quadrant_sum():
    maps = torch.zeros(1, 5, 5, 2)
    maps[0, 0, 0, 0] = 1.0  # top-left, channel 0
    maps[0, 4, 4, 1] = 2.0  # bottom-right, channel 1
    out = quadrant_sum(maps)[0]  # [TL(2), TR(2), BL(2), BR(2)]
    assert out.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]


def test_kmeans_features_shape_and_triangle_activation():
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (40, 3, 16, 16), generator=g, dtype=torch.uint8)
    features = KMeansFeatures(n_centroids=8, n_patches=2000, seed=0).fit(x)
    out = features.transform(x)
    assert out.shape == (40, 32) and out.dtype == np.float32
    assert (out >= 0).all() and (out > 0).any()
    np.testing.assert_array_equal(out, KMeansFeatures(n_centroids=8, n_patches=2000, seed=0).fit(x).transform(x))


def test_kmeans_encoding_batches_do_not_change_features(monkeypatch):
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, 256, (7, 3, 16, 16), generator=g, dtype=torch.uint8)
    features = KMeansFeatures(n_centroids=8, n_patches=2000, seed=0).fit(x)
    whole = features.set_params(batch_size=7).transform(x)
    monkeypatch.setattr(kmeans_module, "ENCODE_BYTES", 1)  # auto sizing: one image a batch
    np.testing.assert_allclose(features.set_params(batch_size=None).transform(x), whole, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(features.set_params(batch_size=3).transform(x), whole, rtol=1e-5, atol=1e-4)


def test_pixels_and_random_filters():
    x = torch.tensor([[[[0, 255], [255, 0]]]], dtype=torch.uint8)
    np.testing.assert_allclose(PixelFeatures().fit(x).transform(x), [[-1, 1, 1, -1]])
    cfg = ModelConfig(resolution=16, channels=1, d_width=4)
    a, b = random_discriminator(cfg, 0), random_discriminator(cfg, 1)
    assert torch.equal(a.blocks[0][0].weight, random_discriminator(cfg, 0).blocks[0][0].weight)
    assert not torch.equal(a.blocks[0][0].weight, b.blocks[0][0].weight)
    assert abs(float(a.blocks[0][0].weight.detach().std()) - 0.02) < 0.005  # §4 initialisation, untrained


def test_random_discriminator_is_the_seeded_initial_d_in_eval_mode():
    """The "random filters" of the classification table and of ``dcgan explore guided`` (Fig. 5)."""
    from dcgan.models import build_models

    cfg = ModelConfig(resolution=16, channels=1, d_width=4)
    d = random_discriminator(cfg, 3, device="cpu")
    assert not d.training
    initial = build_models(cfg, seed=3)[1].state_dict()
    assert all(torch.equal(v, initial[k]) for k, v in d.state_dict().items())


def test_supervised_cnn_learns_from_labelled_images(idx_folder):
    from dcgan.evaluation.classify.experiment import load_labelled

    x, y = load_labelled("mnist", "train", 16, 1, str(idx_folder))
    xt, yt = load_labelled("mnist", "test", 16, 1, str(idx_folder))
    cfg = ModelConfig(resolution=16, channels=1, d_width=8)
    model = SupervisedCNN(cfg, max_steps=60, eval_every=20, batch_size=32, seed=0).fit(x[:400], y[:400],
                                                                                   eval_set=(x[400:], y[400:]))
    assert model.best_step_ in (20, 40, 60)
    assert model.score(xt, yt) > 0.5  # ten classes: chance is 0.1
