"""Zip of images: split from a train/test component, labels from class folders, in memory or streamed."""

from __future__ import annotations

import warnings
import zipfile

import pytest
import torch

from dcgan import DcganError
from dcgan.data import InMemoryImages, open_dataset
from dcgan.data.streaming import CorruptImageWarning
from dcgan.data.zipped import ZipImages
from tests.data._make import colour_image, encode, truncated_jpeg

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@pytest.fixture
def cifar_like_zip(tmp_path):
    """``cifar10-jpg/{train,test}/<class>/NNNN.jpg`` with 2 train / 1 test image per class, one corrupt."""
    path = tmp_path / "cifar10-jpg.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for c, name in enumerate(CLASSES):
            for k in range(2):
                zf.writestr(f"cifar10-jpg/train/{name}/{k:04d}.jpg", encode(colour_image(10 * c + k, (32, 32)), "JPEG"))
            zf.writestr(f"cifar10-jpg/test/{name}/0000.jpg", encode(colour_image(c, (32, 32)), "JPEG"))
        zf.writestr("cifar10-jpg/train/truck/9999.jpg", truncated_jpeg())
        zf.writestr("cifar10-jpg/README.txt", "not an image")
    return path


def test_zip_in_memory_with_split_and_labels(cifar_like_zip):
    with pytest.warns(CorruptImageWarning, match="9999.jpg"):
        train = open_dataset(str(cifar_like_zip), resolution=16, channels=3, split="train")
    assert isinstance(train, InMemoryImages)
    assert train.images.shape == (20, 3, 16, 16) and train.images.dtype == torch.uint8
    assert train.class_names == CLASSES
    assert train.labels.tolist() == [c for c in range(10) for _ in range(2)]
    test = open_dataset(str(cifar_like_zip), resolution=16, channels=3, split="test")
    assert len(test) == 10 and test.labels.tolist() == list(range(10))
    with pytest.raises(DcganError, match="no 'extra' split"):
        open_dataset(str(cifar_like_zip), resolution=16, channels=3, split="extra")


def test_cifar10_name_accepts_the_zip(cifar_like_zip):
    ds = open_dataset("cifar10", path=str(cifar_like_zip), resolution=32, channels=3, split="test")
    assert ds.class_names == CLASSES and len(ds) == 10


def test_streamed_zip_matches_in_memory(cifar_like_zip, monkeypatch):
    in_memory = open_dataset(str(cifar_like_zip), resolution=16, channels=1, split="test")
    monkeypatch.setenv("DCGAN_IN_MEMORY_MB", "0")
    streamed = open_dataset(str(cifar_like_zip), resolution=16, channels=1, split="test")
    assert isinstance(streamed, ZipImages)
    loader = torch.utils.data.DataLoader(streamed, batch_size=5, num_workers=2)
    images = torch.cat([b[0] for b in loader])
    assert torch.equal(images, in_memory.images)  # one resize/crop policy, whichever path


def test_streamed_zip_replaces_corrupt(cifar_like_zip, monkeypatch):
    monkeypatch.setenv("DCGAN_IN_MEMORY_MB", "0")
    ds = open_dataset(str(cifar_like_zip), resolution=8, channels=3, split="train")
    assert len(ds) == 21
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = [ds[i] for i in range(len(ds))]
    assert len(ds.skipped) == 1 and any("9999.jpg" in str(w.message) for w in caught)
    assert all(img.shape == (3, 8, 8) for img, _ in items)


def test_not_a_zip_of_images(tmp_path):
    path = tmp_path / "text.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.txt", "x")
    with pytest.raises(DcganError, match="holds no images"):
        open_dataset(str(path), resolution=16, channels=3)


@pytest.mark.shared_data
def test_real_cifar10_zip(shared_datasets):
    test = open_dataset("cifar10", path=str(shared_datasets / "cifar10-jpg.zip"), resolution=32, channels=3, split="test")
    assert test.images.shape == (10000, 3, 32, 32)
    assert test.labels.bincount().tolist() == [1000] * 10
    assert test.class_names == CLASSES
