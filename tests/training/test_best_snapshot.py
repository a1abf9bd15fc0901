"""The best snapshot kept by the loop (train.eval_every) and used by the commands that read a run."""

from __future__ import annotations

import json

import torch

from dcgan.core.checkpoint import load_checkpoint
from dcgan.core.layout import BEST, LATEST
from dcgan.core.run import open_run
from dcgan.training.loop import train
from tests.conftest import tiny_config


def test_best_pt_is_the_lowest_evaluation_and_commands_use_it(idx_folder, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DCGAN_CACHE_DIR", str(tmp_path / "cache"))
    run = tmp_path / "run"
    cfg = tiny_config(idx_folder, run, **{"train.max_steps": 11, "train.eval_every": 2, "train.eval_samples": 32,
                                          "train.checkpoint_every": 100})
    train(cfg, progress=False)
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    fids = {r["step"]: r["fid"] for r in records if "fid" in r}
    assert sorted(fids) == [2, 4, 6, 8, 10, 11]  # every eval_every steps, and the last step
    best_step = min(fids, key=fids.get)
    best = load_checkpoint(run / BEST)
    assert best["step"] == best_step and best["best_fid"] == fids[best_step]
    assert load_checkpoint(run / LATEST)["step"] == 11

    capsys.readouterr()
    nets = open_run(run)  # a run directory means its best snapshot, said on stderr
    assert nets.checkpoint == run / BEST and nets.step == best_step
    assert "best snapshot" in capsys.readouterr().err
    for name, tensor in nets.generator.state_dict().items():
        assert torch.equal(tensor, best["generator"][name])
    assert open_run(run / LATEST).step == 11  # a file is itself
