"""scripts/faces.sh and scripts/table1.sh: short lists of dcgan commands that run end to end (here
at a tiny size on made-up images) and resume through the library (train.snapshot_every,
train.time_limit, --resume), with no orchestration of their own."""

from __future__ import annotations

import io
import json
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
    for script in ("faces.sh", "table1.sh", "gpu.sh"):
        text = (ROOT / "scripts" / script).read_text()
        assert len(text.splitlines()) <= 60 and "python -c" not in text and "DEADLINE" not in text


def test_gpu_script_runs_faces_table1_and_publishing_at_a_tiny_size(tmp_path):
    """scripts/gpu.sh SIZE=tiny: faces.sh (judge, training with the best snapshot kept, scoring,
    pose), table1.sh (train, curve with step 0, table) and publishing, as on a GPU but tiny."""
    utk = _zip(tmp_path / "utk.zip", [f"utk/{AGES[i % 8]}_{i % 2}_{i % 5}_2017011{i % 10}{i:06d}.jpg" for i in range(160)], 16)
    celeba = _zip(tmp_path / "celeba.zip", [f"celeba/{i:06d}.png" for i in range(40)], 16, seed=1)
    tiny = _zip(tmp_path / "tiny.zip", [f"c{i % 2}/{i}.png" for i in range(64)], 32, seed=2)
    cifar = _zip(tmp_path / "cifar.zip", [f"{s}/c{i % 2}/{i}.png" for s, n in (("train", 60), ("test", 20)) for i in range(n)], 32)
    out, runs = tmp_path / "out", tmp_path / "runs"
    done = _run("gpu.sh", {"SIZE": "tiny", "SETUP": "0", "OUT": str(out), "RUNS": str(runs), "UTK": str(utk),
                           "CELEBA": str(celeba), "TRAIN_DATA": str(tiny), "CIFAR": str(cifar)})
    assert "best snapshot" in done.stderr and (out / "device.txt").read_text().strip()
    assert sorted(p.name for p in (runs / "faces" / "checkpoints" / "snapshots").glob("*.pt")) == [
        "step_000002.pt", "step_000004.pt"]
    for name in ("judge.json", "arithmetic.json", "table.md", "samples.png", "pose/pose.json"):
        assert (out / "faces" / name).is_file(), name
    curve = sorted(p.parent.name for p in (out / "table1" / "curve").glob("*/table.json"))
    assert curve == ["step_000000", "step_000001", "step_000002"]  # step 0: the random-weight D
    assert (out / "table1" / "table1_d" / "dcgan" / "table.json").is_file()
    registry = json.loads((out / "pretrained" / "registry.json").read_text())
    assert sorted(registry) == ["faces", "table1"] and registry["table1"]["arch"] == "imagenet32"


def test_table1_script_trains_in_resumable_calls_with_snapshots(tmp_path):
    data = _zip(tmp_path / "tiny.zip", [f"c{i % 2}/{i}.png" for i in range(64)], 32)
    run = tmp_path / "t1"
    _run("table1.sh", {"RUN": str(run), "TRAIN_DATA": str(data), "TARGET_STEPS": "2", "SNAP_EVERY": "1",
                       "TRAIN_SET": "--set train.batch_size=8"}, "train")
    _run("table1.sh", {"RUN": str(run), "TARGET_STEPS": "3"}, "train")  # the same command, further: an exact resume
    assert sorted(p.name for p in (run / "checkpoints" / "snapshots").glob("*.pt")) == [
        "step_000001.pt", "step_000002.pt", "step_000003.pt"]
    assert load_checkpoint(run)["step"] == 3 and load_checkpoint(run)["config"]["model"]["arch"] == "imagenet32"
