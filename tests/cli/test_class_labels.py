"""One conditional-label policy: ``dcgan sample``, ``dcgan evaluate --checkpoint`` and the
in-training Fréchet distance give a class-conditional G the labels ``sampling.class_labels``
(``arange(n) % K``), so one seed is one sample set on every path, whatever the batch size."""

import numpy as np
import pytest
import torch

from dcgan.cli import main
from dcgan.evaluation.during_training import FrechetDuringTraining
from dcgan.evaluation.evaluate import generate_from_checkpoint
from dcgan.sampling import class_labels, generate, seeded_z
from tests.conftest import tiny_config


@pytest.fixture(scope="module")
def conditional_run(idx_folder, tmp_path_factory):
    from dcgan.training.loop import train

    run = tmp_path_factory.mktemp("cond") / "run"
    train(tiny_config(idx_folder, run, **{"model.num_classes": 10, "train.max_steps": 2}), progress=False)
    return run


def _sample(run, path, *extra):
    assert main(["sample", "--checkpoint", str(run), "--device", "cpu", "--out", str(path), *extra]) == 0
    with np.load(path) as z:
        return torch.from_numpy(z["arr_0"]).permute(0, 3, 1, 2)


def test_class_labels_are_balanced_and_deterministic():
    labels = class_labels(23, 10)
    assert labels.tolist() == [i % 10 for i in range(23)] and labels.dtype == torch.int64
    assert torch.bincount(labels).tolist() == [3, 3, 3] + [2] * 7
    assert class_labels(5, 0) is None  # an unconditional G takes no labels


def test_sample_and_evaluate_draw_the_same_conditional_set(conditional_run, tmp_path):
    sampled = _sample(conditional_run, tmp_path / "s.npz", "--n", "30", "--seed", "3")
    evaluated, cfg = generate_from_checkpoint(conditional_run, 30, seed=3)
    assert cfg.model.num_classes == 10
    assert torch.equal(sampled, evaluated)


def test_conditional_samples_do_not_depend_on_the_batch_size(conditional_run, tmp_path):
    whole = _sample(conditional_run, tmp_path / "a.npz", "--n", "30", "--seed", "1")
    batched = _sample(conditional_run, tmp_path / "b.npz", "--n", "30", "--seed", "1", "--batch-size", "7")
    assert torch.equal(whole, batched)


def test_fid_during_training_uses_the_same_labels(conditional_run, idx_folder, tmp_path):
    cfg = tiny_config(idx_folder, tmp_path / "run", **{"model.num_classes": 10, "model.channels": 1})
    hook = FrechetDuringTraining(cfg, n=25, device="cpu", cache_dir=tmp_path / "cache")
    assert torch.equal(hook.labels, class_labels(25, 10))


def test_generate_gives_a_conditional_g_the_policy_labels_over_all_batches():
    from dcgan.config import resolve_config
    from dcgan.models import build_models

    cfg = resolve_config({}, {"model.resolution": 16, "model.channels": 1, "model.g_width": 8, "model.d_width": 8, "model.z_dim": 8,
                              "model.num_classes": 3})
    g = build_models(cfg.model, seed=0)[0].eval()
    z = seeded_z(0, 11, 8, "uniform")
    want = generate(g, z, labels=class_labels(11, 3))
    assert torch.equal(generate(g, z, batch_size=4), want)
