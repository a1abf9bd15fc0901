"""The shipped offline feature space for colour images (features/general.py, ``tiny-imagenet-cnn``)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from dcgan import DcganError
from dcgan.evaluation.features import default_feature_space, get_feature_extractor
from dcgan.evaluation.features import general as gen
from dcgan.evaluation.frechet import GaussianStats, frechet_between
from dcgan.evaluation.train_general_features import main as train_main
from tests.data._make import colour_image


def test_shipped_weights_are_small_and_match_their_checksum():
    _, sha = gen.load_tiny_imagenet_cnn()
    manifest = gen.packaged_manifest()
    assert sha == gen.WEIGHTS_SHA256 == manifest["sha256"]
    assert gen.packaged_weights().stat().st_size <= 5 * 2**20  # issue #37: at most 5 MB
    assert manifest["held_out_accuracy"] > 10 * manifest["chance"]  # it learnt the 200 classes, if modestly


def test_a_damaged_shipped_file_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / gen.WEIGHTS_NAME
    data = bytearray(gen.packaged_weights().read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    monkeypatch.setattr(gen, "packaged_weights", lambda: copy)
    with pytest.raises(DcganError, match="SHA-256"):
        gen.load_tiny_imagenet_cnn()


def test_colour_data_gets_it_offline_and_inception_only_when_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("DCGAN_INCEPTION_WEIGHTS", raising=False)
    assert default_feature_space(3) == "tiny-imagenet-cnn" and default_feature_space(1) == "fashion-cnn"
    hub = tmp_path / "torch" / "hub" / "checkpoints"
    hub.mkdir(parents=True)
    (hub / "pt_inception-2015-12-05-6726825d.pth").write_bytes(b"x")
    assert default_feature_space(3) == "inception"


def test_features_of_any_size_grey_or_colour_and_a_sane_distance():
    extractor = get_feature_extractor("tiny-imagenet-cnn")
    g = torch.Generator().manual_seed(0)
    noise = torch.randint(0, 256, (64, 3, 64, 64), dtype=torch.uint8, generator=g)
    assert extractor(noise).shape == (64, gen.FEATURE_DIM) and extractor(noise[:, :1]).shape == (64, gen.FEATURE_DIM)
    smooth = torch.nn.functional.interpolate(torch.randint(0, 256, (128, 3, 8, 8), generator=g).float(), size=64,
                                             mode="bilinear").round().to(torch.uint8)
    a, b = GaussianStats.of(extractor(smooth[:64])), GaussianStats.of(extractor(smooth[64:]))
    far = GaussianStats.of(extractor(noise))
    assert frechet_between(a, b) < frechet_between(a, far)  # two draws of one kind of image lie closer


def test_training_writes_a_loadable_file(tmp_path):
    root = tmp_path / "classes"
    for c in range(3):
        (root / f"c{c}").mkdir(parents=True)
        for i in range(10):
            colour_image(10 * c + i, (16, 16)).save(root / f"c{c}" / f"{i}.png")
    out = tmp_path / "w.pt"
    assert train_main(["--data", str(root), "--epochs", "1", "--out", str(out)]) == 0
    manifest = json.loads((tmp_path / "w.json").read_text())
    assert manifest["stored_as"] == "float16" and manifest["held_out_images"] == 3
    state = torch.load(out, weights_only=True)
    assert all(v.dtype == torch.float16 for v in state.values() if v.is_floating_point())
    shutil.copy(out, tmp_path / "again.pt")
    with pytest.raises(DcganError, match="TinyImageNetCNN"):  # 3 classes, not 200: refused by name
        gen.load_tiny_imagenet_cnn(tmp_path / "again.pt")
    assert np.isfinite(manifest["held_out_accuracy"])
