"""``dcgan evaluate`` end to end on the synthetic IDX folder and the tiny run."""

import json

import numpy as np
import pytest
import torch

from dcgan.cli import main
from dcgan.data import open_dataset
from dcgan.evaluation.evaluate import load_npz_images
from dcgan.sampling import save_npz


@pytest.fixture
def samples_npz(idx_folder, tmp_path):
    data = open_dataset("mnist", resolution=16, channels=1, split="train", path=str(idx_folder))
    return save_npz(data.images[:100], tmp_path / "samples.npz")


def test_samples_file(samples_npz, idx_folder, tmp_path, capsys):
    out = tmp_path / "metrics.json"
    cache = tmp_path / "cache"
    argv = ["evaluate", "--samples", str(samples_npz), "--reference", "mnist", "--reference-path", str(idx_folder),
            "--cache-dir", str(cache), "--out", str(out), "--neighbours", str(tmp_path / "nn.png")]
    assert main(argv) == 0
    result = json.loads(out.read_text())
    assert result["feature_space"]["name"].startswith("fashion-cnn@")
    assert result["reference"] == {**result["reference"], "dataset": "mnist", "split": "test", "count": 128}
    assert result["samples"]["count"] == 100 and result["samples"]["file"] == str(samples_npz)
    m = result["metrics"]
    assert m["fid"] > 0 and 0 <= m["precision"] <= 1 and m["kid_subset_size"] == 100 and m["nnd"] > 0
    assert len(list(cache.glob("*.npz"))) == 2  # test reference + train pool for the picture
    assert (tmp_path / "nn.png").stat().st_size > 0
    capsys.readouterr()
    assert main(argv) == 0  # from the cache: same numbers
    assert json.loads(out.read_text())["metrics"] == m


def test_checkpoint_uses_its_training_data(tiny_run, tmp_path, capsys):
    out = tmp_path / "m.json"
    argv = ["evaluate", "--checkpoint", str(tiny_run), "--n", "64", "--metrics", "fid,prdc", "--out", str(out),
            "--cache-dir", str(tmp_path / "c")]
    assert main(argv) == 0
    result = json.loads(out.read_text())
    assert result["reference"]["dataset"] == "mnist" and result["samples"]["noise_seed"] == 0
    assert set(result["metrics"]) == {"fid", "precision", "recall", "density", "coverage",
                                      "prdc_k_precision_recall", "prdc_k_density_coverage"}
    assert main(argv) == 0
    assert json.loads(out.read_text())["metrics"] == result["metrics"]  # same seed, same numbers


def test_user_errors(tmp_path, capsys):
    assert main(["evaluate", "--samples", str(tmp_path / "none.npz")]) == 2
    assert "does not exist" in capsys.readouterr().err
    np.savez(tmp_path / "float.npz", arr_0=np.zeros((20, 8, 8, 1), np.float32))
    assert main(["evaluate", "--samples", str(tmp_path / "float.npz")]) == 2
    assert "uint8" in capsys.readouterr().err
    assert main(["evaluate", "--samples", str(tmp_path / "float.npz"), "--metrics", "fid,bogus"]) == 2
    assert "bogus" in capsys.readouterr().err


def test_npz_layouts(tmp_path):
    nhwc = np.random.default_rng(0).integers(0, 256, (5, 8, 8, 3), dtype=np.uint8)
    np.savez(tmp_path / "a.npz", arr_0=nhwc)
    np.savez(tmp_path / "b.npz", arr_0=nhwc.transpose(0, 3, 1, 2))
    np.savez(tmp_path / "c.npz", arr_0=nhwc[..., 0])
    expected = torch.from_numpy(nhwc).permute(0, 3, 1, 2)
    assert torch.equal(load_npz_images(tmp_path / "a.npz"), expected)
    assert torch.equal(load_npz_images(tmp_path / "b.npz"), expected)
    assert load_npz_images(tmp_path / "c.npz").shape == (5, 1, 8, 8)
