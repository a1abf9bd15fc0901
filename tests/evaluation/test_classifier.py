"""The shipped feature network: checksum checked at load, accuracy on real test images, and the
training command is seeded (two runs give identical weights)."""

import shutil

import pytest
import torch

from dcgan import DcganError
from dcgan.data import open_dataset
from dcgan.evaluation.features import classifier as cls
from dcgan.evaluation.features import get_feature_extractor
from dcgan.evaluation.train_classifier import main as train_main
from dcgan.evaluation.train_classifier import save_weights, train_fashion_cnn


def test_shipped_weights_match_their_checksum():
    model, sha = cls.load_fashion_cnn()
    assert sha == cls.WEIGHTS_SHA256 == cls.sha256_file(cls.packaged_weights())
    manifest = cls.packaged_manifest()
    assert manifest["sha256"] == sha and manifest["test_accuracy"] >= 0.85
    extractor = get_feature_extractor("fashion-cnn")
    assert extractor.name == f"fashion-cnn@{sha[:12]}" and extractor.info["classifier_test_accuracy"]


def test_tampered_or_foreign_weights_are_refused(tmp_path):
    copy = tmp_path / "fashion_cnn.pt"
    shutil.copy(cls.packaged_weights(), copy)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(DcganError, match="SHA-256"):
        cls.load_fashion_cnn(copy, expected_sha256=cls.WEIGHTS_SHA256)
    torch.save({"weight": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(DcganError, match="could not be loaded"):
        cls.load_fashion_cnn(tmp_path / "other.pt")


def test_accuracy_on_real_test_images(fashion_mnist):
    test = open_dataset("fashion-mnist", resolution=32, channels=1, split="test", path=str(fashion_mnist))
    model, _ = cls.load_fashion_cnn()
    pred = cls.predict(model, test.images[:2000])
    assert (pred == test.labels[:2000].numpy()).mean() > 0.85


def test_features_accept_any_square_size_and_rgb():
    extractor = get_feature_extractor("fashion-cnn")
    images = torch.randint(0, 256, (3, 3, 64, 64), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    assert extractor(images).shape == (3, cls.FEATURE_DIM)


def test_training_is_seeded(idx_folder, tmp_path):
    quiet = lambda *_: None
    a, acc_a = train_fashion_cnn(str(idx_folder), epochs=1, limit=256, log=quiet)
    b, acc_b = train_fashion_cnn(str(idx_folder), epochs=1, limit=256, log=quiet)
    assert acc_a == acc_b
    assert save_weights(a, tmp_path / "a.pt") == save_weights(b, tmp_path / "b.pt")  # byte-identical files
    assert train_main(["--data", str(idx_folder), "--limit", "64", "--epochs", "1", "--out", str(tmp_path / "c.pt")]) == 0
    assert (tmp_path / "c.json").is_file()
