"""The loop: learns something, resumes exactly, stops cleanly, guards against divergence."""

import json
import os
import signal

import pytest
import torch

from dcgan.core.checkpoint import load_checkpoint
from dcgan.training import step as step_module
from dcgan.training.loop import TrainingDiverged, train
from tests.conftest import tiny_config


def _states_equal(a, b):
    for key in ("generator", "discriminator"):
        for name, tensor in a[key].items():
            assert torch.equal(tensor, b[key][name]), f"{key}.{name} differs"
    for key in ("opt_g", "opt_d"):
        for pid, st in a[key]["state"].items():
            for name, tensor in st.items():
                assert torch.equal(torch.as_tensor(tensor), torch.as_tensor(b[key]["state"][pid][name])), f"{key}.{pid}.{name}"


def test_tiny_run_learns_and_writes_its_outputs(tiny_run):
    lines = [json.loads(x) for x in (tiny_run / "metrics.jsonl").read_text().splitlines()]
    assert lines[0]["event"] == "start" and lines[0]["device"] == "cpu"  # then the ticks, all numbers
    assert all(all(torch.isfinite(torch.tensor(v)) for k, v in line.items() if k != "time") for line in lines[1:])
    assert {"step", "epoch", "loss_d", "loss_g", "d_real", "d_fake", "images_per_s"} <= set(lines[-1])
    assert (tiny_run / "samples" / "step_000000.png").is_file() and (tiny_run / "samples" / "final.png").is_file()
    cfg = json.loads((tiny_run / "config.json").read_text())
    state = load_checkpoint(tiny_run)
    assert state["step"] == 6 and state["config"] == cfg
    from dcgan.core.checkpoint import checkpoint_config
    from dcgan.models import build_models

    g0, d0 = build_models(checkpoint_config(state).model, seed=0)
    changed = [not torch.equal(p, state["generator"][n]) for n, p in g0.state_dict().items() if "weight" in n]
    assert all(changed), "every generator weight should have moved from its initial value"


@pytest.mark.parametrize("d_steps,augment", [(1, "none"), (2, "none"), (1, "diffaug"), (1, "ada")])
def test_resume_is_exact(idx_folder, tmp_path, d_steps, augment):
    # 512 images / batch 16 = 32 batches an epoch: the split at step 11 and the epoch
    # boundaries in between exercise the data cursor as well as the states. ADA with a tiny
    # ada_kimg moves p every 4 steps, so its p and r_t accumulators must be restored too.
    extra = {"train.d_steps": d_steps, "train.augment": augment, "train.ada_kimg": 0.2}
    full = tiny_config(idx_folder, tmp_path / "full", **{"train.max_steps": 22, **extra})
    train(full, progress=False)
    part = tiny_config(idx_folder, tmp_path / "part", **{"train.max_steps": 11, **extra})
    train(part, progress=False)
    cont = tiny_config(idx_folder, tmp_path / "part", **{"train.max_steps": 22, **extra})
    train(cont, resume_dir=tmp_path / "part", progress=False)
    a, b = load_checkpoint(tmp_path / "full"), load_checkpoint(tmp_path / "part")
    assert a["step"] == b["step"] == 22 and a["cursor"] == b["cursor"] == 22 * d_steps
    _states_equal(a, b)
    if augment == "ada":
        assert a["augment"]["p"] == b["augment"]["p"] > 0  # D is sure of the reals early: p has risen
    assert sorted(p.name for p in (tmp_path / "full" / "samples").iterdir()) == sorted(
        p.name for p in (tmp_path / "part" / "samples").iterdir()
    )


def test_interrupt_saves_and_resume_continues(idx_folder, tmp_path):
    def send_sigint(record):
        if record["step"] == 4:
            os.kill(os.getpid(), signal.SIGINT)

    cfg = tiny_config(idx_folder, tmp_path / "run", **{"train.max_steps": 8, "train.checkpoint_every": 100})
    result = train(cfg, progress=False, on_tick=send_sigint)
    assert result.interrupted and result.step == 4
    assert load_checkpoint(tmp_path / "run")["step"] == 4
    result = train(cfg, resume_dir=tmp_path / "run", progress=False)
    assert not result.interrupted and load_checkpoint(tmp_path / "run")["step"] == 8
    train(tiny_config(idx_folder, tmp_path / "ref", **{"train.max_steps": 8}), progress=False)
    _states_equal(load_checkpoint(tmp_path / "ref"), load_checkpoint(tmp_path / "run"))


def test_divergence_stops_and_keeps_last_good_checkpoint(idx_folder, tmp_path, monkeypatch):
    calls = {"n": 0}
    real_loss = step_module.discriminator_loss

    def poisoned(real_logits, fake_logits):
        calls["n"] += 1
        loss = real_loss(real_logits, fake_logits)
        return loss * float("nan") if calls["n"] >= 5 else loss

    monkeypatch.setattr(step_module, "discriminator_loss", poisoned)
    cfg = tiny_config(idx_folder, tmp_path / "run", **{"train.max_steps": 12, "train.checkpoint_every": 3})
    with pytest.raises(TrainingDiverged, match="non-finite"):
        train(cfg, progress=False)
    state = load_checkpoint(tmp_path / "run")
    assert state["step"] == 3
    assert all(torch.isfinite(t).all() for t in state["generator"].values() if t.is_floating_point())


def test_refuses_to_overwrite_a_run(tiny_run):
    from dcgan import DcganError

    cfg = tiny_config(tiny_run.parent, tiny_run)
    with pytest.raises(DcganError, match="already holds a run"):
        train(cfg, progress=False)


def test_time_limit_stops_cleanly_and_resume_is_exact(idx_folder, tmp_path, monkeypatch):
    """train.time_limit stops at a whole step with a checkpoint; --resume then ends on the same
    weights as a run never stopped. A fake clock (one second a step) makes the stop's step certain."""
    from dcgan.training import loop

    ticks = iter(range(10_000))
    monkeypatch.setattr(loop, "clock", lambda: float(next(ticks)))
    cut = tiny_config(idx_folder, tmp_path / "cut", **{"train.max_steps": 14, "train.time_limit": 5 / 60})
    result = train(cut, progress=False)
    assert result.interrupted and result.time_limited and 0 < result.step < 14
    saved = load_checkpoint(tmp_path / "cut")
    assert saved["step"] == result.step
    monkeypatch.setattr(loop, "clock", lambda: 0.0)  # no more limit trouble: the rest of the run
    from dcgan.config import config_from_dict, resume_config

    rest = resume_config(config_from_dict(saved["config"]), {"train.time_limit": 0})
    assert not train(rest, resume_dir=tmp_path / "cut", progress=False).interrupted
    train(tiny_config(idx_folder, tmp_path / "whole", **{"train.max_steps": 14}), progress=False)
    _states_equal(load_checkpoint(tmp_path / "whole"), load_checkpoint(tmp_path / "cut"))


def test_snapshots_hold_the_networks_and_a_grid(idx_folder, tmp_path):
    from dcgan.core.run import open_run

    run = tmp_path / "run"
    train(tiny_config(idx_folder, run, **{"train.max_steps": 6, "train.snapshot_every": 3}), progress=False)
    snaps = sorted((run / "checkpoints" / "snapshots").glob("*.pt"))
    assert [p.name for p in snaps] == ["step_000003.pt", "step_000006.pt"]
    assert (run / "samples" / "step_000003.png").is_file()
    last = load_checkpoint(snaps[-1])
    assert "opt_g" not in last and last["step"] == 6
    _states_equal({**load_checkpoint(run), "opt_g": {"state": {}}, "opt_d": {"state": {}}},
                  {**last, "opt_g": {"state": {}}, "opt_d": {"state": {}}})
    assert open_run(snaps[0]).step == 3
