"""Nearest neighbours: exact search in chunks, and the §5-style feature space."""

import torch

from dcgan.config import ModelConfig
from dcgan.experiments.neighbours import discriminator_features, nearest
from dcgan.models import build_models


def test_nearest_matches_brute_force_across_chunks():
    gen = torch.Generator().manual_seed(0)
    bank = torch.randn(300, 20, generator=gen)
    queries = torch.cat([bank[[7, 250]], torch.randn(5, 20, generator=gen)])
    dist, idx = nearest(queries, bank, k=4, chunk=64)
    brute = torch.cdist(queries.double(), bank.double())
    expected_d, expected_i = torch.topk(brute, 4, largest=False)
    assert torch.equal(idx, expected_i)
    assert torch.allclose(dist, expected_d, atol=1e-9)
    assert idx[0, 0] == 7 and idx[1, 0] == 250 and dist[0, 0] < 1e-6


def test_discriminator_features_are_pooled_and_normalised():
    cfg = ModelConfig(resolution=32, channels=1, g_width=8, d_width=8, z_dim=8)
    _, d = build_models(cfg, seed=0)
    images = torch.randint(0, 256, (5, 1, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    feats = discriminator_features(d, images, batch_size=2)
    assert feats.shape == (5, (8 + 16 + 32) * 16)
    assert torch.allclose(feats.norm(dim=1), torch.ones(5), atol=1e-5)
    assert torch.allclose(feats, discriminator_features(d, images, batch_size=5), atol=1e-6)
