"""The face attribute judge: shapes, a weights_only checkpoint, and learning made-up labelled faces."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from dcgan import DcganError
from dcgan.evaluation.judge import FaceJudge, class_index, judge_probs, load_judge, save_judge
from dcgan.evaluation.train_judge import train_judge
from tests.data._make import encode


def face(gender: int, age: int, rng) -> Image.Image:
    """Colour says gender (red vs blue), brightness says age; noise on top."""
    base = np.array([200, 40, 40] if gender else [40, 40, 200], np.float64) * (0.45 if age >= 50 else 1.0)
    pixels = np.clip(base + rng.normal(0, 20, (16, 16, 3)), 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


@pytest.fixture(scope="module")
def made_up_utk(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("utk") / "utk.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(160):
            gender, age = i % 2, [5, 22, 60, 80][(i // 2) % 4]
            zf.writestr(f"utk/{age}_{gender}_0_2017{i:08d}.jpg", encode(face(gender, age, rng), "JPEG", quality=95))
    return path


def test_judge_heads_and_probabilities():
    judge = FaceJudge(width=8)
    probs = judge_probs(judge, torch.randint(0, 256, (5, 3, 64, 64), dtype=torch.uint8))
    assert probs["gender"].shape == (5, 2) and probs["age_group"].shape == (5, 3)
    assert torch.allclose(probs["age_group"].sum(1), torch.ones(5))
    grey = judge_probs(judge, torch.randint(0, 256, (2, 1, 16, 16), dtype=torch.uint8))
    assert grey["gender"].shape == (2, 2)


def test_class_index():
    assert class_index("gender", "female") == 1 and class_index("age_group", "old") == 2
    with pytest.raises(DcganError, match="classes"):
        class_index("gender", "other")
    with pytest.raises(DcganError, match="no head"):
        class_index("smile", "yes")


def test_judge_learns_made_up_faces_and_round_trips(made_up_utk, tmp_path):
    judge, metrics, settings = train_judge(str(made_up_utk), epochs=12, seed=0, width=8)
    assert metrics["images"] > 5 and metrics["train_images"] + metrics["images"] == 160
    assert metrics["gender_accuracy"] >= 0.95
    assert metrics["young_vs_old_accuracy"] >= 0.9
    path = save_judge(judge, tmp_path / "judge.pt", metrics, settings)
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert state["metrics"]["gender_accuracy"] == metrics["gender_accuracy"]
    loaded, meta = load_judge(tmp_path)
    x = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    assert torch.allclose(judge_probs(loaded, x)["gender"], judge_probs(judge, x)["gender"])
    assert meta["settings"]["epochs"] == 12


def test_judge_needs_labelled_faces(tmp_path):
    path = tmp_path / "plain.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(4):
            zf.writestr(f"faces/{i:06d}.jpg", encode(Image.new("RGB", (16, 16), (i, 0, 0)), "JPEG"))
    with pytest.raises(DcganError, match=r"no image has a name <age>_<gender>"):
        train_judge(str(path), epochs=1)  # a path is read as UTKFace: its names are what the judge learns from
    with pytest.raises(DcganError, match="no attribute"):
        train_judge("folder", path=str(path), epochs=1)  # a named reader without labels
    with pytest.raises(DcganError, match="does not exist"):
        load_judge(tmp_path / "missing.pt")
