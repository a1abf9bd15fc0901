"""``dcgan explore neighbours``: the memorisation check of ``evaluation.neighbours`` on a
checkpoint's samples (the search itself is tested in tests/evaluation/test_neighbours.py)."""

import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from dcgan.config import resolve_config
from dcgan.core.run import Networks
from dcgan.evaluation.classify.features import DiscriminatorFeatures
from dcgan.evaluation.neighbours import neighbours_figure
from dcgan.experiments.neighbours import neighbours_experiment
from dcgan.models import build_models
from dcgan.sampling import generate, seeded_z


def tiny_nets(**overrides) -> Networks:
    values = {"model.resolution": 16, "model.channels": 1, "model.g_width": 8, "model.d_width": 8,
              "model.z_dim": 8, **overrides}
    cfg = resolve_config({}, values)
    g, d = build_models(cfg.model, seed=0)
    return Networks(generator=g.eval(), discriminator=d.eval(), config=cfg, checkpoint=Path("tiny.pt"))


def test_feature_space_is_the_classification_features_with_population_batchnorm(tmp_path):
    """The D space is ``DiscriminatorFeatures`` (§5 pooling, BatchNorm population statistics of the
    training images searched), L2-normalised: the running statistics GAN training left in D (here
    made absurd) play no part. They did before: D ran in eval mode on its running statistics."""
    nets = tiny_nets()
    for module in nets.discriminator.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.fill_(3.0)
            module.running_var.fill_(50.0)
    kept = {k: v.clone() for k, v in nets.discriminator.state_dict().items()}
    train = torch.randint(0, 256, (300, 1, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(4))
    summary = neighbours_experiment(nets, train, tmp_path, seed=1, n=3, k=4)
    samples = generate(nets.generator, seeded_z(1, 3, nets.z_dim, nets.z_dist))
    extractor = DiscriminatorFeatures(nets.discriminator).fit(train)
    unit = lambda x: torch.nn.functional.normalize(torch.from_numpy(extractor.transform(x)).double(), dim=1)
    bank = unit(train)
    assert torch.allclose(bank.norm(dim=1), torch.ones(300, dtype=torch.float64))
    want_d, want_i = torch.cdist(unit(samples), bank).topk(4, largest=False)
    got = summary["feature"]["samples"]
    assert [s["train_indices"] for s in got] == want_i.tolist()
    np.testing.assert_allclose([s["distances"] for s in got], want_d.numpy(), atol=1e-5)
    assert "population" in summary["feature_space"] and "300" in summary["feature_space"]
    assert all(torch.equal(v, kept[k]) for k, v in nets.discriminator.state_dict().items())  # D untouched


def test_pixel_distances_are_in_unit_pixels_and_the_figure_is_the_shared_one(tmp_path):
    """Pixel space = images scaled to [0, 1], as ``dcgan evaluate``'s check and nnd (it was [-1, 1],
    twice these distances); the picture is ``evaluation.neighbours.neighbours_figure``'s."""
    nets = tiny_nets()
    train = torch.randint(0, 256, (40, 1, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(2))
    samples = generate(nets.generator, seeded_z(3, 4, nets.z_dim, nets.z_dist))
    train[7] = samples[1]  # a copy: found first, at distance 0
    summary = neighbours_experiment(nets, train, tmp_path, seed=3, n=4, k=3)
    flat = lambda x: x.reshape(len(x), -1).double() / 255
    want_d, want_i = torch.cdist(flat(samples), flat(train)).topk(3, largest=False)
    got = summary["pixel"]["samples"]
    assert [s["train_indices"] for s in got] == want_i.tolist() and got[1]["train_indices"][0] == 7
    np.testing.assert_allclose([s["distances"] for s in got], want_d.numpy(), atol=1e-6)
    assert "[0, 1]" in summary["pixel_space"]
    assert json.loads((tmp_path / "summary.json").read_text())["pixel"] == summary["pixel"]
    shared = neighbours_figure(samples, train, [want_i], tmp_path / "shared.png", scale=4)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "neighbours_pixel.png")), np.asarray(Image.open(shared)))
