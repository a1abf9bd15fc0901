"""CIFAR-10 python batches (folder and tar.gz) and SVHN .mat (MATLAB v5), in their exact on-disk formats."""

from __future__ import annotations

import os
import pickle
import tarfile

import numpy as np
import pytest
import torch
from scipy.io import savemat

from dcgan import DcganError
from dcgan.data import InMemoryImages, open_dataset
from dcgan.data.types import to_model_range
from tests.data._make import write_cifar_batches


@pytest.fixture
def cifar_root(tmp_path):
    data, labels = write_cifar_batches(tmp_path, n_per_batch=8)
    return tmp_path, data, labels


def test_cifar_folder_layout_and_labels(cifar_root):
    root, data, labels = cifar_root
    train = open_dataset(str(root), resolution=32, channels=3, split="train")
    assert isinstance(train, InMemoryImages) and train.images.shape == (40, 3, 32, 32)
    # row = R plane, G plane, B plane of 32x32, row-major
    i, y, x = 13, 5, 29
    for c in range(3):
        assert train.images[i, c, y, x] == data[i, c * 1024 + y * 32 + x]
    assert train.labels.tolist() == labels[:40].tolist()
    assert train.class_names[:3] == ["airplane", "automobile", "bird"]
    x = to_model_range(train.images)
    assert x.min() >= -1 and x.max() <= 1
    test = open_dataset("cifar10", path=str(root / "cifar-10-batches-py"), resolution=16, channels=1, split="test")
    assert test.images.shape == (8, 1, 16, 16) and test.labels.tolist() == labels[40:].tolist()


def test_cifar_tar_gz_equals_folder(cifar_root, tmp_path):
    root, _, _ = cifar_root
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    a = open_dataset(str(archive), resolution=32, channels=3, split="test")
    b = open_dataset(str(root), resolution=32, channels=3, split="test")
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)


def test_cifar_refuses_code_in_pickles(cifar_root):
    root, _, _ = cifar_root

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    (root / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}))
    with pytest.raises(DcganError, match="refusing"):
        open_dataset(str(root), resolution=32, channels=3, split="test")


def test_cifar_errors(cifar_root):
    root, _, _ = cifar_root
    with pytest.raises(DcganError, match="splits"):
        open_dataset(str(root), resolution=32, channels=3, split="extra")
    (root / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(DcganError, match="data_batch_3"):
        open_dataset(str(root), resolution=32, channels=3, split="train")


@pytest.fixture
def svhn_root(tmp_path):
    rng = np.random.default_rng(0)
    out = {}
    for split, n in (("train", 12), ("test", 5)):
        x = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
        y = rng.integers(1, 11, (n, 1)).astype(np.uint8)  # 1..10, 10 = digit 0
        y[0, 0] = 10
        savemat(tmp_path / f"{split}_32x32.mat", {"X": x, "y": y})  # MATLAB v5, as distributed
        out[split] = (x, y)
    return tmp_path, out


def test_svhn_layout_and_label_10_is_0(svhn_root):
    root, arrays = svhn_root
    ds = open_dataset("svhn", path=str(root), resolution=32, channels=3, split="train")
    x, y = arrays["train"]
    assert ds.images.shape == (12, 3, 32, 32) and ds.images.dtype == torch.uint8
    assert ds.images[4, 2, 7, 30] == x[7, 30, 2, 4]  # X is (row, col, channel, index)
    expected = y[:, 0].astype(int)
    expected[expected == 10] = 0
    assert ds.labels.tolist() == expected.tolist() and ds.labels[0] == 0
    assert ds.labels.max() <= 9
    test = open_dataset(str(root), resolution=16, channels=1, split="test")  # detected by path
    assert test.images.shape == (5, 1, 16, 16)


def test_svhn_errors(svhn_root, tmp_path):
    root, _ = svhn_root
    with pytest.raises(DcganError, match="extra_32x32.mat"):
        open_dataset("svhn", path=str(root), resolution=32, channels=3, split="extra")
    bad = tmp_path / "bad.mat"
    savemat(bad, {"images": np.zeros((2, 2), np.uint8)})
    with pytest.raises(DcganError, match="lacks the SVHN variables"):
        open_dataset(str(bad), resolution=32, channels=3)
