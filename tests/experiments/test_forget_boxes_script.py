"""The Fashion-MNIST forgetting demo's box rule (scripts/forget_boxes_fashion.py)."""

import json

import numpy as np

from dcgan.cli import main as dcgan_main
from tests.scripts import load_script


def _script():
    return load_script("forget_boxes_fashion")


def test_sleeve_boxes_are_the_outer_bands_below_the_shoulders():
    image = np.zeros((32, 32), np.uint8)
    image[2:30, 6:26] = 200  # garment: x 6..25, y 2..29
    boxes = _script().sleeve_boxes(image, threshold=40, sleeve_fraction=0.25, shoulder_fraction=0.25)
    assert boxes == [[6, 9, 11, 30], [21, 9, 26, 30]]
    assert _script().sleeve_boxes(np.zeros((32, 32), np.uint8), 40, 0.25, 0.25) == []


def test_script_writes_a_boxes_file_that_forget_accepts(tiny_run, idx_folder, tmp_path):
    out = tmp_path / "boxes.json"
    assert _script().main(["--checkpoint", str(tiny_run), "--sheet-seed", "3", "--n", "40", "--out", str(out),
                           "--data-path", str(idx_folder), "--threshold", "0"]) == 0
    spec = json.loads(out.read_text())
    assert spec["sheet"] == {"seed": 3, "n": 40} and len(spec["knn_labels"]) == 40
    boxed = [k for k, b in spec["boxes"].items() if b]
    assert boxed and all(spec["knn_labels"][k] in {"Pullover", "Coat", "Shirt"} for k in boxed)
    assert (tmp_path / "boxes_overlay.png").is_file()
    assert dcgan_main(["explore", "forget", "--checkpoint", str(tiny_run), "--boxes", str(out),
                       "--out", str(tmp_path / "forget"), "--n", "2"]) == 0
