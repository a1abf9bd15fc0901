"""Variants in the one loop: k D steps, separate learning rates, EMA, class-aware D, mean channel,
the upconv arch, the diversity log; checkpoints round-trip and resume stays exact with them on."""

import json

import numpy as np
import pytest
import torch

from dcgan import DcganError
from dcgan.cli import main
from dcgan.core.checkpoint import load_checkpoint
from dcgan.core.run import load_generator
from dcgan.training.loop import _checked_labels, train
from tests.conftest import tiny_config
from tests.training.test_loop import _states_equal


def _adam_steps(opt_state):
    counts = {int(torch.as_tensor(st["step"])) for st in opt_state["state"].values()}
    assert len(counts) == 1
    return counts.pop()


def test_k_discriminator_steps_per_generator_step_and_separate_lrs(idx_folder, tmp_path):
    cfg = tiny_config(idx_folder, tmp_path / "run", **{"train.max_steps": 3, "train.d_steps": 2,
                                                         "train.lr_d": 4e-4, "train.lr_g": 1e-4})
    train(cfg, progress=False)
    state = load_checkpoint(tmp_path / "run")
    assert _adam_steps(state["opt_d"]) == 6 and _adam_steps(state["opt_g"]) == 3
    assert state["cursor"] == 6  # each D step took its own real batch
    assert {g["lr"] for g in state["opt_d"]["param_groups"]} == {4e-4}
    assert {g["lr"] for g in state["opt_g"]["param_groups"]} == {1e-4}


def test_diversity_is_logged(tiny_run):
    lines = [json.loads(x) for x in (tiny_run / "metrics.jsonl").read_text().splitlines()]
    ticks = [line for line in lines if "loss_d" in line]
    assert ticks and all(0 <= line["diversity"] < 5 for line in ticks)


def test_ema_checkpoint_round_trip(idx_folder, tmp_path):
    train(tiny_config(idx_folder, tmp_path / "run", **{"train.ema_decay": 0.5}), progress=False)
    state = load_checkpoint(tmp_path / "run")
    ema, raw = state["generator_ema"], state["generator"]
    assert ema.keys() == raw.keys()
    assert any(not torch.equal(ema[k], raw[k]) for k in raw if "weight" in k)
    g_ema, _ = load_generator(tmp_path / "run")
    g_raw, _ = load_generator(tmp_path / "run", use_ema=False)
    raw_loaded = g_raw.state_dict()
    for k, v in g_ema.state_dict().items():
        assert torch.equal(raw_loaded[k], raw[k]), k
        if "running" in k:  # re-estimated at load on a contiguous G; training's copy was channels-last,
            # whose convolutions sum in another order: same statistics up to rounding
            assert torch.allclose(v, ema[k], rtol=1e-4, atol=1e-6), k
        else:
            assert torch.equal(v, ema[k]), k


VARIANTS = {
    "ema": {"train.ema_decay": 0.9},
    "class-aware+mean-channel+k2": {"model.num_classes": 10, "model.mean_channel": True, "train.d_steps": 2},
    "upconv+ema": {"model.arch": "upconv", "model.resolution": 28, "train.ema_decay": 0.99},  # dropout: global RNG
    "bf16+batchnorm_fp32": {"train.precision": "bf16", "train.batchnorm_fp32": True},
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_resume_is_exact_with_variants(idx_folder, tmp_path, name):
    extra = VARIANTS[name]
    train(tiny_config(idx_folder, tmp_path / "full", **{"train.max_steps": 10, **extra}), progress=False)
    train(tiny_config(idx_folder, tmp_path / "part", **{"train.max_steps": 5, **extra}), progress=False)
    cont = tiny_config(idx_folder, tmp_path / "part", **{"train.max_steps": 10, **extra})
    train(cont, resume_dir=tmp_path / "part", progress=False)
    a, b = load_checkpoint(tmp_path / "full"), load_checkpoint(tmp_path / "part")
    assert a["step"] == b["step"] == 10
    _states_equal(a, b)
    if "generator_ema" in a:
        for k, v in a["generator_ema"].items():
            assert torch.equal(v, b["generator_ema"][k]), f"generator_ema.{k} differs"


def test_class_aware_run_logs_its_classifier_and_samples_per_class(idx_folder, tmp_path):
    run = tmp_path / "run"
    train(tiny_config(idx_folder, run, **{"model.num_classes": 10}), progress=False)
    last = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()][-1]
    assert {"loss_cls", "acc_real", "diversity"} <= set(last)
    out = tmp_path / "per_class.npz"
    assert main(["sample", "--checkpoint", str(run), "--per-class", "3", "--out", str(out), "--grid", str(tmp_path / "g.png")]) == 0
    assert np.load(out)["arr_0"].shape == (30, 16, 16, 1)
    one = tmp_path / "one.npz"
    assert main(["sample", "--checkpoint", str(run), "--class", "4", "--n", "5", "--out", str(one)]) == 0
    assert np.load(one)["arr_0"].shape == (5, 16, 16, 1)


def test_sample_by_class_refused_for_an_unconditional_checkpoint(tiny_run, tmp_path, capsys):
    assert main(["sample", "--checkpoint", str(tiny_run), "--class", "1", "--out", str(tmp_path / "x.npz")]) == 2
    assert "not class-conditional" in capsys.readouterr().err


def test_unlabelled_data_is_refused_for_a_class_aware_model():
    assert _checked_labels(torch.tensor([0, 9]), 10, "x").dtype == torch.long
    with pytest.raises(DcganError, match="no labels"):
        _checked_labels(torch.tensor([-1, -1]), 10, "folder")
    with pytest.raises(DcganError, match="num_classes=3"):
        _checked_labels(torch.tensor([0, 5]), 3, "mnist")


def test_cli_arch_option(capsys):
    assert main(["train", "--dry-run", "--arch", "upconv"]) == 0
    cfg = json.loads(capsys.readouterr().out)
    assert cfg["model"]["arch"] == "upconv" and cfg["model"]["resolution"] == 28


def test_variants_study_smoke(idx_folder, tmp_path):
    from studies import variants as module

    out = tmp_path / "res" / "variants.json"
    args = ["--data", "mnist", "--data-path", str(idx_folder), "--variants", "dcgan", "class-aware", "--steps", "2",
            "--g-width", "4", "--d-width", "4", "--batch-size", "16", "--n-samples", "40", "--n-reference", "60",
            "--per-class", "2", "--runs-dir", str(tmp_path / "runs"), "--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    assert module.main(args) == 0
    summary = json.loads(out.read_text())
    assert set(summary["variants"]) == {"dcgan", "class-aware"}
    for entry in summary["variants"].values():
        for which in ("raw", "ema"):
            r = entry[which]
            assert {"fid", "recall", "coverage", "tv_from_uniform"} <= set(r) and abs(sum(r["class_hist"]) - 1) < 1e-3
    assert "label_agreement" in summary["variants"]["class-aware"]["raw"]
    assert (tmp_path / "res" / "variants" / "class_histograms.png").is_file()
    assert (tmp_path / "res" / "variants" / "class-aware-raw_per_class.png").is_file()
    assert "| class-aware | ema |" in out.with_suffix(".md").read_text()


def test_one_sample_grid_skips_the_diversity_diagnostic(idx_folder, tmp_path):
    train(tiny_config(idx_folder, tmp_path / "run", **{"train.samples_per_grid": 1, "train.max_steps": 2}), progress=False)
    last = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()][-1]
    assert "loss_d" in last and "diversity" not in last
