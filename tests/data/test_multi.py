"""Several sources as one dataset: data.name=a,b, labels kept where present, -1 elsewhere."""

from __future__ import annotations

import zipfile

import pytest
import torch

from dcgan import DcganError
from dcgan.config import resolve_config
from dcgan.data import open_dataset
from dcgan.data.multi import concat_datasets, split_names
from dcgan.data.types import InMemoryImages
from tests.data._make import colour_image, encode


@pytest.fixture
def sources(tmp_path):
    utk = tmp_path / "utk.zip"
    with zipfile.ZipFile(utk, "w") as zf:
        for i in range(6):
            zf.writestr(f"utk/{20 + 10 * i}_{i % 2}_0_2017{i:04d}.jpg", encode(colour_image(i, (16, 16)), "JPEG", quality=95))
    celeb = tmp_path / "celeb.zip"
    with zipfile.ZipFile(celeb, "w") as zf:  # 89x109 like CelebA: short side to 8, centre crop
        for i in range(4):
            zf.writestr(f"celeb/{i:06d}.png", encode(colour_image(10 + i, (89, 109)), "PNG"))
    return utk, celeb


def test_split_names():
    assert split_names("a.zip, b.zip") == ["a.zip", "b.zip"]
    assert split_names("fashion-mnist") == ["fashion-mnist"]
    with pytest.raises(DcganError, match="empty entry"):
        split_names("a.zip,,b.zip")


def test_two_sources_concatenate_with_unknown_labels(sources):
    utk, celeb = sources
    d = open_dataset(f"utkface:{utk},{celeb}", resolution=8, channels=3, split="all")
    assert isinstance(d, InMemoryImages) and len(d) == 10 and d.images.shape[1:] == (3, 8, 8)
    assert d.class_names == ["male", "female"]
    assert d.labels[:6].tolist() == [0, 1, 0, 1, 0, 1] and d.labels[6:].tolist() == [-1] * 4
    assert d.attributes["age"][6:].tolist() == [-1] * 4
    assert d.attributes["source"].tolist() == [0] * 6 + [1] * 4
    assert d.attribute_names["source"] == [f"utkface:{utk}", str(celeb)]
    assert d[7][1] == -1
    # the second source went through the same resize policy as when it is read alone
    alone = open_dataset(str(celeb), resolution=8, channels=3)
    assert torch.equal(d.images[6:], alone.images)
    age = open_dataset(f"utkface:{utk},{celeb}", resolution=8, channels=3, split="all", label="age_group")
    assert age.labels.tolist() == [0, 1, 1, 2, 2, 2, -1, -1, -1, -1]


def test_keep_list_indexes_combined(sources, tmp_path):
    utk, celeb = sources
    keep = tmp_path / "kept.txt"
    keep.write_text("0\n7\n")
    d = open_dataset(f"utkface:{utk},{celeb}", resolution=8, channels=3, split="all", keep_list=str(keep))
    assert len(d) == 2 and d.labels.tolist() == [0, -1]


def test_multi_source_errors(sources):
    utk, celeb = sources
    with pytest.raises(DcganError, match="not data.path"):
        open_dataset(f"utkface:{utk},{celeb}", resolution=8, channels=3, path="/x")
    with pytest.raises(DcganError, match="neither a known dataset"):
        open_dataset(f"{utk},/nope.zip", resolution=8, channels=3)


def test_class_names_merge_by_name():
    a = InMemoryImages(torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.tensor([0, 1]), "a", ["cat", "dog"])
    b = InMemoryImages(torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.tensor([0, 1]), "b", ["dog", "eel"])
    d = concat_datasets([a, b], ["a", "b"])
    assert d.class_names == ["cat", "dog", "eel"] and d.labels.tolist() == [0, 1, 1, 2]


def test_config_accepts_list_and_label():
    cfg = resolve_config(overrides={"data.name": "a.zip,b.zip", "data.label": "age_group", "data.split": "all"})
    assert cfg.data.name == "a.zip,b.zip" and cfg.data.label == "age_group"
