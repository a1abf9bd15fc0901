"""Faults while writing and resuming: each gives one line and exit status 2, the previous files
still load, nothing half-written is left under a final name, and the run resumes once the fault
is gone.

A full disk is played by a file-size limit (``RLIMIT_FSIZE``, set in a child process: the write
fails with EFBIG exactly as on a full disk with ENOSPC), a read-only folder by a rename that
fails with EROFS (as root, which CI is, permission bits do not stop a write)."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dcgan import atomic
from dcgan.cli import main
from dcgan.core.checkpoint import load_checkpoint
from tests.conftest import synthetic_digits, tiny_config, write_idx

TEMP_MARK = ".tmp"


def leftovers(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*") if TEMP_MARK in p.name]


def run_limited(args: list[str], max_file_bytes: int) -> subprocess.CompletedProcess:
    """``dcgan ARGS`` in a child whose files may not grow past ``max_file_bytes``."""

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "dcgan", *args], capture_output=True, text=True, timeout=300,
                          preexec_fn=limit, env=env)


def assert_one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    err = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert err[-1].startswith("dcgan ") and all(w in err[-1] for w in words), err[-1]


@pytest.fixture
def two_step_run(idx_folder, tmp_path) -> Path:
    from dcgan.training.loop import train

    run = tmp_path / "run"
    train(tiny_config(idx_folder, run, **{"train.max_steps": 2, "train.checkpoint_every": 100}), progress=False)
    return run


def test_a_full_disk_during_a_checkpoint_keeps_the_last_one_and_resume_works(two_step_run):
    run = two_step_run
    size = (run / "checkpoints" / "latest.pt").stat().st_size
    proc = run_limited(["train", "--resume", str(run), "--set", "train.max_steps=4", "--no-progress"], size // 2)
    assert_one_line_error(proc, "File too large", "latest")
    assert load_checkpoint(run)["step"] == 2
    assert leftovers(run) == []
    assert main(["train", "--resume", str(run), "--set", "train.max_steps=4", "--no-progress"]) == 0
    assert load_checkpoint(run)["step"] == 4


def test_a_full_disk_during_samples_keeps_the_old_file(tiny_run, tmp_path):
    out = tmp_path / "samples.npz"
    assert main(["sample", "--checkpoint", str(tiny_run), "--n", "8", "--seed", "1", "--out", str(out)]) == 0
    before = np.load(out)["arr_0"]
    proc = run_limited(["sample", "--checkpoint", str(tiny_run), "--n", "3000", "--out", str(out)], 64 * 1024)
    assert_one_line_error(proc, "File too large")
    assert np.array_equal(np.load(out)["arr_0"], before) and leftovers(tmp_path) == []


def test_a_full_disk_during_an_export_leaves_no_file(tiny_run, tmp_path):
    out = tmp_path / "g.safetensors"
    proc = run_limited(["export", str(tiny_run / "checkpoints" / "latest.pt"), "--format", "safetensors",
                        "--out", str(out)], 4 * 1024)
    assert_one_line_error(proc, "File too large")
    assert not out.exists() and leftovers(tmp_path) == []


def test_a_full_disk_during_the_report_leaves_no_half_page(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    proc = run_limited(["report", str(run)], 2 * 1024)
    assert_one_line_error(proc, "File too large")
    index = run / "report" / "index.html"
    assert not index.exists() and leftovers(run) == []
    assert main(["report", str(run)]) == 0 and index.read_text().rstrip().endswith("</html>")


def test_a_run_directory_that_turns_read_only(two_step_run, monkeypatch, capsys):
    run = two_step_run
    real_replace = os.replace

    def read_only(src, dst, *a, **k):
        raise OSError(errno.EROFS, "Read-only file system", str(dst))

    monkeypatch.setattr(atomic.os, "replace", read_only)
    assert main(["train", "--resume", str(run), "--set", "train.max_steps=4", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "Read-only file system" in err[-1] and "Traceback" not in "\n".join(err)
    assert load_checkpoint(run)["step"] == 2 and leftovers(run) == []
    monkeypatch.setattr(atomic.os, "replace", real_replace)
    assert main(["train", "--resume", str(run), "--set", "train.max_steps=4", "--no-progress"]) == 0
    assert load_checkpoint(run)["step"] == 4


def test_resume_with_the_data_gone_or_changed(idx_folder, tmp_path, capsys):
    from dcgan.training.loop import train

    data = tmp_path / "data"
    shutil.copytree(idx_folder, data)
    run = tmp_path / "run"
    train(tiny_config(data, run, **{"train.max_steps": 2}), progress=False)
    resume = ["train", "--resume", str(run), "--set", "train.max_steps=3", "--no-progress"]

    shutil.move(data, tmp_path / "away")
    assert main(resume) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert str(data) in err[-1] and "Traceback" not in "\n".join(err)

    images, labels = synthetic_digits(300, seed=5)  # the same format, other images: another permutation
    write_idx(data / "train-images-idx3-ubyte.gz", images)
    write_idx(data / "train-labels-idx1-ubyte.gz", labels)
    assert main(resume) == 2
    assert "now has 300 images but the run" in capsys.readouterr().err
    assert load_checkpoint(run)["step"] == 2

    shutil.rmtree(data)
    shutil.move(tmp_path / "away", data)
    assert main(resume) == 0 and load_checkpoint(run)["step"] == 3
