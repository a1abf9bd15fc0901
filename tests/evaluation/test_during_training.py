"""The in-training Fréchet hook: fixed noise, so the same G gives the same number."""

import math

from dcgan.evaluation.during_training import FrechetDuringTraining
from dcgan.models import build_models
from tests.conftest import tiny_config


def test_same_generator_same_value(idx_folder, tmp_path):
    cfg = tiny_config(idx_folder, tmp_path / "run", **{"model.channels": 1})
    G, _ = build_models(cfg.model, seed=0)
    hook = FrechetDuringTraining(cfg, n=64, device="cpu", cache_dir=tmp_path / "cache")
    first, second = hook(G), hook(G)
    assert first == second and math.isfinite(first["fid"]) and first["fid"] > 0
    assert first["fid_features"].startswith("fashion-cnn@") and first["fid_samples"] == 64
    assert first["fid_reference"] == "mnist/test (128)"
    G2, _ = build_models(cfg.model, seed=1)
    assert hook(G2)["fid"] != first["fid"]


def test_training_logs_fid_and_keeps_the_best_checkpoint(idx_folder, tmp_path):
    import json

    import torch

    from dcgan.training.loop import train

    run = tmp_path / "run"
    train(tiny_config(idx_folder, run, **{"train.eval_every": 3, "train.eval_samples": 32}), progress=False)
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    fids = [r for r in records if "fid" in r]
    assert [r["step"] for r in fids] == [3, 6]
    assert all(r["fid_samples"] == 32 and r["fid_features"].startswith("fashion-cnn@") for r in fids)
    best = torch.load(run / "checkpoints" / "best.pt", weights_only=True)
    assert best["best_fid"] == min(r["fid"] for r in fids)
    assert best["step"] == min(fids, key=lambda r: r["fid"])["step"]
    latest = torch.load(run / "checkpoints" / "latest.pt", weights_only=True)
    assert latest["best_fid"] == best["best_fid"]  # survives a resume
