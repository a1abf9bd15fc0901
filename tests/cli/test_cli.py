"""CLI smoke: --dry-run, a few steps, sampling to .npz and a grid, clear errors."""

import json

import numpy as np
from PIL import Image

from dcgan.cli import main


def test_dry_run_prints_resolved_config(capsys):
    assert main(["train", "--dry-run", "--preset", "paper", "--set", "train.epochs=2"]) == 0
    cfg = json.loads(capsys.readouterr().out)
    assert cfg["preset"] == "paper" and cfg["model"]["kernel_size"] == 5 and cfg["train"]["epochs"] == 2.0


def test_bad_option_is_one_clear_error(capsys):
    assert main(["train", "--dry-run", "--set", "model.resolution=48"]) == 2
    err = capsys.readouterr().err
    assert "model.resolution=48" in err and "Traceback" not in err


def test_train_then_sample(idx_folder, tmp_path, capsys):
    run = tmp_path / "run"
    args = ["train", "--no-progress", "--set", "data.name=mnist", "--set", f"data.path={idx_folder}",
            "--set", "model.resolution=16", "--set", "model.g_width=8", "--set", "model.d_width=8",
            "--set", "train.batch_size=16", "--set", "train.max_steps=3", "--set", f"train.out_dir={run}",
            "--set", "train.tensorboard=false"]
    assert main(args) == 0
    assert (run / "checkpoints" / "latest.pt").is_file()
    out, grid = tmp_path / "s.npz", tmp_path / "g.png"
    assert main(["sample", "--checkpoint", str(run), "--n", "10", "--seed", "3", "--out", str(out), "--grid", str(grid)]) == 0
    arr = np.load(out)["arr_0"]
    assert arr.shape == (10, 16, 16, 1) and arr.dtype == np.uint8
    assert Image.open(grid).size[0] > 16
    again = tmp_path / "s2.npz"
    main(["sample", "--checkpoint", str(run / "checkpoints" / "latest.pt"), "--n", "10", "--seed", "3", "--out", str(again)])
    assert np.array_equal(arr, np.load(again)["arr_0"])
    other = tmp_path / "s3.npz"
    main(["sample", "--checkpoint", str(run), "--n", "10", "--seed", "4", "--out", str(other)])
    assert not np.array_equal(arr, np.load(other)["arr_0"])
    capsys.readouterr()
    assert main(["sample", "--checkpoint", str(tmp_path / "nope.pt"), "--n", "2", "--out", str(out)]) == 2
    assert "nope.pt" in capsys.readouterr().err
