"""scripts/main_summary.py: the main job's closing table, read from what ``dcgan evaluate`` wrote."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dcgan.cli import main
from tests.scripts import load_script

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


def test_summary_quotes_the_evaluation_file(tmp_path):
    if not (FASHION_MNIST / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"Fashion-MNIST not found at {FASHION_MNIST} (Debian package dataset-fashion-mnist)")
    run = tmp_path / "run"
    (run / "eval").mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"train": {"precision": "auto", "channels_last": True}}))
    samples = np.random.default_rng(0).integers(0, 256, (64, 32, 32, 1), dtype=np.uint8)
    np.savez(tmp_path / "s.npz", samples)
    out = run / "eval" / "metrics.json"
    assert main(["evaluate", "--samples", str(tmp_path / "s.npz"), "--reference", "fashion-mnist", "--split", "test",
                 "--n-reference", "200", "--cache-dir", str(tmp_path / "cache"), "--out", str(out)]) == 0
    measured = json.loads(out.read_text())["metrics"]

    summary = load_script("main_summary")
    assert "train.precision=auto" in "\n".join(summary.summary_lines(run, 263))  # no log yet: the setting
    (run / "metrics.jsonl").write_text(json.dumps({"step": 0, "event": "start", "device": "cpu", "precision": "bf16",
                                                   "precision_reason": "bf16: avx512_bf16, conv probe 1.5x fp32"}) + "\n")
    lines = summary.summary_lines(run, 263)
    text = "\n".join(lines)
    assert "64 samples against 200 test images of fashion-mnist" in lines[0]
    assert f"{measured['fid']:.2f}" in text and f"{measured['coverage']:.3f}" in text
    assert "4 min 23 s" in text and "cpu, bf16: avx512_bf16, conv probe 1.5x fp32" in text
    assert str(run / "report" / "index.html") in text
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [
        {"step": 0, "event": "start", "time": 100.0}, {"step": 10, "loss_d": 1.0, "time": 160.0, "images_per_s": 5.0},
        {"step": 10, "fid": 30.0, "time": 170.0}, {"step": 20, "loss_d": 1.0, "time": 200.0, "images_per_s": 7.0},
        {"step": 20, "fid": 35.0, "time": 210.0}]))
    out = tmp_path / "main_job.json"
    assert summary.main([str(run), "263", "--json", str(out)]) == 0
    record = json.loads(out.read_text())
    assert record["metrics"] == measured and record["seconds"] == 263 and record["training_seconds"] == 110.0
    assert record["snapshot"] == {"step": 10, "in_training_fid": 30.0} and record["steps"] == 20
    assert record["machine"]["date"] and record["command"] == "bash scripts/main.sh"
