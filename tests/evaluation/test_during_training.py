"""The in-training Fréchet hook: fixed noise, so the same G gives the same number."""

import math

from dcgan.evaluation.during_training import FrechetDuringTraining
from dcgan.models import build_models
from tests.conftest import tiny_config


def test_same_generator_same_value(idx_folder, tmp_path):
    cfg = tiny_config(idx_folder, tmp_path / "run")
    G, _ = build_models(cfg.model, seed=0)
    hook = FrechetDuringTraining(cfg, n=64, device="cpu", cache_dir=tmp_path / "cache")
    first, second = hook(G), hook(G)
    assert first == second and math.isfinite(first["fid"]) and first["fid"] > 0
    assert first["fid_features"].startswith("fashion-cnn@") and first["fid_samples"] == 64
    assert first["fid_reference"] == "mnist/test (128)"
    G2, _ = build_models(cfg.model, seed=1)
    assert hook(G2)["fid"] != first["fid"]
