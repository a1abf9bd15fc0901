"""Issue #18: a batch larger than the dataset is one clear error naming train.batch_size, not a
ValueError traceback from the data loader, and no checkpoint is written."""

import pytest

from dcgan import DcganError
from dcgan.cli import main


def _train_args(idx_folder, run, batch_size):
    return ["train", "--no-progress", "--set", "data.name=mnist", "--set", f"data.path={idx_folder}",
            "--set", "model.resolution=16", "--set", "model.g_width=8", "--set", "model.d_width=8",
            "--set", f"train.batch_size={batch_size}", "--set", "train.max_steps=1", "--set", f"train.out_dir={run}",
            "--set", "train.tensorboard=false"]


def test_batch_larger_than_the_dataset_is_one_line_naming_the_option(idx_folder, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(_train_args(idx_folder, run, 1_000_000)) == 2  # was a ValueError traceback (exit status 1)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "train.batch_size=1000000" in err and "512 images" in err, err  # the synthetic train split: 512
    assert not (run / "checkpoints").exists()


def test_batch_larger_than_the_dataset_leaves_no_run_directory(idx_folder, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(_train_args(idx_folder, run, 1_000_000)) == 2
    assert not run.exists()


def test_check_batch_size_names_option_batch_and_dataset_size():
    from dcgan.data.loader import check_batch_size

    check_batch_size(512, 512, description="x")  # exactly one batch: fine
    check_batch_size(512, 256, world_size=2)
    with pytest.raises(DcganError) as info:
        check_batch_size(60_000, 1_000_000, description="Fashion-MNIST train")
    msg = str(info.value)
    assert msg.startswith("train.batch_size=1000000") and "60000 images" in msg and "Fashion-MNIST train" in msg
    assert "at most 60000" in msg and "\n" not in msg
    with pytest.raises(DcganError, match=r"train\.batch_size=300 .*512 images.*2 processes.*256 each.*at most 256"):
        check_batch_size(512, 300, world_size=2)
