"""scripts/faces.sh and scripts/table1.sh: short lists of dcgan commands that run end to end (here
at a tiny size on made-up images) and resume through the library (train.snapshot_every,
train.time_limit, --resume), with no orchestration of their own."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from dcgan.core.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[1]
DCGAN = str(Path(sys.executable).with_name("dcgan"))
AGES = [1, 12, 29, 30, 49, 50, 77, 101]


def _zip(path: Path, names: list[str], size: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            buf = io.BytesIO()
            Image.fromarray((rng.random((size, size, 3)) * 255).astype("uint8")).save(buf, "JPEG" if name.endswith(".jpg") else "PNG")
            zf.writestr(name, buf.getvalue())
    return path


def _run(script: str, env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(["bash", str(ROOT / "scripts" / script), *args], env={**os.environ, "DCGAN": DCGAN, **env},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_scripts_are_short_lists_of_commands():
    for script in ("faces.sh", "table1.sh"):
        text = (ROOT / "scripts" / script).read_text()
        assert len(text.splitlines()) <= 60 and "python -c" not in text and "DEADLINE" not in text


def test_faces_script_runs_end_to_end_on_the_best_snapshot(tmp_path):
    utk = _zip(tmp_path / "utk.zip", [f"utk/{AGES[i % 8]}_{i % 2}_{i % 5}_2017011{i % 10}{i:06d}.jpg" for i in range(160)], 16)
    celeba = _zip(tmp_path / "celeba.zip", [f"celeba/{i:06d}.png" for i in range(40)], 16, seed=1)
    run, results = tmp_path / "run", tmp_path / "results"
    env = {"FACES_RUN": str(run), "RESULTS": str(results), "UTK": str(utk), "CELEBA": str(celeba), "STEPS": "4",
           "EVAL_EVERY": "2", "RESOLUTION": "16", "SHEET_N": "64", "POOL": "3", "DRAWS": "2", "REAL": "32", "POSE_N": "4",
           "JUDGE_EPOCHS": "1", "TRAIN_SET": "--set model.g_width=8 --set model.d_width=8 --set train.batch_size=16 "
           "--set train.eval_samples=64"}
    done = _run("faces.sh", env)
    assert "best snapshot" in done.stderr
    assert sorted(p.name for p in (run / "checkpoints" / "snapshots").glob("*.pt")) == ["step_000002.pt", "step_000004.pt"]
    assert load_checkpoint(run / "checkpoints" / "best.pt")["step"] in (2, 4)
    for name in ("judge.json", "arithmetic.json", "table.md", "samples.png", "pose/pose.json"):
        assert (results / name).is_file(), name


def test_table1_script_trains_in_resumable_calls_with_snapshots(tmp_path):
    data = _zip(tmp_path / "tiny.zip", [f"c{i % 2}/{i}.png" for i in range(64)], 32)
    run = tmp_path / "t1"
    _run("table1.sh", {"RUN": str(run), "TRAIN_DATA": str(data), "TARGET_STEPS": "2", "SNAP_EVERY": "1",
                       "TRAIN_SET": "--set train.batch_size=8"}, "train")
    _run("table1.sh", {"RUN": str(run), "TARGET_STEPS": "3"}, "train")  # the same command, further: an exact resume
    assert sorted(p.name for p in (run / "checkpoints" / "snapshots").glob("*.pt")) == [
        "step_000001.pt", "step_000002.pt", "step_000003.pt"]
    assert load_checkpoint(run)["step"] == 3 and load_checkpoint(run)["config"]["model"]["arch"] == "imagenet32"
