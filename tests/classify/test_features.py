"""§5 feature extraction: shapes per resolution, 4x4 max pooling, BatchNorm population statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from dcgan.config import ModelConfig
from dcgan.data.types import to_model_range
from dcgan.evaluation.classify import DiscriminatorFeatures, LinearSVM
from dcgan.models import build_models


def make_d(resolution=16, channels=1, width=4, kernel_size=4, seed=0):
    cfg = ModelConfig(resolution=resolution, channels=channels, d_width=width, g_width=4, kernel_size=kernel_size)
    return build_models(cfg, seed)[1].eval()


def images(n=64, channels=1, resolution=16, seed=0, offset=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 200, (n, channels, resolution, resolution), generator=g) + offset
    return x.clamp(0, 255).to(torch.uint8)


@pytest.mark.parametrize("resolution,channels", [(16, 1), (32, 3), (64, 1)])
def test_feature_dimension_per_resolution(resolution, channels):
    width = 4
    n_layers = {16: 2, 32: 3, 64: 4}[resolution]  # stride-2 layers from `resolution` down to 4x4
    expected = sum(width * 2**i for i in range(n_layers)) * 4 * 4
    x = images(8, channels, resolution)
    feats = DiscriminatorFeatures(make_d(resolution, channels, width), batch_size=4).fit(x).transform(x)
    assert feats.shape == (8, expected)
    assert feats.dtype == np.float32


def test_paper_svhn_dimension():
    # The authors' SVHN discriminator (32 px, 64-128-256, 5x5 kernels) gives 7,168 features.
    d = make_d(32, 3, 64, kernel_size=5)
    assert DiscriminatorFeatures(d).fit(images(4, 3, 32)).n_features_out_ == 7168


def test_features_are_each_layer_max_pooled_to_4x4():
    d = make_d(16)
    x = images(8)
    transformer = DiscriminatorFeatures(d, bn_stats="running").fit(x)
    feats = transformer.transform(x)
    with torch.no_grad():
        maps = transformer.discriminator_.features(to_model_range(x))  # 8x8 and 4x4 maps
    first = maps[0].reshape(8, 4, 4, 2, 4, 2).amax((3, 5)).flatten(1)  # 2x2 blocks of the 8x8 map
    np.testing.assert_allclose(feats[:, : first.shape[1]], first.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(feats[:, first.shape[1] :], maps[1].flatten(1).numpy(), rtol=1e-5, atol=1e-6)
    assert (feats < 0).any()  # post-LeakyReLU: negative values survive


def test_population_statistics_are_estimated_on_the_training_images():
    d = make_d(16)
    x = images(256, offset=40)
    transformer = DiscriminatorFeatures(d, batch_size=64).fit(x)
    bn = transformer.discriminator_.blocks[1][1]
    # The first BatchNorm's input does not depend on any BatchNorm, so the average of equal-size
    # batch means is the mean over all images, computed here independently.
    with torch.no_grad():
        h = d.blocks[1][0](d.blocks[0](to_model_range(x)))
    np.testing.assert_allclose(bn.running_mean.numpy(), h.mean((0, 2, 3)).numpy(), rtol=1e-4, atol=1e-5)
    assert transformer.bn_batches_ == 4
    # The module given is left untouched (still its initial running statistics).
    assert torch.all(d.blocks[1][1].running_mean == 0) and torch.all(d.blocks[1][1].running_var == 1)


def test_population_statistics_differ_from_batch_and_running_ones_and_are_used():
    d = make_d(16)
    train = images(256, offset=40)
    probe = images(32, seed=1)
    population = DiscriminatorFeatures(d, batch_size=64).fit(train)
    per_batch = DiscriminatorFeatures(d, bn_stats="batch", batch_size=8).fit(train)
    running = DiscriminatorFeatures(d, bn_stats="running").fit(train)
    feats = population.transform(probe)
    # Used: an image's features do not depend on its batch-mates ...
    alone = np.concatenate([population.transform(probe[i : i + 1]) for i in range(4)])
    np.testing.assert_allclose(alone, feats[:4], rtol=1e-5, atol=1e-6)
    # ... whereas per-batch statistics make them depend on the batch, and differ.
    batch_feats = per_batch.transform(probe)
    assert not np.allclose(batch_feats[:8], np.concatenate([per_batch.transform(probe[:4]), per_batch.transform(probe[4:8])]))
    assert np.abs(batch_feats - feats).max() > 1e-3
    assert np.abs(running.transform(probe) - feats).max() > 1e-3
    # Per-batch extraction leaves the stored statistics alone.
    assert torch.equal(per_batch.discriminator_.blocks[1][1].running_mean, torch.zeros(8))


def test_transformer_composes_in_a_pipeline_and_clones():
    d = make_d(16)
    x = images(120)
    y = (x.float().mean((1, 2, 3)) > x.float().mean()).long().numpy()
    pipe = make_pipeline(DiscriminatorFeatures(d, batch_size=32), LinearSVM(C=1.0))
    assert clone(pipe).fit(x, y).score(x, y) > 0.9


def test_loads_from_a_checkpoint(tiny_run, idx_folder):
    from dcgan.evaluation.classify.experiment import load_labelled

    x, _ = load_labelled("mnist", "test", 16, 1, str(idx_folder))
    transformer = DiscriminatorFeatures(tiny_run).fit(x)
    assert transformer.transform(x[:5]).shape == (5, (8 + 16) * 16)
