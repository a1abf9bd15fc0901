"""LSUN lmdb: an lmdb of JPEG/WebP bytes (as LSUN distributes), streamed with a cursor."""

from __future__ import annotations

import warnings

import lmdb
import numpy as np
import pytest
import torch

from dcgan import DcganError
from dcgan.data import open_dataset
from dcgan.data.lmdb_reader import STRIDE, LmdbImages
from dcgan.data.streaming import CorruptImageWarning
from tests.data._make import colour_image, colour_of, encode

N = 600  # > 2 landmarks


@pytest.fixture(scope="module")
def lsun_dir(tmp_path_factory):
    """``lsun/bedroom_train_lmdb`` with N images (webp and jpeg alternating) keyed by a hash-like id; one corrupt."""
    root = tmp_path_factory.mktemp("lsun")
    env = lmdb.open(str(root / "bedroom_train_lmdb"), map_size=1 << 26)
    with env.begin(write=True) as txn:
        for i in range(N):
            img = colour_image(i, (40, 30))
            data = encode(img, "WEBP", lossless=True) if i % 2 else encode(img, "JPEG", quality=95)
            txn.put(f"{i:06d}{'f' * 34}".encode(), data if i != 7 else b"\x00corrupt")
    env.close()
    return root


def _colour_error(image: torch.Tensor, i: int) -> float:
    return float(np.abs(image.float().mean((1, 2)).numpy() - colour_of(i)).max())


def test_lmdb_length_without_index_pass(lsun_dir):
    ds = open_dataset("lsun", path=str(lsun_dir), resolution=16, channels=3)
    assert isinstance(ds, LmdbImages) and len(ds) == N
    assert ds._landmarks == []  # nothing walked yet: the length came from env.stat()


def test_sequential_and_random_access_agree(lsun_dir):
    ds = LmdbImages(lsun_dir / "bedroom_train_lmdb", 16, 3)
    order = list(range(0, N, 37)) + [N - 1, 3, 2 * STRIDE + 5, 1, STRIDE, 0]
    for i in order:
        if i == 7:
            continue
        image, label = ds[i]
        assert image.shape == (3, 16, 16) and image.dtype == torch.uint8 and label == -1
        assert _colour_error(image, i) < 4, i
    assert len(ds._landmarks) == (N - 1) // STRIDE + 1


def test_corrupt_value_replaced_with_warning(lsun_dir):
    ds = LmdbImages(lsun_dir / "bedroom_train_lmdb", 16, 3)
    with pytest.warns(CorruptImageWarning, match="000007"):
        image, _ = ds[7]
    assert _colour_error(image, 8) < 4 and list(ds.skipped) == [7]


def test_dataloader_workers_shuffled(lsun_dir):
    ds = LmdbImages(lsun_dir / "bedroom_train_lmdb", 16, 1)
    idx = torch.randperm(N, generator=torch.Generator().manual_seed(0))[:64].tolist()
    loader = torch.utils.data.DataLoader(ds, batch_sampler=[idx[:32], idx[32:]], num_workers=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptImageWarning)
        images = torch.cat([b[0] for b in loader])
    assert images.shape == (64, 1, 16, 16)
    lum = np.array([np.dot(colour_of(i if i != 7 else 8), [0.299, 0.587, 0.114]) for i in idx])
    assert np.abs(images.float().mean((1, 2, 3)).numpy() - lum).max() < 4


def test_lmdb_errors(lsun_dir, tmp_path):
    with pytest.raises(DcganError, match="no '.*_val_lmdb'"):
        open_dataset("lsun", path=str(lsun_dir), resolution=16, channels=3, split="val")
    with pytest.raises(DcganError, match="needs data.path"):
        open_dataset("lsun", resolution=16, channels=3)
