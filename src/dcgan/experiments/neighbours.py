"""``dcgan explore neighbours``: the memorisation check of ``dcgan.evaluation.neighbours`` on
samples drawn from a checkpoint, written as two figures and ``summary.json``.

The search, its feature spaces and the figure are ``evaluation.neighbours``'s (the same as
``dcgan evaluate --neighbours``); what is specific here is drawing the samples (noise seed, G's
BatchNorm mode), choosing the feature space beside pixels (the checkpoint's discriminator, §5
pooling, or an evaluation feature space) and the output files. The paper (§6) warns that nearest
neighbours are a weak measure of quality; here they only answer "is this sample a copy of a
training image?", with held-out real images' distances to the training set for scale.
"""

from __future__ import annotations

from pathlib import Path

import torch

from dcgan import DcganError
from dcgan.core.run import Networks
from dcgan.evaluation.features import get_feature_extractor
from dcgan.evaluation.neighbours import (
    Space,
    discriminator_space,
    extractor_space,
    memorisation_check,
    neighbours_figure,
    pixel_space,
)
from dcgan.experiments.common import display_scale, write_summary
from dcgan.sampling import generate, seeded_z


def feature_space(nets: Networks, name: str, real_uint8: torch.Tensor, device: str | torch.device = "cpu") -> Space:
    """``discriminator`` (the checkpoint's D, §5 pooling, BatchNorm population statistics of
    ``real_uint8``) or a feature space registered in ``dcgan.evaluation.features`` (e.g.
    ``fashion-cnn``, ``inception``)."""
    if name == "discriminator":
        if nets.discriminator is None:
            raise DcganError("the discriminator feature space needs the checkpoint's discriminator")
        return discriminator_space(nets.discriminator, real_uint8, device)
    return extractor_space(get_feature_extractor(name, device=device))


def neighbours_experiment(nets: Networks, train_uint8: torch.Tensor, out_dir: Path, seed: int = 0, n: int = 8,
                          k: int = 5, reference_uint8: torch.Tensor | None = None, bn: str = "running",
                          space: str = "discriminator") -> dict:
    """Write ``neighbours_pixel.png`` and ``neighbours_feature.png``: one row per generated sample
    (left) with its ``k`` nearest training images, closest first, in pixel space and in the
    feature space ``space`` names (see ``feature_space``); the search and the figure are
    ``dcgan.evaluation.neighbours.memorisation_check`` and ``neighbours_figure``."""
    m = nets.config.model
    if train_uint8.shape[1:] != (m.channels, m.resolution, m.resolution):
        raise DcganError(f"training images have shape {tuple(train_uint8.shape[1:])}, the generator makes "
                         f"{(m.channels, m.resolution, m.resolution)}")
    samples = generate(nets.generator, seeded_z(seed, n, nets.z_dim, nets.z_dist), bn=bn)
    features = feature_space(nets, space, train_uint8, next(nets.generator.parameters()).device)
    found = memorisation_check(samples, train_uint8, [pixel_space(), features], k, reference_uint8)
    results = {}
    for key, neighbours in zip(("pixel", "feature"), found.values()):
        neighbours_figure(samples, train_uint8, [neighbours.indices], out_dir / f"neighbours_{key}.png",
                          display_scale(m.resolution))
        results[key] = neighbours.summary()
    summary = {
        "experiment": "neighbours",
        "checkpoint": str(nets.checkpoint),
        "train_images_searched": int(train_uint8.shape[0]),
        "seed": seed,
        "n": n,
        "k": k,
        "bn": bn,
        "feature_space": features.description,
        "pixel_space": pixel_space().description,
        **results,
        "layout": {"neighbours_<space>.png": "each row: generated sample | grey tile | its k nearest training "
                                             "images, closest first"},
        "files": ["neighbours_pixel.png", "neighbours_feature.png"],
    }
    write_summary(out_dir, summary)
    return summary
