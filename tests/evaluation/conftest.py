"""Evaluation tests never touch ~/.cache nor the network: the reference-feature cache and the torch
hub cache go to a temp folder, and the Inception weights are never fetched (the fetch's own tests
re-enable it against a server on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(autouse=True)
def _temp_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DCGAN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "dcgan-cache"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path_factory.getbasetemp() / "torch-home"))
    monkeypatch.setenv("DCGAN_OFFLINE", "1")


@pytest.fixture
def fashion_mnist() -> Path:
    if not (FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"Fashion-MNIST not found at {FASHION_MNIST} (Debian package dataset-fashion-mnist)")
    return FASHION_MNIST
