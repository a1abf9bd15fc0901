import numpy as np
import pytest
import torch

from dcgan import DcganError
from dcgan.data import open_dataset
from dcgan.data.mnist import read_idx
from dcgan.data.types import to_model_range
from tests.conftest import write_idx


def test_idx_reader_gz_and_raw(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(read_idx(write_idx(tmp_path / "a.gz", arr)), arr)
    assert np.array_equal(read_idx(write_idx(tmp_path / "a", arr, gz=False)), arr)


def test_idx_reader_errors(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(DcganError, match="magic"):
        read_idx(bad)
    arr = np.zeros((5, 4, 4), np.uint8)
    trunc = write_idx(tmp_path / "trunc", arr, gz=False)
    trunc.write_bytes(trunc.read_bytes()[:-7])
    with pytest.raises(DcganError, match="truncated"):
        read_idx(trunc)


def test_mnist_folder_to_model_range(idx_folder):
    ds = open_dataset("mnist", path=str(idx_folder), resolution=32, channels=1)
    assert len(ds) == 512 and ds.images.shape == (512, 1, 32, 32) and ds.images.dtype == torch.uint8
    x = to_model_range(ds.images[:8])
    assert x.min() >= -1 and x.max() <= 1 and x.dtype == torch.float32
    test = open_dataset("mnist", path=str(idx_folder), resolution=16, channels=3, split="test")
    assert test.images.shape == (128, 3, 16, 16)
    assert torch.equal(test.images[:, 0], test.images[:, 1])  # grey repeated to RGB


def test_missing_dataset_path(tmp_path):
    with pytest.raises(DcganError, match="does not exist"):
        open_dataset("mnist", path=str(tmp_path / "nope"), resolution=32, channels=1)
    with pytest.raises(DcganError, match="neither a known dataset"):
        open_dataset(str(tmp_path / "nope"), resolution=32, channels=1)
