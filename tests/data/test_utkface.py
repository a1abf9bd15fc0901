"""UTKFace reader: labels from file names, fixed hash split, only when named, and data.label."""

from __future__ import annotations

import zipfile

import pytest
import torch

from dcgan import DcganError
from dcgan.data import open_dataset
from dcgan.data.utkface import age_group, is_utkface, parse_name, split_of
from tests.data._make import colour_image, colour_of, encode

# (age, gender, race) of the made-up faces; 40 so both splits are non-empty
FACES = [(a, g, r) for a, g, r in zip([1, 12, 29, 30, 49, 50, 77, 101] * 5, [0, 1] * 20, [0, 1, 2, 3, 4] * 8)]


def _name(i, a, g, r):
    return f"utk/{a}_{g}_{r}_2017011{i % 10}{i:06d}.jpg"


@pytest.fixture
def utk_zip(tmp_path):
    path = tmp_path / "utk.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i, (a, g, r) in enumerate(FACES):
            zf.writestr(_name(i, a, g, r), encode(colour_image(i, (16, 16)), "JPEG", quality=95))
        zf.writestr("utk/readme.txt", "not an image")
    return path


def test_parse_name():
    assert parse_name("utkface-64/25_1_2_20170116174525125.jpg") == (25, 1, 2)
    assert parse_name("x/25_1_2_20170116174525125.jpg.chip.jpg") == (25, 1, 2)
    assert parse_name("x/25_2_2_2017.jpg") is None  # gender must be 0/1
    assert parse_name("x/25_1_2017.jpg") is None
    assert parse_name("celeba/000001.jpg") is None


def test_age_group_bins():
    assert age_group(torch.tensor([0, 29, 30, 49, 50, 116, -1])).tolist() == [0, 0, 1, 1, 2, 2, -1]


def test_labels_and_attributes_from_names(utk_zip):
    d = open_dataset(f"utkface:{utk_zip}", resolution=8, channels=3, split="all")
    assert len(d) == len(FACES) and d.images.shape == (len(FACES), 3, 8, 8)
    assert d.class_names == ["male", "female"]
    order = sorted(range(len(FACES)), key=lambda i: _name(i, *FACES[i]))  # members are read sorted
    assert d.labels.tolist() == [FACES[i][1] for i in order]
    assert d.attributes["age"].tolist() == [FACES[i][0] for i in order]
    assert d.attributes["race"].tolist() == [FACES[i][2] for i in order]
    # the pixels belong to the names: flat colour i decodes close to colour_of(i)
    mean = d.images[0].float().mean((1, 2)).numpy()
    assert abs(mean - colour_of(order[0])).max() < 12


def test_splits_are_disjoint_fixed_by_name(utk_zip):
    train = open_dataset(f"utkface:{utk_zip}", resolution=8, channels=3, split="train")
    test = open_dataset(f"utkface:{utk_zip}", resolution=8, channels=3, split="test")
    expected_test = sum(split_of(_name(i, *f)) == "test" for i, f in enumerate(FACES))
    assert len(test) == expected_test and len(train) == len(FACES) - expected_test
    assert 0 < len(test) < len(train)
    with pytest.raises(DcganError, match="splits"):
        open_dataset(f"utkface:{utk_zip}", resolution=8, channels=3, split="val")


def test_label_option_picks_attribute(utk_zip):
    d = open_dataset(f"utkface:{utk_zip}", resolution=8, channels=3, split="all", label="age_group")
    assert d.class_names == ["young", "middle", "old"]
    assert torch.equal(d.labels, age_group(d.attributes["age"]))
    assert open_dataset(f"utkface:{utk_zip}", resolution=8, channels=3, split="all", label="race").class_names[0] == "white"
    with pytest.raises(DcganError, match="data.label 'smile'"):
        open_dataset(f"utkface:{utk_zip}", resolution=8, channels=3, split="all", label="smile")


def test_detection_zip_and_folder(utk_zip, tmp_path):
    assert is_utkface(utk_zip)
    other = tmp_path / "plain.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("faces/000001.jpg", encode(colour_image(1), "JPEG"))
    assert not is_utkface(other)
    folder = tmp_path / "utkdir"
    folder.mkdir()
    for i, (a, g, r) in enumerate(FACES[:6]):
        colour_image(i, (16, 16)).save(folder / f"{a}_{g}_{r}_2017{i}.jpg")
    assert is_utkface(folder)
    named = open_dataset(f"utkface:{folder}", resolution=8, channels=1, split="all")
    assert named.images.shape == (6, 1, 8, 8) and named.labels is not None
    also_named = open_dataset("utkface", path=str(folder), resolution=8, channels=1, split="all")
    assert torch.equal(also_named.images, named.images)


def test_plain_path_with_utkface_names_is_a_plain_folder(utk_zip, tmp_path):
    """Issue #37: photos that happen to carry UTKFace names are all trained on, unlabelled; the
    names' labels and held-out split apply only when the user names the format."""
    folder = tmp_path / "my_photos"
    folder.mkdir()
    for i, (a, g, r) in enumerate(FACES):
        colour_image(i, (16, 16)).save(folder / f"{a}_{g}_{r}_2017{i:04d}.jpg")
    for path in (folder, utk_zip):
        plain = open_dataset(str(path), resolution=8, channels=3)
        assert len(plain) == len(FACES), path  # no held-out split
        assert plain.class_names is None and "UTKFace" not in plain.description
    assert len(open_dataset(f"utkface:{folder}", resolution=8, channels=3)) < len(FACES)


def test_unlabelled_dataset_refuses_label(tmp_path):
    path = tmp_path / "plain.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(3):
            zf.writestr(f"faces/{i:06d}.jpg", encode(colour_image(i), "JPEG"))
    with pytest.raises(DcganError, match="no such attribute"):
        open_dataset(str(path), resolution=8, channels=3, label="gender")
