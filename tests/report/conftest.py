"""Report fixtures: a private copy of the shared tiny run, and result files shaped like the ones
the evaluation, classification, experiment and dedup commands write (see dcgan.report.layout)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dcgan.images import save_animation
from dcgan.report import layout

PAYLOAD = "<script>alert('x')</script>&"  # must appear escaped, never as markup


@pytest.fixture
def run_copy(tiny_run, tmp_path) -> Path:
    """The tiny run, copied so a test can write into it."""
    return Path(shutil.copytree(tiny_run, tmp_path / "run", ignore=shutil.ignore_patterns(layout.REPORT_DIR)))


def _png(path: Path, size=(40, 30), seed=0, mode="RGB") -> Path:
    rng = np.random.default_rng(seed)
    shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)).save(path)
    return path


def add_results(run_dir: Path) -> dict:
    """Write one of each kind of result into ``run_dir``; returns what was written, for checks."""
    written = {}
    eval_dir = run_dir / layout.EVAL_DIR
    eval_dir.mkdir()
    written["eval"] = {"fid": 123.456, "features": "fmnist-classifier-v1", "n_samples": 10000,
                       "kid": {"mean": 0.0123, "std": 0.0004}}
    (eval_dir / "metrics.json").write_text(json.dumps(written["eval"]))
    _png(eval_dir / "nearest_neighbours.png", seed=1)

    cls_dir = run_dir / layout.CLASSIFY_DIR
    cls_dir.mkdir()
    (cls_dir / "table.md").write_text(
        "# Fashion-MNIST\n\n| method | accuracy | features |\n|---|---:|---|\n"
        "| DCGAN D + L2-SVM | 88.1% | 7168 |\n| raw pixels | 84.0% | 1024 |\n\nC chosen on **validation**.\n"
    )
    (cls_dir / "table.json").write_text(json.dumps([{"method": "DCGAN D + L2-SVM", "accuracy": 0.881}]))

    walks = run_dir / layout.EXPERIMENTS_DIR / "walk"
    _png(walks / "walk_linear.png", size=(120, 20), seed=2, mode="L")
    frames = [np.random.default_rng(i).integers(0, 255, (20, 20, 1), dtype=np.uint8) for i in range(4)]
    save_animation(frames, walks / "walk.gif")
    (walks / layout.SUMMARY_FILE).write_text(json.dumps({"points": 9, "seeds": [1, 2, 3], "note": PAYLOAD}))
    odd = run_dir / layout.EXPERIMENTS_DIR / "odd<name>&"
    odd.mkdir(parents=True)
    (odd / layout.SUMMARY_FILE).write_text(json.dumps({"rows": [{"a": 1, "b": 2.5}, {"a": 2, "c": "x"}]}))

    dedup = run_dir / layout.DEDUP_DIR
    _png(dedup / "largest_groups.png", seed=3)
    (dedup / "counts.json").write_text(json.dumps({"images": 60000, "groups": 12, "removed": 31}))

    # An evaluation appended to the training log, as `dcgan train --eval-every` would.
    with open(run_dir / layout.METRICS_FILE, "a") as fh:
        fh.write(json.dumps({"step": 3, "fid": 210.0, "fid_samples": 2048, "fid_features": "fashion-cnn"}) + "\n")
        fh.write(json.dumps({"step": 6, "fid": 150.0, "fid_samples": 2048, "fid_features": "fashion-cnn"}) + "\n")
    return written
