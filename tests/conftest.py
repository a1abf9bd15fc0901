"""Shared fixtures: tiny, seeded data in the real on-disk formats, and a tiny trained run.

Everything here is made by the tests themselves, so the suite runs without ../shared and
without network. The tiny IDX folder holds class-dependent shapes (so a model can learn
something) and is written with the exact MNIST header layout.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from dcgan.config import resolve_config

SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def write_idx(path: Path, array: np.ndarray, gz: bool = True) -> Path:
    """Write ``array`` (uint8) as an IDX file: 0x00 0x00 0x08 ndim, big-endian sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path


def synthetic_digits(n: int, seed: int = 0, size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """``n`` grey images: class c is a bright bar at a class-specific angle/offset, with noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    yy, xx = np.mgrid[0:size, 0:size] - size / 2
    images = np.zeros((n, size, size), np.float32)
    for i, c in enumerate(labels):
        angle = np.pi * c / 10
        dist = np.abs(xx * np.sin(angle) - yy * np.cos(angle))
        images[i] = np.clip(1.5 - dist / 2, 0, 1) * (0.7 + 0.3 * rng.random())
    images += rng.normal(0, 0.05, images.shape)
    return (np.clip(images, 0, 1) * 255).astype(np.uint8), labels


@pytest.fixture(scope="session")
def idx_folder(tmp_path_factory) -> Path:
    """A Fashion-MNIST-format folder (train 512, test 128 images), gzipped like the original."""
    root = tmp_path_factory.mktemp("idx")
    for prefix, n, seed in (("train", 512, 0), ("t10k", 128, 1)):
        images, labels = synthetic_digits(n, seed)
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return root


def tiny_config(idx_folder: Path, out_dir: Path, **overrides):
    """A few-second config: 16 px, widths 8, batch 16, on the synthetic IDX folder."""
    values = {
        "data.name": "mnist",
        "data.path": str(idx_folder),
        "model.resolution": 16,
        "model.g_width": 8,
        "model.d_width": 8,
        "model.z_dim": 16,
        "train.batch_size": 16,
        "train.max_steps": 6,
        "train.log_every": 2,
        "train.checkpoint_every": 3,
        "train.samples_per_grid": 16,
        "train.out_dir": str(out_dir),
        "train.tensorboard": False,
        "train.eval_every": 0,  # no in-training evaluation (and no best.pt) unless a test asks for it
    }
    values.update(overrides)
    return resolve_config({}, values)


@pytest.fixture(scope="session")
def tiny_run(idx_folder, tmp_path_factory) -> Path:
    """A finished tiny training run directory (shared by read-only tests)."""
    from dcgan.training.loop import train

    run_dir = tmp_path_factory.mktemp("run") / "tiny"
    train(tiny_config(idx_folder, run_dir), progress=False)
    return run_dir


@pytest.fixture
def shared_datasets() -> Path:
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"../shared/datasets not found at {SHARED_DATASETS}: real-data checks need it")
    return SHARED_DATASETS


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Playwright (the report's and the explorer's browser tests); skips with
    the reason where either is missing."""
    from tests.report.test_browser import BROWSER_ARGS, find_browser

    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
    executable = find_browser()
    if executable is None:
        pytest.skip("no Chromium found (install Debian's chromium: bash scripts/setup.sh --browser, "
                    "or set DCGAN_CHROMIUM=/path/to/chrome)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=BROWSER_ARGS, timeout=60_000)
        yield b
        b.close()


SLOW_TESTS = Path(__file__).with_name("slow_tests.txt")


def pytest_collection_modifyitems(config, items):
    """The fast tier (``pytest -m "not slow"``): tests listed in slow_tests.txt (measured; refresh
    with scripts/slow_tests.py) are marked slow, as are those marked in code."""
    if not SLOW_TESTS.is_file():
        return
    slow = {line.strip() for line in SLOW_TESTS.read_text().splitlines() if line.strip() and not line.startswith("#")}
    for item in items:
        if item.nodeid.split("[")[0] in slow:
            item.add_marker(pytest.mark.slow)
