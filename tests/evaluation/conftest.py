"""Evaluation tests never touch ~/.cache: the reference-feature cache goes to a temp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(autouse=True)
def _temp_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DCGAN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "dcgan-cache"))


@pytest.fixture
def fashion_mnist() -> Path:
    if not (FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"Fashion-MNIST not found at {FASHION_MNIST} (Debian package dataset-fashion-mnist)")
    return FASHION_MNIST
