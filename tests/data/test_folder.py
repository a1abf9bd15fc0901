"""Folder reader: recursive search, mixed sizes/modes, labels from sub-folders, corrupt files, crop policy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from dcgan import DcganError
from dcgan.data import open_dataset
from dcgan.data.folder import FolderImages
from dcgan.data.streaming import CorruptImageWarning
from dcgan.data.types import InMemoryImages, to_model_range
from tests.data._make import colour_image, colour_of, truncated_jpeg


@pytest.fixture
def streamed(monkeypatch):
    """Folders stream only above the in-memory limit: a limit of 0 makes the small test folders stream."""
    monkeypatch.setenv("DCGAN_IN_MEMORY_MB", "0")


@pytest.fixture
def mixed_folder(tmp_path, streamed):
    """cats/ and dogs/ with jpg, png (grey, RGBA, palette), webp, bmp; one truncated jpg; a text file."""
    root = tmp_path / "pets"
    (root / "cats" / "deeper").mkdir(parents=True)
    (root / "dogs").mkdir()
    colour_image(1, (40, 30)).save(root / "cats" / "a.jpg", quality=95)
    colour_image(2, (20, 50), "L").save(root / "cats" / "b.png")
    colour_image(3, (33, 33), "RGBA").save(root / "cats" / "deeper" / "c.png")
    colour_image(4, (64, 16)).save(root / "dogs" / "d.webp", lossless=True)
    colour_image(5, (18, 18)).save(root / "dogs" / "e.bmp")
    colour_image(6, (30, 40), "P").save(root / "dogs" / "f.png")
    (root / "dogs" / "broken.jpg").write_bytes(truncated_jpeg())
    (root / "dogs" / "notes.txt").write_text("not an image")
    return root


def test_folder_shapes_range_and_labels(mixed_folder):
    ds = open_dataset(str(mixed_folder), resolution=16, channels=3)
    assert isinstance(ds, FolderImages)
    assert len(ds) == 7  # the .txt is not listed, the broken jpg is
    assert ds.class_names == ["cats", "dogs"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptImageWarning)
        items = [ds[i] for i in range(len(ds))]
    for image, _label in items:
        assert image.dtype == torch.uint8 and image.shape == (3, 16, 16)
        x = to_model_range(image)
        assert -1 <= x.min() and x.max() <= 1
    names = [f.split("/")[-1] for f in ds.files]
    for name, (_image, label) in zip(names, items):
        assert label == (0 if name in {"a.jpg", "b.png", "c.png"} else 1)
    # flat colours survive decoding (JPEG/webp/bmp/png); the grey PNG becomes R=G=B
    colours = {"a.jpg": 1, "c.png": 3, "d.webp": 4, "e.bmp": 5}
    for name, (image, _) in zip(names, items):
        if name in colours:
            assert np.abs(image.float().mean((1, 2)).numpy() - colour_of(colours[name])).max() < 4, name
    grey = items[names.index("b.png")][0]
    assert torch.equal(grey[0], grey[1]) and torch.equal(grey[1], grey[2])


def test_grey_model_gets_one_channel(mixed_folder):
    ds = open_dataset(str(mixed_folder), resolution=8, channels=1)
    image, _ = ds[0]
    assert image.shape == (1, 8, 8)
    expected = np.dot(colour_of(1), [0.299, 0.587, 0.114])  # ITU-R 601-2 luma of a.jpg's colour
    assert abs(image.float().mean().item() - expected) < 4


def test_corrupt_file_is_replaced_counted_and_named(mixed_folder):
    ds = open_dataset(str(mixed_folder), resolution=16, channels=3)
    bad = [i for i, f in enumerate(ds.files) if f.endswith("broken.jpg")][0]
    with pytest.warns(CorruptImageWarning, match="broken.jpg"):
        image, label = ds[bad]
    replacement, rlabel = ds[(bad + 1) % len(ds)]
    assert torch.equal(image, replacement) and label == rlabel
    assert list(ds.skipped) == [bad]
    assert "broken.jpg" in ds.skipped_report()


def test_an_epoch_through_dataloader_workers_never_crashes(mixed_folder):
    ds = open_dataset(str(mixed_folder), resolution=16, channels=3)
    loader = torch.utils.data.DataLoader(ds, batch_size=7, num_workers=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptImageWarning)
        (images, labels), = list(loader)
    assert images.shape == (7, 3, 16, 16) and images.dtype == torch.uint8
    assert labels.tolist().count(1) == 4  # broken.jpg (a dog) replaced by the next item in order, also a dog


def test_resize_short_side_then_centre_crop(tmp_path):
    """A 64x32 image: red | green (middle half) | blue. Short side 32 -> 16, centre crop keeps only green."""
    arr = np.zeros((32, 64, 3), np.uint8)
    arr[:, :16] = (255, 0, 0)
    arr[:, 16:48] = (0, 255, 0)
    arr[:, 48:] = (0, 0, 255)
    (tmp_path / "img").mkdir()
    Image.fromarray(arr).save(tmp_path / "img" / "wide.png")
    image, _ = open_dataset(str(tmp_path / "img"), resolution=16, channels=3)[0]
    core = image[:, :, 3:13].float()  # away from the bicubic kernel's reach of the colour edges
    assert core[1].min() >= 250 and core[0].max() <= 5 and core[2].max() <= 5
    # independent reference: PIL's bicubic (antialiased when reducing) + centre crop
    ref = np.asarray(Image.fromarray(arr).resize((32, 16), Image.BICUBIC))[:, 8:24]
    assert np.abs(image.permute(1, 2, 0).numpy().astype(int) - ref).mean() < 3


def test_splits_from_folder_names(tmp_path):
    for split, n in (("train", 3), ("test", 2)):
        for k in range(n):
            (tmp_path / split / f"c{k % 2}").mkdir(parents=True, exist_ok=True)
            colour_image(k).save(tmp_path / split / f"c{k % 2}" / f"{k}.png")
    assert len(open_dataset(str(tmp_path), resolution=8, channels=3, split="train")) == 3
    test = open_dataset(str(tmp_path), resolution=8, channels=3, split="test")
    assert len(test) == 2 and test.class_names == ["c0", "c1"]
    with pytest.raises(DcganError, match="no 'val' split"):
        open_dataset(str(tmp_path), resolution=8, channels=3, split="val")


def test_unlabelled_flat_folder(tmp_path):
    for k in range(3):
        colour_image(k).save(tmp_path / f"{k}.jpg")
    ds = open_dataset("folder", path=str(tmp_path), resolution=8, channels=3)
    assert ds.class_names is None and ds[0][1] == -1
    with pytest.raises(DcganError, match="one set"):
        open_dataset(str(tmp_path), resolution=8, channels=3, split="test")


def test_clear_errors(tmp_path):
    with pytest.raises(DcganError, match="nope"):
        open_dataset(str(tmp_path / "nope"), resolution=16, channels=3)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DcganError, match=r"empty.*holds no images"):
        open_dataset(str(tmp_path / "empty"), resolution=16, channels=3)
    (tmp_path / "data.txt").write_text("hello")
    with pytest.raises(DcganError, match=r"data.txt.*no reader recognises"):
        open_dataset(str(tmp_path / "data.txt"), resolution=16, channels=3)
    (tmp_path / "allbad").mkdir()
    for k in range(3):
        (tmp_path / "allbad" / f"{k}.jpg").write_bytes(b"garbage")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptImageWarning)
        with pytest.raises(DcganError, match=r"allbad.*none of its 3 images decode"):
            open_dataset(str(tmp_path / "allbad"), resolution=16, channels=3)  # in memory: refused at once
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DCGAN_IN_MEMORY_MB", "0")
            ds = open_dataset(str(tmp_path / "allbad"), resolution=16, channels=3)
            with pytest.raises(DcganError, match="do not decode"):
                ds[0]  # streamed: refused when read


def test_small_folder_is_decoded_once_into_memory(mixed_folder, monkeypatch):
    """A folder that fits the memory limit is decoded once (a few thousand photos would otherwise be
    decoded again at every step): the same pixels and labels as streaming it, the corrupt file dropped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptImageWarning)
        streamed = open_dataset(str(mixed_folder), resolution=16, channels=3)
        items = [streamed[i] for i in range(len(streamed))]  # a corrupt item is replaced and noted in .skipped
        wanted = [item for i, item in enumerate(items) if i not in streamed.skipped]
        monkeypatch.setenv("DCGAN_IN_MEMORY_MB", "64")
        with pytest.warns(CorruptImageWarning, match="broken.jpg"):
            in_memory = open_dataset(str(mixed_folder), resolution=16, channels=3)
    assert isinstance(in_memory, InMemoryImages) and "decoded in memory" in in_memory.description
    assert len(in_memory) == len(wanted) == 6
    assert in_memory.class_names == streamed.class_names
    for i, (image, label) in enumerate(wanted):
        assert torch.equal(in_memory.images[i], image) and int(in_memory.labels[i]) == label


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_pre_reduction_keeps_the_policy(fmt):
    """Large images are draft-/box-reduced before the bicubic step; the result must match a full-size resize."""
    import io

    from dcgan.data.decode import decode_image
    from dcgan.data.transforms import resize_center_crop

    yy, xx = np.mgrid[0:437, 0:611]
    arr = np.stack([(xx * 255 / 610), (yy * 255 / 436), 128 + 100 * np.sin(xx / 23.0) * np.cos(yy / 31.0)], -1)
    buf = io.BytesIO()
    Image.fromarray(arr.astype(np.uint8)).save(buf, format=fmt, quality=95)
    full = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    for res in (16, 32):
        fast = decode_image(buf.getvalue(), res, 3)
        ref = resize_center_crop(torch.from_numpy(full).permute(2, 0, 1)[None].contiguous(), res)[0]
        assert (fast.int() - ref.int()).abs().float().mean() < 2.0, res  # a geometry slip costs 5-30
