"""The long-run scripts refuse a DEADLINE that has already passed instead of silently doing nothing.

`date -d 01:30` is today's 01:30, so a deadline typed before midnight for after it lies in the
past; scripts/faces.sh used to stop "before epoch N" at once and exit 0 as if it had finished.
"""

import os
import subprocess
import time
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@pytest.mark.parametrize(
    ("script", "args", "run_variable"),
    [("faces.sh", [], "FACES_RUN"), ("table1.sh", ["train"], "RUN")],
)
def test_a_past_deadline_is_refused_before_anything_runs(tmp_path, script, args, run_variable):
    run_dir = tmp_path / "run"
    env = dict(os.environ, DEADLINE=str(int(time.time()) - 3600), **{run_variable: str(run_dir)},
               RESULTS=str(tmp_path / "results"),
               # missing data: without the guard the scripts fail on it, never start a training
               UTK=str(tmp_path / "missing.zip"), CELEBA=str(tmp_path / "missing.zip"),
               TRAIN_DATA=str(tmp_path / "missing.zip"))
    done = subprocess.run(["bash", str(SCRIPTS / script), *args], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "DEADLINE" in done.stderr and "already past" in done.stderr
    assert "tomorrow HH:MM" in done.stderr
    assert not run_dir.exists() and not (tmp_path / "results").exists()
