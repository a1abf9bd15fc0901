"""``dcgan data inspect|prepare`` and training straight from a folder and from a pack."""

from __future__ import annotations

import json
import warnings

import pytest
from PIL import Image

from dcgan.cli import main
from dcgan.data.streaming import CorruptImageWarning
from tests.conftest import tiny_config
from tests.data._make import colour_image, truncated_jpeg


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "shapes"
    for c, n in (("circles", 20), ("squares", 12)):
        (root / c).mkdir(parents=True)
        for k in range(n):
            colour_image(k, (24 + k % 3, 20)).save(root / c / f"{k}.png")
    (root / "squares" / "bad.jpg").write_bytes(truncated_jpeg())
    return root


def test_inspect_reports_and_writes_grid(folder, tmp_path, capsys):
    grid = tmp_path / "grid.png"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptImageWarning)
        assert main(["data", "inspect", str(folder), "--resolution", "16", "--grid", str(grid), "--n", "40",
                     "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format"] == "folder" and info["count"] == 33
    assert info["classes"] == {"circles": 20, "squares": 13}
    assert info["model_input"] == "16x16x3"
    assert sum(info["native_sizes_in_sample"].values()) + len(info["corrupt_in_sample"]) == 33
    assert len(info["corrupt_in_sample"]) == 1 and "bad.jpg" in info["corrupt_in_sample"][0]
    assert Image.open(grid).size[0] > 16


def test_inspect_error_names_the_path(tmp_path, capsys):
    assert main(["data", "inspect", str(tmp_path / "missing")]) == 2
    assert "missing" in capsys.readouterr().err


def test_train_on_a_folder_and_on_its_pack(folder, tmp_path):
    from dcgan.training.loop import train

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptImageWarning)
        cfg = tiny_config(folder, tmp_path / "run_folder", **{
            "data.name": str(folder), "data.path": "", "model.channels": 3, "train.batch_size": 8,
            "train.max_steps": 3, "data.num_workers": 1,
        })
        result = train(cfg, progress=False)
    assert result.step == 3 and (result.run_dir / "checkpoints" / "latest.pt").is_file()

    pack = tmp_path / "shapes.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptImageWarning)
        assert main(["data", "prepare", str(folder), "--out", str(pack), "--resolution", "16"]) == 0
    cfg = tiny_config(folder, tmp_path / "run_pack", **{
        "data.name": str(pack), "data.path": "", "model.channels": 3, "train.batch_size": 8, "train.max_steps": 3,
    })
    result = train(cfg, progress=False)
    assert result.step == 3
