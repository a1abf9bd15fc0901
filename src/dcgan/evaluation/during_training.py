"""Fréchet distance during training (``train.eval_every``): GAN samples often get worse after
their best step, so the loop logs ``fid`` to ``metrics.jsonl`` and keeps ``checkpoints/best.pt``.

The noise is fixed (``seeded_z(seed)``, and for a class-conditional G the labels
``sampling.class_labels``) so successive evaluations differ only by G. The
reference is the training data's test split when it has one, else its train split; its features
are computed once (and cached on disk, see ``reference.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from dcgan import DcganError
from dcgan.config import Config
from dcgan.evaluation.features import FEATURE_SPACES, default_feature_space, get_feature_extractor
from dcgan.evaluation.frechet import GaussianStats, frechet_between
from dcgan.evaluation.reference import load_reference
from dcgan.sampling import class_labels, generate, seeded_z

EVAL_NOISE_SEED_OFFSET = 20_011  # derived from the run seed, distinct from the fixed grid noise


def check_settings(cfg: Config) -> None:
    """Refuse, before the first step, what would stop the run at its first evaluation."""
    t = cfg.train
    if t.eval_every <= 0:
        return
    if t.eval_features != "auto" and t.eval_features not in FEATURE_SPACES:
        raise DcganError(f"train.eval_features='{t.eval_features}': use auto or one of {', '.join(FEATURE_SPACES)}")
    if t.eval_features == "face-judge" and not t.eval_weights:
        raise DcganError("train.eval_features=face-judge needs train.eval_weights (the judge.pt of 'dcgan faces judge')")
    if t.eval_weights and not Path(t.eval_weights).is_file():
        raise DcganError(f"train.eval_weights '{t.eval_weights}' does not exist")


class FrechetDuringTraining:
    """``FrechetDuringTraining(cfg, n, device)(G) -> {'fid', 'fid_features', 'fid_samples', 'fid_reference'}``."""

    def __init__(self, cfg: Config, n: int = 2000, device: str | torch.device = "cpu", features: str = "auto",
                 n_reference: int = 10000, cache_dir=None, weights: str | None = None, reference: str = ""):
        if n < 10:
            raise DcganError(f"train.eval_samples={n}: use at least 10 (a few thousand for a stable figure)")
        m = cfg.model
        space = default_feature_space(m.channels) if features == "auto" else features
        self.extractor = get_feature_extractor(space, device=device, weights=weights)
        data_name, data_path = (reference, "") if reference else (cfg.data.name, cfg.data.path)
        kwargs = dict(n=n_reference, resolution=m.resolution, channels=m.channels, path=data_path,
                      seed=cfg.train.seed, cache_dir=cache_dir)
        try:
            ref = load_reference(self.extractor, data_name, split="test", **kwargs)
        except DcganError:
            print("note: the training data has no test split; FID reference = its train split", file=sys.stderr)
            ref = load_reference(self.extractor, data_name, split="train", **kwargs)
        self.reference = GaussianStats.of(ref.features)
        self.reference_name = f"{ref.info['dataset']}/{ref.info['split']} ({ref.info['count']})"
        self.n = n
        self.z = seeded_z(cfg.train.seed + EVAL_NOISE_SEED_OFFSET, n, m.z_dim, m.z_dist)
        self.labels = class_labels(n, m.num_classes)  # conditional G: the labels of `dcgan sample`

    def __call__(self, generator: torch.nn.Module) -> dict:
        images = generate(generator, self.z, bn="running", labels=self.labels)
        fake = GaussianStats.of(self.extractor(images))
        return {
            "fid": frechet_between(fake, self.reference),
            "fid_features": self.extractor.name,
            "fid_samples": self.n,
            "fid_reference": self.reference_name,
        }
