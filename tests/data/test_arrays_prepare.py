"""npy/npz arrays (as ``dcgan sample`` writes them) and packs from ``dcgan data prepare``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from dcgan import DcganError
from dcgan.data import InMemoryImages, open_dataset
from dcgan.data.prepare import prepare_pack
from dcgan.data.streaming import CorruptImageWarning
from dcgan.sampling import save_npz
from tests.data._make import colour_image, truncated_jpeg


def test_sample_npz_nhwc_round_trip(tmp_path):
    images = torch.randint(0, 256, (6, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    path = save_npz(images, tmp_path / "samples.npz")
    ds = open_dataset(str(path), resolution=16, channels=3)
    assert isinstance(ds, InMemoryImages) and torch.equal(ds.images, images) and ds[0][1] == -1


def test_npy_grey_and_nchw_with_labels(tmp_path):
    grey = np.random.default_rng(0).integers(0, 256, (4, 20, 20), dtype=np.uint8)
    np.save(tmp_path / "grey.npy", grey)
    ds = open_dataset(str(tmp_path / "grey.npy"), resolution=16, channels=3)
    assert ds.images.shape == (4, 3, 16, 16)
    nchw = np.random.default_rng(1).integers(0, 256, (5, 3, 8, 8), dtype=np.uint8)
    np.savez_compressed(tmp_path / "x.npz", x=nchw, y=np.arange(5) % 2)
    ds = open_dataset(str(tmp_path / "x.npz"), resolution=8, channels=3)
    assert torch.equal(ds.images, torch.from_numpy(nchw)) and ds.labels.tolist() == [0, 1, 0, 1, 0]


def test_array_errors(tmp_path):
    np.save(tmp_path / "f.npy", np.zeros((2, 8, 8, 3), np.float32))
    with pytest.raises(DcganError, match="uint8"):
        open_dataset(str(tmp_path / "f.npy"), resolution=8, channels=3)
    np.save(tmp_path / "s.npy", np.zeros((2, 8), np.uint8))
    with pytest.raises(DcganError, match="shape"):
        open_dataset(str(tmp_path / "s.npy"), resolution=8, channels=3)


@pytest.fixture
def folder_with_corrupt(tmp_path, monkeypatch):
    monkeypatch.setenv("DCGAN_IN_MEMORY_MB", "0")  # the comparisons below read the folder streamed
    root = tmp_path / "imgs"
    for c in ("a", "b"):
        (root / c).mkdir(parents=True)
        for k in range(5):
            colour_image(k + (10 if c == "b" else 0), (30 + k, 24)).save(root / c / f"{k}.png")
    (root / "b" / "zz.jpg").write_bytes(truncated_jpeg())
    return root


def test_prepare_pack_matches_streamed_and_is_memory_mapped(folder_with_corrupt, tmp_path):
    result = prepare_pack(str(folder_with_corrupt), tmp_path / "pack.npz", resolution=16, channels=3,
                          num_workers=0, progress=False)
    assert result.count == 10 and len(result.dropped) == 1 and "zz.jpg" in result.dropped[0]
    pack = open_dataset(str(result.path), resolution=16, channels=3)
    assert "memory-mapped" in pack.description
    assert pack.class_names == ["a", "b"] and pack.labels.tolist() == [0] * 5 + [1] * 5
    streamed = open_dataset(str(folder_with_corrupt), resolution=16, channels=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptImageWarning)
        expected = torch.stack([streamed[i][0] for i in range(10)])  # the corrupt one is last
    assert torch.equal(pack.images.contiguous(), expected)
    assert torch.equal(pack[3][0], expected[3])
    with pytest.raises(DcganError, match="prepared at 16x16"):
        open_dataset(str(result.path), resolution=32, channels=3)
    assert not list(tmp_path.glob("*.tmp"))  # atomic: no temporary left behind


def test_prepare_with_workers_equals_without(folder_with_corrupt, tmp_path):
    a = prepare_pack(str(folder_with_corrupt), tmp_path / "a.npz", resolution=8, channels=1, progress=False)
    b = prepare_pack(str(folder_with_corrupt), tmp_path / "b.npz", resolution=8, channels=1, num_workers=2,
                     progress=False)
    with np.load(a.path) as za, np.load(b.path) as zb:
        assert np.array_equal(za["images"], zb["images"]) and za["images"].shape == (10, 8, 8, 1)
