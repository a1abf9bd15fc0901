"""Issue #40: every public function of ``dcgan`` answers bad arguments with ``DcganError`` naming the
argument, never a TypeError/RuntimeError from deep inside, and never suggests ``weights_only=False``."""

from __future__ import annotations

import pytest

import dcgan
from dcgan import DcganError


@pytest.fixture(scope="module")
def model(tiny_run):
    return dcgan.load(tiny_run)


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    files = {"empty.pt": b"", "text.pt": b"hello, not a checkpoint\n", "image.jpg": b"\xff\xd8\xff\xe0garbage",
             "zip-head.pt": b"PK\x03\x04" + b"\0" * 20, "empty.safetensors": b""}
    for name, data in files.items():
        (root / name).write_bytes(data)
    (root / "folder").mkdir()
    return root


BAD_CALLS = {
    "generate seed str": (lambda m: m.generate(4, seed="a"), "seed"),
    "generate seed float": (lambda m: m.generate(4, seed=1.5), "seed"),
    "generate seed bool": (lambda m: m.generate(4, seed=True), "seed"),
    "generate seed negative": (lambda m: m.generate(4, seed=-1), "seed"),
    "generate n None": (lambda m: m.generate(), "n must be"),
    "generate n str": (lambda m: m.generate("4"), "n must be"),
    "generate batch_size str": (lambda m: m.generate(4, batch_size="3"), "batch_size"),
    "generate batch_size 0": (lambda m: m.generate(4, batch_size=0), "batch_size"),
    "generate z str": (lambda m: m.generate(z="abc"), "z"),
    "generate bn": (lambda m: m.generate(4, bn="eval"), "bn="),
    "discriminate path": (lambda m: m.discriminate("x.jpg"), "images must be"),
    "discriminate None": (lambda m: m.discriminate(None), "images must be"),
    "discriminate batch_size": (lambda m: m.discriminate(m.generate(2), batch_size=None), "batch_size"),
    "features None": (lambda m: m.features(None), "images must be"),
    "features 2-d": (lambda m: m.features([[1, 2]]), "4-d"),
    "features bn_stats": (lambda m: m.features(m.generate(2), bn_stats="x"), "bn_stats"),
    "features ragged": (lambda m: m.features([[1], [2, 3]]), "images"),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_model_methods(model, name):
    call, words = BAD_CALLS[name]
    with pytest.raises(DcganError, match=words):
        call(model)


@pytest.mark.parametrize("path", [None, 3, "", "missing.pt", "empty.pt", "text.pt", "image.jpg", "zip-head.pt",
                                  "empty.safetensors", "folder"])
def test_load_refuses_what_is_not_a_checkpoint(bad_files, path):
    arg = bad_files / path if isinstance(path, str) and path else path
    with pytest.raises(DcganError) as refused:
        dcgan.load(arg)
    message = str(refused.value)
    assert "\n" not in message and "weights_only" not in message
    if isinstance(path, str) and path:
        assert path in message  # the file is named


def test_load_names_a_bad_device(tiny_run):
    with pytest.raises(DcganError, match="device"):
        dcgan.load(tiny_run, device="gpu7")
    with pytest.raises(DcganError, match="device"):
        dcgan.load(tiny_run, device=7)


def test_train_speaks_python_not_cli(tiny_run, tmp_path):
    with pytest.raises(DcganError, match="train.lr_g"):
        dcgan.train({"train.lr_g": "fast"})
    with pytest.raises(DcganError, match="Config or a dict"):
        dcgan.train(["train.epochs=1"])
    with pytest.raises(DcganError, match="resume"):
        dcgan.train(resume=3)
    with pytest.raises(DcganError, match="does not exist"):
        dcgan.train(resume=tmp_path / "nope")
    with pytest.raises(DcganError) as refused:
        dcgan.train({"train.seed": 5}, resume=tiny_run)
    assert "allow_inexact_resume=True" in str(refused.value) and "--allow" not in str(refused.value)
