"""model.channels from the data (data/probe.py): grey files give 1, colour files 3."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from PIL import Image

from dcgan import DcganError
from dcgan.data.probe import probe_channels
from tests.data._make import colour_image, encode


def _folder(root, mode):
    root.mkdir()
    for i in range(5):
        image = colour_image(i, (12, 12))
        (image.convert("L") if mode == "L" else image).save(root / f"{i}.png")
    return root


def test_colour_and_grey_folders(tmp_path):
    assert probe_channels(str(_folder(tmp_path / "rgb", "RGB"))) == 3
    assert probe_channels(str(_folder(tmp_path / "grey", "L"))) == 1


def test_grey_photos_saved_as_rgb_count_as_grey(tmp_path):
    root = tmp_path / "scans"
    root.mkdir()
    for i in range(3):
        Image.fromarray(np.repeat(np.full((8, 8, 1), 40 * i, np.uint8), 3, axis=2)).save(root / f"{i}.jpg", quality=100)
    assert probe_channels(str(root)) == 1


def test_one_colour_image_makes_the_folder_colour(tmp_path):
    root = _folder(tmp_path / "mixed", "L")
    colour_image(9, (12, 12)).save(root / "z.png")
    assert probe_channels(str(root)) == 3


def test_zip_named_datasets_and_arrays(tmp_path, idx_folder):
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(3):
            zf.writestr(f"p/{i}.jpg", encode(colour_image(i), "JPEG"))
    assert probe_channels(str(path)) == 3
    assert probe_channels("fashion-mnist") == 1 and probe_channels("cifar10") == 3
    assert probe_channels("mnist", str(idx_folder)) == 1 and probe_channels(str(idx_folder)) == 1
    np.save(tmp_path / "grey.npy", np.zeros((4, 8, 8), np.uint8))
    np.save(tmp_path / "rgb.npy", np.zeros((4, 8, 8, 3), np.uint8))
    assert probe_channels(str(tmp_path / "grey.npy")) == 1 and probe_channels(str(tmp_path / "rgb.npy")) == 3
    assert probe_channels(f"{path},{idx_folder}") == 3  # several sources: colour if any is


def test_missing_path_is_named(tmp_path):
    with pytest.raises(DcganError, match="nope"):
        probe_channels(str(tmp_path / "nope"))
